import AcornModel
import AcornReconcile
import AcornWorkspace
import ArgumentParser
import Foundation

struct ReconcileCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "reconcile",
    abstract:
      "Reconcile invoices against payments and deductions, PO lines, deductions' evidence and returns' credits.",
    discussion: """
      Writes deterministic results to reconciliation/<MKT>/<YYYY-MM>.json (each invoice, PO, \
      deduction and return in the month of its own date) and commits them, so a new remittance \
      shows up as a reviewable diff. Exit 1 when there are error findings. With --apply, the \
      lifecycle moves the evidence supports (a return whose credit a remittance settled → settled) \
      are made through the same rules as acorn set. Rules: docs/reconciliation.md.
      """)

  @OptionGroup var workspaceOptions: WorkspaceOptions
  @OptionGroup var output: OutputOptions

  @Option(help: "Only this marketplace.") var marketplace: Marketplace?

  @Option(
    name: .customLong("as-of"),
    help: "The day results are as of (YYYY-MM-DD; default: the latest day the records speak of).")
  var asOf: String?

  @Flag(help: "Make the lifecycle moves the results propose.") var apply = false

  @Flag(name: .customLong("no-commit"), help: "Write the files, commit nothing.")
  var noCommit = false

  @Flag(
    help:
      "Only the invoice ledger, read from the SQLite index (no files read or written); with --json one document {asOf, invoices, findings}."
  )
  var ledger = false

  @Option(help: "Language of the lines: en or zh-CN (the findings' sentences, the summary).")
  var lang: String = "en"

  func validate() throws {
    if let asOf, CivilDate.day(asOf) == nil {
      throw ValidationError("--as-of takes a calendar date YYYY-MM-DD that exists, not \"\(asOf)\"")
    }
    if !["en", "zh-CN", "zh"].contains(lang) {
      throw ValidationError("--lang takes en or zh-CN, not \"\(lang)\"")
    }
    if ledger && apply { throw ValidationError("--ledger reads only; it cannot --apply") }
  }

  /// `--ledger`: the invoice ledger from the index.
  func runLedger(_ workspace: Workspace) throws {
    let day = asOf.flatMap(CivilDate.day)
    if output.json {
      // Written as it is made, a few thousand invoices at a time (tens of megabytes at scale).
      let findings = try workspace.ledgerDocumentFromIndex(
        asOf: day, marketplace: marketplace?.code, now: Date(), emit: Terminal.outBytes)
      let errors = findings.contains { $0.severity == .error }
      // Freed on a thread of its own, which the exit does not wait for.
      Parallel.release(findings)
      if errors { throw ExitCode(1) }
      return
    }
    let l = try workspace.ledgerFromIndex(asOf: day, marketplace: marketplace?.code, now: Date())
    var statuses: [String: Int] = [:]
    for i in l.invoices { statuses[i.status, default: 0] += 1 }
    let zh = lang.hasPrefix("zh")
    let counts = statuses.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }
    let asOf = CivilDate.string(l.asOf)
    Terminal.out(
      zh
        ? "发票台账截至 \(asOf)（来自索引）：\(l.invoices.count) 张发票"
          + (counts.isEmpty ? "" : "（" + counts.joined(separator: "，") + "）")
        : "Invoice ledger as of \(asOf) (from the index): \(l.invoices.count) invoices"
          + (counts.isEmpty ? "" : " (" + counts.joined(separator: ", ") + ")"))
    for f in l.findings where f.severity != .info {
      Terminal.out("\(f.severity.rawValue)[\(f.code)] \(zh ? f.zh : f.en)")
    }
    let errors = l.findings.contains(where: { $0.severity == .error })
    // Freed on a thread of its own (a tenth of the run at a hundred thousand invoices, one
    // allocation at a time), which the exit does not wait for.
    Parallel.release(l)
    if errors { throw ExitCode(1) }
  }

  func run() throws {
    var workspace = try Workspace(at: workspaceOptions.workspace)
    workspace.progress = Terminal.ProgressLine.onTerminal()?.handler
    if let note = marketplace?.absenceNote(in: workspace) { Terminal.errorLine(note) }
    if ledger { return try runLedger(workspace) }
    let outcome = try workspace.reconcile(
      Workspace.ReconcileOptions(
        asOf: asOf.flatMap(CivilDate.day), marketplace: marketplace?.code, apply: apply,
        commit: !noCommit),
      author: Author.signature(workspace), now: Date())
    let result = outcome.result
    let errors = result.findings.filter { $0.severity == .error }
    if output.json {
      guard case .object(var doc) = result.json else { return }
      doc["commit"] = outcome.commit.map { .string($0.hex) } ?? .null
      doc["changedFiles"] = .array(outcome.changedFiles.map(JSONValue.string))
      doc["applied"] = .array(
        outcome.applied.map {
          .object([
            "id": .string($0.recordID), "field": .string($0.field), "from": .string($0.from),
            "to": .string($0.to),
          ])
        })
      Terminal.outBytes(CanonicalJSON.bytes(.object(doc)))
    } else {
      let zh = lang.hasPrefix("zh")
      let asOf = CivilDate.string(result.asOf)
      Terminal.out(zh ? "对账截至 \(asOf)" : "Reconciled as of \(asOf)")
      for line in Workspace.reconcileSummary(result, zh: zh).split(separator: "\n") {
        Terminal.out("  " + line)
      }
      let open = Self.openByCurrency(result)
      if !open.isEmpty {
        Terminal.out(
          zh
            ? "  未收应收账款：" + open.joined(separator: "，")
            : "  Open receivables: " + open.joined(separator: ", "))
      }
      var shown = result.findings.filter { $0.severity != .info }
      shown = shown.filter { $0.severity == .error } + shown.filter { $0.severity == .warning }
      for f in shown.prefix(50) {
        Terminal.out("\(f.severity.rawValue)[\(f.code)] \(zh ? f.zh : f.en)")
      }
      if shown.count > 50 {
        Terminal.out(
          zh
            ? "…… 另有 \(shown.count - 50) 条（acorn reconcile --json）"
            : "… \(shown.count - 50) more (acorn reconcile --json)")
      }
      for p in outcome.applied {
        Terminal.out("applied: \(p.recordID) \(p.field) \(p.from) → \(p.to) (\(p.reason))")
      }
      if !apply {
        for p in result.proposals {
          Terminal.out(
            "proposed: \(p.recordID) \(p.field) \(p.from) → \(p.to) (\(p.reason)); acorn reconcile --apply makes it"
          )
        }
      }
      let files = outcome.changedFiles.count
      if let c = outcome.commit {
        Terminal.out(
          zh
            ? "已提交 \(c.short)：\(files) 个对账文件有变化"
            : "Committed \(c.short): \(files) reconciliation file\(files == 1 ? "" : "s") changed")
      } else if files == 0 {
        Terminal.out(zh ? "对账文件没有变化。" : "Reconciliation files unchanged.")
      } else {
        Terminal.out(
          zh
            ? "已写入 \(files) 个文件（未提交：--no-commit）。"
            : "Wrote \(files) files (not committed: --no-commit).")
      }
    }
    if !errors.isEmpty { throw ExitCode(1) }
  }

  static func openByCurrency(_ r: ReconcileResult) -> [String] {
    var totals: [CurrencyCode: Money] = [:]
    for l in r.invoices where !l.open.isZero {
      totals[l.currency] = totals[l.currency].map { (try? $0 + l.open) ?? $0 } ?? l.open
    }
    return totals.keys.sorted().compactMap { totals[$0]?.description }
  }
}
