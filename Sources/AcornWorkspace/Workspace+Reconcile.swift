import AcornGit
import AcornIndex
import AcornModel
import AcornReconcile
import Foundation
import Synchronization

/// `acorn reconcile`: the reconciler over every record, its results written under
/// `reconciliation/` and committed, and (with `apply`) the lifecycle moves it proposes made
/// through the same rules as `acorn set`.
extension Workspace {
  public static let reconciliationFolder = "reconciliation"

  public struct ReconcileOptions: Sendable {
    /// The day results are as of (days since 1970); default: the latest day the records speak of.
    public var asOf: Int?
    public var marketplace: String?
    public var apply: Bool
    public var commit: Bool

    public init(
      asOf: Int? = nil, marketplace: String? = nil, apply: Bool = false, commit: Bool = true
    ) {
      self.asOf = asOf
      self.marketplace = marketplace
      self.apply = apply
      self.commit = commit
    }
  }

  public struct ReconcileOutcome: Sendable {
    public var result: ReconcileResult
    /// Files written or removed under `reconciliation/` (paths relative to the root).
    public var changedFiles: [String]
    public var applied: [Proposal]
    public var commit: ObjectID?
  }

  /// `rules/reconcile.yaml` (defaults when the file is absent; refused when it does not load).
  /// Checked against `schemas` when the caller has them loaded already (`rules()`'s: compiling
  /// every schema again costs tens of milliseconds on each command).
  public func reconcileRules(schemas loaded: JSONSchemaSet? = nil) throws(WorkspaceError)
    -> ReconcileRules
  {
    let file = "rules/reconcile.yaml"
    guard FileSystem.exists(path(file)) else { return ReconcileRules() }
    var findings: [Finding] = []
    let schemas = loaded ?? loadSchemas(into: &findings)
    guard let value = loadSetting(file, schema: "reconcile.schema.json", schemas, &findings) else {
      throw Self.rulesError(findings.filter { $0.severity == .error }.sorted())
    }
    var tolerance: [String: DecimalNumber] = [:]
    for (k, v) in value["tolerance"]?.objectValue ?? [:] {
      if let text = v.stringValue, let d = try? DecimalNumber(parsing: text) { tolerance[k] = d }
    }
    return ReconcileRules(
      tolerance: tolerance, creditNoteDays: value["creditNoteDays"]?.intValue ?? 30)
  }

  /// Every record file that parses, as records, in path order (broken files are reported by
  /// validate). Read and parsed on every core.
  func allRecords() -> [Record] {
    foldRecords([Record]()) { $0.append($1) }.flatMap { $0 }
  }

  /// What the reconciler reads of every record file: the views alone, so the records' JSON is
  /// dropped as soon as each file is read (memory follows the views, not the files).
  func reconcileInput() -> ReconcileInput {
    foldRecords(ReconcileInput(), { $0.add($1) }, unreadable: { $0.unreadable.append($1) })
      .reduce(into: ReconcileInput()) { $0.merge($1) }
  }

  /// Reads and parses the record files in parts side by side, each part folding its records
  /// into its own copy of `initial`; the parts come back in path order. Files that cannot be
  /// read or do not parse as an object are skipped, or handed to `unreadable` with the reason.
  func foldRecords<Part: Sendable>(
    _ initial: Part, _ add: @escaping @Sendable (inout Part, Record) -> Void,
    unreadable: (@Sendable (inout Part, UnreadableFile) -> Void)? = nil
  ) -> [Part] {
    let files = recordFiles().filter { $0.hasSuffix(".json") }
    let (root, progress) = (root, progress)
    let done = Counter()
    progress?(ProgressReport("reading", done: 0, of: files.count))
    return Parallel.parts(files.count, minimum: 512) { range in
      var part = initial
      for (n, rel) in files[range].enumerated() {
        if n % 256 == 255, let progress {
          progress(ProgressReport("reading", done: done.add(256), of: files.count))
        }
        switch Self.recordOrReason(root + "/" + rel) {
        case .success(let record): add(&part, record)
        case .failure(let why): unreadable?(&part, UnreadableFile(path: rel, reason: why.message))
        }
      }
      return part
    }
  }

  /// A record file's bytes as the folds read them: a JSON object, or nothing (`acorn validate`
  /// reports the rest).
  static func record(_ bytes: [UInt8]) -> Record? {
    guard let value = try? JSONParser.parse(bytes).value, case .object = value else { return nil }
    return Record(json: value)
  }

