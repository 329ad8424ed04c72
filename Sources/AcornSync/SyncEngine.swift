import AcornGit
import AcornModel
import AcornSPAPI
import AcornSandbox
import AcornWorkspace
import Foundation

/// Where records come from in one sync run.
public enum SyncSource: Sendable {
  /// The built-in deterministic vendor (selling as `vendorCode`, the workspace's own).
  case sandbox(seed: UInt64, vendorCode: String = "SBX01")
  /// The Selling Partner API (or `acorn sandbox serve` standing in for it).
  case spAPI(SPAPIClient)
  /// Records read from files (EDI, Vendor Central exports): written like a sync, without a cursor.
  case imported(description: String, records: [Record])

  public var name: String {
    switch self {
    case .sandbox: "sandbox"
    case .spAPI: "sp-api"
    case .imported: "import"
    }
  }
}

/// What one sync run did.
public struct SyncReport: Sendable {
  public struct Market: Sendable {
    public var marketplace: String
    public var since: String
    public var until: String
    public var new: Int
    public var changed: Int
    public var unchanged: Int
    /// Records this run saw older than what the branch already holds, and so left alone.
    public var older: Int = 0
  }

  public var source: String
  public var markets: [Market]
  /// The commit on `vendor-central`, or nil when nothing changed.
  public var syncCommit: ObjectID?
  public var merge: Workspace.MergeReport?
  /// Requests, throttling and retries of an SP-API run.
  public var requests: SPAPIClient.Stats?
  /// Per record id: "new", "changed" or "unchanged" (imports summarise them per file).
  public var outcomes: [String: String] = [:]
}

/// The sync engine: the one place sources, the workspace and git are wired together.
///
/// A run reads the cursor committed on `vendor-central` (`sync/<source>.json`), fetches or
/// generates Amazon's documents up to `until`, writes the records that changed onto
/// `vendor-central` as one commit — blobs and trees only, the working tree is not touched — with
/// the new cursor beside them, then merges `vendor-central` into the current branch (Amazon wins
/// `source`, the team keeps `workflow`). Nothing new: no commit. A run killed before the branch
/// moves leaves everything as it was; the rerun converges to the same bytes.
public struct SyncEngine {
  public var workspace: Workspace

  public init(workspace: Workspace) { self.workspace = workspace }

  public struct Options: Sendable {
    public var source: SyncSource
    public var marketplaces: [Marketplace]
    /// First day to read. Without it: the cursor's first day, else 90 days before `until`.
    public var since: Int?
    /// Day the data is as of (days since 1970): usually today, from the clock the caller passes.
    public var until: Int

    public init(source: SyncSource, marketplaces: [Marketplace], since: Int?, until: Int) {
      self.source = source
      self.marketplaces = marketplaces
      self.since = since
      self.until = until
    }
  }

  static let branch = Workspace.syncBranch

  public func run(_ options: Options, author: Signature, progress: (String) -> Void = { _ in })
    throws(WorkspaceError)
    -> SyncReport
  {
    let lock = try WorkspaceLock.acquire(workspace)
    defer { lock.release() }
    let markets = options.marketplaces.map(\.code)
    do {
      let report = try runLocked(options, author: author, progress: progress)
      var written: [String: Int] = [:]
      for m in report.markets { written[m.marketplace] = m.new + m.changed }
      workspace.recordSyncHealth(
        source: options.source.name, marketplaces: markets, error: nil,
        requests: report.requests?.requests, throttled: report.requests?.throttled,
        written: written, now: Date())
      return report
    } catch {
      var stats: SPAPIClient.Stats?
      if case .spAPI(let client) = options.source { stats = client.stats }
      workspace.recordSyncHealth(
        source: options.source.name, marketplaces: markets, error: error.message,
        requests: stats?.requests, throttled: stats?.throttled, written: [:], now: Date())
      throw error
    }
  }

