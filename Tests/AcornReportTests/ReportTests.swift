import AcornAlerts
import AcornModel
import AcornReconcile
import Testing

@testable import AcornReport
@testable import AcornSandbox

/// The report's numbers over the sandbox vendor, each recomputed here from the records by a
/// different road, and its renderings carrying the same numbers.
@Suite("report")
struct ReportTests {
  static let asOf = CivilDate.daysFromCivil(2026, 9, 30)
  static let records: [Record] = SandboxVendor(seed: 8).records(
    marketplace: Marketplace.all[0], start: CivilDate.daysFromCivil(2026, 6, 1), asOf: asOf)
  static let reconciled = Result { () throws(ReconcileError) -> ReconcileResult in
    try Reconciler(lifecycles: LifecycleSet(lifecycles: [:])).run(records, asOf: asOf)
  }
  static let sync = [
    SyncHealth(source: "sandbox", marketplace: "US", lastSuccess: asOf - 2, lastError: nil)
  ]

  static func report(period: String? = nil, marketplace: String? = nil) throws -> Report {
    ReportBuilder().build(
      records: records, reconciliation: try reconciled.get(),
      alerts: AlertEngine(deadlines: []).run(
        records: records, reconciliation: try reconciled.get(), sync: sync, asOf: asOf),
      sync: sync, asOf: asOf, marketplace: marketplace, period: period)
  }

  static func sum(_ items: [Money], _ c: CurrencyCode) throws -> Money {
    try items.reduce(Money.zero(c)) { try $0 + $1 }
  }

  @Test("cash: invoiced per month is Σ invoice totals, collected is Σ successful payments")
  func cash() throws {
    let r = try Self.report()
    #expect(!r.cash.isEmpty)
    for row in r.cash {
      let invoiced = Self.records.compactMap(InvoiceView.init).filter {
        String(CivilDate.string($0.date).prefix(7)) == row.month
          && $0.total.currency == row.currency
      }.map(\.total)
      #expect(try Self.sum(invoiced, row.currency) == row.invoiced, "\(row.month)")
      let paid = Self.records.compactMap(RemittanceView.init).filter {
        String(CivilDate.string($0.date).prefix(7)) == row.month
          && $0.amount.currency == row.currency
      }.map(\.amount)
      #expect(try Self.sum(paid, row.currency) == row.collected, "\(row.month)")
    }
  }

  @Test("ageing: the buckets add up to the open receivables, each invoice in the bucket of its age")
  func ageing() throws {
    let r = try Self.report()
    let a = try #require(r.ageing.first)
    #expect(try Self.sum(a.amounts, a.currency) == a.total)
    let open = try Self.reconciled.get().invoices.filter { !$0.open.isZero && !$0.open.isNegative }
    #expect(try Self.sum(open.map(\.open), a.currency) == a.total)
    let old = open.filter { Self.asOf - $0.invoiceDate > 90 }
    #expect(try Self.sum(old.map(\.open), a.currency) == a.amounts[3])
    #expect(a.invoices.reduce(0, +) == open.count)
  }

  @Test(
    "deductions: per type the count and amount of the reconciliation; recoverable from open claims that are not valid"
  )
  func deductions() throws {
    let r = try Self.report()
    let all = try Self.reconciled.get().deductions
    for t in r.deductions {
      let mine = all.filter { $0.type == t.type }
      #expect(mine.count == t.count)
      let disputable = mine.filter { $0.verdict == "disputable" }
      #expect(t.verdicts["disputable"]?.count ?? 0 == disputable.count)
      let open = mine.filter {
        ["disputable", "needs-evidence"].contains($0.verdict)
          && !["accepted", "recovered", "written-off"].contains($0.state ?? "detected")
      }
      let expected = try Self.sum(
        open.map { m in
          let x = m.net ?? m.amount; return x.isNegative ? -x : x
        }, t.currency)
      #expect(t.recoverable == expected, "\(t.type)")
    }
    #expect(r.deductions.contains { $0.type == "shortage-claim" && !$0.recoverable.isZero })
  }

