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
}
