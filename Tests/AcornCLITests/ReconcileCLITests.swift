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
    // A marketplace the workspace holds nothing of is said on stderr ("Invoices: 0" and "No
    // open alerts" had read as all clear); one it holds, not.
    let held = try HistoryCLITests.gitRun(["ls-tree", "--name-only", "HEAD", "records/"], in: ws)
      .split(separator: "\n").map { $0.replacingOccurrences(of: "records/", with: "") }
    for command in [["reconcile", "--no-commit"], ["reconcile", "--ledger"], ["alerts"]] {
      let absent = try CLI.run(command + ["--marketplace", "JP"], in: ws)
      #expect(
        absent.stderr.contains(
          "holds no record of marketplace JP (its records are of \(held.joined(separator: ", ")))"),
        "\(command) \(absent.stderr)")
      let present = try CLI.run(command + ["--marketplace", "US"], in: ws)
      #expect(!present.stderr.contains("holds no record"), "\(command) \(present.stderr)")
    }
    let zh = try CLI.run(["reconcile", "--no-commit", "--lang", "zh-CN"], in: ws)
    #expect(zh.stdout.contains("采购单 4Z32PABC"))
    // A PO line is named in the sentence's language ("line 1 (ASIN)" had stayed English).
    let poLines = zh.stdout.split(separator: "\n").filter { $0.contains("[po.") }
    #expect(!poLines.isEmpty)
    for line in poLines {
      #expect(line.contains(" 行"), "\(line)")
      #expect(!line.contains(" line ") && !line.contains(" ("), "\(line)")
    }
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

extension ReconcileCLITests {
  /// The fixtures' workspace with invoice INV-1 (20.00 USD) imported from an 810.
  static func withInvoice(_ dir: Folder) throws -> String {
    let ws = try HistoryCLITests.committed(dir)
    try HandX12.invoice(po: "PO123", number: "INV-1").write(
      toFile: dir.path + "/i.edi", atomically: true, encoding: .utf8)
    #expect(try CLI.run(["import", dir.path + "/i.edi"], in: ws).status == 0)
    return ws
  }

  static func payment(_ dir: Folder, _ name: String, number: String, invoice: String) throws
    -> String
  {
    let file = dir.path + "/\(name).csv"
    try """
    Payment Number,Payment Date,Invoice Number,Amount Paid,Currency
    \(number),2026-02-15,\(invoice),20.00,USD
    """.write(toFile: file, atomically: true, encoding: .utf8)
    return file
  }

  static func reconciliation(_ ws: String) -> [String: Data] {
    HardeningCLITests.files(ws).filter { $0.key.hasPrefix("reconciliation/") }
  }

  @Test(
    "two teammates import different remittances offline, pull: no conflict, the same reconciliation as one importing both"
  )
  func converge() throws {
    let dir = Folder()
    let base = try HistoryCLITests.committed(dir)
    for n in ["INV-1", "INV-2"] {
      try HandX12.invoice(po: "PO123", number: n).write(
        toFile: dir.path + "/\(n).edi", atomically: true, encoding: .utf8)
      #expect(try CLI.run(["import", dir.path + "/\(n).edi"], in: base).status == 0)
    }
    #expect(try CLI.run(["reconcile"], in: base).status == 0)
    _ = try HistoryCLITests.gitRun(
      ["init", "--bare", "-q", dir.path + "/remote.git"], in: dir.path)
    _ = try HistoryCLITests.gitRun(["remote", "add", "origin", dir.path + "/remote.git"], in: base)
    #expect(try CLI.run(["push"], in: base).status == 0)
    for name in ["a", "b", "c"] {
      #expect(try CLI.run(["clone", dir.path + "/remote.git", name], in: dir.path).status == 0)
    }
    let (a, b, c) = (dir.path + "/a", dir.path + "/b", dir.path + "/c")
    let r1 = try Self.payment(dir, "r1", number: "7001", invoice: "INV-1")
    let r2 = try Self.payment(dir, "r2", number: "7002", invoice: "INV-2")
    #expect(try CLI.run(["import", r1], in: a).status == 0)
    #expect(try CLI.run(["reconcile"], in: a).status == 0)
    #expect(try CLI.run(["import", r2], in: b).status == 0)
    #expect(try CLI.run(["reconcile"], in: b).status == 0)
    #expect(try CLI.run(["push"], in: a).status == 0)
    let pull = try CLI.run(["pull"], in: b)
    #expect(pull.status == 0, "\(pull.stdout)\(pull.stderr)")
    #expect(try CLI.run(["conflicts"], in: b).status == 0)
    #expect(try HistoryCLITests.gitRun(["status", "--porcelain"], in: b) == "")
    // One person importing both.
    #expect(try CLI.run(["import", r1, r2], in: c).status == 0)
    #expect(try CLI.run(["reconcile"], in: c).status == 0)
    let merged = Self.reconciliation(b)
    #expect(!merged.isEmpty)
    #expect(merged == Self.reconciliation(c))
    let doc = try JSONParser.parse(
      Array(try CLI.run(["reconcile", "--json", "--no-commit"], in: b).stdout.utf8)
    ).value
    let statuses = (doc["invoices"]?.arrayValue ?? []).filter {
      ["INV-1", "INV-2"].contains($0["invoiceNumber"]?.stringValue ?? "")
    }.map { $0["status"]?.stringValue }
    #expect(statuses == ["paid", "paid"])
  }

