/// Business invariants of records, beyond what the schema can say: line totals sum to header
/// totals, quantities in eaches agree with cases × unit size, one currency per document, line keys
/// unique. Each check takes the record and returns issues; none throws, none prints.
public enum Invariants {
  public static func check(_ record: JSONValue, kind: RecordKind) -> [DocumentIssue] {
    guard let source = record["source"] else { return [] }
    let base = JSONPath([.key("source")])
    var issues: [DocumentIssue] = []
    var reader = MoneyReader(base: base)
    switch kind {
    case .purchaseOrder:
      issues += uniqueLineKeys(source, base: base, key: "itemSequenceNumber")
      for (k, line) in lines(source) {
        let p = base.appending("lines").appending(k)
        issues += eaches(
          line["orderedQuantity"], equals: line["quantities"]?["ordered"], at: p,
          "quantities", "ordered")
        for f in ["netCost", "listPrice", "acknowledgedNetCost"] {
          _ = reader.money(line[f], at: p.appending(f))
        }
      }
    case .shipment:
      issues += uniqueLineKeys(source, base: base, key: "itemSequenceNumber")
      for (k, line) in lines(source) {
        issues += eaches(
          line["shippedQuantity"], equals: line["shippedEaches"],
          at: base.appending("lines").appending(k), "shippedEaches")
      }
    case .invoice:
      issues += uniqueLineKeys(source, base: base, key: "itemSequenceNumber")
      issues += invoiceTotals(source, base: base, reader: &reader)
    case .remittance:
      issues += uniqueLineKeys(source, base: base, key: "lineNumber")
      issues += remittanceTotals(source, base: base, reader: &reader)
    case .return:
      issues += uniqueLineKeys(source, base: base, key: "lineNumber")
      issues += sumCheck(
        source, base: base, header: "totalRequestedRefund", lineField: "requestedRefund",
        reader: &reader)
      issues += sumCheck(
        source, base: base, header: "totalApprovedRefund", lineField: "approvedRefund",
        reader: &reader)
      for (k, line) in lines(source) {
        if let req = line["requestedQuantity"]?.intValue,
          let app = line["approvedQuantity"]?.intValue, app > req
        {
          issues.append(
            DocumentIssue(
              "invariant.quantity",
              at: base.appending("lines").appending(k).appending("approvedQuantity"),
              "approved quantity \(app) exceeds the requested \(req)"))
        }
      }
    case .creditNote:
      issues += uniqueLineKeys(source, base: base, key: "itemSequenceNumber")
      if !lines(source).isEmpty {
        issues += sumCheck(
          source, base: base, header: "totalAmount", lineField: "amount", plus: "taxTotal",
          reader: &reader)
      }
    case .outbound:
      issues += uniqueLineKeys(source, base: base, key: "itemSequenceNumber")
      issues += outbound(source, base: base, reader: &reader)
    case .deduction:
      _ = reader.money(source["amount"], at: base.appending("amount"))
      if let recovered = record["workflow"]?["decision"]?["recoveredAmount"] {
        _ = reader.money(
          recovered, at: JSONPath([.key("workflow"), .key("decision"), .key("recoveredAmount")]))
      }
    }
    if kind != .remittance {
      issues += mixedCurrencies(source, at: base, kind.rawValue)
      if let workflow = record["workflow"], let first = firstCurrency(source) {
        issues += mixedCurrencies(
          workflow, at: JSONPath([.key("workflow")]), "\(kind.rawValue) workflow", expected: first)
      }
    }
    return issues + reader.issues
  }

  /// Every money object (`{"amount", "currency"}`) below `value`, with its path, in key order.
  static func moneyObjects(_ value: JSONValue, at path: JSONPath) -> [(CurrencyCode, JSONPath)] {
    switch value {
    case .object(let members):
      if members.count == 2, members["amount"] != nil, let code = members["currency"]?.stringValue,
        let currency = CurrencyCode(code)
      {
        return [(currency, path)]
      }
      return members.sorted { CanonicalJSON.keyPrecedes($0.key, $1.key) }.flatMap {
        moneyObjects($0.value, at: path.appending($0.key))
      }
    case .array(let items):
      return items.enumerated().flatMap { moneyObjects($1, at: path.appending($0)) }
    default:
      return []
    }
  }

