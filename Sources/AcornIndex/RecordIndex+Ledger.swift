import AcornModel
import GRDB
import GRDBSQLite

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What the invoice ledger reads, straight from the index's columns — no record file opened, no
/// JSON parsed but the few people's line matches — so reconciling a million invoice lines costs
/// a few table scans.
extension RecordIndex {
  /// The invoices the ledger reads (a second connection can read them while this one reads the
  /// payments: `ledgerPaymentLines`, `ledgerRemittances`).
  public func ledgerInvoices(marketplace: String? = nil) throws(IndexError) -> [InvoiceView] {
    try reading { db in
      let scope = marketplace == nil ? "" : " WHERE marketplace = ?"
      let args: StatementArguments = marketplace.map { [$0] } ?? []
      // Stepped through the C API (GRDB's decoding of each column was most of the time at a
      // hundred thousand invoices), in id order — the ledger's — from the covering index
      // `invoices_ledger` (`ORDER BY id` over the table sorted every row: four times the scan).
      // Room for them all at once, in huge pages where the kernel gives them (grown by doubling,
      // the views were copied and freshly faulted in several times over).
      var invoices: [InvoiceView] = []
      let count = try Int.fetchOne(
        db, sql: "SELECT count(*) FROM invoices\(scope)", arguments: args)
      invoices.reserveCapacityInHugePages(count ?? 0)
      var currencies = CurrencyCache()
      let inv = try db.makeStatement(
        sql:
          "SELECT \(IndexSchema.ledgerInvoiceColumns) FROM invoices INDEXED BY invoices_ledger\(scope) ORDER BY id"
      )
      try inv.setArguments(args)
      try RawRow.each(inv.sqliteStatement) { r in
        guard let id = r.text(0), let m = r.text(1), let number = r.text(2),
          let date = r.day(3), let currency = currencies.code(r.bytes(6)),
          let total = r.decimal(5)
        else { return }
        invoices.append(
          InvoiceView(
            id: id, marketplace: m, number: number, date: date, dueDate: r.day(4),
            total: Money(total, currency), status: r.text(7), netDays: r.int(8)))
      }
      return invoices
    }
  }

  /// The remittances without their lines (their paths, to join them), people's line matches
  /// and the credit notes, read on a connection of its own while another reads the lines
  /// (`ledgerPaymentLines`); `ledgerPayments(_:lines:)` joins them into what the ledger reads.
  public struct RemittanceHeads: Sendable {
    var remittances: [RemittanceView]
    var paths: [String]
    var creditNotes: [CreditNoteView]
  }

  /// Each remittance's lines by its path.
  public struct PaymentLines: Sendable {
    var byPath: [String: [RemittanceView.Line]]
  }

  /// The remittances' lines, in table order (a scan; ordering by path and line cost four times
  /// as much): each remittance sorts its own few lines when they are joined. `part` of `parts`
  /// reads one of that many consecutive ranges of the table's rows, so that the parts, read on
  /// connections of their own and handed to `ledgerPayments(_:lines:)` in order, are the whole
  /// table's lines in the same order (the largest read of the ledger, split between the cores).
  public func ledgerPaymentLines(marketplace: String? = nil, part: Int = 0, of parts: Int = 1)
    throws(IndexError) -> PaymentLines
  {
    try reading { db in
      var args: StatementArguments = marketplace.map { [$0] } ?? []
      var range = ""
      if parts > 1 {
        // Row ids split evenly between their least and greatest (both read from the b-tree's
        // ends; every part's connection reads the same, under the index lock held shared).
        let bounds = try Row.fetchOne(
          db, sql: "SELECT coalesce(min(rowid), 0), coalesce(max(rowid), 0) FROM remittance_lines")
        let low: Int64 = bounds?[0] ?? 0
        let high: Int64 = bounds?[1] ?? 0
        let step = (high - low) / Int64(parts) + 1
        let start = low + step * Int64(part)
        let conditions: [String] =
          (part > 0 ? ["l.rowid >= ?"] : []) + (part < parts - 1 ? ["l.rowid < ?"] : [])
        if part > 0 { args += [start] }
        if part < parts - 1 { args += [start + step] }
        range = (marketplace == nil ? " WHERE " : " AND ") + conditions.joined(separator: " AND ")
      }
      var lines: [String: [RemittanceView.Line]] = [:]
      let ln = try db.makeStatement(
        sql: """
          SELECT l.path, l.line, l.invoice_number, l.classification, l.base_invoice_number,
                 l.paid, l.currency, l.invoice_amount, l.discount
          FROM remittance_lines l\(marketplace == nil ? "" : " JOIN remittances r ON r.path = l.path WHERE r.marketplace = ?")\(range)
          """)
      try ln.setArguments(args)
      try Self.readLines(ln.sqliteStatement) { path, group in
        // Taken as it is when the path is new (appending copied every line).
        if lines[path] == nil {
          lines[path] = group
        } else {
          lines[path]?.append(contentsOf: group)
        }
      }
      return PaymentLines(byPath: lines)
    }
  }