  @Test(
    "plain git merge keeps one side of the reconciliation files; the next acorn command recomputes them"
  )
  func plainGitMerge() throws {
    let dir = Folder()
    let ws = try Self.withInvoice(dir)
    #expect(try CLI.run(["reconcile"], in: ws).status == 0)
    _ = try HistoryCLITests.gitRun(["checkout", "-q", "-b", "other"], in: ws)
    #expect(
      try CLI.run(
        ["import", try Self.payment(dir, "r1", number: "7001", invoice: "INV-1")], in: ws
      ).status == 0)
    #expect(try CLI.run(["reconcile"], in: ws).status == 0)
    _ = try HistoryCLITests.gitRun(["checkout", "-q", "main"], in: ws)
    // Both branches change the same files: results as of another day on main.
    #expect(try CLI.run(["reconcile", "--as-of", "2026-03-01"], in: ws).status == 0)
    _ = try HistoryCLITests.gitRun(["merge", "-q", "--no-edit", "other"], in: ws)
    #expect(try HistoryCLITests.gitRun(["status", "--porcelain"], in: ws) == "")
    let validate = try CLI.run(["validate"], in: ws)
    #expect(validate.stdout.contains("reconciliation.stale"))
    // The next writing command recomputes and commits them.
    #expect(try CLI.run(["set", "RET-DE-R-DE-000123", "--note", "checked"], in: ws).status == 0)
    let log = try HistoryCLITests.gitRun(["log", "--format=%s", "-2"], in: ws)
    #expect(log.contains("Reconcile after a merge outside acorn"), "\(log)")
    let before = Self.reconciliation(ws)
    let again = try CLI.run(["reconcile"], in: ws)
    #expect(again.stdout.contains("Reconciliation files unchanged."), "\(again.stdout)")
    #expect(Self.reconciliation(ws) == before)
    #expect(!(try CLI.run(["validate"], in: ws)).stdout.contains("reconciliation.stale"))
  }
}

extension ReconcileCLITests {
  @Test("acorn match links a payment line the numbers could not; the reconciler honours it")
  func match() throws {
    let dir = Folder()
    let ws = try Self.withInvoice(dir)
    // Amazon's payment names the invoice with a typo.
    #expect(
      try CLI.run(["import", try Self.payment(dir, "r", number: "7001", invoice: "INV_1")], in: ws)
        .status == 0)
    let before = try CLI.run(["reconcile", "--no-commit", "--json"], in: ws)
    #expect(before.stdout.contains("payment.unmatched"))
    let bad = try CLI.run(["match", "PAY-US-7001", "--invoice", "INV-US-INV-1"], in: ws)
    #expect(bad.status == 1)
    #expect(bad.stderr.contains("--line"))
    _ = try HistoryCLITests.gitRun(["checkout", "--", "."], in: ws)
    _ = try HistoryCLITests.gitRun(["clean", "-qfd", "reconciliation"], in: ws)
    let linked = try CLI.run(
      ["match", "PAY-US-7001", "--line", "1", "--invoice", "INV-US-INV-1"], in: ws)
    #expect(linked.status == 0, "\(linked.stderr)")
    #expect(linked.stdout.contains("PAY-US-7001 line 1 → INV-US-INV-1"))
    let after = try JSONParser.parse(
      Array(try CLI.run(["reconcile", "--json"], in: ws).stdout.utf8)
    ).value
    let inv = after["invoices"]?.arrayValue?.first { $0["invoiceNumber"] == .string("INV-1") }
    #expect(inv?["status"] == .string("paid"))
    #expect(
      !(after["findings"]?.arrayValue ?? []).contains { $0["code"] == .string("payment.unmatched") }
    )
    #expect(try CLI.run(["validate"], in: ws).status == 0)
    let wrong = try CLI.run(["match", "INV-US-INV-1", "--return", "RET-DE-R-DE-000123"], in: ws)
    #expect(wrong.status == 1)
  }
}

