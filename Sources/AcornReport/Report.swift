import AcornAlerts
import AcornModel
import AcornReconcile

/// The numbers of `acorn report`, as values: computed once from the records, their
/// reconciliation, the open alerts and the sync state, then rendered as HTML, CSV, JSON or xlsx —
/// so every format carries the same numbers. Amounts are exact and kept per currency.
public struct Report: Sendable, Hashable {
  public struct CashMonth: Sendable, Hashable {
    public var month: String
    public var currency: CurrencyCode
    public var invoiced: Money
    public var collected: Money
  }

  /// Open receivables by age since the invoice date.
  public struct Ageing: Sendable, Hashable {
    public static let buckets = ["0-30", "31-60", "61-90", "90+"]
    public var currency: CurrencyCode
    /// One amount per bucket, in `buckets` order.
    public var amounts: [Money]
    public var invoices: [Int]
    public var total: Money
  }

  public struct DeductionType: Sendable, Hashable {
    public var type: String
    public var currency: CurrencyCode
    public var count: Int
    public var amount: Money
    /// Count and amount per verdict (`disputable`, `valid`, `needs-evidence`, `reversal`, …).
    public var verdicts: [String: Tally]
    /// Count per workflow state (`detected`, `in-review`, `disputed`, …).
    public var states: [String: Int]
    /// Open claims (not recovered, accepted or written off) that a dispute can win: those the
    /// evidence says are disputable and those that need evidence; not the valid ones.
    public var recoverable: Money
  }

  public struct Tally: Sendable, Hashable {
    public var count: Int
    public var amount: Money
  }

  public struct RefundStage: Sendable, Hashable {
    public var state: String
    public var currency: CurrencyCode?
    public var count: Int
    public var approvedRefund: Money?
    /// Returns whose credit is late (no credit note 30 days after the notice).
    public var overdue: Int
  }

  public struct ReturnRate: Sendable, Hashable {
    public var asin: String
    public var month: String
    public var invoicedUnits: Int
    public var returnedUnits: Int
    /// Returned ÷ invoiced, to four places; nil when nothing was invoiced that month.
    public var rate: DecimalNumber?
  }

  public struct OpenAlert: Sendable, Hashable {
    public var level: String
    public var rule: String
    public var marketplace: String
    public var dueDate: Int?
    public var daysLeft: Int?
    public var amount: Money?
    public var en: String
    public var zh: String
  }

  public struct Sync: Sendable, Hashable {
    public var source: String
    public var marketplace: String
    public var lastSuccess: Int?
    public var daysSince: Int?
    public var lastError: String?
  }

  public var asOf: Int
  public var marketplace: String?
  public var period: String?
  public var cash: [CashMonth]
  public var ageing: [Ageing]
  public var deductions: [DeductionType]
  public var refunds: [RefundStage]
  public var returnRates: [ReturnRate]
  public var alerts: [OpenAlert]
  public var sync: [Sync]
}

/// Builds the report: pure, values in and a `Report` out.
public struct ReportBuilder: Sendable {
  /// Months of history the monthly series show when a period is given.
  public var months = 12
  /// Refund lifecycle states in pipeline order (from rules/lifecycles.yaml when known).
  public var refundStates: [String]

  public init(
    refundStates: [String] = [
      "notified", "authorized", "received", "disputed", "credit-issued", "settled", "rejected",
      "written-off",
    ]
  ) {
    self.refundStates = refundStates
  }

