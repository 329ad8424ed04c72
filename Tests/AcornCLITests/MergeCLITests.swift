import AcornModel
import Foundation
import Testing

/// Two teammates, one bare remote: concurrent edits, push, pull — through `acorn pull` and through
/// plain `git pull` with the merge driver — for every pair of refund states.
@Suite("Merging through acorn pull and plain git pull", .serialized)
struct MergeCLITests {
  static let refund: [String: [String]] = [
    "notified": ["authorized", "rejected"], "authorized": ["received", "written-off"],
    "received": ["credit-issued", "disputed", "written-off"],
    "disputed": ["credit-issued", "written-off"],
    "credit-issued": ["settled"],
  ]

  static func reachable(_ from: String, _ to: String) -> Bool {
    var stack = refund[from] ?? []
    var seen: Set<String> = []
    while let s = stack.popLast() {
      if s == to { return true }
      if seen.insert(s).inserted { stack += refund[s] ?? [] }
    }
    return false
  }

  /// Every (base, ours, theirs) where both sides made a legal change (or none) from base.
  static let rows: [(base: String, ours: String, theirs: String)] = {
    var out: [(String, String, String)] = []
    for base in refund.keys.sorted() {
      let options = [base] + allStates.filter { reachable(base, $0) }
      for o in options { for t in options { out.append((base, o, t)) } }
    }
    return out
  }()

  static let allStates = [
    "notified", "authorized", "rejected", "received", "disputed", "credit-issued", "settled",
    "written-off",
  ]

  static func expected(_ r: (base: String, ours: String, theirs: String)) -> (
    state: String, conflict: Bool
  ) {
    if r.ours == r.theirs { return (r.ours, false) }
    if r.ours == r.base { return (r.theirs, false) }
    if r.theirs == r.base { return (r.ours, false) }
    if reachable(r.ours, r.theirs) { return (r.theirs, false) }
    if reachable(r.theirs, r.ours) { return (r.ours, false) }
    return (r.base, true)
  }

  static func git(_ args: [String], in dir: String) throws -> (Int32, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["git"] + args
    process.currentDirectoryURL = URL(fileURLWithPath: dir)
    var env = ProcessInfo.processInfo.environment
    env["GIT_AUTHOR_NAME"] = "Plain Git"
    env["GIT_AUTHOR_EMAIL"] = "git@example.com"
    env["GIT_COMMITTER_NAME"] = "Plain Git"
    env["GIT_COMMITTER_EMAIL"] = "git@example.com"
    process.environment = env
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
  }

  static func returnPath(_ i: Int) -> String { "records/DE/return/2026-10/RET-DE-R-\(i).json" }

