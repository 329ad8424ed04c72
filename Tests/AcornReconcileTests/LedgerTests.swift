import AcornModel
import AcornReconcile
import Testing

/// Hand-made records: each case states what a reconciler must conclude.
enum Make {
  static let us = Marketplace.all[0]

  static func money(_ a: String, _ c: String = "USD") -> JSONValue {
    .object(["amount": .string(a), "currency": .string(c)])
  }

  static func record(
    _ kind: RecordKind, _ source: [String: JSONValue], workflow: [String: JSONValue] = [:],
    marketplace: Marketplace = us
  ) -> Record {
    (try? Record(
      kind: kind, marketplace: marketplace, source: source, workflow: workflow,
      provenance: ["origin": .string("manual")])) ?? Record(json: .null)
  }

  static func invoice(
    _ number: String, total: String, date: String = "2026-01-05", currency: String = "USD",
    po: String = "PO1", lines: [(asin: String, units: Int, cost: String)] = []
  ) -> Record {
    record(
      .invoice,
      [
        "invoiceNumber": .string(number), "invoiceDate": .string(date),
        "totalAmount": money(total, currency), "purchaseOrderNumbers": .array([.string(po)]),
        "paymentTerms": .object([
          "discountPercent": .string("2"), "discountDueDays": .number(DecimalNumber(30)),
          "netDueDays": .number(DecimalNumber(60)),
        ]),
        "lines": .array(
          lines.enumerated().map { i, l in
            .object([
              "itemSequenceNumber": .string(String(i + 1)), "purchaseOrderNumber": .string(po),
              "amazonProductIdentifier": .string(l.asin),
              "invoicedEaches": .number(DecimalNumber(l.units)), "netCost": money(l.cost, currency),
            ])
          }),
      ])
  }

  /// (invoice number, classification, paid, discount)
  static func payment(
    _ id: String, date: String = "2026-02-06", amount: String? = nil, currency: String = "USD",
    rate: String? = nil, lines: [(String, String, String, String?)]
  ) -> Record {
    var total = DecimalNumber.zero
    var out: [JSONValue] = []
    for (i, l) in lines.enumerated() {
      var line: [String: JSONValue] = [
        "lineNumber": .number(DecimalNumber(i + 1)), "invoiceNumber": .string(l.0),
        "classification": .string(l.1), "amountPaid": money(l.2, currency),
      ]
      let (cls, base) = DeductionClassifier.classify(l.0)
      if cls == l.1, let base { line["baseInvoiceNumber"] = .string(base) }
      if let d = l.3 { line["discountTaken"] = money(d, currency) }
      out.append(.object(line))
      total = (try? total + (try DecimalNumber(parsing: l.2))) ?? total
    }
    var source: [String: JSONValue] = [
      "uniquePaymentId": .string(id), "paymentDate": .string(date),
      "paymentAmount": money(amount ?? total.formatted(minimumScale: 2), currency),
      "lines": .array(out),
    ]
    if let rate { source["exchangeRate"] = .string(rate) }
    return record(.remittance, source)
  }

  static func deduction(
    _ number: String, type: String, amount: String, base: String? = nil, payment: String = "P9",
    date: String = "2026-02-13", extra: [String: JSONValue] = [:],
    workflow: [String: JSONValue] = [:]
  ) -> Record {
    var source: [String: JSONValue] = [
      "deductionNumber": .string(number), "deductionType": .string(type),
      "deductionDate": .string(date), "amount": money(amount), "uniquePaymentId": .string(payment),
    ]
    if let base { source["baseInvoiceNumber"] = .string(base) }
    for (k, v) in extra { source[k] = v }
    return record(
      .deduction, source, workflow: ["state": .string("detected")].merging(workflow) { $1 })
  }

