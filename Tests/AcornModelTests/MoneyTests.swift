import AcornModel
import Testing

@Suite("Exact money")
struct MoneyTests {
  @Test(
    "decimal parsing",
    arguments: [
      ("1234.50", "1234.5"), ("1.5E+2", "150"), ("-0.01", "-0.01"), ("0", "0"), ("1e2", "100"),
      ("2.500e-1", "0.25"), ("-0", "0"),
      ("99999999999999999999999999.99", "99999999999999999999999999.99"),
    ])
  func parse(text: String, expected: String) throws {
    #expect(try DecimalNumber(parsing: text).formatted() == expected)
  }

  @Test(
    "malformed decimals",
    arguments: ["", "1.", ".5", "01", "+1", "1,5", "1.2.3", "abc", "1e", "--1", "1 "])
  func malformed(text: String) {
    #expect(throws: DecimalError.self) { try DecimalNumber(parsing: text) }
  }

  /// Short plain decimals take a path that allocates nothing; a leading `+` (lenient) always
  /// takes the full parser, so the two are compared on every shape of plain decimal.
  @Test("the quick path for plain decimals reads exactly what the full parser reads")
  func plainPath() throws {
    var generator = SystemRandomNumberGenerator()
    var shapes = [
      "0", "-0", "0.0", "10", "100.00", "123456789012345678", "0.000000000000000001",
      "-999999999999999999", "1234567890123456789", "12345678901234567.89", "-0.10",
    ]
    for _ in 0..<2_000 {
      let whole = Int.random(in: 0...1_000_000_000, using: &generator)
      let digits = Int.random(in: 0...9, using: &generator)
      let fraction = (0..<digits).map { _ in String(Int.random(in: 0...9, using: &generator)) }
      shapes.append(
        (Bool.random(using: &generator) ? "-" : "") + String(whole)
          + (fraction.isEmpty ? "" : "." + fraction.joined()))
    }
    for text in shapes {
      let quick = try DecimalNumber(parsing: text)
      let negative = text.hasPrefix("-")
      let magnitude = try DecimalNumber(
        parsing: "+" + (negative ? String(text.dropFirst()) : text), lenient: true)
      let full = negative ? -magnitude : magnitude
      #expect(quick == full, "\(text)")
      #expect(quick.significand == full.significand && quick.scale == full.scale, "\(text)")
    }
  }

  @Test("lenient parsing accepts what CSV and EDI write")
  func lenient() throws {
    #expect(try DecimalNumber(parsing: "+001.50", lenient: true).formatted() == "1.5")
    #expect(try DecimalNumber(parsing: ".5", lenient: true).formatted() == "0.5")
  }

