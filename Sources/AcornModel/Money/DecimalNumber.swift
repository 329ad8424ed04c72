/// An exact decimal number: `significand × 10^-scale`, never through floating point.
///
/// Parsed from the raw text of a JSON number or decimal string (`"1234.50"`, `1.5E+2`, `-0.01`).
/// The value is kept normalised (no trailing fractional zeros), so equal values compare equal
/// whatever text they came from; formatting chooses how many fractional digits to show.
///
/// Up to 38 significant digits are kept exactly. A whole number of 38 digits or fewer has scale
/// 0; a larger one (`1e308`, as JSON allows) keeps its significant digits with a negative scale
/// (`1 × 10^308` is significand 1, scale −308), so it still parses, compares and prints exactly,
/// while arithmetic that would need more than 38 digits throws `overflow`.
public struct DecimalNumber: Sendable, Hashable, Comparable, CustomStringConvertible {
  /// Digits of the value (sign included), with `scale` of them after the decimal point.
  public let significand: Int128
  /// Number of fractional digits, minimal (no trailing zeros in `significand`); negative only
  /// for whole numbers beyond 38 digits, whose trailing zeros it counts.
  public let scale: Int

  /// The largest scale kept. Thirty-eight decimal digits fit an `Int128`.
  public static let maxScale = 30
  /// The largest power of ten kept (`1e400`): beyond any number a JSON producer writes, and it
  /// bounds the text a number prints as.
  public static let maxExponent = 400

  public static let zero = DecimalNumber(normalizing: 0, scale: 0)

  public init(_ integer: Int) {
    self.init(normalizing: Int128(integer), scale: 0)
  }

  /// `units × 10^-scale`, e.g. 12345 cents at scale 2 is 123.45.
  public init(units: Int, scale: Int) {
    self.init(normalizing: Int128(units), scale: max(0, scale))
  }

  init(normalizing significand: Int128, scale: Int) {
    // Amounts fit 64 bits: their trailing zeros found by word division (128-bit division is a
    // call into the runtime, most of an addition's cost).
    if scale >= 0, let word = Int64(exactly: significand) {
      var s = word
      var k = scale
      while k > 0 && s % 10 == 0 {
        s /= 10
        k -= 1
      }
      self.significand = Int128(s)
      self.scale = s == 0 ? 0 : k
      return
    }
    var s = significand
    var k = scale
    while k > 0 && s % 10 == 0 {
      s /= 10
      k -= 1
    }
    if s == 0 { k = 0 }
    // A whole number is written out (scale 0) when it has at most 38 digits.
    while k < 0 && s.magnitude < Self.wholeLimit / 10 {
      s *= 10
      k += 1
    }
    while k < 0 && s % 10 == 0 {
      s /= 10
      k -= 1
    }
    self.significand = s
    self.scale = k
  }

  /// `-?(0|[1-9]\d*)(\.\d+)?` with at most 18 digits in all, read in one pass; nil for anything
  /// else (exponents, signs, leading zeros, longer numbers, malformed text), which the full
  /// parser reads or refuses.
  static func plain(_ bytes: UnsafeBufferPointer<UInt8>) -> DecimalNumber? {
    var i = 0
    let n = bytes.count
    let negative = n > 0 && bytes[0] == UInt8(ascii: "-")
    if negative { i = 1 }
    let intStart = i
    var value: Int64 = 0
    while i < n, bytes[i] &- 48 < 10 {
      value = value &* 10 &+ Int64(bytes[i] &- 48)
      i += 1
    }
    let intCount = i - intStart
    if intCount == 0 || (intCount > 1 && bytes[intStart] == 48) { return nil }
    var fraction = 0
    if i < n {
      guard bytes[i] == UInt8(ascii: ".") else { return nil }
      i += 1
      while i < n, bytes[i] &- 48 < 10 {
        value = value &* 10 &+ Int64(bytes[i] &- 48)
        i += 1
        fraction += 1
      }
      if fraction == 0 || i != n { return nil }
    }
    if intCount + fraction > 18 { return nil }
    return DecimalNumber(normalizing: Int128(negative ? -value : value), scale: fraction)
  }

  /// 10^38: whole numbers below it in magnitude are kept at scale 0.
  static let wholeLimit: UInt128 = {
    var v: UInt128 = 1
    for _ in 0..<38 { v *= 10 }
    return v
  }()

  /// Whether the number has no fractional part (JSON Schema's `integer`).
  public var isInteger: Bool { scale <= 0 }

  /// `init(parsing:)` of text given as UTF-8 bytes (read straight from a database row).
  public init(parsingUTF8 bytes: UnsafeBufferPointer<UInt8>) throws(DecimalError) {
    if let plain = Self.plain(bytes) {
      self = plain
      return
    }
    try self.init(parsing: String(decoding: bytes, as: UTF8.self))
  }

