import AcornModel

/// The SP-API request an outbound document is sent as: `submitAcknowledgement`,
/// `SubmitShipmentConfirmations` or `submitInvoices`, in the shapes of Amazon's models
/// (`vendorOrders.json`, `vendorShipments.json`, `vendorInvoices.json`). Quantities go in eaches;
/// money as `{currencyCode, amount}` with the amount a decimal string.
public enum RequestBodies {
  public struct Request: Sendable {
    public var operation: String
    public var path: String
    public var body: JSONValue
    /// The canonical bytes sent; their SHA-256 is recorded so a resend is known to be the same.
    public var bytes: [UInt8] { CanonicalJSON.bytes(body) }
  }

  public static func request(for record: Record) throws(OutboundError) -> Request {
    guard let view = OutboundView(record), let s = record.json["source"] else {
      throw OutboundError("outbound.record", "\(record.id ?? "record") is not an outbound document")
    }
    let element: JSONValue
    switch view.type {
    case .acknowledgement: element = acknowledgement(s)
    case .shipmentConfirmation: element = shipmentConfirmation(s)
    case .invoice: element = invoice(s)
    }
    let op = view.type.operation
    return Request(
      operation: op.name, path: op.path, body: .object([op.list: .array([element])]))
  }

  static func money(_ v: JSONValue?) -> JSONValue? {
    guard let m = RecordViews.money(v) else { return nil }
    return .object(["currencyCode": .string(m.currency.code), "amount": .string(m.amountText)])
  }

  static func put(_ o: inout [String: JSONValue], _ k: String, _ v: JSONValue?) {
    if let v { o[k] = v }
  }

  /// A party by its id, with its address only when the address has what Amazon requires
  /// (name, first line, a two-letter country code — Amazon's own example's "USA" is a known
  /// quirk of its model).
  static func party(_ v: JSONValue?) -> JSONValue {
    guard let v else { return .object([:]) }
    var o: [String: JSONValue] = ["partyId": v["partyId"] ?? .string("")]
    if let a = v["address"]?.objectValue, a["name"]?.stringValue != nil,
      a["addressLine1"]?.stringValue != nil, a["countryCode"]?.stringValue?.count == 2
    {
      o["address"] = .object(a)
    }
    return .object(o)
  }

  static func acknowledgement(_ s: JSONValue) -> JSONValue {
    var items: [JSONValue] = []
    for l in s["lines"]?.arrayValue ?? [] {
      var item: [String: JSONValue] = [
        "orderedQuantity": l["orderedQuantity"]
          ?? Quantities.eaches(
            l["orderedEaches"]?.intValue ?? 0)
      ]
      put(&item, "itemSequenceNumber", l["itemSequenceNumber"])
      put(&item, "amazonProductIdentifier", l["amazonProductIdentifier"])
      put(&item, "vendorProductIdentifier", l["vendorProductIdentifier"])
      put(&item, "netCost", money(l["netCost"]))
      var acks: [JSONValue] = []
      for (field, code) in [
        ("acceptedEaches", "Accepted"), ("backorderedEaches", "Backordered"),
        ("rejectedEaches", "Rejected"),
      ] {
        // Amazon: "This value should not be zero" — a code with no eaches is left out.
        guard let n = l[field]?.intValue, n > 0 else { continue }
        var a: [String: JSONValue] = [
          "acknowledgementCode": .string(code), "acknowledgedQuantity": Quantities.eaches(n),
        ]
        if code == "Rejected" { put(&a, "rejectionReason", l["rejectionReason"]) }
        if code != "Rejected" {
          put(&a, "scheduledShipDate", l["scheduledShipDate"])
          put(&a, "scheduledDeliveryDate", l["scheduledDeliveryDate"])
        }
        acks.append(.object(a))
      }
      item["itemAcknowledgements"] = .array(acks)
      items.append(.object(item))
    }
    return .object([
      "purchaseOrderNumber": s["purchaseOrderNumber"] ?? .string(""),
      "sellingParty": party(s["sellingParty"]),
      "acknowledgementDate": s["acknowledgementDate"] ?? s["createdDate"] ?? .string(""),
      "items": .array(items),
    ])
  }

