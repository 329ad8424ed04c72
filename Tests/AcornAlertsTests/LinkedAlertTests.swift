import AcornAlerts
import AcornModel
import AcornReconcile
import Testing

/// Recomputing the alerts of the records linked to changed ones (a publish's `linked` mode,
/// docs/postgres.md).
@Suite("alerts of linked records")
struct LinkedAlertTests {
  static func paid(_ id: String, _ invoice: String, _ date: String, _ amount: String = "10.00")
    -> Record
  {
    A.record(
      .remittance,
      [
        "uniquePaymentId": .string(id), "paymentDate": .string(date),
        "paymentAmount": A.money(amount),
        "lines": .array([
          .object([
            "lineNumber": .number(DecimalNumber(1)), "invoiceNumber": .string(invoice),
            "classification": .string("invoice"), "amountPaid": A.money(amount),
          ])
        ]),
      ])
  }

  @Test(
    "what the aggregates over more than linked records read: an invoice's due date only when a payment line names it, a payment's day and invoices but not its amount, a chargeback, units received and returned per ASIN — not a shortage claim (its rate is per purchase order, linked)"
  )
  func aggregates() throws {
    let rules =
      ShortagePaymentTests.rules("payment-delay", above: nil, sigma: "3")
      + ShortagePaymentTests.rules("chargeback-count", above: "5") + AnomalyTests.rate
    let engine = AlertEngine(deadlines: [], anomalies: rules)
    let asOf = A.day("2026-09-30")
    func unchanged(_ old: Record?, _ new: Record?, _ linked: [Record] = []) -> Bool {
      var input = ReconcileInput()
      for r in linked { input.add(r) }
      return engine.aggregatesUnchanged(old: [old], new: [new], linked: input, asOf: asOf)
    }
    let invoice = ShortagePaymentTests.invoice("I1", po: "P1", date: "2026-08-01", total: "10.00")
    let laterDue = ShortagePaymentTests.invoice("I1", po: "P1", date: "2026-08-05", total: "10.00")
    let dearer = ShortagePaymentTests.invoice("I1", po: "P1", date: "2026-08-01", total: "99.00")
    let payment = Self.paid("PAY1", "I1", "2026-09-10")
    #expect(!unchanged(invoice, laterDue, [payment]))
    #expect(unchanged(invoice, laterDue), "no payment names it")
    #expect(unchanged(invoice, laterDue, [Self.paid("PAY2", "I9", "2026-09-10")]))
    #expect(unchanged(invoice, dearer, [payment]), "the amount is not what the delay reads")
    #expect(!unchanged(nil, invoice, [payment]), "a new invoice a payment names")
    #expect(!unchanged(invoice, nil, [payment]), "an invoice gone")
    #expect(unchanged(payment, Self.paid("PAY1", "I1", "2026-09-10", "12.00")))
    #expect(!unchanged(payment, Self.paid("PAY1", "I1", "2026-09-11")))
    #expect(!unchanged(payment, Self.paid("PAY1", "I2", "2026-09-10")))
    #expect(!unchanged(nil, payment))
    let chargeback = A.deduction("C1", type: "chargeback", date: "2026-09-01")
    #expect(
      !unchanged(
        chargeback, A.deduction("C1", type: "chargeback", date: "2026-09-01", amount: "-9")))
    #expect(!unchanged(nil, chargeback))
    #expect(
      unchanged(
        A.deduction("I1SC", type: "shortage-claim", date: "2026-09-01", base: "I1"),
        A.deduction("I1SC", type: "shortage-claim", date: "2026-09-01", base: "I1", amount: "-9")))
    let order = AnomalyTests.order("PO1", "2026-09-01", asin: "B1", received: 10)
    #expect(!unchanged(order, AnomalyTests.order("PO1", "2026-09-01", asin: "B1", received: 9)))
    #expect(unchanged(order, order))
    let ret = AnomalyTests.ret("R1", "2026-09-01", asin: "B1", units: 1)
    #expect(!unchanged(ret, AnomalyTests.ret("R1", "2026-09-01", asin: "B1", units: 2)))
    #expect(!unchanged(ret, nil))
    // Without those rules nothing is aggregated beyond linked records.
    var input = ReconcileInput()
    input.add(payment)
    #expect(
      AlertEngine(deadlines: []).aggregatesUnchanged(
        old: [invoice, order], new: [laterDue, nil], linked: input, asOf: asOf))
  }

  @Test(
    "the alerts of some records and purchase orders, from the records linked to them alone, are those a run over every record gives them; their ids are among those to replace"
  )
  func linkedAlertsAsAll() throws {
    let engine = AlertEngine(
      deadlines: [try #require(DeadlineTests.shortage)],
      anomalies: ShortagePaymentTests.rules("shortage-rate", above: "0.05"))
    let all = [
      ShortagePaymentTests.invoice("I1", po: "PO1", date: "2026-02-01", total: "1000.00"),
      ShortagePaymentTests.invoice("I2", po: "PO2", date: "2026-02-01", total: "1000.00"),
      A.deduction("I1SC", type: "shortage-claim", date: "2026-03-20", base: "I1"),
      A.deduction("I2SC", type: "shortage-claim", date: "2026-03-20", base: "I2"),
      A.deduction("I2SCRSC", type: "shortage-claim-revised", date: "2026-03-25", base: "I2"),
      ShortagePaymentTests.invoice("I3", po: "PO2", date: "2026-02-02", total: "0.00"),
    ]
    // The claims' dispute windows (30 days) close within ten days: their deadlines are open.
    let asOf = A.day("2026-04-12")
    let everything = try A.run(engine, all, "2026-04-12")
    // PO2's records: its invoices and their claims (linked by number and purchase order).
    let linked = all.filter { r in
      let keys = AlertInput.linkKeys(r)
      return keys.contains("PO2") || keys.contains("I2")
    }
    #expect(linked.count == 4)
    let ids = Set(linked.compactMap(\.id))
    var input = AlertInput(deadlines: engine.deadlines)
    for r in linked { input.add(r) }
    let result = try Reconciler().run(input.reconcile, asOf: asOf)
    let mine = engine.linkedAlerts(
      input, reconciliation: result, asOf: asOf, records: ids, groups: ["PO2"])
    let expected = everything.filter { a in
      a.records.allSatisfy { ids.contains($0) } || a.records == ["PO-US-PO2"]
    }
    #expect(mine == expected)
    #expect(mine.contains { $0.records == ["PO-US-PO2"] })
    #expect(mine.contains { $0.rule == "shortage-dispute-window" })
    // Read with every record, only those asked for: not I1's claim's deadline, nor PO1's rate.
    var wider = AlertInput(deadlines: engine.deadlines)
    for r in all { wider.add(r) }
    #expect(
      engine.linkedAlerts(
        wider, reconciliation: try Reconciler().run(wider.reconcile, asOf: asOf), asOf: asOf,
        records: ids, groups: ["PO2"]) == expected)
    #expect(everything.count > expected.count)
    let replaced = Set(
      engine.linkedAlertIDs(
        records: linked.compactMap { r in r.id.flatMap { id in r.kind.map { (id, $0) } } },
        groups: ["PO2"], marketplaces: ["US"]))
    #expect(mine.allSatisfy { replaced.contains($0.id) })
  }
}