  /// Parses JSON number grammar (`-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?`), and, when
  /// `lenient` is set, also a leading `+` and leading zeros (as found in CSV and EDI files).
  public init(parsing text: some StringProtocol, lenient: Bool = false) throws(DecimalError) {
    // Most amounts are short plain decimals: read without allocating.
    if let plain = text.utf8.withContiguousStorageIfAvailable(Self.plain), let plain {
      self = plain
      return
    }
    let bytes = Array(text.utf8)
    var i = 0
    var negative = false
    if i < bytes.count
      && (bytes[i] == UInt8(ascii: "-") || (lenient && bytes[i] == UInt8(ascii: "+")))
    {
      negative = bytes[i] == UInt8(ascii: "-")
      i += 1
    }
    var digits: [UInt8] = []
    let intStart = i
    while i < bytes.count, bytes[i] >= 48, bytes[i] <= 57 {
      digits.append(bytes[i] - 48)
      i += 1
    }
    let intCount = i - intStart
    if intCount == 0 && !(lenient && i < bytes.count && bytes[i] == UInt8(ascii: ".")) {
      throw .malformed(String(text))
    }
    if !lenient && intCount > 1 && bytes[intStart] == 48 { throw .malformed(String(text)) }
    var fraction = 0
    if i < bytes.count && bytes[i] == UInt8(ascii: ".") {
      i += 1
      let fracStart = i
      while i < bytes.count, bytes[i] >= 48, bytes[i] <= 57 {
        digits.append(bytes[i] - 48)
        i += 1
      }
      fraction = i - fracStart
      if fraction == 0 { throw .malformed(String(text)) }
    }
    var exponent = 0
    if i < bytes.count && (bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E")) {
      i += 1
      var expNegative = false
      if i < bytes.count && (bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-")) {
        expNegative = bytes[i] == UInt8(ascii: "-")
        i += 1
      }
      let expStart = i
      while i < bytes.count, bytes[i] >= 48, bytes[i] <= 57 {
        if exponent > 10_000 { throw .outOfRange(String(text)) }
        exponent = exponent * 10 + Int(bytes[i] - 48)
        i += 1
      }
      if i == expStart { throw .malformed(String(text)) }
      if expNegative { exponent = -exponent }
    }
    if i != bytes.count { throw .malformed(String(text)) }
    // Drop leading zeros so they do not count against precision.
    var first = 0
    while first < digits.count - 1 && digits[first] == 0 { first += 1 }
    digits.removeFirst(first)
    // Drop trailing zeros of the fraction (they carry no value).
    var scale = fraction - exponent
    while scale > 0, let last = digits.last, last == 0, digits.count > 1 {
      digits.removeLast()
      scale -= 1
    }
    if digits.allSatisfy({ $0 == 0 }) {
      self.init(normalizing: 0, scale: 0)
      return
    }
    // A negative scale means trailing zeros: written out when the whole number fits 38
    // digits, kept as a negative scale beyond (normalising below decides which).
    while scale < 0 && digits.count + 1 <= 38 && digits.count - scale <= 38 {
      digits.append(0)
      scale += 1
    }
    if scale < 0 || (scale == 0 && digits.count > 38) {
      while digits.count > 1, digits.last == 0 {
        digits.removeLast()
        scale -= 1
      }
    }
    if digits.count > 38 || scale > Self.maxScale || scale < -Self.maxExponent {
      throw .outOfRange(String(text))
    }
    var value: Int128 = 0
    for d in digits { value = value * 10 + Int128(d) }
    self.init(normalizing: negative ? -value : value, scale: scale)
  }

  public var isZero: Bool { significand == 0 }
  public var isNegative: Bool { significand < 0 }

  /// The integer value, when the number has no fractional part and fits an `Int`.
  public var exactInt: Int? {
    guard scale == 0, significand >= Int128(Int.min), significand <= Int128(Int.max) else {
      return nil
    }
    return Int(significand)
  }

  /// The significand at a larger scale, or nil on overflow.
  func significand(atScale target: Int) -> Int128? {
    precondition(target >= scale)
    if target == scale { return significand }
    var s = significand
    for _ in 0..<(target - scale) {
      let (m, overflow) = s.multipliedReportingOverflow(by: 10)
      if overflow { return nil }
      s = m
    }
    return s
  }

  public static func + (a: DecimalNumber, b: DecimalNumber) throws(DecimalError) -> DecimalNumber {
    let k = max(a.scale, b.scale)
    guard let x = a.significand(atScale: k), let y = b.significand(atScale: k) else {
      throw .overflow
    }
    let (sum, overflow) = x.addingReportingOverflow(y)
    if overflow { throw .overflow }
    return DecimalNumber(normalizing: sum, scale: k)
  }

  public static prefix func - (a: DecimalNumber) -> DecimalNumber {
    DecimalNumber(normalizing: -a.significand, scale: a.scale)
  }

