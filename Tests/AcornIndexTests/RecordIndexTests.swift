import AcornIndex
import AcornModel
import Foundation
import Testing

enum Fixtures {
  static let records: [(path: String, record: JSONValue)] = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    let base = url.path + "/Tests/Fixtures/records"
    var out: [(String, JSONValue)] = []
    let walker = FileManager.default.enumerator(atPath: base)
    while let rel = walker?.nextObject() as? String {
      guard rel.hasSuffix(".json"),
        let data = FileManager.default.contents(atPath: base + "/" + rel),
        let value = try? JSONParser.parse([UInt8](data)).value
      else { continue }
      out.append(("records/" + rel, value))
    }
    return out.sorted { $0.0 < $1.0 }
  }()
}

final class TempFile {
  let path = NSTemporaryDirectory() + "acorn-index-\(UUID().uuidString.prefix(8)).sqlite"
  deinit {
    for s in ["", "-wal", "-shm", "-journal"] {
      try? FileManager.default.removeItem(atPath: path + s)
    }
  }
}

@Suite("SQLite index")
struct RecordIndexTests {
  @Test("rebuild fills every table; money as exact text and integer minor units")
  func rebuild() throws {
    let file = TempFile()
    let index = try RecordIndex(path: file.path)
    try index.rebuild(Fixtures.records, state: .init(commit: "abc", dirtyPaths: []))
    #expect(try index.count() == 8)
    #expect(try index.state() == .init(commit: "abc", dirtyPaths: []))
    let invoice = try index.query(
      "SELECT invoice_number, total, total_minor, currency FROM invoices")
    #expect(
      invoice.rows == [
        [
          .string("INV-2019-0815"), .string("5579.88"), .number(DecimalNumber(557988)),
          .string("USD"),
        ]
      ])
    let lines = try index.query(
      "SELECT po_number, seq, ordered, received, net_cost, net_cost_minor FROM po_lines ORDER BY seq"
    )
    #expect(lines.rows.count == 2)
    #expect(
      lines.rows[1] == [
        .string("4Z32PABC"), .string("2"), .number(DecimalNumber(24)), .number(DecimalNumber(24)),
        .string("15.62"), .number(DecimalNumber(1562)),
      ])
    let joined = try index.query(
      """
      SELECT i.invoice_number, sum(l.paid_minor) FROM invoices i
      JOIN remittance_lines l ON l.invoice_number = i.invoice_number OR l.base_invoice_number = i.invoice_number
      GROUP BY i.invoice_number
      """)
    #expect(joined.rows == [[.string("INV-2019-0815"), .number(DecimalNumber(546828 - 28000))]])
    for table in [
      "purchase_orders", "shipments", "shipment_lines", "invoice_lines", "remittances", "returns",
      "return_lines", "credit_notes", "deductions",
    ] {
      #expect(
        try index.query("SELECT count(*) FROM \(table)").rows.first?.first?.intValue ?? 0 > 0,
        "\(table)")
    }
  }

  @Test("changes replace a record's rows; deletes remove them; all in one transaction")
  func apply() throws {
    let file = TempFile()
    let index = try RecordIndex(path: file.path)
    try index.rebuild(Fixtures.records, state: .init(commit: "a", dirtyPaths: []))
    let (path, po) = try #require(
      Fixtures.records.first { $0.record["kind"] == .string("purchase-order") })
    let changed = try #require(
      po.setting(
        .string("zhang.min@example.com"), at: JSONPath([.key("workflow"), .key("assignee")])))
    let deleted = try #require(Fixtures.records.first { $0.record["kind"] == .string("deduction") })
      .path
    try index.apply(
      [.upsert(path: path, record: changed), .delete(path: deleted)],
      state: .init(commit: "b", dirtyPaths: [path]))
    #expect(try index.count() == 7)
    #expect(
      try index.query("SELECT assignee FROM purchase_orders").rows == [
        [.string("zhang.min@example.com")]
      ])
    #expect(try index.query("SELECT count(*) FROM po_lines").rows == [[.number(DecimalNumber(2))]])
    #expect(
      try index.query("SELECT count(*) FROM deductions").rows == [[.number(DecimalNumber(0))]])
    #expect(try index.state() == .init(commit: "b", dirtyPaths: [path]))
  }

  @Test(
    "a file whose kind changes leaves no rows in its old kind's tables; a broken file then a record, and a record then a broken file, each leave only their own rows"
  )
  func kindChanges() throws {
    let file = TempFile()
    let index = try RecordIndex(path: file.path)
    try index.rebuild(Fixtures.records, state: .init(commit: "a", dirtyPaths: []))
    let (path, po) = try #require(
      Fixtures.records.first { $0.record["kind"] == .string("purchase-order") })
    let invoice = try #require(Fixtures.records.first { $0.record["kind"] == .string("invoice") })
      .record
    func count(_ table: String) throws -> Int {
      try index.query("SELECT count(*) FROM \(table) WHERE path = '\(path)'").rows.first?.first?
        .intValue ?? -1
    }
    // The purchase order's file now holds an invoice.
    try index.apply(
      [.upsert(path: path, record: invoice)], state: .init(commit: "b", dirtyPaths: []))
    #expect(try count("purchase_orders") == 0)
    #expect(try count("po_lines") == 0)
    #expect(try count("invoices") == 1)
    #expect(try count("invoice_lines") > 0)
    #expect(try count("records") == 1)
    // Broken: only its records row.
    try index.apply(
      [.broken(path: path, error: "not JSON")], state: .init(commit: "c", dirtyPaths: []))
    #expect(try count("invoices") == 0)
    #expect(try count("invoice_lines") == 0)
    #expect(try count("links") == 0)
    #expect(try count("records") == 1)
    // A purchase order again, then gone.
    try index.apply([.upsert(path: path, record: po)], state: .init(commit: "d", dirtyPaths: []))
    #expect(try count("purchase_orders") == 1)
    #expect(try count("po_lines") == 2)
    try index.apply([.delete(path: path)], state: .init(commit: "e", dirtyPaths: []))
    for table in ["records", "links", "purchase_orders", "po_lines", "invoices", "invoice_lines"] {
      #expect(try count(table) == 0, "\(table)")
    }
  }

  @Test(
    "every record's JSON read in runs of about equal size, each record once, in path order; a broken file left out"
  )
  func recordRuns() throws {
    let file = TempFile()
    let index = try RecordIndex(path: file.path)
    let broken = "records/DE/invoice/2026-01/INV-DE-BROKEN.json"
    try index.rebuild(
      Fixtures.records, broken: [(broken, "line 1: unexpected end")],
      state: .init(commit: "abc", dirtyPaths: []))
    let expected = Fixtures.records.map { CanonicalJSON.string($0.record) }
    #expect(expected.count == 8)
    // Nine rows (eight records and the broken file): up to nine runs, else one.
    for parts in [1, 2, 3, 4, 9, 10, 50] {
      let runs = try index.recordRuns(parts)
      #expect(runs.count == (parts <= 9 ? parts : 1), "parts \(parts)")
      #expect(runs.first?.from == nil && runs.last?.to == nil)
      for (a, b) in zip(runs, runs.dropFirst()) {
        #expect(a.to != nil && a.to == b.from && a.from.map { $0 < a.to! } ?? true)
      }
      var read: [String] = []
      for run in runs {
        try index.eachRecordJSON(in: run) { read.append(String(decoding: $0, as: UTF8.self)) }
      }
      #expect(read == expected, "parts \(parts)")
    }
  }

  @Test("writes are refused; SQL errors are reported")
  func readOnly() throws {
    let file = TempFile()
    let index = try RecordIndex(path: file.path)
    try index.rebuild(Fixtures.records, state: .init(commit: nil, dirtyPaths: []))
    let reader = try RecordIndex(readOnlyAt: file.path)
    for sql in [
      "DELETE FROM records", "INSERT INTO meta VALUES ('x','y')", "DROP TABLE records",
      "UPDATE invoices SET total = '0'",
    ] {
      do {
        _ = try reader.query(sql)
        Issue.record("accepted \(sql)")
      } catch {
        guard case .readOnly = error else {
          Issue.record("\(sql): \(error)")
          continue
        }
      }
    }
    #expect(try index.count() == 8)
    #expect(throws: IndexError.self) { try reader.query("SELECT nope FROM nowhere") }
    // Two statements: said in the user's terms (GRDB's message named its own API); a trailing
    // ';' is one statement.
    do {
      _ = try reader.query("SELECT 1; DROP TABLE records")
      Issue.record("accepted two statements")
    } catch {
      guard case .sql(let message) = error else {
        Issue.record("\(error)")
        return
      }
      #expect(message.hasPrefix("one statement at a time"), "\(message)")
      #expect(!message.contains("Database.execute"))
    }
    #expect(try reader.query("SELECT 1;").rows == [[.number(DecimalNumber(1))]])
  }

  @Test("a file that is not an index of this version is unusable, not trusted")
  func corrupt() throws {
    let file = TempFile()
    try Data("not a database at all, definitely not".utf8).write(
      to: URL(fileURLWithPath: file.path))
    #expect(throws: IndexError.self) { try RecordIndex(path: file.path) }
  }
}

