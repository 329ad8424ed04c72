import AcornModel
import GRDB
import GRDBSQLite

/// What the invoice ledger reads, straight from the index's columns — no record file opened, no
/// JSON parsed but the few people's line matches — so reconciling a million invoice lines costs
/// a few table scans.
extension RecordIndex {
  public struct LedgerInputs: Sendable {
    public var invoices: [InvoiceView]
    public var remittances: [RemittanceView]
    public var creditNotes: [CreditNoteView]
  }

  public func ledgerInputs(marketplace: String? = nil) throws(IndexError) -> LedgerInputs {
    do {
      return try queue.read { db in
        let scope = marketplace == nil ? "" : " WHERE marketplace = ?"
        let args: StatementArguments = marketplace.map { [$0] } ?? []
        var invoices: [InvoiceView] = []
        let inv = try Row.fetchCursor(
          db,
          sql:
            "SELECT id, marketplace, invoice_number, invoice_date, due_date, total, currency, status, net_days FROM invoices\(scope)",
          arguments: args)
        while let r = try inv.next() {
          guard let id: String = r[0], let m: String = r[1], let number: String = r[2],
            let dateText: String = r[3], let date = CivilDate.day(String(dateText.prefix(10))),
            let total = Self.money(r[5], r[6])
          else { continue }
          let due = (r[4] as String?).flatMap { CivilDate.day(String($0.prefix(10))) }
          invoices.append(
            InvoiceView(
              id: id, marketplace: m, number: number, date: date, dueDate: due, total: total,
              status: r[7], netDays: r[8]))
        }
        // Lines first, grouped by their remittance's path: a million rows read straight from the
        // statement (GRDB's row decoding per column was most of the time), in path order so each
        // remittance's lines come together and its path is made once.
        var lines: [String: [RemittanceView.Line]] = [:]
        let ln = try db.makeStatement(
          sql: """
            SELECT l.path, l.line, l.invoice_number, l.classification, l.base_invoice_number,
                   l.paid, l.currency, l.invoice_amount, l.discount
            FROM remittance_lines l\(marketplace == nil ? "" : " JOIN remittances r ON r.path = l.path WHERE r.marketplace = ?")
            ORDER BY l.path, l.line
            """)
        try ln.setArguments(args)
        try Self.readLines(ln.sqliteStatement) { path, group in lines[path] = group }
        // People's decisions: the few remittances whose workflow links lines to invoices.
        var matches: [String: [Int: String]] = [:]
        let mt = try Row.fetchCursor(
          db,
          sql: """
            SELECT records.path, json_extract(j.value, '$.lineNumber'), json_extract(j.value, '$.invoiceId')
            FROM records, json_each(records.json, '$.workflow.lineMatches') AS j
            WHERE \(IndexSchema.lineMatchesFilter("records."))
            """)
        while let r = try mt.next() {
          if let p: String = r[0], let n: Int = r[1], let inv: String = r[2] {
            matches[p, default: [:]][n] = inv
          }
        }
        var remittances: [RemittanceView] = []
        let rem = try Row.fetchCursor(
          db,
          sql:
            "SELECT path, id, marketplace, payment_id, payment_number, payment_date, amount, currency, exchange_rate FROM remittances\(scope)",
          arguments: args)
        while let r = try rem.next() {
          guard let path: String = r[0], let id: String = r[1], let m: String = r[2],
            let paymentId: String = r[3], let dateText: String = r[5],
            let date = CivilDate.day(String(dateText.prefix(10))),
            let amount = Self.money(r[6], r[7])
          else { continue }
          remittances.append(
            RemittanceView(
              id: id, marketplace: m, paymentId: paymentId, paymentNumber: r[4], date: date,
              amount: amount,
              exchangeRate: (r[8] as String?).flatMap { try? DecimalNumber(parsing: $0) },
              lines: (lines[path] ?? []).sorted { $0.number < $1.number },
              lineMatches: matches[path] ?? [:]))
        }
        var notes: [CreditNoteView] = []
        let cn = try Row.fetchCursor(
          db,
          sql:
            "SELECT id, marketplace, credit_note_number, debit_note_number, total, currency FROM credit_notes\(scope)",
          arguments: args)
        while let r = try cn.next() {
          guard let id: String = r[0], let m: String = r[1], let number: String = r[2],
            let total = Self.money(r[4], r[5])
          else { continue }
          notes.append(
            CreditNoteView(
              id: id, marketplace: m, number: number, debitNoteNumber: r[3], total: total))
        }
        return LedgerInputs(invoices: invoices, remittances: remittances, creditNotes: notes)
      }
    } catch let error as IndexError {
      throw error
    } catch let error as DatabaseError {
      throw IndexError.sql(error.message ?? "\(error)")
    } catch {
      throw IndexError.classify(error)
    }
  }