  /// A record file as the folds read it, or why it cannot be, in the index's words (it cannot
  /// be read; git conflict markers; not JSON, at a line; not an object).
  static func recordOrReason(_ path: String) -> Result<Record, WorkspaceError> {
    let bytes: [UInt8]
    do { bytes = try FileSystem.read(path) } catch {
      return .failure(WorkspaceError("record.unreadable", "cannot be read: \(error)"))
    }
    switch indexedFile(bytes) {
    case .record(let value): return .success(Record(json: value))
    case .broken(let why): return .failure(WorkspaceError("record.unreadable", why))
    case .missing: return .failure(WorkspaceError("record.unreadable", "missing"))
    }
  }

  /// `foldRecords` over the index's copy of the records, which must be up to date with the
  /// working tree (a publish brings it there first): the same records in the same order, read
  /// from one file by a connection on each core instead of a file opened for each (at 100,000
  /// records 1.8 s instead of 3.0 warm; cold, one file's reads instead of 100,000 files'). The
  /// index lock is held shared meanwhile, so no update lands between the connections' reads.
  func foldIndexedRecords<Part: Sendable>(
    _ initial: Part, _ add: @escaping @Sendable (inout Part, Record) -> Void,
    unreadable: (@Sendable (inout Part, UnreadableFile) -> Void)? = nil
  ) throws(WorkspaceError) -> [Part] {
    let lock = try IndexLock(path: path(".acorn/index.lock"), shared: true)
    defer { lock.release() }
    let path = indexPath
    do {
      let runs = try RecordIndex(readOnlyAt: path).recordRuns(
        ProcessInfo.processInfo.activeProcessorCount)
      let parts = Parallel.map(runs, minimum: 1) { run in
        Result { () throws(IndexError) in
          var part = initial
          // The index keeps the JSON of the files that parsed (broken ones are left out).
          try RecordIndex(readOnlyAt: path).eachRecordJSON(in: run) { bytes in
            if let record = Self.record(Array(bytes)) { add(&part, record) }
          }
          return part
        }
      }
      var folded = try parts.map { result throws(IndexError) in try result.get() }
      // The files that did not parse, as the index recorded them when it read them.
      if let unreadable {
        var broken = initial
        for (path, why) in try RecordIndex(readOnlyAt: path).brokenFiles() {
          unreadable(&broken, UnreadableFile(path: path, reason: why))
        }
        folded.append(broken)
      }
      return folded
    } catch {
      throw WorkspaceError("index.failed", "cannot read the records from the index", cause: error)
    }
  }

  /// Runs the reconciler and writes its files; the caller holds the lock.
  func reconcileLocked(
    _ options: ReconcileOptions, rules: Rules, settings: ReconcileRules, today: Int
  ) throws(WorkspaceError) -> (ReconcileResult, [String]) {
    let input = reconcileInput()
    let asOf = options.asOf ?? input.latestDay ?? today
    var result: ReconcileResult
    do {
      result = try Reconciler(rules: settings, lifecycles: rules.lifecycles).run(
        input, asOf: asOf)
    } catch {
      throw WorkspaceError(error.code, error.message)
    }
    if let m = options.marketplace { result = result.filtered(marketplace: m) }
    // Each file built, rendered and compared on its own, on every core: only the files that
    // changed are kept until they are written.
    let plans = result.filePlans
    let (root, final) = (root, result)
    let writes = Parallel.map(plans, minimum: 2) { plan -> (String, [UInt8])? in
      let bytes = final.fileBytes(plan)
      return (try? FileSystem.read(root + "/" + plan.path)) == bytes ? nil : (plan.path, bytes)
    }.compactMap { $0 }
    let planned = Set(plans.map(\.path))
    var changed: [String] = []
    do {
      for (rel, bytes) in writes {
        try FileSystem.writeAtomically(bytes, to: try writablePath(rel))
        changed.append(rel)
      }
      // Months and marketplaces that no longer have anything lose their file.
      let scope = Self.reconciliationFolder + "/" + (options.marketplace.map { $0 + "/" } ?? "")
      for name in FileSystem.files(under: path(Self.reconciliationFolder)) {
        let rel = Self.reconciliationFolder + "/" + name
        if rel.hasPrefix(scope) && !planned.contains(rel) {
          try FileSystem.remove(path(rel))
          changed.append(rel)
        }
      }
    } catch {
      throw WorkspaceError("reconcile.write", "cannot write the reconciliation files", cause: error)
    }
    // Results a stopped run wrote but did not commit are changes too, so this run commits them.
    let scope = Self.reconciliationFolder + "/" + (options.marketplace.map { $0 + "/" } ?? "")
    for entry in (try? repository().status()) ?? []
    where entry.path.hasPrefix(scope) && !changed.contains(entry.path) {
      changed.append(entry.path)
    }
    return (result, changed.sorted())
  }