  static func order(
    _ number: String,
    lines: [(asin: String, ordered: Int, accepted: Int, received: Int?, cost: String)],
    date: String = "2025-12-20"
  ) -> Record {
    record(
      .purchaseOrder,
      [
        "purchaseOrderNumber": .string(number), "purchaseOrderDate": .string(date + "T09:00:00Z"),
        "purchaseOrderState": .string("Closed"),
        "lines": .array(
          lines.enumerated().map { i, l in
            var q: [String: JSONValue] = [
              "ordered": .number(DecimalNumber(l.ordered)),
              "accepted": .number(DecimalNumber(l.accepted)),
            ]
            if let r = l.received { q["received"] = .number(DecimalNumber(r)) }
            return .object([
              "itemSequenceNumber": .string(String(i + 1)),
              "amazonProductIdentifier": .string(l.asin),
              "orderedQuantity": .object([
                "amount": .number(DecimalNumber(l.ordered)), "unitOfMeasure": .string("Eaches"),
                "unitSize": .number(DecimalNumber(1)),
              ]),
              "netCost": money(l.cost), "acknowledgedNetCost": money(l.cost),
              "quantities": .object(q),
            ])
          }),
      ])
  }

  static func shipment(_ id: String, po: String, lines: [(asin: String, units: Int)]) -> Record {
    record(
      .shipment,
      [
        "shipmentIdentifier": .string(id), "shipmentDate": .string("2025-12-28T10:00:00Z"),
        "purchaseOrderNumbers": .array([.string(po)]),
        "transportation": .object([
          "carrierScac": .string("UPSN"), "carrierShipmentReferenceNumber": .string("1Z999"),
        ]),
        "lines": .array(
          lines.map { l in
            .object([
              "purchaseOrderNumber": .string(po), "amazonProductIdentifier": .string(l.asin),
              "shippedEaches": .number(DecimalNumber(l.units)),
              "shippedQuantity": .object([
                "amount": .number(DecimalNumber(l.units)), "unitOfMeasure": .string("Eaches"),
                "unitSize": .number(DecimalNumber(1)),
              ]),
            ])
          }),
      ])
  }

  static func day(_ s: String) -> Int { CivilDate.day(s) ?? 0 }

  static func run(_ records: [Record], asOf: String = "2026-03-31") throws -> ReconcileResult {
    try Reconciler(lifecycles: refund).run(records, asOf: day(asOf))
  }

  static let refund = LifecycleSet(lifecycles: [
    "refund": Lifecycle(
      name: "refund", kinds: [.return], field: JSONPath(dotted: "workflow.state") ?? .root,
      initial: "notified", terminal: ["rejected", "settled", "written-off"],
      transitions: [
        "notified": ["authorized", "rejected"], "authorized": ["received", "written-off"],
        "received": ["credit-issued", "disputed", "written-off"],
        "disputed": ["credit-issued", "written-off"], "credit-issued": ["settled"],
      ], roles: [:])
  ])
}

@Suite("invoice ledger")
struct LedgerTests {
  func ledger(_ r: ReconcileResult, _ n: String) throws -> InvoiceLedger {
    try #require(r.invoices.first { $0.invoiceNumber == n })
  }

  @Test("paid with the discount; a shortage on a later payment and its reversal; open is exact")
  func paidWithDeductions() throws {
    let r = try Make.run([
      Make.invoice("A1", total: "1000.00"),
      Make.payment("P1", lines: [("A1", "invoice", "980.00", "20.00")]),
      Make.payment("P2", date: "2026-02-13", lines: [("A1SC", "shortage-claim", "-100.00", nil)]),
    ])
    let l = try ledger(r, "A1")
    #expect(l.discount.amountText == "20.00")
    #expect(l.paid.amountText == "880.00")
    #expect(l.open.isZero)
    #expect(l.status == "paid-with-deductions")
    #expect(l.deductions.map(\.type) == ["shortage-claim"])
    #expect(l.deductions.first?.paymentId == "P2")
    let reversed = try Make.run([
      Make.invoice("A1", total: "1000.00"),
      Make.payment("P1", lines: [("A1", "invoice", "980.00", "20.00")]),
      Make.payment("P2", date: "2026-02-13", lines: [("A1SC", "shortage-claim", "-100.00", nil)]),
      Make.payment(
        "P3", date: "2026-03-13", lines: [("A1SCR", "shortage-claim-reversal", "100.00", nil)]),
    ])
    let back = try ledger(reversed, "A1")
    #expect(back.status == "paid")
    #expect(back.paid.amountText == "980.00")
  }

