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
    name: String, repo: Repository, head: ObjectID, last: ObjectID,
    changed: [(path: String, old: [UInt8]?, new: [UInt8]?)], oldValues: [JSONValue?],
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
    var overlay: [String: Record?] = [:]
    if indexedID == last {
      for i in changed.indices { overlay.updateValue(new[i], forKey: changed[i].path) }
    } else if indexedID != head {
      do {
        guard (try? repo.commitInfo(indexedID)) != nil else { return nil }
        let diff = try repo.diffTrees(
          try repo.treeID(ofCommit: indexedID), try repo.treeID(ofCommit: head)
        ).filter { Self.isRecordPath($0.path) }
        guard diff.count <= Self.linkedLimit, !diff.contains(where: \.newIsSpecial) else {
          return nil
        }
        let blobs = try readBlobs(diff)
        let parsed = Parallel.map(blobs.map(\.new), minimum: 64) { bytes -> Record? in
          bytes.flatMap(Self.record)
        }
        for (b, r) in zip(blobs, parsed) { overlay.updateValue(r, forKey: b.path) }
      } catch let e as WorkspaceError {
        throw e
      } catch {
        throw WorkspaceError("publish.git", "cannot read the repository", cause: error)
      }
    }
    // A changed record spoke of that day and none does now: is it still spoken of by another?
    if heldByOld && !reachedByNew {
      let changedPaths = Set(changed.map(\.path))
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
    let engine = try alertEngine()
    let rules = try rules()
    let settings = try reconcileRules(schemas: rules.schemas)
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
      records: found.count)
  }
}
