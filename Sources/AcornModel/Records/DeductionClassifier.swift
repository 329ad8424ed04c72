/// What a remittance line is, from its invoice number (DOMAIN.md §2): the suffixes and patterns
/// Vendor Central uses for shortage claims (`SC`), their reversals (`SCR`) and revisions (`SCRSC`),
/// price claims (`PC`), chargeback debit notes (`…VCBSINV`), provisions for receivables and their
/// reversals, price-protection debit notes (`IPAPUS…`) and co-op agreement invoices
/// (`XXXX-XXXXXXXX`). Shared by every source of remittances (SP-API, EDI 820, CSV exports).
public enum DeductionClassifier {
  public static func classify(_ invoiceNumber: String) -> (classification: String, base: String?) {
    let n = invoiceNumber.trimmingSpaces()
    let upper = n.uppercased()
    if upper.hasSuffix("PROVISION FOR RECEIVABLESR")
      || upper.hasSuffix("PROVISION_FOR_RECEIVABLESR")
    {
      return ("provision-reversal", nil)
    }
    if upper.containsBytes("PROVISION FOR RECEIVABLES")
      || upper.containsBytes("PROVISION_FOR_RECEIVABLES")
    {
      return ("provision", nil)
    }
    if upper.hasSuffix("VCBSINV") { return ("chargeback", nil) }
    if upper.hasPrefix("IPAPUS") { return ("price-protection", nil) }
    if upper.hasSuffix("SCRSC") { return ("shortage-claim-revised", String(n.dropLast(5))) }
    if upper.hasSuffix("SCR") { return ("shortage-claim-reversal", String(n.dropLast(3))) }
    if upper.hasSuffix("SC") { return ("shortage-claim", String(n.dropLast(2))) }
    if upper.hasSuffix("PC") { return ("price-claim", String(n.dropLast(2))) }
    if isAgreementNumber(n) { return ("coop", nil) }
    return ("invoice", nil)
  }

  /// `1234-12345678`.
  static func isAgreementNumber(_ s: String) -> Bool {
    let u = Array(s.utf8)
    guard u.count == 13, u[4] == UInt8(ascii: "-") else { return false }
    return u.enumerated().allSatisfy { $0.offset == 4 || ($0.element >= 48 && $0.element <= 57) }
  }

  /// Classifications that are deductions (or their reversals), as `deductionType`s.
  public static let deductionTypes: Set<String> = [
    "shortage-claim", "shortage-claim-reversal", "shortage-claim-revised", "price-claim",
    "chargeback", "coop", "provision",
    "provision-reversal", "price-protection",
  ]

  /// Classifications read from a suffix alone (`SC`, `SCR`, `SCRSC`, `PC`): an invoice number
  /// may end in those letters by chance.
  public static let suffixClassifications: Set<String> = [
    "shortage-claim", "shortage-claim-reversal", "shortage-claim-revised", "price-claim",
  ]

  /// What a line's own type says it is (`invoiceType` from the SP-API, a type column), if it says.
  static func classification(ofLineType type: String?) -> String? {
    guard let t = type?.lowercased().filter({ $0.isLetter }), !t.isEmpty else { return nil }
    if t.contains("shortage") {
      if t.contains("reversal") { return "shortage-claim-reversal" }
      if t.contains("revis") { return "shortage-claim-revised" }
      return "shortage-claim"
    }
    if t.contains("priceclaim") || t.contains("pricediscrepancy") { return "price-claim" }
    if t == "standard" || t == "invoice" || t == "standardinvoice" { return "invoice" }
    return nil
  }

