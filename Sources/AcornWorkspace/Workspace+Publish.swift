import AcornAlerts
import AcornGit
import AcornIndex
import AcornModel
import AcornPostgres
import AcornReconcile
import Crypto
import Foundation

/// `acorn publish --postgres URL`: the index's tables, the reconciliation and the open alerts,
/// copied into a PostgreSQL schema for BI tools — each row with a `workspace` column, so several
/// workspaces publish side by side; incremental (only the paths changed since the commit last
/// published), in one transaction, so a reader never sees half a publish. docs/postgres.md.
extension Workspace {
  /// Bump when the published tables change; an older published schema is migrated.
  public static let publishedSchemaVersion = 4

  public struct PublishOptions: Sendable {
    public var url: String
    public var schema: String
    public var full: Bool
    /// The name rows carry in `workspace`; default: the workspace folder's name.
    public var name: String?
    /// The build of Acorn publishing (`acorn --version`'s commit): its reconciler and alert
    /// engine compute the derived tables, so a publish by another build recomputes them.
    public var engine: String

    public init(
      url: String, schema: String = "acorn", full: Bool = false, name: String? = nil,
      engine: String = ""
    ) {
      self.url = url
      self.schema = schema
      self.full = full
      self.name = name
      self.engine = engine
    }
  }

  public struct PublishOutcome: Sendable {
    public enum Mode: String, Sendable { case full, incremental, upToDate = "up-to-date" }
    public var mode: Mode
    public var workspace: String
    public var commit: String
    public var changedPaths: Int
    /// Rows written per table.
    public var rows: [String: Int]
    /// Whether the derived tables (reconciliation, alerts) were recomputed: not when nothing
    /// they are computed from changed since the commit last published.
    public var derivedRecomputed: Bool { derived != .unchanged }
    /// How the derived tables were brought up to date: left as they were, recomputed for the
    /// records linked to the changed ones, or recomputed from every record.
    public var derived: Derived
    /// How many records the derived tables were computed from (nil: none read).
    public var derivedFrom: Int?

    public enum Derived: String, Sendable { case unchanged, linked, all }
  }

