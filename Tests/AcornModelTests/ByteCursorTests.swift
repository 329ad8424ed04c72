import AcornModel
import Testing

@Suite("Bytes written through a cursor")
struct ByteCursorTests {
  /// The canonical JSON of a string, as the value writer gives it.
  static func json(_ s: String) -> [UInt8] { Array(CanonicalJSON.bytes(.string(s)).dropLast()) }

  @Test(
    "a writer that outgrows its room is run again with twice the room, and writes the same bytes")
  func retried() {
    let long = String(repeating: "ab\"c\\d\n\u{01}é", count: 300)
    var runs = 0
    var out: [UInt8] = Array("head ".utf8)
    out.appendWritten(estimate: 16) { c in
      runs += 1
      c.literal("[")
      c.string(long)
      c.byte(0x2C)
      c.int(-42)
      c.literal("]")
    }
    #expect(runs > 1)
    let expected = Array("head [".utf8) + Self.json(long) + Array(",-42]".utf8)
    #expect(out == expected)
  }

  @Test("strings: plain ones copied whole, quotes, backslashes and control characters escaped")
  func strings() {
    let samples = [
      "", "plain", "INV-DE-L00000221", "quote \" and \\ backslash", "tab\tnew\nline\r",
      "\u{00}\u{07}\u{1F}", "中文发票 L00000221 已逾期", String(repeating: "x", count: 100),
      "bridged? \u{E9}",
    ]
    for s in samples {
      var out: [UInt8] = []
      out.appendWritten(estimate: 4) { $0.string(s) }
      #expect(out == Self.json(s), "\(s)")
    }
  }

  @Test("integers, decimals and days through a cursor are their strings")
  func numbers() throws {
    for n in [0, 7, -1, 42, 1_000_000, Int.max, Int.min] {
      var out: [UInt8] = []
      out.appendWritten(estimate: 1) { $0.int(n) }
      #expect(String(decoding: out, as: UTF8.self) == String(n))
    }
    for (text, scale) in [
      ("0", 2), ("12.5", 2), ("-0.01", 2), ("1234567.891", 0), ("-5", 3), ("1E+3", 2),
      ("99999999999999999999999999999999999999", 0), ("0.000001", 2),
    ] {
      let d = try DecimalNumber(parsing: text)
      var out: [UInt8] = []
      out.appendWritten(estimate: 1) { d.write(minimumScale: scale, to: &$0) }
      #expect(String(decoding: out, as: UTF8.self) == d.formatted(minimumScale: scale), "\(text)")
    }
    for day in [0, -1, 20_000, 2_932_896, -719_529, 3_000_000] {
      var out: [UInt8] = []
      out.appendWritten(estimate: 1) { CivilDate.write(day, to: &$0) }
      #expect(String(decoding: out, as: UTF8.self) == CivilDate.string(day), "\(day)")
    }
  }
}

@Suite("Byte keys and moving permutations")
struct ByteKeysTests {
  @Test("keys sort by their bytes, equal keys in the order they were made; inOrder says so")
  func sorted() {
    var rng = SystemRandomNumberGenerator()
    let alphabet = ["a", "b", "Z", "é", "\u{0}", "中", "-", "ab"]
    for _ in 0..<50 {
      let count = Int.random(in: 0..<40, using: &rng)
      let strings = (0..<count).map { _ in
        (0..<Int.random(in: 0..<4, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
          .joined()
      }
      var keys = ByteKeys(capacity: count)
      for s in strings {
        keys.append(s)
        keys.end()
      }
      let expected = strings.indices.sorted { CanonicalJSON.keyPrecedes(strings[$0], strings[$1]) }
      #expect(keys.sortedIndices() == expected)
      let inOrder = zip(strings, strings.dropFirst()).allSatisfy {
        !CanonicalJSON.keyPrecedes($0.1, $0.0)
      }
      #expect(keys.inOrder() == inOrder)
    }
  }

  final class Box {
    let n: Int
    init(_ n: Int) { self.n = n }
  }

  @Test("permute puts at each position the element order names, each element once")
  func permute() {
    for count in [0, 1, 2, 7, 100] {
      let original = (0..<count).map(Box.init)
      let order = Array((0..<count).shuffled())
      var moved = original
      moved.permute(by: order)
      #expect(moved.map(\.n) == order)
      #expect(zip(moved, order).allSatisfy { $0.0 === original[$0.1] })
    }
  }
}