  /// `period` (YYYY-MM) limits the monthly series to the months up to it; `asOf` is the day the
  /// ageing, alerts and sync are measured on.
  public func build(
    records: [Record], reconciliation r: ReconcileResult, alerts: [Alert], sync: [SyncHealth],
    asOf: Int, marketplace: String?, period: String?
  ) -> Report {
    let inScope = { (m: String) in marketplace == nil || m == marketplace }
    let keepMonth = { (month: String) -> Bool in
      guard let period else { return true }
      return month <= period && month > Self.monthsBefore(period, self.months)
    }

    // Cash collected vs invoiced, per month and currency.
    var cash: [String: (CurrencyCode, String, Money, Money)] = [:]
    func addCash(_ month: String, _ m: Money, invoiced: Bool) {
      guard keepMonth(month) else { return }
      let key = month + "|" + m.currency.code
      var entry = cash[key] ?? (m.currency, month, .zero(m.currency), .zero(m.currency))
      if invoiced {
        entry.2 = (try? entry.2 + m) ?? entry.2
      } else {
        entry.3 = (try? entry.3 + m) ?? entry.3
      }
      cash[key] = entry
    }
    for l in r.invoices where inScope(l.marketplace) {
      addCash(Self.month(l.invoiceDate), l.invoiced, invoiced: true)
    }
    for rec in records {
      guard let p = RemittanceView(rec), inScope(p.marketplace), p.isSettled else { continue }
      addCash(Self.month(p.date), p.amount, invoiced: false)
    }
    let cashRows = cash.values.map {
      Report.CashMonth(month: $0.1, currency: $0.0, invoiced: $0.2, collected: $0.3)
    }.sorted { ($0.currency, $0.month) < ($1.currency, $1.month) }

    // Ageing of open receivables.
    var ageing: [CurrencyCode: Report.Ageing] = [:]
    for l in r.invoices where inScope(l.marketplace) && !l.open.isZero && !l.open.isNegative {
      let c = l.currency
      var a =
        ageing[c]
        ?? Report.Ageing(
          currency: c, amounts: Array(repeating: .zero(c), count: 4),
          invoices: [0, 0, 0, 0], total: .zero(c))
      let age = asOf - l.invoiceDate
      let i = age <= 30 ? 0 : age <= 60 ? 1 : age <= 90 ? 2 : 3
      a.amounts[i] = (try? a.amounts[i] + l.open) ?? a.amounts[i]
      a.invoices[i] += 1
      a.total = (try? a.total + l.open) ?? a.total
      ageing[c] = a
    }

    // Deductions by type, verdict and state.
    var deductions: [String: Report.DeductionType] = [:]
    let closed: Set<String> = ["accepted", "recovered", "written-off"]
    for d in r.deductions where inScope(d.marketplace) {
      let c = d.amount.currency
      let key = d.type + "|" + c.code
      var t =
        deductions[key]
        ?? Report.DeductionType(
          type: d.type, currency: c, count: 0, amount: .zero(c), verdicts: [:], states: [:],
          recoverable: .zero(c))
      let size = d.amount.isNegative ? -d.amount : d.amount
      t.count += 1
      t.amount = (try? t.amount + size) ?? t.amount
      var v = t.verdicts[d.verdict] ?? Report.Tally(count: 0, amount: .zero(c))
      v.count += 1
      v.amount = (try? v.amount + size) ?? v.amount
      t.verdicts[d.verdict] = v
      t.states[d.state ?? "detected", default: 0] += 1
      if ["disputable", "needs-evidence"].contains(d.verdict)
        && !closed.contains(d.state ?? "detected")
      {
        let net = d.net.map { $0.isNegative ? -$0 : $0 } ?? size
        t.recoverable = (try? t.recoverable + net) ?? t.recoverable
      }
      deductions[key] = t
    }

    // The refund pipeline.
    var stages: [String: Report.RefundStage] = [:]
    for ret in r.returns where inScope(ret.marketplace) {
      let state = ret.state ?? "notified"
      let c = ret.approvedRefund?.currency
      let key = state + "|" + (c?.code ?? "")
      var s =
        stages[key]
        ?? Report.RefundStage(
          state: state, currency: c, count: 0, approvedRefund: c.map { .zero($0) }, overdue: 0)
      s.count += 1
      if let a = ret.approvedRefund, let sum = s.approvedRefund {
        s.approvedRefund = (try? sum + a) ?? sum
      }
      if ret.status == "late" { s.overdue += 1 }
      stages[key] = s
    }
    let order = Dictionary(
      refundStates.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
    let refunds = stages.values.sorted {
      (order[$0.state] ?? 99, $0.state, $0.currency?.code ?? "")
        < (order[$1.state] ?? 99, $1.state, $1.currency?.code ?? "")
    }

    // Return rate per ASIN and month: units returned (by notice month) ÷ units invoiced.
    var invoicedUnits: [String: Int] = [:]
    var returnedUnits: [String: Int] = [:]
    for rec in records {
      if let inv = InvoiceView(rec), inScope(inv.marketplace) {
        for l in inv.lines {
          if let a = l.asin {
            invoicedUnits[a + "|" + Self.month(inv.date), default: 0] += l.eaches
          }
        }
      } else if let ret = ReturnView(rec), inScope(ret.marketplace) {
        for l in ret.lines {
          if let a = l.asin {
            returnedUnits[a + "|" + Self.month(ret.noticeDate), default: 0] += l.units
          }
        }
      }
    }
    var rates: [Report.ReturnRate] = []
    for key in Set(returnedUnits.keys).union(invoicedUnits.keys) {
      let parts = key.split(separator: "|").map(String.init)
      guard parts.count == 2, keepMonth(parts[1]) else { continue }
      let inv = invoicedUnits[key] ?? 0
      let ret = returnedUnits[key] ?? 0
      rates.append(
        Report.ReturnRate(
          asin: parts[0], month: parts[1], invoicedUnits: inv, returnedUnits: ret,
          rate: inv > 0 ? Self.ratio(ret, inv) : nil))
    }
    rates.sort { ($0.asin, $0.month) < ($1.asin, $1.month) }

    let open = alerts.filter { inScope($0.marketplace) }.sorted().map {
      Report.OpenAlert(
        level: $0.level.rawValue, rule: $0.rule, marketplace: $0.marketplace, dueDate: $0.dueDate,
        daysLeft: $0.daysLeft, amount: $0.amount, en: $0.en, zh: $0.zh)
    }
    let syncRows = sync.filter { inScope($0.marketplace) }.map {
      Report.Sync(
        source: $0.source, marketplace: $0.marketplace, lastSuccess: $0.lastSuccess,
        daysSince: $0.lastSuccess.map { asOf - $0 }, lastError: $0.lastError)
    }.sorted { ($0.source, $0.marketplace) < ($1.source, $1.marketplace) }

    return Report(
      asOf: asOf, marketplace: marketplace, period: period, cash: cashRows,
      ageing: ageing.values.sorted { $0.currency < $1.currency },
      deductions: deductions.values.sorted { ($0.currency, $0.type) < ($1.currency, $1.type) },
      refunds: refunds, returnRates: rates, alerts: open, sync: syncRows)
  }

  static func month(_ day: Int) -> String { String(CivilDate.string(day).prefix(7)) }

  /// The month `n` months before `period` (exclusive lower bound of the series).
  static func monthsBefore(_ period: String, _ n: Int) -> String {
    let y = Int(period.prefix(4)) ?? 0
    let m = Int(period.suffix(2)) ?? 1
    let total = y * 12 + (m - 1) - n
    let yy = total / 12
    let mm = total % 12 + 1
    return String(format4(yy)) + "-" + (mm < 10 ? "0" : "") + String(mm)
  }

  static func format4(_ y: Int) -> String {
    let s = String(y)
    return String(repeating: "0", count: max(0, 4 - s.count)) + s
  }

  /// a ÷ b to four places, rounded half up, exactly.
  static func ratio(_ a: Int, _ b: Int) -> DecimalNumber {
    let scaled = (a * 100_000 / b + 5) / 10
    return DecimalNumber(units: scaled, scale: 4)
  }
}
