import AcornModel
import Testing

@testable import AcornExport

/// The journal from hand-made records: each posting rule of docs/exports.md, numbered as there.
@Suite("journal")
struct JournalTests {
  static let planJSON = """
    {"voucherWord": "记", "preparer": "Acorn",
     "auxiliary": {"customer": {"US": {"code": "AMZ-US", "name": "Amazon.com Services LLC"}},
                   "department": {"code": "01", "name": "跨境电商部"}},
     "accounts": {
       "receivable": {"ledger": "Assets:Receivable:Amazon", "code": "1122", "auxiliary": ["customer"],
                      "marketplaces": {"US": {"ledger": "Assets:Receivable:Amazon:US", "code": "1122.01"}}},
       "bank": {"ledger": "Assets:Bank", "code": "1002", "nameZh": "银行存款"},
       "sales": {"ledger": "Income:Sales", "code": "6001", "auxiliary": ["customer", "department"]},
       "terms-discount": {"ledger": "Expenses:Discount", "code": "6603.01"},
       "shortages": {"ledger": "Expenses:Shortages", "code": "6601.01"},
       "chargebacks": {"ledger": "Expenses:Chargebacks", "code": "6601.03"},
       "chargebacks-asn": {"ledger": "Expenses:Chargebacks:ASN", "code": "6601.31"},
       "returns": {"ledger": "Expenses:Returns", "code": "6001.99"},
       "provisions": {"ledger": "Assets:Provisions", "code": "1122.99"},
       "withholding": {"ledger": "Expenses:Withholding", "code": "6403"},
       "exchange-differences": {"ledger": "Expenses:FX", "code": "6603.02"},
       "rounding": {"ledger": "Expenses:Rounding", "code": "6603.03"},
       "write-offs": {"ledger": "Expenses:WriteOffs", "code": "6711"},
       "suspense": {"ledger": "Assets:Suspense", "code": "1221"}
     },
     "postings": [
       {"match": "invoice", "debit": "receivable", "credit": "sales"},
       {"match": "credit-note", "debit": "returns", "credit": "receivable"},
       {"match": "shortage-claim", "debit": "shortages", "credit": "receivable"},
       {"match": "shortage-claim-reversal", "debit": "receivable", "credit": "shortages"},
       {"match": "chargeback", "debit": "chargebacks", "credit": "receivable"},
       {"match": "chargeback/ASN-accuracy", "debit": "chargebacks-asn", "credit": "receivable"},
       {"match": "provision", "debit": "provisions", "credit": "receivable"}
     ]}
    """

  static func plan(_ edit: (inout [String: JSONValue]) -> Void = { _ in }) throws -> AccountPlan {
    guard case .object(var o) = try JSONParser.parse(Array(planJSON.utf8)).value else {
      throw ExportError("test", "plan")
    }
    edit(&o)
    return try AccountPlan(.object(o))
  }

  static func record(_ json: String) throws -> Record {
    Record(json: try JSONParser.parse(Array(json.utf8)).value)
  }

  static func money(_ a: String, _ c: String = "USD") -> String {
    "{\"amount\": \"\(a)\", \"currency\": \"\(c)\"}"
  }

  static func invoice(_ number: String, _ total: String, date: String = "2026-07-01") throws
    -> Record
  {
    try record(
      """
      {"id": "INV-US-\(number)", "kind": "invoice", "marketplace": "US", "schemaVersion": 1,
       "source": {"invoiceNumber": "\(number)", "invoiceDate": "\(date)", "totalAmount": \(money(total)),
                  "purchaseOrderNumbers": ["PO1"]}, "workflow": {}}
      """)
  }

  static func remittance(
    _ id: String, amount: String, currency: String = "USD", date: String = "2026-08-01",
    extra: String = "", lines: [String]
  ) throws -> Record {
    try record(
      """
      {"id": "PAY-US-\(id)", "kind": "remittance", "marketplace": "US", "schemaVersion": 1,
       "source": {"uniquePaymentId": "\(id)", "paymentNumber": "N\(id)", "paymentDate": "\(date)",
                  "paymentAmount": \(money(amount, currency)), "remittanceStatus": "SUCCESSFUL" \(extra),
                  "lines": [\(lines.joined(separator: ","))]}, "workflow": {}}
      """)
  }

