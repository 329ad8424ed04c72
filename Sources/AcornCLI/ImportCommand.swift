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
    var workspace = try Workspace(at: workspaceOptions.workspace)
    let line = Terminal.ProgressLine.onTerminal()
    workspace.progress = line?.handler
    let batch = try ImportBatch.read(
      files, workspace: workspace, format: format, marketplace: marketplace, keepGoing: keepGoing,
      numberFormat: locale.flatMap(NumberFormat.init(locale:)), progress: line?.handler)
    line?.finish()
    for f in batch.files {
      outcome.files.append((f.file, f.format?.rawValue, f.records, f.errors))
      if !output.json {
        Terminal.errorLine(
          "\(f.file): \(f.format?.rawValue ?? "unknown format"), \(f.records) record\(f.records == 1 ? "" : "s"), \(f.errors) error\(f.errors == 1 ? "" : "s")"
        )
      }
    }
    outcome.diagnostics = batch.diagnostics
    if !output.json { for d in batch.diagnostics { Terminal.errorLine(d) } }
    if batch.failed {
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
        Terminal.out("dry run: \(batch.records.count) records read, nothing written")
      }
      return
    }
    let report = try batch.write(
      to: workspace, author: Author.signature(workspace),
      today: Int(Date().timeIntervalSince1970 / 86_400)
    ) { line?.note("import: " + $0) }
    line?.finish()
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
    for r in batch.records {
      if let id = r.id, let file = batch.firstFile[id] { idsByFile[file, default: []].insert(id) }
    }
    for file in batch.paths {
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
}
