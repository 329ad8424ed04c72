import AcornModel
import AcornReconcile

/// One open alert: what needs someone's attention, by when, why the date is what it is, and a
/// sentence in English and Simplified Chinese.
public struct Alert: Sendable, Hashable, Comparable {
  /// Stable across runs (rule and records): what `alerts/sent/` remembers as notified.
  public var id: String
  public var rule: String
  public var level: AlertLevel
  public var marketplace: String
  public var dueDate: Int?
  /// Days until the due date; negative once it has passed.
  public var daysLeft: Int?
  public var records: [String]
  public var amount: Money?
  /// For anomalies: what was measured against what.
  public var measured: String?
  public var en: String
  public var zh: String
  public var provenance: Provenance?

  public static func < (a: Alert, b: Alert) -> Bool {
    (b.level.rank, a.daysLeft ?? Int.max, a.marketplace, a.id)
      < (a.level.rank, b.daysLeft ?? Int.max, b.marketplace, b.id)
  }
}

/// The last sync of one source and marketplace, from `sync/<source>.json`.
public struct SyncHealth: Sendable, Hashable {
  public var source: String
  public var marketplace: String
  public var lastSuccess: Int?
  public var lastError: String?

  public init(source: String, marketplace: String, lastSuccess: Int?, lastError: String? = nil) {
    self.source = source
    self.marketplace = marketplace
    self.lastSuccess = lastSuccess
    self.lastError = lastError
  }
}

/// Alerts from records, their reconciliation and the sync state: pure, the day passed in.
public struct AlertEngine: Sendable {
  public var deadlines: [DeadlineRule]
  public var anomalies: [AnomalyRule]
  public var syncHealth: SyncHealthRule

  public init(
    deadlines: [DeadlineRule], anomalies: [AnomalyRule] = [],
    syncHealth: SyncHealthRule = SyncHealthRule()
  ) {
    self.deadlines = deadlines
    self.anomalies = anomalies
    self.syncHealth = syncHealth
  }

  public func run(
    records: [Record], reconciliation: ReconcileResult, sync: [SyncHealth] = [], asOf: Int
  ) -> [Alert] {
    var input = AlertInput(deadlines: deadlines)
    for r in records { input.add(r) }
    return run(input, reconciliation: reconciliation, sync: sync, asOf: asOf)
  }

  /// The same alerts from what `AlertInput` kept of the records (their JSON need not be kept).
  public func run(
    _ input: AlertInput, reconciliation: ReconcileResult, sync: [SyncHealth] = [], asOf: Int
  ) -> [Alert] {
    var out: [Alert] = []
    out += deadlineAlerts(input, reconciliation, asOf)
    out += anomalyAlerts(input, asOf)
    out += syncAlerts(sync, asOf)
    out += unreadableAlerts(reconciliation)
    return out.sorted()
  }

  /// A record file that cannot be read is missing from every deadline and anomaly: an error
  /// alert of its own (rule `record-unreadable`), from the reconciler's finding.
  func unreadableAlerts(_ r: ReconcileResult) -> [Alert] {
    r.findings.filter { $0.code == "record.unreadable" }.map { f in
      Alert(
        id: "record-unreadable:\(f.records.first ?? "")", rule: "record-unreadable", level: .error,
        marketplace: f.marketplace, dueDate: nil, daysLeft: nil, records: f.records, amount: nil,
        measured: nil, en: f.en, zh: f.zh, provenance: nil)
    }
  }

  // MARK: Deadlines

