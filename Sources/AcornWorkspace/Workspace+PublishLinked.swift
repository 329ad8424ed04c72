import AcornAlerts
import AcornGit
import AcornIndex
import AcornModel
import AcornReconcile
import Foundation

/// An incremental publish whose changed records change what is derived from them recomputes only
/// the derived rows of the records linked to the changed ones, from the records linked to those
/// (docs/postgres.md, "Derived tables"): the reconciler and the alert engine run over a few
/// records rather than all of them.
extension Workspace {
  /// The derived rows a publish replaces, and the keys of the published rows they replace.
  struct LinkedDerivation {
    /// Each derived table's new rows (workspace first, `row_hash` last).
    var rows: [(DerivedTable, [[String?]])]
    /// Each derived table's keys whose published rows are deleted before `rows` are written.
    var replaced: [String: [String]]
    /// How many records the reconciler and the alert engine read.
    var records: Int
    /// What the index lacks of HEAD (nil: it holds HEAD), for the next publish.
    var overlay: IndexOverlay?
  }

  /// What the index lacks of a commit: the record files that differ between the index's commit
  /// (`base`) and `tip`, with `tip`'s blob ids (nil: no file there). Each incremental publish
  /// keeps it in `.acorn/publish-overlay.json`, so that the next one reads the files changed since
  /// the index's commit from git by their ids instead of walking both trees once more (that second
  /// walk was a third of a linked publish at a million records). A cache: used only when `base` is
  /// the index's commit and `tip` the commit last published, and then only to find files.
  struct IndexOverlay: Equatable {
    var base: ObjectID
    var tip: ObjectID
    var files: [String: ObjectID?]
  }

  var indexOverlayPath: String { path(".acorn/publish-overlay.json") }

  /// The overlay the last publish kept, if it reads.
  func readIndexOverlay() -> IndexOverlay? {
    guard let bytes = try? FileSystem.read(indexOverlayPath),
      let doc = try? JSONParser.parse(bytes).value,
      let base = doc["base"]?.stringValue.flatMap(ObjectID.init(hex:)),
      let tip = doc["tip"]?.stringValue.flatMap(ObjectID.init(hex:)),
      case .object(let members)? = doc["files"]
    else { return nil }
    var files: [String: ObjectID?] = [:]
    for (path, id) in members {
      if case .null = id {
        files.updateValue(nil, forKey: path)
      } else if let id = id.stringValue.flatMap(ObjectID.init(hex:)) {
        files.updateValue(id, forKey: path)
      } else {
        return nil
      }
    }
    return IndexOverlay(base: base, tip: tip, files: files)
  }

  /// Keeps `overlay` for the next publish (written whole, atomically; a failure only costs the
  /// next publish a walk of the trees).
  func writeIndexOverlay(_ overlay: IndexOverlay) {
    guard overlay.files.count <= Self.linkedLimit else {
      try? FileManager.default.removeItem(atPath: indexOverlayPath)
      return
    }
    let doc = JSONValue.object([
      "base": .string(overlay.base.hex), "tip": .string(overlay.tip.hex),
      "files": .object(overlay.files.mapValues { $0.map { .string($0.hex) } ?? .null }),
    ])
    try? FileSystem.writeAtomically(CanonicalJSON.bytes(doc), to: indexOverlayPath)
  }

  /// The overlay after a publish of `head` that did not read the index: the kept one (from the
  /// index's commit to `last`) with the changed files' new blobs, or just those when the index
  /// holds `last`; nil when neither can be told without reading the trees.
  func nextIndexOverlay(last: ObjectID, head: ObjectID, changed: [(String, ObjectID?)])
    -> IndexOverlay?
  {
    guard let lock = try? IndexLock(path: path(".acorn/index.lock"), shared: true, timeout: 0)
    else { return nil }
    defer { lock.release() }
    guard let state = try? RecordIndex(readOnlyAt: indexPath).state(),
      state.dirtyPaths.isEmpty, let indexed = state.commit.flatMap(ObjectID.init(hex:))
    else { return nil }
    var files: [String: ObjectID?]
    if let kept = readIndexOverlay(), kept.base == indexed, kept.tip == last {
      files = kept.files
    } else if indexed == last {
      files = [:]
    } else {
      return nil
    }
    for (path, id) in changed { files.updateValue(id, forKey: path) }
    return IndexOverlay(base: indexed, tip: head, files: files)
  }

  /// At most this many records are read for a linked recomputation; past it everything is
  /// recomputed (reading all the records in order is then the cheaper way).
  static let linkedLimit = 200_000