  @Test("return rate: units returned ÷ units invoiced in the month, to four places")
  func returnRates() throws {
    #expect(ReportBuilder.ratio(1, 3) == DecimalNumber(units: 3333, scale: 4))
    #expect(ReportBuilder.ratio(2, 3) == DecimalNumber(units: 6667, scale: 4))
    let r = try Self.report()
    #expect(r.returnRates.contains { $0.returnedUnits > 0 })
    for row in r.returnRates where row.invoicedUnits > 0 {
      #expect(row.rate == ReportBuilder.ratio(row.returnedUnits, row.invoicedUnits))
    }
  }

  @Test("a period keeps the twelve months up to it and nothing after")
  func period() throws {
    #expect(ReportBuilder.monthsBefore("2026-03", 12) == "2025-03")
    let r = try Self.report(period: "2026-07")
    #expect(r.cash.allSatisfy { $0.month <= "2026-07" })
    #expect(r.cash.contains { $0.month == "2026-07" })
    #expect(r.returnRates.allSatisfy { $0.month <= "2026-07" })
    #expect(try Self.report(marketplace: "DE").cash.isEmpty)
  }

  @Test(
    "HTML: self-contained (no script, no external resource), every section, the numbers of the tables; JSON and CSV the same numbers"
  )
  func renderings() throws {
    let r = try Self.report()
    for lang in ReportLanguage.allCases {
      let html = r.html(lang)
      #expect(!html.contains("<script"))
      #expect(!html.contains("src=\"http"))
      #expect(!html.contains("href=\"http"))
      #expect(!html.contains("@import"))
      for key in ["cash", "ageing", "deductions", "refunds", "returnRates", "alerts", "sync"] {
        #expect(html.contains("<section id=\"\(key)\""), "\(key)")
      }
      #expect(html.contains("<svg id=\"cash-USD\""))
      for (_, _, table) in r.tables(lang) {
        for row in table.rows {
          for case .number(let d, let p) in row {
            #expect(html.contains("data-v=\"\(d.formatted(minimumScale: p))\""))
          }
        }
      }
    }
    #expect(r.html(.zh).contains("应收账款账龄"))
    // A chart's labels write amounts with the currency's minor units, as the tables do.
    let en = r.html(.en)
    for row in r.cash {
      let label =
        "\(row.month) · Invoiced: \(grouped(row.invoiced.amountText)) \(row.currency.code)<"
      #expect(en.contains(label), "\(label)")
    }
    // Every amount in a chart label, an empty ageing bucket's too ("0 USD" had been written).
    let amounts = en.matches(of: /: (-?[0-9,]+(\.[0-9]+)?) (USD|EUR)<\/title>/)
    #expect(amounts.count > 10)
    for m in amounts { #expect(m.output.2?.count == 3, "\(m.output.0)") }
    // Counts take their unit's number (here none is 1: `countLabels` has one).
    let counted = en.matches(of: /· (Returns|Credit overdue): ([0-9,]+) (returns?)<\/title>/)
    #expect(!counted.isEmpty)
    for m in counted { #expect((m.output.2 == "1") == (m.output.3 == "return"), "\(m.output.0)") }
    let json = CanonicalJSON.string(r.json)
    for row in r.cash { #expect(json.contains("\"invoiced\": \"\(row.invoiced.amountText)\"")) }
    let csv = r.csv(.en)
    let cells = r.tables(.en).reduce(0) { n, t in
      n + t.table.rows.reduce(0) { $0 + $1.filter { $0 != .empty }.count }
    }
    #expect(csv.components(separatedBy: "\r\n").count - 2 == cells)
    #expect(try r.xlsx(.en) == r.xlsx(.en))
  }

  @Test("a chart's count of exactly one takes the singular unit: 1 return, 0 and 2 returns")
  func countLabels() {
    let svg = Chart.bars(
      title: "Returns by refund state", categories: ["authorized", "received"], unit: "returns",
      unitOfOne: "return",
      series: [
        ("Returns", "#3e7cb1", [DecimalNumber(1), DecimalNumber(2)]),
        ("Credit overdue", "#c92a2a", [DecimalNumber(0), DecimalNumber(1)]),
      ], id: "refunds")
    #expect(svg.contains("authorized · Returns: 1 return</title>"), "\(svg)")
    #expect(svg.contains("received · Returns: 2 returns</title>"))
    #expect(svg.contains("authorized · Credit overdue: 0 returns</title>"))
    #expect(svg.contains("received · Credit overdue: 1 return</title>"))
  }
}