  /// The remittances (by payment day and id, the ledger's order) without their lines.
  public func ledgerRemittances(marketplace: String? = nil) throws(IndexError) -> RemittanceHeads {
    try reading { db in
      let scope = marketplace == nil ? "" : " WHERE marketplace = ?"
      let args: StatementArguments = marketplace.map { [$0] } ?? []
      var currencies = CurrencyCache()
      // People's decisions: the few remittances whose workflow links lines to invoices, found
      // through their partial index (left to itself, SQLite chose the index on kind and read
      // every remittance's JSON).
      var matches: [String: [Int: String]] = [:]
      let mt = try Row.fetchCursor(
        db,
        sql: """
          SELECT records.path, json_extract(j.value, '$.lineNumber'), json_extract(j.value, '$.invoiceId')
          FROM records INDEXED BY records_line_matches, json_each(records.json, '$.workflow.lineMatches') AS j
          WHERE \(IndexSchema.lineMatchesFilter("records."))
          """)
      while let r = try mt.next() {
        if let p: String = r[0], let n: Int = r[1], let inv: String = r[2] {
          matches[p, default: [:]][n] = inv
        }
      }
      var heads = RemittanceHeads(remittances: [], paths: [], creditNotes: [])
      let rem = try db.makeStatement(
        sql:
          "SELECT path, id, marketplace, payment_id, payment_number, payment_date, amount, currency, exchange_rate FROM remittances\(scope) ORDER BY substr(payment_date, 1, 10), id"
      )
      try rem.setArguments(args)
      try RawRow.each(rem.sqliteStatement) { r in
        guard let path = r.text(0), let id = r.text(1), let m = r.text(2),
          let paymentId = r.text(3), let date = r.day(5), let amount = r.decimal(6),
          let currency = currencies.code(r.bytes(7))
        else { return }
        heads.remittances.append(
          RemittanceView(
            id: id, marketplace: m, paymentId: paymentId, paymentNumber: r.text(4), date: date,
            amount: Money(amount, currency), exchangeRate: r.decimal(8), lines: [],
            lineMatches: matches[path] ?? [:]))
        heads.paths.append(path)
      }
      let cn = try Row.fetchCursor(
        db,
        sql:
          "SELECT id, marketplace, credit_note_number, debit_note_number, total, currency FROM credit_notes\(scope)",
        arguments: args)
      while let r = try cn.next() {
        guard let id: String = r[0], let m: String = r[1], let number: String = r[2],
          let total = Self.money(r[4], r[5])
        else { continue }
        heads.creditNotes.append(
          CreditNoteView(
            id: id, marketplace: m, number: number, debitNoteNumber: r[3], total: total))
      }
      return heads
    }
  }

  /// The remittances joined with their lines (each remittance's in line order), the lines read
  /// in `parts` in table order.
  public static func ledgerPayments(_ heads: consuming RemittanceHeads, lines parts: [PaymentLines])
    -> (remittances: [RemittanceView], creditNotes: [CreditNoteView])
  {
    for k in heads.remittances.indices {
      let path = heads.paths[k]
      var group: [RemittanceView.Line] = []
      for part in parts {
        guard let more = part.byPath[path] else { continue }
        if group.isEmpty { group = more } else { group.append(contentsOf: more) }
      }
      // Most come in line order already: taken as they are (a sort copied every line).
      var inOrder = true
      for j in group.indices.dropFirst() where group[j].number < group[j - 1].number {
        inOrder = false
        break
      }
      heads.remittances[k].lines = inOrder ? group : group.sorted { $0.number < $1.number }
    }
    return (heads.remittances, heads.creditNotes)
  }