  static func line(
    _ n: Int, _ number: String, _ classification: String, paid: String, invoice: String? = nil,
    discount: String? = nil, withholding: String? = nil
  ) -> String {
    var s =
      "{\"lineNumber\": \(n), \"invoiceNumber\": \"\(number)\", \"classification\": \"\(classification)\", \"amountPaid\": \(money(paid))"
    if let invoice { s += ", \"invoiceAmount\": \(money(invoice))" }
    if let discount { s += ", \"discountTaken\": \(money(discount))" }
    if let withholding { s += ", \"withholdingAmount\": \(money(withholding))" }
    return s + "}"
  }

  /// Σ of one account's lines over every voucher.
  static func balance(_ vouchers: [Voucher], _ ledger: String) throws -> Money {
    var total = Money.zero(try #require(CurrencyCode("USD")))
    for v in vouchers {
      for l in v.lines where l.account.ledger == ledger { total = try total + l.amount }
    }
    return total
  }

  @Test("1. an invoice: receivable (per marketplace) debited, sales credited")
  func invoiceVoucher() throws {
    let v = try JournalBuilder(plan: Self.plan()).vouchers([Self.invoice("I1", "1000.00")])
    #expect(v.count == 1)
    #expect(v[0].id == "invoice:INV-US-I1")
    #expect(v[0].lines.map(\.account.ledger) == ["Assets:Receivable:Amazon:US", "Income:Sales"])
    #expect(v[0].lines.map(\.amount.amountText) == ["1000.00", "-1000.00"])
    #expect(v[0].lines[0].account.code == "1122.01")
  }

  @Test(
    "2–4. a payment: bank gets the cash, terms discount and withholding settle the invoice with it, a shortage claim and its reversal post to shortages; the receivable nets to zero"
  )
  func payment() throws {
    let records = [
      try Self.invoice("I1", "1000.00"),
      try Self.remittance(
        "P1", amount: "931.60",
        lines: [
          Self.line(
            1, "I1", "invoice", paid: "970.00", invoice: "1000.00", discount: "20.00",
            withholding: "10.00"),
          Self.line(2, "I1SC", "shortage-claim", paid: "-50.40"),
          Self.line(3, "I1SCR", "shortage-claim-reversal", paid: "12.00"),
        ]),
    ]
    let v = try JournalBuilder(plan: Self.plan()).vouchers(records)
    #expect(v.count == 2)
    let pay = try #require(v.first { $0.kind == "remittance" })
    #expect(pay.lines.first?.account.role == "bank")
    #expect(pay.lines.first?.amount.amountText == "931.60")
    #expect(try Self.balance(v, "Assets:Receivable:Amazon:US").isZero)
    #expect(try Self.balance(v, "Expenses:Discount").amountText == "20.00")
    #expect(try Self.balance(v, "Expenses:Withholding").amountText == "10.00")
    #expect(try Self.balance(v, "Expenses:Shortages").amountText == "38.40")
    #expect(pay.lines.allSatisfy { !$0.amount.isZero })
  }

  @Test("5. a credit note credits the receivable; the payment line that settles it clears it")
  func creditNote() throws {
    let note = try Self.record(
      """
      {"id": "CN-US-C1", "kind": "credit-note", "marketplace": "US", "schemaVersion": 1,
       "source": {"creditNoteNumber": "C1", "issueDate": "2026-07-10", "totalAmount": \(Self.money("59.97")),
                  "returnsReferenceNumber": "R1"}, "workflow": {}}
      """)
    let records = [
      note,
      try Self.remittance(
        "P2", amount: "-59.97", lines: [Self.line(1, "C1", "other", paid: "-59.97")]),
    ]
    let v = try JournalBuilder(plan: Self.plan()).vouchers(records)
    #expect(v.map(\.kind) == ["credit-note", "remittance"])
    #expect(try Self.balance(v, "Expenses:Returns").amountText == "59.97")
    #expect(try Self.balance(v, "Assets:Receivable:Amazon:US").isZero)
    #expect(try Self.balance(v, "Assets:Bank").amountText == "-59.97")
  }

  @Test("6. a chargeback posts to its type's account when the mapping names one")
  func chargebackByType() throws {
    let deduction = try Self.record(
      """
      {"id": "DED-US-X1VCBSINV", "kind": "deduction", "marketplace": "US", "schemaVersion": 1,
       "source": {"deductionNumber": "X1VCBSINV", "deductionType": "chargeback", "deductionDate": "2026-08-01",
                  "amount": \(Self.money("-24.70")), "uniquePaymentId": "P3", "chargebackType": "ASN-accuracy"},
       "workflow": {}}
      """)
    let records = [
      deduction,
      try Self.remittance(
        "P3", amount: "-24.70", lines: [Self.line(1, "X1VCBSINV", "chargeback", paid: "-24.70")]),
    ]
    let v = try JournalBuilder(plan: Self.plan()).vouchers(records)
    #expect(try Self.balance(v, "Expenses:Chargebacks:ASN").amountText == "24.70")
    #expect(try Self.balance(v, "Expenses:Chargebacks").isZero)
  }

  @Test(
    "7. a payment in another currency: bank at its original amount and rate, the difference to exchange differences"
  )
  func foreignPayment() throws {
    let records = [
      try Self.invoice("I1", "1000.00"),
      try Self.remittance(
        "P4", amount: "920.00", currency: "EUR",
        extra:
          ", \"exchangeRate\": \"1.08\", \"paymentAmountInInvoiceCurrency\": \(Self.money("993.60"))",
        lines: [Self.line(1, "I1", "invoice", paid: "1000.00", invoice: "1000.00")]),
    ]
    let v = try JournalBuilder(plan: Self.plan()).vouchers(records)
    let pay = try #require(v.first { $0.kind == "remittance" })
    let bank = try #require(pay.lines.first)
    #expect(bank.amount.description == "993.60 USD")
    #expect(bank.original?.description == "920.00 EUR")
    #expect(try Self.balance(v, "Expenses:FX").amountText == "6.40")
    let beancount = Writers.beancount(v, title: "t")
    #expect(beancount.contains("920.00 EUR @@ 993.60 USD"))
  }

  @Test(
    "8. books in one currency: every line at the month's rate, the residue to rounding; a missing rate is an error naming it"
  )
  func bookCurrency() throws {
    let plan = try Self.plan {
      $0["ledgerCurrency"] = .string("CNY")
      $0["rates"] = .object(["USD": .object(["2026-07": .string("7.12345")])])
    }
    let records = [
      try Self.invoice("I1", "0.03"),
      try Self.remittance(
        "P5", amount: "0.03", date: "2026-07-20",
        lines: [
          Self.line(1, "I1", "invoice", paid: "0.01", invoice: "0.01"),
          Self.line(2, "I1", "invoice", paid: "0.01", invoice: "0.01"),
          Self.line(3, "I1", "invoice", paid: "0.01", invoice: "0.01"),
        ]),
    ]
    let v = try JournalBuilder(plan: plan).vouchers(records)
    let pay = try #require(v.first { $0.kind == "remittance" })
    #expect(pay.currency.code == "CNY")
    // 0.03 × 7.12345 = 0.21 on the bank; 3 × (0.01 × 7.12345 = 0.07) = 0.21 … and so on: balanced.
    #expect(pay.lines.first?.amount.amountText == "0.21")
    #expect(pay.lines.first?.rate?.formatted() == "7.12345")
    let inv = try #require(v.first { $0.kind == "invoice" })
    #expect(inv.lines.first?.original?.description == "0.03 USD")
    let plan2 = try Self.plan { $0["ledgerCurrency"] = .string("CNY") }
    #expect {
      try JournalBuilder(plan: plan2).vouchers(records)
    } throws: { error in
      (error as? ExportError)?.code == "export.rate"
        && "\(error)".contains("rates.USD.\"2026-07\"")
    }
  }

