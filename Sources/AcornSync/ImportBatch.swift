import AcornGit
import AcornImport
import AcornModel
import AcornWorkspace

/// What `acorn import` does before anything is written: the arguments expanded to files, each file
/// read (`Importer.read`), documents deduplicated across files (one document in two exports is one
/// record, the first file's values, the other's extra source fields added; one number with two
/// different contents is an error), 855 acknowledgements applied to their purchase orders (from
/// this import or the workspace), and every record checked as `acorn validate` would. Then
/// `write` commits the records as a sync does (the `vendor-central` branch, merged into the
/// current one). Pure of output: diagnostics are values, the caller shows them.
public struct ImportBatch: Sendable {
  public struct FileSummary: Sendable {
    public var file: String
    public var format: Importer.Format?
    public var records: Int
    public var errors: Int
  }

  /// The files read, in order.
  public var paths: [String] = []
  public var files: [FileSummary] = []
  /// Every diagnostic, as `file segment N FIELD: error: message` lines.
  public var diagnostics: [String] = []
  /// The records to write: deduplicated, acknowledged, checked (rejected ones removed).
  public var records: [Record] = []
  /// Whether an error forbids writing anything (without `keepGoing`).
  public var failed = false
  /// The file each document was first read from, by record id.
  public var firstFile: [String: String] = [:]

