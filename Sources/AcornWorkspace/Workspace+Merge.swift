import AcornGit
import AcornMerge
import AcornModel
import Foundation

/// Merging branches with the record-aware engine: in-process through libgit2, and the same
/// per-record step for `acorn merge-driver` (plain `git merge`).
extension Workspace {
  /// The branch sync and import write to; its side wins `source` fields when merged.
  public static let syncBranch = "vendor-central"

  /// A conflict as listed by `acorn conflicts`.
  public struct OpenConflict: Sendable {
    public var id: String
    public var path: String
    public var conflict: Conflict
  }

  public struct MergeReport: Sendable {
    public enum Outcome: Sendable, Equatable {
      case upToDate
      case fastForward(ObjectID)
      /// A merge commit, or nil when conflicts were left uncommitted (merge in progress).
      case merged(ObjectID?)
    }
    public var outcome: Outcome
    public var diff: WorkspaceDiff
    public var conflicts: [OpenConflict]
  }

  /// Everything a record merge needs from the workspace, loaded once per merge.
  public struct MergeContext {
    let schemas: JSONSchemaSet
    let lifecycles: LifecycleSet?
    let sourceSide: Side?
    var policies: [RecordKind: MergePolicy] = [:]

    mutating func policy(_ kind: RecordKind) -> MergePolicy {
      if let p = policies[kind] { return p }
      let p = MergePolicy(
        schemas: schemas, kind: kind, lifecycles: lifecycles, sourceSide: sourceSide)
      policies[kind] = p
      return p
    }
  }

  public func mergeContext(sourceSide: Side?) throws(WorkspaceError) -> MergeContext {
    let rules = try rules()
    return MergeContext(
      schemas: rules.schemas, lifecycles: rules.lifecycles, sourceSide: sourceSide)
  }

  /// Merges one record file's three versions: the engine, then validation of the result (schema,
  /// invariants, lifecycle); a violation becomes a conflict too. Returns the bytes to store (nil:
  /// delete the file) and the conflicts raised.
  public func mergeRecord(
    path rel: String, base: [UInt8]?, ours: [UInt8]?, theirs: [UInt8]?, context: inout MergeContext
  ) -> (bytes: [UInt8]?, conflicts: [Conflict]) {
    func parse(_ b: [UInt8]?) -> JSONValue? { b.flatMap { try? JSONParser.parse($0).value } }
    let (b, o, t) = (parse(base), parse(ours), parse(theirs))
    if (ours != nil && o == nil) || (theirs != nil && t == nil) {
      // A side that is not valid JSON cannot be merged field by field.
      let conflict = Conflict(
        field: "$", base: nil, ours: o == nil && ours != nil ? .string("invalid JSON") : nil,
        theirs: t == nil && theirs != nil ? .string("invalid JSON") : nil,
        reason: "a side is not valid JSON", rule: "record")
      return (ours ?? theirs, [conflict])
    }
    let kindText =
      (o ?? t ?? b)?["kind"]?.stringValue ?? rel.split(separator: "/").dropFirst(2).first.map(
        String.init) ?? ""
    guard let kind = RecordKind(rawValue: kindText) else {
      return (
        ours,
        [
          Conflict(
            field: "kind", base: nil, ours: nil, theirs: nil,
            reason: "unknown record kind \(kindText)", rule: "record")
        ]
      )
    }
    let result = RecordMerge.merge(base: b, ours: o, theirs: t, policy: context.policy(kind))
    guard let merged = result.merged else { return (nil, result.conflicts) }
    var bytes = Record(json: merged).canonicalBytes
    var ids: [String: String] = [:]
    let violations = validateRecord(
      bytes: bytes, at: rel, schemas: context.schemas, lifecycles: context.lifecycles,
      marketplaces: [], ids: &ids
    ).filter { $0.severity == .error && $0.code != "conflict.open" && $0.code != "record.path" }
      // A field already in conflict explains its own violation.
      .filter { v in !result.conflicts.contains { c in (v.path ?? "$").hasPrefix(c.field) } }
    guard !violations.isEmpty else { return (bytes, result.conflicts) }
    let raised = violations.map { v in
      Conflict(
        field: v.path ?? "$", base: nil, ours: nil, theirs: nil,
        reason: "the merged record is invalid (\(v.code)): \(v.message)", rule: "validation")
    }
    let withViolations = RecordMerge.attachConflicts(raised, to: merged)
    bytes = Record(json: withViolations).canonicalBytes
    return (bytes, result.conflicts + raised)
  }

