import AcornModel
import Foundation
import PropertyBased
import Testing

@Suite("Ids to paths")
struct RecordPathTests {
  static let hostile: [String] = [
    "..", ".", "../../etc/passwd", "a/b", "a\\b", "nul\u{0}byte", "tab\there", "new\nline", "CON",
    "con",
    "aux.json", "AUX", "COM1", "LPT9.txt", "PRN", "  spaced  ", "", "~", "inv-1", "INV-1", "Inv-1",
    "emoji😀", "中文发票", String(repeating: "A", count: 300), String(repeating: "é", count: 200),
    "trailing.", "trailing ", ".hidden", "-rf", "a:b", "a*b?c", "<>|\"",
  ]

  @Test("every hostile id maps to a safe, short file name", arguments: hostile)
  func safeNames(id: String) {
    let name = RecordFileName.encode(id)
    #expect(!name.isEmpty)
    #expect(name.utf8.count <= RecordFileName.maxLength + 33)
    let allowed = Set(
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_~".unicodeScalars)
    #expect(name.unicodeScalars.allSatisfy { allowed.contains($0) }, "\(name)")
    #expect(name != "." && name != "..")
    let reserved = Set(
      ["CON", "PRN", "AUX", "NUL"] + (0...9).flatMap { ["COM\($0)", "LPT\($0)"] })
    #expect(!reserved.contains(name.uppercased()))
    let path = RecordPath(marketplace: Marketplace("US")!, kind: .invoice, month: "2026-01", id: id)
      .relativePath
    #expect(path.split(separator: "/").count == 5)
    #expect(path.hasPrefix("records/US/invoice/2026-01/"))
  }

  @Test("decoding inverts encoding for ids that are not hashed", arguments: hostile)
  func roundTrip(id: String) {
    let name = RecordFileName.encode(id)
    if name.contains("~") {
      #expect(RecordFileName.decode(name) == nil)
    } else {
      #expect(RecordFileName.decode(name) == id)
    }
  }

  @Test("ids that differ only by case never share a name on a case-insensitive file system")
  func caseInsensitive() {
    let ids = ["INV-1", "inv-1", "Inv-1", "iNV-1", "CON", "con", "Con", "a_b", "A_B", "a.b", "A.B"]
    let folded = ids.map { RecordFileName.encode($0).lowercased() }
    #expect(Set(folded).count == ids.count)
  }

  @Test("injective under case folding, for random ids")
  func injectiveProperty() async {
    let chars = Gen.character(in: "\u{0}"..."\u{7F}")
    await propertyCheck(count: 500, input: chars.string(of: 0...6), chars.string(of: 0...6)) {
      a, b in
      if a != b {
        #expect(
          RecordFileName.encode(a).lowercased() != RecordFileName.encode(b).lowercased(),
          "\(a.debugDescription) vs \(b.debugDescription)")
      }
      #expect(RecordFileName.decode(RecordFileName.encode(a)) == a)
    }
  }

  @Test("Amazon's keys stay readable")
  func readable() {
    #expect(RecordFileName.encode("PO-US-2JK3S9VC") == "PO-US-2JK3S9VC")
    #expect(RecordFileName.encode("INV-DE-INV-2026-00142") == "INV-DE-INV-2026-00142")
    #expect(
      RecordFileName.encode("DED-US-161017 PROVISION FOR RECEIVABLES")
        == "DED-US-161017_032PROVISION_032FOR_032RECEIVABLES")
  }

  @Test("over-long ids keep a prefix and a hash, and stay distinct")
  func longIDs() {
    let a = String(repeating: "A", count: 300) + "1"
    let b = String(repeating: "A", count: 300) + "2"
    #expect(RecordFileName.encode(a) != RecordFileName.encode(b))
    #expect(RecordFileName.encode(a).hasPrefix(String(repeating: "A", count: 80) + "~"))
  }

  @Test("the month shard comes from the record's date")
  func month() {
    #expect(RecordPath.month(ofDate: "2026-03-17T10:00:00Z") == "2026-03")
    #expect(RecordPath.month(ofDate: "2026-03-17") == "2026-03")
    #expect(RecordPath.month(ofDate: "2026-13-01") == nil)
    #expect(RecordPath.month(ofDate: "17.03.2026") == nil)
  }

  @Test("records place themselves from id, kind, marketplace and date")
  func expectedPath() throws {
    for fixture in try Repo.fixtureRecords() {
      #expect(try Record(json: fixture.value).expectedPath().relativePath == fixture.path)
      #expect(Record(json: fixture.value).expectedID == Record(json: fixture.value).id)
    }
  }

  @Test("a new record derives its id")
  func newRecord() throws {
    let record = try Record(
      kind: .purchaseOrder, marketplace: Marketplace("DE")!,
      source: [
        "purchaseOrderNumber": .string("2JK3S9VC"),
        "purchaseOrderDate": .string("2026-05-01T00:00:00Z"),
      ],
      provenance: ["origin": .string("sandbox")])
    #expect(record.id == "PO-DE-2JK3S9VC")
    #expect(
      try record.expectedPath().relativePath
        == "records/DE/purchase-order/2026-05/PO-DE-2JK3S9VC.json")
  }
}

