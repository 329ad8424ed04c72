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
}
