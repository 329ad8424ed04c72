import AcornModel

/// X12 transaction sets → records: 850 purchase order, 810 invoice, 820 remittance (with the
/// deductions its lines imply). Pure. Each mapping returns records and diagnostics naming the
/// segment and element.
public enum X12Mappings {
  public static let supported: Set<String> = ["850", "810", "820", "856", "812", "180"]

  static func date(_ yyyymmdd: String) -> String? {
    let d = yyyymmdd.filter(\.isNumber)
    guard d.count == 8 else { return nil }
    let s = Array(d)
    return "\(String(s[0..<4]))-\(String(s[4..<6]))-\(String(s[6..<8]))"
  }

  static func money(_ text: String, _ currency: CurrencyCode) -> Money? {
    guard !text.isEmpty, let n = try? DecimalNumber(parsing: text, lenient: true) else {
      return nil
    }
    return Money(n, currency)
  }

  static func provenance(_ set: X12TransactionSet, _ file: String) -> [String: JSONValue] {
    ["origin": .string("x12"), "reference": .string("\(set.type) ST \(set.control)")]
  }

  static func currency(_ set: X12TransactionSet, _ marketplace: Marketplace) -> CurrencyCode {
    for s in set.segments where s.id == "CUR" { if let c = CurrencyCode(s[2]) { return c } }
    return marketplace.currency
  }

  /// Product identifiers from qualifier/value pairs starting at element `from` (PO106/PO107 …).
  static func identifiers(_ s: X12Segment, from: Int) -> [String: String] {
    var out: [String: String] = [:]
    var i = from
    while i + 1 <= s.elements.count {
      let q = s[i]
      let v = s[i + 1]
      if !q.isEmpty && !v.isEmpty && out[q] == nil { out[q] = v }
      i += 2
    }
    return out
  }

  static func quantity(_ amount: Int, _ unit: String) -> (JSONValue, Int) {
    // Cases stay cases when the file gives no pack size the invoice would share (unit size 1).
    let uom = unit == "CA" ? "Cases" : "Eaches"
    return (
      .object([
        "amount": .number(DecimalNumber(amount)), "unitOfMeasure": .string(uom),
        "unitSize": .number(DecimalNumber(1)),
      ]), amount
    )
  }

  public static func map(_ set: X12TransactionSet, marketplace: Marketplace, file: String) -> (
    [Record], [ImportDiagnostic]
  ) {
    switch set.type {
    case "850": return purchaseOrder(set, marketplace, file)
    case "810": return invoice(set, marketplace, file)
    case "820": return remittance(set, marketplace, file)
    case "856": return shipment(set, marketplace, file)
    case "812": return adjustment(set, marketplace, file)
    case "180": return returnAuthorization(set, marketplace, file)
    // Applied onto its purchase order by the importer (POAcknowledgement).
    case "855": return ([], [])
    default:
      return (
        [],
        [
          ImportDiagnostic(
            .warning, file: file, position: set.segments.first?.number, field: "ST01",
            "transaction set \(set.type) is not imported yet (supported: \(supported.sorted().joined(separator: ", "))); skipped"
          )
        ]
      )
    }
  }