  public func reconcile(
    _ options: ReconcileOptions, author: Signature, now: Date
  ) throws(WorkspaceError) -> ReconcileOutcome {
    let lock = try WorkspaceLock.acquire(self)
    defer { lock.release() }
    let rules = try rules()
    let settings = try reconcileRules(schemas: rules.schemas)
    let today = Int(now.timeIntervalSince1970 / 86_400)
    var (result, changed) = try reconcileLocked(
      options, rules: rules, settings: settings, today: today)
    var applied: [Proposal] = []
    var recordPaths: [String] = []
    if options.apply && !result.proposals.isEmpty {
      for p in result.proposals {
        let r = try setLocked(
          p.recordID, assignments: [(p.field, p.to)], note: "acorn reconcile: \(p.reason)",
          message: nil, commit: false, author: author, now: now)
        if !r.changes.isEmpty {
          applied.append(p)
          recordPaths.append(r.path)
        }
      }
      // The results again, now that the moves are made.
      let again = try reconcileLocked(options, rules: rules, settings: settings, today: today)
      result = again.0
      changed = Array(Set(changed + again.1)).sorted()
    }
    var commit: ObjectID?
    if options.commit && !(changed.isEmpty && recordPaths.isEmpty) {
      let summary = Self.reconcileSummary(result)
      let moves = applied.map { "  \($0.recordID) \($0.field): \($0.from) → \($0.to)" }
      let message =
        "Reconcile as of \(CivilDate.string(result.asOf))\n\n\(summary)\n"
        + (moves.isEmpty ? "" : "\nApplied:\n" + moves.joined(separator: "\n") + "\n")
      commit = try self.commit(paths: changed + recordPaths, message: message, author: author)
    }
    return ReconcileOutcome(result: result, changedFiles: changed, applied: applied, commit: commit)
  }