  var mergeHeadPath: String { path(".git/MERGE_HEAD") }

  /// The commit being merged when a merge with conflicts was left uncommitted.
  public func mergeInProgress() -> ObjectID? {
    guard let text = try? String(contentsOfFile: mergeHeadPath, encoding: .utf8) else { return nil }
    return ObjectID(hex: text.trimmingCharacters(in: .whitespacesAndNewlines))
  }

  /// Present while a merge writes its files: the merged tree, so an interrupted write is finished.
  var mergeWritingPath: String { path(".git/ACORN_MERGE_TREE") }

  /// Finishes the file writes of a merge killed while writing them (`.git/ACORN_MERGE_TREE`): the
  /// paths where the merged tree differs from HEAD get the merged content. Idempotent; called with
  /// the workspace lock held, before any command changes the workspace.
  func completeInterruptedMerge() throws(WorkspaceError) {
    guard let text = try? String(contentsOfFile: mergeWritingPath, encoding: .utf8) else { return }
    let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
    guard fields.count == 3, let merged = ObjectID(hex: fields[0]),
      let recordedHead = ObjectID(hex: fields[1]), let recordedTheirs = ObjectID(hex: fields[2])
    else {
      throw WorkspaceError(
        "merge.interrupted",
        "\(mergeWritingPath) does not name a merged tree, HEAD and MERGE_HEAD; remove it and merge again"
      )
    }
    do {
      let repo = try repository()
      let headCommit = try repo.resolveCommit("HEAD")
      // The merge was aborted (git merge --abort), concluded or replaced since: nothing to finish.
      guard headCommit == recordedHead, mergeInProgress() == recordedTheirs else {
        try? FileManager.default.removeItem(atPath: mergeWritingPath)
        return
      }
      let head = try headCommit.map { c throws(GitError) in try repo.treeID(ofCommit: c) }
      var writes: [String: [UInt8]?] = [:]
      for change in try repo.diffTrees(head, merged) {
        writes[change.path] = try change.newBlob.map { b throws(GitError) in try repo.blob(b) }
      }
      try writeMergedFiles(writes)
      try repo.syncIndex(paths: Array(writes.keys).sorted())
    } catch let error as WorkspaceError {
      throw error
    } catch {
      throw WorkspaceError(
        "merge.interrupted", "cannot finish the interrupted merge's writes", cause: error)
    }
    try? FileManager.default.removeItem(atPath: mergeWritingPath)
  }

  /// Writes (or, for nil, deletes) each file, stopping after `limit` files when given (a test's
  /// stand-in for a kill).
  func writeMergedFiles(_ writes: [String: [UInt8]?], limit: Int? = nil) throws(WorkspaceError) {
    for rel in writes.keys where !Repository.isSafePath(rel) {
      throw WorkspaceError(
        "merge.unsafe-path", "refusing to write \"\(rel)\": a path git would never write either")
    }
    for (n, (rel, bytes)) in writes.sorted(by: { $0.key < $1.key }).enumerated() {
      if let limit, n >= limit {
        throw WorkspaceError("merge.killed", "stopped after \(limit) files (test)")
      }
      do {
        if let bytes {
          try FileSystem.writeAtomically(bytes, to: try writablePath(rel))
        } else if FileSystem.exists(path(rel)) {
          try FileManager.default.removeItem(atPath: path(rel))
        }
      } catch {
        throw WorkspaceError("merge.write", "cannot write \(rel)", cause: error)
      }
    }
  }

  /// Present while a fast-forward moves the working tree and the branch: `<old> <new>` commits.
  var fastForwardJournalPath: String { path(".git/ACORN_FAST_FORWARD") }