  @Test("unpaid past due, partially paid, overpaid, paid twice")
  func statuses() throws {
    let r = try Make.run(
      [
        Make.invoice("U1", total: "100.00"), Make.invoice("H1", total: "100.00"),
        Make.invoice("O1", total: "100.00"), Make.invoice("T1", total: "100.00"),
        Make.payment(
          "P1", lines: [("H1", "invoice", "40.00", nil), ("O1", "invoice", "120.00", nil)]),
        Make.payment("P2", lines: [("T1", "invoice", "100.00", nil)]),
        Make.payment("P3", date: "2026-02-20", lines: [("T1", "invoice", "100.00", nil)]),
      ], asOf: "2026-03-31")
    let unpaid = try ledger(r, "U1")
    #expect(unpaid.status == "unpaid")
    #expect(unpaid.dueDate == Make.day("2026-03-06"))
    #expect(unpaid.daysPastDue == 25)
    #expect(try ledger(r, "H1").status == "partially-paid")
    #expect(try ledger(r, "H1").open.amountText == "60.00")
    #expect(try ledger(r, "O1").status == "overpaid")
    #expect(try ledger(r, "T1").status == "overpaid")
    let codes = r.findings.map(\.code)
    #expect(codes.contains("invoice.past-due"))
    #expect(codes.contains("invoice.overpaid"))
    #expect(
      r.findings.contains { $0.code == "invoice.paid-twice" && $0.records.contains("INV-US-T1") })
    // Not yet due: no past-due finding the day before.
    let early = try Make.run([Make.invoice("U1", total: "100.00")], asOf: "2026-03-06")
    #expect(!early.findings.contains { $0.code == "invoice.past-due" })
    let late = try Make.run([Make.invoice("U1", total: "100.00")], asOf: "2026-03-07")
    #expect(late.findings.contains { $0.code == "invoice.past-due" })
  }

  @Test("a difference within the tolerance is rounding: settled, and reported")
  func rounding() throws {
    let r = try Make.run([
      Make.invoice("R1", total: "100.00"),
      Make.payment("P1", lines: [("R1", "invoice", "99.99", nil)]),
    ])
    let l = try ledger(r, "R1")
    #expect(l.status == "paid")
    #expect(l.rounding?.amountText == "0.01")
    #expect(r.findings.contains { $0.code == "ledger.rounding" && $0.severity == .info })
    let strict = try Reconciler(rules: ReconcileRules(tolerance: ["default": .zero])).run(
      [
        Make.invoice("R1", total: "100.00"),
        Make.payment("P1", lines: [("R1", "invoice", "99.99", nil)]),
      ],
      asOf: Make.day("2026-03-31"))
    #expect(strict.invoices.first?.status == "partially-paid")
  }

  @Test("a payment in another currency counts at the remittance's rate; without one it is an error")
  func currency() throws {
    let r = try Make.run([
      Make.invoice("E1", total: "110.00", currency: "EUR"),
      Make.payment(
        "P1", currency: "USD", rate: "0.9166666", lines: [("E1", "invoice", "120.00", nil)]),
    ])
    #expect(r.invoices.first?.paid.amountText == "110.00")
    #expect(r.invoices.first?.status == "paid")
    let none = try Make.run([
      Make.invoice("E1", total: "110.00", currency: "EUR"),
      Make.payment("P1", currency: "USD", lines: [("E1", "invoice", "120.00", nil)]),
    ])
    #expect(none.findings.contains { $0.code == "ledger.currency" && $0.severity == .error })
  }

  @Test("lines that do not add up to the payment; a line for an invoice nobody knows")
  func remittanceChecks() throws {
    let r = try Make.run([
      Make.invoice("K1", total: "50.00"),
      Make.payment(
        "P1", amount: "60.00",
        lines: [("K1", "invoice", "50.00", nil), ("ZZ9", "invoice", "5.00", nil)]),
    ])
    let unbalanced = try #require(r.findings.first { $0.code == "remittance.unbalanced" })
    #expect(unbalanced.amount?.amountText == "-5.00")
    #expect(unbalanced.en.contains("55.00 USD"))
    let unmatched = try #require(r.findings.first { $0.code == "payment.unmatched" })
    #expect(unmatched.en.contains("ZZ9"))
    #expect(unmatched.zh.contains("ZZ9"))
  }
}

