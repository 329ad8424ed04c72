import AcornModel
import Foundation
import Testing

/// The git-versioned workspace through the binary: exit codes, JSON shapes, git's own view.
@Suite("acorn set/status/commit/log/blame/diff/query through the CLI")
struct HistoryCLITests {
  static func committed(_ dir: Folder) throws -> String {
    let ws = try CLITests.populated(dir)
    let commit = try CLI.run(["commit", "-m", "Import fixtures"], in: ws)
    #expect(commit.status == 0, "\(commit.stderr)")
    return ws
  }

  static func gitRun(_ args: [String], in dir: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["git"] + args
    process.currentDirectoryURL = URL(fileURLWithPath: dir)
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
  }

  @Test("set: exit 0 and one commit; an illegal transition exits 1 naming the allowed states")
  func set() throws {
    let dir = Folder()
    let ws = try Self.committed(dir)
    let ok = try CLI.run(
      ["set", "RET-DE-R-DE-000123", "workflow.state=received", "--note", "arrived", "--json"],
      in: ws)
    #expect(ok.status == 0, "\(ok.stderr)")
    let doc = try JSONParser.parse(ok.stdout)
    #expect(doc["commit"]?.stringValue?.count == 40)
    #expect(
      doc["fields"]?.arrayValue?.contains { $0["field"] == .string("workflow.state") } == true)
    let bad = try CLI.run(["set", "RET-DE-R-DE-000123", "workflow.state=notified"], in: ws)
    #expect(bad.status == 1)
    #expect(bad.stderr.contains("allowed next states: credit-issued, disputed, written-off"))
    let source = try CLI.run(["set", "RET-DE-R-DE-000123", "source.status=Closed"], in: ws)
    #expect(source.status == 1)
    #expect(try Self.gitRun(["status", "--porcelain"], in: ws) == "")
    #expect(
      try Self.gitRun(["log", "--format=%an|%s"], in: ws).hasPrefix(
        "CLI Test|Set RET-DE-R-DE-000123 workflow.state=received (note)\n"))
  }

  @Test("git diff and git log -p show fields through the acorn textconv")
  func textconv() throws {
    let dir = Folder()
    let ws = try Self.committed(dir)
    _ = try CLI.run(["set", "RET-DE-R-DE-000123", "workflow.state=received"], in: ws)
    let patch = try Self.gitRun(["log", "-p", "-1"], in: ws)
    #expect(patch.contains("-workflow.state: authorized"))
    #expect(patch.contains("+workflow.state: received"))
    let driver = try CLI.run(
      ["diff-driver", "records/DE/return/2026-10/RET-DE-R-DE-000123.json"], in: ws)
    #expect(driver.stdout.contains("source.lines[#1].approvedRefund: 59.97 EUR\n"))
  }

  @Test("status, diff (text, JSON, Markdown, stat), log and blame")
  func reading() throws {
    let dir = Folder()
    let ws = try Self.committed(dir)
    let file = ws + "/records/US/invoice/2019-08/INV-US-INV-2019-0815.json"
    let text = try String(contentsOfFile: file, encoding: .utf8)
    try text.replacingOccurrences(
      of: "\"followUpDate\": \"2019-10-05\"", with: "\"followUpDate\": \"2019-10-09\""
    )
    .write(toFile: file, atomically: true, encoding: .utf8)

    let status = try JSONParser.parse(try CLI.run(["status", "--json"], in: ws).stdout)
    #expect(status["branch"] == .string("main"))
    #expect(status["openConflicts"]?.intValue == 0)
    let changed = status["changes"]?["records"]?.arrayValue?.first
    #expect(changed?["id"] == .string("INV-US-INV-2019-0815"))
    #expect(changed?["fields"]?.arrayValue?.first?["old"] == .string("2019-10-05"))

    #expect(
      try CLI.run(["diff"], in: ws).stdout.contains(
        "workflow.followUpDate: 2019-10-05 → 2019-10-09"))
    let markdown = try CLI.run(["diff", "--markdown"], in: ws).stdout
    #expect(markdown.contains("| `workflow.followUpDate` | 2019-10-05 | 2019-10-09 |"))
    #expect(
      try CLI.run(["diff", "--stat"], in: ws).stdout.contains(
        "INV-US-INV-2019-0815 | modified 1 field"))

    let commit = try CLI.run(["commit", "-m", "Later follow-up"], in: ws)
    #expect(commit.status == 0)
    let between = try JSONParser.parse(
      try CLI.run(["diff", "HEAD~1", "HEAD", "--json"], in: ws).stdout)
    #expect(between["records"]?.arrayValue?.count == 1)

    let log = try JSONParser.parse(try CLI.run(["log", "INV-2019-0815", "--json"], in: ws).stdout)
    let entries = try #require(log["entries"]?.arrayValue)
    #expect(entries.map { $0["message"]?.stringValue } == ["Later follow-up", "Import fixtures"])
    #expect(entries.first?["email"] == .string("cli@example.com"))

    let blame = try JSONParser.parse(
      try CLI.run(["blame", "INV-US-INV-2019-0815", "--json"], in: ws).stdout)
    let fields = try #require(blame["fields"]?.arrayValue)
    #expect(
      fields.first { $0["field"] == .string("workflow.followUpDate") }?["summary"]
        == .string("Later follow-up"))
    #expect(
      fields.first { $0["field"] == .string("source.invoiceNumber") }?["summary"]
        == .string("Import fixtures"))
  }

  @Test("index and query: JSON, CSV, and writes refused")
  func query() throws {
    let dir = Folder()
    let ws = try Self.committed(dir)
    let index = try JSONParser.parse(try CLI.run(["index", "--json"], in: ws).stdout)
    #expect(index["mode"] == .string("rebuilt"))
    #expect(index["records"]?.intValue == 8)
    let csv = try CLI.run(
      ["query", "SELECT deduction_number, amount, amount_minor FROM deductions", "--csv"], in: ws)
    #expect(
      csv.stdout == "deduction_number,amount,amount_minor\r\nINV-2019-0815SC,-280.00,-28000\r\n")
    let json = try JSONParser.parse(
      try CLI.run(["query", "SELECT count(*) AS n FROM records", "--json"], in: ws).stdout)
    #expect(json["columns"] == .array([.string("n")]))
    #expect(json["rows"] == .array([.array([.number(DecimalNumber(8))])]))
    let write = try CLI.run(["query", "DELETE FROM records"], in: ws)
    #expect(write.status == 2)
    #expect(write.stderr.contains("read-only"))
    #expect(try Self.gitRun(["status", "--porcelain"], in: ws) == "")
  }
}