  /// Fast-forwards the current branch to `target`, journaled: killed between updating the files
  /// and moving the branch (or in the middle of the files), the next command finishes it
  /// (`completeInterruptedFastForward`) instead of seeing a working tree that looks edited.
  func fastForward(_ repo: Repository, to target: ObjectID, message: String) throws(WorkspaceError)
  {
    let old: ObjectID?
    do {
      old = try repo.resolveCommit("HEAD")
      if let old {
        try FileSystem.writeAtomically(
          Array("\(old.hex) \(target.hex)\n".utf8), to: fastForwardJournalPath)
      }
    } catch {
      throw WorkspaceError(
        "git.fast-forward", "cannot fast-forward to \(target.short): cannot write its journal",
        cause: error)
    }
    do {
      try repo.fastForward(to: target, message: message)
    } catch {
      // Failed, not killed (a full disk, a file-size limit, a file in the way): the files it
      // wrote are put back as they were, so the workspace is as before the command.
      if let old, (try? repo.resolveCommit("HEAD")) == old {
        try? restoreFiles(repo, from: target, to: old)
        try? FileSystem.remove(fastForwardJournalPath)
      }
      throw WorkspaceError(
        "git.fast-forward",
        "cannot fast-forward to \(target.short): its files could not all be written (uncommitted changes in the way, a full disk or a file-size limit); nothing was changed",
        cause: error)
    }
    if old != nil { try? FileSystem.remove(fastForwardJournalPath) }
  }

  /// Writes back the content of `old` at every path where it differs from `new`.
  func restoreFiles(_ repo: Repository, from new: ObjectID, to old: ObjectID) throws {
    var writes: [String: [UInt8]?] = [:]
    for change in try repo.diffTrees(
      try repo.treeID(ofCommit: old), try repo.treeID(ofCommit: new))
    {
      let full = path(change.path)
      guard let oldBlob = change.oldBlob else {
        if FileSystem.exists(full) { writes[change.path] = .some(nil) }
        continue
      }
      let bytes = try repo.blob(oldBlob)
      if (try? FileSystem.read(full)) != bytes { writes[change.path] = bytes }
    }
    try writeMergedFiles(writes)
    try repo.syncIndex(paths: Array(writes.keys).sorted())
  }

  /// Finishes a fast-forward a kill interrupted (`.git/ACORN_FAST_FORWARD`): while the branch is
  /// still at the old commit, every path the two commits differ in gets the new content and the
  /// branch moves; once it has moved, the files were already written. Called with the lock held.
  func completeInterruptedFastForward() throws(WorkspaceError) {
    guard let text = try? String(contentsOfFile: fastForwardJournalPath, encoding: .utf8) else {
      return
    }
    let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
    guard fields.count == 2, let old = ObjectID(hex: fields[0]), let new = ObjectID(hex: fields[1])
    else {
      throw WorkspaceError(
        "git.fast-forward",
        "\(fastForwardJournalPath) does not name two commits; remove it and run the command again")
    }
    do {
      let repo = try repository()
      if try repo.resolveCommit("HEAD") == old {
        var writes: [String: [UInt8]?] = [:]
        for change in try repo.diffTrees(
          try repo.treeID(ofCommit: old), try repo.treeID(ofCommit: new))
        {
          writes[change.path] = try change.newBlob.map { b throws(GitError) in try repo.blob(b) }
        }
        try writeMergedFiles(writes)
        guard let branch = try repo.currentBranch() else {
          throw WorkspaceError("git.fast-forward", "HEAD names no branch to move")
        }
        try repo.setReference(
          branch.hasPrefix("refs/") ? branch : "refs/heads/\(branch)", to: new,
          message: "fast-forward: finished after an interruption")
        try repo.syncIndex(paths: Array(writes.keys).sorted())
      }
    } catch let error as WorkspaceError {
      throw error
    } catch {
      throw WorkspaceError(
        "git.fast-forward", "cannot finish the interrupted fast-forward", cause: error)
    }
    try? FileSystem.remove(fastForwardJournalPath)
  }