  /// A read of the index, its errors as `IndexError` (SQL errors with SQLite's message).
  func reading<T>(_ body: (Database) throws -> T) throws(IndexError) -> T {
    do {
      return try queue.read(body)
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
    let sql =
      "SELECT MAX(d) FROM ("
      + Self.daySources.map { "SELECT MAX(substr(\($0.1), 1, 10)) AS d FROM \($0.0)\($0.2)" }
      .joined(separator: " UNION ALL ") + ")"
    do {
      let text = try queue.read { db in try String.fetchOne(db, sql: sql) }
      return text.flatMap(CivilDate.day)
    } catch {
      throw IndexError.classify(error)
    }
  }

  /// Where the days the records speak of are: Amazon's documents only, as
  /// `Reconciler.latestDay(of:)` has it — what the vendor drafts to send (outbound, observed the
  /// day it is drafted) says nothing of what Amazon has done.
  static let daySources = [
    ("records", "observed_on", " WHERE kind <> 'outbound'"), ("invoices", "invoice_date", ""),
    ("remittances", "payment_date", ""), ("deductions", "deduction_date", ""),
    ("returns", "notice_date", ""), ("purchase_orders", "order_date", ""),
    ("shipments", "shipment_date", ""), ("credit_notes", "issue_date", ""),
  ]

  /// Whether a record other than those at `excluding` speaks of `day` (an observation or a
  /// document's date that day), through the same columns as `latestDay`; stops at the first.
  public func speaksOf(day: Int, excluding: Set<String>) throws(IndexError) -> Bool {
    let sql = Self.daySources.map { table, column, filter in
      "SELECT path FROM \(table)"
        + (filter.isEmpty ? " WHERE " : filter + " AND ") + "substr(\(column), 1, 10) = ?1"
    }.joined(separator: " UNION ALL ")
    return try reading { db in
      let statement = try db.makeStatement(sql: sql)
      try statement.setArguments([CivilDate.string(day)])
      defer { sqlite3_reset(statement.sqliteStatement) }
      while sqlite3_step(statement.sqliteStatement) == SQLITE_ROW {
        if let p = sqlite3_column_text(statement.sqliteStatement, 0),
          !excluding.contains(String(cString: p))
        {
          return true
        }
      }
      return false
    }
  }

  /// Steps a statement of (path, line, invoice_number, classification, base_invoice_number,
  /// paid, currency, invoice_amount, discount), handing on each run of rows with one path (a
  /// path may come again in a later run).
  static func readLines(
    _ statement: SQLiteStatement, _ group: (String, [RemittanceView.Line]) -> Void
  ) throws(IndexError) {
    var path: [UInt8] = []
    var current: [RemittanceView.Line] = []
    var currencies = CurrencyCache()
    func flush() {
      let count = current.count
      if count > 0 { group(String(decoding: path, as: UTF8.self), current) }
      // Room for as many as the last remittance had (grown by doubling, each was copied and
      // reallocated a few times over).
      current = []
      current.reserveCapacity(count)
    }
    try RawRow.each(statement) { r in
      guard let rowPath = r.bytes(0) else { return }
      let same =
        path.count == rowPath.count
        && path.withUnsafeBufferPointer { p in
          guard let a = p.baseAddress, let b = rowPath.baseAddress else { return p.isEmpty }
          return memcmp(a, b, p.count) == 0
        }
      if !same {
        flush()
        path = Array(rowPath)
      }
      guard let number = r.text(2), let currency = currencies.code(r.bytes(6)),
        let paid = r.decimal(5)
      else { return }
      current.append(
        RemittanceView.Line(
          line: r.int(1) ?? current.count + 1, invoiceNumber: number,
          classification: r.text(3) ?? "other", base: r.text(4),
          amountPaid: Money(paid, currency),
          invoiceAmount: r.decimal(7).map { Money($0, currency) },
          discount: r.decimal(8).map { Money($0, currency) }))
    }
    flush()
  }

  /// The current row of a statement stepped through the C API: columns read in place.
  struct RawRow {
    let statement: SQLiteStatement

    /// Steps `statement` to its end (then resets it), handing on each row.
    static func each(_ statement: SQLiteStatement, _ body: (RawRow) -> Void) throws(IndexError) {
      defer { sqlite3_reset(statement) }
      let row = RawRow(statement: statement)
      while true {
        let rc = sqlite3_step(statement)
        if rc == SQLITE_DONE { return }
        guard rc == SQLITE_ROW else {
          throw IndexError.sql(String(cString: sqlite3_errmsg(sqlite3_db_handle(statement))))
        }
        body(row)
      }
    }

    /// The column's text as UTF-8 bytes, valid until the next step; nil for NULL.
    func bytes(_ i: Int32) -> UnsafeBufferPointer<UInt8>? {
      guard let p = sqlite3_column_text(statement, i) else { return nil }
      return UnsafeBufferPointer(start: p, count: Int(sqlite3_column_bytes(statement, i)))
    }

    func text(_ i: Int32) -> String? { bytes(i).map { String(decoding: $0, as: UTF8.self) } }

    func int(_ i: Int32) -> Int? {
      sqlite3_column_type(statement, i) == SQLITE_NULL
        ? nil : Int(sqlite3_column_int64(statement, i))
    }

    /// A day from the column's first ten characters (`YYYY-MM-DD`, of a date or a timestamp).
    func day(_ i: Int32) -> Int? {
      guard let b = bytes(i), b.count >= 10 else { return nil }
      return CivilDate.day(utf8: UnsafeBufferPointer(rebasing: b[0..<10]))
    }

    func decimal(_ i: Int32) -> DecimalNumber? {
      guard let b = bytes(i) else { return nil }
      return try? DecimalNumber(parsingUTF8: b)
    }
  }

  /// Currency codes as read: the few a workspace uses, checked once each.
  struct CurrencyCache {
    var known: [String: CurrencyCode] = [:]
    /// The last code read and its letters as bytes (one code per row, nearly always the last).
    var last: (bytes: UInt32, code: CurrencyCode)?

    /// The code of a column's bytes, without making a string when it is the last one read.
    mutating func code(_ bytes: UnsafeBufferPointer<UInt8>?) -> CurrencyCode? {
      guard let bytes else { return nil }
      if bytes.count == 3 {
        let letters = UInt32(bytes[0]) << 16 | UInt32(bytes[1]) << 8 | UInt32(bytes[2])
        if let last, last.bytes == letters { return last.code }
        let c = code(String(decoding: bytes, as: UTF8.self))
        if let c { last = (letters, c) }
        return c
      }
      return code(String(decoding: bytes, as: UTF8.self))
    }

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