  /// One line per fact a reviewer wants first.
  /// Counts by invoice status and deduction verdict, returns late for their credit, findings by
  /// severity — in English, or in Chinese (`zh`: the labels; statuses and verdicts stay the codes
  /// `--json` and the docs use).
  public static func reconcileSummary(_ r: ReconcileResult, zh: Bool = false) -> String {
    var statuses: [String: Int] = [:]
    for l in r.invoices { statuses[l.status, default: 0] += 1 }
    let order = ["paid", "paid-with-deductions", "partially-paid", "unpaid", "overpaid"]
    let invoices = order.compactMap { s in statuses[s].map { "\($0) \(s)" } }.joined(
      separator: ", ")
    var verdicts: [String: Int] = [:]
    for d in r.deductions { verdicts[d.verdict, default: 0] += 1 }
    let deductions = verdicts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }
      .joined(separator: ", ")
    let errors = r.findings.filter { $0.severity == .error }.count
    let warnings = r.findings.filter { $0.severity == .warning }.count
    let late = r.returns.filter { $0.status == "late" }.count
    if zh {
      return """
        发票：\(r.invoices.count) 张\(invoices.isEmpty ? "" : "（\(invoices.replacingOccurrences(of: ", ", with: "，"))）")
        扣款：\(r.deductions.count) 笔\(deductions.isEmpty ? "" : "（\(deductions.replacingOccurrences(of: ", ", with: "，"))）")
        退货：\(r.returns.count) 笔，\(late) 笔逾期未收到贷项
        发现：\(errors) 个错误，\(warnings) 个警告
        """
    }
    return """
      Invoices: \(r.invoices.count)\(invoices.isEmpty ? "" : " (\(invoices))")
      Deductions: \(r.deductions.count)\(deductions.isEmpty ? "" : " (\(deductions))")
      Returns: \(r.returns.count), \(late) late for their credit
      Findings: \(errors) errors, \(warnings) warnings
      """
  }

  /// Whether this workspace keeps reconciliation results (someone ran `acorn reconcile`).
  public var usesReconciliation: Bool { FileSystem.isDirectory(path(Self.reconciliationFolder)) }

  static func isReconciliationPath(_ rel: String) -> Bool {
    rel.hasPrefix(reconciliationFolder + "/")
  }

  /// Set by the merge driver when plain git merged reconciliation files: they are derived, so the
  /// driver keeps one side and the next acorn command that writes recomputes them.
  var reconciliationStalePath: String { path(".acorn/reconcile-stale") }

  public func markReconciliationStale() {
    try? FileSystem.writeAtomically(Array("stale\n".utf8), to: reconciliationStalePath)
  }

  /// Recomputes the reconciliation files from the records in the working tree (the caller holds
  /// the lock); returns the paths that changed. Nothing when the workspace keeps none.
  func refreshReconciliation(now: Date = Date()) throws(WorkspaceError) -> [String] {
    guard usesReconciliation else { return [] }
    let rules = try rules()
    let (_, changed) = try reconcileLocked(
      ReconcileOptions(), rules: rules, settings: try reconcileRules(schemas: rules.schemas),
      today: Int(now.timeIntervalSince1970 / 86_400))
    return changed
  }

  /// After HEAD moved without a merge commit of acorn's (a fast-forward, a plain git merge):
  /// recompute and commit the reconciliation files on their own.
  func commitRefreshedReconciliation(author: Signature, reason: String) throws(WorkspaceError)
    -> ObjectID?
  {
    let changed = try refreshReconciliation()
    guard !changed.isEmpty else { return nil }
    return try commit(
      paths: changed, message: "Reconcile after \(reason)\n", author: author)
  }

  /// Called with the lock held by every writing command: reconciliation files that a plain git
  /// merge marked stale are recomputed and committed, when no merge is in progress.
  func refreshStaleReconciliation() throws(WorkspaceError) {
    guard FileSystem.exists(reconciliationStalePath), mergeInProgress() == nil else { return }
    let repo = try repository()
    let author = Self.author(
      environment: ProcessInfo.processInfo.environment, configured: repo.configuredIdentity(),
      now: Date())
    _ = try commitRefreshedReconciliation(author: author, reason: "a merge outside acorn")
    try? FileSystem.remove(reconciliationStalePath)
  }
}

extension Workspace {
  /// The invoice ledger from the up-to-date index: the same rules as `acorn reconcile`, reading
  /// the index's columns instead of the record files. Nothing is written.
  public func ledgerFromIndex(asOf: Int?, marketplace: String?, now: Date) throws(WorkspaceError)
    -> (asOf: Int, invoices: [InvoiceLedger], findings: [ReconcileFinding])
  {
    let (reconciler, inputs, day) = try ledgerInputs(
      asOf: asOf, marketplace: marketplace, now: now)
    do {
      let l = try reconciler.ledger(
        invoices: inputs.invoices, remittances: inputs.remittances,
        creditNotes: inputs.creditNotes, unreadable: inputs.unreadable, asOf: day)
      // The views are freed on a thread of their own while the caller writes the ledger.
      Parallel.release(inputs)
      return (day, l.invoices, l.findings)
    } catch {
      throw WorkspaceError(error.code, error.message)
    }
  }

  /// The same ledger as its JSON document (`ReconcileResult.ledgerJSON`), handed to `emit` in
  /// chunks, each invoice written as its ledger is made (`Reconciler.ledgerDocument`); returns
  /// the findings.
  public func ledgerDocumentFromIndex(
    asOf: Int?, marketplace: String?, now: Date, emit: ([UInt8]) -> Void
  ) throws(WorkspaceError) -> [ReconcileFinding] {
    let (reconciler, inputs, day) = try ledgerInputs(
      asOf: asOf, marketplace: marketplace, now: now)
    do {
      let findings = try reconciler.ledgerDocument(
        invoices: inputs.invoices, remittances: inputs.remittances,
        creditNotes: inputs.creditNotes, unreadable: inputs.unreadable, asOf: day, emit: emit)
      Parallel.release(inputs)
      return findings
    } catch {
      throw WorkspaceError(error.code, error.message)
    }
  }

