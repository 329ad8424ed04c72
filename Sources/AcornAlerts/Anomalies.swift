import AcornModel
import AcornReconcile

/// The anomaly rules: a value per group and period, against a fixed threshold (per marketplace)
/// or against the group's own trailing periods (mean + k standard deviations). Statistics of
/// rates and counts use floating point; money shown is exact.
extension AlertEngine {
  /// Monday-based week of a day (1970-01-01 was a Thursday).
  static func week(_ day: Int) -> Int { (day + 3) / 7 }

  struct Series {
    var current: Double
    var base: Double
    /// The group's earlier periods that count as history (each metric decides which).
    var trailing: [Double]
    /// The smallest spread the trend test assumes (one day, one chargeback …).
    var floor: Double = 1e-9
  }

  /// Whether `s` is anomalous under `rule` in `market`, and the sentence of what was measured.
  static func judge(_ rule: AnomalyRule, _ market: String, _ s: Series, unit: (Double) -> String)
    -> String?
  {
    guard s.base >= (Double(rule.minimum.description) ?? 0) else { return nil }
    let threshold = (rule.aboveByMarketplace[market] ?? rule.above).flatMap {
      Double($0.description)
    }
    if let t = threshold, s.current > t {
      return "\(unit(s.current)) against a threshold of \(unit(t))"
    }
    // A trend needs a history of at least three earlier periods.
    if let k = rule.sigma.flatMap({ Double($0.description) }), s.trailing.count >= 3 {
      let n = Double(s.trailing.count)
      let mean = s.trailing.reduce(0, +) / n
      let variance = s.trailing.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
      let sd = variance.squareRoot()
      let limit = mean + k * max(sd, abs(mean) * 0.1, s.floor)
      if s.current > limit {
        return
          "\(unit(s.current)) against \(unit(mean)) ± \(unit(sd)) over the \(s.trailing.count) periods before (limit \(unit(limit)))"
      }
    }
    return nil
  }

  static func percent(_ x: Double) -> String {
    let tenths = Int((x * 1000).rounded())
    return "\(tenths / 10).\(abs(tenths % 10)) %"
  }

  static func count(_ x: Double) -> String {
    let tenths = Int((abs(x) * 10).rounded())
    let sign = x < 0 && tenths > 0 ? "-" : ""
    return sign + (tenths % 10 == 0 ? String(tenths / 10) : "\(tenths / 10).\(tenths % 10)")
  }

  func anomalyAlerts(_ input: AlertInput, _ asOf: Int) -> [Alert] {
    var out: [Alert] = []
    for rule in anomalies {
      switch rule.metric {
      case .returnRate: out += returnRate(rule, input, asOf)
      case .chargebackCount, .chargebackAmount: out += chargebacks(rule, input.reconcile, asOf)
      case .shortageRate: out += shortageRate(rule, input.reconcile, asOf)
      case .paymentDelay: out += paymentDelay(rule, input.reconcile, asOf)
      }
    }
    return out
  }

  /// Returned ÷ received units per ASIN for the week of `asOf`; received units are counted over
  /// the four weeks up to it (returns trail receipts).
  func returnRate(_ rule: AnomalyRule, _ input: AlertInput, _ asOf: Int) -> [Alert] {
    var received: [String: [Int: Int]] = [:]  // market|asin → week → units
    var returned: [String: [Int: Int]] = [:]
    for po in input.reconcile.orders {
      for l in po.lines {
        guard let asin = l.asin, let units = l.received, units > 0 else { continue }
        received["\(po.marketplace)|\(asin)", default: [:]][Self.week(po.date), default: 0] += units
      }
    }
    for r in input.returned {
      returned["\(r.marketplace)|\(r.asin)", default: [:]][Self.week(r.day), default: 0] += r.units
    }
    let now = Self.week(asOf)
    var out: [Alert] = []
    for key in returned.keys.sorted() {
      let parts = key.split(separator: "|").map(String.init)
      func rate(_ w: Int) -> (Double, Double)? {
        let base = (w - 3...w).reduce(0) { $0 + (received[key]?[$1] ?? 0) }
        guard base > 0 else { return nil }
        return (Double(returned[key]?[w] ?? 0) / Double(base), Double(base))
      }
      guard let (current, base) = rate(now), current > 0 else { continue }
      let trailing = (1...max(1, rule.trailing)).compactMap { d -> Double? in
        guard let (r, b) = rate(now - d), b >= (Double(rule.minimum.description) ?? 0) else {
          return nil
        }
        return r
      }
      guard
        let measured = Self.judge(
          rule, parts[0], Series(current: current, base: base, trailing: trailing),
          unit: Self.percent)
      else { continue }
      out.append(
        Alert(
          id: "\(rule.id):\(key):\(CivilDate.string(now * 7 - 3))", rule: rule.id,
          level: rule.level,
          marketplace: parts[0], dueDate: nil, daysLeft: nil, records: [], amount: nil,
          measured: measured,
          en:
            "Returns of \(parts[1]) in \(parts[0]) this week: \(measured) (returned ÷ received units).",
          zh: "\(parts[0]) 的 \(parts[1]) 本周退货率：\(measured)（退货数 ÷ 收货数）。",
          provenance: rule.provenance))
    }
    return out
  }