  static func firstCurrency(_ value: JSONValue) -> CurrencyCode? {
    moneyObjects(value, at: .root).first?.0
  }

  /// One issue when a document mixes currencies, naming the first field that differs.
  static func mixedCurrencies(
    _ value: JSONValue, at path: JSONPath, _ what: String, expected: CurrencyCode? = nil
  ) -> [DocumentIssue] {
    let all = moneyObjects(value, at: path)
    guard let first = expected ?? all.first?.0,
      let (other, at) = all.first(where: { $0.0 != first })
    else { return [] }
    return [
      DocumentIssue(
        "money.currency-mismatch", at: at, "\(what) mixes currencies: \(first) and \(other)")
    ]
  }

  static func lines(_ source: JSONValue) -> [(Int, JSONValue)] {
    Array((source["lines"]?.arrayValue ?? []).enumerated())
  }

  static func uniqueLineKeys(_ source: JSONValue, base: JSONPath, key: String) -> [DocumentIssue] {
    var seen: [String: Int] = [:]
    var out: [DocumentIssue] = []
    for (k, line) in lines(source) {
      guard let v = line[key] else { continue }
      let text = v.stringValue ?? CanonicalJSON.compact(v)
      if let first = seen[text] {
        out.append(
          DocumentIssue(
            "invariant.duplicate-line", at: base.appending("lines").appending(k).appending(key),
            "\(key) \(text) appears twice (lines \(first) and \(k))"))
      } else {
        seen[text] = k
      }
    }
    return out
  }

  /// `quantity.amount × quantity.unitSize` must equal the eaches figure.
  static func eaches(
    _ quantity: JSONValue?, equals eaches: JSONValue?, at path: JSONPath, _ field: String...
  ) -> [DocumentIssue] {
    let name = field.joined(separator: ".")
    let fieldPath = JSONPath(path.components + field.map { .key($0) })
    guard let amount = quantity?["amount"]?.intValue, let size = quantity?["unitSize"]?.intValue,
      let unit = quantity?["unitOfMeasure"]?.stringValue, let stated = eaches?.intValue
    else { return [] }
    let (expected, overflow) = amount.multipliedReportingOverflow(by: size)
    if unit == "Eaches" && size != 1 {
      return [
        DocumentIssue(
          "invariant.quantity", at: path, "unitSize must be 1 when the unit of measure is Eaches")
      ]
    }
    if overflow || expected != stated {
      return [
        DocumentIssue(
          "invariant.eaches", at: fieldPath,
          "\(name) is \(stated) but \(amount) \(unit) × \(size) = \(overflow ? "overflow" : String(expected)) eaches"
        )
      ]
    }
    return []
  }

