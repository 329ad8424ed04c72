import AcornHTTP
import AcornModel
import Foundation

/// What the sandbox remembers of documents vendors sent it: each accepted POST with its
/// transaction, so `getTransaction` answers `Processing` and then `Success` or `Failure`, the
/// status and detail reads show acknowledgements, ASNs and invoices Amazon has, and a test can
/// count how often each document arrived (`/sandbox/stats`, `received`).
struct SandboxOutboundState {
  struct Transaction {
    var id: String
    var operation: String
    var key: String
    var polls = 0
    var errors: [JSONValue]
  }

  var transactions: [String: Transaction] = [:]
  /// Document key (`ack:PO`, `asn:ID`, `invoice:NUMBER`) → times accepted.
  var received: [String: Int] = [:]
  /// Purchase order → line → acknowledgement status (getPurchaseOrdersStatus).
  var acknowledgements: [String: [String: JSONValue]] = [:]
  /// Shipment id → the ASN as GetShipmentDetails shows it.
  var shipments: [String: JSONValue] = [:]
  /// Invoice number → the invoice as sent.
  var invoices: [String: JSONValue] = [:]
  var counter = 0
}

extension SandboxServer {
  static let postOperations: [String: String] = [
    "/vendor/orders/v1/acknowledgements": "submitAcknowledgement",
    "/vendor/shipping/v1/shipmentConfirmations": "SubmitShipmentConfirmations",
    "/vendor/payments/v1/invoices": "submitInvoices",
  ]

  /// A vendor POST: the body is checked against the operation's request schema (400 with
  /// Amazon's error shape when it does not conform); an accepted document gets a transaction id
  /// (202), and its business checks decide whether the transaction ends in `Success` or
  /// `Failure`. Faults: `lost` (accepted, the answer never sent), `accept-500` (accepted, then
  /// 500), `accept-slow` (accepted, the answer 3 s late: time to kill the client).
  func receive(_ operation: String, _ request: HTTPRequest) -> (HTTPResponse, delay: Double) {
    guard let body = try? JSONParser.parse(request.body).value else {
      return (Self.error(400, "InvalidInput", "The request body is not JSON."), 0)
    }
    let problems = SandboxRequestSchemas.violations(body, operation: operation)
    if !problems.isEmpty {
      return (
        Self.error(
          400, "InvalidInput", "The request body does not match the \(operation) model.",
          details: problems.prefix(5).joined(separator: "; ")), 0
      )
    }
    let list =
      ["acknowledgements", "shipmentConfirmations", "invoices"].compactMap {
        body[$0]?.arrayValue
      }.first ?? []
    var ids: [String] = []
    outbound.counter += 1
    let stamp = String(format: "%08d", outbound.counter)
    let transactionId = "20261130000000-sandbox-\(stamp)"
    var errors: [JSONValue] = []
    for doc in list {
      let (key, docErrors) = accept(operation, doc)
      outbound.received[key, default: 0] += 1
      ids.append(key)
      errors += docErrors
    }
    outbound.transactions[transactionId] = SandboxOutboundState.Transaction(
      id: transactionId, operation: operation, key: ids.joined(separator: ","), errors: errors)
    let accepted = HTTPResponse(
      status: 202,
      headers: [
        "x-amzn-requestid": UUID().uuidString, "x-amzn-ratelimit-limit": String(rate),
      ],
      body: CanonicalJSON.bytes(
        .object(["payload": .object(["transactionId": .string(transactionId)])])))
    if chance("lost") {
      return (HTTPResponse(status: 202, headers: [HTTPResponse.dropConnectionHeader: "1"]), 0)
    }
    if chance("accept-500") {
      return (
        Self.error(500, "InternalFailure", "We encountered an internal error. Please try again."),
        0
      )
    }
    return (accepted, chance("accept-slow") ? 3 : 0)
  }

  static func transactionError(_ code: String, _ message: String) -> JSONValue {
    .object(["code": .string(code), "message": .string(message)])
  }

