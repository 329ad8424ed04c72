/// An Amazon marketplace that Vendor Central serves, with its SP-API id, region and currency.
/// The table is data (CLIENT-NOTES.md §2.2) and a unit test checks it against the literals.
public struct Marketplace: Sendable, Hashable, Comparable, CustomStringConvertible {
  public enum Region: String, Sendable, CaseIterable {
    case na = "NA"
    case eu = "EU"
    case fe = "FE"
  }

  /// The code used in paths and records (`UK`, not ISO's `GB`).
  public let code: String
  public let marketplaceId: String
  public let region: Region
  public let currency: CurrencyCode
  public let countryCode: String

  public static let all: [Marketplace] = [
    .init("US", "ATVPDKIKX0DER", .na, "USD"),
    .init("CA", "A2EUQ1WTGCTBG2", .na, "CAD"),
    .init("MX", "A1AM78C64UM0Y8", .na, "MXN"),
    .init("BR", "A2Q3Y263D00KWC", .na, "BRL"),
    .init("UK", "A1F83G8C2ARO7P", .eu, "GBP", country: "GB"),
    .init("DE", "A1PA6795UKMFR9", .eu, "EUR"),
    .init("FR", "A13V1IB3VIYZZH", .eu, "EUR"),
    .init("IT", "APJ6JRA9NG5V4", .eu, "EUR"),
    .init("ES", "A1RKKUPIHCS9HS", .eu, "EUR"),
    .init("NL", "A1805IZSGTT6HS", .eu, "EUR"),
    .init("SE", "A2NODRKZP88ZB9", .eu, "SEK"),
    .init("PL", "A1C3SOZRARQ6R3", .eu, "PLN"),
    .init("IN", "A21TJRUUN4KGV", .eu, "INR"),
    .init("JP", "A1VC38T7YXB528", .fe, "JPY"),
    .init("AU", "A39IBJ37TRP1C6", .fe, "AUD"),
  ]

  private init(
    _ code: String, _ id: String, _ region: Region, _ currency: String, country: String? = nil
  ) {
    self.code = code
    self.marketplaceId = id
    self.region = region
    // The table's codes are literals checked by a unit test.
    self.currency = CurrencyCode(currency) ?? CurrencyCode("XXX").unsafelyUnwrapped
    self.countryCode = country ?? code
  }

  /// Looks a marketplace up by code (case-insensitive; `GB` is accepted for `UK`) or SP-API id.
  public init?(_ text: String) {
    let upper = text.uppercased()
    let code = upper == "GB" ? "UK" : upper
    guard let found = Self.all.first(where: { $0.code == code || $0.marketplaceId == text }) else {
      return nil
    }
    self = found
  }

  /// The marketplace of a country (ISO 3166-1 alpha-2; `GB` is `UK`), when Amazon has one.
  public static func of(country countryCode: String) -> Marketplace? {
    let upper = countryCode.uppercased()
    return all.first { $0.countryCode == upper || (upper == "GB" && $0.code == "UK") }
  }

  public var description: String { code }

  public static func < (a: Marketplace, b: Marketplace) -> Bool { a.code < b.code }
}