  /// An outbound document adds up: an acknowledgement's accepted, backordered and rejected eaches
  /// make the order (a rejection has its reason); an ASN's cartons hold exactly what its lines
  /// ship and their count is the one declared; an invoice's total is its lines'.
  static func outbound(_ source: JSONValue, base: JSONPath, reader: inout MoneyReader)
    -> [DocumentIssue]
  {
    var out: [DocumentIssue] = []
    switch source["documentType"]?.stringValue {
    case "acknowledgement":
      for (k, line) in lines(source) {
        let p = base.appending("lines").appending(k)
        let parts = ["acceptedEaches", "backorderedEaches", "rejectedEaches"].map {
          line[$0]?.intValue ?? 0
        }
        if let ordered = line["orderedEaches"]?.intValue, parts.reduce(0, +) != ordered {
          out.append(
            DocumentIssue(
              "invariant.ack-quantity", at: p,
              "\(parts[0]) accepted + \(parts[1]) backordered + \(parts[2]) rejected = \(parts.reduce(0, +)), not the \(ordered) ordered"
            ))
        }
        if parts[2] > 0, line["rejectionReason"] == nil {
          out.append(
            DocumentIssue(
              "invariant.rejection-reason", at: p.appending("rejectionReason"),
              "rejected eaches need a reason (TemporarilyUnavailable, InvalidProductIdentifier or ObsoleteProduct)"
            ))
        }
        out += eaches(
          line["orderedQuantity"], equals: line["orderedEaches"], at: p, "orderedEaches")
      }
    case "shipment-confirmation":
      let cartons = source["cartons"]?.arrayValue ?? []
      if let count = source["cartonCount"]?.intValue, !cartons.isEmpty, count != cartons.count {
        out.append(
          DocumentIssue(
            "invariant.carton-count", at: base.appending("cartonCount"),
            "\(count) cartons declared, \(cartons.count) described"))
      }
      guard !cartons.isEmpty else { break }
      var packed: [String: Int] = [:]
      for (c, carton) in cartons.enumerated() {
        for (i, item) in (carton["items"]?.arrayValue ?? []).enumerated() {
          let ref = item["itemReference"]?.stringValue ?? ""
          if !lines(source).contains(where: { $0.1["itemSequenceNumber"]?.stringValue == ref }) {
            out.append(
              DocumentIssue(
                "invariant.carton-item",
                at: base.appending("cartons").appending(c).appending("items").appending(i),
                "carton item refers to line \(ref), which the ASN does not ship"))
          }
          packed[ref, default: 0] += item["shippedEaches"]?.intValue ?? 0
        }
      }
      for (k, line) in lines(source) {
        let seq = line["itemSequenceNumber"]?.stringValue ?? ""
        let shipped = line["shippedEaches"]?.intValue ?? 0
        if packed[seq, default: 0] != shipped {
          out.append(
            DocumentIssue(
              "invariant.cartons", at: base.appending("lines").appending(k),
              "the cartons hold \(packed[seq, default: 0]) eaches of line \(seq), which ships \(shipped)"
            ))
        }
      }
    case "invoice":
      out += invoiceTotals(source, base: base, reader: &reader)
    default: break
    }
    return out
  }

  static func invoiceTotals(_ source: JSONValue, base: JSONPath, reader: inout MoneyReader)
    -> [DocumentIssue]
  {
    guard let total = reader.money(source["totalAmount"], at: base.appending("totalAmount")) else {
      return []
    }
    var parts: [Money] = []
    var lineTax: [Money] = []
    for (k, line) in lines(source) {
      let p = base.appending("lines").appending(k)
      if let stated = reader.money(line["totalAmount"], at: p.appending("totalAmount")) {
        parts.append(stated)
      } else if let cost = reader.money(line["netCost"], at: p.appending("netCost")),
        let qty = line["invoicedEaches"]?.intValue, let extended = try? cost.times(qty)
      {
        parts.append(extended.roundedToMinorUnit)
      }
      if let tax = reader.money(line["taxAmount"], at: p.appending("taxAmount")) {
        lineTax.append(tax)
      }
    }
    for (k, charge) in (source["charges"]?.arrayValue ?? []).enumerated() {
      if let m = reader.money(
        charge["amount"], at: base.appending("charges").appending(k).appending("amount"))
      {
        parts.append(m)
      }
    }
    for (k, allowance) in (source["allowances"]?.arrayValue ?? []).enumerated() {
      if let m = reader.money(
        allowance["amount"], at: base.appending("allowances").appending(k).appending("amount"))
      {
        parts.append(-m)
      }
    }
    var out: [DocumentIssue] = []
    let taxTotal = reader.money(source["taxTotal"], at: base.appending("taxTotal"))
    if let taxTotal, !lineTax.isEmpty,
      let sum = try? Money.sum(lineTax, currency: taxTotal.currency), sum != taxTotal
    {
      out.append(
        DocumentIssue(
          "invariant.total", at: base.appending("taxTotal"),
          "taxTotal is \(taxTotal) but the lines' tax sums to \(sum)"))
    }
    if let tax = taxTotal
      ?? (lineTax.isEmpty ? nil : try? Money.sum(lineTax, currency: total.currency))
    {
      parts.append(tax)
    }
    guard !lines(source).isEmpty else { return out }
    if let sum = try? Money.sum(parts, currency: total.currency), sum != total {
      out.append(
        DocumentIssue(
          "invariant.total", at: base.appending("totalAmount"),
          "totalAmount is \(total) but lines + charges − allowances + tax = \(sum)"))
    }
    return out
  }

