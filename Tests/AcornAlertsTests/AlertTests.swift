import AcornAlerts
import AcornModel
import AcornReconcile
import Testing

enum A {
  static let us = Marketplace.all[0]
  static func day(_ s: String) -> Int { CivilDate.day(s) ?? 0 }
  static func money(_ a: String) -> JSONValue {
    .object(["amount": .string(a), "currency": .string("USD")])
  }
  static func record(
    _ kind: RecordKind, _ source: [String: JSONValue], _ workflow: [String: JSONValue] = [:]
  )
    -> Record
  {
    (try? Record(
      kind: kind, marketplace: us, source: source, workflow: workflow,
      provenance: ["origin": .string("manual")])) ?? Record(json: .null)
  }

  static let provenance: JSONValue = .object([
    "source": .string("test"), "retrieved": .string("2026-11-29"),
  ])

  static func rule(_ fields: [String: JSONValue]) -> DeadlineRule? {
    var r: [String: JSONValue] = ["provenance": provenance, "level": .string("error")]
    for (k, v) in fields { r[k] = v }
    return DeadlineRule.parse(.object(["deadlines": .array([.object(r)])])).first
  }

  static func run(
    _ engine: AlertEngine, _ records: [Record], _ asOf: String, sync: [SyncHealth] = []
  )
    throws -> [Alert]
  {
    let reconciled = try Reconciler().run(records, asOf: day(asOf))
    return engine.run(records: records, reconciliation: reconciled, sync: sync, asOf: day(asOf))
  }

  static func deduction(
    _ n: String, type: String, date: String, attempts: Int = 0, description: String? = nil,
    base: String? = nil, amount: String = "-40.00"
  ) -> Record {
    var s: [String: JSONValue] = [
      "deductionNumber": .string(n), "deductionType": .string(type),
      "deductionDate": .string(date), "amount": money(amount),
    ]
    if let base { s["baseInvoiceNumber"] = .string(base) }
    if let description { s["description"] = .string(description) }
    return record(
      .deduction, s,
      ["state": .string("detected"), "disputeAttempts": .number(DecimalNumber(attempts))])
  }
}

@Suite("deadline rules")
struct DeadlineTests {
  static let shortage = A.rule([
    "id": .string("shortage-dispute-window"), "description": .string("dispute in time"),
    "kind": .string("deduction"),
    "when": .object([
      "source.deductionType": .string("shortage-claim"),
      "workflow.state": .array([.string("detected")]),
    ]),
    "anchor": .string("source.deductionDate"), "days": .number(DecimalNumber(30)),
    "warnDaysBefore": .number(DecimalNumber(10)),
  ])

  @Test(
    "a window opens warnDaysBefore days ahead — exactly on that day, not the day before — and is its level once past"
  )
  func boundary() throws {
    let engine = AlertEngine(deadlines: [try #require(Self.shortage)])
    let claim = A.deduction("X1SC", type: "shortage-claim", date: "2026-03-01")
    // Due 2026-03-31; the alert opens on 2026-03-21.
    #expect(try A.run(engine, [claim], "2026-03-20").isEmpty)
    let opens = try A.run(engine, [claim], "2026-03-21")
    #expect(opens.count == 1)
    #expect(opens.first?.daysLeft == 10)
    #expect(opens.first?.level == .warning)
    #expect(opens.first?.en.contains("10 days left (due 2026-03-31)") == true)
    #expect(opens.first?.zh.contains("还剩 10 天") == true)
    #expect(opens.first?.provenance?.source == "test")
    let lastDay = try A.run(engine, [claim], "2026-03-31")
    #expect(lastDay.first?.daysLeft == 0 && lastDay.first?.level == .warning)
    let overdue = try A.run(engine, [claim], "2026-04-01")
    #expect(overdue.first?.daysLeft == -1 && overdue.first?.level == .error)
    // Another type, or a claim already in dispute, is not this rule's.
    #expect(
      try A.run(
        engine, [A.deduction("X1PC", type: "price-claim", date: "2026-03-01")], "2026-04-01"
      ).isEmpty)
  }

  @Test("a credit note due 30 days after the notice: only while no credit exists")
  func creditNote() throws {
    let rule = try #require(
      A.rule([
        "id": .string("credit-note-overdue"), "kind": .string("return"),
        "when": .object(["workflow.state": .array([.string("authorized"), .string("received")])]),
        "anchor": .string("source.noticeDate"), "days": .number(DecimalNumber(30)),
        "warnDaysBefore": .number(DecimalNumber(7)), "level": .string("warning"),
      ]))
    let ret = A.record(
      .return,
      [
        "returnId": .string("R1"), "noticeDate": .string("2026-01-10T08:00:00Z"),
        "status": .string("Approved"), "totalApprovedRefund": A.money("50.00"),
      ], ["state": .string("authorized")])
    let engine = AlertEngine(deadlines: [rule])
    #expect(try A.run(engine, [ret], "2026-02-01").isEmpty)
    #expect(try A.run(engine, [ret], "2026-02-02").first?.daysLeft == 7)
    let late = try A.run(engine, [ret], "2026-02-10")
    #expect(late.first?.daysLeft == -1)
    #expect(late.first?.amount?.amountText == "50.00")
    let note = A.record(
      .creditNote,
      [
        "creditNoteNumber": .string("DN1"), "totalAmount": A.money("50.00"),
        "returnsReferenceNumber": .string("R1"), "issueDate": .string("2026-01-20"),
      ])
    #expect(try A.run(engine, [ret, note], "2026-02-10").isEmpty)
  }

