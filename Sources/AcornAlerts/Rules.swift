import AcornModel

/// Where a rule's figure comes from: Amazon's policies drift, so every alert says why its date is
/// what it is.
public struct Provenance: Sendable, Hashable {
  public var source: String
  public var retrieved: String
  public var confidence: String?
  public var note: String?

  init?(_ v: JSONValue?) {
    guard let source = v?["source"]?.stringValue, let retrieved = v?["retrieved"]?.stringValue
    else { return nil }
    self.source = source
    self.retrieved = retrieved
    confidence = v?["confidence"]?.stringValue
    note = v?["note"]?.stringValue
  }

  public init(source: String, retrieved: String, confidence: String? = nil, note: String? = nil) {
    self.source = source
    self.retrieved = retrieved
    self.confidence = confidence
    self.note = note
  }
}

public enum AlertLevel: String, Sendable, Comparable, CaseIterable {
  case info, warning, error

  var rank: Int {
    switch self {
    case .info: 0
    case .warning: 1
    case .error: 2
    }
  }

  public static func < (a: AlertLevel, b: AlertLevel) -> Bool { a.rank < b.rank }
}

/// A deadline from `rules/deadlines.yaml`: records of `kind` matching `when` are due `days` after
/// the date at `anchor`; the alert opens `warnDaysBefore` days earlier and becomes `level` once
/// the day has passed.
public struct DeadlineRule: Sendable, Hashable {
  public var id: String
  public var description: String
  public var descriptionZh: String
  public var kind: RecordKind
  /// Dotted path → accepted values; `(none)` matches an absent or empty field.
  public var when: [(path: JSONPath, values: [String])]
  public var anchor: JSONPath
  public var days: Int
  public var warnDaysBefore: Int
  public var level: AlertLevel
  public var maxDisputes: Int?
  public var provenance: Provenance

  public static func == (a: DeadlineRule, b: DeadlineRule) -> Bool { a.id == b.id }
  public func hash(into h: inout Hasher) { h.combine(id) }

  /// Rules from the parsed `rules/deadlines.yaml`; a rule that does not read is skipped here
  /// (its schema already refuses it).
  public static func parse(_ doc: JSONValue) -> [DeadlineRule] {
    (doc["deadlines"]?.arrayValue ?? []).compactMap { r in
      guard let id = r["id"]?.stringValue,
        let kind = r["kind"]?.stringValue.flatMap(RecordKind.init(rawValue:)),
        let anchor = r["anchor"]?.stringValue.flatMap(JSONPath.init(dotted:)),
        let days = r["days"]?.intValue,
        let level = r["level"]?.stringValue.flatMap(AlertLevel.init(rawValue:)),
        let provenance = Provenance(r["provenance"])
      else { return nil }
      var when: [(JSONPath, [String])] = []
      for (k, v) in (r["when"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
        guard let p = JSONPath(dotted: k) else { continue }
        when.append(
          (p, v.stringValue.map { [$0] } ?? (v.arrayValue ?? []).compactMap(\.stringValue)))
      }
      return DeadlineRule(
        id: id, description: r["description"]?.stringValue ?? id,
        descriptionZh: r["descriptionZh"]?.stringValue ?? r["description"]?.stringValue ?? id,
        kind: kind, when: when,
        anchor: anchor, days: days, warnDaysBefore: r["warnDaysBefore"]?.intValue ?? 0,
        level: level, maxDisputes: r["maxDisputes"]?.intValue, provenance: provenance)
    }
  }

  func matches(_ record: JSONValue) -> Bool {
    when.allSatisfy { condition in
      let value = record[condition.path]?.stringValue ?? ""
      return condition.values.contains { $0 == "(none)" ? value.isEmpty : $0 == value }
    }
  }
}

/// An anomaly rule from `rules/alerts.yaml`: a metric per group and period, against a threshold
/// or against its own trailing periods.
public struct AnomalyRule: Sendable, Hashable {
  public enum Metric: String, Sendable {
    /// Returned ÷ received units, per ASIN per week.
    case returnRate = "return-rate"
    /// Chargebacks per type per month (count).
    case chargebackCount = "chargeback-count"
    /// Chargebacks per type per month (amount).
    case chargebackAmount = "chargeback-amount"
    /// Shortage claimed (net of reversals) ÷ invoiced, per purchase order with claims in the
    /// last 30 days.
    case shortageRate = "shortage-rate"
    /// Days from the invoice's due date to its payment, averaged per marketplace over 30 days.
    case paymentDelay = "payment-delay"
  }

  public var id: String
  public var description: String
  public var metric: Metric
  /// Above this value (per marketplace when given) — nil: only the trend counts.
  public var above: DecimalNumber?
  public var aboveByMarketplace: [String: DecimalNumber]
  /// Or more than this many standard deviations above the group's trailing periods.
  public var sigma: DecimalNumber?
  public var trailing: Int
  /// Groups with less volume than this are not judged (no alarm on one returned unit of two).
  public var minimum: DecimalNumber
  public var level: AlertLevel
  public var provenance: Provenance?

  public static func parse(_ doc: JSONValue) -> [AnomalyRule] {
    func decimal(_ v: JSONValue?) -> DecimalNumber? {
      v?.stringValue.flatMap { try? DecimalNumber(parsing: $0) } ?? v?.decimalValue
    }
    return (doc["anomalies"]?.arrayValue ?? []).compactMap { r in
      guard let id = r["id"]?.stringValue,
        let metric = r["metric"]?.stringValue.flatMap(Metric.init(rawValue:)),
        let level = r["level"]?.stringValue.flatMap(AlertLevel.init(rawValue:))
      else { return nil }
      var byMarket: [String: DecimalNumber] = [:]
      for (m, v) in r["marketplaces"]?.objectValue ?? [:] {
        if let d = decimal(v["above"]) { byMarket[m] = d }
      }
      return AnomalyRule(
        id: id, description: r["description"]?.stringValue ?? id, metric: metric,
        above: decimal(r["above"]), aboveByMarketplace: byMarket, sigma: decimal(r["sigma"]),
        trailing: r["trailing"]?.intValue ?? 8, minimum: decimal(r["minimum"]) ?? .zero,
        level: level, provenance: Provenance(r["provenance"]))
    }
  }
}

/// The sync-health rule: a source that has not synced successfully for longer than this alerts.
public struct SyncHealthRule: Sendable, Hashable {
  public var maxDays: Int
  public var level: AlertLevel

  public init(maxDays: Int = 2, level: AlertLevel = .warning) {
    self.maxDays = maxDays
    self.level = level
  }

  public static func parse(_ doc: JSONValue) -> SyncHealthRule {
    let s = doc["syncHealth"]
    return SyncHealthRule(
      maxDays: s?["maxDaysWithoutSync"]?.intValue ?? 2,
      level: s?["level"]?.stringValue.flatMap(AlertLevel.init(rawValue:)) ?? .warning)
  }
}