@Suite("record files the reconciler could not read")
struct UnreadableTests {
  @Test(
    "each is an error finding in its folder's marketplace and month, or unknown and the as-of month; the ledger alone says the same"
  )
  func unreadable() throws {
    var input = ReconcileInput()
    input.add(Make.invoice("A1", total: "100.00"))
    input.unreadable = [
      UnreadableFile(path: "records/odd.json", reason: "not a JSON object"),
      UnreadableFile(path: "records/US/invoice/2026-13/INV-US-X.json", reason: "line 1: x"),
      UnreadableFile(
        path: "records/DE/invoice/2026-02/INV-DE-B2.json", reason: "line 3: unexpected '}'"),
    ]
    let asOf = Make.day("2026-03-31")
    let r = try Reconciler().run(input, asOf: asOf)
    let found = r.findings.filter { $0.code == "record.unreadable" }
    #expect(found.map(\.severity) == [.error, .error, .error])
    // In path order; a folder that is not a month (2026-13) is placed in the as-of month.
    #expect(found.map(\.marketplace) == ["DE", "US", "unknown"])
    #expect(found.map(\.month) == ["2026-02", "2026-03", "2026-03"])
    #expect(found.first?.records == ["records/DE/invoice/2026-02/INV-DE-B2.json"])
    #expect(found.first?.en.contains("(line 3: unexpected '}')") == true)
    #expect(
      found.first?.zh.hasPrefix("记录文件 records/DE/invoice/2026-02/INV-DE-B2.json 无法读取") == true)
    // The finding is written to its month's file, beside the invoice's.
    #expect(r.filePlans.map(\.path).contains("reconciliation/DE/2026-02.json"))
    let ledger = try Reconciler().ledger(
      invoices: input.invoices, remittances: [], creditNotes: [], unreadable: input.unreadable,
      asOf: asOf)
    #expect(ledger.findings.filter { $0.code == "record.unreadable" } == found)
  }
}

@Suite("invoice ledger in parts")
struct LedgerPartsTests {
  /// A linear congruential sequence: the same seed, the same cases.
  struct Draws {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return state >> 33
    }
  }

  /// 12,000 invoices in two marketplaces (the ledger runs in parts past 8,192), paid, short-paid,
  /// deducted, paid twice, rounded or left open, from a seed.
  static func views(seed: UInt64) throws -> ([InvoiceView], [RemittanceView]) {
    var rng = Draws(seed)
    let usd = try #require(CurrencyCode("USD"))
    let eur = try #require(CurrencyCode("EUR"))
    var invoices: [InvoiceView] = []
    var remittances: [RemittanceView] = []
    var lines: [String: [RemittanceView.Line]] = [:]
    for i in 0..<12_000 {
      let market = i % 3 == 0 ? "DE" : "US"
      let currency = market == "DE" ? eur : usd
      let number = "N" + String(100_000 + (i * 7_919) % 12_000)
      let cents = Int(rng.next() % 500_000) + 100
      let total = Money(DecimalNumber(units: cents, scale: 2), currency)
      invoices.append(
        InvoiceView(
          id: "INV-\(market)-\(number)", marketplace: market, number: number,
          date: 20_000 + i % 300, dueDate: i % 5 == 0 ? nil : 20_060 + i % 300, total: total,
          netDays: 60))
      let pay = "P\(market)\(i % 40)"
      func line(_ invoice: String, _ c: String, _ base: String?, _ amount: Int) {
        lines[pay, default: []].append(
          RemittanceView.Line(
            line: (lines[pay]?.count ?? 0) + 1, invoiceNumber: invoice, classification: c,
            base: base, amountPaid: Money(DecimalNumber(units: amount, scale: 2), currency),
            invoiceAmount: nil, discount: nil))
      }
      switch rng.next() % 6 {
      case 0: break
      case 1: line(number, "invoice", nil, cents)
      case 2: line(number, "invoice", nil, cents - Int(rng.next() % 3))
      case 3:
        line(number, "invoice", nil, cents)
        line(number + "SC", "shortage-claim", number, -Int(rng.next() % 1_000) - 1)
      case 4:
        line(number, "invoice", nil, cents / 2)
        line(number, "invoice", nil, cents / 2 + 1_000)
      default: line(number, "invoice", nil, cents / 3)
      }
    }
    for (pay, group) in lines.sorted(by: { $0.key < $1.key }) {
      let market = String(pay.dropFirst().prefix(2))
      let currency = market == "DE" ? eur : usd
      var sum = Money.zero(currency)
      for l in group { sum = (try? sum + l.amountPaid) ?? sum }
      remittances.append(
        RemittanceView(
          id: "REM-\(pay)", marketplace: market, paymentId: pay, paymentNumber: nil,
          date: 20_400, amount: sum, exchangeRate: nil, lines: group, lineMatches: [:]))
    }
    return (invoices, remittances)
  }

  @Test("every invoice's ledger and findings are those of a run over that invoice alone")
  func partsAgreeWithOneInvoiceRuns() throws {
    let (invoices, remittances) = try Self.views(seed: 7)
    let reconciler = Reconciler()
    let all = try reconciler.ledger(
      invoices: invoices, remittances: remittances, creditNotes: [], asOf: 20_500)
    #expect(all.invoices.map(\.id) == invoices.map(\.id).sorted())
    #expect(Set(all.invoices.map(\.status)).count == 5)
    let byID = Dictionary(uniqueKeysWithValues: all.invoices.map { ($0.id, $0) })
    var rng = Draws(11)
    for _ in 0..<20 {
      let invoice = invoices[Int(rng.next() % UInt64(invoices.count))]
      let alone = try reconciler.ledger(
        invoices: [invoice], remittances: remittances, creditNotes: [], asOf: 20_500)
      #expect(alone.invoices == [byID[invoice.id]].compactMap { $0 })
      let own = { (f: ReconcileFinding) in f.records.contains(invoice.id) }
      #expect(alone.findings.filter(own) == all.findings.filter(own))
    }
  }
}