  static func purchaseOrder(_ set: X12TransactionSet, _ m: Marketplace, _ file: String) -> (
    [Record], [ImportDiagnostic]
  ) {
    var diags: [ImportDiagnostic] = []
    guard let beg = set.segments.first(where: { $0.id == "BEG" }), !beg[3].isEmpty else {
      return (
        [],
        [
          ImportDiagnostic(
            file: file, position: set.segments.first?.number, field: "BEG03",
            "an 850 needs BEG03, the purchase order number")
        ]
      )
    }
    guard let day = date(beg[5]) else {
      return (
        [],
        [
          ImportDiagnostic(
            file: file, position: beg.number, field: "BEG05",
            "expected the PO date as CCYYMMDD, found \"\(beg[5])\"")
        ]
      )
    }
    // The ship-to country (N4 after N1*ST) names the marketplace when it has one; otherwise the
    // marketplace the import was given.
    var market = m
    var shipToParty: JSONValue?
    if let n1 = set.segments.firstIndex(where: { $0.id == "N1" && $0[1] == "ST" }) {
      let st = set.segments[n1]
      var party: [String: JSONValue] = [:]
      if !st[4].isEmpty { party["partyId"] = .string(st[4]) }
      let tail = set.segments[(n1 + 1)...].prefix { $0.id != "N1" && $0.id != "PO1" }
      if let n4 = tail.first(where: { $0.id == "N4" }), n4[4].count == 2 {
        party["address"] = .object([
          "name": .string(st[2].isEmpty ? st[4] : st[2]), "countryCode": .string(n4[4]),
        ])
        if let shipTo = Marketplace.of(country: n4[4]), shipTo.region == m.region {
          market = shipTo
        }
      }
      if !party.isEmpty { shipToParty = .object(party) }
    }
    let cur = currency(set, market)
    var lines: [JSONValue] = []
    for s in set.segments where s.id == "PO1" {
      guard let qty = Int(s[2]) else {
        diags.append(
          ImportDiagnostic(
            file: file, position: s.number, field: "PO102",
            "expected a whole quantity, found \"\(s[2])\""))
        continue
      }
      let seq = s[1].isEmpty ? String(lines.count + 1) : s[1]
      let (q, eaches) = quantity(qty, s[3])
      var line: [String: JSONValue] = [
        "itemSequenceNumber": .string(seq.filter { $0.isLetter || $0.isNumber }),
        "orderedQuantity": q,
        "quantities": .object(["ordered": .number(DecimalNumber(eaches))]),
      ]
      if let cost = money(s[4], cur) { line["netCost"] = cost.json }
      let ids = identifiers(s, from: 6)
      if let v = ids["VN"] ?? ids["SK"] ?? ids["VP"] ?? ids["UP"] ?? ids["EN"] ?? ids["IB"] {
        line["vendorProductIdentifier"] = .string(v)
      }
      if let asin = ids["BP"], asin.count == 10, asin.allSatisfy({ $0.isUppercase || $0.isNumber })
      {
        line["amazonProductIdentifier"] = .string(asin)
      }
      lines.append(.object(line))
    }
    guard !lines.isEmpty else {
      return (
        [],
        diags + [
          ImportDiagnostic(
            file: file, position: beg.number, field: "PO1", "an 850 needs at least one PO1 line")
        ]
      )
    }
    var source: [String: JSONValue] = [
      "purchaseOrderNumber": .string(beg[3]), "purchaseOrderDate": .string(day + "T00:00:00Z"),
      "purchaseOrderState": .string("New"),
      "purchaseOrderType": .string(beg[2] == "RO" ? "RushOrder" : "RegularOrder"),
      "lines": .array(lines),
    ]
    if let shipToParty { source["shipToParty"] = shipToParty }
    do {
      return (
        [
          try Record(
            kind: .purchaseOrder, marketplace: market, source: source,
            provenance: provenance(set, file))
        ], diags
      )
    } catch {
      return (
        [], diags + [ImportDiagnostic(file: file, position: beg.number, field: "BEG03", "\(error)")]
      )
    }
  }