  @Test("8b. conversion rounding that does not net out is posted to rounding, never hidden")
  func roundingPosted() throws {
    let plan = try Self.plan {
      $0["ledgerCurrency"] = .string("CNY")
      $0["rates"] = .object(["USD": .object(["default": .string("7.125")])])
    }
    let records = [
      try Self.remittance(
        "P6", amount: "0.04", date: "2026-07-20",
        lines: [
          Self.line(1, "A", "invoice", paid: "0.02", invoice: "0.02"),
          Self.line(2, "B", "invoice", paid: "0.02", invoice: "0.02"),
        ])
    ]
    let v = try JournalBuilder(plan: plan).vouchers(records)
    // bank 0.04 × 7.125 = 0.285 → 0.29; each line 0.02 × 7.125 = 0.1425 → 0.14 (twice 0.28).
    let rounding = try #require(v[0].lines.first { $0.account.role == "rounding" })
    #expect(rounding.amount.amountText == "-0.01")
  }

  @Test("9. a written-off provision moves from provisions to write-offs on its decision day")
  func writeOff() throws {
    let deduction = try Self.record(
      """
      {"id": "DED-US-PROV1", "kind": "deduction", "marketplace": "US", "schemaVersion": 1,
       "source": {"deductionNumber": "PROV1", "deductionType": "provision", "deductionDate": "2026-08-01",
                  "amount": \(Self.money("-100.00")), "uniquePaymentId": "P7"},
       "workflow": {"state": "written-off", "decision": {"outcome": "denied", "decidedOn": "2026-09-15"}}}
      """)
    let shortage = try Self.record(
      """
      {"id": "DED-US-I1SC", "kind": "deduction", "marketplace": "US", "schemaVersion": 1,
       "source": {"deductionNumber": "I1SC", "deductionType": "shortage-claim", "deductionDate": "2026-08-01",
                  "amount": \(Self.money("-10.00")), "uniquePaymentId": "P7"},
       "workflow": {"state": "written-off"}}
      """)
    let v = try JournalBuilder(plan: Self.plan()).vouchers([deduction, shortage])
    // The shortage was an expense when Amazon took it: nothing more to write off.
    #expect(v.count == 1)
    #expect(v[0].id == "write-off:DED-US-PROV1")
    #expect(CivilDate.string(v[0].date) == "2026-09-15")
    #expect(v[0].lines.map(\.account.ledger) == ["Expenses:WriteOffs", "Assets:Provisions"])
    #expect(v[0].lines[0].amount.amountText == "100.00")
  }

