import AcornModel
import Foundation
import Testing

@Suite("acorn import")
struct ImportCLITests {
  static let fixtures: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path + "/Tests/Fixtures/imports"
  }()

  @Test("imports into vendor-central and merges; importing again changes nothing")
  func idempotent() throws {
    let dir = Folder()
    #expect(try CLI.run(["init", "ws", "--marketplace", "US"], in: dir.path).status == 0)
    let ws = dir.path + "/ws"
    let first = try CLI.run(["import", Self.fixtures + "/remittance-us.csv", "--json"], in: ws)
    #expect(first.status == 0, "\(first.stderr)")
    let doc = try JSONParser.parse(first.stdout)
    #expect(doc["new"]?.intValue == 5)
    let head = try CLI.run(["log", "-n", "1", "--json"], in: ws).stdout
    let second = try JSONParser.parse(
      try CLI.run(["import", Self.fixtures + "/remittance-us.csv", "--json"], in: ws).stdout)
    #expect(second["new"]?.intValue == 0 && second["unchanged"]?.intValue == 5)
    #expect(second["commit"] == .null)
    #expect(try CLI.run(["log", "-n", "1", "--json"], in: ws).stdout == head)
    #expect(try CLI.run(["validate"], in: ws).status == 0)
    let listed = try JSONParser.parse(
      try CLI.run(["list", "--kind", "deduction", "--json"], in: ws).stdout)
    #expect(listed["records"]?.arrayValue?.count == 3)
  }

  @Test("a malformed file imports nothing, names the problem, and leaves the workspace as it was")
  func malformed() throws {
    let dir = Folder()
    #expect(try CLI.run(["init", "ws", "--marketplace", "US"], in: dir.path).status == 0)
    let ws = dir.path + "/ws"
    let bad = dir.path + "/bad.csv"
    try
      "Payment Number,Payment Date,Invoice Number,Amount Paid\n1,2026-01-14,A,10.00\n1,2026-01-14,B,ten\n"
      .write(toFile: bad, atomically: true, encoding: .utf8)
    let truncated = dir.path + "/truncated.edi"
    try String(repeating: "ISA*00*", count: 3).write(
      toFile: truncated, atomically: true, encoding: .utf8)
    let head = try CLI.run(["log", "-n", "1", "--json"], in: ws).stdout
    for file in [bad, truncated] {
      let result = try CLI.run(["import", file], in: ws)
      #expect(result.status == 1)
      #expect(result.stderr.contains(file))
    }
    #expect(
      try CLI.run(["import", bad], in: ws).stderr.contains(
        "line 3 amountPaid: error: expected an amount, found \"ten\""))
    #expect(try CLI.run(["log", "-n", "1", "--json"], in: ws).stdout == head)
    #expect(try CLI.run(["list", "--json"], in: ws).stdout.contains("\"records\": []"))
    let kept = try CLI.run(["import", "--keep-going", bad], in: ws)
    #expect(kept.status == 0)
  }

  @Test("formats detected from headers; one deduction seen by two exports is one record")
  func combined() throws {
    let dir = Folder()
    #expect(try CLI.run(["init", "ws", "--marketplace", "US"], in: dir.path).status == 0)
    let ws = dir.path + "/ws"
    let files = ["returns-us.csv", "chargebacks-us.csv", "coop-us.csv", "remittance-us.csv"].map {
      Self.fixtures + "/" + $0
    }
    let result = try CLI.run(["import"] + files, in: ws)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(
      result.stderr.contains("vc-returns-csv") && result.stderr.contains("vc-chargebacks-csv")
        && result.stderr.contains("vc-coop-csv"))
    let record = try JSONParser.parse(
      try CLI.run(["show", "DED-US-1234567VCBSINV", "--json"], in: ws).stdout)
    #expect(record["source"]?["chargebackType"] == .string("ASN Accuracy"))
    #expect(record["source"]?["uniquePaymentId"] == .string("355522363"))
    #expect(try CLI.run(["validate"], in: ws).status == 0)
  }

  @Test(
    "a later import adds to what an earlier one said about a document; each file gets its summary")
  func acrossImports() throws {
    let dir = Folder()
    #expect(try CLI.run(["init", "ws", "--marketplace", "US"], in: dir.path).status == 0)
    let ws = dir.path + "/ws"
    #expect(try CLI.run(["import", Self.fixtures + "/remittance-us.csv"], in: ws).status == 0)
    let second = try CLI.run(
      ["import", Self.fixtures + "/chargebacks-us.csv", Self.fixtures + "/remittance-us.csv"],
      in: ws)
    #expect(second.stdout.contains("chargebacks-us.csv: 1 new, 1 changed, 0 unchanged"))
    let record = try JSONParser.parse(
      try CLI.run(["show", "DED-US-1234567VCBSINV", "--json"], in: ws).stdout)
    #expect(record["source"]?["chargebackType"] == .string("ASN Accuracy"))
    #expect(record["source"]?["uniquePaymentId"] == .string("355522363"))
  }
}