  static func invoice(_ set: X12TransactionSet, _ m: Marketplace, _ file: String) -> (
    [Record], [ImportDiagnostic]
  ) {
    var diags: [ImportDiagnostic] = []
    guard let big = set.segments.first(where: { $0.id == "BIG" }), !big[2].isEmpty,
      let day = date(big[1])
    else {
      return (
        [],
        [
          ImportDiagnostic(
            file: file, position: set.segments.first?.number, field: "BIG02",
            "an 810 needs BIG01 (CCYYMMDD) and BIG02, the invoice number")
        ]
      )
    }
    let cur = currency(set, m)
    var lines: [JSONValue] = []
    var pos: Set<String> = []
    if !big[4].isEmpty { pos.insert(big[4]) }
    for s in set.segments where s.id == "IT1" {
      guard let qty = Int(s[2]), let cost = money(s[4], cur) else {
        diags.append(
          ImportDiagnostic(
            file: file, position: s.number, field: "IT102",
            "expected a whole quantity and a unit price, found \"\(s[2])\" and \"\(s[4])\""))
        continue
      }
      let (q, eaches) = quantity(qty, s[3])
      var line: [String: JSONValue] = [
        "itemSequenceNumber": .string(
          s[1].isEmpty ? String(lines.count + 1) : s[1].filter { $0.isLetter || $0.isNumber }),
        "invoicedQuantity": q, "invoicedEaches": .number(DecimalNumber(eaches)),
        "netCost": cost.json,
      ]
      let ids = identifiers(s, from: 6)
      if let v = ids["VN"] ?? ids["SK"] ?? ids["VP"] ?? ids["UP"] ?? ids["EN"] {
        line["vendorProductIdentifier"] = .string(v)
      }
      if let po = ids["PO"] ?? (big[4].isEmpty ? nil : big[4]) {
        line["purchaseOrderNumber"] = .string(po)
        pos.insert(po)
      }
      lines.append(.object(line))
    }
    guard let tds = set.segments.first(where: { $0.id == "TDS" }),
      let total = X12Reader.impliedDecimal(tds[1])
    else {
      return (
        [],
        diags + [
          ImportDiagnostic(
            file: file, position: big.number, field: "TDS01",
            "an 810 needs TDS01, the invoice total (two implied decimals)")
        ]
      )
    }
    var charges: [JSONValue] = []
    var allowances: [JSONValue] = []
    for s in set.segments where s.id == "SAC" {
      guard let amount = X12Reader.impliedDecimal(s[5]) else { continue }
      let entry: JSONValue = .object([
        "type": .string("Other"), "amount": Money(amount, cur).json, "description": .string(s[2]),
      ])
      if s[1] == "A" { allowances.append(entry) } else if s[1] == "C" { charges.append(entry) }
    }
    var source: [String: JSONValue] = [
      "invoiceNumber": .string(big[2]), "invoiceDate": .string(day),
      "totalAmount": Money(total, cur).json, "lines": .array(lines),
      "invoiceStatus": .string("SUBMITTED"),
    ]
    if !pos.isEmpty { source["purchaseOrderNumbers"] = .array(pos.sorted().map(JSONValue.string)) }
    if !charges.isEmpty { source["charges"] = .array(charges) }
    if !allowances.isEmpty { source["allowances"] = .array(allowances) }
    if let itd = set.segments.first(where: { $0.id == "ITD" }) {
      var terms: [String: JSONValue] = [:]
      if let pct = try? DecimalNumber(parsing: itd[3], lenient: true), !pct.isZero {
        terms["discountPercent"] = .string(pct.formatted())
      }
      if let d = Int(itd[5]) { terms["discountDueDays"] = .number(DecimalNumber(d)) }
      if let d = Int(itd[7]) { terms["netDueDays"] = .number(DecimalNumber(d)) }
      if !itd[12].isEmpty { terms["text"] = .string(itd[12]) }
      if !terms.isEmpty { source["paymentTerms"] = .object(terms) }
    }
    do {
      return (
        [
          try Record(
            kind: .invoice, marketplace: m, source: source, provenance: provenance(set, file))
        ], diags
      )
    } catch {
      return (
        [], diags + [ImportDiagnostic(file: file, position: big.number, field: "BIG02", "\(error)")]
      )
    }
  }

