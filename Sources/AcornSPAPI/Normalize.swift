import AcornModel

/// SP-API documents → Acorn records. Pure. Quantities become eaches (cases × unit size), money is
/// read exactly from strings (vendor APIs) and numbers (finance APIs), ids follow DESIGN.md, and
/// remittance lines become deductions by their invoice-number suffix.
public enum SPAPINormalizer {
  public static let provenanceOrigin = "sp-api"

  static func provenance(_ operation: String) -> [String: JSONValue] {
    ["origin": .string(provenanceOrigin), "reference": .string(operation)]
  }

  /// Money from `{currencyCode, amount: "12.30"}` or `{currencyCode, currencyAmount: 12.3}`.
  public static func money(_ v: JSONValue?) -> Money? {
    guard let v, let code = v["currencyCode"]?.stringValue, let currency = CurrencyCode(code) else {
      return nil
    }
    if let text = v["amount"]?.stringValue, let d = try? DecimalNumber(parsing: text) {
      return Money(d, currency)
    }
    if let n = v["amount"]?.decimalValue ?? v["currencyAmount"]?.decimalValue {
      return Money(n, currency)
    }
    return nil
  }

  /// Eaches of an `ItemQuantity` (`Cases` × `unitSize`).
  public static func eaches(_ q: JSONValue?) -> Int? {
    guard let amount = q?["amount"]?.intValue else { return nil }
    let unit = q?["unitOfMeasure"]?.stringValue ?? "Eaches"
    let size = q?["unitSize"]?.intValue ?? 1
    return unit == "Cases" ? amount * max(size, 1) : amount
  }

  static func quantity(_ q: JSONValue?) -> JSONValue? {
    guard let amount = q?["amount"]?.intValue else { return nil }
    let unit = q?["unitOfMeasure"]?.stringValue == "Cases" ? "Cases" : "Eaches"
    let size = unit == "Cases" ? max(q?["unitSize"]?.intValue ?? 1, 1) : 1
    return .object([
      "amount": .number(DecimalNumber(amount)), "unitOfMeasure": .string(unit),
      "unitSize": .number(DecimalNumber(size)),
    ])
  }

  static let addressFields = [
    "name", "addressLine1", "addressLine2", "addressLine3", "city", "county", "district",
    "stateOrRegion", "postalCode", "countryCode", "phone",
  ]

  /// Amazon's `PartyIdentification`: the party id, its address (the ship-to country decides a
  /// purchase order's marketplace) and tax registration.
  static func party(_ v: JSONValue?) -> JSONValue? {
    guard let id = v?["partyId"]?.stringValue, !id.isEmpty else { return nil }
    var out: [String: JSONValue] = ["partyId": .string(id)]
    if case .object(let address)? = v?["address"], address["name"]?.stringValue != nil,
      address["countryCode"]?.stringValue != nil
    {
      var kept: [String: JSONValue] = [:]
      for key in addressFields {
        if let s = address[key]?.stringValue, !s.isEmpty { kept[key] = .string(s) }
      }
      if kept["postalCode"] == nil, let zip = address["postalOrZipCode"]?.stringValue {
        kept["postalCode"] = .string(zip)
      }
      out["address"] = .object(kept)
    }
    if let type = v?["taxInfo"]?["taxRegistrationType"]?.stringValue,
      type == "VAT" || type == "GST",
      let number = v?["taxInfo"]?["taxRegistrationNumber"]?.stringValue, !number.isEmpty
    {
      out["taxRegistrationType"] = .string(type)
      out["taxRegistrationNumber"] = .string(number)
    }
    return .object(out)
  }

  /// `2007-03-01T13:00:00Z--2007-03-11T15:30:00Z`.
  static func window(_ v: JSONValue?) -> JSONValue? {
    guard let text = v?.stringValue else { return nil }
    let parts = text.components(separatedBy: "--")
    guard parts.count == 2 else { return nil }
    return .object(["start": .string(parts[0]), "end": .string(parts[1])])
  }

  static func set(_ o: inout [String: JSONValue], _ key: String, _ value: JSONValue?) {
    if let value { o[key] = value }
  }

