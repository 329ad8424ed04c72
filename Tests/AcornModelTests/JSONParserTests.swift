import AcornModel
import Testing

@Suite("JSON reader")
struct JSONParserTests {
  @Test("numbers are exact decimals from their text, never Double")
  func exactNumbers() throws {
    let v = try JSONParser.parse(#"[1.5E+2, 0.1, 12345678901234567890.123456789, -0.0, 1e-3]"#)
    let texts = v.arrayValue?.compactMap { $0.decimalValue?.formatted() }
    #expect(texts == ["150", "0.1", "12345678901234567890.123456789", "0", "0.001"])
  }

  @Test(
    "malformed input is an error naming line and column",
    arguments: [
      ("{\"a\": 1,\n}", 2, "expected a quoted key"),
      ("{\"a\": 1, \"a\": 2}", 1, "duplicate key \"a\""),
      (
        "{\"\u{E9}\": 1,\n \"e\u{301}\": 2}", 2,
        "canonically equivalent to the key \"\u{E9}\" before it (the two differ only in Unicode normalization: U+00E9 and U+0065 U+0301)"
      ),
      ("\u{FEFF}{}", 1, "byte-order mark"),
      ("{\"a\": \"x\ty\"}", 1, "control character"),
      ("[1,\n2,\n03]", 3, "not a decimal"),
      ("{\"a\": tru}", 1, "expected a value"),
      ("{} {}", 1, "after the JSON value"),
      ("", 1, "empty document"),
      ("[\"\\ud800\"]", 1, "surrogate"),
      ("{\"a\": 1e99999}", 1, "out of range"),
      ("[\"abc", 1, "unterminated string"),
    ])
  func errors(text: String, line: Int, message: String) {
    do {
      _ = try JSONParser.parse(text)
      Issue.record("accepted \(text)")
    } catch {
      #expect(error.line == line)
      #expect(error.message.contains(message), "\(error.message)")
    }
  }

  @Test("invalid UTF-8 is refused")
  func invalidUTF8() {
    #expect(throws: JSONParseError.self) {
      try JSONParser.parse([0x22, 0xC3, 0x28, 0x22], recordLines: false)
    }
    #expect(throws: JSONParseError.self) {
      try JSONParser.parse([0x22, 0xED, 0xA0, 0x80, 0x22], recordLines: false)
    }
  }

  @Test("deep nesting is refused without crashing")
  func deepNesting() {
    let text = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
    #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
  }

  @Test("lines of values are recorded for findings")
  func lines() throws {
    let parsed = try JSONParser.parse(
      Array("{\n  \"a\": {\n    \"b\": [\n      1,\n      2\n    ]\n  }\n}\n".utf8),
      recordLines: true)
    #expect(parsed.line(of: JSONPath([.key("a"), .key("b"), .index(1)])) == 5)
    #expect(parsed.line(of: JSONPath([.key("a"), .key("missing")])) == 2)
  }

  @Test("dotted paths parse and print")
  func dottedPaths() {
    let p = JSONPath(dotted: "source.lines[2].netCost")
    #expect(p?.components == [.key("source"), .key("lines"), .index(2), .key("netCost")])
    #expect(p?.description == "source.lines[2].netCost")
    #expect(JSONPath(dotted: "a..b") == nil)
    #expect(JSONPath(dotted: "a[x]") == nil)
  }
}
