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

  @Argument(help: "Files to import.") var files: [String]

  @Option(help: "x12 or vc-remittance-csv (default: detected from the content).")
  var format: Importer.Format?

  @Option(help: "Marketplace of the documents (default: the first in acorn.yaml).")
  var marketplace: Marketplace?

  @Flag(help: "Read and check the files; write nothing.") var dryRun = false
  @Flag(help: "Skip bad transaction sets or rows instead of importing nothing.") var keepGoing =
    false

  func run() throws {
    let workspace = try Workspace(at: workspaceOptions.workspace)
    let configured = (try workspace.settings()["marketplaces"]?.arrayValue ?? []).compactMap { v in
      v.stringValue.flatMap { Marketplace($0) }
    }
    guard let market = marketplace ?? configured.first ?? Marketplace("US") else {
      throw ValidationError("no marketplace")
    }
    var all: [Record] = []
    var diagnostics: [String] = []
    var failed = false
    var firstSeen: [String: (file: String, bytes: [UInt8], reference: String)] = [:]
    for file in files {
      let result = Importer.read(
        path: file, format: format, marketplace: market, keepGoing: keepGoing)
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
      }
      if !errors.isEmpty && !keepGoing { failed = true }
      if !output.json {
        Terminal.errorLine(
          "\(file): \(result.format?.rawValue ?? "unknown format"), \(result.records.count) records, \(errors.count) error\(errors.count == 1 ? "" : "s")"
        )
      }
    }
    for d in diagnostics { Terminal.errorLine(d) }
    if failed {
      Terminal.error(
        "nothing imported: fix the errors above, or use --keep-going to import the rest",
        code: "import.invalid")
      throw ExitCode(1)
    }
    if dryRun {
      Terminal.out("dry run: \(all.count) records read, nothing written")
      return
    }
    let records = all
    let markets = Array(Set(records.compactMap(\.marketplace))).sorted()
    let description = files.map { ($0 as NSString).lastPathComponent }.joined(separator: ", ")
    let options = SyncEngine.Options(
      source: .imported(description: description, records: records), marketplaces: markets,
      since: nil,
      until: Int(Date().timeIntervalSince1970 / 86_400))
    let report = try SyncEngine(workspace: workspace).run(
      options, author: Author.signature(workspace))
    let new = report.markets.reduce(0) { $0 + $1.new }
    let changed = report.markets.reduce(0) { $0 + $1.changed }
    let unchanged = report.markets.reduce(0) { $0 + $1.unchanged }
    if output.json {
      Terminal.outBytes(
        CanonicalJSON.bytes(
          .object([
            "new": .number(DecimalNumber(new)), "changed": .number(DecimalNumber(changed)),
            "unchanged": .number(DecimalNumber(unchanged)),
            "commit": report.syncCommit.map { .string($0.hex) } ?? .null,
            "diagnostics": .array(diagnostics.map(JSONValue.string)),
          ])))
      return
    }
    // Per file: how its documents fared (a document two files carry counts for both).
    var idsByFile: [String: Set<String>] = [:]
    for r in records {
      if let id = r.id, let file = firstSeen[id]?.file { idsByFile[file, default: []].insert(id) }
    }
    for file in files {
      let outcomes = (idsByFile[file] ?? []).compactMap { report.outcomes[$0] }
      let count = { (o: String) in outcomes.filter { $0 == o }.count }
      Terminal.out(
        "\(file): \(count("new")) new, \(count("changed")) changed, \(count("unchanged")) unchanged"
      )
    }
    Terminal.out(
      "imported: \(new) new, \(changed) changed, \(unchanged) unchanged"
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
