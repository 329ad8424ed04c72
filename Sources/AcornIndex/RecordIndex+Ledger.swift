import AcornModel
import GRDB

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
        // Lines first, grouped by their remittance's path.
        var lines: [String: [RemittanceView.Line]] = [:]
        let ln = try Row.fetchCursor(
          db,
          sql: """
            SELECT l.path, l.line, l.invoice_number, l.classification, l.base_invoice_number,
                   l.paid, l.currency, l.invoice_amount, l.discount
            FROM remittance_lines l\(marketplace == nil ? "" : " JOIN remittances r ON r.path = l.path WHERE r.marketplace = ?")
            """, arguments: args)
        while let r = try ln.next() {
          guard let path: String = r[0], let number: String = r[2],
            let paid = Self.money(r[5], r[6])
          else { continue }
          lines[path, default: []].append(
            RemittanceView.Line(
              line: r[1] ?? (lines[path]?.count ?? 0) + 1, invoiceNumber: number,
              classification: r[3] ?? "other", base: r[4], amountPaid: paid,
              invoiceAmount: Self.money(r[7], r[6]), discount: Self.money(r[8], r[6])))
        }
        // People's decisions: the few remittances whose workflow links lines to invoices.
        var matches: [String: [Int: String]] = [:]
        let mt = try Row.fetchCursor(
          db,
          sql: """
            SELECT records.path, json_extract(j.value, '$.lineNumber'), json_extract(j.value, '$.invoiceId')
            FROM records, json_each(records.json, '$.workflow.lineMatches') AS j
            WHERE kind = 'remittance' AND instr(records.json, '"lineMatches"') > 0
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

  static func money(_ amount: String?, _ currency: String?) -> Money? {
    guard let amount, let currency, let m = try? Money(amount, currency) else { return nil }
    return m
  }
}