extension ReconcileCLITests {
  @Test("a new remittance shows in diff, log and --markdown as business sentences")
  func businessDiff() throws {
    let dir = Folder()
    let ws = try Self.withInvoice(dir)
    #expect(try CLI.run(["reconcile"], in: ws).status == 0)
    let file = dir.path + "/pay.csv"
    try """
    Payment Number,Payment Date,Invoice Number,Amount Paid,Currency
    7001,2026-02-15,INV-1,20.00,USD
    7001,2026-02-15,INV-1SC,-5.00,USD
    """.write(toFile: file, atomically: true, encoding: .utf8)
    #expect(try CLI.run(["import", file], in: ws).status == 0)
    let sentence =
      "INV-1 unpaid → paid-with-deductions, shortage-claim 5.00 USD (payment 7001), 1 payment, open 20.00 → 0.00 USD"
    let diff = try CLI.run(["diff", "HEAD~1", "HEAD"], in: ws)
    #expect(diff.stdout.contains(sentence), "\(diff.stdout)")
    #expect(try CLI.run(["log", "-n", "1"], in: ws).stdout.contains(sentence))
    let markdown = try CLI.run(["diff", "HEAD~1", "HEAD", "--markdown"], in: ws).stdout
    #expect(markdown.contains("- " + sentence))
    let json = try JSONParser.parse(
      Array(try CLI.run(["diff", "HEAD~1", "HEAD", "--json"], in: ws).stdout.utf8)
    ).value
    let files = json["files"]?.arrayValue ?? []
    #expect(files.contains { ($0["sentences"]?.arrayValue ?? []).contains(.string(sentence)) })
  }
}

@Suite("acorn reconcile --ledger")
struct LedgerFromIndexCLITests {
  static let ledgerCodes: Set<String> = [
    "ledger.rounding", "invoice.paid-twice", "invoice.overpaid", "invoice.past-due",
    "remittance.unbalanced", "payment.unmatched", "match.stale", "ledger.currency",
    "record.unreadable",
  ]

  /// The ledger read from the index equals the one `acorn reconcile` computes from the files.
  static func same(_ ws: String) throws {
    let fromIndex = try CLI.run(["reconcile", "--ledger", "--json"], in: ws)
    #expect(fromIndex.status <= 1, "\(fromIndex.stderr)")
    let full = try CLI.run(["reconcile", "--json", "--no-commit"], in: ws)
    #expect(full.status <= 1, "\(full.stderr)")
    let a = try JSONParser.parse(Array(fromIndex.stdout.utf8)).value
    let b = try JSONParser.parse(Array(full.stdout.utf8)).value
    #expect(a["asOf"] == b["asOf"])
    #expect((a["invoices"]?.arrayValue?.count ?? 0) > 20)
    #expect(a["invoices"] == b["invoices"])
    let ledgerFindings = (b["findings"]?.arrayValue ?? []).filter {
      Self.ledgerCodes.contains($0["code"]?.stringValue ?? "")
    }
    #expect(a["findings"] == .array(ledgerFindings))
    // --no-commit left the files in the working tree: put it back as it was.
    _ = try HistoryCLITests.gitRun(["checkout", "--", "."], in: ws)
    _ = try HistoryCLITests.gitRun(["clean", "-fdq", "reconciliation"], in: ws)
  }