  /// The derived rows of the records within `AlertInput.linkRadius` links of the changed ones,
  /// computed from those within twice as many — or nil when they cannot be computed that way and
  /// everything is recomputed: a changed file that does not parse; the day the results are as of
  /// (the latest day any record speaks of) moved or may have; an aggregate alert spanning more
  /// than linked records changed (return rate, chargebacks, payment delay); uncommitted record
  /// changes in the index; or more than `linkedLimit` records linked.
  ///
  /// `changed`: each changed path with its version at the commit last published (`last`) and
  /// at `head`, as the publish read them from git; `asOf`: the day the published results are as of.
  func linkedDerivation(
    name: String, head: ObjectID, last: ObjectID,
    changed: [(path: String, old: [UInt8]?, new: [UInt8]?)], blobs: [ObjectID?],
    oldValues: [JSONValue?],
    newFiles: [IndexedFile?], asOf: Int
  ) throws(WorkspaceError) -> LinkedDerivation? {
    // Both versions of every changed file, as records (nil: absent); a file that does not parse
    // makes an unreadable finding and alert, which are not linked to anything.
    var old: [Record?] = []
    var new: [Record?] = []
    for i in changed.indices {
      if changed[i].old != nil {
        guard let value = oldValues[i], case .object = value else { return nil }
        old.append(Record(json: value))
      } else {
        old.append(nil)
      }
      switch newFiles[i] {
      case .record(let value)?: new.append(Record(json: value))
      case .broken?: return nil
      case .missing?, nil: new.append(nil)
      }
    }
    // The results are as of the latest day the records speak of: unchanged when no new version
    // speaks of a later day and the day is still spoken of — by a new version, by an unchanged
    // record (below, through the index), or because no old version spoke of it.
    var heldByOld = false
    var reachedByNew = false
    for (a, b) in zip(old, new) {
      if let d = a.flatMap(Reconciler.latestDay(of:)), d == asOf { heldByOld = true }
      if let d = b.flatMap(Reconciler.latestDay(of:)) {
        if d > asOf { return nil }
        if d == asOf { reachedByNew = true }
      }
    }

    // The rules and settings, read on a thread of their own while the records are found.
    let workspace = self
    let loaded = Parallel.start {
      Result { () throws(WorkspaceError) in
        let rules = try workspace.rules()
        return (
          try workspace.alertEngine(), rules, try workspace.reconcileRules(schemas: rules.schemas)
        )
      }
    }
    defer { _ = loaded.value }
    let lock = try IndexLock(path: path(".acorn/index.lock"), shared: true)
    defer { lock.release() }
    let index: RecordIndex
    let state: RecordIndex.State
    do {
      index = try RecordIndex(readOnlyAt: indexPath)
      state = try index.state()
    } catch {
      return nil
    }
    // The index holds the working tree as of its commit: HEAD's records are its records but for
    // the paths that changed since (read from git: `overlay`, nil where a path has no record).
    guard state.dirtyPaths.filter(Self.isRecordPath).isEmpty, let indexed = state.commit,
      let indexedID = ObjectID(hex: indexed)
    else { return nil }
    // HEAD's version of each file the index does not hold as HEAD has it, and their blob ids.
    var files: [String: IndexedFile?] = [:]
    var blobIDs: [String: ObjectID?] = [:]
    let changedPaths = Set(changed.map(\.path))
    if indexedID != head {
      do {
        let repo = try repository()
        var read: [(path: String, old: [UInt8]?, new: [UInt8]?)] = []
        if indexedID == last {
          // The index holds the commit last published: the changed files are what it lacks.
        } else if let kept = readIndexOverlay(), kept.base == indexedID, kept.tip == last {
          // What it lacked of the commit last published, as that commit (and so HEAD) has it.
          let more = kept.files.filter { !changedPaths.contains($0.key) }
          read = try readBlobs(more.map { ($0.key, nil, $0.value) })
          for (path, id) in more { blobIDs.updateValue(id, forKey: path) }
        } else {
          guard (try? repo.commitInfo(indexedID)) != nil else { return nil }
          let diff = try repo.diffTrees(
            try repo.treeID(ofCommit: indexedID), try repo.treeID(ofCommit: head)
          ).filter { Self.isRecordPath($0.path) && !changedPaths.contains($0.path) }
          guard diff.count <= Self.linkedLimit, !diff.contains(where: \.newIsSpecial) else {
            return nil
          }
          read = try readBlobs(diff)
          for c in diff { blobIDs.updateValue(c.newBlob, forKey: c.path) }
        }
        let parsed = Parallel.map(read.map(\.new), minimum: 64) { bytes -> IndexedFile? in
          bytes.map(Self.indexedFile)
        }
        for (b, f) in zip(read, parsed) { files.updateValue(f, forKey: b.path) }
      } catch let e as WorkspaceError {
        throw e
      } catch {
        throw WorkspaceError("publish.git", "cannot read the repository", cause: error)
      }
      for i in changed.indices {
        files.updateValue(newFiles[i], forKey: changed[i].path)
        blobIDs.updateValue(blobs[i], forKey: changed[i].path)
      }
    }
    var overlay: [String: Record?] = [:]
    for (path, file) in files {
      if case .record(let value)? = file {
        overlay.updateValue(Record(json: value), forKey: path)
      } else {
        overlay.updateValue(nil, forKey: path)
      }
    }
    // A changed record spoke of that day and none does now: is it still spoken of by another?
    if heldByOld && !reachedByNew {
      var held = false
      for (path, record) in overlay where !changedPaths.contains(path) {
        if let d = record.flatMap(Reconciler.latestDay(of:)), d == asOf { held = true }
      }
      do {
        held =
          try held
          || index.speaksOf(day: asOf, excluding: changedPaths.union(overlay.keys))
      } catch {
        throw WorkspaceError("publish.index", "cannot read the index", cause: error)
      }
      if !held { return nil }
    }
    var overlayByKey: [String: [String]] = [:]
    for (path, record) in overlay {
      guard let record else { continue }
      for key in AlertInput.linkKeys(record) { overlayByKey[key, default: []].append(path) }
    }

    // Outward from the changed records, a link at a time: the records carrying a value seen so
    // far (HEAD's, from the index or the overlay), and the values they carry.
    var found: [String: (record: Record, depth: Int)] = [:]
    var seen = Set<String>()
    for r in old + new { if let r { seen.formUnion(AlertInput.linkKeys(r)) } }
    var frontier = Array(seen)
    for depth in 1...(2 * AlertInput.linkRadius) where !frontier.isEmpty {
      var paths: Set<String>
      do {
        paths = Set(try index.pathsLinked(to: frontier)).filter { overlay[$0] == nil }
      } catch {
        throw WorkspaceError("publish.index", "cannot read the index", cause: error)
      }
      for key in frontier { paths.formUnion(overlayByKey[key] ?? []) }
      let fresh = paths.filter { found[$0] == nil }
      guard found.count + fresh.count <= Self.linkedLimit else { return nil }
      var next: [String] = []
      func take(_ path: String, _ record: Record) {
        found[path] = (record, depth)
        for key in AlertInput.linkKeys(record) where seen.insert(key).inserted {
          next.append(key)
        }
      }
      var fromIndex: [String] = []
      for path in fresh {
        if let r = overlay[path] { if let r { take(path, r) } } else { fromIndex.append(path) }
      }
      var read: [(String, Record)] = []
      do {
        try index.eachRecordJSON(paths: fromIndex) { path, bytes in
          if let r = Self.record(Array(bytes)) { read.append((path, r)) }
        }
      } catch {
        throw WorkspaceError("publish.index", "cannot read the index", cause: error)
      }
      for (path, r) in read { take(path, r) }
      frontier = next
    }

    // What the reconciler and the alert engine read of those records, in path order (as a run
    // over every record reads them).
    let (engine, rules, settings) = try loaded.value.get()
    var input = AlertInput(deadlines: engine.deadlines)
    // The records whose results are recomputed (with their kinds: each derived table holds one
    // kind's rows, each deadline rule matches one kind), with the old versions of the changed
    // ones, whose rows may be gone; and the purchase orders their invoices name.
    var mine: [(id: String, kind: RecordKind)] = []
    var groups = Set<String>()
    var marketplaces = Set<String>()
    func replace(_ record: Record) {
      guard let id = record.id, let kind = record.kind else { return }
      mine.append((id, kind))
      if kind == .invoice {
        for po in record.json["source"]?["purchaseOrderNumbers"]?.arrayValue ?? [] {
          if let po = po.stringValue { groups.insert(po) }
        }
      }
    }
    for path in found.keys.sorted() {
      guard let (record, depth) = found[path] else { continue }
      input.add(record)
      if let m = record.json["marketplace"]?.stringValue { marketplaces.insert(m) }
      if depth <= AlertInput.linkRadius { replace(record) }
    }
    let ids = Set(mine.map(\.id))
    for r in old {
      guard let r else { continue }
      replace(r)
      if let m = r.json["marketplace"]?.stringValue { marketplaces.insert(m) }
    }
    guard engine.aggregatesUnchanged(old: old, new: new, linked: input.reconcile, asOf: asOf)
    else { return nil }
    let result: ReconcileResult
    do {
      result = try Reconciler(rules: settings, lifecycles: rules.lifecycles).run(
        input.reconcile, asOf: asOf)
    } catch { throw WorkspaceError(error.code, error.message) }
    var linked = result
    linked.invoices = result.invoices.filter { ids.contains($0.id) }
    linked.deductions = result.deductions.filter { ids.contains($0.id) }
    linked.returns = result.returns.filter { ids.contains($0.id) }
    let alerts = engine.linkedAlerts(
      input, reconciliation: result, asOf: asOf, records: ids, groups: groups)
    let rows = Self.derivedValues(name: name, linked, alerts)
    func keys(_ kind: RecordKind) -> [String] {
      Array(Set(mine.filter { $0.kind == kind }.map(\.id)))
    }
    let alertIDs = Set(
      engine.linkedAlertIDs(records: mine, groups: groups, marketplaces: marketplaces.sorted())
    ).union(alerts.map(\.id))
    let t = Self.derivedTables
    return LinkedDerivation(
      rows: rows,
      replaced: [
        t[0].name: keys(.invoice), t[1].name: keys(.deduction), t[2].name: keys(.return),
        t[3].name: Array(alertIDs),
      ],
      records: found.count,
      overlay: indexedID == head ? nil : IndexOverlay(base: indexedID, tip: head, files: blobIDs))
  }
}