  /// A merge whose commit was made but whose `.git/MERGE_HEAD` a kill left behind is over.
  func clearConcludedMerge() {
    guard let merging = mergeInProgress(), let repo = try? repository(),
      let head = try? repo.resolveCommit("HEAD"), (try? repo.isAncestor(merging, of: head)) == true
    else { return }
    endMerge()
  }

  /// Finishes whatever a killed command left half done (a merge's or a fast-forward's file
  /// writes, a concluded merge's leftover state); what `acorn doctor --fix` runs.
  public func repairInterrupted() throws(WorkspaceError) {
    let lock = try WorkspaceLock.acquire(self)
    lock.release()
  }

  /// What a killed command left half done, for `acorn doctor`.
  public var interruptedWork: [String] {
    var out: [String] = []
    if FileSystem.exists(fastForwardJournalPath) {
      out.append("a fast-forward was interrupted (\(fastForwardJournalPath))")
    }
    if FileSystem.exists(mergeWritingPath) {
      out.append("a merge was interrupted while writing its files (\(mergeWritingPath))")
    }
    return out
  }

  func endMerge() {
    try? FileManager.default.removeItem(atPath: mergeHeadPath)
    try? FileManager.default.removeItem(atPath: path(".git/MERGE_MSG"))
    try? FileManager.default.removeItem(atPath: path(".git/MERGE_MODE"))
  }

  /// Merges `revision` into the current branch. Fast-forwards when possible; otherwise merges the
  /// trees, running the engine on every record both sides changed (and only those). Commits the
  /// merge when there are no conflicts, or with `allowConflicts` (the records carry them);
  /// otherwise leaves the merge in progress (`.git/MERGE_HEAD`) for `acorn resolve` + `acorn commit`.
  public func merge(
    _ revision: String, allowConflicts: Bool, author: Signature, message: String? = nil,
    lock: Bool = true
  ) throws(WorkspaceError) -> MergeReport {
    try merge(
      revision, allowConflicts: allowConflicts, author: author, message: message, lock: lock,
      killAfterWrites: nil)
  }

