import AcornImport
import AcornModel
import AcornSync
import AcornWorkspace
import ArgumentParser
import Foundation

extension Importer.Format: ExpressibleByArgument {}

struct ImportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "import",
    abstract:
      "Import EDI X12 files (850, 855, 856, 810, 812, 820, 180) and Vendor Central remittance exports (CSV).",
    discussion: """
      Written like a sync: records on the vendor-central branch, one commit, then merged into the \
      current branch. Importing the same file again changes nothing. By default a file with errors \
      imports nothing (the workspace stays as it was); --keep-going skips the bad transaction sets \
      or rows and imports the rest. Every diagnostic names the file, the line or segment, the field \
      and what was expected. Docs: docs/importers.md.
      """)

  @OptionGroup var workspaceOptions: WorkspaceOptions
  @OptionGroup var output: OutputOptions

  @Argument(help: "Files to import; a folder imports every file below it.") var files: [String]

  @Option(
    help:
      "x12, vc-remittance-csv, vc-returns-csv, vc-chargebacks-csv or vc-coop-csv (default: detected from the content)."
  )
  var format: Importer.Format?

  @Option(help: "Marketplace of the documents (default: the first in acorn.yaml).")
  var marketplace: Marketplace?

  @Option(
    help:
      "How CSV amounts are written: en (1,234.56) or de (1.234,56; also fr, it, es, nl, pl …). Default: detected from every amount in the file, never per value."
  )
  var locale: String?

  @Flag(help: "Read and check the files; write nothing.") var dryRun = false

  func validate() throws {
    if let locale, NumberFormat(locale: locale) == nil {
      throw ValidationError(
        "--locale takes a language such as en (1,234.56) or de (1.234,56), not \"\(locale)\"")
    }
  }
  @Flag(help: "Skip bad transaction sets or rows instead of importing nothing.") var keepGoing =
    false

  /// What the import did, for people (stderr/stdout) and for `--json` (one document, always).
  struct Outcome {
    var files: [(file: String, format: String?, records: Int, errors: Int)] = []
    var diagnostics: [String] = []
    var imported = false
    var new = 0
    var changed = 0
    var unchanged = 0
    var commit: String?
    var error: (code: String, message: String)?

    var json: JSONValue {
      var o: [String: JSONValue] = [
        "files": .array(
          files.map {
            .object([
              "file": .string($0.file), "format": $0.format.map(JSONValue.string) ?? .null,
              "records": .number(DecimalNumber($0.records)),
              "errors": .number(DecimalNumber($0.errors)),
            ])
          }),
        "diagnostics": .array(diagnostics.map(JSONValue.string)),
        "imported": .bool(imported),
        "new": .number(DecimalNumber(new)), "changed": .number(DecimalNumber(changed)),
        "unchanged": .number(DecimalNumber(unchanged)),
        "commit": commit.map(JSONValue.string) ?? .null,
      ]
      if let error {
        o["error"] = .object(["code": .string(error.code), "message": .string(error.message)])
      }
      return .object(o)
    }
  }

  func run() throws {
    var outcome = Outcome()
    do {
      try runImport(&outcome)
    } catch let error as WorkspaceError where output.json {
      outcome.error = (error.code, error.message)
      Terminal.outBytes(CanonicalJSON.bytes(outcome.json))
      throw ExitCode(error.isRefusal ? 1 : 2)
    }
  }

  func runImport(_ outcome: inout Outcome) throws {
    let workspace = try Workspace(at: workspaceOptions.workspace)
    let rules = try workspace.rules()
    let configured = (rules.settings["marketplaces"]?.arrayValue ?? []).compactMap { v in
      v.stringValue.flatMap { Marketplace($0) }
    }
    guard let market = marketplace ?? configured.first ?? Marketplace("US") else {
      throw ValidationError("no marketplace")
    }
    var paths: [String] = []
    for argument in files {
      do { paths += try Importer.expand(argument) } catch {
        throw WorkspaceError("import.unreadable", error.description)
      }
    }
    var all: [Record] = []
    var diagnostics: [String] = []
    var failed = false
    var firstSeen: [String: (file: String, bytes: [UInt8], reference: String)] = [:]
    var origin: [String: (file: String, position: Int?)] = [:]
    for file in paths {
      let result = Importer.read(
        path: file, format: format, marketplace: market, keepGoing: keepGoing,
        numberFormat: locale.flatMap(NumberFormat.init(locale:)))
      var errors = result.diagnostics.filter { $0.severity == .error }
      diagnostics += result.diagnostics.map(\.description)
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
            diagnostics.append(d)
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
          diagnostics.append(
            "\(file) segment \(ack.segment) BAK03: warning: no purchase order \(ack.purchaseOrderNumber) in this import or the workspace; import its 850 (or sync) first; skipped"
          )
          continue
        }
        let (updated, unmatched) = ack.apply(to: po)
        if !unmatched.isEmpty {
          diagnostics.append(
            "\(file) segment \(ack.segment) PO101: warning: PO \(ack.purchaseOrderNumber) has no lines \(unmatched.joined(separator: ", "))"
          )
        }
        all.removeAll { $0.id == id }
        all.append(updated)
        firstSeen[id] = (file, updated.canonicalBytes, "855")
        origin[id] = origin[id] ?? (file, ack.segment)
      }
      if !errors.isEmpty && !keepGoing { failed = true }
      outcome.files.append((file, result.format?.rawValue, result.records.count, errors.count))
      if !output.json {
        Terminal.errorLine(
          "\(file): \(result.format?.rawValue ?? "unknown format"), \(result.records.count) records, \(errors.count) error\(errors.count == 1 ? "" : "s")"
        )
      }
    }
    // Every record is checked as acorn validate would, before anything is written.
    var ids: [String: String] = [:]
    var rejected: Set<String> = []
    for record in all {
      let problems = workspace.check(record, rules: rules, ids: &ids).filter {
        $0.severity == .error
      }
      guard !problems.isEmpty else { continue }
      let id = record.id ?? "?"
      let at =
        origin[id].map { o in "\(o.file)\(o.position.map { " segment \($0)" } ?? "")" } ?? "import"
      for p in problems {
        diagnostics.append(
          "\(at): error: \(id) \(p.path ?? ""): \(p.message) [\(p.code)]\(keepGoing ? "; skipped" : "")"
        )
      }
      rejected.insert(id)
      if !keepGoing { failed = true }
    }
    all.removeAll { rejected.contains($0.id ?? "") }
    outcome.diagnostics = diagnostics
    if !output.json { for d in diagnostics { Terminal.errorLine(d) } }
    if failed {
      let message = "nothing imported: fix the errors above, or use --keep-going to import the rest"
      if output.json {
        outcome.error = ("import.invalid", message)
        Terminal.outBytes(CanonicalJSON.bytes(outcome.json))
      } else {
        Terminal.error(message, code: "import.invalid")
      }
      throw ExitCode(1)
    }
    if dryRun {
      if output.json {
        Terminal.outBytes(CanonicalJSON.bytes(outcome.json))
      } else {
        Terminal.out("dry run: \(all.count) records read, nothing written")
      }
      return
    }
    let records = all
    let markets = Array(Set(records.compactMap(\.marketplace))).sorted()
    let description = paths.map { ($0 as NSString).lastPathComponent }.joined(separator: ", ")
    let options = SyncEngine.Options(
      source: .imported(description: description, records: records), marketplaces: markets,
      since: nil,
      until: Int(Date().timeIntervalSince1970 / 86_400))
    let report = try SyncEngine(workspace: workspace).run(
      options, author: Author.signature(workspace))
    outcome.imported = true
    outcome.new = report.markets.reduce(0) { $0 + $1.new }
    outcome.changed = report.markets.reduce(0) { $0 + $1.changed }
    outcome.unchanged = report.markets.reduce(0) { $0 + $1.unchanged }
    outcome.commit = report.syncCommit?.hex
    if output.json {
      Terminal.outBytes(CanonicalJSON.bytes(outcome.json))
      return
    }
    // Per file: how its documents fared (a document two files carry counts for both).
    var idsByFile: [String: Set<String>] = [:]
    for r in records {
      if let id = r.id, let file = firstSeen[id]?.file { idsByFile[file, default: []].insert(id) }
    }
    for file in paths {
      let outcomes = (idsByFile[file] ?? []).compactMap { report.outcomes[$0] }
      let count = { (o: String) in outcomes.filter { $0 == o }.count }
      Terminal.out(
        "\(file): \(count("new")) new, \(count("changed")) changed, \(count("unchanged")) unchanged"
      )
    }
    Terminal.out(
      "imported: \(outcome.new) new, \(outcome.changed) changed, \(outcome.unchanged) unchanged"
        + (report.syncCommit.map { " (vendor-central \($0.short))" } ?? ""))
    if let merge = report.merge { try MergeCommand.report(merge, allowConflicts: false) }
  }

  static func combine(_ first: Record, _ second: Record) -> Record {
    guard case .object(var a)? = first.json["source"], case .object(let b)? = second.json["source"]
    else { return first }
    for (k, v) in b where a[k] == nil { a[k] = v }
    return Record(
      json: first.json.setting(.object(a), at: JSONPath([.key("source")])) ?? first.json)
  }
}
