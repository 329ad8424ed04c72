import AcornHTTP
import AcornModel
import Foundation

/// Amazon's published API models as a contract both sides are checked against, so the client
/// and Acorn's sandbox do not share one reading of the API: every request is matched to a
/// model operation by method and path and checked for its parameters (declared names, required
/// ones, types, formats, enumerations, minimum and maximum, and the date windows the operations'
/// descriptions state) and body schema; every answer is checked against the model's schema for
/// that operation and status.
///
/// The models are Amazon's Swagger files in `../shared/reference/vendor-central/models/`. The
/// Finance Remittance API's model is not there, only its digest (`FINANCE-APIS.md`); its
/// operations are transcribed from that digest below.
struct AmazonContract {
  struct Operation {
    var id: String
    var method: String
    var segments: [String]
    var parameters: [JSONValue]
    /// Status → the schema key of the answer's body.
    var responses: [String: String]
    var body: String?
  }

  let operations: [Operation]
  let schemas: JSONSchemaSet

  static let modelFiles = [
    "vendorOrders.json", "vendorShipments.json", "vendorInvoices.json",
    "vendorTransactionStatus.json", "financesInvoices_2026-06-25.json",
  ]

  /// Date windows stated in the operations' descriptions (`vendorOrders.json`: "The date range
  /// must not exceed 7 days"; FINANCE-APIS.md and CLIENT-NOTES.md: at most 90 days for
  /// remittances and invoices): operation → pairs of (after, before) parameters and days.
  static let windows: [String: [(String, String, Int)]] = [
    "getPurchaseOrders": [
      ("createdAfter", "createdBefore", 7), ("changedAfter", "changedBefore", 7),
    ],
    "getPurchaseOrdersStatus": [
      ("createdAfter", "createdBefore", 7), ("updatedAfter", "updatedBefore", 7),
    ],
    "getRemittanceHeaders": [("startDate", "endDate", 90)],
    "getInvoiceHeaders": [("fromIssueDate", "toIssueDate", 90)],
  ]