  @Test("invoices past terms unless paid; chargebacks disputed twice say no further dispute")
  func invoicesAndChargebacks() throws {
    let terms = try #require(
      A.rule([
        "id": .string("invoice-past-terms"), "kind": .string("invoice"),
        "when": .object(["source.invoiceStatus": .array([.string("SUBMITTED")])]),
        "anchor": .string("source.dueDate"), "days": .number(DecimalNumber(0)),
        "level": .string("warning"),
      ]))
    let chargeback = try #require(
      A.rule([
        "id": .string("chargeback-dispute-window"), "kind": .string("deduction"),
        "when": .object(["source.deductionType": .string("chargeback")]),
        "anchor": .string("source.deductionDate"), "days": .number(DecimalNumber(30)),
        "warnDaysBefore": .number(DecimalNumber(7)), "maxDisputes": .number(DecimalNumber(2)),
      ]))
    let invoice = A.record(
      .invoice,
      [
        "invoiceNumber": .string("I1"), "invoiceDate": .string("2026-01-01"),
        "dueDate": .string("2026-03-02"), "invoiceStatus": .string("SUBMITTED"),
        "totalAmount": A.money("100.00"),
      ])
    let engine = AlertEngine(deadlines: [terms, chargeback])
    #expect(try A.run(engine, [invoice], "2026-03-01").isEmpty)
    #expect(try A.run(engine, [invoice], "2026-03-02").first?.daysLeft == 0)
    let paid = A.record(
      .remittance,
      [
        "uniquePaymentId": .string("P1"), "paymentDate": .string("2026-02-20"),
        "paymentAmount": A.money("100.00"),
        "lines": .array([
          .object([
            "lineNumber": .number(DecimalNumber(1)), "invoiceNumber": .string("I1"),
            "classification": .string("invoice"), "amountPaid": A.money("100.00"),
          ])
        ]),
      ])
    #expect(try A.run(engine, [invoice, paid], "2026-03-05").isEmpty)
    let twice = A.deduction("9VCBSINV", type: "chargeback", date: "2026-03-01", attempts: 2)
    let alerts = try A.run(engine, [twice], "2026-03-05")
    #expect(alerts.map(\.level) == [.info])
    #expect(alerts.first?.en.contains("no further dispute") == true)
  }

  @Test("sync health: a source silent for longer than allowed")
  func syncHealth() throws {
    let engine = AlertEngine(deadlines: [], syncHealth: SyncHealthRule(maxDays: 2))
    let fresh = SyncHealth(source: "sp-api", marketplace: "US", lastSuccess: A.day("2026-03-03"))
    let stale = SyncHealth(
      source: "sp-api", marketplace: "DE", lastSuccess: A.day("2026-02-27"),
      lastError: "QuotaExceeded (request 7f3a)")
    let alerts = try A.run(engine, [], "2026-03-05", sync: [fresh, stale])
    #expect(alerts.count == 1)
    #expect(
      alerts.first?.en.contains("sp-api DE has not synced successfully since 2026-02-27 (6 days)")
        == true)
    #expect(alerts.first?.en.contains("QuotaExceeded") == true)
  }
}