  func runLocked(_ options: Options, author: Signature, progress: (String) -> Void)
    throws(WorkspaceError) -> SyncReport
  {
    let repo = try workspace.repository()
    do {
      let current = try repo.currentBranch()
      guard current != Self.branch else {
        throw WorkspaceError(
          "sync.branch",
          "you are on \(Self.branch), which only sync writes; switch to your work branch (git switch main)"
        )
      }
      guard try repo.status().isEmpty else {
        throw WorkspaceError(
          "sync.dirty",
          "the working tree has uncommitted changes; commit them first (acorn commit -m …), then sync"
        )
      }
      guard let head = try repo.resolveCommit("HEAD") else {
        throw WorkspaceError(
          "sync.empty", "the workspace has no commit yet; create it with acorn init")
      }
      let ref = "refs/heads/\(Self.branch)"
      let syncHead = try repo.referenceTarget(ref) ?? head
      let syncTree = try repo.treeID(ofCommit: syncHead)
      let cursorPath = "\(Workspace.syncFolder)/\(options.source.name).json"
      let cursor = try cursorFile(repo, syncTree, cursorPath)
      var cursorMarkets = cursor["marketplaces"]?.objectValue ?? [:]

      var changes: [String: ObjectID?] = [:]
      var markets: [SyncReport.Market] = []
      var outcomes: [String: String] = [:]
      func start(_ m: Marketplace) -> Int {
        options.since ?? cursorMarkets[m.code]?["since"]?.stringValue.flatMap(CivilDate.day)
          ?? (options.until - 90)
      }
      func cursorDay(_ m: Marketplace, _ key: String) -> Int? {
        cursorMarkets[m.code]?[key]?.stringValue.flatMap(CivilDate.day)
      }
      var isImport = false
      if case .imported = options.source { isImport = true }
      let observedOn = JSONValue.string(CivilDate.string(options.until))
      let observedPath = JSONPath([.key("provenance"), .key("observedOn")])
      var fetched: [String: [Record]] = [:]
      var knownInvoices: Set<String>?
      if case .spAPI(let client) = options.source {
        let earliest = options.marketplaces.map(start).min() ?? options.until
        // With a cursor for every marketplace, only what is new or changed since the last run
        // (a week of overlap) is read; the sync branch supplies the rest.
        let untils = options.marketplaces.compactMap {
          cursorMarkets[$0.code]?["until"]?.stringValue.flatMap(CivilDate.day)
        }
        let incremental = options.since == nil && untils.count == options.marketplaces.count
        let changedSince = incremental ? untils.min().map { Double($0 - 7) * 86_400 } : nil
        let existing = incremental ? try carriedRecords(repo, syncTree) : []
        fetched = try SPAPIFetch.records(
          client, marketplaces: options.marketplaces.sorted(), from: Double(earliest) * 86_400,
          to: Double(options.until + 1) * 86_400, changedSince: changedSince, existing: existing,
          progress: progress)
      }
      for marketplace in options.marketplaces.sorted() {
        let since = start(marketplace)
        progress(
          "\(options.source.name) \(marketplace.code): \(CivilDate.string(since)) … \(CivilDate.string(options.until))"
        )
        var records: [Record]
        switch options.source {
        case .sandbox(let seed, let vendorCode):
          records = SandboxVendor(seed: seed, vendorCode: vendorCode).records(
            marketplace: marketplace, start: since, asOf: options.until)
        case .spAPI:
          records = fetched[marketplace.code] ?? []
        case .imported(_, let all):
          records = all.filter { $0.marketplace == marketplace }
        }
        // A line read as a claim from its suffix alone stands only against a known invoice.
        if records.contains(where: { $0.kind == .remittance }) {
          if knownInvoices == nil { knownInvoices = try invoiceNumbers(repo, syncTree) }
          records = DeductionClassifier.review(records, knownInvoices: knownInvoices ?? [])
        }
        var market = SyncReport.Market(
          marketplace: marketplace.code, since: CivilDate.string(since),
          until: CivilDate.string(options.until), new: 0,
          changed: 0, unchanged: 0)
        for incoming in records {
          let rel = try placed(incoming)
          let existingBlob = try repo.blobID(atPath: rel, inTree: syncTree)
          var record = incoming
          // When Amazon's data was observed: the run's as-of day.
          if !isImport, let stamped = record.json.setting(observedOn, at: observedPath) {
            record = Record(json: stamped)
          }
          let existing = try existingBlob.flatMap { blob throws(GitError) in
            try? JSONParser.parse(try repo.blob(blob)).value
          }
          if !isImport, let existing {
            // Never replace source with an older observation of it; an unchanged source keeps
            // the day it was first observed, so a later run changes nothing.
            let seen = existing[observedPath]
            let sameSource =
              existing["source"] == record.json["source"]
              && (record.json.setting(seen, at: observedPath) ?? record.json)["provenance"]
                == existing["provenance"]
            let newer =
              seen?.stringValue.flatMap(CivilDate.day).map { $0 > options.until } ?? false
            if sameSource || newer {
              if newer && !sameSource { market.older += 1 }
              record = Record(json: existing)
            }
          }
          if let existing, let workflow = existing["workflow"],
            let kept = record.json.setting(workflow, at: JSONPath([.key("workflow")]))
          {
            // The sync branch never changes the team's side of a record it already has.
            record = Record(json: kept)
            // An export tells part of a document (a chargeback export has no payment, a remittance
            // no chargeback type): an import adds to what the branch knows, a sync replaces it.
            if case .imported = options.source, case .object(var merged)? = existing["source"],
              case .object(let incomingSource)? = record.json["source"]
            {
              for (k, v) in incomingSource { merged[k] = v }
              record = Record(
                json: record.json.setting(.object(merged), at: JSONPath([.key("source")]))
                  ?? record.json)
            }
          }
          let bytes = record.canonicalBytes
          let blob = try repo.hashBlob(bytes)
          if blob == existingBlob {
            market.unchanged += 1
            outcomes[record.id ?? rel] = "unchanged"
            continue
          }
          try Workspace.refuseCredentials([(rel, bytes)])
          changes[rel] = try repo.writeBlob(bytes)
          if existingBlob == nil { market.new += 1 } else { market.changed += 1 }
          outcomes[record.id ?? rel] = existingBlob == nil ? "new" : "changed"
        }
        markets.append(market)
        // The cursor never moves backwards: it covers from the earliest day read to the latest.
        let coveredFrom = min(since, cursorDay(marketplace, "since") ?? since)
        let coveredTo = max(options.until, cursorDay(marketplace, "until") ?? options.until)
        cursorMarkets[marketplace.code] = .object([
          "since": .string(CivilDate.string(coveredFrom)),
          "until": .string(CivilDate.string(coveredTo)),
          "lastRun": .string(
            CivilDate.string(
              max(options.until, cursorDay(marketplace, "lastRun") ?? options.until))),
        ])
      }
      var newCursor = cursor.objectValue ?? [:]
      newCursor["marketplaces"] = .object(cursorMarkets)
      newCursor["source"] = .string(options.source.name)
      if case .sandbox(let seed, _) = options.source {
        newCursor["seed"] = .number(DecimalNumber(Int(truncatingIfNeeded: seed)))
      }
      let cursorBytes = CanonicalJSON.bytes(.object(newCursor))
      if try !isImport
        && repo.blobID(atPath: cursorPath, inTree: syncTree) != (try repo.hashBlob(cursorBytes))
      {
        changes[cursorPath] = try repo.writeBlob(cursorBytes)
      }
      var syncCommit: ObjectID?
      if !changes.isEmpty {
        let tree = try repo.updateTree(base: syncTree, changes: changes)
        if tree != syncTree {
          let summary = markets.map { "\($0.marketplace): \($0.new) new, \($0.changed) changed" }
            .joined(separator: "; ")
          syncCommit = try repo.commit(
            tree: tree, parents: [syncHead],
            message: Self.message(options, summary), author: author,
            updating: nil)
          // Moving the branch is the one step that makes the run visible: all or nothing.
          try repo.setReference(
            ref, to: try produced(syncCommit), message: "acorn sync \(options.source.name)")
        }
      } else if try repo.referenceTarget(ref) == nil {
        try repo.setReference(ref, to: syncHead, message: "acorn sync: create \(Self.branch)")
      }
      progress("merging \(Self.branch) into \(current ?? "HEAD")")
      let merge = try workspace.merge(
        Self.branch, allowConflicts: false, author: author, lock: false)
      var stats: SPAPIClient.Stats?
      if case .spAPI(let client) = options.source { stats = client.stats }
      var report = SyncReport(
        source: options.source.name, markets: markets, syncCommit: syncCommit, merge: merge,
        requests: stats)
      report.outcomes = outcomes
      return report
    } catch let error as WorkspaceError {
      throw error
    } catch let error as SPAPIError {
      throw WorkspaceError(
        "sync.sp-api", "the SP-API sync stopped, nothing was changed: \(error)", cause: error)
    } catch {
      throw WorkspaceError("sync.failed", "sync failed", cause: error)
    }
  }