  static func setState(_ ws: String, _ i: Int, _ state: String) throws {
    let path = ws + "/" + returnPath(i)
    let text = try String(contentsOfFile: path, encoding: .utf8)
    let updated = text.replacingOccurrences(
      of: #""state": "[a-z-]+""#, with: "\"state\": \"\(state)\"", options: .regularExpression)
    try updated.write(toFile: path, atomically: true, encoding: .utf8)
  }

  static func records(_ ws: String) -> [String: Data] {
    var out: [String: Data] = [:]
    let walker = FileManager.default.enumerator(atPath: ws + "/records")
    while let rel = walker?.nextObject() as? String {
      if rel.hasSuffix(".json"),
        let d = FileManager.default.contents(atPath: ws + "/records/" + rel)
      {
        out[rel] = d
      }
    }
    return out
  }

  @Test(
    "a remote added as a relative path is read from the workspace, as git reads it, whatever folder acorn -C runs from; a clone from a relative path remembers it whole"
  )
  func relativeRemote() throws {
    let dir = Folder()
    let seed = try CLITests.populated(dir)
    #expect(try Self.git(["init", "-q", "--bare", dir.path + "/remote.git"], in: dir.path).0 == 0)
    // ../remote.git from the workspace (dir/populated…/..); acorn runs from elsewhere.
    let relative = "../remote.git"
    #expect(try Self.git(["remote", "add", "origin", relative], in: seed).0 == 0)
    // Two folders down: ../remote.git from there is a folder that does not exist.
    let elsewhere = dir.path + "/elsewhere/deeper"
    try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
    let pushed = try CLI.run(["push", "-C", seed, "origin", "main"], in: elsewhere)
    #expect(pushed.status == 0, "\(pushed.stderr)")
    #expect(
      try Self.git(["--git-dir", dir.path + "/remote.git", "rev-parse", "main"], in: dir.path).0
        == 0)
    let cloned = try CLI.run(["clone", "../../remote.git", "../../copy"], in: elsewhere)
    #expect(cloned.status == 0, "\(cloned.stderr)")
    #expect(
      try Self.git(["config", "remote.origin.url"], in: dir.path + "/copy").1
        .trimmingCharacters(in: .whitespacesAndNewlines)
        == URL(fileURLWithPath: dir.path + "/remote.git").standardizedFileURL.path)
    let pulled = try CLI.run(["pull", "-C", dir.path + "/copy"], in: elsewhere)
    #expect(pulled.status == 0, "\(pulled.stderr)")
  }

  @Test(
    "every row of the refund table, notes from both sides, the same bytes through plain git pull")
  func refundTable() throws {
    let dir = Folder()
    let seed = try CLITests.populated(dir)
    let template = try String(
      contentsOfFile: seed + "/records/DE/return/2026-10/RET-DE-R-DE-000123.json", encoding: .utf8)
    for (i, row) in Self.rows.enumerated() {
      let text = template.replacingOccurrences(of: "R-DE-000123", with: "R-\(i)")
        .replacingOccurrences(of: "\"state\": \"authorized\"", with: "\"state\": \"\(row.base)\"")
      try text.write(toFile: seed + "/" + Self.returnPath(i), atomically: true, encoding: .utf8)
    }
    #expect(try CLI.run(["commit", "-m", "returns in every state"], in: seed).status == 0)
    #expect(
      try Self.git(["clone", "-q", "--bare", seed, dir.path + "/remote.git"], in: dir.path).0 == 0)
    for name in ["a", "b"] {
      let cloned = try CLI.run(["clone", dir.path + "/remote.git", name], in: dir.path)
      #expect(cloned.status == 0, "\(cloned.stderr)")
    }
    let a = dir.path + "/a"
    let b = dir.path + "/b"
    for (i, row) in Self.rows.enumerated() {
      try Self.setState(a, i, row.ours)
      try Self.setState(b, i, row.theirs)
    }
    #expect(try CLI.run(["commit", "-m", "A's states"], in: a).status == 0)
    #expect(
      try CLI.run(["set", "RET-DE-R-DE-000123", "--note", "A: carrier picked up"], in: a).status
        == 0)
    #expect(try CLI.run(["push"], in: a).status == 0)
    #expect(try CLI.run(["commit", "-m", "B's states"], in: b).status == 0)
    #expect(
      try CLI.run(["set", "RET-DE-R-DE-000123", "--note", "B: warehouse confirms"], in: b).status
        == 0)
    // C: the same repository as B, merged by plain git with the acorn driver.
    #expect(try Self.git(["clone", "-q", b, dir.path + "/c"], in: dir.path).0 == 0)
    let c = dir.path + "/c"
    for (key, value) in [
      ("merge.acorn.driver", "\(CLI.binary) merge-driver %O %A %B %P"),
      ("diff.acorn.textconv", "\(CLI.binary) diff-driver"),
    ] {
      #expect(try Self.git(["config", key, value], in: c).0 == 0)
    }
    #expect(try Self.git(["remote", "set-url", "origin", dir.path + "/remote.git"], in: c).0 == 0)

    let pulled = try CLI.run(["pull"], in: b)
    let conflictRows = Self.rows.filter { Self.expected($0).conflict }
    #expect(pulled.status == (conflictRows.isEmpty ? 0 : 1), "\(pulled.stdout)\(pulled.stderr)")
    let plain = try Self.git(["pull", "--no-rebase", "--no-edit", "origin", "main"], in: c)
    #expect(plain.0 == (conflictRows.isEmpty ? 0 : 1), "\(plain.1)")

    // Every row merged by the rule; conflicts keep the base state and are listed.
    let listed =
      try JSONParser.parse(try CLI.run(["conflicts", "--json"], in: b).stdout)["conflicts"]?
      .arrayValue ?? []
    for (i, row) in Self.rows.enumerated() {
      let record = try JSONParser.parse(
        try String(contentsOfFile: b + "/" + Self.returnPath(i), encoding: .utf8))
      let (state, conflict) = Self.expected(row)
      #expect(record["workflow"]?["state"] == .string(state), "row \(row)")
      let flagged = listed.contains {
        $0["id"] == .string("RET-DE-R-\(i)") && $0["field"] == .string("workflow.state")
      }
      #expect(flagged == conflict, "row \(row)")
    }
    // Notes from both sides, in time order.
    let notes =
      try JSONParser.parse(
        try String(
          contentsOfFile: b + "/records/DE/return/2026-10/RET-DE-R-DE-000123.json", encoding: .utf8)
      )["workflow"]?["notes"]?.arrayValue ?? []
    #expect(
      Set(notes.compactMap { $0["text"]?.stringValue }) == [
        "A: carrier picked up", "B: warehouse confirms",
      ])
    // Plain git with the driver produced the same bytes.
    #expect(Self.records(b) == Self.records(c))

    // Finance settles the conflicts; the merge is concluded and validates clean.
    #expect(try CLI.run(["validate"], in: b).status == 1)
    for i in Set(listed.compactMap { $0["id"]?.stringValue }) {
      let resolved = try CLI.run(["resolve", i, "--field", "workflow.state", "--theirs"], in: b)
      #expect(resolved.status == 0, "\(resolved.stderr)")
    }
    #expect(try CLI.run(["conflicts"], in: b).status == 0)
    let concluded = try CLI.run(["commit", "-m", "Merge origin/main, conflicts settled"], in: b)
    #expect(concluded.status == 0, "\(concluded.stderr)")
    #expect(try Self.git(["log", "-1", "--format=%P"], in: b).1.split(separator: " ").count == 2)
    #expect(try CLI.run(["validate"], in: b).status == 0)
    #expect(try Self.git(["status", "--porcelain"], in: b).1 == "")
    #expect(try Self.git(["fsck", "--full"], in: b).0 == 0)
    #expect(try CLI.run(["push"], in: b).status == 0)
    #expect(try CLI.run(["pull"], in: a).status == 0)
    #expect(Self.records(a) == Self.records(b))
  }

  @Test(
    "--allow-conflicts commits them; validate fails on main until resolved; doctor finds a clone without drivers"
  )
  func allowConflicts() throws {
    let dir = Folder()
    let ws = try CLITests.populated(dir)
    #expect(try CLI.run(["commit", "-m", "fixtures"], in: ws).status == 0)
    _ = try Self.git(["branch", "finance"], in: ws)
    #expect(
      try CLI.run(["set", "DED-US-INV-2019-0815SC", "workflow.assignee=a@example.com"], in: ws)
        .status == 0)
    _ = try Self.git(["checkout", "-q", "finance"], in: ws)
    #expect(
      try CLI.run(["set", "DED-US-INV-2019-0815SC", "workflow.assignee=b@example.com"], in: ws)
        .status == 0)
    _ = try Self.git(["checkout", "-q", "main"], in: ws)
    let merged = try CLI.run(["merge", "finance", "--allow-conflicts"], in: ws)
    #expect(merged.status == 1)
    #expect(try Self.git(["status", "--porcelain"], in: ws).1 == "")
    let validate = try CLI.run(["validate", "--json"], in: ws)
    #expect(validate.status == 1)
    #expect(validate.stdout.contains("conflict.open"))
    let resolved = try CLI.run(
      [
        "resolve", "DED-US-INV-2019-0815SC", "--field", "workflow.assignee", "--set",
        "c@example.com",
      ], in: ws)
    #expect(resolved.status == 0, "\(resolved.stderr)")
    #expect(try CLI.run(["validate"], in: ws).status == 0)
    #expect(
      try CLI.run(["show", "DED-US-INV-2019-0815SC", "--json"], in: ws).stdout.contains(
        "\"assignee\": \"c@example.com\""))

    // doctor: a plain clone has no drivers configured.
    #expect(try Self.git(["clone", "-q", ws, dir.path + "/plain"], in: dir.path).0 == 0)
    let doctor = try CLI.run(["doctor"], in: dir.path + "/plain")
    #expect(doctor.status == 1)
    #expect(doctor.stdout.contains("merge.acorn.driver is not set"))
    #expect(doctor.stdout.contains("fix: acorn doctor --fix"))
    #expect(try CLI.run(["doctor", "--fix"], in: dir.path + "/plain").status == 0)
    #expect(try CLI.run(["doctor"], in: dir.path + "/plain").status == 0)  // builds the index
    let healthy = try CLI.run(["doctor"], in: dir.path + "/plain")
    #expect(healthy.status == 0)
    // The index already up to date: its records counted for the report all the same.
    let records = try CLI.run(["query", "SELECT count(*) AS n FROM records", "--json"], in: ws)
    let n = try JSONParser.parse(Array(records.stdout.utf8)).value["rows"]?.arrayValue?.first?
      .arrayValue?.first?.intValue
    #expect(healthy.stdout.contains("index up-to-date (\(n ?? -1) records)"), "\(healthy.stdout)")
  }
}