  static func remittance(_ set: X12TransactionSet, _ m: Marketplace, _ file: String) -> (
    [Record], [ImportDiagnostic]
  ) {
    guard let bpr = set.segments.first(where: { $0.id == "BPR" }),
      let amount = try? DecimalNumber(parsing: bpr[2], lenient: true)
    else {
      return (
        [],
        [
          ImportDiagnostic(
            file: file, position: set.segments.first?.number, field: "BPR02",
            "an 820 needs BPR02, the payment amount")
        ]
      )
    }
    guard let trn = set.segments.first(where: { $0.id == "TRN" }), !trn[2].isEmpty else {
      return (
        [],
        [
          ImportDiagnostic(
            file: file, position: bpr.number, field: "TRN02",
            "an 820 needs TRN02, the payment trace number")
        ]
      )
    }
    let day = date(bpr[16]) ?? set.segments.first(where: { $0.id == "DTM" }).flatMap { date($0[2]) }
    guard let paymentDay = day else {
      return (
        [],
        [
          ImportDiagnostic(
            file: file, position: bpr.number, field: "BPR16",
            "expected the payment date as CCYYMMDD, found \"\(bpr[16])\"")
        ]
      )
    }
    let cur = currency(set, m)
    var lines: [JSONValue] = []
    var deductions: [Record] = []
    // After ENT and before its first RMR, an ADX adjusts the payment itself (not an invoice): it
    // becomes a line of its own, so the lines still sum to the payment.
    var entityLevel = false
    for s in set.segments {
      if s.id == "ENT" {
        entityLevel = true
        continue
      }
      if s.id == "ADX", entityLevel || lines.isEmpty, let amount = money(s[1], cur) {
        let reference = s[4].isEmpty ? "ADJ-\(s[2].isEmpty ? "X" : s[2])-\(lines.count + 1)" : s[4]
        lines.append(
          .object([
            "lineNumber": .number(DecimalNumber(lines.count + 1)),
            "invoiceNumber": .string(reference), "classification": .string("other"),
            "amountPaid": amount.json,
            "description": .string("payment-level adjustment \(s[1]) (reason \(s[2]))"),
          ]))
        continue
      }
      if s.id == "RMR" { entityLevel = false }
      // ADX adjustments explain the RMR before them (amount, reason code); the RMR amount already nets them.
      if s.id == "ADX", let last = lines.indices.last, case .object(var line) = lines[last] {
        let note = "adjustment \(s[1]) (reason \(s[2]))"
        line["description"] = .string(
          [line["description"]?.stringValue, note].compactMap { $0 }.joined(separator: "; "))
        lines[last] = .object(line)
        continue
      }
      guard s.id == "RMR" else { continue }
      guard let paid = money(s[4], cur) else { continue }
      let number = s[2].isEmpty ? "LINE-\(lines.count + 1)" : s[2]
      let (classification, base) = DeductionClassifier.classify(number)
      var line: [String: JSONValue] = [
        "lineNumber": .number(DecimalNumber(lines.count + 1)), "invoiceNumber": .string(number),
        "classification": .string(classification), "amountPaid": paid.json,
      ]
      if let b = base { line["baseInvoiceNumber"] = .string(b) }
      if let invoiced = money(s[5], cur) { line["invoiceAmount"] = invoiced.json }
      if let discount = money(s[6], cur), !discount.isZero { line["discountTaken"] = discount.json }
      lines.append(.object(line))
      if DeductionClassifier.deductionTypes.contains(classification),
        let r = try? Record(
          kind: .deduction, marketplace: m,
          source: [
            "deductionNumber": .string(number), "deductionType": .string(classification),
            "deductionDate": .string(paymentDay),
            "amount": paid.json, "uniquePaymentId": .string(trn[2]),
          ].merging(base.map { ["baseInvoiceNumber": JSONValue.string($0)] } ?? [:]) { a, _ in a },
          workflow: ["state": .string(paid.isNegative ? "detected" : "recovered")],
          provenance: provenance(set, file))
      {
        deductions.append(r)
      }
    }
    var source: [String: JSONValue] = [
      "uniquePaymentId": .string(trn[2]), "paymentDate": .string(paymentDay),
      "paymentAmount": Money(amount, cur).json,
      "lines": .array(lines),
    ]
    if !bpr[4].isEmpty { source["paymentMethod"] = .string(bpr[4]) }
    do {
      let r = try Record(
        kind: .remittance, marketplace: m, source: source, provenance: provenance(set, file))
      return ([r] + deductions, [])
    } catch {
      return ([], [ImportDiagnostic(file: file, position: trn.number, field: "TRN02", "\(error)")])
    }
  }