  public static func - (a: DecimalNumber, b: DecimalNumber) throws(DecimalError) -> DecimalNumber {
    try a + (-b)
  }

  public static func * (a: DecimalNumber, b: DecimalNumber) throws(DecimalError) -> DecimalNumber {
    let (product, overflow) = a.significand.multipliedReportingOverflow(by: b.significand)
    if overflow || a.scale + b.scale > 60 { throw .overflow }
    var s = product
    var k = a.scale + b.scale
    while k > Self.maxScale {
      guard s % 10 == 0 else { throw .overflow }
      s /= 10
      k -= 1
    }
    let result = DecimalNumber(normalizing: s, scale: k)
    if result.scale < -Self.maxExponent { throw .overflow }
    return result
  }

  public static func < (a: DecimalNumber, b: DecimalNumber) -> Bool {
    // Compare without overflow: the sign decides first, then aligned digits.
    if a.isNegative != b.isNegative { return a.isNegative }
    let k = max(a.scale, b.scale)
    if let x = a.significand(atScale: k), let y = b.significand(atScale: k) { return x < y }
    // One side overflowed at the common scale, so its integer part is larger in magnitude.
    let aWide = a.significand(atScale: k) == nil
    return aWide == a.isNegative
  }

  /// Rounds half away from zero to `places` fractional digits.
  public func rounded(toPlaces places: Int) -> DecimalNumber {
    guard scale > places else { return self }
    var s = significand
    var k = scale
    // The last digit dropped is the most significant one, which alone decides half-up.
    var lastDropped: Int128 = 0
    while k > places {
      lastDropped = s % 10
      s /= 10
      k -= 1
    }
    if lastDropped.magnitude >= 5 { s += s < 0 || (s == 0 && significand < 0) ? -1 : 1 }
    return DecimalNumber(normalizing: s, scale: k)
  }

  /// Plain decimal text with at least `minimumScale` fractional digits; never an exponent.
  public func formatted(minimumScale: Int = 0) -> String {
    if scale < 0 {
      let whole = String(significand) + String(repeating: "0", count: -scale)
      return minimumScale > 0 ? whole + "." + String(repeating: "0", count: minimumScale) : whole
    }
    let k = max(scale, minimumScale)
    let magnitude = significand.magnitude
    var digits = String(magnitude)
    // Pad to the shown scale.
    digits += String(repeating: "0", count: k - scale)
    if digits.count <= k {
      digits = String(repeating: "0", count: k - digits.count + 1) + digits
    }
    var text = digits
    if k > 0 {
      let point = text.index(text.endIndex, offsetBy: -k)
      text = String(text[..<point]) + "." + String(text[point...])
    }
    return significand < 0 ? "-" + text : text
  }

  /// The bytes of `formatted(minimumScale:)`, appended without making a string (writers of
  /// large documents: a million amounts).
  public func append(minimumScale: Int = 0, to out: inout [UInt8]) {
    out.appendWritten(estimate: 48) { write(minimumScale: minimumScale, to: &$0) }
  }

  /// The bytes of `formatted(minimumScale:)`, through a cursor.
  public func write(minimumScale: Int = 0, to out: inout ByteCursor) {
    guard scale >= 0 else {
      var text = formatted(minimumScale: minimumScale)
      text.withUTF8 { out.bytes($0) }
      return
    }
    let k = max(scale, minimumScale)
    // The magnitude's digits, least significant first (at most 39).
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 40) { digits in
      var n = 0
      var magnitude = significand.magnitude
      if magnitude <= UInt128(UInt64.max) {
        var small = UInt64(magnitude)
        repeat {
          digits[n] = UInt8(truncatingIfNeeded: 48 + small % 10)
          small /= 10
          n += 1
        } while small > 0
      } else {
        repeat {
          digits[n] = UInt8(truncatingIfNeeded: 48 + magnitude % 10)
          magnitude /= 10
          n += 1
        } while magnitude > 0
      }
      if significand < 0 { out.byte(0x2D) }
      // Shown: the digits, then k - scale zeros, at least k + 1 characters, a point k from the end.
      let trailing = k - scale
      let shown = max(n + trailing, k + 1)
      for position in stride(from: shown - 1, through: 0, by: -1) {
        if position == k - 1 && k > 0 { out.byte(0x2E) }
        let d = position - trailing
        out.byte(d >= 0 && d < n ? digits[d] : 0x30)
      }
    }
  }

  public var description: String { formatted() }
}

/// Why a decimal could not be parsed or computed.
public enum DecimalError: Error, Sendable, Equatable, CustomStringConvertible {
  case malformed(String)
  case outOfRange(String)
  case overflow

  public var description: String {
    switch self {
    case .malformed(let text): "not a decimal number: \"\(text)\""
    case .outOfRange(let text):
      "decimal out of range (more than 38 significant digits, 30 after the point or 400 before it): \"\(text)\""
    case .overflow: "decimal arithmetic overflow"
    }
  }
}
