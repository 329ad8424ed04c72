/// An amount of money in one currency, exact.
///
/// In files it is `{"amount": "1234.50", "currency": "EUR"}`: the amount a decimal string shown
/// with at least the currency's minor-unit digits (`"150.00"` EUR, `"150"` JPY) and never fewer
/// digits than the value has (unit costs such as `"0.1234"` keep their precision).
public struct Money: Sendable, Hashable, CustomStringConvertible {
  public let amount: DecimalNumber
  public let currency: CurrencyCode

  public init(_ amount: DecimalNumber, _ currency: CurrencyCode) {
    self.amount = amount
    self.currency = currency
  }

  /// Parses an amount given as decimal text (`"12.30"`, `"1.5E+2"`).
  public init(_ amount: String, _ currency: String) throws(MoneyError) {
    guard let code = CurrencyCode(currency) else { throw .invalidCurrency(currency) }
    do {
      self.init(try DecimalNumber(parsing: amount), code)
    } catch {
      throw .invalidAmount(amount, error)
    }
  }

  public static func zero(_ currency: CurrencyCode) -> Money { Money(.zero, currency) }

  /// An amount given in the currency's minor units (cents, or yen for JPY).
  public init(minorUnits: Int, _ currency: CurrencyCode) {
    self.init(DecimalNumber(units: minorUnits, scale: currency.minorUnits), currency)
  }

  /// The money object as stored in records.
  public var json: JSONValue {
    .object(["amount": .string(amountText), "currency": .string(currency.code)])
  }

  /// The amount as written in files.
  public var amountText: String { amount.formatted(minimumScale: currency.minorUnits) }

  public var description: String { "\(amountText) \(currency.code)" }

  public var isZero: Bool { amount.isZero }
  public var isNegative: Bool { amount.isNegative }

  public static prefix func - (m: Money) -> Money { Money(-m.amount, m.currency) }

  public static func + (a: Money, b: Money) throws(MoneyError) -> Money {
    guard a.currency == b.currency else { throw .currencyMismatch(a.currency, b.currency) }
    do { return Money(try a.amount + b.amount, a.currency) } catch { throw .arithmetic(error) }
  }

  public static func - (a: Money, b: Money) throws(MoneyError) -> Money {
    try a + (-b)
  }

  /// Unit cost times a quantity (eaches), exact.
  public func times(_ quantity: Int) throws(MoneyError) -> Money {
    do { return Money(try amount * DecimalNumber(quantity), currency) } catch {
      throw .arithmetic(error)
    }
  }

  /// The amount rounded half away from zero to the currency's minor unit.
  public var roundedToMinorUnit: Money {
    Money(amount.rounded(toPlaces: currency.minorUnits), currency)
  }

  /// Sums amounts of one currency; an empty list is zero in `currency`.
  public static func sum(_ items: some Sequence<Money>, currency: CurrencyCode) throws(MoneyError)
    -> Money
  {
    var total = Money.zero(currency)
    for item in items { total = try total + item }
    return total
  }

  /// Compares amounts of one currency.
  public func compare(_ other: Money) throws(MoneyError) -> Bool {
    guard currency == other.currency else { throw .currencyMismatch(currency, other.currency) }
    return amount < other.amount
  }
}

/// Why money could not be read or computed.
public enum MoneyError: Error, Sendable, Equatable, CustomStringConvertible {
  case invalidCurrency(String)
  case invalidAmount(String, DecimalError)
  case currencyMismatch(CurrencyCode, CurrencyCode)
  case arithmetic(DecimalError)

  public var code: String {
    switch self {
    case .invalidCurrency: "money.currency"
    case .invalidAmount: "money.amount"
    case .currencyMismatch: "money.currency-mismatch"
    case .arithmetic: "money.overflow"
    }
  }

  public var description: String {
    switch self {
    case .invalidCurrency(let c):
      "\"\(c)\" is not an ISO 4217 currency code (three capital letters)"
    case .invalidAmount(let a, let e): "invalid amount \"\(a)\": \(e)"
    case .currencyMismatch(let a, let b): "cannot combine \(a.code) with \(b.code)"
    case .arithmetic(let e): "\(e)"
    }
  }
}

/// An ISO 4217 currency code with its minor-unit digits. Its three letters are kept packed in an
/// integer, not a `String`, so that a code — and every `Money` — is a plain value: copied
/// without reference counting (each copy of an amount retained and released the code's string,
/// a tenth of the ledger's work at a hundred thousand invoices).
public struct CurrencyCode: Sendable, Hashable, Comparable, CustomStringConvertible {
  /// The letters, the first in the highest byte (so integer order is the codes' order).
  let letters: UInt32
  /// Digits after the decimal point of the currency's minor unit (ISO 4217); 2 when not listed.
  /// Looked up once (every amount written asks for it).
  public let minorUnits: Int

  /// Accepts three capital ASCII letters.
  public init?(_ code: String) {
    var letters: UInt32 = 0
    var count = 0
    for byte in code.utf8 {
      guard count < 3, byte >= 65, byte <= 90 else { return nil }
      letters = letters << 8 | UInt32(byte)
      count += 1
    }
    guard count == 3 else { return nil }
    self.letters = letters
    minorUnits = Self.minorUnitExceptions[code] ?? 2
  }

  /// The three letters.
  public var code: String {
    withUTF8 { String(decoding: $0, as: UTF8.self) }
  }

  /// Runs `body` with the three letters as UTF-8 bytes.
  public func withUTF8<T>(_ body: (UnsafeBufferPointer<UInt8>) -> T) -> T {
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 3) { buffer in
      buffer[0] = UInt8(truncatingIfNeeded: letters >> 16)
      buffer[1] = UInt8(truncatingIfNeeded: letters >> 8)
      buffer[2] = UInt8(truncatingIfNeeded: letters)
      return body(UnsafeBufferPointer(buffer))
    }
  }

  static let minorUnitExceptions: [String: Int] = [
    "JPY": 0, "KRW": 0, "CLP": 0, "VND": 0, "ISK": 0, "PYG": 0, "UGX": 0, "XAF": 0, "XOF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
  ]

  public var description: String { code }
  public static func < (a: CurrencyCode, b: CurrencyCode) -> Bool { a.letters < b.letters }
}
