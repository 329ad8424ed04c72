import AcornHTTPServer
import AcornModel
import AcornSandbox
import AcornSync
import ArgumentParser
import Foundation

/// `acorn demo [PATH]`: the first ten minutes as a story in the terminal, with real parts only —
/// a sandbox Vendor Central served over HTTP on loopback, the real SP-API client syncing from it,
/// a bare git remote, two teammates' clones, a lifecycle conflict settled by finance, then
/// reconciliation, alerts, the report and the exports. Every step is the acorn (or git) command a
/// user would type, run as its own process and shown with its output.
struct DemoCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "demo",
    abstract:
      "A two-minute story with real parts: sync over HTTP, two teammates, a conflict, money.",
    discussion: """
      Creates PATH (default: ./acorn-demo; it must not exist or be empty) with a shared remote \
      (remote.git), the first workspace (books), two clones (ops and finance), the report and \
      the exports. Exits non-zero if any step fails. Docs: docs/quickstart.md.
      """)

  @Argument(help: "Folder to create the demo in.") var path: String = "acorn-demo"

  @Option(help: "Sandbox seed.") var seed: UInt64 = 42

  func validate() throws {
    let fm = FileManager.default
    if fm.fileExists(atPath: path),
      !((try? fm.contentsOfDirectory(atPath: path))?.isEmpty ?? false)
    {
      throw ValidationError("\(path) exists and is not empty; choose a new folder")
    }
  }

  func run() throws {
    let root = URL(fileURLWithPath: path).standardizedFileURL.path
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    let story = Story(root: root, acorn: Self.executable())
    let since = "2026-06-01"
    let until = "2026-08-31"

    story.heading(
      "1. A Vendor Central to talk to: the sandbox vendor served on loopback, like the SP-API")
    let server = SandboxServer(
      vendor: SandboxVendor(seed: seed),
      marketplaces: ["US", "DE"].compactMap { Marketplace($0) },
      start: CivilDate.day(since) ?? 0, asOf: CivilDate.day(until) ?? 0,
      faults: SandboxServer.Faults(), rate: 100, burst: 100, pageSize: 25)
    let http = LoopbackServer { request in server.handle(request) }
    let port = try http.start(port: 0)
    defer { http.stop() }
    let url = "http://127.0.0.1:\(port)"
    story.say("SP-API and LWA token endpoint listening on \(url)")

    story.heading(
      "2. Li (ops lead) creates the workspace, syncs through the SP-API client, imports the returns export"
    )
    try story.acorn(
      ["init", "books", "--vendor-code", "SBX01", "--marketplace", "US", "--marketplace", "DE"],
      as: .li)
    try story.acorn(
      [
        "sync", "-C", "books", "--source", "sp-api", "--endpoint", url, "--token-endpoint",
        url + "/auth/o2/token", "--since", since, "--until", until,
      ], as: .li, tail: 6)
    // Returns come from Vendor Central's Returns export (no SP-API serves them): a CSV.
    let csv = root + "/returns-us-2026-08.csv"
    try Self.returnsExport.write(toFile: csv, atomically: true, encoding: .utf8)
    try story.acorn(["import", "-C", "books", csv, "--marketplace", "US"], as: .li)
    try story.acorn(["validate", "books"], as: .li)

    story.heading("3. A shared remote; ops and finance each clone it")
    try story.git(["init", "-q", "--bare", "remote.git"])
    try story.git(["-C", "books", "remote", "add", "origin", root + "/remote.git"])
    try story.acorn(["push", "-C", "books", "origin", "main"], as: .li)
    try story.acorn(["clone", root + "/remote.git", "ops"], as: .wang)
    try story.acorn(["clone", root + "/remote.git", "finance"], as: .chen)

    story.heading("4. Offline, both decide about the same return")
    let returns = try story.acorn(
      [
        "query", "-C", "ops",
        "SELECT id FROM returns WHERE state IS NULL OR state = 'notified' ORDER BY notice_date, id LIMIT 1",
        "--csv",
      ], as: .wang, show: false)
    guard
      let returnID = returns.split(whereSeparator: \.isNewline).dropFirst().first.map({
        String($0).trimmingCharacters(in: .whitespaces)
      })
    else {
      throw DemoFailure("the sandbox gave no return waiting for a decision")
    }
    try story.acorn(
      [
        "set", "-C", "ops", returnID, "workflow.state=authorized", "--note",
        "Carrier confirms the pickup",
      ],
      as: .wang)
    try story.acorn(
      [
        "set", "-C", "finance", returnID, "workflow.state=rejected", "--note",
        "Outside the return window",
      ],
      as: .chen)
    try story.acorn(["push", "-C", "ops"], as: .wang)

    story.heading("5. Finance pulls: the two decisions cannot both stand — a conflict, as data")
    try story.acorn(["pull", "-C", "finance"], as: .chen, allow: [0, 1])
    try story.acorn(["conflicts", "-C", "finance"], as: .chen, allow: [0, 1])
    try story.acorn(
      ["resolve", "-C", "finance", returnID, "--field", "workflow.state", "--theirs"], as: .chen)
    try story.acorn(
      ["commit", "-C", "finance", "-m", "Merge origin/main: ops authorized the return"], as: .chen)
    try story.acorn(["push", "-C", "finance"], as: .chen)
    try story.acorn(["pull", "-C", "ops"], as: .wang)
    try story.acorn(["log", "-C", "ops", returnID, "-n", "3"], as: .wang, tail: 12)

    story.heading("6. What Amazon owes, what it took and why; what is due before it is lost")
    try story.acorn(["reconcile", "-C", "finance"], as: .chen, allow: [0, 1], tail: 10)
    try story.acorn(
      ["alerts", "-C", "finance", "--as-of", until], as: .chen, allow: [0, 1], tail: 6)
    try story.acorn(
      ["alerts", "-C", "finance", "--as-of", until, "--lang", "zh-CN"], as: .chen, allow: [0, 1],
      tail: 3)

    story.heading(
      "7. Ops answers Amazon: the newest purchase order acknowledged, reviewed, sent exactly once")
    let newest = try story.acorn(
      [
        "query", "-C", "ops",
        "SELECT po_number FROM purchase_orders WHERE po_state = 'New' ORDER BY order_date DESC, po_number LIMIT 1",
        "--csv",
      ], as: .wang, show: false)
    if let po = newest.split(whereSeparator: \.isNewline).dropFirst().first.map({
      String($0).trimmingCharacters(in: .whitespaces)
    }) {
      try story.acorn(["draft", "ack", "-C", "ops", po, "--accept-all"], as: .wang, tail: 4)
      let ack = try story.acorn(
        [
          "query", "-C", "ops",
          "SELECT id FROM outbound_documents WHERE po_number = '\(po)' AND state = 'draft'",
          "--csv",
        ], as: .wang, show: false)
      let id =
        ack.split(whereSeparator: \.isNewline).dropFirst().first.map {
          String($0).trimmingCharacters(in: .whitespaces)
        } ?? ""
      try story.acorn(["diff", "-C", "ops", "HEAD~1", "HEAD", "--markdown"], as: .li, tail: 8)
      try story.acorn(["set", "-C", "ops", id, "workflow.state=approved"], as: .li)
      try story.acorn(
        [
          "submit", "-C", "ops", "--approved", "--endpoint", url, "--token-endpoint",
          url + "/auth/o2/token",
        ], as: .wang)
      try story.acorn(
        [
          "submit", "-C", "ops", "--approved", "--endpoint", url, "--token-endpoint",
          url + "/auth/o2/token",
        ], as: .wang)
      try story.acorn(["push", "-C", "ops"], as: .wang)
    } else {
      story.say("(no purchase order waits for an acknowledgement in this sandbox window)")
    }

    story.heading("8. For people who would rather look, and for the accountants")
    try story.acorn(["report", "-C", "finance", "--out", root + "/report.html"], as: .chen)
    try story.acorn(
      ["report", "-C", "finance", "--lang", "zh-CN", "--out", root + "/report.zh-CN.html"],
      as: .chen)
    try story.acorn(
      ["export", "-C", "finance", "--format", "beancount", "--out", root + "/books.beancount"],
      as: .chen)
    try story.acorn(
      [
        "export", "-C", "finance", "--format", "kingdee", "--period", "2026-08", "--out",
        root + "/kingdee-2026-08.xlsx",
      ], as: .chen)
    // Ops' acknowledgement arrived on the remote meanwhile: finance pulls it in, then pushes.
    try story.acorn(["pull", "-C", "finance"], as: .chen)
    try story.acorn(["push", "-C", "finance"], as: .chen)

    story.heading("Where everything is")
    story.say(
      """
      \(root)/books, ops, finance   three workspaces (git repositories) sharing \(root)/remote.git
      \(root)/report.html           the report (open it in a browser); report.zh-CN.html in Chinese
      \(root)/books.beancount       the journal; bean-check it
      \(root)/kingdee-2026-08.xlsx  金蝶 vouchers up to August, recorded in finance/exports/kingdee/

      Next, try:
        acorn serve -C \(root)/ops --open     the ops workspace in a browser (docs/web.md)
        acorn status -C \(root)/finance
        acorn draft asn -C \(root)/ops PO --carrier UPSN   the next answer to Amazon (docs/outbound.md)
        acorn diff -C \(root)/finance HEAD~1 --markdown
        acorn query -C \(root)/finance "SELECT deduction_type, dsum(amount), currency FROM deductions GROUP BY 1, 3"
        acorn reconcile -C \(root)/finance --json | less
        acorn audit -C \(root)/finance --format md
      """)
  }

  /// A Vendor Central returns export for the sandbox vendor (also in examples/).
  static let returnsExport = """
    Request ID,Authorization ID,Request Date,Status,ASIN,Vendor SKU,Requested Quantity,Approved Quantity,Requested Refund,Approved Refund,Warehouse,Condition,Currency
    RUS2608A01,,08/04/2026,New,B03VAEWBGN,SBX01-US-101,4,,171.96,,TPA1,Sellable,USD
    RUS2608A02,AUTH-88120,08/11/2026,Approved,B04S4XM79E,SBX01-US-102,2,2,121.78,121.78,ONT8,Unsellable,USD
    RUS2608A02,AUTH-88120,08/11/2026,Approved,B04T5Z2M3K,SBX01-US-103,1,1,23.40,23.40,ONT8,Unsellable,USD
    RUS2608A03,,08/19/2026,New,B04T5Z2M3K,SBX01-US-103,6,,140.40,,SBD1,Sellable,USD

    """

  /// This program's own path, so every step runs the same acorn.
  static func executable() -> String {
    if let p = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
      return p
    }
    return URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
  }
}

