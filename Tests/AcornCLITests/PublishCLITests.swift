import AcornModel
import Foundation
import Testing

/// A real PostgreSQL server in a temporary data directory on a free loopback port, stopped when
/// the value goes away (Debian's `postgresql`; as root, run as the `postgres` user).
final class TemporaryPostgres {
  static let bin: String? = {
    let base = "/usr/lib/postgresql"
    let versions = (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []
    return versions.sorted { (Int($0) ?? 0) < (Int($1) ?? 0) }.last.map { "\(base)/\($0)/bin" }
      .flatMap { FileManager.default.fileExists(atPath: $0 + "/initdb") ? $0 : nil }
  }()

  let dir: String
  let port: Int
  var url: String { "postgresql://postgres@127.0.0.1:\(port)/postgres" }

  init() throws {
    dir = NSTemporaryDirectory() + "acorn-pg-" + UUID().uuidString
    port = Self.freePort()
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let bin = try #require(Self.bin)
    let asPostgres = getuid() == 0 ? "runuser -u postgres -- " : ""
    if getuid() == 0 { _ = try Tools.run(["chown", "postgres", dir]) }
    let (i, initLog) = try Tools.run([
      "sh", "-c",
      "\(asPostgres)\(bin)/initdb -D '\(dir)/data' -U postgres --auth=trust -E UTF8 --no-sync",
    ])
    #expect(i == 0, "\(initLog)")
    // The server keeps running after pg_ctl returns: nothing of ours may be its stdout or
    // stderr (a pipe would never reach end of file), so it writes to files only.
    let status = Self.quiet(
      "\(asPostgres)\(bin)/pg_ctl -D '\(dir)/data' -l '\(dir)/log' -w -t 60 -o \"-p \(port) -k '\(dir)' -c listen_addresses=127.0.0.1 -c fsync=off\" start > '\(dir)/pg_ctl.out' 2>&1 < /dev/null"
    )
    #expect(
      status == 0, "\((try? String(contentsOfFile: dir + "/pg_ctl.out", encoding: .utf8)) ?? "")")
  }

  /// Runs a shell command with no pipes attached, through posix_spawn and waitpid (Foundation's
  /// Process does not reap a shell whose child daemonizes, as pg_ctl's server does); its status.
  static func quiet(_ script: String) -> Int32 {
    var pid: pid_t = 0
    let args = ["/bin/sh", "-c", script]
    var argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
    defer { for a in argv { free(a) } }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    for fd: Int32 in [0, 1, 2] {
      posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0)
    }
    guard posix_spawn(&pid, "/bin/sh", &actions, nil, &argv, environ) == 0 else { return -1 }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
    return (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1
  }

  deinit {
    guard let bin = Self.bin else { return }
    let asPostgres = getuid() == 0 ? "runuser -u postgres -- " : ""
    _ = try? Tools.run([
      "sh", "-c", "\(asPostgres)\(bin)/pg_ctl -D '\(dir)/data' -m immediate stop",
    ])
    try? FileManager.default.removeItem(atPath: dir)
  }

  static func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &addr) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) }
    }
    _ = withUnsafeMutablePointer(to: &addr) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
    }
    return Int(UInt16(bigEndian: addr.sin_port))
  }

  /// One value from psql.
  func scalar(_ sql: String) throws -> String {
    let (status, out) = try Tools.run(["psql", url, "-At", "-c", sql])
    #expect(status == 0, "\(sql): \(out)")
    return out.trimmingCharacters(in: .whitespacesAndNewlines)
  }
}

@Suite(
  "acorn publish --postgres", .serialized,
  .enabled(if: TemporaryPostgres.bin != nil && Tools.has("psql"), "needs Debian's postgresql"))
struct PublishCLITests {
  static func count(_ ws: String, _ table: String) throws -> String {
    let r = try CLI.run(["query", "SELECT count(*) FROM \(table)", "--csv"], in: ws)
    return r.stdout.split(whereSeparator: \.isNewline).last.map(String.init)?
      .trimmingCharacters(in: .whitespaces) ?? ""
  }

