import AcornModel
import AcornOutbound
import AcornSPAPI
import Foundation
import Testing

@testable import AcornSandbox

/// The sandbox's request schemas against Amazon's models: what the models refuse, the sandbox
/// refuses; what Acorn sends, both accept.
@Suite("acorn sandbox serve: vendor POSTs")
struct SandboxOutboundTests {
  static var models: String? {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    let path = url.path + "/../shared/reference/vendor-central/models"
    return FileManager.default.fileExists(atPath: path) ? path : nil
  }

  static let cases: [(op: String, file: String, request: String, element: String, list: String)] =
    [
      (
        "submitAcknowledgement", "vendorOrders.json", "SubmitAcknowledgementRequest",
        "OrderAcknowledgement", "acknowledgements"
      ),
      (
        "SubmitShipmentConfirmations", "vendorShipments.json",
        "SubmitShipmentConfirmationsRequest", "ShipmentConfirmation", "shipmentConfirmations"
      ),
      ("submitInvoices", "vendorInvoices.json", "SubmitInvoicesRequest", "Invoice", "invoices"),
    ]

  /// Amazon's own request example for the operation (the model's 202 sandbox example).
  static func example(_ model: JSONValue, op: String) -> JSONValue? {
    for (_, path) in model["paths"]?.objectValue ?? [:] {
      guard let post = path["post"], post["operationId"]?.stringValue == op else { continue }
      // The 202 examples (the 400 ones are meant to be refused).
      for s in post["responses"]?["202"]?["x-amzn-api-sandbox"]?["static"]?.arrayValue ?? [] {
        if let body = s["request"]?["parameters"]?["body"]?["value"] { return body }
      }
    }
    return nil
  }

  @Test(
    "the sandbox refuses what Amazon's models refuse — each required property removed, each enumeration broken — and accepts their examples",
    .enabled(if: models != nil, "../shared/reference/vendor-central/models is absent"))
  func schemasFollowTheModels() throws {
    for c in Self.cases {
      let bytes = try Array(
        Data(contentsOf: URL(fileURLWithPath: try #require(Self.models) + "/" + c.file)))
      let model = try JSONParser.parse(bytes).value
      let amazon = JSONSchemaSet(schemas: [
        c.file: model,
        "request.json": .object(["$ref": .string("\(c.file)#/definitions/\(c.request)")]),
      ])
      let found = Self.example(model, op: c.op)
      try #require(found != nil, "\(c.op) has a request example")
      let body = found ?? .null
      #expect(try amazon.validate(body, against: "request.json").isEmpty)
      #expect(SandboxRequestSchemas.violations(body, operation: c.op).isEmpty, "\(c.op)")
      let element = try #require(model["definitions"]?[c.element])
      let required = (element["required"]?.arrayValue ?? []).compactMap(\.stringValue)
      #expect(!required.isEmpty)
      let first = JSONPath([.key(c.list), .index(0)])
      for field in required {
        let broken = try #require(body.setting(nil, at: first.appending(field)))
        #expect(!(try amazon.validate(broken, against: "request.json")).isEmpty)
        #expect(
          !SandboxRequestSchemas.violations(broken, operation: c.op).isEmpty,
          "\(c.op) without \(field) must be refused")
      }
      for (name, property) in element["properties"]?.objectValue ?? [:] {
        var p = property
        if let ref = p["$ref"]?.stringValue, ref.hasPrefix("#/definitions/") {
          p = model["definitions"]?[String(ref.dropFirst("#/definitions/".count))] ?? p
        }
        guard p["enum"] != nil else { continue }
        let broken = try #require(body.setting(.string("NotAValue"), at: first.appending(name)))
        #expect(!(try amazon.validate(broken, against: "request.json")).isEmpty)
        #expect(
          !SandboxRequestSchemas.violations(broken, operation: c.op).isEmpty,
          "\(c.op) with \(name) = NotAValue must be refused")
      }
    }
  }

  func server() -> SandboxServer {
    SandboxServer(
      vendor: SandboxVendor(seed: 5), marketplaces: Marketplace.all.filter { $0.code == "US" },
      start: CivilDate.day("2026-05-01") ?? 0, asOf: CivilDate.day("2026-05-20") ?? 0)
  }

  func post(_ s: SandboxServer, _ path: String, _ body: JSONValue, token: String) -> HTTPResponse {
    s.handle(
      HTTPRequest(
        method: "POST", url: path, headers: ["x-amz-access-token": token],
        body: CanonicalJSON.bytes(body)))
  }

  func token(_ s: SandboxServer) throws -> String {
    let r = s.handle(
      HTTPRequest(
        method: "POST", url: "/auth/o2/token",
        body: Array("grant_type=refresh_token&refresh_token=r&client_id=c&client_secret=s".utf8)))
    return try #require(try JSONParser.parse(r.body).value["access_token"]?.stringValue)
  }

  @Test(
    "a POST is refused with Amazon's error shape, or accepted with a transaction that is Processing, then Success or Failure"
  )
  func transactions() throws {
    let s = server()
    let t = try token(s)
    let bad = post(s, "/vendor/payments/v1/invoices", .object(["invoices": .array([])]), token: t)
    #expect(bad.status == 400)
    let err = try JSONParser.parse(bad.body).value["errors"]?.arrayValue?.first
    #expect(err?["code"]?.stringValue == "InvalidInput")
    #expect(err?["details"]?.stringValue?.contains("minItems") == true || err?["details"] != nil)
    // An invoice whose total is not its lines': accepted, then Failure with the reason.
    let invoice: JSONValue = .object([
      "invoices": .array([
        .object([
          "invoiceType": .string("Invoice"), "id": .string("NEW-1"),
          "date": .string("2026-05-19T00:00:00Z"),
          "remitToParty": .object(["partyId": .string("SBX01")]),
          "invoiceTotal": .object(["currencyCode": .string("USD"), "amount": .string("10.00")]),
          "items": .array([
            .object([
              "itemSequenceNumber": .number(DecimalNumber(1)),
              "invoicedQuantity": .object([
                "amount": .number(DecimalNumber(3)), "unitOfMeasure": .string("Eaches"),
              ]),
              "netCost": .object(["currencyCode": .string("USD"), "amount": .string("3.00")]),
            ])
          ]),
        ])
      ])
    ])
    let accepted = post(s, "/vendor/payments/v1/invoices", invoice, token: t)
    #expect(accepted.status == 202)
    let id = try #require(
      try JSONParser.parse(accepted.body).value["payload"]?["transactionId"]?.stringValue)
    func status() throws -> JSONValue? {
      let r = s.handle(
        HTTPRequest(
          method: "GET", url: "/vendor/transactions/v1/transactions/\(id)",
          headers: ["x-amz-access-token": t]))
      return try JSONParser.parse(r.body).value["payload"]?["transactionStatus"]
    }
    #expect(try status()?["status"]?.stringValue == "Processing")
    let final = try status()
    #expect(final?["status"]?.stringValue == "Failure")
    #expect(
      final?["errors"]?.arrayValue?.first?["code"]?.stringValue == "INVALID_INVOICE_TOTAL")
    // The same number again is a duplicate, and the stats count both arrivals.
    _ = post(s, "/vendor/payments/v1/invoices", invoice, token: t)
    let stats = s.handle(HTTPRequest(method: "GET", url: "/sandbox/stats"))
    #expect(
      try JSONParser.parse(stats.body).value["received"]?["invoice:NEW-1"]?.intValue == 2)
  }
}