  @Test("out of range is an error, not a rounding")
  func range() throws {
    // 39 significant digits cannot be kept exactly; 41 digits with trailing zeros can.
    #expect(throws: DecimalError.self) {
      try DecimalNumber(parsing: "1" + String(repeating: "0", count: 37) + "1")
    }
    #expect(throws: DecimalError.self) { try DecimalNumber(parsing: "1e401") }
    #expect(throws: DecimalError.self) { try DecimalNumber(parsing: "1e-31") }
    #expect(try DecimalNumber(parsing: "1" + String(repeating: "0", count: 40)).scale == -40)
    #expect(try DecimalNumber(parsing: "1e40") == DecimalNumber(parsing: "100e38"))
    #expect(throws: DecimalError.overflow) {
      try DecimalNumber(parsing: "1e300") * DecimalNumber(parsing: "1e300")
    }
  }

  @Test("0.1 + 0.2 is exactly 0.3")
  func noFloatingPoint() throws {
    let sum = try DecimalNumber(parsing: "0.1") + DecimalNumber(parsing: "0.2")
    #expect(sum == (try DecimalNumber(parsing: "0.3")))
  }

  /// Sums inside 64 bits take a word-sized path, larger ones the 128-bit one: both give the
  /// exact value, trailing zeros dropped, on each side of the boundary.
  @Test("sums on either side of 64 bits are exact and normalized")
  func wordBoundary() throws {
    let max64 = "9223372036854775807"  // Int64.max
    let cases: [(String, String, String)] = [
      ("922337203685477580.7", "0.3", "922337203685477581"),
      ("922337203685477580.7", "0.1", "922337203685477580.8"),
      (max64, "1", "9223372036854775808"),
      (max64, "3", "9223372036854775810"),
      ("-" + max64, "-1", "-9223372036854775808"),
      ("-" + max64, "-3", "-9223372036854775810"),
      ("92233720368547758.10", "0.90", "92233720368547759"),
      ("12.30", "-12.3", "0"),
      ("1.000", "2.5000", "3.5"),
    ]
    for (a, b, sum) in cases {
      let total = try DecimalNumber(parsing: a) + DecimalNumber(parsing: b)
      #expect(total == (try DecimalNumber(parsing: sum)), "\(a) + \(b)")
      #expect(total.formatted() == sum, "\(a) + \(b)")
    }
  }

  @Test("amounts show the currency's minor units and keep extra precision")
  func formatting() throws {
    #expect(try Money("150", "EUR").amountText == "150.00")
    #expect(try Money("150", "JPY").amountText == "150")
    #expect(try Money("1.5", "KWD").amountText == "1.500")
    #expect(try Money("0.1234", "USD").amountText == "0.1234")
    #expect(try Money("-280", "USD").description == "-280.00 USD")
  }

  @Test("mixed-currency arithmetic is refused")
  func mixedCurrency() throws {
    let eur = try Money("1.00", "EUR")
    let usd = try Money("1.00", "USD")
    #expect(throws: MoneyError.currencyMismatch(eur.currency, usd.currency)) { try eur + usd }
    #expect(throws: MoneyError.self) { try Money.sum([eur, usd], currency: eur.currency) }
  }

  @Test("unit cost × eaches, rounded half away from zero to the minor unit")
  func extension_() throws {
    let cost = try Money("0.1235", "EUR")
    #expect(try cost.times(3).amountText == "0.3705")
    #expect(try cost.times(3).roundedToMinorUnit.amountText == "0.37")
    #expect(try Money("-0.005", "EUR").roundedToMinorUnit.amountText == "-0.01")
    #expect(try Money("2.675", "EUR").roundedToMinorUnit.amountText == "2.68")
  }

  @Test("invalid currencies are refused", arguments: ["eur", "EURO", "E1R", ""])
  func currency(code: String) {
    #expect(throws: MoneyError.self) { try Money("1", code) }
  }

  @Test(
    "a currency code keeps its letters, orders and hashes by them, and every amount is a plain value (no reference counted on copy)"
  )
  func currencyCodeIsPlain() throws {
    let codes = ["USD", "EUR", "JPY", "AAA", "ZZZ", "EUQ", "BHD"].compactMap(CurrencyCode.init)
    #expect(codes.map(\.code) == ["USD", "EUR", "JPY", "AAA", "ZZZ", "EUQ", "BHD"])
    #expect(codes.sorted().map(\.code) == ["AAA", "BHD", "EUQ", "EUR", "JPY", "USD", "ZZZ"])
    #expect(codes.map(\.minorUnits) == [2, 2, 0, 2, 2, 2, 3])
    #expect(Set(codes + codes).count == codes.count)
    #expect(
      CurrencyCode("EUR") == CurrencyCode("EUR") && CurrencyCode("EUR") != CurrencyCode("EUQ"))
    #expect(codes[1].withUTF8 { Array($0) } == Array("EUR".utf8))
    #expect(CurrencyCode("ÉUR") == nil && CurrencyCode("EU") == nil && CurrencyCode("EURO") == nil)
    #expect(_isPOD(CurrencyCode.self) && _isPOD(Money.self))
    #expect(try Money("1.5", "EUR").description.contains("EUR"))
  }

  @Test("comparison is exact across scales")
  func comparison() throws {
    #expect(try DecimalNumber(parsing: "1.10") == DecimalNumber(parsing: "1.1"))
    #expect(try DecimalNumber(parsing: "-2") < DecimalNumber(parsing: "-1.99"))
    #expect(try DecimalNumber(parsing: "0.000001") < DecimalNumber(parsing: "0.00001"))
  }
}

@Suite("amounts and days appended as bytes")
struct AppendedTextTests {
  @Test("a decimal appended is its formatted text, at every minimum scale")
  func decimals() throws {
    var generator = SystemRandomNumberGenerator()
    var values = try [
      "0", "-0.01", "1", "10", "0.5", "123.456", "-99999999999999999999999999.99",
      "99999999999999999999999999999999999999", "0.000000000000000000000000000001",
      "18446744073709551615", "18446744073709551616", "-18446744073709551617.5", "1e40", "-3e45",
    ].map { try DecimalNumber(parsing: $0) }
    for _ in 0..<3_000 {
      let units = Int.random(in: Int.min...Int.max, using: &generator)
      values.append(DecimalNumber(units: units, scale: Int.random(in: 0...12, using: &generator)))
    }
    for v in values {
      for minimumScale in 0...4 {
        var out: [UInt8] = []
        v.append(minimumScale: minimumScale, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == v.formatted(minimumScale: minimumScale))
      }
    }
  }

  @Test("a day appended is its YYYY-MM-DD text")
  func days() {
    for day in stride(from: -800_000, through: 3_000_000, by: 997) + [0, -1, 2_932_896, 2_932_897] {
      var out: [UInt8] = []
      CivilDate.append(day, to: &out)
      #expect(String(decoding: out, as: UTF8.self) == CivilDate.string(day), "\(day)")
    }
  }
}
