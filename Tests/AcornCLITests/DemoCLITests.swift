import AcornModel
import Foundation
import Testing

@Suite("acorn demo")
struct DemoCLITests {
  @Test(
    "the story runs with real parts: synced over HTTP, a conflict settled by finance and shared, the report and the exports written",
    .timeLimit(.minutes(5)))
  func story() throws {
    let dir = Folder()
    let r = try CLI.run(["demo", "demo"], in: dir.path)
    #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
    #expect(r.stdout.contains("listening on http://127.0.0.1:"))
    #expect(r.stdout.contains("Merge not committed: 1 conflict to resolve."))
    let root = dir.path + "/demo"
    for file in ["report.html", "report.zh-CN.html", "books.beancount", "kingdee-2026-08.xlsx"] {
      #expect(FileManager.default.fileExists(atPath: root + "/" + file), "\(file)")
    }
    // Both teammates end with ops' decision, and the same history.
    for clone in ["ops", "finance"] {
      let state = try CLI.run(
        ["query", "SELECT state FROM returns WHERE id = 'RET-US-RUS2608A01'", "--csv"],
        in: root + "/" + clone)
      #expect(state.stdout.contains("authorized"), "\(clone): \(state.stdout)")
      #expect(try CLI.run(["validate"], in: root + "/" + clone).status == 0)
      #expect(try CLI.run(["conflicts"], in: root + "/" + clone).status == 0)
    }
    let ops = try HistoryCLITests.gitRun(["rev-parse", "HEAD"], in: root + "/ops")
    let remote = try HistoryCLITests.gitRun(["rev-parse", "main"], in: root + "/remote.git")
    let finance = try HistoryCLITests.gitRun(["rev-parse", "HEAD"], in: root + "/finance")
    #expect(remote == finance)
    #expect(
      try HistoryCLITests.gitRun(
        ["merge-base", "--is-ancestor", ops, finance], in: root + "/finance") == "")
    // The records came through the SP-API client, not the built-in generator.
    let origin = try CLI.run(
      [
        "query", "SELECT count(*) FROM records WHERE json LIKE '%\"origin\": \"sp-api\"%'", "--csv",
      ],
      in: root + "/books")
    #expect(!origin.stdout.contains("\n0"), "\(origin.stdout)")
    if Tools.has("bean-check") {
      let (status, out) = try Tools.run(["bean-check", root + "/books.beancount"])
      #expect(status == 0, "\(out)")
    }
    // A second run into the same folder is refused; into a new one it works again.
    let again = try CLI.run(["demo", "demo"], in: dir.path)
    #expect(again.status == 2)
    #expect(again.stderr.contains("not empty"))
  }
}

@Suite("a CLI that behaves like git")
struct GitLikeCLITests {
  @Test("commands work from any subfolder of a workspace; outside one, the hint to create one")
  func fromSubfolders() throws {
    let dir = Folder()
    let ws = try HardeningCLITests.synced(dir, until: "2026-07-15")
    let sub = ws + "/records/US"
    let status = try CLI.run(["status"], in: sub)
    #expect(status.status == 0, "\(status.stderr)")
    #expect(status.stdout.hasPrefix("On branch main"))
    let fromSub = try CLI.run(["query", "SELECT count(*) AS n FROM invoices", "--json"], in: sub)
    let fromRoot = try CLI.run(["query", "SELECT count(*) AS n FROM invoices", "--json"], in: ws)
    #expect(fromSub.status == 0)
    #expect(fromSub.stdout == fromRoot.stdout)
    #expect(try CLI.run(["validate", "records"], in: ws).status == 0)
    let outside = try CLI.run(["status"], in: dir.path)
    #expect(outside.status == 2)
    #expect(outside.stderr.contains("create one with `acorn init`"))
  }

