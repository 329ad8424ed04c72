import AcornModel
import Testing

@testable import AcornReconcile

/// The ledger and the committed files are written straight to bytes (a hundred thousand invoices
/// at a time); those bytes must be exactly the canonical JSON of the same results as values.
@Suite("results written straight to bytes")
struct RenderTests {
  static func code(_ text: String) -> CurrencyCode {
    guard let c = CurrencyCode(text) else { preconditionFailure("not a currency: \(text)") }
    return c
  }

  static let eur = code("EUR")
  static let jpy = code("JPY")

  static func money(_ text: String, _ c: CurrencyCode = eur) -> Money {
    guard let amount = try? DecimalNumber(parsing: text) else {
      preconditionFailure("not a decimal: \(text)")
    }
    return Money(amount, c)
  }

  /// Every optional member present and absent, negative and sub-cent amounts, other minor units,
  /// strings that need escaping, empty and several entries.
  static let handMade: [InvoiceLedger] = {
    let entry = InvoiceLedger.Entry(
      type: "shortage-claim", reference: "INV-1SCR\"q\\", amount: money("-12.4"),
      paymentId: "P\u{1}1", date: CivilDate.daysFromCivil(2026, 3, 9))
    let payment = InvoiceLedger.Entry(
      type: "payment", reference: "发票-1", amount: money("100.005"), paymentId: "P2",
      date: CivilDate.daysFromCivil(1999, 12, 31))
    return [
      InvoiceLedger(
        id: "INV-DE-1", invoiceNumber: "1", marketplace: "DE", currency: eur,
        invoiceDate: CivilDate.daysFromCivil(2026, 1, 31), dueDate: nil, invoiced: money("0"),
        discount: money("0"), payments: [], deductions: [], paid: money("0"), open: money("0"),
        status: "unpaid", daysPastDue: nil, rounding: nil),
      InvoiceLedger(
        id: "INV-DE-2\n", invoiceNumber: "2\t", marketplace: "DE", currency: eur,
        invoiceDate: CivilDate.daysFromCivil(2026, 2, 1),
        dueDate: CivilDate.daysFromCivil(2026, 4, 2), invoiced: money("1234567.891"),
        discount: money("-2.5"), payments: [payment, payment], deductions: [entry],
        paid: money("87.6"), open: money("-0.004"), status: "partially-paid", daysPastDue: 412,
        rounding: money("0.004")),
      InvoiceLedger(
        id: "INV-JP-3", invoiceNumber: "3", marketplace: "JP", currency: jpy,
        invoiceDate: 0, dueDate: -1, invoiced: money("99999999999999999999999999.99", jpy),
        discount: money("0.5", jpy), payments: [payment], deductions: [],
        paid: money("-1", jpy), open: money("1e3", jpy), status: "overpaid", daysPastDue: 0,
        rounding: nil),
    ]
  }()

  static func document(_ asOf: Int, _ invoices: [InvoiceLedger], _ findings: [ReconcileFinding])
    -> [UInt8]
  {
    CanonicalJSON.bytes(
      .object([
        "asOf": ReconcileResult.day(asOf), "invoices": .array(invoices.map(ReconcileResult.json)),
        "findings": .array(findings.map(ReconcileResult.json)),
      ]))
  }

  /// The ledger document as `acorn reconcile --ledger --json` writes it: every chunk handed on,
  /// in order.
  static func ledgerBytes(
    _ asOf: Int, _ invoices: [InvoiceLedger], _ findings: [ReconcileFinding]
  ) -> [UInt8] {
    var out: [UInt8] = []
    ReconcileResult.ledgerJSON(asOf: asOf, invoices: invoices, findings: findings) {
      out += $0
    }
    return out
  }