@Suite("the ledger written as it is made")
struct LedgerDocumentTests {
  static func document(
    _ reconciler: Reconciler, _ invoices: [InvoiceView], _ remittances: [RemittanceView],
    asOf: Int
  ) throws -> (written: [UInt8], kept: [UInt8], findings: [ReconcileFinding]) {
    var written: [UInt8] = []
    let findings = try reconciler.ledgerDocument(
      invoices: Reconciler.InvoiceSet(invoices), remittances: remittances, creditNotes: [],
      asOf: asOf
    ) { written += $0 }
    let l = try reconciler.ledger(
      invoices: invoices, remittances: remittances, creditNotes: [], asOf: asOf)
    var kept: [UInt8] = []
    ReconcileResult.ledgerJSON(asOf: asOf, invoices: l.invoices, findings: l.findings) {
      kept += $0
    }
    #expect(findings == l.findings)
    return (written, kept, findings)
  }

  @Test(
    "12,000 invoices written in parts on every core as their ledgers are made: the document of the kept ledger"
  )
  func writtenIsKept() throws {
    let (invoices, remittances) = try LedgerPartsTests.views(seed: 7)
    let (written, kept, findings) = try Self.document(
      Reconciler(), invoices.shuffled(), remittances, asOf: 20_500)
    #expect(findings.count > 100)
    #expect(written.count > 1_000_000)
    // Compared as a Bool: a failing comparison of megabytes would take minutes to print.
    let same = written == kept
    #expect(same)
    // No invoice, and one.
    let none = try Self.document(Reconciler(), [], remittances, asOf: 20_500)
    #expect(none.written == none.kept)
    #expect(String(decoding: none.written, as: UTF8.self).contains("\"invoices\": []"))
    let one = try Self.document(Reconciler(), [invoices[3]], remittances, asOf: 20_500)
    #expect(one.written == one.kept)
  }
}

@Suite("three-way match and verdicts")
struct VerdictTests {
  static let base: [Record] = [
    Make.order("PO1", lines: [("B0A", 10, 10, 8, "10.00"), ("B0B", 5, 5, 5, "4.00")]),
    Make.invoice("I1", total: "120.00", lines: [("B0A", 10, "10.00"), ("B0B", 5, "4.00")]),
  ]