  /// Reads and checks `arguments` (files, or folders of files) for `workspace`. The marketplace
  /// defaults to the first one in `acorn.yaml`. Throws only when an argument names nothing
  /// readable or the workspace's rules cannot be loaded; problems in the files are diagnostics.
  public static func read(
    _ arguments: [String], workspace: Workspace, format: Importer.Format? = nil,
    marketplace: Marketplace? = nil, keepGoing: Bool = false, numberFormat: NumberFormat? = nil,
    progress: ProgressHandler? = nil
  ) throws(WorkspaceError) -> ImportBatch {
    let rules = try workspace.rules()
    let configured = (rules.settings["marketplaces"]?.arrayValue ?? []).compactMap { v in
      v.stringValue.flatMap { Marketplace($0) }
    }
    guard let market = marketplace ?? configured.first ?? Marketplace("US") else {
      throw WorkspaceError("import.marketplace", "no marketplace: give --marketplace")
    }
    var batch = ImportBatch()
    for argument in arguments {
      do { batch.paths += try Importer.expand(argument) } catch {
        throw WorkspaceError("import.unreadable", error.description)
      }
    }
    var all: [Record] = []
    var firstSeen: [String: (file: String, bytes: [UInt8], reference: String)] = [:]
    var origin: [String: (file: String, position: Int?)] = [:]
    for (n, file) in batch.paths.enumerated() {
      progress?(ProgressReport("reading", done: n, of: batch.paths.count, unit: "files"))
      let result = Importer.read(
        path: file, format: format, marketplace: market, keepGoing: keepGoing,
        numberFormat: numberFormat)
      if let why = result.unreadable {
        throw WorkspaceError("import.unreadable", "\(file): cannot read the file: \(why)")
      }
      var errors = result.diagnostics.filter { $0.severity == .error }
      batch.diagnostics += result.diagnostics.map(\.description)
      // Documents are keyed by Amazon's numbers: two different documents with one number cannot both be kept.
      for r in result.records {
        guard let id = r.id else { continue }
        let reference = r.json["provenance"]?["reference"]?.stringValue ?? ""
        if let seen = firstSeen[id], seen.file != file,
          let index = all.lastIndex(where: { $0.id == id })
        {
          // The same document seen by two exports (a chargeback in the chargebacks export and on a
          // remittance): one record, the first file's values, the other's extra fields added.
          all[index] = Self.combine(all[index], r)
          continue
        }
        if let seen = firstSeen[id] {
          if seen.bytes != r.canonicalBytes {
            let d =
              "\(file): error: \(id) appears twice with different content (\(seen.reference) in \(seen.file), \(reference)); document numbers must be unique\(keepGoing ? "; keeping the first" : "")"
            batch.diagnostics.append(d)
            errors.append(ImportDiagnostic(file: file, position: nil, d))
          }
          continue
        }
        firstSeen[id] = (file, r.canonicalBytes, reference)
        origin[id] = (file, result.positions[id])
        all.append(r)
      }
      // 855s: acknowledged quantities onto the PO, from this import or already in the workspace.
      for ack in result.acknowledgements {
        let id = Record.makeID(
          kind: .purchaseOrder, marketplace: market, key: ack.purchaseOrderNumber)
        let base =
          all.last { $0.id == id }
          ?? (try? workspace.findRecord(id)).flatMap { try? workspace.readRecord($0) }
        guard let po = base else {
          batch.diagnostics.append(
            "\(file) segment \(ack.segment) BAK03: warning: no purchase order \(ack.purchaseOrderNumber) in this import or the workspace; import its 850 (or sync) first; skipped"
          )
          continue
        }
        let (updated, unmatched) = ack.apply(to: po)
        if !unmatched.isEmpty {
          batch.diagnostics.append(
            "\(file) segment \(ack.segment) PO101: warning: PO \(ack.purchaseOrderNumber) has no lines \(unmatched.joined(separator: ", "))"
          )
        }
        all.removeAll { $0.id == id }
        all.append(updated)
        firstSeen[id] = (file, updated.canonicalBytes, "855")
        origin[id] = origin[id] ?? (file, ack.segment)
      }
      if !errors.isEmpty && !keepGoing { batch.failed = true }
      batch.files.append(
        FileSummary(
          file: file, format: result.format, records: result.records.count, errors: errors.count))
    }
    // Every record is checked as acorn validate would, before anything is written.
    var ids: [String: String] = [:]
    var rejected: Set<String> = []
    for (n, record) in all.enumerated() {
      if n % 256 == 0 { progress?(ProgressReport("checking", done: n, of: all.count)) }
      let problems = workspace.check(record, rules: rules, ids: &ids).filter {
        $0.severity == .error
      }
      guard !problems.isEmpty else { continue }
      let id = record.id ?? "?"
      let at =
        origin[id].map { o in "\(o.file)\(o.position.map { " segment \($0)" } ?? "")" } ?? "import"
      for p in problems {
        batch.diagnostics.append(
          "\(at): error: \(id) \(p.path ?? ""): \(p.message) [\(p.code)]\(keepGoing ? "; skipped" : "")"
        )
      }
      rejected.insert(id)
      // Counted in its file's summary with the errors of reading it (the summary had said
      // "0 errors" above the errors the check found).
      if let k = batch.files.firstIndex(where: { $0.file == origin[id]?.file }) {
        batch.files[k].errors += problems.count
      }
      if !keepGoing { batch.failed = true }
    }
    batch.records = all.filter { !rejected.contains($0.id ?? "") }
    batch.firstFile = firstSeen.mapValues(\.file)
    return batch
  }

  /// Writes the records as a sync does: one commit on `vendor-central`, merged into the current
  /// branch; `today` (days since 1970) is the as-of day of the commit.
  public func write(
    to workspace: Workspace, author: Signature, today: Int,
    progress: (String) -> Void = { _ in }
  ) throws(WorkspaceError) -> SyncReport {
    let markets = Array(Set(records.compactMap(\.marketplace))).sorted()
    let description = paths.map { String($0.split(separator: "/").last ?? Substring($0)) }
      .joined(separator: ", ")
    let options = SyncEngine.Options(
      source: .imported(description: description, records: records), marketplaces: markets,
      since: nil, until: today)
    return try SyncEngine(workspace: workspace).run(options, author: author, progress: progress)
  }

  static func combine(_ first: Record, _ second: Record) -> Record {
    guard case .object(var a)? = first.json["source"], case .object(let b)? = second.json["source"]
    else { return first }
    for (k, v) in b where a[k] == nil { a[k] = v }
    return Record(
      json: first.json.setting(.object(a), at: JSONPath([.key("source")])) ?? first.json)
  }
}