  static func message(_ options: Options, _ summary: String) -> String {
    if case .imported(let description, _) = options.source {
      return "Import \(description)\n\n\(summary)\n"
    }
    return "Sync \(options.source.name) as of \(CivilDate.string(options.until))\n\n\(summary)\n"
  }

  /// The orders, shipments and invoices on the sync branch (they complete PO quantities).
  func carriedRecords(_ repo: Repository, _ tree: ObjectID) throws(GitError) -> [Record] {
    var out: [Record] = []
    let kinds = [RecordKind.purchaseOrder, .shipment, .invoice].map { "/\($0.rawValue)/" }
    for (path, blob) in try repo.files(inTree: tree)
    where path.hasPrefix("records/") && kinds.contains(where: { path.contains($0) }) {
      if let value = try? JSONParser.parse(try repo.blob(blob)).value {
        out.append(Record(json: value))
      }
    }
    return out
  }

  /// The invoice numbers the sync branch knows, from the record paths alone (no file is read).
  func invoiceNumbers(_ repo: Repository, _ tree: ObjectID) throws(GitError) -> Set<String> {
    var out: Set<String> = []
    for path in try repo.files(inTree: tree).keys where path.contains("/invoice/") {
      let name = String((path.split(separator: "/").last ?? "").dropLast(5))
      guard let id = RecordFileName.decode(name) else { continue }
      // INV-<MKT>-<number>
      let parts = id.split(separator: "-", maxSplits: 2, omittingEmptySubsequences: false)
      if parts.count == 3 { out.insert(String(parts[2])) }
    }
    return out
  }

  func produced(_ id: ObjectID?) throws(WorkspaceError) -> ObjectID {
    guard let id else { throw WorkspaceError("sync.failed", "no commit was made") }
    return id
  }

  func placed(_ record: Record) throws(WorkspaceError) -> String {
    do { return try record.expectedPath().relativePath } catch {
      throw WorkspaceError(
        "sync.record", "cannot place a synced record (\(record.id ?? "?")): \(error)")
    }
  }

  func cursorFile(_ repo: Repository, _ tree: ObjectID, _ rel: String) throws(GitError) -> JSONValue
  {
    guard let blob = try repo.blobID(atPath: rel, inTree: tree),
      let value = try? JSONParser.parse(try repo.blob(blob)).value
    else { return .object([:]) }
    return value
  }
}
