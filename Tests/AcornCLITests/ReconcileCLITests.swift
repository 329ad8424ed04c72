import AcornModel
import Foundation
import Testing

@Suite("acorn reconcile")
struct ReconcileCLITests {
  @Test(
    "results committed under reconciliation/, deterministic; a second run changes nothing; --json")
  func committed() throws {
    let dir = Folder()
    let ws = try HistoryCLITests.committed(dir)
    let first = try CLI.run(["reconcile"], in: ws)
    #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
    #expect(first.stdout.contains("Invoices: 1 (1 paid-with-deductions)"))
    let files = try HistoryCLITests.gitRun(["ls-files", "reconciliation"], in: ws)
    #expect(files.contains("reconciliation/US/2019-08.json"))
    #expect(try HistoryCLITests.gitRun(["status", "--porcelain"], in: ws) == "")
    let head = try HardeningCLITests.head(ws)
    let again = try CLI.run(["reconcile"], in: ws)
    #expect(again.stdout.contains("Reconciliation files unchanged."))
    #expect(try HardeningCLITests.head(ws) == head)
    let json = try CLI.run(["reconcile", "--json", "--no-commit"], in: ws)
    let doc = try JSONParser.parse(Array(json.stdout.utf8)).value
    let invoice = try #require(doc["invoices"]?.arrayValue?.first)
    for key in [
      "invoiceNumber", "marketplace", "currency", "invoiceDate", "dueDate", "invoiced", "discount",
      "deductions", "paid", "open", "status",
    ] {
      #expect(invoice[key] != nil, "\(key)")
    }
    #expect(invoice["invoiced"] == .string("5579.88"))
    #expect(doc["asOf"] == .string("2026-10-20"))
    for key in ["purchaseOrders", "deductions", "returns", "findings"] {
      #expect(doc[key]?.arrayValue != nil, "\(key)")
    }
    let zh = try CLI.run(["reconcile", "--no-commit", "--lang", "zh-CN"], in: ws)
    #expect(zh.stdout.contains("采购单 4Z32PABC"))
  }

  @Test(
    "--apply moves a return whose credit a remittance settled, through set's rules, in the commit")
  func apply() throws {
    let dir = Folder()
    let ws = try HistoryCLITests.committed(dir)
    for state in ["received", "credit-issued"] {
      #expect(
        try CLI.run(["set", "RET-DE-R-DE-000123", "workflow.state=\(state)"], in: ws).status == 0)
    }
    let csv = dir.path + "/pay.csv"
    try """
    Payment Number,Payment Date,Invoice Number,Amount Paid,Currency
    5001,2026-11-02,CN-2026-0077,-59.97,EUR
    """.write(toFile: csv, atomically: true, encoding: .utf8)
    let imported = try CLI.run(["import", csv, "--marketplace", "DE"], in: ws)
    #expect(imported.status == 0, "\(imported.stderr)")
    let proposed = try CLI.run(["reconcile", "--no-commit"], in: ws)
    #expect(
      proposed.stdout.contains(
        "proposed: RET-DE-R-DE-000123 workflow.state credit-issued → settled"))
    _ = try HistoryCLITests.gitRun(["checkout", "--", "."], in: ws)
    _ = try HistoryCLITests.gitRun(["clean", "-qfd", "reconciliation"], in: ws)
    let applied = try CLI.run(["reconcile", "--apply"], in: ws)
    #expect(applied.status == 0, "\(applied.stdout)\(applied.stderr)")
    #expect(
      applied.stdout.contains("applied: RET-DE-R-DE-000123 workflow.state credit-issued → settled"))
    let shown = try CLI.run(["show", "RET-DE-R-DE-000123", "--json"], in: ws).stdout
    #expect(shown.contains("\"state\": \"settled\""))
    #expect(shown.contains("acorn reconcile: a remittance settles CN-2026-0077"))
    let log = try HistoryCLITests.gitRun(["log", "-1", "--stat", "--format=%s"], in: ws)
    #expect(log.hasPrefix("Reconcile as of"))
    #expect(log.contains("records/DE/return/2026-10/RET-DE-R-DE-000123.json"))
    #expect(try CLI.run(["validate"], in: ws).status == 0)
    #expect(try HistoryCLITests.gitRun(["status", "--porcelain"], in: ws) == "")
  }

  @Test(
    "a late credit is an error finding: exit 1 from the day after it was due; bad --as-of exits 2")
  func exitCodes() throws {
    let dir = Folder()
    let ws = try HistoryCLITests.committed(dir)
    _ = try HistoryCLITests.gitRun(
      ["rm", "-q", "records/DE/credit-note/2026-10/CN-DE-CN-2026-0077.json"], in: ws)
    _ = try HistoryCLITests.gitRun(["commit", "-qm", "no credit note yet"], in: ws)
    // Notice 2026-10-05: the credit is due 2026-11-04.
    let due = try CLI.run(["reconcile", "--as-of", "2026-11-04", "--no-commit"], in: ws)
    #expect(due.status == 0, "\(due.stdout)")
    let late = try CLI.run(["reconcile", "--as-of", "2026-11-05", "--no-commit"], in: ws)
    #expect(late.status == 1, "\(late.stdout)")
    #expect(late.stdout.contains("error[return.credit-late] Return R-DE-000123"))
    let bad = try CLI.run(["reconcile", "--as-of", "2026-02-30"], in: ws)
    #expect(bad.status == 2)
  }

}