struct DemoFailure: Error, CustomStringConvertible {
  var description: String
  init(_ d: String) { description = d }
}

/// The terminal story: headings, the commands as typed, their output.
struct Story {
  enum Person {
    case li, wang, chen

    var name: String {
      switch self {
      case .li: "Li Na (ops lead)"
      case .wang: "Wang Wei (ops)"
      case .chen: "Chen Jing (finance)"
      }
    }

    var email: String {
      switch self {
      case .li: "li.na@demo1.example"
      case .wang: "wang.wei@demo1.example"
      case .chen: "chen.jing@demo1.example"
      }
    }
  }

  let root: String
  let acorn: String

  func heading(_ text: String) {
    Terminal.out("\n" + Terminal.paint("== " + text, .bold))
  }

  func say(_ text: String) { Terminal.out(text) }

  @discardableResult
  func acorn(
    _ args: [String], as person: Person, allow: Set<Int32> = [0], tail: Int = 8, show: Bool = true
  ) throws -> String {
    try run(acorn, args, shown: "acorn", person: person, allow: allow, tail: tail, show: show)
  }

  func git(_ args: [String]) throws {
    _ = try run(
      "/usr/bin/env", ["git"] + args, shown: "", person: .li, allow: [0], tail: 4, show: true)
  }