  func deadlineAlerts(_ input: AlertInput, _ r: ReconcileResult, _ asOf: Int) -> [Alert] {
    // Id → position, the first of an id (copying every ledger into a dictionary was most of
    // this at a hundred thousand invoices).
    var ledgers: [String: Int] = [:]
    ledgers.reserveCapacity(r.invoices.count)
    for i in r.invoices.indices where ledgers[r.invoices[i].id] == nil {
      ledgers[r.invoices[i].id] = i
    }
    let returns = Dictionary(r.returns.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    var out: [Alert] = []
    for (index, rule) in deadlines.enumerated() {
      for c in input.candidates where c.rule == index {
        let (id, market) = (c.id, c.marketplace)
        var anchor = c.anchor
        var amount: Money?
        switch rule.kind {
        case .purchaseOrder:
          // An acknowledgement sent from Acorn answers the PO before the next sync says so.
          if let number = c.purchaseOrderNumber, input.acknowledged.contains("\(market)/\(number)")
          {
            continue
          }
        case .invoice:
          // Paid invoices are not past their terms, whatever their status says.
          if let i = ledgers[id] {
            let l = r.invoices[i]
            if ["paid", "paid-with-deductions", "overpaid"].contains(l.status) { continue }
            amount = l.open
            if anchor == nil, let due = l.dueDate { anchor = due - rule.days }
          }
        case .return:
          // A return whose credit exists (or that needs none) is not overdue.
          if let a = returns[id],
            ["credited", "settled", "different", "not-due"].contains(a.status)
          {
            continue
          }
          amount = returns[id]?.approvedRefund
        case .deduction:
          amount = c.deductionAmount
          if let max = rule.maxDisputes, c.disputeAttempts >= max {
            out.append(
              Alert(
                id: "\(rule.id):\(id):exhausted", rule: rule.id, level: .info, marketplace: market,
                dueDate: nil, daysLeft: nil, records: [id], amount: amount, measured: nil,
                en: "\(id): disputed \(max) times already; no further dispute is possible.",
                zh: "\(id)：已申诉 \(max) 次，不能再申诉。", provenance: rule.provenance))
            continue
          }
        default: break
        }
        guard let start = anchor else { continue }
        let due = start + rule.days
        let daysLeft = due - asOf
        guard daysLeft <= rule.warnDaysBefore else { continue }
        let level: AlertLevel = daysLeft < 0 ? rule.level : min(rule.level, .warning)
        let (en, zh) = Self.deadlineSentence(rule, id, CivilDate.string(due), daysLeft, amount)
        out.append(
          Alert(
            id: "\(rule.id):\(id)", rule: rule.id, level: level, marketplace: market, dueDate: due,
            daysLeft: daysLeft, records: [id], amount: amount, measured: nil, en: en, zh: zh,
            provenance: rule.provenance))
      }
    }
    return out
  }

  static func deadlineSentence(
    _ rule: DeadlineRule, _ id: String, _ due: String, _ daysLeft: Int, _ amount: Money?
  ) -> (String, String) {
    let value = amount.map { " (\($0))" } ?? ""
    let zhValue = amount.map { "（\($0)）" } ?? ""
    if daysLeft < 0 {
      return (
        "\(id)\(value): \(rule.description) — overdue by \(-daysLeft) day\(daysLeft == -1 ? "" : "s") (due \(due)).",
        "\(id)\(zhValue)：\(rule.descriptionZh) — 已逾期 \(-daysLeft) 天（截止 \(due)）。"
      )
    }
    return (
      "\(id)\(value): \(rule.description) — \(daysLeft == 0 ? "due today" : "\(daysLeft) day\(daysLeft == 1 ? "" : "s") left") (due \(due)).",
      "\(id)\(zhValue)：\(rule.descriptionZh) — \(daysLeft == 0 ? "今天截止" : "还剩 \(daysLeft) 天")（截止 \(due)）。"
    )
  }

  // MARK: Sync health

  func syncAlerts(_ states: [SyncHealth], _ asOf: Int) -> [Alert] {
    states.compactMap { s in
      let days = s.lastSuccess.map { asOf - $0 }
      guard days == nil || (days ?? 0) > syncHealth.maxDays else { return nil }
      let since =
        s.lastSuccess.map { "since \(CivilDate.string($0)) (\(asOf - $0) days)" } ?? "ever"
      let zhSince = s.lastSuccess.map { "，自 \(CivilDate.string($0)) 起（\(asOf - $0) 天）" } ?? "（从未成功）"
      let error = s.lastError.map { "; last error: \($0)" } ?? ""
      return Alert(
        id: "sync-health:\(s.source):\(s.marketplace)", rule: "sync-health",
        level: syncHealth.level,
        marketplace: s.marketplace, dueDate: nil, daysLeft: nil, records: [], amount: nil,
        measured: days.map { "\($0) days without a successful sync, limit \(syncHealth.maxDays)" },
        en: s.lastSuccess == nil
          ? "\(s.source) \(s.marketplace) has never synced successfully\(error)."
          : "\(s.source) \(s.marketplace) has not synced successfully \(since)\(error).",
        zh:
          "\(s.source) \(s.marketplace) 未成功同步\(zhSince)\(s.lastError.map { "；最近错误：\($0)" } ?? "")。",
        provenance: nil)
    }
  }
}

/// What the alert engine reads of the records, taken a record at a time so that their JSON need
/// not be kept: the reconciler's views, each record a deadline rule matches (with the date and
/// figures the rule needs), the purchase orders acknowledged from Acorn, and the units returned
/// per ASIN. Built in parts side by side and merged in order.
public struct AlertInput: Sendable, Equatable {
  public var reconcile = ReconcileInput()
  let deadlines: [DeadlineRule]
  var candidates: [Candidate] = []
  /// `market/PO number` of purchase orders with an acknowledgement submitted or accepted.
  var acknowledged: Set<String> = []
  var returned: [Returned] = []