  /// What the ledger reads from the up-to-date index, the reconciler with the workspace's rules
  /// and the day it is as of.
  func ledgerInputs(asOf: Int?, marketplace: String?, now: Date) throws(WorkspaceError)
    -> (Reconciler, Prepared, Int)
  {
    // The index is read while the working tree is walked and the rules are read (the status is
    // most of what checking the index costs, and needs no lock on it); then the index is brought
    // up to date from that status. Most of the time nothing changed and the read stands; after an update it is read
    // again. Invoices, payment lines and remittances are read through four connections side by
    // side, under the index lock held shared so that no update lands between them.
    let path = indexPath
    let lockPath = self.path(".acorn/index.lock")
    let read = { @Sendable () -> Result<(Prepared, Int?), IndexError> in
      let lock: IndexLock
      do throws(WorkspaceError) { lock = try IndexLock(path: lockPath, shared: true) } catch {
        return .failure(.unusable(error.message))
      }
      defer { lock.release() }
      // The invoices are put in the ledger's order and indexed while the payments, the larger
      // read, are still being read.
      let (invoices, rest) = Parallel.both {
        Result { () throws(IndexError) in
          Reconciler.InvoiceSet(
            try RecordIndex(readOnlyAt: path).ledgerInvoices(marketplace: marketplace))
        }
      } _: {
        // The payments' lines (most of the payments, in two halves: the longest read, which
        // otherwise ended alone on a core) and the remittances, side by side.
        let (lines, heads) = Parallel.both {
          Parallel.both {
            Result { () throws(IndexError) in
              try RecordIndex(readOnlyAt: path).ledgerPaymentLines(
                marketplace: marketplace, part: 0, of: 2)
            }
          } _: {
            Result { () throws(IndexError) in
              try RecordIndex(readOnlyAt: path).ledgerPaymentLines(
                marketplace: marketplace, part: 1, of: 2)
            }
          }
        } _: {
          Result { () throws(IndexError) in
            let index = try RecordIndex(readOnlyAt: path)
            let heads = try index.ledgerRemittances(marketplace: marketplace)
            // Files that did not parse: findings of the ledger as of the full run.
            let broken = try index.brokenFiles().filter {
              marketplace == nil || $0.path.hasPrefix("records/\(marketplace ?? "")/")
            }.map { UnreadableFile(path: $0.path, reason: $0.error) }
            return (heads, asOf == nil ? try index.latestDay() : nil, broken)
          }
        }
        return Result { () throws(IndexError) in
          let (heads, latest, broken) = try heads.get()
          let (remittances, notes) = RecordIndex.ledgerPayments(
            heads, lines: [try lines.0.get(), try lines.1.get()])
          return (remittances, notes, latest, broken)
        }
      }
      do throws(IndexError) {
        let (remittances, notes, latest, broken) = try rest.get()
        return .success(
          (
            Prepared(
              invoices: try invoices.get(), remittances: remittances, creditNotes: notes,
              unreadable: broken),
            latest
          ))
      } catch {
        return .failure(error)
      }
    }
    let workspace = self
    let (early, walked) = Parallel.both(read) {
      Result { () throws(WorkspaceError) in
        let rules = try workspace.rules()
        let settings = try workspace.reconcileRules(schemas: rules.schemas)
        let repo = try workspace.repository()
        do { return (try repo.status(), rules, settings) } catch {
          throw WorkspaceError(
            "status.failed", "cannot read the working tree's status", cause: error)
        }
      }
    }
    let (status, rules, settings) = try walked.get()
    let report = try updateIndex(status: status)
    let inputs: Prepared
    let day: Int
    do {
      let (read, latest) = try (report.mode == .upToDate ? early : read()).get()
      inputs = read
      day = asOf ?? latest ?? Int(now.timeIntervalSince1970 / 86_400)
    } catch {
      throw WorkspaceError("index.failed", "\(error)")
    }
    return (Reconciler(rules: settings, lifecycles: rules.lifecycles), inputs, day)
  }

  /// What the ledger reads of the index, the invoices prepared as they are read.
  struct Prepared: Sendable {
    var invoices: Reconciler.InvoiceSet
    var remittances: [RemittanceView]
    var creditNotes: [CreditNoteView]
    var unreadable: [UnreadableFile]
  }
}

/// A count several threads add to (progress of work done in parts).
final class Counter: Sendable {
  private let value = Atomic<Int>(0)

  /// Adds `n` and returns the new total.
  func add(_ n: Int) -> Int { value.add(n, ordering: .relaxed).newValue }
}