  /// 856 ship notice: BSN, the HL shipment/order/pack/item levels, PRF, LIN, SN1, MAN (SSCC).
  static func shipment(_ set: X12TransactionSet, _ m: Marketplace, _ file: String) -> (
    [Record], [ImportDiagnostic]
  ) {
    guard let bsn = set.segments.first(where: { $0.id == "BSN" }), !bsn[2].isEmpty,
      let day = date(bsn[3])
    else {
      return (
        [],
        [
          ImportDiagnostic(
            file: file, position: set.segments.first?.number, field: "BSN02",
            "an 856 needs BSN02 (shipment id) and BSN03 (CCYYMMDD)")
        ]
      )
    }
    var shipped = day
    var po = ""
    var pos: Set<String> = []
    var cartons: [JSONValue] = []
    var lines: [JSONValue] = []
    var pendingIDs: [String: String] = [:]
    var source: [String: JSONValue] = [:]
    for s in set.segments {
      switch s.id {
      case "DTM" where s[1] == "011": shipped = date(s[2]) ?? shipped
      case "REF" where s[1] == "BM":
        source["transportation"] = .object(["billOfLadingNumber": .string(s[2])])
      case "PRF":
        po = s[1]
        if !po.isEmpty { pos.insert(po) }
      case "MAN" where s[1] == "GM" && !s[2].isEmpty:
        cartons.append(.object(["cartonIdentifier": .string(s[2])]))
      case "LIN": pendingIDs = identifiers(s, from: 2)
      case "SN1":
        guard let qty = Int(s[2]), !po.isEmpty else { continue }
        let (q, eaches) = quantity(qty, s[3])
        var line: [String: JSONValue] = [
          "itemSequenceNumber": .string(String(lines.count + 1)),
          "purchaseOrderNumber": .string(po), "shippedQuantity": q,
          "shippedEaches": .number(DecimalNumber(eaches)),
        ]
        if let v = pendingIDs["VP"] ?? pendingIDs["VN"] ?? pendingIDs["SK"] ?? pendingIDs["UP"]
          ?? pendingIDs["EN"]
        {
          line["vendorProductIdentifier"] = .string(v)
        }
        if let asin = pendingIDs["BP"], asin.count == 10,
          asin.allSatisfy({ $0.isUppercase || $0.isNumber })
        {
          line["amazonProductIdentifier"] = .string(asin)
        }
        lines.append(.object(line))
      default: break
      }
    }
    guard !lines.isEmpty else {
      return (
        [],
        [
          ImportDiagnostic(
            file: file, position: bsn.number, field: "SN1",
            "an 856 needs item levels with PRF (PO number) and SN1 (shipped quantity)")
        ]
      )
    }
    source["shipmentIdentifier"] = .string(bsn[2])
    source["shipmentDate"] = .string(shipped + "T00:00:00Z")
    source["shipmentConfirmationType"] = .string(bsn[1] == "05" ? "Replace" : "Original")
    source["purchaseOrderNumbers"] = .array(pos.sorted().map(JSONValue.string))
    source["lines"] = .array(lines)
    if !cartons.isEmpty { source["cartons"] = .array(cartons) }
    do {
      return (
        [
          try Record(
            kind: .shipment, marketplace: m, source: source, provenance: provenance(set, file))
        ], []
      )
    } catch {
      return ([], [ImportDiagnostic(file: file, position: bsn.number, field: "BSN02", "\(error)")])
    }
  }

