import AcornAlerts
import AcornModel
import AcornReconcile
import AcornReport
import Foundation

/// `acorn report`: the report's numbers from the records, their reconciliation (computed afresh
/// as of the report's day), the open alerts and the sync state. Reading only: nothing is written.
extension Workspace {
  public struct ReportOptions: Sendable {
    /// The day measured on; default: the end of `period`, else the latest day the records speak of.
    public var asOf: Int?
    public var marketplace: String?
    /// `YYYY-MM`: the monthly series end there (twelve months).
    public var period: String?

    public init(asOf: Int? = nil, marketplace: String? = nil, period: String? = nil) {
      self.asOf = asOf
      self.marketplace = marketplace
      self.period = period
    }
  }

  /// What the report, the alerts and the web workspace's pages read: the records, their
  /// reconciliation as of one day, the open alerts and the report built from them — computed once.
  public struct Analysis: Sendable {
    public var records: [Record]
    public var reconciliation: ReconcileResult
    public var alerts: [Alert]
    public var report: Report
  }

  public func report(_ options: ReportOptions, now: Date) throws(WorkspaceError) -> Report {
    try analysis(options, now: now).report
  }

  public func analysis(_ options: ReportOptions, now: Date) throws(WorkspaceError) -> Analysis {
    let rules = try rules()
    let settings = try reconcileRules(schemas: rules.schemas)
    let engine = try alertEngine()
    let records = allRecords()
    let today = Int(now.timeIntervalSince1970 / 86_400)
    let asOf =
      options.asOf ?? options.period.flatMap(Self.lastDay)
      ?? Reconciler.latestDay(records) ?? today
    let reconciled: ReconcileResult
    do {
      reconciled = try Reconciler(rules: settings, lifecycles: rules.lifecycles).run(
        records, asOf: asOf)
    } catch {
      throw WorkspaceError(error.code, error.message)
    }
    let sync = syncHealth()
    let alerts = engine.run(records: records, reconciliation: reconciled, sync: sync, asOf: asOf)
    let report = ReportBuilder().build(
      records: records, reconciliation: reconciled, alerts: alerts, sync: sync, asOf: asOf,
      marketplace: options.marketplace, period: options.period)
    return Analysis(records: records, reconciliation: reconciled, alerts: alerts, report: report)
  }

  /// The last day of a month `YYYY-MM`.
  static func lastDay(_ month: String) -> Int? {
    guard month.count == 7, let y = Int(month.prefix(4)), let m = Int(month.suffix(2)),
      (1...12).contains(m)
    else { return nil }
    return CivilDate.daysFromCivil(y, m, CivilDate.daysIn(month: m, year: y))
  }
}