  /// `killAfterWrites`: stop after that many files, leaving what a kill would leave (tests).
  func merge(
    _ revision: String, allowConflicts: Bool, author: Signature, message: String?, lock: Bool,
    killAfterWrites: Int?
  ) throws(WorkspaceError) -> MergeReport {
    let held = lock ? try WorkspaceLock.acquire(self) : nil
    defer { held?.release() }
    let repo = try repository()
    do {
      if let inProgress = mergeInProgress() {
        // The same merge run again after it was stopped before its commit (killed, or the
        // machine went down): with nothing left to resolve, this run concludes it.
        if try repo.resolveCommit(revision) == inProgress, try openConflicts().isEmpty {
          let ours = try repo.resolveCommit("HEAD")
          let text = try? String(contentsOfFile: path(".git/MERGE_MSG"), encoding: .utf8)
          let (commit, _) = try commitAllLocked(
            message: text ?? "Merge \(revision)\n", author: author)
          return MergeReport(
            outcome: .merged(commit), diff: try diff(from: ours, to: commit), conflicts: [])
        }
        throw WorkspaceError(
          "merge.in-progress",
          "a merge is in progress: resolve its conflicts (acorn conflicts, acorn resolve) and acorn commit, first"
        )
      }
      guard try repo.status().isEmpty else {
        throw WorkspaceError(
          "merge.dirty",
          "the working tree has uncommitted changes; commit them first (acorn commit -m …)")
      }
      guard let theirs = try repo.resolveCommit(revision) else {
        throw WorkspaceError("git.revision", "unknown revision \(revision)")
      }
      guard let ours = try repo.resolveCommit("HEAD") else {
        try fastForward(repo, to: theirs, message: "merge \(revision): fast-forward")
        _ = try commitRefreshedReconciliation(author: author, reason: "merging \(revision)")
        return MergeReport(
          outcome: .fastForward(theirs), diff: try diff(from: nil, to: theirs), conflicts: [])
      }
      if try repo.isAncestor(theirs, of: ours) {
        return MergeReport(
          outcome: .upToDate, diff: WorkspaceDiff(records: [], files: []), conflicts: [])
      }
      if try repo.isAncestor(ours, of: theirs) {
        try fastForward(repo, to: theirs, message: "merge \(revision): fast-forward")
        // Records arrived; results derived from them follow, in a commit of their own.
        _ = try commitRefreshedReconciliation(author: author, reason: "merging \(revision)")
        return MergeReport(
          outcome: .fastForward(theirs), diff: try diff(from: ours, to: theirs), conflicts: [])
      }
      let current = try repo.currentBranch() ?? "HEAD"
      let theirsIsSync = revision == Self.syncBranch || revision.hasSuffix("/" + Self.syncBranch)
      let sourceSide: Side? = theirsIsSync && current != Self.syncBranch ? .theirs : nil
      let base = try repo.mergeBase(ours, theirs)
      let baseTree = try base.map { id throws(GitError) in try repo.treeID(ofCommit: id) }
      let oursTree = try repo.treeID(ofCommit: ours)
      let theirsTree = try repo.treeID(ofCommit: theirs)
      let ourChanges = Dictionary(
        try repo.diffTrees(baseTree, oursTree).map { ($0.path, $0) },
        uniquingKeysWith: { a, _ in a })
      var context = try mergeContext(sourceSide: sourceSide)
      var writes: [String: [UInt8]?] = [:]
      var conflicts: [OpenConflict] = []
      var unmergeable: [String] = []
      let theirChanges = try repo.diffTrees(baseTree, theirsTree)
      if let special = theirChanges.first(where: \.newIsSpecial) {
        throw WorkspaceError(
          "merge.special-file",
          "\(revision) makes \(special.path) a symbolic link or submodule; a workspace holds regular files only, so it is not merged",
          refusal: true)
      }
      // Reconciliation files are derived: never merged, recomputed from the merged records.
      let reconciled =
        usesReconciliation || theirChanges.contains { Self.isReconciliationPath($0.path) }
      for (n, change) in theirChanges.enumerated() where !Self.isReconciliationPath(change.path) {
        if n % 256 == 0 {
          progress?(ProgressReport("merging", done: n, of: theirChanges.count))
        }
        let rel = change.path
        guard let mine = ourChanges[rel] else {
          writes[rel] = try change.newBlob.map { b throws(GitError) in try repo.blob(b) }
          continue
        }
        if mine.newBlob == change.newBlob { continue }
        guard Self.isRecordPath(rel) else {
          unmergeable.append(rel)
          continue
        }
        let result = mergeRecord(
          path: rel, base: try change.oldBlob.map { b throws(GitError) in try repo.blob(b) },
          ours: try mine.newBlob.map { b throws(GitError) in try repo.blob(b) },
          theirs: try change.newBlob.map { b throws(GitError) in try repo.blob(b) },
          context: &context)
        writes[rel] = result.bytes
        let name = String((rel.split(separator: "/").last ?? "").dropLast(5))
        let id =
          result.bytes.flatMap { try? JSONParser.parse($0).value["id"]?.stringValue }
          ?? RecordFileName.decode(name) ?? name
        conflicts += result.conflicts.map { OpenConflict(id: id, path: rel, conflict: $0) }
      }
      if !unmergeable.isEmpty {
        throw WorkspaceError(
          "merge.files",
          "both sides changed \(unmergeable.joined(separator: ", ")) differently; settings and rules are not merged automatically: make them equal on one side and merge again",
          refusal: true)
      }
      let subject = message ?? "Merge \(revision) into \(current)"
      let summary =
        conflicts.isEmpty
        ? ""
        : "\n\nOpen conflicts:\n"
          + conflicts.map { "  \($0.id) \($0.conflict.field): \($0.conflict.reason)" }.joined(
            separator: "\n")
      // The merged tree goes into the object store and is named in `.git/ACORN_MERGE_TREE`, with
      // the merge in progress, before a file is touched: killed while writing, the next command
      // finishes the writes (completeInterruptedMerge), so no half-merged working tree remains.
      let mergedTree = try repo.updateTree(
        base: oursTree,
        changes: writes.mapValues { b throws(GitError) in try b.map(repo.writeBlob) })
      do {
        try (theirs.hex + "\n").write(toFile: mergeHeadPath, atomically: true, encoding: .utf8)
        try (subject + summary + "\n").write(
          toFile: path(".git/MERGE_MSG"), atomically: true, encoding: .utf8)
        try ("\(mergedTree.hex) \(ours.hex) \(theirs.hex)\n").write(
          toFile: mergeWritingPath, atomically: true, encoding: .utf8)
      } catch {
        throw WorkspaceError("merge.write", "cannot record the merge in progress", cause: error)
      }
      try writeMergedFiles(writes, limit: killAfterWrites)
      try? FileManager.default.removeItem(atPath: mergeWritingPath)
      var derived: [String] = []
      if reconciled {
        try? FileSystem.makeDirectories(path(Self.reconciliationFolder))
        derived = try refreshReconciliation()
      }
      if conflicts.isEmpty || allowConflicts {
        let commit = try self.commit(
          paths: Array(writes.keys) + derived, message: subject + summary + "\n", author: author,
          extraParents: [theirs])
        endMerge()
        return MergeReport(
          outcome: .merged(commit), diff: try diff(from: ours, to: commit), conflicts: conflicts)
      }
      try repo.syncIndex(paths: Array(writes.keys).sorted())
      return MergeReport(
        outcome: .merged(nil), diff: try diff(from: ours, to: nil), conflicts: conflicts)
    } catch let error as WorkspaceError {
      throw error
    } catch {
      throw WorkspaceError("merge.failed", "cannot merge \(revision)", cause: error)
    }
  }