@Suite("exact money in SQL")
struct ExactSumTests {
  static func invoice(path: String, id: String, number: String) -> (
    path: String, record: JSONValue
  ) {
    (
      path,
      .object([
        "id": .string(id), "kind": .string("invoice"), "marketplace": .string("US"),
        "schemaVersion": .number(DecimalNumber(1)),
        "source": .object([
          "invoiceNumber": .string(number), "invoiceDate": .string("2026-01-05"),
          "totalAmount": .object(["amount": .string("10.00"), "currency": .string("USD")]),
        ]),
        "workflow": .object([:]), "provenance": .object(["origin": .string("manual")]),
      ])
    )
  }

  @Test(
    "the ledger's invoices come in id order (by bytes) from the covering index, whatever order the table holds them in"
  )
  func ledgerInvoicesInIDOrder() throws {
    let file = TempFile()
    let index = try RecordIndex(path: file.path)
    // Paths (the table's order) against ids: reversed, with one beyond ASCII (after "Z" by bytes).
    let ids = ["INV-US-Z9", "INV-US-É1", "INV-US-A2", "INV-US-M5", "INV-US-A10", "INV-US-a1"]
    let records = ids.enumerated().map { k, id in
      Self.invoice(
        path: "records/US/invoice/2026-0\(k + 1)/\(id).json", id: id, number: "N\(k)")
    }
    try index.rebuild(records, state: .init(commit: "abc", dirtyPaths: []))
    let read = try index.ledgerInvoices().map(\.id)
    #expect(read == ids.sorted { CanonicalJSON.keyPrecedes($0, $1) })
    #expect(read.last == "INV-US-É1")
    #expect(try index.ledgerInvoices(marketplace: "US").map(\.id) == read)
    // In that order from the covering index, not sorted row by row.
    let plan = try index.query(
      "EXPLAIN QUERY PLAN SELECT id, marketplace, invoice_number, invoice_date, due_date, total, currency, status, net_days FROM invoices ORDER BY id"
    )
    let steps = plan.rows.map { $0.map { $0.stringValue ?? "" }.joined(separator: " ") }
      .joined(separator: "; ")
    #expect(steps.contains("COVERING INDEX invoices_ledger"), "\(steps)")
    #expect(!steps.contains("TEMP B-TREE"), "\(steps)")
  }

