import AcornGit
import AcornModel
import AcornOutbound
import Foundation

/// `acorn status` and `acorn commit`.
extension Workspace {
  public struct SyncState: Sendable, Hashable {
    public var source: String
    public var marketplace: String
    public var lastRun: String?
    /// The last failed run's error (Amazon's code and request id), when the last run failed.
    public var lastError: String?
    /// From this clone's `.acorn/sync-health.json`: the last attempt, its requests, throttled
    /// answers and records written.
    public var lastAttempt: String?
    public var requests: Int?
    public var throttled: Int?
    public var written: Int?
  }

  var syncHealthPath: String { path(".acorn/sync-health.json") }

  /// Records a sync run's outcome in `.acorn/sync-health.json` (this clone's, never committed):
  /// the day of the attempt, the error (with Amazon's code and request id) when it failed, the
  /// requests and throttled answers, and the records written per marketplace.
  public func recordSyncHealth(
    source: String, marketplaces: [String], error: String?, requests: Int?, throttled: Int?,
    written: [String: Int], now: Date
  ) {
    var doc =
      (try? FileSystem.read(syncHealthPath)).flatMap { try? JSONParser.parse($0).value }?
      .objectValue ?? [:]
    var bySource = doc[source]?.objectValue ?? [:]
    let day = CivilDate.string(Int(now.timeIntervalSince1970 / 86_400))
    for m in marketplaces {
      var entry = bySource[m]?.objectValue ?? [:]
      entry["lastAttempt"] = .string(day)
      if let error {
        entry["lastError"] = .string(error)
      } else {
        entry.removeValue(forKey: "lastError")
        entry["lastSuccess"] = .string(day)
        entry["written"] = .number(DecimalNumber(written[m] ?? 0))
      }
      if let requests { entry["requests"] = .number(DecimalNumber(requests)) }
      if let throttled { entry["throttled"] = .number(DecimalNumber(throttled)) }
      bySource[m] = .object(entry)
    }
    doc[source] = .object(bySource)
    try? FileSystem.writeAtomically(CanonicalJSON.bytes(.object(doc)), to: syncHealthPath)
  }

  public struct Status: Sendable {
    public var branch: String?
    public var head: ObjectID?
    /// `origin/main`, when the branch tracks one.
    public var upstream: String?
    public var ahead: Int?
    public var behind: Int?
    public var changes: WorkspaceDiff
    public var lastSync: [SyncState]
    public var openConflicts: Int
    /// What git has in progress (`merge`, `rebase`, …), and what a plain git merge left behind.
    public var leftovers: GitLeftovers
    /// Record files that do not parse (missing from every index answer).
    public var brokenFiles: [String]
    /// Outbound documents not settled yet: drafts, approved, in flight, processing, failed.
    public var outbound: [OutboundView] = []
  }

  /// What plain git left unfinished: an operation in progress, unmerged index entries, files
  /// with conflict markers.
  public struct GitLeftovers: Sendable {
    public var operation: String?
    public var unmerged: [String]
    /// Files (and the line) holding `<<<<<<<` … `>>>>>>>` markers.
    public var markers: [(path: String, line: Int)]
    /// Whether git stopped in a way Acorn cannot work on until it is settled.
    public var blocks: Bool { !unmerged.isEmpty || !markers.isEmpty }

    /// How to get out, for every message that reports leftovers.
    public static let fix =
      "git merged without Acorn's driver and left conflicts in the files: run `git merge --abort` (or `git rebase --abort`), then `acorn doctor --fix` so git uses Acorn's merge driver, and pull again with `acorn pull`"
  }

  /// The 1-based line of the first git conflict marker (`<<<<<<< `, `>>>>>>> ` at a line start),
  /// or nil.
  static func conflictMarkerLine(_ bytes: [UInt8]) -> Int? {
    var line = 1
    var atStart = true
    let open = Array("<<<<<<< ".utf8)
    let close = Array(">>>>>>> ".utf8)
    var i = 0
    while i < bytes.count {
      let b = bytes[i]
      if atStart && (b == open[0] || b == close[0]) && i + 8 <= bytes.count {
        let slice = bytes[i..<(i + 8)]
        if slice.elementsEqual(open) || slice.elementsEqual(close) { return line }
      }
      atStart = b == 0x0A
      if atStart { line += 1 }
      i += 1
    }
    return nil
  }

  public func gitLeftovers(status: [Repository.StatusEntry]? = nil) throws(WorkspaceError)
    -> GitLeftovers
  {
    let repo = try repository()
    do {
      let entries = try status ?? repo.status()
      var markers: [(String, Int)] = []
      for entry in entries where entry.change != .deleted {
        guard let bytes = try? FileSystem.read(path(entry.path)),
          let line = Self.conflictMarkerLine(bytes)
        else { continue }
        markers.append((entry.path, line))
      }
      return GitLeftovers(
        operation: repo.operationInProgress(),
        unmerged: entries.filter { $0.change == .conflicted }.map(\.path), markers: markers)
    } catch {
      throw WorkspaceError("git.status", "cannot read the repository's state", cause: error)
    }
  }