  /// Records one document and returns its key and the errors its transaction will report.
  func accept(_ operation: String, _ doc: JSONValue) -> (String, [JSONValue]) {
    switch operation {
    case "submitAcknowledgement":
      let po = doc["purchaseOrderNumber"]?.stringValue ?? ""
      var errors: [JSONValue] = []
      let known = records.first { $0.kind == .purchaseOrder && $0.key == po }
      if known == nil {
        errors.append(Self.transactionError("INVALID_ORDER_ID", "Invalid order ID."))
      }
      var lines: [String: JSONValue] = [:]
      for item in doc["items"]?.arrayValue ?? [] {
        let seq = item["itemSequenceNumber"]?.stringValue ?? ""
        var accepted = 0
        var rejected = 0
        var total = 0
        for a in item["itemAcknowledgements"]?.arrayValue ?? [] {
          let q = a["acknowledgedQuantity"]
          let n = (q?["amount"]?.intValue ?? 0) * (q?["unitSize"]?.intValue ?? 1)
          total += n
          switch a["acknowledgementCode"]?.stringValue {
          case "Accepted": accepted += n
          case "Rejected": rejected += n
          default: break
          }
        }
        let oq = item["orderedQuantity"]
        let ordered = (oq?["amount"]?.intValue ?? 0) * (oq?["unitSize"]?.intValue ?? 1)
        if total > ordered {
          errors.append(
            Self.transactionError(
              "INVALID_QUANTITY",
              "Item \(seq): the acknowledged quantity \(total) exceeds the ordered \(ordered)."))
        }
        let status =
          rejected == ordered ? "REJECTED" : accepted == ordered ? "ACCEPTED" : "PARTIALLY_ACCEPTED"
        lines[seq] = .object([
          "confirmationStatus": .string(status),
          "acceptedQuantity": SandboxRendering.eaches(accepted),
          "rejectedQuantity": SandboxRendering.eaches(rejected),
        ])
      }
      // Each acknowledgement replaces the earlier one for its lines (Amazon's rule).
      if errors.isEmpty { outbound.acknowledgements[po, default: [:]].merge(lines) { $1 } }
      return ("ack:\(po)", errors)
    case "SubmitShipmentConfirmations":
      let id = doc["shipmentIdentifier"]?.stringValue ?? ""
      var errors: [JSONValue] = []
      let reused =
        outbound.shipments[id] != nil
        || records.contains { $0.kind == .shipment && $0.key == id }
      if reused && doc["shipmentConfirmationType"]?.stringValue == "Original" {
        errors.append(
          Self.transactionError(
            "DUPLICATE_SHIPMENT_ID",
            "Shipment identifier \(id) was used in the last 365 days; send a Replace or a new identifier."
          ))
      } else {
        var byPO: [String: [JSONValue]] = [:]
        for item in doc["shippedItems"]?.arrayValue ?? [] {
          let po = item["itemDetails"]?["purchaseOrderNumber"]?.stringValue ?? ""
          var o: [String: JSONValue] = [
            "itemSequenceNumber": item["itemSequenceNumber"] ?? .null,
            "shippedQuantity": item["shippedQuantity"] ?? .null,
          ]
          if let a = item["amazonProductIdentifier"] { o["buyerProductIdentifier"] = a }
          if let v = item["vendorProductIdentifier"] { o["vendorProductIdentifier"] = v }
          byPO[po, default: []].append(.object(o))
        }
        outbound.shipments[id] = .object([
          "vendorShipmentIdentifier": .string(id), "transactionType": .string("New"),
          "transactionDate": doc["shipmentConfirmationDate"] ?? .null,
          "shipmentConfirmDate": doc["shipmentConfirmationDate"] ?? .null,
          "currentShipmentStatus": .string("Shipped"),
          "purchaseOrders": .array(
            byPO.keys.sorted().map {
              .object(["purchaseOrderNumber": .string($0), "items": .array(byPO[$0] ?? [])])
            }),
        ])
      }
      return ("asn:\(id)", errors)
    default:
      let id = doc["id"]?.stringValue ?? ""
      var errors: [JSONValue] = []
      if outbound.invoices[id] != nil
        || records.contains(where: { $0.kind == .invoice && $0.key == id })
      {
        errors.append(
          Self.transactionError("DUPLICATE_INVOICE", "Invoice \(id) was submitted before."))
      }
      // Header total = Σ items × net cost (Amazon's rule; charges and allowances aside).
      var sum = DecimalNumber.zero
      for item in doc["items"]?.arrayValue ?? [] {
        let q = item["invoicedQuantity"]
        let n = (q?["amount"]?.intValue ?? 0) * (q?["unitSize"]?.intValue ?? 1)
        if let cost = (item["netCost"]?["amount"]?.stringValue).flatMap({
          try? DecimalNumber(parsing: $0)
        }), let line = try? cost * DecimalNumber(n), let next = try? sum + line {
          sum = next
        }
      }
      let total = (doc["invoiceTotal"]?["amount"]?.stringValue).flatMap {
        try? DecimalNumber(parsing: $0)
      }
      if let total, total != sum.rounded(toPlaces: 2), doc["items"] != nil {
        errors.append(
          Self.transactionError(
            "INVALID_INVOICE_TOTAL",
            "The invoice total \(total.formatted()) is not the sum of its items, \(sum.rounded(toPlaces: 2).formatted())."
          ))
      }
      if errors.isEmpty { outbound.invoices[id] = doc }
      return ("invoice:\(id)", errors)
    }
  }