  public func publish(_ options: PublishOptions, now: Date) throws(WorkspaceError)
    -> PublishOutcome
  {
    guard options.schema.range(of: "^[a-z_][a-z0-9_]*$", options: .regularExpression) != nil else {
      throw WorkspaceError(
        "publish.schema",
        "--schema takes a lower-case SQL name (letters, digits, _), not \(options.schema)")
    }
    let repo = try repository()
    let head: ObjectID
    do {
      guard let h = try repo.resolveCommit("HEAD") else {
        throw WorkspaceError("publish.empty", "nothing is committed yet")
      }
      head = h
    } catch let e as WorkspaceError {
      throw e
    } catch {
      throw WorkspaceError("publish.git", "cannot read the repository", cause: error)
    }
    let derivation = derivationKey(engine: options.engine)
    let name = options.name ?? URL(fileURLWithPath: root).lastPathComponent
    let db: PostgresConnection
    do { db = try PostgresConnection(options.url) } catch {
      throw WorkspaceError("publish.connect", "cannot connect to PostgreSQL: \(error.message)")
    }
    let s = PostgresConnection.identifier(options.schema)
    let tables = RecordIndex.tableDescriptions
    do {
      try db.execute("SET client_min_messages TO warning")
      try db.execute("BEGIN")
      // One publisher per schema and workspace at a time; others wait for this transaction.
      try db.query(
        "SELECT pg_advisory_xact_lock(hashtext($1))", [options.schema + "/" + name])
      if try !schemaCurrent(db, schema: options.schema, tables) {
        try createSchema(db, s, tables)
      }
      let published = try db.query(
        "SELECT \"commit\", derived_key, derived_as_of::text FROM \(s).acorn_workspaces WHERE workspace = $1",
        [name]
      ).first
      let last = published?.first ?? nil
      let lastDerivation = published?.count == 3 ? published?[1] : nil
      // The day the published derived rows are as of (nil: published before it was kept).
      var asOf: Int? = nil
      if published?.count == 3, let text = published?[2] { asOf = CivilDate.day(text) }
      var mode: PublishOutcome.Mode = .full
      var paths: [String]?
      var changed: [(path: String, old: [UInt8]?, new: [UInt8]?)] = []
      // A symbolic link (or a submodule) among the changed files: its blob is not what the
      // working tree reads through it, so such a publish reads the working tree.
      var special = false
      var lastPublished: ObjectID?
      var changedBlobs: [ObjectID?] = []
      if let last, !options.full, let lastID = ObjectID(hex: last) {
        guard (try? repo.commitInfo(lastID)) != nil, try repo.isAncestor(lastID, of: head) else {
          throw WorkspaceError(
            "publish.rewound",
            "the commit last published for \(name) (\(String(last.prefix(8)))) is not an ancestor of HEAD: the branch was rewound or replaced; publish --full to replace what is published",
            refusal: true)
        }
        if lastID == head {
          // Committed: the schema's tables and views restored above, if any were dropped.
          try db.execute("COMMIT")
          return PublishOutcome(
            mode: .upToDate, workspace: name, commit: head.hex, changedPaths: 0, rows: [:],
            derived: .unchanged)
        }
        lastPublished = lastID
        // Both versions of every changed record file, from git.
        let diff = try repo.diffTrees(
          try repo.treeID(ofCommit: lastID), try repo.treeID(ofCommit: head)
        ).filter { Self.isRecordPath($0.path) }
        special = diff.contains(where: \.newIsSpecial)
        changedBlobs = diff.map(\.newBlob)
        changed = try readBlobs(diff)
        paths = changed.map(\.path)
        mode = .incremental
      }
      // The derived tables are recomputed from the records on threads of their own while
      // this one copies the index's tables (mostly waiting for the server), and taken after —
      // unless what they are computed from is as it was when last published: the rules,
      // settings, sync state and build (`derivation`) and what the reconciler and the alert
      // engine read of every changed record file.
      let workspace = self
      // Both versions parsed once: compared; the new ones indexed when nothing derived changed.
      let newFiles = Parallel.map(changed.map(\.new), minimum: 64) { $0.map(workspace.indexed) }
      let oldValues = Parallel.map(changed.map(\.old), minimum: 64) {
        $0.flatMap { try? JSONParser.parse($0).value }
      }
      // The changed files as HEAD has them, indexed in memory on a thread of its own (while the
      // linked rows are computed and the connection deletes the rows they replace) — unless all
      // the records are read from the index.
      let inMemory: Parallel.Started<Result<SendableIndex, IndexError>>?
      if mode == .incremental, !special {
        let files = zip(paths ?? [], newFiles).map { ($0, $1) }
        let commit = head.hex
        inMemory = Parallel.start {
          Result { () throws(IndexError) in
            let index = try RecordIndex()
            try index.rebuild(
              files.compactMap { path, file -> RecordIndex.Change? in
                switch file {
                case .record(let value)?: .upsert(path: path, record: value)
                case .broken(let why)?: .broken(path: path, error: why)
                case .missing?, nil: nil
                }
              }, state: RecordIndex.State(commit: commit, dirtyPaths: []))
            return SendableIndex(index: index)
          }
        }
      } else {
        inMemory = nil
      }
      defer { _ = inMemory?.value }
      var recompute = true
      // Only what the records linked to the changed ones give, when that can be told: computed on
      // a thread of its own while the connection deletes the rows the changed files replace.
      var linkedWork: Parallel.Started<Result<LinkedDerivation?, WorkspaceError>>?
      if mode == .incremental, lastDerivation == derivation, !special {
        recompute = !Self.sameDerivedInputs(
          oldValues, newFiles, try uncheckedDeadlines() ?? alertEngine().deadlines)
        if recompute, let lastPublished, let day = asOf {
          let (c, b, o, n) = (changed, changedBlobs, oldValues, newFiles)
          linkedWork = Parallel.start {
            Result { () throws(WorkspaceError) in
              try workspace.linkedDerivation(
                name: name, head: head, last: lastPublished, changed: c, blobs: b, oldValues: o,
                newFiles: n, asOf: day)
            }
          }
        }
      }
      defer { _ = linkedWork?.value }
      // The tables an incremental publish touches: `records` and `links`, and those of the kinds
      // the changed files were and are (a kind's tables hold rows of that kind only) — each
      // table's DELETE of a thousand paths costs the server a few milliseconds even when
      // nothing matches.
      var kinds: Set<RecordKind> = []
      for value in oldValues { if let k = value.map(Record.init(json:))?.kind { kinds.insert(k) } }
      for file in newFiles {
        if case .record(let value)? = file, let k = Record(json: value).kind { kinds.insert(k) }
      }
      let touched = tables.filter { t in mode == .full || t.kind.map(kinds.contains) ?? true }
      var written: [String: Int] = [:]
      let pathArrays = paths.map(Self.textArrays)
      for t in tables where !touched.contains(t) { written[t.name] = 0 }
      /// The rows replaced go first, every table's; then the new ones.
      func deleteReplaced() throws(PostgresError) {
        for t in touched {
          let target = "\(s).\(PostgresConnection.identifier(t.name))"
          if let pathArrays {
            try Self.delete(db, from: target, where: "path", literals: pathArrays, workspace: name)
          } else {
            try db.query("DELETE FROM \(target) WHERE workspace = $1", [name])
          }
        }
      }
      if linkedWork != nil { try deleteReplaced() }
      let linked = try linkedWork?.value.get() ?? nil
      let recomputeAll = recompute && linked == nil
      // What the index lacks of HEAD, for the next publish (written once this one commits).
      var overlay: IndexOverlay?
      if let linked {
        overlay = linked.overlay
      } else if mode == .incremental, !recomputeAll, !special, let lastPublished {
        overlay = nextIndexOverlay(
          last: lastPublished, head: head, changed: zip(changed, changedBlobs).map { ($0.path, $1) }
        )
      }
      // The rows to send: a full publish or a recomputation reads the index (its tables, and
      // every record's JSON for the derived ones), which must then hold what is committed and be
      // up to date with it; otherwise only git is read —
      // the changed files as HEAD has them, indexed in memory — and uncommitted changes, which
      // are never published, need not be looked for (a walk of every file).
      let onDisk: RecordIndex?
      if mode == .full || recomputeAll {
        try requireCommitted(repo)
        do { onDisk = try RecordIndex(readOnlyAt: indexPath) } catch {
          throw WorkspaceError("publish.index", "\(error)")
        }
      } else {
        onDisk = nil
      }
      let derived =
        recomputeAll
        ? Parallel.start {
          Result { () throws(WorkspaceError) in try workspace.derivedRows(name: name) }
        } : nil
      defer { _ = derived?.value }
      if linkedWork == nil { try deleteReplaced() }
      let index: RecordIndex
      if let onDisk {
        index = onDisk
      } else {
        switch inMemory?.value {
        case .success(let built)?: index = built.index
        case .failure(let error)?: throw WorkspaceError("publish.index", "\(error)")
        case nil: preconditionFailure("an index is read from disk or built in memory")
        }
      }
      for t in touched {
        let target = "\(s).\(PostgresConnection.identifier(t.name))"
        // Streamed: each index row is written into the COPY data as SQLite steps to it.
        var workspaceName = name
        let meanings = t.columns.map(\.meaning)
        var count: Result<Int, IndexError> = .success(0)
        try db.copy(into: target, columns: ["workspace"] + t.columns.map(\.name)) { out in
          count = Result { () throws(IndexError) in
            try index.eachRow(of: t, paths: paths) { row in
              workspaceName.withUTF8 { out.field($0) }
              for (i, meaning) in meanings.enumerated() {
                row.withText(i) { Self.publish($0, meaning, into: &out) }
              }
              out.endRow()
            }
          }
        }
        written[t.name] = try count.get()
      }
      // Derived: recomputed from all the records, but only the rows whose content changed
      // (by their fingerprint) are sent; a full publish replaces them all.
      for table in Self.derivedTables where derived == nil { written[table.name] = 0 }
      if let linked {
        for (table, rows) in linked.rows {
          let target = "\(s).\(table.name)"
          try Self.delete(
            db, from: target, where: table.typed[0].name, in: linked.replaced[table.name] ?? [],
            workspace: name)
          try db.copy(into: target, columns: table.columns, rows: rows)
          written[table.name] = rows.count
        }
      }
      let all = try derived?.value.get()
      if let all { asOf = all.asOf }
      for (table, rows) in all?.rows ?? [] {
        let target = "\(s).\(table.name)"
        var send = rows
        if mode == .full {
          try db.query("DELETE FROM \(target) WHERE workspace = $1", [name])
        } else {
          let key = table.typed[0].name
          var published: [String: String?] = [:]
          for row in try db.query(
            "SELECT \(key), row_hash FROM \(target) WHERE workspace = $1", [name])
          where row.count == 2 {
            if let k = row[0] { published[k] = row[1] }
          }
          send = rows.filter { row in
            guard let k = row[1], let hash = published.removeValue(forKey: k) else { return true }
            return hash != row.last
          }
          // Rows gone, and the old versions of rows that changed.
          try Self.delete(
            db, from: target, where: key, in: Array(published.keys) + send.compactMap { $0[1] },
            workspace: name)
        }
        try db.copy(into: target, columns: table.columns, rows: send)
        written[table.name] = send.count
      }
      try db.query(
        """
        INSERT INTO \(s).acorn_workspaces (workspace, "commit", published_at, derived_key,
            derived_as_of)
          VALUES ($1, $2, now(), $3, $4::date)
        ON CONFLICT (workspace) DO UPDATE SET "commit" = EXCLUDED."commit", published_at = now(),
          derived_key = EXCLUDED.derived_key, derived_as_of = EXCLUDED.derived_as_of
        """, [name, head.hex, derivation, asOf.map(CivilDate.string)])
      try db.execute("COMMIT")
      if let overlay { writeIndexOverlay(overlay) }
      return PublishOutcome(
        mode: mode, workspace: name, commit: head.hex,
        changedPaths: paths?.count ?? written["records"] ?? 0, rows: written,
        derived: linked != nil ? .linked : derived != nil ? .all : .unchanged,
        derivedFrom: linked?.records)
    } catch let e as WorkspaceError {
      try? db.execute("ROLLBACK")
      throw e
    } catch let e as PostgresError {
      try? db.execute("ROLLBACK")
      throw WorkspaceError("publish.postgres", e.description)
    } catch {
      try? db.execute("ROLLBACK")
      throw WorkspaceError("publish.failed", "publish failed; nothing was changed", cause: error)
    }
  }