@Suite("anomaly rules")
struct AnomalyTests {
  static func order(_ n: String, _ date: String, asin: String, received: Int) -> Record {
    A.record(
      .purchaseOrder,
      [
        "purchaseOrderNumber": .string(n), "purchaseOrderDate": .string(date + "T09:00:00Z"),
        "lines": .array([
          .object([
            "itemSequenceNumber": .string("1"), "amazonProductIdentifier": .string(asin),
            "quantities": .object([
              "ordered": .number(DecimalNumber(received)),
              "received": .number(DecimalNumber(received)),
            ]),
          ])
        ]),
      ])
  }

  static func ret(_ id: String, _ date: String, asin: String, units: Int) -> Record {
    A.record(
      .return,
      [
        "returnId": .string(id), "noticeDate": .string(date + "T08:00:00Z"),
        "lines": .array([
          .object([
            "lineNumber": .number(DecimalNumber(1)), "amazonProductIdentifier": .string(asin),
            "requestedQuantity": .number(DecimalNumber(units)),
          ])
        ]),
      ], ["state": .string("notified")])
  }

  static let rate = AnomalyRule.parse(
    .object([
      "anomalies": .array([
        .object([
          "id": .string("return-rate"), "metric": .string("return-rate"), "above": .string("0.20"),
          "sigma": .string("3"), "trailing": .number(DecimalNumber(8)), "minimum": .string("50"),
          "level": .string("warning"),
        ])
      ])
    ]))

  /// Ten weeks of 100 units received a week and 2–4 returned: ordinary noise.
  static func history(spike: Int?) -> [Record] {
    var out: [Record] = []
    let start = A.day("2026-01-05")  // a Monday
    for w in 0..<10 {
      let monday = CivilDate.string(start + w * 7)
      out.append(order("P\(w)", monday, asin: "B0TEST0001", received: 100))
      let units = w == 9 ? (spike ?? 3) : [2, 4, 3, 2, 3, 4, 2, 3, 3][w]
      out.append(
        ret("R\(w)", CivilDate.string(start + w * 7 + 2), asin: "B0TEST0001", units: units))
    }
    return out
  }

  @Test("a spike of returns fires; ordinary noise stays quiet")
  func returnRate() throws {
    let engine = AlertEngine(deadlines: [], anomalies: Self.rate)
    let asOf = CivilDate.string(A.day("2026-01-05") + 9 * 7 + 4)
    #expect(try A.run(engine, Self.history(spike: nil), asOf).isEmpty)
    let spike = try A.run(engine, Self.history(spike: 30), asOf)
    #expect(spike.count == 1)
    #expect(spike.first?.measured?.contains("over the 8 periods before") == true, "\(spike)")
    #expect(spike.first?.en.contains("B0TEST0001") == true)
    // Above the fixed threshold too: 90 returned of 400 received over four weeks.
    let high = try A.run(engine, Self.history(spike: 90), asOf)
    #expect(high.first?.measured?.contains("against a threshold of 20.0 %") == true, "\(high)")
  }

  @Test("chargebacks of one type piling up fire; the usual one or two a month do not")
  func chargebacks() throws {
    let rule = AnomalyRule.parse(
      .object([
        "anomalies": .array([
          .object([
            "id": .string("chargeback-spike"), "metric": .string("chargeback-count"),
            "sigma": .string("3"), "trailing": .number(DecimalNumber(6)),
            "level": .string("warning"),
          ])
        ])
      ]))
    let engine = AlertEngine(deadlines: [], anomalies: rule)
    let asOf = A.day("2026-07-31")
    var usual: [Record] = []
    for m in 0..<7 {
      for k in 0..<(m % 2 + 1) {
        usual.append(
          A.deduction(
            "\(m)\(k)VCBSINV", type: "chargeback", date: CivilDate.string(asOf - m * 30 - 3 - k),
            description: "Chargeback debit note: ASN Accuracy"))
      }
    }
    #expect(try A.run(engine, usual, CivilDate.string(asOf)).isEmpty)
    var piled = usual
    for k in 0..<6 {
      piled.append(
        A.deduction(
          "9\(k)VCBSINV", type: "chargeback", date: CivilDate.string(asOf - 5 - k),
          description: "Chargeback debit note: ASN Accuracy"))
    }
    let alerts = try A.run(engine, piled, CivilDate.string(asOf))
    #expect(alerts.count == 1)
    #expect(
      alerts.first?.en.contains("ASN Accuracy chargebacks in US over the last 30 days") == true,
      "\(alerts)")
  }
}