  /// getTransaction: `Processing` on the first ask, then the outcome.
  func transactionStatus(_ path: String) -> HTTPResponse {
    let id = (String(path.split(separator: "/").last ?? "")).removingPercentEncoding ?? ""
    guard var t = outbound.transactions[id] else {
      return Self.error(400, "InvalidInput", "Transaction \(id) was not found.")
    }
    t.polls += 1
    outbound.transactions[id] = t
    var status: [String: JSONValue] = ["transactionId": .string(id)]
    if t.polls <= 1 {
      status["status"] = .string("Processing")
    } else if t.errors.isEmpty {
      status["status"] = .string("Success")
    } else {
      status["status"] = .string("Failure")
      status["errors"] = .array(t.errors)
    }
    return Self.ok(
      .object(["payload": .object(["transactionStatus": .object(status)])]), rate: rate)
  }

  /// Look-ups by document number (no date window): a PO's status, a shipment, an invoice. With
  /// the `lag` fault, documents vendors sent do not show yet (Vendor Central takes 15–30 minutes).
  func lookup(_ operation: String, _ path: String, _ query: [String: String]) -> HTTPResponse? {
    let lagging =
      ["getPurchaseOrdersStatus", "GetShipmentDetails", "getInvoice"].contains(operation)
      && chance("lag")
    var outbound = self.outbound
    if lagging { outbound = SandboxOutboundState() }
    switch operation {
    case "getPurchaseOrdersStatus":
      guard let po = query["purchaseOrderNumber"], query["updatedAfter"] == nil,
        query["createdAfter"] == nil
      else { return nil }
      var status =
        records.first { $0.kind == .purchaseOrder && $0.key == po }.map(
          SandboxRendering.orderStatus)
      if let acks = outbound.acknowledgements[po] {
        var o = status?.objectValue ?? ["purchaseOrderNumber": .string(po)]
        var items = o["itemStatus"]?.arrayValue ?? []
        for (seq, ack) in acks {
          if let i = items.firstIndex(where: { $0["itemSequenceNumber"]?.stringValue == seq }) {
            items[i] =
              items[i].setting(ack, at: JSONPath([.key("acknowledgementStatus")])) ?? items[i]
          } else {
            items.append(
              .object(["itemSequenceNumber": .string(seq), "acknowledgementStatus": ack]))
          }
        }
        o["itemStatus"] = .array(items)
        status = .object(o)
      }
      return Self.ok(
        .object(["payload": .object(["ordersStatus": .array(status.map { [$0] } ?? [])])]),
        rate: rate)
    case "GetShipmentDetails":
      guard let id = query["vendorShipmentIdentifier"], query["createdAfter"] == nil else {
        return nil
      }
      let found =
        outbound.shipments[id]
        ?? records.first { $0.kind == .shipment && $0.key == id }.map(SandboxRendering.shipment)
      return Self.ok(
        .object(["payload": .object(["shipments": .array(found.map { [$0] } ?? [])])]),
        rate: rate)
    case "getInvoice":
      let id = (String(path.split(separator: "/").last ?? "")).removingPercentEncoding ?? ""
      guard let doc = outbound.invoices[id] else { return nil }
      return Self.ok(
        .object([
          "invoiceHeader": .object([
            "invoiceIdentifier": .string(id), "invoiceStatus": .string("IN_PROGRESS"),
            "invoiceAmount": doc["invoiceTotal"] ?? .null,
          ]), "invoiceItems": .array([]),
        ]), rate: rate)
    default: return nil
    }
  }

  /// Times each document arrived, for tests (`/sandbox/stats` → `received`).
  var receivedJSON: JSONValue {
    .object(outbound.received.mapValues { .number(DecimalNumber($0)) })
  }
}