  /// Chargebacks per type over the 30 days up to `asOf`, against the periods of 30 days before.
  func chargebacks(_ rule: AnomalyRule, _ input: ReconcileInput, _ asOf: Int) -> [Alert] {
    var counts: [String: [Int: Double]] = [:]  // market|type → period → count or amount
    var amounts: [String: Money] = [:]
    for d in input.deductions {
      guard d.type == "chargeback", d.date <= asOf else { continue }
      var type = d.chargebackType ?? "chargeback"
      if d.chargebackType == nil, let text = d.description,
        let last = text.split(separator: ":").last
      {
        type = String(last).trimmingSpaces()
      }
      let key = "\(d.marketplace)|\(type)"
      let period = (asOf - d.date) / 30
      let value =
        rule.metric == .chargebackCount ? 1 : abs(Double(d.amount.amount.description) ?? 0)
      counts[key, default: [:]][period, default: 0] += value
      if period == 0 {
        let m = d.amount.isNegative ? -d.amount : d.amount
        amounts[key] = amounts[key].map { (try? $0 + m) ?? $0 } ?? m
      }
    }
    var out: [Alert] = []
    for key in counts.keys.sorted() {
      let parts = key.split(separator: "|").map(String.init)
      let current = counts[key]?[0] ?? 0
      guard current > 0 else { continue }
      // Before a sync's first day every period looks like zero: a history needs three periods
      // in which there were chargebacks of the type at all.
      var trailing = (1...max(1, rule.trailing)).map { counts[key]?[$0] ?? 0 }
      if trailing.filter({ $0 > 0 }).count < 3 { trailing = [] }
      let currency = amounts[key]?.currency.code ?? ""
      let byAmount = rule.metric == .chargebackAmount
      let unit: (Double) -> String = { x in
        byAmount ? Self.count(x) + " " + currency : Self.count(x)
      }
      guard
        let measured = Self.judge(
          rule, parts[0],
          Series(
            current: current, base: current, trailing: trailing,
            floor: rule.metric == .chargebackCount ? 1 : 1e-9), unit: unit)
      else { continue }
      let what = rule.metric == .chargebackCount ? "chargebacks" : "chargeback amount"
      out.append(
        Alert(
          id: "\(rule.id):\(key):\(CivilDate.string(asOf))", rule: rule.id, level: rule.level,
          marketplace: parts[0], dueDate: nil, daysLeft: nil, records: [], amount: amounts[key],
          measured: measured,
          en: "\(parts[1]) \(what) in \(parts[0]) over the last 30 days: \(measured).",
          zh:
            "\(parts[0]) 近 30 天 \(parts[1]) 罚款\(rule.metric == .chargebackCount ? "次数" : "金额")：\(measured)。",
          provenance: rule.provenance))
    }
    return out
  }