  @Test("invoiced − received is the expected shortage; shipped ≠ received an ASN risk")
  func threeWay() throws {
    let r = try Make.run(
      Self.base + [Make.shipment("S1", po: "PO1", lines: [("B0A", 10), ("B0B", 5)])])
    let line = try #require(r.purchaseOrders.first?.lines.first)
    #expect(line.shipped == 10 && line.received == 8 && line.invoiced == 10)
    #expect(line.expectedShortage == 2)
    #expect(line.expectedShortageAmount?.amountText == "20.00")
    #expect(r.findings.filter { $0.code == "po.asn-accuracy" }.count == 1)
    #expect(!r.findings.contains { $0.code == "po.over-invoiced" })
    // The line is named in each sentence's own language.
    let shortage = try #require(r.findings.first { $0.code == "po.expected-shortage" })
    #expect(shortage.en.hasPrefix("PO PO1 line 1 (B0A): 2 units invoiced but not received (20.00 "))
    #expect(shortage.zh.hasPrefix("采购单 PO1 第 1 行（B0A）：已开票但未收货 2 件（20.00 "))
    let asn = try #require(r.findings.first { $0.code == "po.asn-accuracy" })
    #expect(asn.zh.hasPrefix("采购单 PO1 第 1 行（B0A）：发货通知显示发货 10 件"))
  }

  @Test(
    "a shortage claim: disputable when receipts cover it, valid when we shipped short, else proof of delivery"
  )
  func shortageVerdicts() throws {
    let claim = Make.deduction("I1SC", type: "shortage-claim", amount: "-20.00", base: "I1")
    // Shipped 10, received 8, invoiced 10: Amazon says not received; the carrier decides.
    let pod = try Make.run(
      Self.base + [Make.shipment("S1", po: "PO1", lines: [("B0A", 10), ("B0B", 5)]), claim])
    let a = try #require(pod.deductions.first)
    #expect(a.verdict == "needs-evidence")
    #expect(a.reason.contains("UPSN 1Z999"))
    #expect(a.evidence?.shipped == 15 && a.evidence?.received == 13 && a.evidence?.invoiced == 15)
    // Shipped only 8 of the 10 invoiced: the claim stands.
    let short = try Make.run(
      Self.base + [Make.shipment("S1", po: "PO1", lines: [("B0A", 8), ("B0B", 5)]), claim])
    #expect(short.deductions.first?.verdict == "valid")
    // Amazon received everything: disputable, and a finding with the amount to recover.
    let covered = try Make.run(
      [
        Make.order("PO1", lines: [("B0A", 10, 10, 10, "10.00"), ("B0B", 5, 5, 5, "4.00")]),
        Self.base[1], Make.shipment("S1", po: "PO1", lines: [("B0A", 10), ("B0B", 5)]), claim,
      ])
    #expect(covered.deductions.first?.verdict == "disputable")
    let f = try #require(covered.findings.first { $0.code == "deduction.disputable" })
    #expect(f.amount?.amountText == "20.00")
    // Claims more than the receipts are short: disputable.
    let over = try Make.run(
      Self.base + [
        Make.shipment("S1", po: "PO1", lines: [("B0A", 10), ("B0B", 5)]),
        Make.deduction("I1SC", type: "shortage-claim", amount: "-50.00", base: "I1"),
      ])
    #expect(over.deductions.first?.verdict == "disputable")
    // No invoice to compare with.
    let orphan = try Make.run([
      Make.deduction("X9SC", type: "shortage-claim", amount: "-5.00", base: "X9")
    ])
    #expect(orphan.deductions.first?.verdict == "needs-evidence")
    #expect(orphan.findings.contains { $0.code == "deduction.unlinked" })
  }

  @Test("a price claim: valid above the agreed cost, disputable at it")
  func priceVerdicts() throws {
    let claim = Make.deduction("I1PC", type: "price-claim", amount: "-5.00", base: "I1")
    #expect(try Make.run(Self.base + [claim]).deductions.first?.verdict == "disputable")
    let above = try Make.run([
      Self.base[0],
      Make.invoice("I1", total: "125.00", lines: [("B0A", 10, "10.50"), ("B0B", 5, "4.00")]), claim,
    ])
    let a = try #require(above.deductions.first)
    #expect(a.verdict == "valid")
    #expect(a.evidence?.invoicedCost?.amountText == "10.50")
    #expect(a.evidence?.purchaseOrderCost?.amountText == "10.00")
  }