  /// Where sync runs keep their per-source, per-marketplace cursors (committed with the records).
  public static let syncFolder = "sync"

  public func status() throws(WorkspaceError) -> Status {
    let repo = try repository()
    do {
      let branch = try repo.currentBranch()
      let head = try repo.resolveCommit("HEAD")
      var upstreamName: String?
      var ahead: Int?
      var behind: Int?
      if let branch, let up = try repo.upstream(of: branch) {
        upstreamName = "\(up.remote)/\(up.branch)"
        if let head,
          let remoteHead = try repo.referenceTarget("refs/remotes/\(up.remote)/\(up.branch)")
        {
          (ahead, behind) = try repo.aheadBehind(head, remoteHead)
        }
      }
      // One walk of the working tree serves the diff, the index update and the leftovers.
      let entries = try repo.status()
      try updateIndex(status: entries)
      return Status(
        branch: branch, head: head, upstream: upstreamName, ahead: ahead, behind: behind,
        changes: try diff(from: head, to: nil, status: entries), lastSync: syncStates(),
        openConflicts: try openConflictCount(refresh: false),
        leftovers: try gitLeftovers(status: entries),
        brokenFiles: try brokenRecordFiles(refresh: false).map(\.path),
        outbound: try outboundDocuments(states: [.draft, .approved, .submitted, .failed])
          .compactMap(OutboundView.init))
    } catch let error as WorkspaceError {
      throw error
    } catch {
      throw WorkspaceError("git.status", "cannot read the repository's state", cause: error)
    }
  }

  /// Cursor files `sync/<source>.json`: `{"marketplaces": {"US": {"lastRun": "…"}}}`.
  func syncStates() -> [SyncState] {
    let health = (try? FileSystem.read(syncHealthPath)).flatMap { try? JSONParser.parse($0).value }
    var out: [SyncState] = []
    for name in FileSystem.files(under: path(Self.syncFolder))
    where name.hasSuffix(".json") && !name.contains("/") {
      guard let bytes = try? FileSystem.read(path(Self.syncFolder + "/" + name)),
        let value = try? JSONParser.parse(bytes).value
      else { continue }
      let source = String(name.dropLast(5))
      for (mkt, state) in (value["marketplaces"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }
      ) {
        let local = health?[source]?[mkt]
        out.append(
          SyncState(
            source: source, marketplace: mkt, lastRun: state["lastRun"]?.stringValue,
            lastError: local?["lastError"]?.stringValue,
            lastAttempt: local?["lastAttempt"]?.stringValue, requests: local?["requests"]?.intValue,
            throttled: local?["throttled"]?.intValue, written: local?["written"]?.intValue))
      }
    }
    // A source this clone tried that never succeeded has no cursor yet: it is listed too.
    for (source, markets) in (health?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
      for (mkt, local) in (markets.objectValue ?? [:]).sorted(by: { $0.key < $1.key })
      where !out.contains(where: { $0.source == source && $0.marketplace == mkt }) {
        out.append(
          SyncState(
            source: source, marketplace: mkt, lastRun: nil,
            lastError: local["lastError"]?.stringValue,
            lastAttempt: local["lastAttempt"]?.stringValue,
            requests: local["requests"]?.intValue, throttled: local["throttled"]?.intValue,
            written: local["written"]?.intValue))
      }
    }
    return out
  }

  /// Records carrying open merge conflicts, from the index.
  func openConflictCount(refresh: Bool = true) throws(WorkspaceError) -> Int {
    let result = try query(refresh: refresh, "SELECT count(*) FROM records WHERE conflicts > 0")
    return result.rows.first?.first?.intValue ?? 0
  }

  /// Commits every change in the working tree after validating the workspace; refuses (exit 1)
  /// while `acorn validate` reports errors. Returns nil when there is nothing to commit.
  public func commitAll(message: String, author: Signature) throws(WorkspaceError) -> (
    ObjectID?, WorkspaceDiff
  ) {
    let lock = try WorkspaceLock.acquire(self)
    defer { lock.release() }
    return try commitAllLocked(message: message, author: author)
  }