  func run(
    _ program: String, _ args: [String], shown: String, person: Person, allow: Set<Int32>,
    tail: Int, show: Bool
  ) throws -> String {
    let display = ([shown.isEmpty ? nil : shown] + args.map { Optional(Self.quoted($0)) })
      .compactMap { $0 }.joined(separator: " ").replacingOccurrences(of: root + "/", with: "")
    if show {
      Terminal.out(
        Terminal.paint(
          "\(person.name.split(separator: " ").prefix(2).joined(separator: " ")) $ ", .dim)
          + display)
    }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: program)
    p.arguments = args
    p.currentDirectoryURL = URL(fileURLWithPath: root)
    var env = ProcessInfo.processInfo.environment
    env["ACORN_AUTHOR_NAME"] = person.name
    env["ACORN_AUTHOR_EMAIL"] = person.email
    env["GIT_AUTHOR_NAME"] = person.name
    env["GIT_AUTHOR_EMAIL"] = person.email
    env["GIT_COMMITTER_NAME"] = person.name
    env["GIT_COMMITTER_EMAIL"] = person.email
    // The sandbox accepts any credentials; a real vendor's live in a 0600 file or the environment.
    env["ACORN_LWA_CLIENT_ID"] = "demo-client"
    env["ACORN_LWA_CLIENT_SECRET"] = "demo-secret"
    env["ACORN_LWA_REFRESH_TOKEN"] = "Atzr|demo"
    env["NO_COLOR"] = "1"
    p.environment = env
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    try p.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    if show {
      let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        .map(String.init).filter { !$0.isEmpty }
      for l in lines.prefix(tail) {
        Terminal.out("    " + l.replacingOccurrences(of: root + "/", with: ""))
      }
      if lines.count > tail { Terminal.out("    … (\(lines.count - tail) more lines)") }
    }
    guard allow.contains(p.terminationStatus) else {
      throw DemoFailure(
        "step failed (exit \(p.terminationStatus)): \(display)\n\(text)")
    }
    return text
  }

  static func quoted(_ s: String) -> String {
    s.contains(where: { " '\"|*()".contains($0) }) ? "\"" + s + "\"" : s
  }
}