  /// A purchase order from getPurchaseOrders/getPurchaseOrder, with acknowledged and received
  /// quantities from getPurchaseOrdersStatus when given.
  public static func purchaseOrder(_ order: JSONValue, status: JSONValue?, marketplace: Marketplace)
    -> Record?
  {
    guard let number = order["purchaseOrderNumber"]?.stringValue,
      let details = order["orderDetails"],
      let date = details["purchaseOrderDate"]?.stringValue
    else { return nil }
    let statusItems = Dictionary(
      (status?["itemStatus"]?.arrayValue ?? []).map {
        ($0["itemSequenceNumber"]?.stringValue ?? "", $0)
      },
      uniquingKeysWith: { a, _ in a })
    var lines: [JSONValue] = []
    for item in details["items"]?.arrayValue ?? [] {
      guard let seq = item["itemSequenceNumber"]?.stringValue,
        let ordered = eaches(item["orderedQuantity"])
      else { continue }
      var line: [String: JSONValue] = ["itemSequenceNumber": .string(seq)]
      set(&line, "amazonProductIdentifier", item["amazonProductIdentifier"])
      set(&line, "vendorProductIdentifier", item["vendorProductIdentifier"])
      set(&line, "orderedQuantity", quantity(item["orderedQuantity"]))
      set(&line, "isBackOrderAllowed", item["isBackOrderAllowed"])
      set(&line, "netCost", money(item["netCost"])?.json)
      set(&line, "listPrice", money(item["listPrice"])?.json)
      var q: [String: JSONValue] = ["ordered": .number(DecimalNumber(ordered))]
      if let s = statusItems[seq] {
        let ack = s["acknowledgementStatus"]
        if let accepted = eaches(ack?["acceptedQuantity"]) {
          q["accepted"] = .number(DecimalNumber(accepted))
        }
        if let rejected = eaches(ack?["rejectedQuantity"]) {
          q["rejected"] = .number(DecimalNumber(rejected))
        }
        if let received = eaches(s["receivingStatus"]?["receivedQuantity"]) {
          q["received"] = .number(DecimalNumber(received))
        }
        let details = s["orderedQuantity"]?["orderedQuantityDetails"]?.arrayValue ?? []
        let cancelled = details.compactMap { eaches($0["cancelledQuantity"]) }.reduce(0, +)
        if cancelled > 0 { q["cancelled"] = .number(DecimalNumber(cancelled)) }
        if let code = ack?["confirmationStatus"]?.stringValue {
          let map = [
            "ACCEPTED": "Accepted", "PARTIALLY_ACCEPTED": "PartiallyAccepted",
            "REJECTED": "Rejected", "UNCONFIRMED": nil,
          ]
          if let mapped = map[code] ?? nil { line["acknowledgementCode"] = .string(mapped) }
        }
        if let cost = money(s["netCost"]), ack?["acceptedQuantity"] != nil {
          line["acknowledgedNetCost"] = cost.json
        }
      }
      line["quantities"] = .object(q)
      lines.append(.object(line))
    }
    var source: [String: JSONValue] = [
      "purchaseOrderNumber": .string(number), "purchaseOrderDate": .string(date),
      "purchaseOrderState": .string(order["purchaseOrderState"]?.stringValue ?? "New"),
      "lines": .array(lines),
    ]
    set(&source, "purchaseOrderType", details["purchaseOrderType"])
    set(&source, "purchaseOrderChangedDate", details["purchaseOrderChangedDate"])
    set(&source, "purchaseOrderStateChangedDate", details["purchaseOrderStateChangedDate"])
    set(&source, "paymentMethod", details["paymentMethod"])
    set(&source, "dealCode", details["dealCode"])
    for p in ["buyingParty", "sellingParty", "shipToParty", "billToParty"] {
      set(&source, p, party(details[p]))
    }
    set(&source, "shipWindow", window(details["shipWindow"]))
    set(&source, "deliveryWindow", window(details["deliveryWindow"]))
    set(&source, "purchaseOrderStatus", status?["purchaseOrderStatus"])
    return try? Record(
      kind: .purchaseOrder, marketplace: marketplace, source: source,
      provenance: provenance("getPurchaseOrders"))
  }