  @Test("an unmapped classification and an account no posting defines are errors naming them")
  func unmapped() throws {
    let records = [
      try Self.remittance(
        "P8", amount: "-5.00", lines: [Self.line(1, "X1", "coop", paid: "-5.00")])
    ]
    #expect {
      try JournalBuilder(plan: Self.plan()).vouchers(records)
    } throws: { error in
      (error as? ExportError)?.code == "export.unmapped" && "\(error)".contains("coop")
        && "\(error)".contains("PAY-US-P8")
    }
    #expect {
      try Self.plan {
        $0["postings"] = .array([
          .object([
            "match": .string("coop"), "debit": .string("marketing"),
            "credit": .string("receivable"),
          ])
        ])
      }
    } throws: { error in "\(error)".contains("marketing") }
  }

  @Test("lines that do not add up to the payment go to suspense; failed payments post nothing")
  func suspense() throws {
    let records = [
      try Self.remittance(
        "P9", amount: "100.00", lines: [Self.line(1, "I9", "invoice", paid: "90.00")]),
      try Self.record(
        """
        {"id": "PAY-US-PF", "kind": "remittance", "marketplace": "US", "schemaVersion": 1,
         "source": {"uniquePaymentId": "PF", "paymentDate": "2026-08-01", "paymentAmount": \(Self.money("5.00")),
                    "remittanceStatus": "FAILED", "lines": []}, "workflow": {}}
        """),
    ]
    let v = try JournalBuilder(plan: Self.plan()).vouchers(records)
    #expect(v.count == 1)
    #expect(try Self.balance(v, "Assets:Suspense").amountText == "-10.00")
  }

  @Test("a voucher that does not balance is refused before anything is written")
  func unbalanced() throws {
    let plan = try Self.plan()
    let usd = try #require(CurrencyCode("USD"))
    let a = try #require(plan.account("bank", marketplace: "US"))
    let v = Voucher(
      id: "x", kind: "invoice", date: 0, marketplace: "US", reference: "x", narration: "x",
      narrationZh: "x", currency: usd,
      lines: [
        .init(
          account: a, amount: Money(minorUnits: 100, usd), original: nil, rate: nil, memo: "",
          memoZh: "")
      ], links: [])
    #expect(throws: ExportError.self) { try JournalBuilder.checkBalanced(v) }
  }

  @Test("the same records give the same vouchers and digests, whatever their order")
  func deterministic() throws {
    let records = [
      try Self.invoice("I1", "1000.00"), try Self.invoice("I2", "5.00", date: "2026-07-02"),
      try Self.remittance(
        "P1", amount: "1000.00", lines: [Self.line(1, "I1", "invoice", paid: "1000.00")]),
    ]
    let a = try JournalBuilder(plan: Self.plan()).vouchers(records)
    let b = try JournalBuilder(plan: Self.plan()).vouchers(records.reversed())
    #expect(a == b)
    #expect(a.map(\.digest) == b.map(\.digest))
  }
}