  static func remittance(_ m: String, _ n: Int, lines: Int, paymentNumber: String? = nil) -> (
    path: String, record: JSONValue
  ) {
    let currency = m == "US" ? "USD" : "EUR"
    func money(_ amount: String) -> JSONValue {
      .object(["amount": .string(amount), "currency": .string(currency)])
    }
    // Lines listed out of number order in every third remittance: the join puts them in order.
    let numbers = (1...lines).map { n % 3 == 0 ? lines + 1 - $0 : $0 }
    return (
      "records/\(m)/remittance/2026-01/PAY-\(m)-\(n).json",
      .object([
        "id": .string("PAY-\(m)-\(n)"), "kind": .string("remittance"), "marketplace": .string(m),
        "schemaVersion": .number(DecimalNumber(1)),
        "source": .object([
          "uniquePaymentId": .string("\(n)"), "paymentNumber": .string(paymentNumber ?? "P\(n)"),
          "paymentDate": .string("2026-01-\(10 + n % 9)"), "paymentAmount": money("\(lines).00"),
          "lines": .array(
            numbers.map { k in
              .object([
                "lineNumber": .number(DecimalNumber(k)), "invoiceNumber": .string("N\(n)-\(k)"),
                "classification": .string("invoice"), "amountPaid": money("1.00"),
              ])
            }),
        ]),
        "workflow": .object([:]), "provenance": .object(["origin": .string("manual")]),
      ])
    )
  }