  /// A shipment from GetShipmentDetails.
  public static func shipment(_ s: JSONValue, marketplace: Marketplace) -> Record? {
    guard let id = s["vendorShipmentIdentifier"]?.stringValue,
      let date = s["shipmentConfirmDate"]?.stringValue ?? s["transactionDate"]?.stringValue
    else { return nil }
    var lines: [JSONValue] = []
    var pos: Set<String> = []
    for po in s["purchaseOrders"]?.arrayValue ?? [] {
      guard let number = po["purchaseOrderNumber"]?.stringValue else { continue }
      pos.insert(number)
      for item in po["items"]?.arrayValue ?? [] {
        guard let seq = item["itemSequenceNumber"]?.stringValue,
          let shipped = eaches(item["shippedQuantity"])
        else { continue }
        var line: [String: JSONValue] = [
          "itemSequenceNumber": .string(seq), "purchaseOrderNumber": .string(number),
          "shippedEaches": .number(DecimalNumber(shipped)),
        ]
        set(
          &line, "amazonProductIdentifier",
          item["buyerProductIdentifier"] ?? item["amazonProductIdentifier"])
        set(&line, "vendorProductIdentifier", item["vendorProductIdentifier"])
        set(&line, "shippedQuantity", quantity(item["shippedQuantity"]))
        lines.append(.object(line))
      }
    }
    var source: [String: JSONValue] = [
      "shipmentIdentifier": .string(id), "shipmentDate": .string(date),
      "shipmentConfirmationType": .string(
        s["transactionType"]?.stringValue == "Cancel" ? "Replace" : "Original"),
      "lines": .array(lines), "purchaseOrderNumbers": .array(pos.sorted().map(JSONValue.string)),
    ]
    set(&source, "shipmentStatus", s["currentShipmentStatus"])
    for p in ["sellingParty", "shipFromParty", "shipToParty"] { set(&source, p, party(s[p])) }
    set(&source, "amazonReferenceNumber", s["buyerReferenceNumber"])
    set(&source, "shipmentType", s["shipmentType"])
    set(&source, "estimatedDeliveryDate", s["transportationDetails"]?["estimatedDeliveryDate"])
    return try? Record(
      kind: .shipment, marketplace: marketplace, source: source,
      provenance: provenance("GetShipmentDetails"))
  }

  static func relatedIDs(
    _ header: JSONValue, _ name: String, in list: String = "relatedIdentifiers"
  )
    -> [String]
  {
    for r in header[list]?.arrayValue ?? []
    where r["relatedIdentifierName"]?.stringValue == name {
      if let values = r["relatedIdentifierValue"]?.arrayValue {
        return values.compactMap(\.stringValue)
      }
      if let v = r["relatedIdentifierValue"]?.stringValue { return [v] }
    }
    return []
  }

  static func breakdown(_ list: JSONValue?, _ type: String) -> Money? {
    for b in list?.arrayValue ?? [] where b["breakdownType"]?.stringValue == type {
      return money(b["breakdownAmount"])
    }
    return nil
  }

  static func item(_ item: JSONValue, _ name: String) -> String? {
    for i in item["lineItemContext"]?["itemIdentifiers"]?.arrayValue ?? []
    where i["itemIdentifierName"]?.stringValue == name {
      return i["itemIdentifierValue"]?.stringValue
    }
    return nil
  }

  static let invoiceStatuses: Set<String> = [
    "SUBMITTED", "IN_PROGRESS", "REJECTED", "PROOF_OF_DELIVERY_REQUIRED", "APPROVED_FOR_PAYMENT",
    "PARTIALLY_PAID",
    "PARTIALLY_DEDUCTED", "PAID", "DEDUCTED",
  ]