@Suite("anomaly rules: shortages and payments")
struct ShortagePaymentTests {
  static func rules(_ metric: String, above: String?, sigma: String? = nil) -> [AnomalyRule] {
    var r: [String: JSONValue] = [
      "id": .string(metric), "metric": .string(metric), "level": .string("warning"),
      "trailing": .number(DecimalNumber(6)),
    ]
    if let above { r["above"] = .string(above) }
    if let sigma { r["sigma"] = .string(sigma) }
    return AnomalyRule.parse(.object(["anomalies": .array([.object(r)])]))
  }

  static func invoice(_ n: String, po: String, date: String, total: String) -> Record {
    A.record(
      .invoice,
      [
        "invoiceNumber": .string(n), "invoiceDate": .string(date), "totalAmount": A.money(total),
        "purchaseOrderNumbers": .array([.string(po)]),
        "paymentTerms": .object(["netDueDays": .number(DecimalNumber(30))]),
      ])
  }

  @Test("a purchase order whose shortage claims exceed the rate fires; a small one does not")
  func shortageRate() throws {
    let engine = AlertEngine(deadlines: [], anomalies: Self.rules("shortage-rate", above: "0.05"))
    let records = [
      Self.invoice("I1", po: "PO1", date: "2026-02-01", total: "1000.00"),
      Self.invoice("I2", po: "PO2", date: "2026-02-01", total: "1000.00"),
      A.deduction("I1SC", type: "shortage-claim", date: "2026-03-20", base: "I1"),  // 40.00: 4 %
      // PO2: 40.00 and a revision of 40.00, 8 %.
      A.deduction("I2SC", type: "shortage-claim", date: "2026-03-20", base: "I2"),
      A.deduction("I2SCRSC", type: "shortage-claim-revised", date: "2026-03-25", base: "I2"),
      // PO2's value counts each invoice on it once; PO3's claim is older than 30 days.
      Self.invoice("I3", po: "PO2", date: "2026-02-02", total: "0.00"),
      Self.invoice("I4", po: "PO3", date: "2026-01-01", total: "100.00"),
      A.deduction("I4SC", type: "shortage-claim", date: "2026-01-20", base: "I4"),
    ]
    let alerts = try A.run(engine, records, "2026-03-31")
    #expect(alerts.map(\.records) == [["PO-US-PO2"]], "\(alerts)")
    #expect(alerts.first?.measured == "8.0 % against a threshold of 5.0 %")
  }

  @Test("payments drifting later than their terms fire; the usual days do not")
  func paymentDelay() throws {
    let engine = AlertEngine(
      deadlines: [], anomalies: Self.rules("payment-delay", above: nil, sigma: "3"))
    func paid(_ id: String, _ invoice: String, _ date: String) -> Record {
      A.record(
        .remittance,
        [
          "uniquePaymentId": .string(id), "paymentDate": .string(date),
          "paymentAmount": A.money("10.00"),
          "lines": .array([
            .object([
              "lineNumber": .number(DecimalNumber(1)), "invoiceNumber": .string(invoice),
              "classification": .string("invoice"), "amountPaid": A.money("10.00"),
            ])
          ]),
        ])
    }
    let asOf = A.day("2026-09-30")
    var records: [Record] = []
    // Six earlier months paid 1–3 days after the due date; the last month 25 days after.
    for m in 0..<7 {
      for k in 0..<3 {
        let n = "I\(m)\(k)"
        let payDay = asOf - m * 30 - 5 - k
        let late = m == 0 ? 25 : [1, 2, 3][k]
        records.append(
          Self.invoice(n, po: "P\(m)", date: CivilDate.string(payDay - late - 30), total: "10.00"))
        records.append(paid("P\(m)\(k)", n, CivilDate.string(payDay)))
      }
    }
    let alerts = try A.run(engine, records, CivilDate.string(asOf))
    #expect(alerts.count == 1, "\(alerts)")
    #expect(alerts.first?.en.contains("arrived on average 25 days after their due date") == true)
    let usual = records.filter { r in
      !(r.json["source"]?["uniquePaymentId"]?.stringValue?.hasPrefix("P0") ?? false)
        && !(r.json["source"]?["invoiceNumber"]?.stringValue?.hasPrefix("I0") ?? false)
    }
    #expect(try A.run(engine, usual, CivilDate.string(asOf - 30)).isEmpty)
  }
}