  @Test(
    "the payments' lines read in parts (consecutive ranges of the table) join into the same remittances as one read, a marketplace's too"
  )
  func ledgerPaymentLinesInParts() throws {
    let file = TempFile()
    let index = try RecordIndex(path: file.path)
    // No lines at all: every part reads none.
    try index.rebuild(
      Fixtures.records.filter { !$0.path.contains("/remittance/") },
      state: .init(commit: "a", dirtyPaths: []))
    #expect(
      try RecordIndex.ledgerPayments(
        index.ledgerRemittances(),
        lines: (0..<2).map { try index.ledgerPaymentLines(part: $0, of: 2) }
      ).remittances.isEmpty)
    let records = (1...9).map { Self.remittance($0 % 4 == 0 ? "DE" : "US", $0, lines: 7) }
    try index.rebuild(records, state: .init(commit: "abc", dirtyPaths: []))
    // One remittance written again: its rows move to the end of the table.
    let again = Self.remittance("US", 2, lines: 7, paymentNumber: "P2-revised")
    try index.apply(
      [.upsert(path: again.path, record: again.record)],
      state: .init(commit: "abd", dirtyPaths: []))
    for marketplace in [nil, "US", "DE"] as [String?] {
      let heads = try index.ledgerRemittances(marketplace: marketplace)
      let whole = RecordIndex.ledgerPayments(
        heads, lines: [try index.ledgerPaymentLines(marketplace: marketplace)]
      ).remittances
      #expect(whole.count == (marketplace == nil ? 9 : marketplace == "US" ? 7 : 2))
      #expect(whole.allSatisfy { $0.lines.map(\.number) == Array(1...7) })
      // Table order alternates marketplaces, so the currency read last is not always the row's.
      #expect(
        whole.allSatisfy { r in
          r.lines.allSatisfy {
            $0.amountPaid.currency.code == (r.marketplace == "US" ? "USD" : "EUR")
          }
        })
      #expect(
        whole.allSatisfy { r in
          r.lines.allSatisfy { $0.invoiceNumber.hasPrefix("N\(r.paymentId)-") }
        })
      #expect(whole.contains { $0.paymentNumber == "P2-revised" } == (marketplace != "DE"))
      for parts in [2, 3, 5] {
        let read = try (0..<parts).map {
          try index.ledgerPaymentLines(marketplace: marketplace, part: $0, of: parts)
        }
        let joined = RecordIndex.ledgerPayments(heads, lines: read).remittances
        #expect(joined == whole, "\(parts) parts, \(marketplace ?? "every marketplace")")
      }
    }
  }

  static func deduction(_ n: Int, _ amount: String) -> (path: String, record: JSONValue) {
    (
      "records/US/deduction/2026-01/DED-US-D\(n).json",
      .object([
        "id": .string("DED-US-D\(n)"), "kind": .string("deduction"), "marketplace": .string("US"),
        "schemaVersion": .number(DecimalNumber(1)),
        "source": .object([
          "deductionNumber": .string("D\(n)"), "deductionType": .string("other"),
          "deductionDate": .string("2026-01-05"),
          "amount": .object(["amount": .string(amount), "currency": .string("USD")]),
          "purchaseOrderNumbers": .array([.string("PO\(n % 2)")]),
        ]),
        "workflow": .object([:]), "provenance": .object(["origin": .string("manual")]),
      ])
    )
  }

  @Test("sub-cent amounts: _minor is NULL, _micro and dsum() are exact; sets are link rows")
  func exact() throws {
    let file = TempFile()
    let index = try RecordIndex(path: file.path)
    let amounts = ["0.1234", "0.10", "0.20", "1000000.0001", "-0.3"]
    try index.rebuild(
      amounts.enumerated().map { Self.deduction($0.offset, $0.element) },
      state: .init(commit: nil, dirtyPaths: []))
    let minor = try index.query("SELECT count(*) FROM deductions WHERE amount_minor IS NULL")
    #expect(minor.rows == [[.number(DecimalNumber(2))]])
    let micro = try index.query("SELECT sum(amount_micro) FROM deductions")
    #expect(micro.rows == [[.number(DecimalNumber(1_000_000_123_500))]])
    let dsum = try index.query("SELECT dsum(amount) FROM deductions")
    #expect(dsum.rows == [[.string("1000000.1235")]])
    // 0.1 + 0.2 in floating point is not 0.3; dsum is.
    let small = try index.query(
      "SELECT dsum(amount), sum(amount) = 0.3 FROM deductions WHERE amount IN ('0.10', '0.20')")
    #expect(small.rows.first?.first == .string("0.3"))
    #expect(throws: IndexError.self) {
      try index.query("SELECT dsum(deduction_type) FROM deductions")
    }
    let linked = try index.query(
      """
      SELECT d.deduction_number FROM deductions d JOIN links l ON l.path = d.path
      WHERE l.field = 'po_numbers' AND l.value = 'PO1' ORDER BY 1
      """)
    #expect(linked.rows == [[.string("D1")], [.string("D3")]])
  }

  @Test("a forced rebuild does not duplicate line rows")
  func rebuildTwice() throws {
    let file = TempFile()
    let index = try RecordIndex(path: file.path)
    try index.rebuild(Fixtures.records, state: .init(commit: "a", dirtyPaths: []))
    let once = try index.query("SELECT count(*) FROM po_lines").rows
    try index.rebuild(Fixtures.records, state: .init(commit: "a", dirtyPaths: []))
    #expect(try index.query("SELECT count(*) FROM po_lines").rows == once)
  }
}
