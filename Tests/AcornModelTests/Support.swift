import AcornModel
import Foundation

/// Paths of the repository's own files, for fixtures and the template.
enum Repo {
  static let root: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
  }()

  static var fixtures: String { root + "/Tests/Fixtures" }
  static var schemas: String { root + "/workspace-template/schemas" }

  static func read(_ path: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
  }

  static func schemaSet() throws -> JSONSchemaSet {
    var schemas: [String: JSONValue] = [:]
    for name in try FileManager.default.contentsOfDirectory(atPath: Self.schemas)
    where name.hasSuffix(".json") {
      schemas[name] = try JSONParser.parse(try read(Self.schemas + "/" + name)).value
    }
    return JSONSchemaSet(schemas: schemas)
  }

  /// Fixture records: relative path under Tests/Fixtures → parsed value and bytes.
  static func fixtureRecords() throws -> [(path: String, bytes: [UInt8], value: JSONValue)] {
    let base = fixtures + "/records"
    guard let walker = FileManager.default.enumerator(atPath: base) else { return [] }
    var out: [(String, [UInt8], JSONValue)] = []
    while let rel = walker.nextObject() as? String {
      guard rel.hasSuffix(".json") else { continue }
      let bytes = try read(base + "/" + rel)
      out.append(("records/" + rel, bytes, try JSONParser.parse(bytes).value))
    }
    return out.sorted { $0.0 < $1.0 }
  }

  /// `../shared/reference`, when present beside the project.
  static var sharedReference: String? {
    let path = root + "/../shared/reference"
    return FileManager.default.fileExists(atPath: path) ? path : nil
  }
}

/// SplitMix64: a small deterministic generator, so a failing seed reproduces.
struct SplitMix: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// Random JSON documents and random spellings of them (key order, whitespace, number forms).
enum RandomJSON {
  static let alphabet: [String] = [
    "a", "B", "z", "0", "9", "-", "_", " ", "é", "中", "\"", "\\", "\n", "\t", "\u{1}", "😀", "/",
    "ä",
  ]

  static func string(_ rng: inout SplitMix, max: Int = 8) -> String {
    let n = Int.random(in: 0...max, using: &rng)
    return (0..<n).map { _ in alphabet.randomElement(using: &rng) ?? "a" }.joined()
  }

  static func number(_ rng: inout SplitMix) -> DecimalNumber {
    let significand = Int.random(in: -1_000_000...1_000_000, using: &rng)
    let scale = Int.random(in: 0...6, using: &rng)
    let text = significand < 0 ? "-" + pad(-significand, scale) : pad(significand, scale)
    return (try? DecimalNumber(parsing: text)) ?? .zero
  }

  static func pad(_ v: Int, _ scale: Int) -> String {
    var digits = String(v)
    if scale == 0 { return digits }
    while digits.count <= scale { digits = "0" + digits }
    let cut = digits.index(digits.endIndex, offsetBy: -scale)
    return digits[..<cut] + "." + digits[cut...]
  }

  static func value(_ rng: inout SplitMix, depth: Int = 0) -> JSONValue {
    let choice = Int.random(in: 0..<(depth > 3 ? 5 : 7), using: &rng)
    switch choice {
    case 0: return .null
    case 1: return .bool(Bool.random(using: &rng))
    case 2: return .number(number(&rng))
    case 3, 4: return .string(string(&rng))
    case 5:
      return .array(
        (0..<Int.random(in: 0...4, using: &rng)).map { _ in value(&rng, depth: depth + 1) })
    default:
      var members: [String: JSONValue] = [:]
      for _ in 0..<Int.random(in: 0...5, using: &rng) {
        members[string(&rng, max: 5)] = value(&rng, depth: depth + 1)
      }
      return .object(members)
    }
  }

  /// The same value as text, keys in a random order, random whitespace, numbers in random
  /// equivalent forms and strings with random (equivalent) escapes.
  static func text(_ v: JSONValue, _ rng: inout SplitMix) -> String {
    func ws() -> String { [" ", "", "\n", "\t", "  ", "\r\n"].randomElement(using: &rng) ?? "" }
    switch v {
    case .null: return "null"
    case .bool(let b): return b ? "true" : "false"
    case .number(let n):
      switch Int.random(in: 0..<3, using: &rng) {
      case 0: return n.formatted()
      case 1: return n.formatted(minimumScale: n.scale + 2)
      default:
        // significand E -scale
        return "\(n.significand)E-\(n.scale)"
      }
    case .string(let s): return quote(s, &rng)
    case .array(let items):
      return "[" + ws() + items.map { text($0, &rng) }.joined(separator: ws() + "," + ws()) + ws()
        + "]"
    case .object(let members):
      let keys = members.keys.shuffled(using: &rng)
      return "{" + ws()
        + keys.map { k in quote(k, &rng) + ws() + ":" + ws() + text(members[k] ?? .null, &rng) }
        .joined(separator: "," + ws()) + ws() + "}"
    }
  }

  static func quote(_ s: String, _ rng: inout SplitMix) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += Bool.random(using: &rng) ? "\\n" : "\\u000A"
      case "\t": out += "\\t"
      case _ where scalar.value < 0x20: out += String(format: "\\u%04X", scalar.value)
      case _ where scalar.value > 0xFFFF:
        let v = scalar.value - 0x10000
        out += String(format: "\\u%04X\\u%04x", 0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF))
      case "/": out += Bool.random(using: &rng) ? "\\/" : "/"
      default:
        out +=
          Bool.random(using: &rng) && scalar.value < 0x10000
          ? String(format: "\\u%04x", scalar.value) : String(scalar)
      }
    }
    return out + "\""
  }
}