  @Test(
    "a typo of a command gets a suggestion; with --json an error is a JSON document on stdout; internal drivers hidden from help"
  )
  func helpfulErrors() throws {
    let dir = Folder()
    let typo = try CLI.run(["statsu"], in: dir.path)
    #expect(typo.status == 2)
    #expect(typo.stderr.contains("Did you mean 'acorn status'?"))
    let far = try CLI.run(["frobnicate"], in: dir.path)
    #expect(!far.stderr.contains("Did you mean"))
    let made = try CLI.run(["init", "ws"], in: dir.path)
    #expect(made.stdout.contains("Next: acorn sync -C ws"))
    let missing = try CLI.run(["show", "NOPE", "--json"], in: dir.path + "/ws")
    #expect(missing.status == 2)
    let doc = try JSONParser.parse(Array(missing.stdout.utf8)).value
    #expect(doc["error"]?["code"] == .string("record.not-found"))
    #expect(doc["error"]?["message"]?.stringValue?.contains("NOPE") == true)
    let usage = try CLI.run(["show", "--json"], in: dir.path + "/ws")
    #expect(usage.status == 2)
    #expect(
      try JSONParser.parse(Array(usage.stdout.utf8)).value["error"]?["code"] == .string("usage"))
    let help = try CLI.run(["--help"], in: dir.path)
    #expect(!help.stdout.contains("merge-driver"))
    #expect(!help.stdout.contains("diff-driver"))
    #expect(help.stdout.contains("demo"))
    // Hidden, not gone: git still calls them.
    let driverHelp = try CLI.run(["merge-driver", "--help"], in: dir.path)
    #expect(driverHelp.status == 0)
    #expect(RecordKind.invoice.withArticle == "an invoice")
    #expect(RecordKind.return.withArticle == "a return")
  }

  /// `acorn ARGS` with stdout and stderr on a pseudo-terminal (Python's `pty`), as a person at a
  /// terminal runs it; returns what the terminal showed.
  static func onTerminal(_ args: [String], in dir: String) throws -> (Int32, String) {
    let result = try CLI.run(
      args, in: dir, environment: ["TERM": "xterm"],
      via: [
        "/usr/bin/env", "python3", "-c", "import pty, sys; sys.exit(pty.spawn(sys.argv[1:]) >> 8)",
      ])
    return (result.status, result.stdout)
  }

  @Test(
    "long commands show a progress line (count, total, unit) on a terminal, cleared before their output; never when piped",
    arguments: [
      (["validate"], "validating 0/"), (["index", "--rebuild"], "indexing 0/"),
      (["reconcile", "--no-commit"], "reading 0/"),
    ])
  func progress(args: [String], expected: String) throws {
    let dir = Folder()
    let ws = try HardeningCLITests.synced(dir, until: "2026-07-15")
    let (status, shown) = try Self.onTerminal(args, in: ws)
    #expect(status == 0 || status == 1, "\(shown)")
    #expect(shown.contains("\r\u{1B}[K" + expected), "\(shown.debugDescription)")
    #expect(shown.contains(" records"))
    // Cleared: the line is erased before the command's own output.
    let last = try #require(shown.range(of: expected, options: .backwards))
    #expect(shown[last.upperBound...].contains("\r\u{1B}[K"))
    let piped = try CLI.run(args, in: ws)
    #expect(!piped.stderr.contains("\u{1B}[K") && !piped.stderr.contains(expected))
  }

  @Test("an import on a terminal shows its files being read, then its summary on a clean line")
  func importProgress() throws {
    let dir = Folder()
    let ws = try HistoryCLITests.committed(dir)
    let (status, shown) = try Self.onTerminal(
      ["import", "\(CLI.fixtures)/../imports/remittance-us.csv"], in: ws)
    #expect(status == 0, "\(shown)")
    #expect(shown.contains("\r\u{1B}[Kreading 0/1 files"), "\(shown.debugDescription)")
    #expect(shown.contains("\r\u{1B}[K") && shown.contains("imported: "))
  }

  @Test(
    "exit codes follow the contract in every command: 0 fine, 1 findings and refusals, 2 usage and operational errors"
  )
  func exitCodes() throws {
    let dir = Folder()
    let ws = try HistoryCLITests.committed(dir)
    let bad = dir.path + "/bad.edi"
    try "ISA*00*broken~".write(toFile: bad, atomically: true, encoding: .utf8)
    let cases: [(args: [String], code: Int32, says: String)] = [
      (["validate"], 0, ""),
      (["status"], 0, "On branch main"),
      (["conflicts"], 0, ""),
      (["set", "RET-DE-R-DE-000123", "workflow.state=notified"], 1, "allowed next states"),
      (["set", "RET-DE-R-DE-000123", "source.status=Closed"], 1, "source"),
      (["import", bad], 1, "nothing imported"),
      (["show", "NOPE"], 2, "no record with id NOPE"),
      (["blame", "NOPE"], 2, "no record with id NOPE"),
      (["show"], 2, "Missing expected argument"),
      (["list", "--kind", "nope"], 2, "invalid for '--kind"),
      (["log", "-n", "x"], 2, "invalid for '-n"),
      (["query", "SELEC x"], 2, "syntax error"),
      (["merge", "nope"], 2, "unknown revision nope"),
      (["pull"], 2, "no remote named origin"),
      (["push"], 2, "no remote named origin"),
      (["import", "/proc/self/mem"], 2, "Input/output error"),
      (["import", dir.path + "/missing.edi"], 2, "missing.edi"),
      (["clone", dir.path + "/missing.git", dir.path + "/copy"], 2, "no repository at that path"),
      (["reconcile", "--as-of", "2026-02-30"], 2, "calendar date"),
      (["export", "--format", "nope"], 2, "invalid for '--format"),
      (["report", "--nope"], 2, "Unknown option"),
      (["statsu"], 2, "Did you mean 'acorn status'?"),
      (["-C", dir.path + "/nowhere", "status"], 2, "does not exist"),
    ]
    for c in cases {
      let result = try CLI.run(c.args, in: ws)
      #expect(result.status == c.code, "acorn \(c.args.joined(separator: " ")): \(result.stderr)")
      #expect(
        c.says.isEmpty || (result.stdout + result.stderr).contains(c.says),
        "acorn \(c.args.joined(separator: " ")): \(result.stdout)\(result.stderr)")
    }
    #expect(try HistoryCLITests.gitRun(["status", "--porcelain"], in: ws).isEmpty)
    // -C before the command, as with git.
    let elsewhere = try CLI.run(["-C", ws, "list", "--kind", "invoice"], in: dir.path)
    #expect(elsewhere.status == 0, "\(elsewhere.stderr)")
    #expect(elsewhere.stdout.contains("INV-US-INV-2019-0815"))
    // -o is --out for the commands that write a file.
    let report = try CLI.run(["report", "--format", "csv", "-o", dir.path + "/r.csv"], in: ws)
    #expect(report.status == 0, "\(report.stderr)")
    #expect(FileManager.default.fileExists(atPath: dir.path + "/r.csv"))
  }
}