  init(models folder: String) throws {
    var documents: [String: JSONValue] = [:]
    var operations: [Operation] = []
    for file in Self.modelFiles {
      let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: folder + "/" + file)))
      let model = try JSONParser.parse(bytes).value
      documents[file] = model
      for (path, item) in model["paths"]?.objectValue ?? [:] {
        for (method, op) in item.objectValue ?? [:] {
          guard let id = op["operationId"]?.stringValue else { continue }
          let pointer = "#/paths/" + Self.escape(path) + "/" + method
          var responses: [String: String] = [:]
          for (status, response) in op["responses"]?.objectValue ?? [:]
          where response["schema"] != nil {
            let key = "contract-\(id)-\(status).json"
            documents[key] = .object([
              "$ref": .string(file + pointer + "/responses/" + status + "/schema")
            ])
            responses[status] = key
          }
          var body: String?
          let parameters =
            (op["parameters"]?.arrayValue ?? []) + (item["parameters"]?.arrayValue ?? [])
          for (i, parameter) in parameters.enumerated() where parameter["in"]?.stringValue == "body"
          {
            let key = "contract-\(id)-body.json"
            documents[key] = .object([
              "$ref": .string(file + pointer + "/parameters/\(i)/schema")
            ])
            body = key
          }
          operations.append(
            Operation(
              id: id, method: method.uppercased(), segments: Self.segments(path),
              parameters: parameters, responses: responses, body: body))
        }
      }
    }
    let remittance = try JSONParser.parse(Self.remittanceDigest)
    documents["financeRemittance-digest.json"] = remittance
    for (id, path, parameters) in [
      (
        "getRemittanceHeaders", "/finances/remittances/2026-03-17/remittances",
        [
          Self.query("marketplaceId", required: true), Self.query("startDate", format: "date-time"),
          Self.query("endDate", format: "date-time"), Self.query("nextToken"),
        ]
      ),
      (
        "getRemittance", "/finances/remittances/2026-03-17/remittances/{uniquePaymentId}",
        [
          Self.query("marketplaceId", required: true), Self.query("nextTokenForLineItems"),
          .object([
            "name": .string("uniquePaymentId"), "in": .string("path"), "required": .bool(true),
            "type": .string("string"),
          ]),
        ]
      ),
    ] {
      let key = "contract-\(id)-200.json"
      documents[key] = .object([
        "$ref": .string("financeRemittance-digest.json#/definitions/\(id)Response")
      ])
      var responses = ["200": key]
      for status in ["400", "403", "404", "413", "415", "429", "500", "503"] {
        let errorKey = "contract-\(id)-\(status).json"
        documents[errorKey] = .object([
          "$ref": .string("financeRemittance-digest.json#/definitions/ErrorList")
        ])
        responses[status] = errorKey
      }
      operations.append(
        Operation(
          id: id, method: "GET", segments: Self.segments(path), parameters: parameters,
          responses: responses, body: nil))
    }
    self.operations = operations
    self.schemas = JSONSchemaSet(schemas: documents, unknownKeywords: .ignore)
  }

  static func query(_ name: String, required: Bool = false, format: String? = nil) -> JSONValue {
    var p: [String: JSONValue] = [
      "name": .string(name), "in": .string("query"), "required": .bool(required),
      "type": .string("string"),
    ]
    if let format { p["format"] = .string(format) }
    return .object(p)
  }

  static func escape(_ token: String) -> String {
    token.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
  }

  static func segments(_ path: String) -> [String] {
    path.split(separator: "/").map(String.init)
  }

  /// The model operation a request is, by method and path.
  func operation(method: String, path: String) -> (Operation, [String: String])? {
    let parts = Self.segments(path).map(URIDecoding.decode)
    for op in operations where op.method == method && op.segments.count == parts.count {
      var values: [String: String] = [:]
      var matched = true
      for (template, part) in zip(op.segments, parts) {
        if template.hasPrefix("{") && template.hasSuffix("}") {
          guard !part.isEmpty else {
            matched = false
            break
          }
          values[String(template.dropFirst().dropLast())] = part
        } else if template != part {
          matched = false
          break
        }
      }
      if matched { return (op, values) }
    }
    return nil
  }

  /// What is wrong with one exchange; empty when both sides keep the contract.
  /// `truncatedByFault`: the sandbox was told to cut answers short, so an unparsable 200 body
  /// is the injected fault, counted by the caller, not a contract breach.
  func check(_ request: HTTPRequest, _ response: HTTPResponse?, truncatedByFault: Bool = false)
    -> (operation: String?, problems: [String], truncated: Bool)
  {
    guard let url = URLComponents(string: request.url) else {
      return (nil, ["\(request.url): not a URL"], false)
    }
    if url.path == "/auth/o2/token" {
      return ("token", checkToken(request), false)
    }
    guard let (op, pathValues) = operation(method: request.method, path: url.percentEncodedPath)
    else {
      return (nil, ["\(request.method) \(url.path): no operation in Amazon's models"], false)
    }
    var problems: [String] = []
    func fail(_ message: String) { problems.append("\(op.id) \(request.url): \(message)") }
    if request.headers["x-amz-access-token"]?.isEmpty ?? true { fail("no x-amz-access-token") }
    // Parameters.
    var query: [String: String] = [:]
    for pair in (url.percentEncodedQuery ?? "").split(separator: "&") {
      let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
      let name = URIDecoding.decode(kv[0])
      if query[name] != nil { fail("parameter \(name) given twice") }
      query[name] = URIDecoding.decode(kv.count > 1 ? kv[1] : "")
    }
    let declared = Dictionary(
      op.parameters.compactMap { p in p["name"]?.stringValue.map { ($0, p) } },
      uniquingKeysWith: { a, _ in a })
    for name in query.keys.sorted()
    where declared[name]?["in"]?.stringValue != "query" {
      fail("query parameter \(name) is not in the model")
    }
    for (name, parameter) in declared {
      let place = parameter["in"]?.stringValue
      let value: String? =
        place == "query" ? query[name] : place == "path" ? pathValues[name] : nil
      if parameter["required"]?.boolValue == true, place != "body", value == nil {
        fail("required parameter \(name) is missing")
      }
      if let value, place != "body" {
        problems += Self.checkValue(value, parameter).map { "\(op.id) \(name)=\(value): \($0)" }
      }
    }
    for (after, before, days) in Self.windows[op.id] ?? [] {
      guard let from = query[after].flatMap(Self.instant),
        let to = query[before].flatMap(Self.instant)
      else { continue }
      if to < from { fail("\(before) is before \(after)") }
      if to - from > Double(days) * 86_400 {
        fail("\(after)…\(before) spans more than \(days) days")
      }
    }
    // Body.
    if let body = op.body {
      if request.headers["content-type"]?.hasPrefix("application/json") != true {
        fail("a body without content-type application/json")
      }
      switch Result(catching: { try JSONParser.parse(request.body).value }) {
      case .success(let value):
        problems += violations(value, body).map { "\(op.id) request body: \($0)" }
      case .failure(let error): fail("request body is not JSON: \(error)")
      }
    } else if !request.body.isEmpty {
      fail("a body on an operation that takes none")
    }
    // Answer.
    var truncated = false
    if let response {
      let status = String(response.status)
      if let schema = op.responses[status] {
        switch Result(catching: { try JSONParser.parse(response.body).value }) {
        case .success(let value):
          problems += violations(value, schema).map { "\(op.id) \(status) answer: \($0)" }
        case .failure(let error):
          if truncatedByFault && response.status == 200 {
            truncated = true
          } else {
            fail("\(status) answer is not JSON: \(error)")
          }
        }
      } else {
        fail("answered \(status), which the model does not declare")
      }
    }
    return (op.id, problems, truncated)
  }

  func violations(_ value: JSONValue, _ schema: String) -> [String] {
    do {
      return try schemas.validate(value, against: schema).map { "\($0.path) \($0.message)" }
    } catch {
      return ["\(error)"]
    }
  }

  /// The LWA token request (CLIENT-NOTES.md §2.3): a form-encoded POST with the refresh grant.
  func checkToken(_ request: HTTPRequest) -> [String] {
    var problems: [String] = []
    if request.method != "POST" { problems.append("token: \(request.method), not POST") }
    if request.headers["content-type"]?.hasPrefix("application/x-www-form-urlencoded") != true {
      problems.append("token: not form-encoded")
    }
    var fields: [String: String] = [:]
    for pair in String(decoding: request.body, as: UTF8.self).split(separator: "&") {
      let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
      fields[kv[0]] = URIDecoding.decode(kv.count > 1 ? kv[1] : "")
    }
    if fields["grant_type"] != "refresh_token" {
      problems.append("token: grant_type is not refresh_token")
    }
    for name in ["refresh_token", "client_id", "client_secret"] where fields[name]?.isEmpty ?? true
    {
      problems.append("token: \(name) missing")
    }
    return problems
  }

  /// A parameter value against its declaration: type, format, enumeration, bounds, length.
  static func checkValue(_ value: String, _ parameter: JSONValue) -> [String] {
    var problems: [String] = []
    switch parameter["type"]?.stringValue {
    case "integer":
      guard let n = Int(value) else { return ["not an integer"] }
      if let min = parameter["minimum"]?.intValue, n < min { problems.append("below \(min)") }
      if let max = parameter["maximum"]?.intValue, n > max { problems.append("above \(max)") }
    case "boolean":
      if value != "true" && value != "false" { problems.append("not true or false") }
    default:
      if parameter["format"]?.stringValue == "date-time", !CivilDate.isDateTime(value) {
        problems.append("not an RFC 3339 date-time")
      }
      if parameter["format"]?.stringValue == "boolean", value != "true", value != "false" {
        problems.append("not true or false")
      }
      if let options = parameter["enum"]?.arrayValue, !options.contains(.string(value)) {
        problems.append("not one of \(options.compactMap(\.stringValue))")
      }
      if let max = parameter["maxLength"]?.intValue, value.unicodeScalars.count > max {
        problems.append("longer than \(max)")
      }
    }
    return problems
  }

  static func instant(_ text: String) -> Double? {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime]
    if let date = formatter.date(from: text) { return date.timeIntervalSince1970 }
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.date(from: text)?.timeIntervalSince1970
  }

  /// The Finance Remittance API 2026-03-17 as FINANCE-APIS.md digests Amazon's model.
  static let remittanceDigest = #"""
    {
      "definitions": {
        "Currency": {
          "type": "object",
          "required": ["currencyCode", "currencyAmount"],
          "properties": {
            "currencyCode": {"type": "string", "pattern": "^[A-Z]{3}$"},
            "currencyAmount": {"type": "number"}
          }
        },
        "RelatedIdentifier": {
          "type": "object",
          "properties": {
            "relatedIdentifierName": {"type": "string"},
            "relatedIdentifierValue": {"type": "array", "items": {"type": "string"}}
          }
        },
        "RemittanceHeader": {
          "type": "object",
          "required": ["uniquePaymentId", "paymentDate", "paymentAmount", "remittanceStatus"],
          "properties": {
            "uniquePaymentId": {"type": "string"},
            "paymentDate": {"type": "string", "format": "date-time"},
            "paymentAmount": {"$ref": "#/definitions/Currency"},
            "remittanceStatus": {"enum": ["IN_PROGRESS", "SUCCESSFUL", "FAILED"]},
            "paymentNumber": {"type": "string"},
            "exchangeRate": {"type": "number"},
            "paymentAmountInInvoiceCurrency": {"$ref": "#/definitions/Currency"},
            "paymentMethod": {"type": "string"},
            "lineItemCount": {"type": "integer"},
            "relatedIdentifiers": {"type": "array", "items": {"$ref": "#/definitions/RelatedIdentifier"}},
            "countryCode": {"type": "string", "pattern": "^[A-Z]{2}$"}
          }
        },
        "Breakdown": {
          "type": "array",
          "items": {
            "type": "object",
            "properties": {
              "breakdownType": {"type": "string"},
              "breakdownAmount": {"$ref": "#/definitions/Currency"}
            }
          }
        },
        "RemittanceItem": {
          "type": "object",
          "properties": {
            "invoiceNumber": {"type": "string"},
            "invoiceIssueDate": {"type": "string", "format": "date-time"},
            "invoiceType": {"type": "string"},
            "description": {"type": "string"},
            "paymentTerms": {"type": "string"},
            "totalAmount": {"$ref": "#/definitions/Currency"},
            "totalAmountBreakdown": {"$ref": "#/definitions/Breakdown"},
            "netAmountPaid": {"$ref": "#/definitions/Currency"},
            "netAmountPaidBreakdown": {"$ref": "#/definitions/Breakdown"},
            "withholdingAmount": {"$ref": "#/definitions/Currency"},
            "relatedItemIdentifiers": {"type": "array", "items": {"$ref": "#/definitions/RelatedIdentifier"}}
          }
        },
        "getRemittanceHeadersResponse": {
          "type": "object",
          "required": ["remittances"],
          "properties": {
            "remittances": {"type": "array", "items": {"$ref": "#/definitions/RemittanceHeader"}},
            "nextToken": {"type": "string"},
            "numOfRecords": {"type": "integer"}
          }
        },
        "getRemittanceResponse": {
          "type": "object",
          "required": ["remittanceHeader", "remittanceItems"],
          "properties": {
            "remittanceHeader": {"$ref": "#/definitions/RemittanceHeader"},
            "remittanceItems": {"type": "array", "items": {"$ref": "#/definitions/RemittanceItem"}},
            "nextTokenForLineItems": {"type": "string"}
          }
        },
        "ErrorList": {
          "type": "object",
          "required": ["errors"],
          "properties": {
            "errors": {
              "type": "array",
              "items": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                  "code": {"type": "string"}, "message": {"type": "string"}, "details": {"type": "string"}
                }
              }
            }
          }
        }
      }
    }
    """#
}

enum URIDecoding {
  /// `%XX` decoded; `+` is a plus (SP-API query strings are RFC 3986, not form-encoded).
  static func decode(_ text: String) -> String {
    text.removingPercentEncoding ?? text
  }
}

/// A transport that keeps every exchange it carries, for checking against the contract.
final class RecordingTransport: HTTPTransport, @unchecked Sendable {
  let inner: any HTTPTransport
  private let lock = NSLock()
  private var exchanges: [(HTTPRequest, HTTPResponse?)] = []

  init(_ inner: any HTTPTransport) { self.inner = inner }

  func send(_ request: HTTPRequest, timeout: Double) throws -> HTTPResponse {
    do {
      let response = try inner.send(request, timeout: timeout)
      lock.withLock { exchanges.append((request, response)) }
      return response
    } catch {
      lock.withLock { exchanges.append((request, nil)) }
      throw error
    }
  }

  var recorded: [(HTTPRequest, HTTPResponse?)] { lock.withLock { exchanges } }
}
