/// Where a record lives: `records/<MKT>/<kind>/<YYYY-MM>/<file name of id>.json`.
public struct RecordPath: Sendable, Hashable {
  public let marketplace: Marketplace
  public let kind: RecordKind
  /// `YYYY-MM` of the record's date.
  public let month: String
  public let id: String

  public init(marketplace: Marketplace, kind: RecordKind, month: String, id: String) {
    self.marketplace = marketplace
    self.kind = kind
    self.month = month
    self.id = id
  }

  /// The path relative to the workspace root, with `/` separators.
  public var relativePath: String {
    "records/\(marketplace.code)/\(kind.rawValue)/\(month)/\(RecordFileName.encode(id)).json"
  }

  /// The `YYYY-MM` of an ISO 8601 date or date-time, or nil when the text is not one.
  public static func month(ofDate text: String) -> String? {
    let u = Array(text.utf8)
    guard u.count >= 10, u[4] == UInt8(ascii: "-"), u[7] == UInt8(ascii: "-") else { return nil }
    let digits = [0, 1, 2, 3, 5, 6, 8, 9]
    guard digits.allSatisfy({ u[$0] >= 48 && u[$0] <= 57 }) else { return nil }
    let m = Int(u[5] - 48) * 10 + Int(u[6] - 48)
    guard (1...12).contains(m) else { return nil }
    return String(text.prefix(7))
  }
}

/// The id → file name mapping: total, injective, and safe on every file system.
///
/// - `A`–`Z`, `0`–`9` and `-` stand for themselves (Amazon's keys are upper case: readable names).
/// - a lower-case letter `x` becomes `_x`, so two ids differing only by case never share a name on
///   a case-insensitive file system (`INV-1` → `INV-1`, `inv-1` → `_i_n_v-1`).
/// - every other byte of the UTF-8 text becomes `_` and three decimal digits (`.` → `_046`,
///   `/` → `_047`, NUL → `_000`), so no separator, `..`, control character or space survives.
/// - a name that would be a Windows device name (`CON`, `aux`, `COM1` …) has its first
///   character escaped (`CON` → `_067ON`); the empty id is `_`.
/// - an encoding longer than 120 characters keeps its first 80 and appends `~` and 32 hex digits
///   of the id's SHA-256, keeping names far below the 255-byte limit.
///
/// Case-folded, the alphabet still parses one way (after `_` comes one letter or three digits),
/// so the mapping stays injective when the file system ignores case.
public enum RecordFileName {
  public static let maxLength = 120
  static let keptPrefix = 80

  static let reserved: Set<String> = {
    var names: Set<String> = ["CON", "PRN", "AUX", "NUL"]
    for d in 0...9 {
      names.insert("COM\(d)")
      names.insert("LPT\(d)")
    }
    return names
  }()

  public static func encode(_ id: String) -> String {
    if id.isEmpty { return "_" }
    var tokens: [String] = []
    for b in id.utf8 {
      switch b {
      case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
        UInt8(ascii: "-"):
        tokens.append(String(UnicodeScalar(b)))
      case UInt8(ascii: "a")...UInt8(ascii: "z"):
        tokens.append("_" + String(UnicodeScalar(b)))
      default:
        tokens.append(escaped(b))
      }
    }
    // Windows refuses device names whatever their extension. Encoded names hold only capitals,
    // digits, `-` and escapes, so a device name can only come from the same capitals.
    if reserved.contains(tokens.joined()) {
      tokens[0] = escaped(Array(id.utf8)[0])
    }
    let name = tokens.joined()
    if name.utf8.count <= maxLength { return name }
    var kept = ""
    for token in tokens {
      if kept.utf8.count + token.utf8.count > keptPrefix { break }
      kept += token
    }
    return kept + "~" + String(SHA256.hex(Array(id.utf8)).prefix(32))
  }

  static func isPlain(_ b: UInt8) -> Bool {
    (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
      || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "-")
  }

  static func escaped(_ b: UInt8) -> String {
    let s = String(b)
    return "_" + String(repeating: "0", count: 3 - s.count) + s
  }

  /// The id a file name stands for, or nil for names this encoding never produces (and for the
  /// hashed form of over-long ids, which cannot be inverted).
  public static func decode(_ name: String) -> String? {
    if name == "_" { return "" }
    // Most names are the id itself (capitals, digits, `-`): nothing to undo, and they are their
    // own encoding unless over-long or a device name.
    if !name.isEmpty && name.utf8.allSatisfy(isPlain) {
      return name.utf8.count <= maxLength && !reserved.contains(name) ? name : nil
    }
    let u = Array(name.utf8)
    var out: [UInt8] = []
    var i = 0
    while i < u.count {
      let b = u[i]
      switch b {
      case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
        UInt8(ascii: "-"):
        out.append(b)
        i += 1
      case UInt8(ascii: "_"):
        guard i + 1 < u.count else { return nil }
        let c = u[i + 1]
        if c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z") {
          out.append(c)
          i += 2
        } else {
          guard i + 3 < u.count else { return nil }
          let digits = u[(i + 1)...(i + 3)]
          guard digits.allSatisfy({ $0 >= 48 && $0 <= 57 }),
            let value = Int(String(decoding: digits, as: UTF8.self)), value <= 255
          else { return nil }
          out.append(UInt8(value))
          i += 4
        }
      default:
        return nil
      }
    }
    guard let id = String(validating: out, as: UTF8.self) else { return nil }
    return encode(id) == name ? id : nil
  }
}