  @Test("hand-made ledgers and findings: the bytes of their JSON values")
  func handMadeLedgers() {
    let findings = [
      ReconcileFinding(
        code: "ledger.rounding", severity: .info, marketplace: "DE", month: "2026-02",
        records: ["INV-DE-2\n", "B"], amount: Self.money("0.004"), en: "a \"quote\"", zh: "四舍五入"),
      ReconcileFinding(
        code: "x", severity: .error, marketplace: "DE", month: "2026-02", records: [], amount: nil,
        en: "", zh: ""),
    ]
    let asOf = CivilDate.daysFromCivil(2026, 11, 30)
    #expect(
      Self.ledgerBytes(asOf, Self.handMade, findings)
        == Self.document(asOf, Self.handMade, findings))
    #expect(Self.ledgerBytes(asOf, [], []) == Self.document(asOf, [], []))
  }

  @Test(
    "the sandbox vendor's ledger, and 20,000 invoices written in parts on every core, two rounds")
  func sandboxLedger() throws {
    let result = try SandboxReconcileTests.result
    #expect(result.invoices.count > 10 && !result.findings.isEmpty)
    #expect(
      Self.ledgerBytes(result.asOf, result.invoices, result.findings)
        == Self.document(result.asOf, result.invoices, result.findings))
    var many: [InvoiceLedger] = []
    // More than one round of `CanonicalJSON.streamRound` (16,384) invoices.
    for k in 0..<20_000 {
      var l = (result.invoices + Self.handMade)[k % (result.invoices.count + 3)]
      l.id += "-\(k)"
      many.append(l)
    }
    // Compared as a Bool: a failing comparison of megabytes would take minutes to print.
    let same =
      Self.ledgerBytes(result.asOf, many, result.findings)
      == Self.document(result.asOf, many, result.findings)
    #expect(same)
  }

  @Test("every committed file of the sandbox vendor: the bytes of its value")
  func committedFiles() throws {
    let result = try SandboxReconcileTests.result
    let plans = result.filePlans
    #expect(plans.count > 3)
    for plan in plans {
      #expect(result.fileBytes(plan) == CanonicalJSON.bytes(result.file(plan)), "\(plan.path)")
    }
  }
}

/// Large results are sorted by keys made once (findings) or by moving indexes (views, ledgers):
/// the order must be the one the plain comparisons give.
@Suite("result order with keys made once")
struct ResultOrderTests {
  static func finding(
    _ m: String, _ month: String, _ code: String, _ records: [String], _ en: String
  )
    -> ReconcileFinding
  {
    ReconcileFinding(
      code: code, severity: .warning, marketplace: m, month: month, records: records, amount: nil,
      en: en, zh: "")
  }

  @Test("findings: prefixes, commas, empty records; with and without non-ASCII text")
  func findings() throws {
    var list = [
      Self.finding("US", "2026-01", "a", ["A", "Z"], "x"),
      Self.finding("US", "2026-01", "a", ["A+"], "x"),
      Self.finding("US", "2026-01", "a", ["A"], "x"), Self.finding("US", "2026-01", "a", [], "x"),
      Self.finding("US", "2026-01", "a", ["A,B"], "x"),
      Self.finding("US", "2026-01", "a", ["A", "B"], "w"),
      Self.finding("U", "2026-01", "b", ["A"], "x"), Self.finding("US", "2026-1", "a", ["A"], ""),
      Self.finding("US", "2026-01", "ab", ["A"], "x"),
      Self.finding("US", "2026-01", "a", ["A"], "x y"),
    ]
    list += try SandboxReconcileTests.result.findings
    var generator = SystemRandomNumberGenerator()
    for _ in 0..<5 {
      list.shuffle(using: &generator)
      #expect(ReconcileFinding.sorted(list) == list.sorted())
      let unicode =
        list + [
          Self.finding("US", "2026-01", "a", ["É"], "café"),
          Self.finding("US", "2026-01", "a", ["E\u{301}"], "x"),
        ]
      #expect(ReconcileFinding.sorted(unicode) == unicode.sorted())
    }
  }

  @Test("sorted by id moving the elements: the plain (stable) sort's order, as is when in order")
  func byID() {
    struct Item: Equatable {
      var id: String
      var n: Int
    }
    var generator = SystemRandomNumberGenerator()
    let items = (0..<2_000).map {
      Item(id: "INV-\(Int.random(in: 0..<300, using: &generator))", n: $0)
    }
    var sorted = items
    sortByID(&sorted) { $0.id }
    #expect(sorted == items.sorted { $0.id < $1.id })
    let ordered = sorted
    sortByID(&sorted) { $0.id }
    #expect(sorted == ordered)
    var empty: [Item] = []
    sortByID(&empty) { $0.id }
    #expect(empty.isEmpty)
  }

  @Test("sorted only when out of order: an ordered array is not written to (no copy while shared)")
  func sortIfNeededLeavesOrder() {
    var generator = SystemRandomNumberGenerator()
    let items = (0..<500).map { _ in (day: Int.random(in: 0..<20, using: &generator), n: 0) }
      .enumerated().map { (day: $0.element.day, n: $0.offset) }
    var sorted = items
    sortIfNeeded(&sorted) { $0.day < $1.day }
    #expect(sorted.map(\.n) == items.sorted { $0.day < $1.day }.map(\.n))
    // Shared with `ordered`: left alone, the two still use one buffer.
    let ordered = sorted
    sortIfNeeded(&sorted) { $0.day < $1.day }
    let same = sorted.withUnsafeBufferPointer { a in
      ordered.withUnsafeBufferPointer { b in a.baseAddress == b.baseAddress }
    }
    #expect(same)
    var one = [(day: 3, n: 0)]
    sortIfNeeded(&one) { $0.day < $1.day }
    #expect(one.count == 1)
  }
}
