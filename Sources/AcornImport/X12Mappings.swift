import AcornModel

/// X12 transaction sets → records: 850 purchase order, 810 invoice, 820 remittance (with the
/// deductions its lines imply). Pure. Each mapping returns records and diagnostics naming the
/// segment and element.
public enum X12Mappings {
  public static let supported: Set<String> = ["850", "810", "820"]

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
    default:
      return (
        [],
        [
          ImportDiagnostic(
            .warning, file: file, position: set.segments.first?.number, field: "ST01",
            "transaction set \(set.type) is not imported yet (supported: 850, 810, 820); skipped")
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
    let cur = currency(set, m)
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
    if let st = set.segments.first(where: { $0.id == "N1" && $0[1] == "ST" }), !st[4].isEmpty {
      source["shipToParty"] = .object(["partyId": .string(st[4])])
    }
    do {
      return (
        [
          try Record(
            kind: .purchaseOrder, marketplace: m, source: source, provenance: provenance(set, file))
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
    for s in set.segments {
      // ADX adjustments explain an RMR's difference (reason in ADX02); the RMR amounts already net them.
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
}