  /// 812 credit/debit adjustment: BCD (01 date, 02 number, 03 transaction handling, 04 amount
  /// with two implied decimals (N2), 05 credit/debit flag `C`/`D`), N9*IV, AMT*TT (explicit
  /// decimals, preferred when present).
  static func adjustment(_ set: X12TransactionSet, _ m: Marketplace, _ file: String) -> (
    [Record], [ImportDiagnostic]
  ) {
    guard let bcd = set.segments.first(where: { $0.id == "BCD" }), !bcd[2].isEmpty,
      let day = date(bcd[1])
    else {
      return (
        [],
        [
          ImportDiagnostic(
            file: file, position: set.segments.first?.number, field: "BCD02",
            "an 812 needs BCD01 (CCYYMMDD) and BCD02 (the adjustment number)")
        ]
      )
    }
    let cur = currency(set, m)
    let amt = set.segments.first(where: { $0.id == "AMT" && $0[1] == "TT" }).flatMap {
      money($0[2], cur)
    }
    let bcd04 = X12Reader.impliedDecimal(bcd[4]).map { Money($0, cur) }
    guard let total = amt ?? bcd04 else {
      return (
        [],
        [
          ImportDiagnostic(
            file: file, position: bcd.number, field: "AMT02",
            "an 812 needs its total (AMT*TT or BCD04)")
        ]
      )
    }
    var source: [String: JSONValue] = [
      "creditNoteNumber": .string(bcd[2]), "issueDate": .string(day),
      "noteType": .string(bcd[5] == "D" ? "amazon-debit-note" : "vendor-credit-note"),
      "reason": .string("other"),
      "totalAmount": Money(total.amount.magnitudeValue, cur).json,
    ]
    if let iv = set.segments.first(where: { $0.id == "N9" && $0[1] == "IV" }), !iv[2].isEmpty {
      source["referenceInvoiceNumber"] = .string(iv[2])
    }
    if bcd[5] == "D" { source["debitNoteNumber"] = .string(bcd[2]) }
    do {
      return (
        [
          try Record(
            kind: .creditNote, marketplace: m, source: source,
            workflow: ["state": .string("expected")], provenance: provenance(set, file))
        ], []
      )
    } catch {
      return ([], [ImportDiagnostic(file: file, position: bcd.number, field: "BCD02", "\(error)")])
    }
  }

  /// 180 return authorization: BGN (02 RMA, 03 date), N9*RA, BLI items with QTY and AMT.
  static func returnAuthorization(_ set: X12TransactionSet, _ m: Marketplace, _ file: String) -> (
    [Record], [ImportDiagnostic]
  ) {
    guard let bgn = set.segments.first(where: { $0.id == "BGN" }), !bgn[2].isEmpty,
      let day = date(bgn[3])
    else {
      return (
        [],
        [
          ImportDiagnostic(
            file: file, position: set.segments.first?.number, field: "BGN02",
            "a 180 needs BGN02 (the return id) and BGN03 (CCYYMMDD)")
        ]
      )
    }
    let cur = currency(set, m)
    var lines: [[String: JSONValue]] = []
    var authorization: String?
    for s in set.segments {
      switch s.id {
      case "N9" where s[1] == "RA" && lines.isEmpty: authorization = s[2]
      case "BLI":
        guard let qty = Int(s[3]) else { continue }
        lines.append([
          "lineNumber": .number(DecimalNumber(lines.count + 1)),
          "vendorProductIdentifier": .string(s[2]),
          "requestedQuantity": .number(DecimalNumber(qty)), "requestedRefund": Money.zero(cur).json,
        ])
      case "N9" where s[1] == "PO" && !lines.isEmpty:
        lines[lines.count - 1]["purchaseOrderNumber"] = .string(s[2])
      case "AMT" where !lines.isEmpty:
        if let a = money(s[2], cur) { lines[lines.count - 1]["requestedRefund"] = a.json }
      default: break
      }
    }
    guard !lines.isEmpty else {
      return (
        [],
        [
          ImportDiagnostic(
            file: file, position: bgn.number, field: "BLI", "a 180 needs at least one BLI item")
        ]
      )
    }
    let total = lines.compactMap {
      $0["requestedRefund"]?["amount"]?.stringValue.flatMap { try? DecimalNumber(parsing: $0) }
    }
    .reduce(DecimalNumber.zero) { (try? $0 + $1) ?? $0 }
    var source: [String: JSONValue] = [
      "returnId": .string(bgn[2]), "noticeDate": .string(day + "T00:00:00Z"),
      "status": .string("New"),
      "totalRequestedRefund": Money(total, cur).json, "lines": .array(lines.map(JSONValue.object)),
    ]
    if let a = authorization, !a.isEmpty { source["authorizationId"] = .string(a) }
    do {
      return (
        [
          try Record(
            kind: .return, marketplace: m, source: source, workflow: ["state": .string("notified")],
            provenance: provenance(set, file))
        ], []
      )
    } catch {
      return ([], [ImportDiagnostic(file: file, position: bgn.number, field: "BGN02", "\(error)")])
    }
  }
}