  /// An invoice from the Invoices API (header and all line pages).
  public static func invoice(header: JSONValue, items: [JSONValue], marketplace: Marketplace)
    -> Record?
  {
    guard let number = header["invoiceNumber"]?.stringValue,
      let issued = header["issueDate"]?.stringValue,
      let total = money(header["invoiceAmount"])
    else { return nil }
    var lines: [JSONValue] = []
    for (k, it) in items.enumerated() {
      let seq = it["lineItemId"]?.stringValue ?? String(k + 1)
      guard let cost = money(it["unitCost"]), let qty = it["quantity"]?.intValue else { continue }
      var line: [String: JSONValue] = [
        "itemSequenceNumber": .string(seq),
        "invoicedQuantity": .object([
          "amount": .number(DecimalNumber(qty)), "unitOfMeasure": .string("Eaches"),
          "unitSize": .number(DecimalNumber(1)),
        ]),
        "invoicedEaches": .number(DecimalNumber(qty)), "netCost": cost.json,
      ]
      set(
        &line, "purchaseOrderNumber",
        relatedIDs(it, "PURCHASE_ORDER_IDS", in: "relatedItemIdentifiers").first.map(
          JSONValue.string))
      set(&line, "amazonProductIdentifier", item(it, "ASIN").map(JSONValue.string))
      set(&line, "vendorProductIdentifier", item(it, "SKU").map(JSONValue.string))
      lines.append(.object(line))
    }
    var source: [String: JSONValue] = [
      "invoiceNumber": .string(number), "invoiceDate": .string(String(issued.prefix(10))),
      "totalAmount": total.json,
      "lines": .array(lines),
    ]
    if let status = header["invoiceStatus"]?.stringValue {
      source["invoiceStatus"] = .string(invoiceStatuses.contains(status) ? status : "IN_PROGRESS")
    }
    if let due = header["dueDate"]?.stringValue {
      source["dueDate"] = .string(String(due.prefix(10)))
    }
    if let payee = header["payee"]?["partnerId"]?.stringValue {
      source["remitToParty"] = .object(["partyId": .string(payee)])
    }
    let pos = relatedIDs(header, "PURCHASE_ORDER_IDS")
    if !pos.isEmpty {
      source["purchaseOrderNumbers"] = .array(Array(Set(pos)).sorted().map(JSONValue.string))
    }
    if let terms = header["paymentTerms"]?.stringValue {
      source["paymentTerms"] = paymentTerms(terms)
    }
    return try? Record(
      kind: .invoice, marketplace: marketplace, source: source, provenance: provenance("getInvoice")
    )
  }

