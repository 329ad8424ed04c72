/// Calendar dates as days since 1970-01-01 (UTC), checked against the proleptic Gregorian
/// calendar: `2026-02-30` and `2025-02-29` are not dates, `2024-02-29` is. Pure.
public enum CivilDate {
  /// Days since 1970-01-01 for exactly `YYYY-MM-DD`; nil for anything else, or a day the month
  /// does not have.
  public static func day(_ text: String) -> Int? {
    if let d = text.utf8.withContiguousStorageIfAvailable({ day(utf8: $0) }) { return d }
    return Array(text.utf8).withUnsafeBufferPointer { day(utf8: $0) }
  }

  /// `day(_:)` of text given as UTF-8 bytes (read straight from a database row or a file).
  public static func day(utf8 bytes: UnsafeBufferPointer<UInt8>) -> Int? {
    guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else {
      return nil
    }
    func number(_ range: Range<Int>) -> Int? {
      var n = 0
      for i in range {
        let b = bytes[i]
        guard b >= 48 && b <= 57 else { return nil }
        n = n * 10 + Int(b - 48)
      }
      return n
    }
    guard let y = number(0..<4), let m = number(5..<7), let d = number(8..<10),
      isValid(year: y, month: m, day: d)
    else { return nil }
    return daysFromCivil(y, m, d)
  }

  /// Whether `text` is `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` (RFC 3339) on a real day.
  public static func isDateTime(_ text: String) -> Bool {
    let bytes = Array(text.utf8)
    guard bytes.count >= 20, day(String(decoding: bytes[0..<10], as: UTF8.self)) != nil,
      bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t")
    else { return false }
    func two(_ i: Int) -> Int? {
      guard i + 1 < bytes.count, (48...57).contains(bytes[i]), (48...57).contains(bytes[i + 1])
      else { return nil }
      return Int(bytes[i] - 48) * 10 + Int(bytes[i + 1] - 48)
    }
    guard let h = two(11), bytes[13] == UInt8(ascii: ":"), let mi = two(14),
      bytes[16] == UInt8(ascii: ":"), let s = two(17), h < 24, mi < 60, s < 61
    else { return false }
    var i = 19
    if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
      i += 1
      let start = i
      while i < bytes.count, (48...57).contains(bytes[i]) { i += 1 }
      guard i > start else { return false }
    }
    guard i < bytes.count else { return false }
    if bytes[i] == UInt8(ascii: "Z") || bytes[i] == UInt8(ascii: "z") {
      return i + 1 == bytes.count
    }
    guard bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-"), i + 6 == bytes.count,
      let oh = two(i + 1), bytes[i + 3] == UInt8(ascii: ":"), let om = two(i + 4), oh < 24, om < 60
    else { return false }
    return true
  }

  public static func isLeapYear(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

  public static func daysIn(month m: Int, year y: Int) -> Int {
    switch m {
    case 2: isLeapYear(y) ? 29 : 28
    case 4, 6, 9, 11: 30
    default: 31
    }
  }

  public static func isValid(year y: Int, month m: Int, day d: Int) -> Bool {
    (1...12).contains(m) && d >= 1 && d <= daysIn(month: m, year: y)
  }

  /// Howard Hinnant's days-from-civil.
  public static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
    let y = m <= 2 ? y0 - 1 : y0
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146097 + doe - 719468
  }

  /// Year, month and day of a day since 1970-01-01 (Howard Hinnant's civil-from-days).
  public static func components(_ day: Int) -> (year: Int, month: Int, day: Int) {
    let z = day + 719468
    let era = (z >= 0 ? z : z - 146096) / 146097
    let doe = z - era * 146097
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5 + 1
    let m = mp + (mp < 10 ? 3 : -9)
    return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
  }

  /// `YYYY-MM-DD` of a day since 1970-01-01.
  public static func string(_ day: Int) -> String {
    let (y, m, d) = components(day)
    func pad(_ n: Int, _ w: Int) -> String {
      String(repeating: "0", count: max(0, w - String(n).count)) + String(n)
    }
    return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
  }

  /// The bytes of `string(day)`, appended without making a string (writers of large documents).
  public static func append(_ day: Int, to out: inout [UInt8]) {
    out.appendWritten(estimate: 24) { write(day, to: &$0) }
  }

  /// `string(day)`'s bytes, through a cursor.
  public static func write(_ day: Int, to out: inout ByteCursor) {
    let (y, m, d) = components(day)
    guard (0...9999).contains(y) else {
      var text = string(day)
      text.withUTF8 { out.bytes($0) }
      return
    }
    func digit(_ n: Int) -> UInt8 { UInt8(truncatingIfNeeded: 48 + n) }
    out.byte(digit(y / 1000))
    out.byte(digit(y / 100 % 10))
    out.byte(digit(y / 10 % 10))
    out.byte(digit(y % 10))
    out.byte(0x2D)
    out.byte(digit(m / 10))
    out.byte(digit(m % 10))
    out.byte(0x2D)
    out.byte(digit(d / 10))
    out.byte(digit(d % 10))
  }

  /// `YYYY-MM-DDTHH:MM:SSZ` (UTC, whole seconds) of a time in seconds since 1970-01-01T00:00:00Z.
  public static func timestamp(_ seconds: Int) -> String {
    let day = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
    let rest = seconds - day * 86_400
    func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
    return string(day) + "T" + two(rest / 3600) + ":" + two(rest / 60 % 60) + ":" + two(rest % 60)
      + "Z"
  }

  /// Seconds since 1970-01-01T00:00:00Z of an RFC 3339 date-time (`isDateTime`), its offset
  /// applied and any fraction of a second dropped; nil for anything else. A leap second (`:60`)
  /// counts as the next second.
  public static func seconds(_ text: String) -> Int? {
    guard isDateTime(text) else { return nil }
    let bytes = Array(text.utf8)
    func two(_ i: Int) -> Int { Int(bytes[i] - 48) * 10 + Int(bytes[i + 1] - 48) }
    guard let d = day(String(decoding: bytes[0..<10], as: UTF8.self)) else { return nil }
    var total = d * 86_400 + two(11) * 3600 + two(14) * 60 + two(17)
    let last = bytes[bytes.count - 1]
    if last != UInt8(ascii: "Z") && last != UInt8(ascii: "z") {
      let at = bytes.count - 6
      let offset = two(at + 1) * 3600 + two(at + 4) * 60
      total -= bytes[at] == UInt8(ascii: "+") ? offset : -offset
    }
    return total
  }
}