  static func remittanceTotals(_ source: JSONValue, base: JSONPath, reader: inout MoneyReader)
    -> [DocumentIssue]
  {
    let payment = reader.money(source["paymentAmount"], at: base.appending("paymentAmount"))
    let inInvoiceCurrency = reader.money(
      source["paymentAmountInInvoiceCurrency"], at: base.appending("paymentAmountInInvoiceCurrency")
    )
    var lineReader = MoneyReader(base: base)
    var paid: [Money] = []
    for (k, line) in lines(source) {
      let p = base.appending("lines").appending(k)
      for f in ["invoiceAmount", "taxAmount", "discountTaken", "withholdingAmount"] {
        _ = lineReader.money(line[f], at: p.appending(f))
      }
      if let m = lineReader.money(line["amountPaid"], at: p.appending("amountPaid")) {
        paid.append(m)
      }
    }
    var out =
      lineReader.issues
      + mixedCurrencies(source["lines"] ?? .null, at: base.appending("lines"), "remittance's lines")
    guard let header = inInvoiceCurrency ?? payment, !paid.isEmpty else { return out }
    let field = inInvoiceCurrency == nil ? "paymentAmount" : "paymentAmountInInvoiceCurrency"
    if header.currency != paid[0].currency {
      out.append(
        DocumentIssue(
          "invariant.currency", at: base.appending(field),
          "\(field) is in \(header.currency) but the lines are in \(paid[0].currency)"
            + (inInvoiceCurrency == nil
              ? "; give paymentAmountInInvoiceCurrency for a converted payment" : "")))
    } else if let sum = try? Money.sum(paid, currency: header.currency), sum != header {
      out.append(
        DocumentIssue(
          "invariant.total", at: base.appending(field),
          "\(field) is \(header) but the lines' amountPaid sums to \(sum)"))
    }
    return out
  }

  static func sumCheck(
    _ source: JSONValue, base: JSONPath, header: String, lineField: String,
    plus extra: String? = nil,
    reader: inout MoneyReader
  ) -> [DocumentIssue] {
    guard let total = reader.money(source[header], at: base.appending(header)) else { return [] }
    var parts: [Money] = []
    for (k, line) in lines(source) {
      guard
        let m = reader.money(
          line[lineField], at: base.appending("lines").appending(k).appending(lineField))
      else { return [] }
      parts.append(m)
    }
    if let extra, let m = reader.money(source[extra], at: base.appending(extra)) { parts.append(m) }
    guard let sum = try? Money.sum(parts, currency: total.currency), sum != total else { return [] }
    let what = extra.map { "the lines' \(lineField) + \($0)" } ?? "the lines' \(lineField)"
    return [
      DocumentIssue(
        "invariant.total", at: base.appending(header),
        "\(header) is \(total) but \(what) sums to \(sum)")
    ]
  }
}

/// Reads money objects of one document, collecting malformed amounts and the currencies seen.
struct MoneyReader {
  let base: JSONPath
  var issues: [DocumentIssue] = []

  init(base: JSONPath) { self.base = base }

  mutating func money(_ value: JSONValue?, at path: JSONPath) -> Money? {
    guard let value, case .object = value else { return nil }
    guard let code = value["currency"]?.stringValue, let currency = CurrencyCode(code) else {
      return nil
    }
    let amount: DecimalNumber
    switch value["amount"] {
    case .string(let text)?:
      guard let parsed = try? DecimalNumber(parsing: text) else { return nil }
      amount = parsed
    case .number(let n)?:
      issues.append(
        DocumentIssue(
          "money.amount", at: path.appending("amount"),
          "amount must be a decimal string, not a JSON number"))
      amount = n
    default:
      return nil
    }
    return Money(amount, currency)
  }

}