  /// A record a deadline rule matches.
  struct Candidate: Sendable, Equatable {
    var rule: Int
    var id: String
    var marketplace: String
    var anchor: Int?
    var purchaseOrderNumber: String?
    var disputeAttempts: Int
    var deductionAmount: Money?
  }

  /// Units requested back on one return line.
  struct Returned: Sendable, Equatable {
    var marketplace: String
    var asin: String
    var day: Int
    var units: Int
  }

  public init(deadlines: [DeadlineRule]) { self.deadlines = deadlines }

  public mutating func add(_ record: Record) {
    reconcile.add(record)
    let json = record.json
    let source = json["source"]
    let market = json["marketplace"]?.stringValue
    switch record.kind {
    case .outbound:
      if source?["documentType"]?.stringValue == "acknowledgement",
        ["submitted", "accepted"].contains(json["workflow"]?["state"]?.stringValue ?? ""),
        let market, let po = source?["purchaseOrderNumber"]?.stringValue
      {
        acknowledged.insert("\(market)/\(po)")
      }
    case .return:
      guard let market,
        let day = source?["noticeDate"]?.stringValue.flatMap({
          CivilDate.day(String($0.prefix(10)))
        })
      else { break }
      for l in source?["lines"]?.arrayValue ?? [] {
        guard let asin = l["amazonProductIdentifier"]?.stringValue,
          let units = l["requestedQuantity"]?.intValue
        else { continue }
        returned.append(Returned(marketplace: market, asin: asin, day: day, units: units))
      }
    default: break
    }
    // By index: a rule (a dozen strings and paths) is copied only when it matches this record.
    for index in deadlines.indices
    where deadlines[index].kind == record.kind && deadlines[index].matches(json) {
      guard let id = record.id, let market else { continue }
      let rule = deadlines[index]
      candidates.append(
        Candidate(
          rule: index, id: id, marketplace: market,
          anchor: json[rule.anchor]?.stringValue.flatMap { CivilDate.day(String($0.prefix(10))) },
          purchaseOrderNumber: source?["purchaseOrderNumber"]?.stringValue,
          disputeAttempts: json["workflow"]?["disputeAttempts"]?.intValue ?? 0,
          deductionAmount: record.kind == .deduction
            ? DeductionView(record).map { $0.amount.isNegative ? -$0.amount : $0.amount } : nil))
    }
  }

  public mutating func merge(_ other: AlertInput) {
    reconcile.merge(other.reconcile)
    candidates += other.candidates
    acknowledged.formUnion(other.acknowledged)
    returned += other.returned
  }
}