  /// The latest day the records speak of (an observation, a document's date): what
  /// `Reconciler.latestDay` finds in the files, from the index's columns.
  public func latestDay() throws(IndexError) -> Int? {
    let sources = [
      ("records", "observed_on"), ("invoices", "invoice_date"), ("remittances", "payment_date"),
      ("deductions", "deduction_date"), ("returns", "notice_date"),
      ("purchase_orders", "order_date"), ("shipments", "shipment_date"),
      ("credit_notes", "issue_date"),
    ]
    let sql =
      "SELECT MAX(d) FROM ("
      + sources.map { "SELECT MAX(substr(\($0.1), 1, 10)) AS d FROM \($0.0)" }.joined(
        separator: " UNION ALL ") + ")"
    do {
      let text = try queue.read { db in try String.fetchOne(db, sql: sql) }
      return text.flatMap(CivilDate.day)
    } catch {
      throw IndexError.classify(error)
    }
  }

  /// Steps a statement of (path, line, invoice_number, classification, base_invoice_number,
  /// paid, currency, invoice_amount, discount) ordered by path, handing each path's lines on.
  static func readLines(
    _ statement: SQLiteStatement, _ group: (String, [RemittanceView.Line]) -> Void
  ) throws(IndexError) {
    defer { sqlite3_reset(statement) }
    func text(_ i: Int32) -> String? {
      guard let p = sqlite3_column_text(statement, i) else { return nil }
      return String(
        decoding: UnsafeBufferPointer(start: p, count: Int(sqlite3_column_bytes(statement, i))),
        as: UTF8.self)
    }
    var path: [UInt8] = []
    var current: [RemittanceView.Line] = []
    var currencies = CurrencyCache()
    func flush() {
      if !current.isEmpty { group(String(decoding: path, as: UTF8.self), current) }
      current = []
    }
    while true {
      let rc = sqlite3_step(statement)
      if rc == SQLITE_DONE { break }
      guard rc == SQLITE_ROW else {
        throw IndexError.sql(String(cString: sqlite3_errmsg(sqlite3_db_handle(statement))))
      }
      guard let p = sqlite3_column_text(statement, 0) else { continue }
      let rowPath = UnsafeBufferPointer(start: p, count: Int(sqlite3_column_bytes(statement, 0)))
      if !path.elementsEqual(rowPath) {
        flush()
        path = Array(rowPath)
      }
      guard let number = text(2), let currency = currencies.code(text(6)),
        let paid = text(5).flatMap({ try? DecimalNumber(parsing: $0) })
      else { continue }
      let line =
        sqlite3_column_type(statement, 1) == SQLITE_NULL
        ? current.count + 1 : Int(sqlite3_column_int64(statement, 1))
      current.append(
        RemittanceView.Line(
          line: line, invoiceNumber: number, classification: text(3) ?? "other", base: text(4),
          amountPaid: Money(paid, currency),
          invoiceAmount: text(7).flatMap { try? DecimalNumber(parsing: $0) }.map {
            Money($0, currency)
          },
          discount: text(8).flatMap { try? DecimalNumber(parsing: $0) }.map {
            Money($0, currency)
          }))
    }
    flush()
  }

  /// Currency codes as read: the few a workspace uses, checked once each.
  struct CurrencyCache {
    var known: [String: CurrencyCode] = [:]
    mutating func code(_ text: String?) -> CurrencyCode? {
      guard let text else { return nil }
      if let c = known[text] { return c }
      let c = CurrencyCode(text)
      known[text] = c
      return c
    }
  }

  static func money(_ amount: String?, _ currency: String?) -> Money? {
    guard let amount, let currency, let m = try? Money(amount, currency) else { return nil }
    return m
  }
}