  /// A suffix classification stands only when the rest of the number is an invoice the workspace
  /// knows, or the line's type says so; otherwise the line is `other`, with the reason, for a
  /// person to decide. Other classifications pass through.
  public static func confirm(
    number: String, classification: String, base: String?, lineType: String?,
    knownInvoices: Set<String>
  ) -> (classification: String, base: String?, ambiguity: String?) {
    if let said = Self.classification(ofLineType: lineType) {
      if said == "invoice" { return ("invoice", nil, nil) }
      if suffixClassifications.contains(said) { return (said, base, nil) }
    }
    guard suffixClassifications.contains(classification), let base else {
      return (classification, base, nil)
    }
    if knownInvoices.contains(base) { return (classification, base, nil) }
    if knownInvoices.contains(number) { return ("invoice", nil, nil) }
    return (
      "other", nil,
      "\(number) ends like a \(classification.replacingOccurrences(of: "-", with: " ")) of invoice \(base), but the workspace knows no invoice \(base): sync or import it, or link the line with acorn match"
    )
  }

  /// Remittances and deductions from one sync or import, with suffix classifications confirmed
  /// against the invoices known (`knownInvoices`, the invoices among `records`, and the invoices
  /// their remittances pay): ambiguous lines become `other` with their reason, and the
  /// deductions read from them are left out.
  public static func review(_ records: [Record], knownInvoices: Set<String>) -> [Record] {
    var known = knownInvoices
    for r in records where r.kind == .invoice {
      if let n = r.json["source"]?["invoiceNumber"]?.stringValue { known.insert(n) }
    }
    for r in records where r.kind == .remittance {
      for line in r.json["source"]?["lines"]?.arrayValue ?? []
      where line["classification"]?.stringValue == "invoice" {
        if let n = line["invoiceNumber"]?.stringValue { known.insert(n) }
      }
    }
    var dropped: Set<String> = []  // deduction numbers no longer read as deductions
    var out: [Record] = []
    for r in records {
      guard r.kind == .remittance, case .array(let lines)? = r.json["source"]?["lines"] else {
        out.append(r)
        continue
      }
      var changed = false
      let reviewed: [JSONValue] = lines.map { line in
        guard case .object(var l) = line, let number = l["invoiceNumber"]?.stringValue,
          let current = l["classification"]?.stringValue
        else { return line }
        let (c, base, ambiguity) = confirm(
          number: number, classification: current, base: l["baseInvoiceNumber"]?.stringValue,
          lineType: l["invoiceType"]?.stringValue, knownInvoices: known)
        guard c != current || ambiguity != nil else { return line }
        changed = true
        if deductionTypes.contains(current) && !deductionTypes.contains(c) {
          dropped.insert(number)
        }
        l["classification"] = .string(c)
        l["baseInvoiceNumber"] = base.map(JSONValue.string)
        if base == nil { l.removeValue(forKey: "baseInvoiceNumber") }
        l["ambiguity"] = ambiguity.map(JSONValue.string)
        if ambiguity == nil { l.removeValue(forKey: "ambiguity") }
        return .object(l)
      }
      if changed,
        let json = r.json.setting(.array(reviewed), at: JSONPath([.key("source"), .key("lines")]))
      {
        out.append(Record(json: json))
      } else {
        out.append(r)
      }
    }
    return out.filter { r in
      guard r.kind == .deduction, let n = r.json["source"]?["deductionNumber"]?.stringValue else {
        return true
      }
      return !dropped.contains(n)
    }
  }
}

extension DeductionClassifier {
  /// What a classification or deduction type is called, in English and Simplified Chinese, for
  /// narrations, reports and vouchers.
  public static func name(_ type: String) -> (en: String, zh: String) {
    switch type {
    case "invoice": ("invoice", "发票")
    case "shortage-claim": ("shortage claim", "短缺索赔")
    case "shortage-claim-reversal": ("shortage claim reversal", "短缺索赔冲回")
    case "shortage-claim-revised": ("revised shortage claim", "短缺索赔修订")
    case "price-claim": ("price claim", "价格索赔")
    case "chargeback": ("chargeback", "违规扣款")
    case "coop": ("co-op", "合作营销费")
    case "provision": ("provision for receivables", "应收款准备金")
    case "provision-reversal": ("provision reversal", "准备金冲回")
    case "price-protection": ("price protection", "价格保护")
    case "credit-note": ("credit note", "贷项通知单")
    default: (type, type)
    }
  }
}