  /// `commitAll` with the workspace lock already held.
  func commitAllLocked(message: String, author: Signature) throws(WorkspaceError) -> (
    ObjectID?, WorkspaceDiff
  ) {
    let repo = try repository()
    let pending: [Repository.StatusEntry]
    do { pending = try repo.status() } catch {
      throw WorkspaceError("git.status", "cannot read the working tree", cause: error)
    }
    let changes = try diff(from: try? resolve("HEAD"), to: nil, status: pending)
    let merging = mergeInProgress()
    if pending.isEmpty && merging == nil { return (nil, changes) }
    // HEAD was checked when it was committed: the records this commit changes are checked now
    // (concluding a merge, every record: the merge brought the other side's in).
    let changed = merging == nil ? Set(pending.map(\.path)) : nil
    let errors = validate(only: changed).filter { $0.severity == .error }
    if !errors.isEmpty {
      let shown = errors.prefix(5).map {
        "\($0.file ?? "")\($0.line.map { ":\($0)" } ?? ""): \($0.message)"
      }
      throw WorkspaceError(
        "commit.invalid",
        "refusing to commit: acorn validate reports \(errors.count) error\(errors.count == 1 ? "" : "s")\n  "
          + shown.joined(separator: "\n  ") + (errors.count > 5 ? "\n  …" : ""),
        refusal: true)
    }
    try refuseHandEdits(repo, paths: pending.map(\.path), merging: merging, author: author)
    // Concluding a merge: the derived reconciliation follows the records as resolved.
    let derived = merging != nil ? try refreshReconciliation() : []
    let commit = try self.commit(
      paths: pending.map(\.path) + derived,
      message: message.hasSuffix("\n") ? message : message + "\n",
      author: author, extraParents: merging.map { [$0] } ?? [])
    if merging != nil { endMerge() }
    return (commit, changes)
  }

  /// What `acorn set` enforces holds for hand edits too, checked against HEAD: `source` (and a
  /// record's kind, id and marketplace) is written only by sync and import, a synced record is
  /// not deleted by hand, and lifecycle moves follow the rules. Concluding a merge, a record may
  /// take either parent's state and the source values `acorn resolve` chose.
  func refuseHandEdits(
    _ repo: Repository, paths: [String], merging: ObjectID?, author: Signature
  )
    throws(WorkspaceError)
  {
    let rules = try rules()
    var problems: [String] = []
    do {
      let headTree = try repo.resolveCommit("HEAD").map { c throws(GitError) in
        try repo.treeID(ofCommit: c)
      }
      let mergeTree = try merging.map { c throws(GitError) in try repo.treeID(ofCommit: c) }
      func stored(_ tree: ObjectID?, _ rel: String) throws(GitError) -> JSONValue? {
        guard let tree, let blob = try repo.blobID(atPath: rel, inTree: tree) else { return nil }
        return try? JSONParser.parse(try repo.blob(blob)).value
      }
      for rel in paths.sorted()
      where rel.hasPrefix(Self.recordsFolder + "/") && rel.hasSuffix(".json") {
        guard let old = try stored(headTree, rel) else { continue }
        let theirs = try stored(mergeTree, rel)
        let id = old["id"]?.stringValue ?? rel
        guard FileSystem.exists(path(rel)) else {
          if theirs == nil && mergeTree != nil { continue }
          if old["provenance"]?["origin"]?.stringValue != "manual" {
            problems.append(
              "\(rel): deletes \(id), which sync or import wrote; records from Vendor Central are never deleted by hand (restore it: git checkout HEAD -- \(rel))"
            )
          }
          continue
        }
        guard let bytes = try? FileSystem.read(path(rel)),
          let new = try? JSONParser.parse(bytes).value
        else { continue }
        // Concluding a merge, source may hold what `acorn resolve` decided for a conflict.
        for key in ["source", "kind", "id", "marketplace"]
        where mergeTree == nil && new[key] != old[key] {
          let changed =
            RecordDiff.changes(
              from: .object([key: old[key] ?? .null]), to: .object([key: new[key] ?? .null])
            ).first?.field ?? key
          problems.append(
            "\(rel): \(changed) was edited by hand; \(key == "source" ? "source is Amazon's side, written only by sync and import" : "a record's \(key) is fixed"); restore it (git checkout HEAD -- \(rel)) and change workflow fields only"
          )
        }
        guard let kind = Record(json: new).kind else { continue }
        if mergeTree == nil {
          problems += roleProblems(
            id: id, kind: kind, old: old, new: new, author: author, rules: rules
          ).map { "\(rel): \($0)" }
        }
        for lifecycle in rules.lifecycles.applying(to: kind) {
          let from = old[lifecycle.field]?.stringValue ?? lifecycle.initial
          guard let to = new[lifecycle.field]?.stringValue else { continue }
          if let theirsState = theirs?[lifecycle.field]?.stringValue,
            to == theirsState || lifecycle.isReachable(from: theirsState, to: to)
          {
            continue
          }
          if let refusal = Self.illegalMove(id: id, lifecycle: lifecycle, from: from, to: to) {
            problems.append("\(rel): \(refusal.message)")
          }
        }
      }
    } catch {
      throw WorkspaceError("git.read", "cannot read HEAD to check the changes", cause: error)
    }
    guard !problems.isEmpty else { return }
    throw WorkspaceError(
      "commit.hand-edit",
      "refusing to commit what acorn set would refuse:\n  " + problems.joined(separator: "\n  "),
      refusal: true)
  }
}
