/// The one writer of record files: UTF-8, keys sorted by their UTF-8 bytes, two-space indent,
/// one field or element per line, `"key": value`, LF line ends and a final newline.
///
/// Numbers are written as plain decimals without exponent (`1.5E+2` becomes `150`); strings escape
/// only what JSON requires (quote, backslash, control characters). The same value always gives the
/// same bytes, so a record synced twice is byte-identical and git's line diff is meaningful.
public enum CanonicalJSON {
  public static func bytes(_ value: JSONValue) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(1024)
    write(value, indent: 0, into: &out)
    out.append(0x0A)
    return out
  }

  public static func string(_ value: JSONValue) -> String {
    String(decoding: bytes(value), as: UTF8.self)
  }

  /// Orders object keys: by their UTF-8 bytes, independent of locale and normalisation.
  public static func keyPrecedes(_ a: String, _ b: String) -> Bool {
    a.utf8.lexicographicallyPrecedes(b.utf8)
  }

  static func write(_ value: JSONValue, indent: Int, into out: inout [UInt8]) {
    switch value {
    case .null: out.append(contentsOf: "null".utf8)
    case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
    case .number(let n): out.append(contentsOf: n.formatted().utf8)
    case .string(let s): writeString(s, into: &out)
    case .array(let items):
      if items.isEmpty {
        out.append(contentsOf: "[]".utf8)
        return
      }
      out.append(contentsOf: "[\n".utf8)
      for (k, item) in items.enumerated() {
        pad(indent + 2, &out)
        write(item, indent: indent + 2, into: &out)
        out.append(contentsOf: (k == items.count - 1 ? "\n" : ",\n").utf8)
      }
      pad(indent, &out)
      out.append(UInt8(ascii: "]"))
    case .object(let members):
      if members.isEmpty {
        out.append(contentsOf: "{}".utf8)
        return
      }
      out.append(contentsOf: "{\n".utf8)
      let keys = members.keys.sorted(by: keyPrecedes)
      for (k, key) in keys.enumerated() {
        pad(indent + 2, &out)
        writeString(key, into: &out)
        out.append(contentsOf: ": ".utf8)
        write(members[key] ?? .null, indent: indent + 2, into: &out)
        out.append(contentsOf: (k == keys.count - 1 ? "\n" : ",\n").utf8)
      }
      pad(indent, &out)
      out.append(UInt8(ascii: "}"))
    }
  }

  static func pad(_ n: Int, _ out: inout [UInt8]) {
    out.append(contentsOf: repeatElement(0x20, count: n))
  }

  static let hexDigits = Array("0123456789abcdef".utf8)

  static func writeString(_ s: String, into out: inout [UInt8]) {
    out.append(0x22)
    for b in s.utf8 {
      switch b {
      case 0x22: out.append(contentsOf: [0x5C, 0x22])
      case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
      case 0x08: out.append(contentsOf: [0x5C, UInt8(ascii: "b")])
      case 0x0C: out.append(contentsOf: [0x5C, UInt8(ascii: "f")])
      case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
      case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
      case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
      case 0x00..<0x20:
        out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30])
        out.append(hexDigits[Int(b >> 4)])
        out.append(hexDigits[Int(b & 0x0F)])
      default: out.append(b)
      }
    }
    out.append(0x22)
  }
}