  /// Terms as printed (`2% 30, NET 60`, `Net 30`) read into the invoice model's fields.
  public static func paymentTerms(_ text: String) -> JSONValue {
    var o: [String: JSONValue] = ["text": .string(text)]
    let upper = text.uppercased()
    if let m = upper.range(of: #"([0-9]+(\.[0-9]+)?)% *([0-9]+)"#, options: .regularExpression) {
      let parts = upper[m].split(whereSeparator: { $0 == "%" || $0 == " " })
      if parts.count >= 2, let pct = try? DecimalNumber(parsing: String(parts[0])),
        let days = Int(parts[1])
      {
        o["discountPercent"] = .string(pct.formatted())
        o["discountDueDays"] = .number(DecimalNumber(days))
      }
    }
    if let m = upper.range(of: #"NET *([0-9]+)"#, options: .regularExpression),
      let days = Int(upper[m].filter(\.isNumber))
    {
      o["netDueDays"] = .number(DecimalNumber(days))
      o["type"] = .string("Basic")
    }
    return .object(o)
  }

  /// A remittance line's invoice number classified by its suffix (DOMAIN.md §2).
  public static func classify(_ invoiceNumber: String) -> (classification: String, base: String?) {
    DeductionClassifier.classify(invoiceNumber)
  }

  static var deductionTypes: Set<String> { DeductionClassifier.deductionTypes }

  /// A remittance from the Remittance API and the deduction records its lines imply.
  public static func remittance(header: JSONValue, items: [JSONValue], marketplace: Marketplace)
    -> [Record]
  {
    guard let id = header["uniquePaymentId"]?.stringValue,
      let date = header["paymentDate"]?.stringValue,
      let amount = money(header["paymentAmount"])
    else { return [] }
    var lines: [JSONValue] = []
    var deductions: [Record] = []
    for (k, it) in items.enumerated() {
      guard let number = it["invoiceNumber"]?.stringValue, let paid = money(it["netAmountPaid"])
      else { continue }
      let (classification, base) = classify(number)
      var line: [String: JSONValue] = [
        "lineNumber": .number(DecimalNumber(k + 1)), "invoiceNumber": .string(number),
        "classification": .string(classification), "amountPaid": paid.json,
      ]
      set(&line, "baseInvoiceNumber", base.map(JSONValue.string))
      set(
        &line, "invoiceDate",
        it["invoiceIssueDate"]?.stringValue.map { .string(String($0.prefix(10))) })
      set(&line, "invoiceType", it["invoiceType"])
      set(&line, "description", it["description"])
      set(&line, "paymentTerms", it["paymentTerms"])
      set(
        &line, "invoiceAmount",
        (breakdown(it["totalAmountBreakdown"], "InvoiceAmount") ?? money(it["totalAmount"]))?.json)
      if let discount = breakdown(it["netAmountPaidBreakdown"], "TermsDiscountTaken"),
        !discount.isZero
      {
        line["discountTaken"] = discount.json
      }
      if let w = money(it["withholdingAmount"]), !w.isZero { line["withholdingAmount"] = w.json }
      lines.append(.object(line))
      if deductionTypes.contains(classification) {
        var source: [String: JSONValue] = [
          "deductionNumber": .string(number), "deductionType": .string(classification),
          "deductionDate": .string(String(date.prefix(10))), "amount": paid.json,
          "uniquePaymentId": .string(id),
        ]
        set(&source, "baseInvoiceNumber", base.map(JSONValue.string))
        set(&source, "description", it["description"])
        set(&source, "paymentNumber", header["paymentNumber"])
        if classification == "coop" { source["agreementId"] = .string(number) }
        let state = paid.isNegative ? "detected" : "recovered"
        if let r = try? Record(
          kind: .deduction, marketplace: marketplace, source: source,
          workflow: ["state": .string(state)],
          provenance: provenance("getRemittance"))
        {
          deductions.append(r)
        }
      }
    }
    var source: [String: JSONValue] = [
      "uniquePaymentId": .string(id), "paymentDate": .string(date), "paymentAmount": amount.json,
      "lines": .array(lines),
    ]
    set(&source, "paymentNumber", header["paymentNumber"])
    set(&source, "paymentMethod", header["paymentMethod"])
    set(&source, "remittanceStatus", header["remittanceStatus"])
    set(&source, "countryCode", header["countryCode"])
    if let converted = money(header["paymentAmountInInvoiceCurrency"]),
      converted.currency != amount.currency
    {
      source["paymentAmountInInvoiceCurrency"] = converted.json
    }
    if let rate = header["exchangeRate"]?.decimalValue, rate != DecimalNumber(1) {
      source["exchangeRate"] = .string(rate.formatted())
    }
    let vendors = relatedIDs(header, "VENDOR_CODE")
    if !vendors.isEmpty {
      source["vendorCodes"] = .array(Array(Set(vendors)).sorted().map(JSONValue.string))
    }
    let payees = relatedIDs(header, "PAYEE_CODE")
    if !payees.isEmpty {
      source["payeeCodes"] = .array(Array(Set(payees)).sorted().map(JSONValue.string))
    }
    guard
      let r = try? Record(
        kind: .remittance, marketplace: marketplace, source: source,
        provenance: provenance("getRemittance"))
    else { return deductions }
    return [r] + deductions
  }

  /// PO line quantities that come from other documents: shipped (Σ ASN lines; a `Replace`
  /// supersedes) and invoiced (Σ invoice lines), matched by PO number and sequence number.
  public static func enrich(_ records: [Record]) -> [Record] {
    var shipped: [String: Int] = [:]
    var invoiced: [String: Int] = [:]
    for r in records {
      for line in r.json["source"]?["lines"]?.arrayValue ?? [] {
        guard let po = line["purchaseOrderNumber"]?.stringValue,
          let seq = line["itemSequenceNumber"]?.stringValue
        else { continue }
        if r.kind == .shipment, let n = line["shippedEaches"]?.intValue {
          shipped["\(po)#\(seq)", default: 0] += n
        }
        if r.kind == .invoice, let n = line["invoicedEaches"]?.intValue {
          invoiced["\(po)#\(seq)", default: 0] += n
        }
      }
    }
    return records.map { r in
      guard r.kind == .purchaseOrder, let po = r.key,
        let lines = r.json["source"]?["lines"]?.arrayValue
      else { return r }
      let updated: [JSONValue] = lines.map { line in
        guard let seq = line["itemSequenceNumber"]?.stringValue,
          var q = line["quantities"]?.objectValue
        else { return line }
        if let n = shipped["\(po)#\(seq)"] { q["shipped"] = .number(DecimalNumber(n)) }
        if let n = invoiced["\(po)#\(seq)"] { q["invoiced"] = .number(DecimalNumber(n)) }
        return line.setting(.object(q), at: JSONPath([.key("quantities")])) ?? line
      }
      return Record(
        json: r.json.setting(.array(updated), at: JSONPath([.key("source"), .key("lines")]))
          ?? r.json)
    }
  }
}