@Suite("Marketplaces")
struct MarketplaceTests {
  /// The official literals (CLIENT-NOTES.md §2.2); a wrong id here breaks every sync.
  static let expected: [(String, String, String, String)] = [
    ("US", "ATVPDKIKX0DER", "NA", "USD"), ("CA", "A2EUQ1WTGCTBG2", "NA", "CAD"),
    ("MX", "A1AM78C64UM0Y8", "NA", "MXN"),
    ("BR", "A2Q3Y263D00KWC", "NA", "BRL"), ("UK", "A1F83G8C2ARO7P", "EU", "GBP"),
    ("DE", "A1PA6795UKMFR9", "EU", "EUR"),
    ("FR", "A13V1IB3VIYZZH", "EU", "EUR"), ("IT", "APJ6JRA9NG5V4", "EU", "EUR"),
    ("ES", "A1RKKUPIHCS9HS", "EU", "EUR"),
    ("NL", "A1805IZSGTT6HS", "EU", "EUR"), ("SE", "A2NODRKZP88ZB9", "EU", "SEK"),
    ("PL", "A1C3SOZRARQ6R3", "EU", "PLN"),
    ("IN", "A21TJRUUN4KGV", "EU", "INR"), ("JP", "A1VC38T7YXB528", "FE", "JPY"),
    ("AU", "A39IBJ37TRP1C6", "FE", "AUD"),
  ]

  @Test("the 15 marketplaces with their ids, regions and currencies")
  func table() {
    #expect(Marketplace.all.count == 15)
    for (code, id, region, currency) in Self.expected {
      let m = Marketplace(code)
      #expect(m?.marketplaceId == id)
      #expect(m?.region.rawValue == region)
      #expect(m?.currency.code == currency)
      #expect(Marketplace(id)?.code == code)
    }
    #expect(Marketplace("GB")?.code == "UK")
    #expect(Marketplace("de")?.code == "DE")
    #expect(Marketplace("XX") == nil)
  }

  @Test(
    "matches the reference table in ../shared",
    .enabled(if: Repo.sharedReference != nil, "../shared/reference is absent"))
  func matchesReference() throws {
    let ref = try #require(Repo.sharedReference)
    let text = String(
      decoding: try Repo.read(ref + "/vendor-central/CLIENT-NOTES.md"), as: UTF8.self)
    for m in Marketplace.all {
      #expect(text.contains("`\(m.marketplaceId)`"), "\(m.code)")
    }
  }
}

@Suite("SHA-256")
struct SHA256Tests {
  @Test("FIPS 180-4 test vectors")
  func vectors() {
    #expect(
      SHA256.hex(Array("".utf8))
        == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    #expect(
      SHA256.hex(Array("abc".utf8))
        == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    #expect(
      SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
        == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    #expect(
      SHA256.hex([UInt8](repeating: 0x61, count: 1_000_000))
        == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
  }

  @Test("a plain name is its own id, unless it is empty, over-long or a device name")
  func plainNames() {
    #expect(RecordFileName.decode("INV-US-L00000221") == "INV-US-L00000221")
    #expect(RecordFileName.decode("") == nil)
    #expect(RecordFileName.decode("CON") == nil)
    #expect(RecordFileName.decode("COM1") == nil)
    #expect(RecordFileName.decode("_067ON") == "CON")
    let long = String(repeating: "A", count: RecordFileName.maxLength + 1)
    #expect(RecordFileName.decode(long) == nil)
    #expect(RecordFileName.decode(String(long.dropLast())) == String(long.dropLast()))
  }
}
