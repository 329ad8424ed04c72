import AcornAlerts
import AcornModel
import AcornReconcile
import Foundation

/// `acorn alerts`: deadlines, anomalies and sync health over the records, their reconciliation
/// and the sync state.
extension Workspace {
  public struct AlertOptions: Sendable {
    public var asOf: Int
    public var marketplace: String?

    public init(asOf: Int, marketplace: String? = nil) {
      self.asOf = asOf
      self.marketplace = marketplace
    }
  }

  /// Loads a rules file checked against its schema; nil when it is absent (its defaults apply),
  /// refused (exit 2) when it does not load. The schemas are loaded once for several files.
  func optionalRules(
    _ file: String, schema: String, _ schemas: inout (JSONSchemaSet, [Finding])?
  ) throws(WorkspaceError) -> JSONValue? {
    guard FileSystem.exists(path(file)) else { return nil }
    if schemas == nil {
      var found: [Finding] = []
      schemas = (loadSchemas(into: &found), found)
    }
    guard let (set, loaded) = schemas else { return nil }
    var findings = loaded
    guard let value = loadSetting(file, schema: schema, set, &findings) else {
      throw Self.rulesError(findings.filter { $0.severity == .error }.sorted())
    }
    return value
  }

  /// The engine configured from `rules/deadlines.yaml` and `rules/alerts.yaml`.
  public func alertEngine() throws(WorkspaceError) -> AlertEngine {
    var schemas: (JSONSchemaSet, [Finding])?
    let deadlines = try optionalRules(
      "rules/deadlines.yaml", schema: "deadlines.schema.json", &schemas)
    let alerts = try optionalRules("rules/alerts.yaml", schema: "alerts.schema.json", &schemas)
    return AlertEngine(
      deadlines: deadlines.map(DeadlineRule.parse) ?? [],
      anomalies: alerts.map(AnomalyRule.parse) ?? [],
      syncHealth: alerts.map(SyncHealthRule.parse) ?? SyncHealthRule())
  }

  /// The sync state per source and marketplace, from `sync/<source>.json`.
  public func syncHealth() -> [SyncHealth] {
    syncStates().map { s in
      SyncHealth(
        source: s.source, marketplace: s.marketplace,
        lastSuccess: s.lastRun.flatMap { CivilDate.day(String($0.prefix(10))) },
        lastError: s.lastError)
    }
  }

  public func alerts(_ options: AlertOptions) throws(WorkspaceError) -> [Alert] {
    let rules = try rules()
    let engine = try alertEngine()
    let input = alertInput(engine)
    let settings = try reconcileRules(schemas: rules.schemas)
    let reconciled: ReconcileResult
    do {
      reconciled = try Reconciler(rules: settings, lifecycles: rules.lifecycles).run(
        input.reconcile, asOf: options.asOf)
    } catch {
      throw WorkspaceError(error.code, error.message)
    }
    let all = engine.run(
      input, reconciliation: reconciled, sync: syncHealth(), asOf: options.asOf)
    guard let m = options.marketplace else { return all }
    return all.filter { $0.marketplace == m }
  }

  /// What the alert engine (and the reconciler) read of every record file, read on every core;
  /// the records' JSON is dropped as each file is read.
  func alertInput(_ engine: AlertEngine) -> AlertInput {
    Self.merged(
      foldRecords(
        AlertInput(deadlines: engine.deadlines), { $0.add($1) },
        unreadable: { $0.reconcile.unreadable.append($1) }), engine)
  }

  /// The same, read from the index, which must be up to date with the working tree.
  func indexedAlertInput(_ engine: AlertEngine) throws(WorkspaceError) -> AlertInput {
    Self.merged(
      try foldIndexedRecords(
        AlertInput(deadlines: engine.deadlines), { $0.add($1) },
        unreadable: { $0.reconcile.unreadable.append($1) }), engine)
  }

  /// The parts a fold made, in order, as one input.
  static func merged(_ parts: [AlertInput], _ engine: AlertEngine) -> AlertInput {
    parts.reduce(into: AlertInput(deadlines: engine.deadlines)) { $0.merge($1) }
  }
}
