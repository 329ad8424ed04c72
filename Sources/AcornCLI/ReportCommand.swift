import AcornExport
import AcornModel
import AcornReport
import AcornWorkspace
import ArgumentParser
import Foundation

extension ReportLanguage: ExpressibleByArgument {
  public init?(argument: String) {
    self.init(rawValue: argument == "zh" ? "zh-CN" : argument)
  }
}

struct ReportCommand: ParsableCommand {
  enum Format: String, ExpressibleByArgument, CaseIterable { case html, csv, json, xlsx }

  static let configuration = CommandConfiguration(
    commandName: "report",
    abstract: "A report to look at: cash, ageing, deductions, refunds, return rates, alerts, sync.",
    discussion: """
      One self-contained HTML file (inline SVG charts, each with its table; no scripts, fonts or \
      network; print-friendly), or the same numbers as CSV, JSON or an xlsx workbook. Reads only. \
      Sections and formulas: docs/reports.md.
      """)

  @OptionGroup var workspaceOptions: WorkspaceOptions

  @Option(help: "html, csv, json or xlsx (default: from --out's extension, else html).")
  var format: Format?

  @Option(help: "Only this marketplace.") var marketplace: Marketplace?

  @Option(
    help: "The month the report ends with (YYYY-MM): twelve months up to it, as of its last day.")
  var period: String?

  @Option(name: .customLong("as-of"), help: "The day measured on (YYYY-MM-DD).")
  var asOf: String?

  @Option(help: "Language: en or zh-CN.") var lang: ReportLanguage = .en

  @Option(name: [.customShort("o"), .long], help: "Write here (default: standard output).")
  var out: String?

  var resolvedFormat: Format {
    if let format { return format }
    let ext = out.map { URL(fileURLWithPath: $0).pathExtension.lowercased() } ?? ""
    return Format(rawValue: ext == "htm" ? "html" : ext) ?? .html
  }

  func validate() throws {
    if let period, period.count != 7 || CivilDate.day(period + "-01") == nil {
      throw ValidationError("--period takes a month YYYY-MM, not \"\(period)\"")
    }
    if let asOf, CivilDate.day(asOf) == nil {
      throw ValidationError("--as-of takes a calendar date YYYY-MM-DD that exists, not \"\(asOf)\"")
    }
    if resolvedFormat == .xlsx && out == nil {
      throw ValidationError("--format xlsx writes a workbook: give --out PATH.xlsx")
    }
  }

  func run() throws {
    let workspace = try Workspace(at: workspaceOptions.workspace)
    if let note = marketplace?.absenceNote(in: workspace) { Terminal.errorLine(note) }
    let report = try workspace.report(
      Workspace.ReportOptions(
        asOf: asOf.flatMap(CivilDate.day), marketplace: marketplace?.code, period: period),
      now: Date())
    let bytes: [UInt8]
    switch resolvedFormat {
    case .html: bytes = Array(report.html(lang).utf8)
    case .csv: bytes = Array(report.csv(lang).utf8)
    case .json: bytes = CanonicalJSON.bytes(report.json)
    case .xlsx:
      do { bytes = try report.xlsx(lang) } catch {
        throw WorkspaceError(error.code, error.message)
      }
    }
    guard let out else {
      Terminal.outBytes(bytes)
      return
    }
    do { try Data(bytes).write(to: URL(fileURLWithPath: out), options: .atomic) } catch {
      throw WorkspaceError("report.write", "cannot write \(out)", cause: error)
    }
    Terminal.errorLine(
      "Wrote \(out) (\(resolvedFormat.rawValue), as of \(CivilDate.string(report.asOf)))")
  }
}