  /// Deletes the workspace's rows whose `column` is one of `keys`, a thousand keys a statement.
  static func delete(
    _ db: PostgresConnection, from table: String, where column: String, in keys: [String],
    workspace: String
  ) throws(PostgresError) {
    try delete(db, from: table, where: column, literals: textArrays(keys), workspace: workspace)
  }

  /// The same with the keys as `textArrays` made them (once for every table a publish deletes
  /// the same paths from).
  static func delete(
    _ db: PostgresConnection, from table: String, where column: String, literals: [String],
    workspace: String
  ) throws(PostgresError) {
    for array in literals {
      try db.query(
        "DELETE FROM \(table) WHERE workspace = $1 AND \(column) = ANY($2::text[])",
        [workspace, array])
    }
  }

  /// Keys as PostgreSQL array literals of text, a thousand to a literal: each quoted, with
  /// backslash and double quote escaped.
  static func textArrays(_ keys: [String]) -> [String] {
    stride(from: 0, to: keys.count, by: 1000).map { start in
      var out: [UInt8] = [UInt8(ascii: "{")]
      for (n, key) in keys[start..<min(start + 1000, keys.count)].enumerated() {
        if n > 0 { out.append(UInt8(ascii: ",")) }
        out.append(UInt8(ascii: "\""))
        for byte in key.utf8 {
          if byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "\"") {
            out.append(UInt8(ascii: "\\"))
          }
          out.append(byte)
        }
        out.append(UInt8(ascii: "\""))
      }
      out.append(UInt8(ascii: "}"))
      return String(decoding: out, as: UTF8.self)
    }
  }

  /// A value as PostgreSQL reads it for the column's meaning: dates as their first ten
  /// characters when those are a calendar date (NULL otherwise), JSON `null` as NULL, the rest
  /// as is.
  static func publish(
    _ value: UnsafeBufferPointer<UInt8>?, _ meaning: RecordIndex.ColumnMeaning,
    into out: inout CopyWriter
  ) {
    guard let value else { return out.null() }
    switch meaning {
    case .date:
      let day = UnsafeBufferPointer(rebasing: value[0..<min(10, value.count)])
      if CivilDate.day(utf8: day) != nil { out.field(day) } else { out.null() }
    case .json where value.elementsEqual("null".utf8): out.null()
    default: out.field(value)
    }
  }

  static func sqlType(_ m: RecordIndex.ColumnMeaning) -> String {
    switch m {
    case .text: "text"
    case .integer: "bigint"
    case .decimal: "numeric"
    case .date: "date"
    case .json: "jsonb"
    }
  }

  /// A table derived on every publish: its columns (after `workspace`) with their SQL types, the
  /// first being its key; the DDL and the COPY column list both come from this one list.
  struct DerivedTable {
    var name: String
    var typed: [(name: String, type: String)]

    /// `row_hash` last: the row's fingerprint, compared to send only the rows that changed.
    var columns: [String] { ["workspace"] + typed.map(\.name) + ["row_hash"] }
    var ddl: String {
      (["workspace text NOT NULL"]
        + typed.enumerated().map { i, c in
          "\(c.name) \(c.type)\(i == 0 ? " NOT NULL" : "")"
        } + ["row_hash text", "PRIMARY KEY (workspace, \(typed[0].name))"]).joined(
          separator: ", ")
    }

    /// A row (workspace first) with its fingerprint appended: SHA-256 of its values, each
    /// length-prefixed, NULL distinct from any text.
    static func hashed(_ row: [String?]) -> [String?] {
      var bytes: [UInt8] = []
      bytes.reserveCapacity(256)
      for value in row {
        if let value {
          bytes.append(contentsOf: String(value.utf8.count).utf8)
          bytes.append(0x3A)
          bytes.append(contentsOf: value.utf8)
        } else {
          bytes.append(0x00)
        }
      }
      // swift-crypto's SHA-256 (the model's own is for a few ids; a publish hashes every row).
      return row + [AcornModel.SHA256.hexString(Crypto.SHA256.hash(data: bytes))]
    }
  }

  static let derivedTables: [DerivedTable] = [
    DerivedTable(
      name: "invoice_ledger",
      typed: [
        ("invoice_id", "text"), ("invoice_number", "text"), ("marketplace", "text"),
        ("currency", "text"), ("invoice_date", "date"), ("due_date", "date"),
        ("invoiced", "numeric"), ("discount", "numeric"), ("paid", "numeric"), ("open", "numeric"),
        ("status", "text"), ("days_past_due", "integer"),
      ]),
    DerivedTable(
      name: "deduction_assessments",
      typed: [
        ("deduction_id", "text"), ("deduction_number", "text"), ("marketplace", "text"),
        ("type", "text"), ("deduction_date", "date"), ("amount", "numeric"), ("currency", "text"),
        ("net", "numeric"), ("invoice_number", "text"), ("verdict", "text"), ("reason", "text"),
        ("state", "text"),
      ]),
    DerivedTable(
      name: "return_credits",
      typed: [
        ("return_id", "text"), ("marketplace", "text"), ("notice_date", "date"),
        ("approved_refund", "numeric"), ("credited", "numeric"), ("currency", "text"),
        ("status", "text"), ("credit_due_date", "date"), ("state", "text"),
      ]),
    DerivedTable(
      name: "alerts",
      typed: [
        ("alert_id", "text"), ("rule", "text"), ("level", "text"), ("marketplace", "text"),
        ("due_date", "date"), ("days_left", "integer"), ("amount", "numeric"),
        ("currency", "text"), ("message_en", "text"), ("message_zh", "text"),
      ]),
  ]

  /// A fingerprint of what the derived tables are computed from besides the record files: the
  /// build computing them, the settings, rules and schemas (as the working tree has them: that
  /// is what the computation reads) and the sync state.
  func derivationKey(engine: String) -> String {
    var bytes: [UInt8] = []
    func add(_ text: String) {
      bytes += String(text.utf8.count).utf8
      bytes.append(0x3A)
      bytes += text.utf8
    }
    add("publish \(Self.publishedSchemaVersion)")
    add(engine)
    var files = [Self.settingsFile, "team.yaml"]
    for folder in ["rules", Self.schemasFolder] {
      files += FileSystem.files(under: path(folder)).map { folder + "/" + $0 }
    }
    for file in files {
      add(file)
      if let content = try? FileSystem.read(path(file)) {
        bytes += String(content.count).utf8
        bytes.append(0x3A)
        bytes += content
      } else {
        bytes.append(0x00)
      }
    }
    for h in syncHealth() {
      add(h.source)
      add(h.marketplace)
      add(h.lastSuccess.map(String.init) ?? "-")
      add(h.lastError ?? "-")
    }
    return AcornModel.SHA256.hexString(Crypto.SHA256.hash(data: bytes))
  }

  /// Whether each changed record file gives the reconciler and the alert engine the same input
  /// at both commits (a changed assignee or note does; an amount, a date or a workflow state
  /// the rules read does not) — then, the rest being the same, so are the derived tables.
  static func sameDerivedInputs(
    _ old: [JSONValue?], _ new: [IndexedFile?], _ deadlines: [DeadlineRule]
  ) -> Bool {
    !Parallel.map(Array(zip(old, new)), minimum: 64) { old, new in
      let after: JSONValue? = if case .record(let value)? = new { value } else { nil }
      return derivedInput(old, deadlines) == derivedInput(after, deadlines)
    }.contains(false)
  }

  /// The deadline rules as `rules/deadlines.yaml` has them, not checked against their schema:
  /// for an incremental publish whose `derived_key` matches, the file (and the schemas) are
  /// byte for byte those the last recomputation read and checked — it stored the key only
  /// after it succeeded. Nil when the file does not load (the checked path then says why).
  func uncheckedDeadlines() -> [DeadlineRule]? {
    let file = "rules/deadlines.yaml"
    guard FileSystem.exists(path(file)) else { return [] }
    var findings: [Finding] = []
    return loadSetting(file, schema: "", nil, &findings).map(DeadlineRule.parse)
  }

  /// Both versions of each changed file, read on both cores (a repository handle each).
  func readBlobs(_ changes: [Repository.TreeChange]) throws(WorkspaceError) -> [(
    path: String, old: [UInt8]?, new: [UInt8]?
  )] {
    try readBlobs(changes.map { ($0.path, $0.oldBlob, $0.newBlob) })
  }

  /// The blobs of each path's two versions (nil where a version is absent), read on both cores.
  func readBlobs(_ changes: [(path: String, old: ObjectID?, new: ObjectID?)])
    throws(WorkspaceError) -> [(path: String, old: [UInt8]?, new: [UInt8]?)]
  {
    let workspace = self
    let parts = Parallel.parts(changes.count, minimum: 256) {
      range -> Result<[(path: String, old: [UInt8]?, new: [UInt8]?)], WorkspaceError> in
      Result { () throws(WorkspaceError) in
        let repo = try workspace.repository()
        do {
          return try changes[range].map { c throws(GitError) in
            (
              c.path, try c.old.map { id throws(GitError) in try repo.blob(id) },
              try c.new.map { id throws(GitError) in try repo.blob(id) }
            )
          }
        } catch {
          throw WorkspaceError("publish.git", "cannot read the changed files", cause: error)
        }
      }
    }
    var out: [(path: String, old: [UInt8]?, new: [UInt8]?)] = []
    out.reserveCapacity(changes.count)
    for part in parts { out += try part.get() }
    return out
  }

  /// Refuses uncommitted record changes (what is published is what is committed), and brings
  /// the index up to date with the working tree — then the commit.
  func requireCommitted(_ repo: Repository) throws(WorkspaceError) {
    let status: [Repository.StatusEntry]
    do { status = try repo.status() } catch {
      throw WorkspaceError("publish.git", "cannot read the repository", cause: error)
    }
    let dirty = status.map(\.path).filter(Self.isRecordPath)
    guard dirty.isEmpty else {
      throw WorkspaceError(
        "publish.uncommitted",
        "\(dirty.count) record file\(dirty.count == 1 ? " has" : "s have") uncommitted changes (\(dirty.prefix(3).joined(separator: ", "))); publish shares what is committed: acorn commit first"
      )
    }
    try updateIndex(status: status)
  }

  /// What one record file gives the reconciler and the alert engine; as `foldRecords` reads
  /// the files, one that does not parse to an object gives nothing.
  static func derivedInput(_ value: JSONValue?, _ deadlines: [DeadlineRule]) -> AlertInput {
    var input = AlertInput(deadlines: deadlines)
    if let value, case .object = value { input.add(Record(json: value)) }
    return input
  }

  /// An index built on another thread, handed over once built (and used by one thread at a
  /// time after).
  struct SendableIndex: @unchecked Sendable {
    let index: RecordIndex
  }

  /// The reconciliation and the open alerts, as of the latest day the records speak of (with
  /// that day). Each row: the workspace, the table's typed columns, then its `row_hash`.
  func derivedRows(name: String) throws(WorkspaceError) -> (
    rows: [(DerivedTable, [[String?]])], asOf: Int
  ) {
    let rules = try rules()
    let settings = try reconcileRules(schemas: rules.schemas)
    let engine = try alertEngine()
    // The index holds what is committed: the publish brought it up to date and refused
    // uncommitted changes before this began.
    let input = try indexedAlertInput(engine)
    let asOf = input.reconcile.latestDay ?? 0
    let r: ReconcileResult
    do {
      r = try Reconciler(rules: settings, lifecycles: rules.lifecycles).run(
        input.reconcile, asOf: asOf)
    } catch { throw WorkspaceError(error.code, error.message) }
    let alerts = engine.run(input, reconciliation: r, sync: syncHealth(), asOf: asOf)
    return (Self.derivedValues(name: name, r, alerts), asOf)
  }

  /// The derived tables' rows of a reconciliation and alerts, each with its fingerprint; alerts
  /// of one id once (the first in their order).
  static func derivedValues(name: String, _ r: ReconcileResult, _ alerts: [Alert]) -> [(
    DerivedTable, [[String?]]
  )] {
    let day = { (d: Int?) in d.map(CivilDate.string) }
    let t = Self.derivedTables
    let values: [(DerivedTable, [[String?]])] = [
      (
        t[0],
        r.invoices.map {
          [
            name, $0.id, $0.invoiceNumber, $0.marketplace, $0.currency.code, day($0.invoiceDate),
            day($0.dueDate), $0.invoiced.amount.formatted(), $0.discount.amount.formatted(),
            $0.paid.amount.formatted(), $0.open.amount.formatted(), $0.status,
            $0.daysPastDue.map(String.init),
          ]
        }
      ),
      (
        t[1],
        r.deductions.map {
          [
            name, $0.id, $0.number, $0.marketplace, $0.type, day($0.date),
            $0.amount.amount.formatted(), $0.amount.currency.code, $0.net?.amount.formatted(),
            $0.invoiceNumber, $0.verdict, $0.reason, $0.state,
          ]
        }
      ),
      (
        t[2],
        r.returns.map {
          [
            name, $0.id, $0.marketplace, day($0.noticeDate), $0.approvedRefund?.amount.formatted(),
            $0.credited?.amount.formatted(), ($0.approvedRefund ?? $0.credited)?.currency.code,
            $0.status, day($0.creditDueDate), $0.state,
          ]
        }
      ),
      (
        t[3],
        Dictionary(alerts.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a }).values.sorted {
          $0.id < $1.id
        }.map {
          [
            name, $0.id, $0.rule, $0.level.rawValue, $0.marketplace, day($0.dueDate),
            $0.daysLeft.map(String.init), $0.amount?.amount.formatted(), $0.amount?.currency.code,
            $0.en, $0.zh,
          ]
        }
      ),
    ]
    return values.map { table, rows in (table, Parallel.map(rows, DerivedTable.hashed)) }
  }

  /// The views a publish creates (docs/postgres.md, "Views to start from").
  static let publishedViews = [
    "open_receivables_by_age", "deductions_by_type", "refund_pipeline", "cash_by_month",
  ]

  /// Whether `schema` holds this version's tables, their indexes and the views: then a publish
  /// runs no DDL — which would write the catalog and lock the views against the BI tools reading
  /// them until the publish commits. A dropped table or view, or an older version, makes it false
  /// and `createSchema` restores or migrates. (A build that changes the DDL bumps the version.)
  func schemaCurrent(
    _ db: PostgresConnection, schema: String, _ tables: [RecordIndex.TableDescription]
  ) throws(PostgresError) -> Bool {
    let names =
      ["acorn_meta", "acorn_workspaces"] + tables.map(\.name)
      + tables.map { "\($0.name)_workspace_path" } + Self.derivedTables.map(\.name)
      + Self.publishedViews
    let present = try db.query(
      """
      SELECT count(*) FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = ANY($2::text[])
      """, [schema, Self.textArrays(names)[0]])
    guard present.first?.first == String(names.count) else { return false }
    let version = try db.query(
      "SELECT value FROM \(PostgresConnection.identifier(schema)).acorn_meta WHERE key = 'schemaVersion'",
      [])
    return version.first?.first == String(Self.publishedSchemaVersion)
  }

  /// The schema, its tables and views (created when missing, restored when dropped); an older
  /// published schema (1–3) is migrated, any other version refused with its number.
  func createSchema(_ db: PostgresConnection, _ s: String, _ tables: [RecordIndex.TableDescription])
    throws(PostgresError)
  {
    try db.execute("CREATE SCHEMA IF NOT EXISTS \(s)")
    try db.execute(
      "CREATE TABLE IF NOT EXISTS \(s).acorn_meta (key text PRIMARY KEY, value text NOT NULL)")
    let version =
      try db.query("SELECT value FROM \(s).acorn_meta WHERE key = 'schemaVersion'", [])
      .first?.first ?? nil
    if version == "1" || version == "2" || version == "3" {
      // Version 2 added the derived tables' row fingerprints; rows without one are sent again by
      // the next publish (their fingerprint never equals a computed one).
      for d in Self.derivedTables where version == "1" {
        try db.execute(
          "ALTER TABLE IF EXISTS \(s).\(d.name) ADD COLUMN IF NOT EXISTS row_hash text")
      }
      // Version 3 added what the derived tables were computed from, version 4 the day they are
      // as of; without them the next publish recomputes them from every record.
      try db.execute(
        "ALTER TABLE IF EXISTS \(s).acorn_workspaces ADD COLUMN IF NOT EXISTS derived_key text")
      try db.execute(
        "ALTER TABLE IF EXISTS \(s).acorn_workspaces ADD COLUMN IF NOT EXISTS derived_as_of date")
      try db.execute(
        "UPDATE \(s).acorn_meta SET value = '\(Self.publishedSchemaVersion)' WHERE key = 'schemaVersion'"
      )
    } else if let version, version != String(Self.publishedSchemaVersion) {
      throw PostgresError(
        code: "",
        message:
          "the schema was published by another version of Acorn (published schema \(version), this one writes \(Self.publishedSchemaVersion)); drop it or publish into another --schema",
        operation: "publish")
    }
    try db.execute(
      """
      INSERT INTO \(s).acorn_meta VALUES ('schemaVersion', '\(Self.publishedSchemaVersion)')
      ON CONFLICT (key) DO NOTHING;
      CREATE TABLE IF NOT EXISTS \(s).acorn_workspaces (
        workspace text PRIMARY KEY, "commit" text NOT NULL, published_at timestamptz NOT NULL,
        derived_key text, derived_as_of date);
      COMMENT ON TABLE \(s).acorn_workspaces IS '已发布的工作区及其提交 (workspaces and the commit last published)';
      """)
    for t in tables {
      let columns = t.columns.map {
        "\(PostgresConnection.identifier($0.name)) \(Self.sqlType($0.meaning))"
      }
      try db.execute(
        """
        CREATE TABLE IF NOT EXISTS \(s).\(PostgresConnection.identifier(t.name)) (
          workspace text NOT NULL, \(columns.joined(separator: ", ")));
        CREATE INDEX IF NOT EXISTS \(t.name)_workspace_path ON \(s).\(PostgresConnection.identifier(t.name)) (workspace, path);
        """)
    }
    for d in Self.derivedTables {
      try db.execute("CREATE TABLE IF NOT EXISTS \(s).\(d.name) (\(d.ddl))")
    }
    try db.execute(
      """
      CREATE OR REPLACE VIEW \(s).open_receivables_by_age AS
        SELECT workspace, marketplace, currency,
          CASE WHEN w.age <= 30 THEN '0-30' WHEN w.age <= 60 THEN '31-60'
               WHEN w.age <= 90 THEN '61-90' ELSE '90+' END AS bucket,
          count(*) AS invoices, sum(open) AS open
        FROM (SELECT l.workspace, l.marketplace, l.currency, l.open,
                     (SELECT max(x.invoice_date) FROM \(s).invoice_ledger x
                           WHERE x.workspace = l.workspace) - l.invoice_date AS age
              FROM \(s).invoice_ledger l WHERE l.open > 0) w
        GROUP BY 1, 2, 3, 4;
      COMMENT ON VIEW \(s).open_receivables_by_age IS '应收账款账龄（按开票日起天数分段）';
      CREATE OR REPLACE VIEW \(s).deductions_by_type AS
        SELECT workspace, marketplace, currency, type, verdict, coalesce(state, 'detected') AS state,
          count(*) AS deductions, sum(abs(amount)) AS amount
        FROM \(s).deduction_assessments GROUP BY 1, 2, 3, 4, 5, 6;
      COMMENT ON VIEW \(s).deductions_by_type IS '扣款：按类型、判定与状态汇总';
      CREATE OR REPLACE VIEW \(s).refund_pipeline AS
        SELECT workspace, marketplace, currency, coalesce(state, 'notified') AS state,
          count(*) AS returns, sum(approved_refund) AS approved_refund,
          count(*) FILTER (WHERE status = 'late') AS credit_overdue
        FROM \(s).return_credits GROUP BY 1, 2, 3, 4;
      COMMENT ON VIEW \(s).refund_pipeline IS '退款流程：各状态的退货数与逾期贷项';
      CREATE OR REPLACE VIEW \(s).cash_by_month AS
        SELECT workspace, marketplace, currency, to_char(payment_date, 'YYYY-MM') AS month,
          count(*) AS payments, sum(amount) AS collected
        FROM \(s).remittances WHERE coalesce(status, 'SUCCESSFUL') = 'SUCCESSFUL'
        GROUP BY 1, 2, 3, 4;
      COMMENT ON VIEW \(s).cash_by_month IS '每月回款';
      """)
  }
}