/// An 855 acknowledgement: per PO line (by PO1 line number), the quantities accepted, backordered
/// and rejected, applied onto the purchase order it acknowledges.
public struct POAcknowledgement: Sendable {
  public var purchaseOrderNumber: String
  public var segment: Int
  /// Line → (accepted, backordered, rejected, acknowledgement code).
  public var lines: [String: (accepted: Int, backordered: Int, rejected: Int, code: String)]

  /// ACK01 codes (X12 587): accepted, backordered, rejected.
  static let accepted: Set<String> = ["IA", "AC", "IC", "IP", "IQ", "IS", "IW", "BP", "DR", "SP"]
  static let backordered: Set<String> = ["IB", "BA"]
  static let rejected: Set<String> = ["IR", "R1", "R2", "R3", "R4", "ID", "IE", "IF"]

  public static func read(_ set: X12TransactionSet) -> POAcknowledgement? {
    guard set.type == "855", let bak = set.segments.first(where: { $0.id == "BAK" }),
      !bak[3].isEmpty
    else { return nil }
    var out = POAcknowledgement(purchaseOrderNumber: bak[3], segment: bak.number, lines: [:])
    var line: String?
    for s in set.segments {
      if s.id == "PO1" { line = s[1].isEmpty ? String(out.lines.count + 1) : s[1] }
      guard s.id == "ACK", let l = line, let qty = Int(s[2]) else { continue }
      var entry = out.lines[l] ?? (0, 0, 0, "")
      if accepted.contains(s[1]) {
        entry.accepted += qty
      } else if backordered.contains(s[1]) {
        entry.backordered += qty
      } else if rejected.contains(s[1]) {
        entry.rejected += qty
      }
      entry.code =
        entry.rejected > 0 || entry.backordered > 0
        ? (entry.accepted > 0
          ? "PartiallyAccepted" : (entry.rejected > 0 ? "Rejected" : "Backordered")) : "Accepted"
      out.lines[l] = entry
    }
    return out
  }

  /// The purchase order with the acknowledged quantities on its lines; unmatched lines are named.
  public func apply(to po: Record) -> (Record, [String]) {
    guard var lines = po.json["source"]?["lines"]?.arrayValue else {
      return (po, Array(self.lines.keys))
    }
    var unmatched = Set(self.lines.keys)
    for (k, line) in lines.enumerated() {
      guard let seq = line["itemSequenceNumber"]?.stringValue, let ack = self.lines[seq],
        var q = line["quantities"]?.objectValue
      else { continue }
      unmatched.remove(seq)
      q["accepted"] = .number(DecimalNumber(ack.accepted))
      q["backordered"] = .number(DecimalNumber(ack.backordered))
      q["rejected"] = .number(DecimalNumber(ack.rejected))
      var updated = line.setting(.object(q), at: JSONPath([.key("quantities")])) ?? line
      updated =
        updated.setting(.string(ack.code), at: JSONPath([.key("acknowledgementCode")])) ?? updated
      lines[k] = updated
    }
    var json =
      po.json.setting(.array(lines), at: JSONPath([.key("source"), .key("lines")])) ?? po.json
    json =
      json.setting(
        .string("Acknowledged"), at: JSONPath([.key("source"), .key("purchaseOrderState")])) ?? json
    return (Record(json: json), unmatched.sorted())
  }
}

extension DecimalNumber {
  /// The absolute value.
  var magnitudeValue: DecimalNumber { isNegative ? -self : self }
}