  static func shipmentConfirmation(_ s: JSONValue) -> JSONValue {
    var o: [String: JSONValue] = [
      "shipmentIdentifier": s["shipmentIdentifier"] ?? .string(""),
      "shipmentConfirmationType": s["shipmentConfirmationType"] ?? .string("Original"),
      "shipmentConfirmationDate": s["createdDate"] ?? .string(""),
      "sellingParty": party(s["sellingParty"]), "shipFromParty": party(s["shipFromParty"]),
      "shipToParty": party(s["shipToParty"]),
    ]
    put(&o, "shipmentType", s["shipmentType"])
    put(&o, "shippedDate", s["shippedDate"])
    put(&o, "estimatedDeliveryDate", s["estimatedDeliveryDate"])
    if let t = s["transportation"]?.objectValue, !t.isEmpty {
      o["transportationDetails"] = .object(t)
    }
    if let n = s["cartonCount"] { o["shipmentMeasurements"] = .object(["cartonCount": n]) }
    o["shippedItems"] = .array(
      (s["lines"]?.arrayValue ?? []).map { l in
        var item: [String: JSONValue] = [
          "itemSequenceNumber": l["itemSequenceNumber"] ?? .string(""),
          "shippedQuantity": Quantities.eaches(l["shippedEaches"]?.intValue ?? 0),
        ]
        put(&item, "amazonProductIdentifier", l["amazonProductIdentifier"])
        put(&item, "vendorProductIdentifier", l["vendorProductIdentifier"])
        if let po = l["purchaseOrderNumber"] {
          item["itemDetails"] = .object(["purchaseOrderNumber": po])
        }
        return .object(item)
      })
    if let cartons = s["cartons"]?.arrayValue, !cartons.isEmpty {
      o["cartons"] = .array(
        cartons.map { c in
          var carton: [String: JSONValue] = [
            "cartonSequenceNumber": c["cartonSequenceNumber"] ?? .string(""),
            "items": .array(
              (c["items"]?.arrayValue ?? []).map { i in
                .object([
                  "itemReference": i["itemReference"] ?? .string(""),
                  "shippedQuantity": Quantities.eaches(i["shippedEaches"]?.intValue ?? 0),
                ])
              }),
          ]
          put(&carton, "trackingNumber", c["trackingNumber"])
          return .object(carton)
        })
    }
    return .object(o)
  }

  static func invoice(_ s: JSONValue) -> JSONValue {
    var o: [String: JSONValue] = [
      "invoiceType": s["invoiceType"] ?? .string("Invoice"),
      "id": s["invoiceNumber"] ?? .string(""),
      "date": .string((s["invoiceDate"]?.stringValue ?? "") + "T00:00:00Z"),
      "remitToParty": party(s["remitToParty"]),
      "invoiceTotal": money(s["totalAmount"]) ?? .object([:]),
    ]
    if let to = s["shipToParty"] { o["shipToParty"] = party(to) }
    if let bill = s["billToParty"] { o["billToParty"] = party(bill) }
    if let t = s["paymentTerms"]?.objectValue {
      var terms: [String: JSONValue] = [:]
      for k in ["type", "discountPercent", "discountDueDays", "netDueDays"] { put(&terms, k, t[k]) }
      if !terms.isEmpty { o["paymentTerms"] = .object(terms) }
    }
    if let id = s["shipmentIdentifier"] {
      o["additionalDetails"] = .array([
        .object(["type": .string("OCR"), "detail": .string("ASN \(id.stringValue ?? "")")])
      ])
    }
    o["items"] = .array(
      (s["lines"]?.arrayValue ?? []).enumerated().map { i, l in
        var item: [String: JSONValue] = [
          // An integer in the invoices model (a string everywhere else).
          "itemSequenceNumber": .number(
            DecimalNumber(Int(l["itemSequenceNumber"]?.stringValue ?? "") ?? i + 1)),
          "invoicedQuantity": Quantities.eaches(l["invoicedEaches"]?.intValue ?? 0),
          "netCost": money(l["netCost"]) ?? .object([:]),
        ]
        put(&item, "amazonProductIdentifier", l["amazonProductIdentifier"])
        put(&item, "vendorProductIdentifier", l["vendorProductIdentifier"])
        put(&item, "purchaseOrderNumber", l["purchaseOrderNumber"])
        return .object(item)
      })
    return .object(o)
  }
}
