import AcornModel
import PropertyBased
import Testing

@Suite("Canonical JSON")
struct CanonicalJSONTests {
  @Test("write(read(write(v))) == write(v), byte for byte")
  func roundTrip() async {
    await propertyCheck(count: 300, input: Gen.uint64(in: 0...UInt64.max)) { seed in
      var rng = SplitMix(seed: seed)
      let value = RandomJSON.value(&rng)
      let first = CanonicalJSON.bytes(value)
      let reread = try? JSONParser.parse(first).value
      #expect(reread == value)
      #expect(reread.map(CanonicalJSON.bytes) == first)
    }
  }

  @Test("any key order, whitespace, escapes or number spelling gives the same bytes")
  func permutationsGiveSameBytes() async {
    await propertyCheck(count: 300, input: Gen.uint64(in: 0...UInt64.max)) { seed in
      var rng = SplitMix(seed: seed)
      let value = RandomJSON.value(&rng)
      let expected = CanonicalJSON.bytes(value)
      for _ in 0..<3 {
        let text = RandomJSON.text(value, &rng)
        let parsed = try? JSONParser.parse(text)
        #expect(parsed.map(CanonicalJSON.bytes) == expected, "input: \(text)")
      }
    }
  }

  @Test(
    "the format: sorted keys, two spaces, one field a line, no space before the colon, final LF")
  func golden() throws {
    let value = try JSONParser.parse(
      #"{"b":[1,{"y":null,"x":true}],"a":"é\u0001","c":{},"d":[],"A":1.50E+2}"#)
    let expected = """
      {
        "A": 150,
        "a": "é\\u0001",
        "b": [
          1,
          {
            "x": true,
            "y": null
          }
        ],
        "c": {},
        "d": []
      }

      """
    #expect(CanonicalJSON.string(value) == expected)
  }

  @Test("keys sort by UTF-8 bytes, not by locale")
  func keyOrder() throws {
    let value = try JSONParser.parse(#"{"é":1,"z":2,"Z":3,"a":4,"中":5}"#)
    let keys = CanonicalJSON.string(value).split(separator: "\n").dropFirst().dropLast().map {
      $0.split(separator: "\"")[1]
    }
    #expect(keys == ["Z", "a", "z", "é", "中"])
  }

  @Test("fixture records are already canonical")
  func fixturesAreCanonical() throws {
    let records = try Repo.fixtureRecords()
    #expect(records.count == 8)
    for record in records {
      #expect(Record(json: record.value).canonicalBytes == record.bytes, "\(record.path)")
    }
  }

  @Test("line arrays are written in sequence order, numerically")
  func lineOrder() throws {
    let json = try JSONParser.parse(
      #"{"source":{"lines":[{"itemSequenceNumber":"10"},{"itemSequenceNumber":"2"},{"itemSequenceNumber":"1"}],"purchaseOrderNumbers":["B","A"]},"workflow":{"notes":[{"at":"2026-01-02T00:00:00Z","author":"b","text":"2"},{"at":"2026-01-01T00:00:00Z","author":"a","text":"1"}]}}"#
    )
    let normalized = RecordOrder.normalized(json)
    let seqs = normalized["source"]?["lines"]?.arrayValue?.compactMap {
      $0["itemSequenceNumber"]?.stringValue
    }
    #expect(seqs == ["1", "2", "10"])
    #expect(normalized["source"]?["purchaseOrderNumbers"] == .array([.string("A"), .string("B")]))
    #expect(normalized["workflow"]?["notes"]?.arrayValue?.first?["text"] == .string("1"))
  }

  /// Indents are written from a run of 64 spaces: deeper ones take several, and the objects
  /// written member by member at such an indent match the value writer.
  @Test("indents deeper than 64 spaces", arguments: [31, 32, 33, 40])
  func deepIndents(depth: Int) {
    var value: JSONValue = .object(["b": .string("x"), "a": .array([.null, .bool(true)])])
    for _ in 0..<depth { value = .object(["k": value]) }
    var reference = ""
    for level in 0..<depth {
      reference += "{\n" + String(repeating: " ", count: 2 * level + 2) + "\"k\": "
    }
    let inner = 2 * depth
    let pad = { (n: Int) in String(repeating: " ", count: n) }
    reference += "{\n\(pad(inner + 2))\"a\": [\n\(pad(inner + 4))null,\n\(pad(inner + 4))true\n"
    reference += "\(pad(inner + 2))],\n\(pad(inner + 2))\"b\": \"x\"\n\(pad(inner))}"
    for level in stride(from: depth - 1, through: 0, by: -1) {
      reference += "\n" + pad(2 * level) + "}"
    }
    #expect(String(decoding: CanonicalJSON.bytes(value), as: UTF8.self) == reference + "\n")
    // The innermost object again, written by `ObjectBytes` at its indent.
    var out: [UInt8] = []
    var o = CanonicalJSON.ObjectBytes(indent: inner)
    o.key("a", &out)
    CanonicalJSON.appendArray(count: 2, indent: o.valueIndent, to: &out) { i, indent, out in
      CanonicalJSON.append(i == 0 ? .null : .bool(true), indent: indent, to: &out)
    }
    o.string("b", "x", &out)
    o.close(&out)
    let innermost =
      "{\n\(pad(inner + 2))\"a\": [\n\(pad(inner + 4))null,\n\(pad(inner + 4))true\n"
      + "\(pad(inner + 2))],\n\(pad(inner + 2))\"b\": \"x\"\n\(pad(inner))}"
    #expect(String(decoding: out, as: UTF8.self) == innermost)
  }

  /// Large arrays are written in parts side by side, and `document` writes members without
  /// building the object: both must give exactly the bytes of the one-pass writer.
  @Test(
    "arrays written in parts and documents written member by member give the same bytes",
    arguments: [0, 1, 4_095, 4_096, 9_999, CanonicalJSON.streamRound * 2 + 5])
  func partsAndDocuments(count: Int) throws {
    @Sendable func element(_ i: Int) -> JSONValue {
      .object([
        "id": .string("INV-\(i)"), "amount": .number(DecimalNumber(i)),
        "note": .string(i % 7 == 0 ? "tab\tquote\"\\ 中" : "plain"),
        "lines": .array(i % 3 == 0 ? [] : [.string("a"), .null, .bool(i % 2 == 0)]),
      ])
    }
    let items = (0..<count).map(element)
    let whole: JSONValue = .object([
      "zeta": .array(items), "asOf": .string("2026-11-30"), "Alpha": .object([:]),
      "empty": .array([]),
    ])
    // The one-pass reference: each element written in sequence, as before parts existed.
    var reference: [UInt8] = Array("{\n".utf8)
    reference += Array(#"  "Alpha": {},"#.utf8) + [0x0A]
    reference += Array(#"  "asOf": "2026-11-30","#.utf8) + [0x0A]
    reference += Array(#"  "empty": [],"#.utf8) + [0x0A]
    reference += Array(#"  "zeta": "#.utf8)
    if items.isEmpty {
      reference += Array("[]".utf8)
    } else {
      reference += Array("[\n".utf8)
      for (k, item) in items.enumerated() {
        let text = CanonicalJSON.string(item).dropLast()  // its own final newline
        let indented = text.split(separator: "\n", omittingEmptySubsequences: false)
          .map { "    " + $0 }.joined(separator: "\n")
        reference += Array(indented.utf8) + Array((k == items.count - 1 ? "\n" : ",\n").utf8)
      }
      reference += Array("  ]".utf8)
    }
    reference += Array("\n}\n".utf8)
    #expect(CanonicalJSON.bytes(whole) == reference)
    let members: [(String, CanonicalJSON.Member)] = [
      ("zeta", .elements(count) { element($0) }), ("asOf", .value(.string("2026-11-30"))),
      ("Alpha", .value(.object([:]))), ("empty", .elements(0) { _ in .null }),
    ]
    // Compared as Bools: on a failure, Swift Testing would diff (or print) megabytes of bytes.
    let collected = CanonicalJSON.document(members).elementsEqual(reference)
    #expect(collected)
    // Streamed: the same bytes, handed on a round of elements at a time (the members before
    // the array, each round's parts, what follows it).
    var chunks: [[UInt8]] = []
    CanonicalJSON.document(members) { chunks.append($0) }
    let streamed = chunks.joined().elementsEqual(reference)
    #expect(streamed)
    let rounds = (count + CanonicalJSON.streamRound - 1) / CanonicalJSON.streamRound
    #expect(chunks.count >= (count == 0 ? 1 : 2 + rounds))
  }
}