  @Test(
    "full, then incremental after a sync and after a merge, then up to date; the published ledger equals acorn reconcile to the cent; two workspaces side by side; a rewound branch refused unless --full; uncommitted changes refused",
    .timeLimit(.minutes(5)))
  func publish() throws {
    let pg = try TemporaryPostgres()
    let dir = Folder()
    let ws = try HardeningCLITests.synced(dir, until: "2026-07-31")
    let first = try CLI.run(["publish", "--postgres", pg.url, "--json"], in: ws)
    #expect(first.status == 0, "\(first.stderr)")
    let doc = try JSONParser.parse(Array(first.stdout.utf8)).value
    #expect(doc["mode"] == .string("full"))
    #expect(
      try pg.scalar("SELECT count(*) FROM acorn.invoices WHERE workspace = 'ws'")
        == Self.count(ws, "invoices"))
    #expect(
      try pg.scalar("SELECT count(*) FROM acorn.remittance_lines")
        == Self.count(ws, "remittance_lines"))
    #expect(try pg.scalar("SELECT count(*) FROM acorn.records") == Self.count(ws, "records"))
    // Money is numeric and exact: the published ledger equals the reconciler's, per currency.
    let rec = try CLI.run(["reconcile", "--json", "--no-commit"], in: ws)
    let ledgers = try JSONParser.parse(Array(rec.stdout.utf8)).value["invoices"]?.arrayValue ?? []
    var open = DecimalNumber.zero
    for l in ledgers { open = try open + DecimalNumber(parsing: l["open"]?.stringValue ?? "0") }
    let published = try DecimalNumber(
      parsing: pg.scalar("SELECT coalesce(sum(open), 0) FROM acorn.invoice_ledger"))
    #expect(published == open)
    #expect(
      try pg.scalar(
        "SELECT data_type FROM information_schema.columns WHERE table_schema = 'acorn' AND table_name = 'invoices' AND column_name = 'total'"
      ) == "numeric")
    _ = try HistoryCLITests.gitRun(["checkout", "--", "."], in: ws)
    _ = try HistoryCLITests.gitRun(["clean", "-fdq", "reconciliation"], in: ws)

    // A sync adds a month: only what changed is sent.
    let before = try HardeningCLITests.head(ws).trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(try CLI.run(["sync", "--until", "2026-08-31"], in: ws).status == 0)
    let changed = try HistoryCLITests.gitRun(
      ["diff", "--name-only", before, "HEAD", "--", "records"], in: ws
    )
    .split(whereSeparator: \.isNewline).count
    let second = try CLI.run(["publish", "--postgres", pg.url, "--json"], in: ws)
    let doc2 = try JSONParser.parse(Array(second.stdout.utf8)).value
    #expect(doc2["mode"] == .string("incremental"), "\(second.stderr)")
    #expect(doc2["changedPaths"] == .number(DecimalNumber(changed)))
    #expect(
      try pg.scalar("SELECT count(*) FROM acorn.invoices WHERE workspace = 'ws'")
        == Self.count(ws, "invoices"))
    #expect(
      try pg.scalar("SELECT \"commit\" FROM acorn.acorn_workspaces WHERE workspace = 'ws'")
        == HardeningCLITests.head(ws).trimmingCharacters(in: .whitespacesAndNewlines))
    let third = try CLI.run(["publish", "--postgres", pg.url], in: ws)
    #expect(third.stdout.contains("nothing to do"))

    // A teammate's branch merged: the merge commit's changes are published, workflow included.
    _ = try HistoryCLITests.gitRun(["branch", "teammate"], in: ws)
    let ids = try CLI.run(
      ["query", "SELECT id FROM invoices ORDER BY id LIMIT 2", "--csv"], in: ws
    )
    .stdout.split(whereSeparator: \.isNewline).dropFirst().map {
      $0.trimmingCharacters(in: .whitespaces)
    }
    try #require(ids.count == 2)
    let setOurs = try CLI.run(["set", ids[0], "workflow.assignee=li@example.com"], in: ws)
    #expect(setOurs.status == 0, "\(setOurs.stdout)\(setOurs.stderr)")
    _ = try HistoryCLITests.gitRun(["checkout", "-q", "teammate"], in: ws)
    #expect(
      try CLI.run(["set", ids[1], "workflow.assignee=wang@example.com"], in: ws).status
        == 0)
    _ = try HistoryCLITests.gitRun(["checkout", "-q", "main"], in: ws)
    let merged = try CLI.run(["merge", "teammate"], in: ws)
    #expect(merged.status == 0, "\(merged.stderr)")
    let afterMerge = try CLI.run(["publish", "--postgres", pg.url, "--json"], in: ws)
    let doc3 = try JSONParser.parse(Array(afterMerge.stdout.utf8)).value
    #expect(doc3["mode"] == .string("incremental"), "\(afterMerge.stderr)")
    #expect(doc3["changedPaths"] == .number(DecimalNumber(2)))
    #expect(
      try pg.scalar(
        "SELECT string_agg(json->'workflow'->>'assignee', ',' ORDER BY id) FROM acorn.records WHERE workspace = 'ws' AND id IN ('\(ids[0])', '\(ids[1])')"
      ) == "li@example.com,wang@example.com")

    // A second workspace publishes beside the first.
    let other = try CLI.run(["publish", "--postgres", pg.url, "--name", "second"], in: ws)
    #expect(other.status == 0, "\(other.stderr)")
    #expect(try pg.scalar("SELECT count(DISTINCT workspace) FROM acorn.invoices") == "2")
    #expect(
      try pg.scalar("SELECT count(*) FROM acorn.invoices WHERE workspace = 'second'")
        == Self.count(ws, "invoices"))

    // Rewound: the published commit is no longer an ancestor of HEAD.
    _ = try HistoryCLITests.gitRun(["reset", "-q", "--hard", before], in: ws)
    let rewound = try CLI.run(["publish", "--postgres", pg.url], in: ws)
    #expect(rewound.status == 1)
    #expect(rewound.stderr.contains("publish.rewound"))
    #expect(
      try pg.scalar("SELECT \"commit\" FROM acorn.acorn_workspaces WHERE workspace = 'ws'")
        != before)
    let full = try CLI.run(["publish", "--postgres", pg.url, "--full"], in: ws)
    #expect(full.status == 0, "\(full.stderr)")
    #expect(
      try pg.scalar("SELECT count(*) FROM acorn.invoices WHERE workspace = 'ws'")
        == Self.count(ws, "invoices"))
    // Views a BI user starts from, with Chinese comments.
    #expect(try pg.scalar("SELECT count(*) FROM acorn.open_receivables_by_age") != "0")
    #expect(
      try pg.scalar("SELECT obj_description('acorn.refund_pipeline'::regclass)").contains("退款"))
    // Uncommitted record edits are not published.
    let rec2 = try CLI.run(
      ["set", "--no-commit", ids[0], "workflow.assignee=ops@example.com"], in: ws)
    #expect(rec2.status == 0, "\(rec2.stderr)")
    let dirty = try CLI.run(["publish", "--postgres", pg.url, "--full"], in: ws)
    #expect(dirty.status == 2)
    #expect(dirty.stderr.contains("publish.uncommitted"))
    // HEAD is published already: nothing to do, and the uncommitted edit stays out.
    let same = try CLI.run(["publish", "--postgres", pg.url], in: ws)
    #expect(same.status == 0, "\(same.stderr)")
    #expect(same.stdout.contains("nothing to do"))
    #expect(
      try pg.scalar(
        "SELECT coalesce(json->'workflow'->>'assignee', '') FROM acorn.records WHERE workspace = 'ws' AND id = '\(ids[0])'"
      ) != "ops@example.com")
    _ = try HistoryCLITests.gitRun(["checkout", "--", "."], in: ws)
    // What COPY's text format escapes (backslash, tab, newline, carriage return) arrives intact:
    // a note written into the record file and committed.
    let odd = "tab\there, back\\slash, CR\r and\nnewline — 备注"
    let path = try #require(
      CLI.run(["query", "SELECT path FROM records WHERE id = '\(ids[0])'", "--csv"], in: ws)
        .stdout.split(whereSeparator: \.isNewline).last.map(String.init))
    var text = try String(contentsOfFile: ws + "/" + path, encoding: .utf8)
    let workflow = try #require(text.range(of: "\"workflow\": {"))
    let empty = text[workflow.upperBound...].first { !$0.isWhitespace } == "}"
    text.insert(
      contentsOf:
        #""notes": [{"at": "2026-08-01T00:00:00Z", "author": "li@example.com", "text": "tab\there, back\\slash, CR\r and\nnewline — 备注"}]"#
        + (empty ? "" : ", "),
      at: workflow.upperBound)
    try text.write(toFile: ws + "/" + path, atomically: true, encoding: .utf8)
    let committed = try CLI.run(["commit", "-m", "a note"], in: ws)
    #expect(committed.status == 0, "\(committed.stdout)\(committed.stderr)")
    let noted = try CLI.run(["publish", "--postgres", pg.url], in: ws)
    #expect(noted.status == 0, "\(noted.stderr)")
    #expect(
      try pg.scalar(
        "SELECT json->'workflow'->'notes'->0->>'text' = '\(odd)' FROM acorn.records WHERE workspace = 'ws' AND id = '\(ids[0])'"
      ) == "t")
    let bad = try CLI.run(
      ["publish", "--postgres", "postgresql://postgres@127.0.0.1:9/none"], in: ws)
    #expect(bad.status == 2)
    #expect(bad.stderr.contains("publish.connect"))
  }

  /// Every row of a published table, in one text (the schema's name is not in it).
  static func dump(_ pg: TemporaryPostgres, _ schema: String, _ table: String) throws -> String {
    try pg.scalar(
      "SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) || ' ' || count(*) FROM \(schema).\(table) x"
    )
  }

  /// Publishes the workspace's HEAD in full into `schema` and expects every table of `acorn`
  /// (more than ten) to hold exactly its rows.
  static func expectEqualsFull(
    _ pg: TemporaryPostgres, _ ws: String, schema: String, _ what: String
  ) throws {
    let full = try CLI.run(["publish", "--postgres", pg.url, "--schema", schema, "--full"], in: ws)
    #expect(full.status == 0, "\(what): \(full.stderr)")
    let tables = try pg.scalar(
      "SELECT string_agg(table_name, ',') FROM information_schema.tables WHERE table_schema = 'acorn' AND table_type = 'BASE TABLE' AND table_name NOT LIKE 'acorn_%'"
    ).split(separator: ",").map(String.init)
    #expect(tables.count > 10)
    for t in tables {
      #expect(try dump(pg, "acorn", t) == dump(pg, schema, t), "\(what): \(t)")
    }
  }

  @Test(
    "a schema published by version 1 is migrated; an incremental publish sends only the derived rows that changed and leaves every table as a full publish of the same commit writes it",
    .timeLimit(.minutes(5)))
  func derivedRowsIncremental() throws {
    let pg = try TemporaryPostgres()
    let dir = Folder()
    let ws = try HardeningCLITests.synced(dir, until: "2026-07-31")
    let first = try CLI.run(["publish", "--postgres", pg.url], in: ws)
    #expect(first.status == 0, "\(first.stderr)")
    // What version 1 published: the derived tables without their row fingerprints.
    let derived = ["invoice_ledger", "deduction_assessments", "return_credits", "alerts"]
    for t in derived { _ = try pg.scalar("ALTER TABLE acorn.\(t) DROP COLUMN row_hash") }
    _ = try pg.scalar("UPDATE acorn.acorn_meta SET value = '1' WHERE key = 'schemaVersion'")
    #expect(try CLI.run(["sync", "--until", "2026-08-31"], in: ws).status == 0)
    let migrated = try CLI.run(["publish", "--postgres", pg.url, "--json"], in: ws)
    #expect(migrated.status == 0, "\(migrated.stderr)")
    #expect(
      try JSONParser.parse(Array(migrated.stdout.utf8)).value["mode"] == .string("incremental"))
    #expect(try pg.scalar("SELECT value FROM acorn.acorn_meta WHERE key = 'schemaVersion'") == "4")
    for t in derived {
      #expect(
        try pg.scalar("SELECT count(*) FROM acorn.\(t) WHERE row_hash IS NULL") == "0", "\(t)")
    }

    // Another month: payments settle some invoices, new ones arrive, the rest stay as they were.
    // The schema is current, so no DDL runs: the views' definitions are not rewritten (which
    // would lock them against readers until the publish commits).
    let view = "SELECT xmin::text FROM pg_rewrite WHERE ev_class = 'acorn.cash_by_month'::regclass"
    let defined = try pg.scalar(view)
    #expect(try CLI.run(["sync", "--until", "2026-09-30"], in: ws).status == 0)
    let next = try CLI.run(["publish", "--postgres", pg.url, "--json"], in: ws)
    #expect(next.status == 0, "\(next.stderr)")
    #expect(try pg.scalar(view) == defined)
    let doc = try JSONParser.parse(Array(next.stdout.utf8)).value
    #expect(doc["mode"] == .string("incremental"))
    let sent = doc["rows"]?["invoice_ledger"]?.intValue ?? -1
    let total = Int(try pg.scalar("SELECT count(*) FROM acorn.invoice_ledger")) ?? 0
    #expect(sent > 0 && sent < total, "sent \(sent) of \(total) ledger rows")

    // Every table equals a full publish of the same commit into another schema.
    try Self.expectEqualsFull(pg, ws, schema: "fresh", "after a sync")

    // A view or a table's index dropped is restored by the next publish, even with nothing new.
    _ = try pg.scalar("DROP VIEW acorn.cash_by_month")
    _ = try pg.scalar("DROP INDEX acorn.invoices_workspace_path")
    let again = try CLI.run(["publish", "--postgres", pg.url, "--json"], in: ws)
    #expect(again.status == 0, "\(again.stderr)")
    #expect(
      try JSONParser.parse(Array(again.stdout.utf8)).value["mode"] == .string("up-to-date"))
    #expect(try pg.scalar("SELECT to_regclass('acorn.cash_by_month') IS NOT NULL") == "t")
    #expect(try pg.scalar("SELECT to_regclass('acorn.invoices_workspace_path') IS NOT NULL") == "t")
  }

  @Test(
    "an incremental publish leaves the derived tables alone only when nothing they are computed from changed — an assignee no, a deduction's state, the rules or a sync yes — and every table equals a full publish each time",
    .timeLimit(.minutes(5)))
  func derivedSkippedOnlyWhenUnchanged() throws {
    let pg = try TemporaryPostgres()
    let dir = Folder()
    let ws = try HardeningCLITests.synced(dir, until: "2026-07-31")
    var fresh = 0
    /// Publishes incrementally; whether the derived tables were recomputed. Then compares every
    /// table with a full publish of the same commit into a schema of its own.
    func publish(_ what: String) throws -> Bool? {
      let out = try CLI.run(["publish", "--postgres", pg.url, "--json"], in: ws)
      #expect(out.status == 0, "\(what): \(out.stderr)")
      let doc = try JSONParser.parse(Array(out.stdout.utf8)).value
      fresh += 1
      try Self.expectEqualsFull(pg, ws, schema: "fresh\(fresh)", what)
      if case .bool(let b) = doc["derivedRecomputed"] { return b }
      return nil
    }
    #expect(try publish("first") == true)
    func first(_ sql: String) throws -> String {
      try #require(
        CLI.run(["query", sql, "--csv"], in: ws).stdout.split(whereSeparator: \.isNewline)
          .dropFirst().first.map { $0.trimmingCharacters(in: .whitespaces) })
    }

    // An assignee: nothing the reconciler or the alert engine reads. The changed file is read
    // from git, so an uncommitted edit of another one is left out (not refused).
    let invoice = try first("SELECT id FROM invoices ORDER BY id LIMIT 1")
    let other = try first("SELECT id FROM invoices ORDER BY id DESC LIMIT 1")
    #expect(try CLI.run(["set", invoice, "workflow.assignee=li@example.com"], in: ws).status == 0)
    #expect(
      try CLI.run(["set", "--no-commit", other, "workflow.assignee=wang@example.com"], in: ws)
        .status == 0)
    let skipped = try CLI.run(["publish", "--postgres", pg.url, "--json"], in: ws)
    #expect(skipped.status == 0, "\(skipped.stderr)")
    let skippedDoc = try JSONParser.parse(Array(skipped.stdout.utf8)).value
    #expect(skippedDoc["derivedRecomputed"] == .bool(false))
    #expect(skippedDoc["changedPaths"] == .number(DecimalNumber(1)))
    #expect(
      try pg.scalar(
        "SELECT coalesce(json->'workflow'->>'assignee', '') FROM acorn.records WHERE id = '\(other)'"
      ) != "wang@example.com")
    _ = try HistoryCLITests.gitRun(["checkout", "--", "."], in: ws)
    #expect(try publish("assignee, published again") == false)
    #expect(
      try pg.scalar(
        "SELECT json->'workflow'->>'assignee' FROM acorn.records WHERE id = '\(invoice)'")
        == "li@example.com")

    // A deduction's workflow state: the assessment carries it.
    let deduction = try first("SELECT id FROM deductions ORDER BY id LIMIT 1")
    let moved = try CLI.run(["set", deduction, "workflow.state=in-review"], in: ws)
    #expect(moved.status == 0, "\(moved.stdout)\(moved.stderr)")
    #expect(try publish("deduction state") == true)
    #expect(
      try pg.scalar(
        "SELECT state FROM acorn.deduction_assessments WHERE deduction_id = '\(deduction)'")
        == "in-review")

    // The rules alone (no record file changed): the credit-note window.
    let rules = ws + "/rules/reconcile.yaml"
    let text = try String(contentsOfFile: rules, encoding: .utf8)
    try text.replacingOccurrences(of: "creditNoteDays: 30", with: "creditNoteDays: 12")
      .write(toFile: rules, atomically: true, encoding: .utf8)
    _ = try HistoryCLITests.gitRun(["commit", "-qam", "a shorter credit-note window"], in: ws)
    #expect(try publish("rules") == true)

    // A deduction's file removed: its rows leave its kind's tables.
    let gone = try first("SELECT path FROM deductions ORDER BY path DESC LIMIT 1")
    _ = try HistoryCLITests.gitRun(["rm", "-q", gone], in: ws)
    _ = try HistoryCLITests.gitRun(["commit", "-qm", "a deduction removed"], in: ws)
    #expect(try publish("file removed") == true)
    #expect(try pg.scalar("SELECT count(*) FROM acorn.deductions WHERE path = '\(gone)'") == "0")

    // A sync: new documents and payments.
    #expect(try CLI.run(["sync", "--until", "2026-08-31"], in: ws).status == 0)
    #expect(try publish("sync") == true)
  }

  @Test(
    "an incremental publish whose changes the reconciliation reads recomputes the derived rows of the records linked to them, from the records linked to those, and every table equals a full publish each time — unless the as-of day moves or an aggregate over a marketplace changes",
    .timeLimit(.minutes(5)))
  func derivedLinked() throws {
    let pg = try TemporaryPostgres()
    let dir = Folder()
    let ws = try HardeningCLITests.synced(dir, until: "2026-07-31")
    let first = try CLI.run(["publish", "--postgres", pg.url], in: ws)
    #expect(first.status == 0, "\(first.stderr)")
    let records = Int(try Self.count(ws, "records")) ?? 0
    var fresh = 0
    func one(_ sql: String) throws -> String {
      try #require(
        CLI.run(["query", sql, "--csv"], in: ws).stdout.split(whereSeparator: \.isNewline)
          .dropFirst().first.map { $0.trimmingCharacters(in: .whitespaces) })
    }
    /// Changes one record file's field (a JSON path, `acorn set`'s syntax) and commits it
    /// with git, as a teammate's tool would; nil removes the file.
    func change(_ path: String, _ field: String?, _ value: JSONValue?) throws {
      let file = ws + "/" + path
      if let field {
        let doc = try JSONParser.parse(
          Array(try String(contentsOfFile: file, encoding: .utf8).utf8))
        let changed = try #require(FieldPath(field)?.setting(value, in: doc.value), "\(field)")
        try String(decoding: CanonicalJSON.bytes(changed), as: UTF8.self).write(
          toFile: file, atomically: true, encoding: .utf8)
      } else {
        try FileManager.default.removeItem(atPath: file)
      }
      _ = try HistoryCLITests.gitRun(["add", "-A"], in: ws)
      _ = try HistoryCLITests.gitRun(["commit", "-q", "--no-verify", "-m", "change"], in: ws)
    }
    /// Publishes incrementally: how the derived tables were brought up to date and from how
    /// many records; then every table against a full publish into a schema of its own.
    func publish(_ what: String) throws -> (String, Int?) {
      let out = try CLI.run(["publish", "--postgres", pg.url, "--json"], in: ws)
      #expect(out.status == 0, "\(what): \(out.stderr)")
      let doc = try JSONParser.parse(Array(out.stdout.utf8)).value
      fresh += 1
      try Self.expectEqualsFull(pg, ws, schema: "fresh\(fresh)", what)
      return (doc["derived"]?.stringValue ?? "", doc["derivedFrom"]?.intValue)
    }
    func expectLinked(_ what: String) throws {
      let (derived, from) = try publish(what)
      #expect(derived == "linked", "\(what)")
      #expect((from ?? records) < records, "\(what): read \(from ?? -1) of \(records) records")
    }

    // An invoice's amount: its ledger row, from the few records linked to it.
    let invoice = try one("SELECT path FROM invoices ORDER BY path LIMIT 1")
    let invoiceID = try one("SELECT id FROM invoices ORDER BY path LIMIT 1")
    let total = try one("SELECT total FROM invoices ORDER BY path LIMIT 1")
    let raised = (try DecimalNumber(parsing: total) + DecimalNumber(parsing: "100")).formatted()
    try change(invoice, "source.totalAmount.amount", .string(raised))
    try expectLinked("an invoice's amount")
    #expect(
      try pg.scalar("SELECT invoiced FROM acorn.invoice_ledger WHERE invoice_id = '\(invoiceID)'")
        == raised)
    // A payment line's amount (the payment delay reads its day and invoice numbers only).
    let remittance = try one("SELECT path FROM remittances ORDER BY path LIMIT 1")
    try change(remittance, "source.lines[0].amountPaid.amount", .string("1.23"))
    try expectLinked("a payment line's amount")
    // A shortage claim's amount: its assessment and its purchase order's shortage rate.
    let claim = try one(
      "SELECT path FROM deductions WHERE deduction_type LIKE 'shortage-claim%' ORDER BY path LIMIT 1"
    )
    try change(claim, "source.amount.amount", .string("-77.70"))
    try expectLinked("a claim's amount")
    // A person links a return to a credit note; then a credit note is removed.
    let ret = try one("SELECT path FROM returns ORDER BY path LIMIT 1")
    let note = try one("SELECT id FROM credit_notes ORDER BY path DESC LIMIT 1")
    try change(ret, "workflow.creditNoteIds", .array([.string(note)]))
    try expectLinked("a return linked to a credit note")
    // What the index lacks of the commit published is kept for the next publish; without it,
    // the files changed since the index's commit are found by walking both trees.
    let overlay = ws + "/.acorn/publish-overlay.json"
    #expect(FileManager.default.fileExists(atPath: overlay))
    try FileManager.default.removeItem(atPath: overlay)
    try change(try one("SELECT path FROM credit_notes ORDER BY path LIMIT 1"), nil, nil)
    try expectLinked("a credit note removed")

    // Units received on a PO line: the return rate per ASIN reads every PO with that ASIN.
    let received = try one(
      "SELECT r.path FROM po_lines l JOIN purchase_orders r ON r.path = l.path WHERE l.received > 0 AND l.asin IS NOT NULL ORDER BY r.path LIMIT 1"
    )
    try change(received, "source.lines[0].quantities.received", .number(DecimalNumber(0)))
    #expect(try publish("units received").0 == "all")
    // An invoice dated after every other record: the day the results are as of moves.
    try change(invoice, "source.invoiceDate", .string("2026-12-31"))
    #expect(try publish("a later day").0 == "all")
    // Back to an earlier day: the latest day recedes, so everything again.
    try change(invoice, "source.invoiceDate", .string("2026-05-02"))
    #expect(try publish("the latest day gone").0 == "all")
  }

  /// Starts a program with no pipes attached (it is killed or stopped by the test).
  static func launch(_ path: String, _ args: [String], in dir: String) throws -> Process {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = args
    p.currentDirectoryURL = URL(fileURLWithPath: dir)
    var env = ProcessInfo.processInfo.environment
    env["ACORN_AUTHOR_NAME"] = "Publish"
    env["ACORN_AUTHOR_EMAIL"] = "publish@example.com"
    p.environment = env
    p.standardInput = FileHandle.nullDevice
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    try p.run()
    return p
  }

  /// Polls until `condition` holds (at most 30 s).
  static func waitFor(_ what: String, _ condition: () throws -> Bool) throws {
    for _ in 0..<300 {
      if try condition() { return }
      usleep(100_000)
    }
    Issue.record("timed out waiting for \(what)")
  }

  @Test(
    "a publish killed inside its transaction (held at a lock, its first tables already rewritten) leaves the previous publish intact; the next one completes",
    .timeLimit(.minutes(3)))
  func killedPublish() throws {
    let pg = try TemporaryPostgres()
    let dir = Folder()
    let ws = try HardeningCLITests.synced(dir, until: "2026-07-31")
    #expect(try CLI.run(["publish", "--postgres", pg.url], in: ws).status == 0)
    let commitA = try pg.scalar("SELECT \"commit\" FROM acorn.acorn_workspaces")
    let recordsA = try pg.scalar("SELECT count(*) FROM acorn.records")
    let ledgerA = try pg.scalar("SELECT sum(open) FROM acorn.invoice_ledger")
    #expect(try CLI.run(["sync", "--until", "2026-08-31"], in: ws).status == 0)
    #expect(try Self.count(ws, "records") != recordsA)

    // Another session holds a lock the publish will need after rewriting its first tables.
    let psql = try #require(
      ["/usr/bin/psql", "/usr/local/bin/psql"].first { FileManager.default.fileExists(atPath: $0) })
    let locker = try Self.launch(
      psql,
      [
        pg.url, "-c",
        "BEGIN; LOCK TABLE acorn.invoices IN SHARE MODE; SELECT pg_sleep(60);",
      ],
      in: dir.path)
    defer { if locker.isRunning { locker.terminate() } }
    try Self.waitFor("the lock") {
      try pg.scalar(
        "SELECT count(*) FROM pg_locks WHERE relation = 'acorn.invoices'::regclass AND mode = 'ShareLock' AND granted"
      ) == "1"
    }
    let publish = try Self.launch(CLI.binary, ["publish", "--postgres", pg.url], in: ws)
    // The publish is inside its transaction, waiting: records, links and the tables before
    // invoices are already rewritten there.
    try Self.waitFor("the publish to wait on the lock") {
      try pg.scalar(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'DELETE FROM \"acorn\".\"invoices\"%'"
      ) == "1"
    }
    kill(publish.processIdentifier, SIGKILL)
    publish.waitUntilExit()
    // End the locker's session and the killed publisher's orphaned one (a backend waiting on a
    // lock notices its client is gone only later): the orphan's transaction rolls back.
    _ = try pg.scalar(
      "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'"
    )
    locker.waitUntilExit()
    try Self.waitFor("the killed session to end") {
      try pg.scalar("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'DELETE FROM %'") == "0"
    }
    #expect(try pg.scalar("SELECT \"commit\" FROM acorn.acorn_workspaces") == commitA)
    #expect(try pg.scalar("SELECT count(*) FROM acorn.records") == recordsA)
    #expect(try pg.scalar("SELECT sum(open) FROM acorn.invoice_ledger") == ledgerA)
    // The next publish completes from the last published commit.
    let again = try CLI.run(["publish", "--postgres", pg.url, "--json"], in: ws)
    #expect(again.status == 0, "\(again.stderr)")
    #expect(
      try JSONParser.parse(Array(again.stdout.utf8)).value["mode"] == .string("incremental"))
    #expect(try pg.scalar("SELECT count(*) FROM acorn.records") == Self.count(ws, "records"))
  }
}
