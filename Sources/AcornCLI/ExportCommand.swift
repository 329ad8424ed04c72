import AcornExport
import AcornModel
import AcornWorkspace
import ArgumentParser
import Foundation

extension ExportFormat: ExpressibleByArgument {}

/// A journal format, or `x12` for outbound documents.
struct ExportTarget: ExpressibleByArgument, Equatable {
  var journal: ExportFormat?

  init?(argument: String) {
    if argument == "x12" {
      journal = nil
    } else if let f = ExportFormat(rawValue: argument) {
      journal = f
    } else {
      return nil
    }
  }

  static var allValueStrings: [String] { ExportFormat.allCases.map(\.rawValue) + ["x12"] }
  var rawValue: String { journal?.rawValue ?? "x12" }
}
extension TextEncoding: ExpressibleByArgument {}

struct ExportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export",
    abstract:
      "Export the journal to a ledger or ERP: beancount, ledger, Kingdee, Yonyou, QuickBooks, Xero, CSV.",
    discussion: """
      Balanced double-entry vouchers for invoices, payments, each deduction type, reversals, \
      credit notes and write-offs, posted through rules/accounts.yaml; every voucher is checked \
      to balance before anything is written. With --period, what is exported is recorded in \
      exports/<format>/<YYYY-MM>.json and committed: the period re-exports the same bytes, and \
      a voucher exported once is not exported again (earlier vouchers never exported come along). \
      Kingdee, Xero and CSV write a workbook when --out ends in .xlsx. Docs: docs/exports.md.
      --format x12 --set 855|856|810 ID... writes approved outbound documents (acorn draft) as one \
      X12 4010 interchange, with the next control number from outbound/x12-control.json, \
      committed so a number is never reused. Docs: docs/outbound.md.
      """)

  @OptionGroup var workspaceOptions: WorkspaceOptions

  @Option(help: "beancount, ledger, kingdee, yonyou, quickbooks-iif, xero, csv, or x12.")
  var format: ExportTarget

  @Option(name: .customLong("set"), help: "x12: the transaction set, 855, 856 or 810.")
  var transactionSet: String?

  @Argument(help: "x12: the outbound documents to write (ids from acorn list --kind outbound).")
  var documents: [String] = []

  @Option(help: "The month to export (YYYY-MM); recorded so it is never exported twice.")
  var period: String?

  @Option(help: "Only this marketplace.") var marketplace: Marketplace?

  @Option(
    name: [.customShort("o"), .long],
    help: "Write here (default: standard output); .xlsx writes a workbook.")
  var out: String?

  @Option(help: "Text encoding: utf-8 or gbk (older Yonyou and Kingdee tools).")
  var encoding: TextEncoding = .utf8

  @Flag(name: .customLong("no-record"), help: "Export the period without recording it.")
  var noRecord = false

  var xlsx: Bool { out?.lowercased().hasSuffix(".xlsx") ?? false }

  func validate() throws {
    guard let format = format.journal else {
      guard let s = transactionSet, ["855", "856", "810"].contains(s) else {
        throw ValidationError("--format x12 needs --set 855, 856 or 810")
      }
      if documents.isEmpty {
        throw ValidationError("--format x12 needs the outbound documents to write (IDs)")
      }
      if period != nil || xlsx || encoding != .utf8 {
        throw ValidationError("--period, .xlsx and --encoding apply to journals, not X12")
      }
      return
    }
    if transactionSet != nil || !documents.isEmpty {
      throw ValidationError("--set and document ids go with --format x12")
    }
    if let period {
      guard period.count == 7, CivilDate.day(period + "-01") != nil else {
        throw ValidationError("--period takes a month YYYY-MM, not \"\(period)\"")
      }
    }
    if xlsx && !format.isTable {
      throw ValidationError(
        "\(format.rawValue) is a text format; only kingdee, xero and csv write .xlsx")
    }
    if xlsx && encoding == .gbk {
      throw ValidationError("--encoding gbk applies to text, not .xlsx")
    }
  }

  func run() throws {
    let workspace = try Workspace(at: workspaceOptions.workspace)
    if let note = marketplace?.absenceNote(in: workspace) { Terminal.errorLine(note) }
    guard let format = format.journal else {
      let result = try workspace.exportX12(
        documents, set: transactionSet ?? "", author: Author.signature(workspace), now: Date())
      if let out {
        do {
          try Data(result.text.utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
        } catch {
          throw WorkspaceError("export.write", "cannot write \(out)", cause: error)
        }
      } else {
        Terminal.outBytes(Array(result.text.utf8))
      }
      Terminal.errorLine(
        "X12 \(transactionSet ?? "") interchange \(result.control): \(result.ids.joined(separator: ", "))"
          + (out.map { " → \($0)" } ?? "")
          + " (control number recorded in \(Workspace.x12ControlFile))")
      return
    }
    let outcome = try workspace.export(
      Workspace.ExportOptions(
        format: format, period: period, marketplace: marketplace?.code, record: !noRecord),
      author: Author.signature(workspace))
    let title =
      "Amazon Vendor Central journal"
      + (marketplace.map { " \($0.code)" } ?? "") + (period.map { " \($0)" } ?? "")
    let files: [[UInt8]]
    do {
      files = try format.render(
        outcome.vouchers, plan: outcome.plan, title: title, xlsx: xlsx, encoding: encoding)
    } catch {
      throw WorkspaceError(error.code, error.message)
    }
    var written: [String] = []
    if let out {
      for (i, bytes) in files.enumerated() {
        let target = i == 0 ? out : Self.numbered(out, i + 1)
        do { try Data(bytes).write(to: URL(fileURLWithPath: target), options: .atomic) } catch {
          throw WorkspaceError("export.write", "cannot write \(target)", cause: error)
        }
        written.append(target)
      }
    } else {
      for bytes in files { Terminal.outBytes(bytes) }
    }
    let lines = outcome.vouchers.reduce(0) { $0 + $1.lines.count }
    var summary =
      "Exported \(outcome.vouchers.count) voucher\(outcome.vouchers.count == 1 ? "" : "s") (\(lines) lines) as \(format.rawValue)"
    if !written.isEmpty { summary += " to " + written.joined(separator: ", ") }
    Terminal.errorLine(summary)
    if let r = outcome.register, let c = outcome.commit {
      Terminal.errorLine(
        "Recorded in \(r) (commit \(c.short)): this period re-exports the same entries.")
    } else if period != nil && outcome.register == nil && !noRecord && !outcome.vouchers.isEmpty {
      Terminal.errorLine("Re-exported the period as recorded.")
    }
    if !outcome.lateArrivals.isEmpty {
      Terminal.errorLine(
        "note: \(outcome.lateArrivals.count) voucher\(outcome.lateArrivals.count == 1 ? "" : "s") from earlier months had not been exported and \(outcome.lateArrivals.count == 1 ? "is" : "are") included: "
          + outcome.lateArrivals.prefix(5).joined(separator: ", ")
          + (outcome.lateArrivals.count > 5 ? ", …" : ""))
    }
    for id in outcome.changedSinceExport {
      Terminal.errorLine(
        "warning: \(id) changed after it was exported; the file carries it as it is now — correct the ERP by hand"
      )
    }
  }

  /// `journal.csv` → `journal-2.csv`.
  static func numbered(_ path: String, _ n: Int) -> String {
    let url = URL(fileURLWithPath: path)
    let ext = url.pathExtension
    let base = ext.isEmpty ? path : String(path.dropLast(ext.count + 1))
    return base + "-\(n)" + (ext.isEmpty ? "" : "." + ext)
  }
}