  /// Net shortage claimed ÷ invoiced value per purchase order, for POs claimed against in the 30
  /// days up to `asOf` (a threshold: each PO is its own group).
  func shortageRate(_ rule: AnomalyRule, _ input: ReconcileInput, _ asOf: Int) -> [Alert] {
    // market|number → the last invoice with it (by index: copying the views was most of the
    // rule's time at a hundred thousand invoices).
    var byNumber: [String: Int] = [:]
    byNumber.reserveCapacity(input.invoices.count)
    for i in input.invoices.indices {
      byNumber[input.invoices[i].marketplace + "|" + input.invoices[i].number] = i
    }
    var claimed: [String: Double] = [:]  // market|po → net claimed
    var recent: Set<String> = []
    var invoiced: [String: Double] = [:]
    var currency: [String: String] = [:]
    var counted: Set<String> = []
    for d in input.deductions {
      guard d.type.hasPrefix("shortage-claim"), d.date <= asOf,
        let base = d.base, let i = byNumber["\(d.marketplace)|\(base)"]
      else { continue }
      let inv = input.invoices[i]
      for po in inv.purchaseOrderNumbers {
        let key = "\(d.marketplace)|\(po)"
        claimed[key, default: 0] -= Double(d.amount.amount.description) ?? 0
        if asOf - d.date < 30 { recent.insert(key) }
        currency[key] = d.amount.currency.code
      }
    }
    // The invoiced value of the POs with recent claims — the only ones reported — in the
    // input's order (a dictionary's order changed from run to run, and with it the last digits
    // of the sums).
    for i in input.invoices.indices
    where !recent.isEmpty && !input.invoices[i].purchaseOrderNumbers.isEmpty
      && byNumber[input.invoices[i].marketplace + "|" + input.invoices[i].number] == i
    {
      let inv = input.invoices[i]
      for po in inv.purchaseOrderNumbers
      where recent.contains(inv.marketplace + "|" + po)
        && counted.insert("\(inv.id)|\(po)").inserted
      {
        invoiced["\(inv.marketplace)|\(po)", default: 0] +=
          (Double(inv.total.amount.description) ?? 0)
          / Double(max(1, inv.purchaseOrderNumbers.count))
      }
    }
    var out: [Alert] = []
    for key in recent.sorted() {
      guard let base = invoiced[key], base > 0, let net = claimed[key], net > 0 else { continue }
      let parts = key.split(separator: "|").map(String.init)
      let rate = net / base
      guard
        let measured = Self.judge(
          rule, parts[0], Series(current: rate, base: base, trailing: []), unit: Self.percent)
      else { continue }
      out.append(
        Alert(
          id: "\(rule.id):\(key)", rule: rule.id, level: rule.level, marketplace: parts[0],
          dueDate: nil, daysLeft: nil, records: ["PO-\(parts[0])-\(parts[1])"], amount: nil,
          measured: measured,
          en:
            "Shortage claims on PO \(parts[1]) in \(parts[0]) (\(Self.count(net)) \(currency[key] ?? "") claimed) as a share of the invoiced value: \(measured).",
          zh:
            "\(parts[0]) 采购单 \(parts[1]) 的短缺索赔（\(Self.count(net)) \(currency[key] ?? "")）占开票金额：\(measured)。",
          provenance: rule.provenance))
    }
    return out
  }

  /// Days from the due date (Amazon's, else invoice date + net days) to the payment, averaged per
  /// marketplace over the 30 days up to `asOf`, against the periods of 30 days before.
  func paymentDelay(_ rule: AnomalyRule, _ input: ReconcileInput, _ asOf: Int) -> [Alert] {
    var due: [String: Int] = [:]  // market|invoice → due day
    for v in input.invoices {
      if let d = v.due { due["\(v.marketplace)|\(v.number)"] = d }
    }
    var sums: [String: [Int: (total: Double, n: Double)]] = [:]  // market → period → delays
    for pay in input.remittances {
      guard pay.date <= asOf else { continue }
      let period = (asOf - pay.date) / 30
      for line in pay.lines where line.classification == "invoice" && !line.amountPaid.isNegative {
        guard let d = due["\(pay.marketplace)|\(line.invoiceNumber)"] else { continue }
        var entry = sums[pay.marketplace, default: [:]][period] ?? (0, 0)
        entry.total += Double(pay.date - d)
        entry.n += 1
        sums[pay.marketplace, default: [:]][period] = entry
      }
    }
    var out: [Alert] = []
    for market in sums.keys.sorted() {
      guard let now = sums[market]?[0], now.n > 0 else { continue }
      let trailing = (1...max(1, rule.trailing)).compactMap { p -> Double? in
        guard let e = sums[market]?[p], e.n > 0 else { return nil }
        return e.total / e.n
      }
      let current = now.total / now.n
      guard
        let measured = Self.judge(
          rule, market, Series(current: current, base: now.n, trailing: trailing, floor: 1),
          unit: { Self.count($0) + " days" })
      else { continue }
      out.append(
        Alert(
          id: "\(rule.id):\(market):\(CivilDate.string(asOf))", rule: rule.id, level: rule.level,
          marketplace: market, dueDate: nil, daysLeft: nil, records: [], amount: nil,
          measured: measured,
          en:
            "Payments in \(market) over the last 30 days arrived on average \(Self.count(current)) days after their due date: \(measured).",
          zh: "\(market) 近 30 天的付款平均在到期日后 \(Self.count(current)) 天到账：\(measured)。",
          provenance: rule.provenance))
    }
    return out
  }
}