  @Test(
    "an ASN-accuracy chargeback: disputable when the ASN matches receipts; twice disputed, no more")
  func chargebacks() throws {
    let asn = Make.deduction(
      "777VCBSINV", type: "chargeback", amount: "-100.00",
      extra: [
        "chargebackType": .string("ASN Accuracy"), "purchaseOrderNumbers": .array([.string("PO2")]),
      ])
    let good = try Make.run([
      Make.order("PO2", lines: [("B0C", 4, 4, 4, "1.00")]),
      Make.shipment("S2", po: "PO2", lines: [("B0C", 4)]), asn,
    ])
    #expect(good.deductions.first?.verdict == "disputable")
    let missing = try Make.run([Make.order("PO2", lines: [("B0C", 4, 4, 4, "1.00")]), asn])
    #expect(missing.deductions.first?.verdict == "valid")
    let twice = Make.deduction(
      "778VCBSINV", type: "chargeback", amount: "-100.00",
      workflow: ["disputeAttempts": .number(DecimalNumber(2))])
    #expect(try Make.run([twice]).deductions.first?.verdict == "valid")
  }
}

@Suite("returns and their credits")
struct ReturnCreditTests {
  static func ret(
    _ id: String, notice: String = "2026-01-10", approved: String = "50.00",
    state: String = "authorized"
  )
    -> Record
  {
    Make.record(
      .return,
      [
        "returnId": .string(id), "noticeDate": .string(notice + "T08:00:00Z"),
        "status": .string("Approved"), "totalApprovedRefund": Make.money(approved),
        "totalRequestedRefund": Make.money(approved),
      ], workflow: ["state": .string(state)])
  }

  static func note(_ number: String, returnId: String, total: String) -> Record {
    Make.record(
      .creditNote,
      [
        "creditNoteNumber": .string(number), "noteType": .string("amazon-debit-note"),
        "issueDate": .string("2026-01-20"), "totalAmount": Make.money(total),
        "returnsReferenceNumber": .string(returnId), "debitNoteNumber": .string(number),
      ])
  }

  @Test("no credit 30 days after the notice is late — not the day before")
  func late() throws {
    let onTime = try Make.run([Self.ret("R1")], asOf: "2026-02-09")
    #expect(onTime.returns.first?.status == "waiting")
    let due = try Make.run([Self.ret("R1")], asOf: "2026-02-10")
    #expect(due.returns.first?.status == "late")
    #expect(due.findings.contains { $0.code == "return.credit-late" && $0.severity == .error })
  }

  @Test("a credit of another amount is reported; a settled credit proposes the move to settled")
  func credits() throws {
    let different = try Make.run([Self.ret("R1"), Self.note("DN1", returnId: "R1", total: "45.00")])
    #expect(different.returns.first?.status == "different")
    #expect(
      different.findings.first { $0.code == "return.credit-different" }?.amount?.amountText
        == "-5.00")
    let settled = try Make.run([
      Self.ret("R1", state: "credit-issued"), Self.note("DN1", returnId: "R1", total: "50.00"),
      Make.payment("P1", lines: [("DN1", "credit-note", "-50.00", nil)]),
    ])
    #expect(settled.returns.first?.status == "settled")
    #expect(settled.proposals.map(\.to) == ["settled"])
    #expect(settled.proposals.first?.recordID == "RET-US-R1")
    // A return still notified is not due for a credit; a rejected one never.
    #expect(try Make.run([Self.ret("R2", state: "notified")]).returns.first?.status != "not-due")
  }
}

@Suite("people's links")
struct MatchLinkTests {
  @Test("a matched line counts for its invoice; a link to a record that is gone is reported")
  func links() throws {
    var pay = Make.payment("P1", lines: [("A-1", "invoice", "100.00", nil)])
    pay.json =
      pay.json.setting(
        .array([
          .object(["lineNumber": .number(DecimalNumber(1)), "invoiceId": .string("INV-US-A1")])
        ]),
        at: JSONPath([.key("workflow"), .key("lineMatches")])) ?? pay.json
    let r = try Make.run([Make.invoice("A1", total: "100.00"), pay])
    #expect(r.invoices.first?.status == "paid")
    #expect(!r.findings.contains { $0.code == "payment.unmatched" })
    let stale = try Make.run([pay])
    #expect(
      stale.findings.contains { $0.code == "match.stale" && $0.records.contains("INV-US-A1") })
  }
}
