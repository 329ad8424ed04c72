import AcornModel

/// What changed between two versions of a reconciliation file, as business sentences for a
/// reviewer: `INV-123 unpaid → paid-with-deductions, shortage-claim 12.40 EUR (payment P2)`.
public enum ReconcileDiff {
  static func keyed(_ v: JSONValue?, _ list: String, _ key: String) -> [(String, JSONValue)] {
    (v?[list]?.arrayValue ?? []).compactMap { item in item[key]?.stringValue.map { ($0, item) } }
  }

  static func text(_ v: JSONValue?) -> String {
    v?.stringValue ?? v.map { CanonicalJSON.compact($0) } ?? "—"
  }

  static func amount(_ text: String?, _ currency: String?) -> String {
    guard var t = text else { return "—" }
    if t.hasPrefix("-") { t.removeFirst() }
    return t + (currency.map { " " + $0 } ?? "")
  }

  public static func sentences(old: JSONValue?, new: JSONValue?) -> [String] {
    var out: [String] = []
    // Invoices.
    let oldInvoices = Dictionary(
      keyed(old, "invoices", "invoiceNumber"), uniquingKeysWith: { a, _ in a })
    for (number, inv) in keyed(new, "invoices", "invoiceNumber") {
      let currency = inv["currency"]?.stringValue
      guard let before = oldInvoices[number] else {
        out.append(
          "\(number): new, \(text(inv["status"])), open \(amount(inv["open"]?.stringValue, currency))"
        )
        continue
      }
      var parts: [String] = []
      let oldEntries = Set(
        (before["deductions"]?.arrayValue ?? []).map { CanonicalJSON.compact($0, limit: .max) })
      for e in inv["deductions"]?.arrayValue ?? []
      where !oldEntries.contains(CanonicalJSON.compact(e, limit: .max)) {
        let sign = e["amount"]?.stringValue?.hasPrefix("-") == true ? "" : "+"
        parts.append(
          "\(text(e["type"])) \(sign)\(amount(e["amount"]?.stringValue, currency)) (payment \(text(e["paymentId"])))"
        )
      }
      let oldPayments = (before["payments"]?.arrayValue ?? []).count
      let newPayments = (inv["payments"]?.arrayValue ?? []).count
      if newPayments > oldPayments {
        parts.append(
          "\(newPayments - oldPayments) payment\(newPayments - oldPayments == 1 ? "" : "s")")
      }
      if before["open"] != inv["open"] {
        parts.append(
          "open \(amount(before["open"]?.stringValue, nil)) → \(amount(inv["open"]?.stringValue, currency))"
        )
      }
      if before["status"] != inv["status"] {
        out.append(
          "\(number) \(text(before["status"])) → \(text(inv["status"]))"
            + (parts.isEmpty ? "" : ", " + parts.joined(separator: ", ")))
      } else if !parts.isEmpty {
        out.append("\(number) \(text(inv["status"])): " + parts.joined(separator: ", "))
      }
    }
    let newInvoiceNumbers = Set(keyed(new, "invoices", "invoiceNumber").map(\.0))
    for (number, _) in keyed(old, "invoices", "invoiceNumber")
    where !newInvoiceNumbers.contains(number) {
      out.append("\(number): no longer reconciled here")
    }
    // Deductions: new ones and changed verdicts.
    let oldDeductions = Dictionary(keyed(old, "deductions", "id"), uniquingKeysWith: { a, _ in a })
    for (id, d) in keyed(new, "deductions", "id") {
      let currency = d["currency"]?.stringValue
      if let before = oldDeductions[id] {
        if before["verdict"] != d["verdict"] {
          out.append(
            "\(text(d["deductionNumber"])) \(text(before["verdict"])) → \(text(d["verdict"])): \(text(d["reason"]))"
          )
        }
      } else {
        out.append(
          "\(text(d["deductionNumber"])): new \(text(d["type"])) \(amount(d["amount"]?.stringValue, currency)), \(text(d["verdict"]))"
        )
      }
    }
    // Returns.
    let oldReturns = Dictionary(keyed(old, "returns", "returnId"), uniquingKeysWith: { a, _ in a })
    for (id, r) in keyed(new, "returns", "returnId") {
      if let before = oldReturns[id], before["status"] != r["status"] {
        out.append("Return \(id) \(text(before["status"])) → \(text(r["status"]))")
      } else if oldReturns[id] == nil {
        out.append("Return \(id): new, \(text(r["status"]))")
      }
    }
    // Findings that appeared, went away or changed (same code and records, new words).
    func findings(_ v: JSONValue?) -> [String: String] {
      var m: [String: String] = [:]
      for f in v?["findings"]?.arrayValue ?? [] {
        let records = (f["records"]?.arrayValue ?? []).compactMap(\.stringValue).joined(
          separator: ",")
        m["\(f["code"]?.stringValue ?? "") \(records)"] =
          "\(f["severity"]?.stringValue ?? "") \(f["en"]?.stringValue ?? "")"
      }
      return m
    }
    let (oldFindings, newFindings) = (findings(old), findings(new))
    for key in newFindings.keys.sorted() {
      guard let now = newFindings[key] else { continue }
      if let was = oldFindings[key] {
        if was != now { out.append("~ \(now)") }
      } else {
        out.append("+ \(now)")
      }
    }
    for key in oldFindings.keys.sorted() where newFindings[key] == nil {
      out.append("− resolved: \(oldFindings[key] ?? key)")
    }
    return out
  }
}