  /// Every open conflict in the workspace (from the index).
  public func openConflicts() throws(WorkspaceError) -> [OpenConflict] {
    let rows = try query("SELECT id, path, json FROM records WHERE conflicts > 0 ORDER BY id").rows
    var out: [OpenConflict] = []
    for row in rows {
      guard row.count == 3, let id = row[0].stringValue, let rel = row[1].stringValue,
        let text = row[2].stringValue,
        let record = try? JSONParser.parse(text)
      else { continue }
      for c in record["conflicts"]?.arrayValue ?? [] {
        if let conflict = Conflict(json: c) {
          out.append(OpenConflict(id: id, path: rel, conflict: conflict))
        }
      }
    }
    return out
  }

  public enum Resolution: Sendable {
    case ours, theirs
    case value(String)
  }

  /// Settles a record's open conflicts (all, or those on `field`) with our side, their side or a
  /// value; validates the result; writes it; commits unless a merge is in progress (then
  /// `acorn commit` concludes the merge).
  public func resolve(
    _ query: String, field: String?, with resolution: Resolution, author: Signature
  ) throws(WorkspaceError) -> (id: String, resolved: [Conflict], commit: ObjectID?) {
    let lock = try WorkspaceLock.acquire(self)
    defer { lock.release() }
    let entry = try findRecord(query)
    var json = try readRecord(entry).json
    let before = json
    let open = (json["conflicts"]?.arrayValue ?? []).compactMap(Conflict.init(json:))
    let chosen = open.filter { field == nil || $0.field == field }
    guard !chosen.isEmpty else {
      let fields = open.map(\.field)
      throw WorkspaceError(
        "resolve.none",
        fields.isEmpty
          ? "\(entry.id) has no open conflicts"
          : "\(entry.id) has no conflict on \(field ?? "?") (open: \(fields.joined(separator: ", ")))",
        refusal: true)
    }
    let rules = try rules()
    let schemas = rules.schemas
    var deleteRecord = false
    for conflict in chosen {
      let value: JSONValue?
      switch resolution {
      case .ours: value = conflict.ours
      case .theirs: value = conflict.theirs
      case .value(let text):
        guard let fp = FieldPath(conflict.field), let kind = Record(json: json).kind else {
          throw WorkspaceError(
            "resolve.value", "--set needs a single field (--field)", refusal: true)
        }
        let schematic = JSONPath(
          fp.components.map { c -> JSONPath.Component in
            switch c {
            case .key(let k): return .key(k)
            case .index, .keyed: return .index(0)
            }
          })
        guard let schema = schemas.subschema(at: schematic, in: kind.schemaFileName) else {
          throw WorkspaceError("resolve.value", "no schema for \(conflict.field)", refusal: true)
        }
        value = try Self.coerce(text, schema: schema, field: conflict.field)
      }
      if conflict.field == "$" {
        deleteRecord = value == nil
        continue
      }
      // A validation conflict is settled by a value, or by fixing the fields it names.
      if conflict.rule == "validation", case .value = resolution {
      } else if conflict.rule == "validation" {
        continue
      }
      guard let path = FieldPath(conflict.field), let updated = path.setting(value, in: json) else {
        throw WorkspaceError(
          "resolve.field", "cannot set \(conflict.field) on \(entry.id)", refusal: true)
      }
      json = updated
    }
    let remaining = open.filter { !chosen.contains($0) && $0.rule != "validation" }
    json = RecordMerge.attachConflicts(remaining, to: json, replacing: true)
    // The state a resolution produces counts as a move by the person who resolves.
    if let kind = Record(json: json).kind {
      let forbidden = roleProblems(
        id: entry.id, kind: kind, old: before, new: json, author: author, rules: rules)
      if !forbidden.isEmpty {
        throw WorkspaceError("role.forbidden", forbidden.joined(separator: "; "), refusal: true)
      }
    }
    if deleteRecord {
      try? FileManager.default.removeItem(atPath: path(entry.path))
    } else {
      // As after a merge: what is still invalid (and not explained by an open conflict) stays open.
      var ids: [String: String] = [:]
      let problems = validateRecord(
        bytes: Record(json: json).canonicalBytes, at: entry.path, schemas: schemas,
        lifecycles: rules.lifecycles,
        marketplaces: [], ids: &ids
      ).filter { $0.severity == .error && $0.code != "conflict.open" && $0.code != "record.path" }
      if problems.contains(where: { $0.code.hasPrefix("schema.") }) {
        throw WorkspaceError(
          "resolve.invalid",
          "refusing: the result does not match the schema: "
            + problems.map { "\($0.path ?? "$"): \($0.message)" }.joined(separator: "; "),
          refusal: true)
      }
      let unexplained = problems.filter { p in
        !remaining.contains { (p.path ?? "$").hasPrefix($0.field) }
      }
      json = RecordMerge.attachConflicts(
        unexplained.map {
          Conflict(
            field: $0.path ?? "$", base: nil, ours: nil, theirs: nil,
            reason: "the resolved record is invalid (\($0.code)): \($0.message)", rule: "validation"
          )
        }, to: json)
      try write(Record(json: json))
    }
    var commit: ObjectID?
    if mergeInProgress() == nil {
      let how: String
      switch resolution {
      case .ours: how = "ours"
      case .theirs: how = "theirs"
      case .value(let v): how = "= \(v)"
      }
      commit = try self.commit(
        paths: [entry.path], message: "Resolve \(entry.id) \(field ?? "all conflicts") (\(how))\n",
        author: author)
    } else {
      let repo = try repository()
      do { try repo.syncIndex(paths: [entry.path]) } catch {
        throw WorkspaceError("git.index", "cannot update the git index", cause: error)
      }
    }
    return (entry.id, chosen, commit)
  }
}

extension RecordMerge {
  /// Adds conflicts to a record's `conflicts` (replacing ones on the same field), or with
  /// `replacing`, makes them the whole list.
  public static func attachConflicts(
    _ conflicts: [Conflict], to record: JSONValue, replacing: Bool = false
  ) -> JSONValue {
    let existing = replacing ? [] : (record["conflicts"]?.arrayValue ?? [])
    guard case .object(var members) = record else { return record }
    let fields = Set(conflicts.map(\.field))
    let kept = existing.compactMap(Conflict.init(json:)).filter { !fields.contains($0.field) }
    let all = (kept + conflicts).sorted()
    if all.isEmpty {
      members.removeValue(forKey: "conflicts")
    } else {
      members["conflicts"] = .array(all.map(\.json))
    }
    return .object(members)
  }
}