  /// The ledger reads the index while the working tree is walked; when the walk finds the index
  /// stale, the index is updated and read again — the first read must not be what is shown.
  @Test(
    "an invoice edited behind acorn's back is in the next ledger: the index is updated and read again"
  )
  func editedOutsideAcorn() throws {
    let dir = Folder()
    let ws = try ExportCLITests.sandbox(dir, until: "2026-08-15")
    func invoiced(_ id: String) throws -> String? {
      let run = try CLI.run(["reconcile", "--ledger", "--json"], in: ws)
      #expect(run.status <= 1, "\(run.stderr)")
      let doc = try JSONParser.parse(Array(run.stdout.utf8)).value
      return doc["invoices"]?.arrayValue?.first { $0["id"]?.stringValue == id }?["invoiced"]?
        .stringValue
    }
    let row = try CLI.run(
      ["query", "SELECT id, path FROM invoices ORDER BY id LIMIT 1", "--csv"], in: ws)
    let fields = try #require(row.stdout.split(whereSeparator: \.isNewline).last)
      .split(separator: ",").map(String.init)
    let (id, path) = (fields[0], ws + "/" + fields[1])
    #expect(try invoiced(id) != "98765.43")
    var text = try String(contentsOfFile: path, encoding: .utf8)
    let total = try #require(text.range(of: "\"totalAmount\": {"))
    let amount = try #require(
      text.range(of: "\"amount\": \"", range: total.upperBound..<text.endIndex))
    let end = try #require(text[amount.upperBound...].firstIndex(of: "\""))
    text.replaceSubrange(amount.upperBound..<end, with: "98765.43")
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    #expect(try invoiced(id) == "98765.43")
  }

  @Test(
    "the index-driven ledger is the file-driven one: the sandbox, a payment line no invoice has, then a person's match"
  )
  func sameAsFiles() throws {
    let dir = Folder()
    let ws = try ExportCLITests.sandbox(dir, until: "2026-08-15")
    try Self.same(ws)
    let csv = dir.path + "/pay.csv"
    try """
    Payment Number,Payment Date,Invoice Number,Amount Paid,Currency
    7001,2026-08-10,US-UNKNOWN-1,250.00,USD
    """.write(toFile: csv, atomically: true, encoding: .utf8)
    let imported = try CLI.run(["import", csv, "--marketplace", "US"], in: ws)
    #expect(imported.status == 0, "\(imported.stderr)")
    try Self.same(ws)
    let pay = try CLI.run(
      ["query", "SELECT id FROM remittances WHERE payment_number = '7001'", "--csv"], in: ws)
    let payID = try #require(pay.stdout.split(whereSeparator: \.isNewline).last.map(String.init))
      .trimmingCharacters(in: .whitespacesAndNewlines)
    let inv = try CLI.run(
      [
        "query",
        "SELECT id FROM invoices WHERE marketplace = 'US' ORDER BY invoice_date DESC LIMIT 1",
        "--csv",
      ],
      in: ws)
    let invID = try #require(inv.stdout.split(whereSeparator: \.isNewline).last.map(String.init))
      .trimmingCharacters(in: .whitespacesAndNewlines)
    let matched = try CLI.run(["match", payID, "--line", "1", "--invoice", invID], in: ws)
    #expect(matched.status == 0, "\(matched.stderr) \(payID) \(invID)")
    try Self.same(ws)
    // A drafted answer to Amazon is observed today, but says nothing of what Amazon did: the
    // day the ledger is as of stays the records' (the index had taken every record's).
    let po = try CLI.run(
      [
        "query", "SELECT po_number FROM purchase_orders ORDER BY order_date DESC LIMIT 1", "--csv",
      ], in: ws)
    let poNumber = try #require(po.stdout.split(whereSeparator: \.isNewline).last.map(String.init))
      .trimmingCharacters(in: .whitespacesAndNewlines)
    let drafted = try CLI.run(["draft", "ack", poNumber, "--accept-all"], in: ws)
    #expect(drafted.status == 0, "\(drafted.stderr)")
    try Self.same(ws)
    // An invoice file broken behind acorn's back: an error finding naming the file and the line
    // in both (it had vanished from the ledger, its payment shown as matching nothing known).
    let invoicePath = try #require(
      try CLI.run(
        ["query", "SELECT path FROM invoices ORDER BY path LIMIT 1", "--csv"], in: ws
      ).stdout.split(whereSeparator: \.isNewline).last.map(String.init))
    try "{\n  \"id\": \"x\",\n".write(
      toFile: ws + "/" + invoicePath, atomically: true, encoding: .utf8)
    let broken = try CLI.run(["reconcile", "--no-commit"], in: ws)
    #expect(broken.status == 1, "\(broken.stdout)")
    #expect(
      broken.stdout.contains(
        "error[record.unreadable] Record file \(invoicePath) cannot be read (line 3: "),
      "\(broken.stdout)")
    try "{\n  \"id\": \"x\",\n".write(
      toFile: ws + "/" + invoicePath, atomically: true, encoding: .utf8)
    try Self.same(ws)
    let text = try CLI.run(["reconcile", "--ledger"], in: ws)
    #expect(text.stdout.hasPrefix("Invoice ledger as of 2026-08-15 (from the index): "))
    let zh = try CLI.run(["reconcile", "--ledger", "--lang", "zh-CN"], in: ws)
    #expect(zh.stdout.hasPrefix("发票台账截至 2026-08-15（来自索引）："), "\(zh.stdout)")
    #expect(try CLI.run(["reconcile", "--ledger", "--apply"], in: ws).status == 2)
  }
}