@Suite("acorn sandbox generate")
struct GenerateCLITests {
  @Test("N records and a team's history, committed: status clean, validate clean, git agrees")
  func generate() throws {
    let dir = Folder()
    let made = try CLI.run(
      [
        "sandbox", "generate", "--records", "3000", "--seed", "5", "--as-of", "2026-11-30",
        "--marketplace", "US", "--marketplace", "JP", "--history", "40", "ws",
      ], in: dir.path)
    #expect(made.status == 0, "\(made.stderr)")
    #expect(made.stdout.contains("Generated 3000 records"))
    let ws = dir.path + "/ws"
    let files = try CLI.run(["query", "SELECT COUNT(*) AS n FROM records", "--json"], in: ws)
    #expect(files.stdout.contains("3000"), "\(files.stdout)\(files.stderr)")
    let status = try CLI.run(["status"], in: ws)
    #expect(status.stdout.contains("No uncommitted changes"), "\(status.stdout)")
    let checked = try CLI.run(["validate", "--history", "all"], in: ws)
    #expect(checked.status == 0, "\(checked.stdout)\(checked.stderr)")
    let log = try CLI.run(["log", "--json"], in: ws)
    #expect(log.status == 0)
    #expect(try gitOutput(["rev-list", "--count", "HEAD"], ws) == "42")
    #expect(try gitOutput(["status", "--porcelain"], ws) == "")
    #expect(try gitOutput(["fsck"], ws) == "")
    let authors = Set(try gitOutput(["log", "--format=%ae", "-40"], ws).split(separator: "\n"))
    #expect(authors.count == 7)
    // Only a workspace without records: a second run is refused and changes nothing.
    let again = try CLI.run(
      ["sandbox", "generate", "--records", "10", "--as-of", "2026-11-30", "ws"], in: dir.path)
    #expect(again.status == 1, "\(again.stderr)")
    #expect(again.stderr.contains("already has records"))
    #expect(try gitOutput(["rev-list", "--count", "HEAD"], ws) == "42")
  }

  /// git's answer, trimmed (through the CLI tests' one git runner).
  func gitOutput(_ args: [String], _ dir: String) throws -> String {
    try MergeCLITests.git(args, in: dir).1.trimmingCharacters(in: .whitespacesAndNewlines)
  }
}
