import AcornExport
import AcornGit
import AcornModel
import Foundation

/// `acorn export`: the journal built from the records through `rules/accounts.yaml`, in one of
/// the export formats. With a period, what is exported is recorded in
/// `exports/<format>/<YYYY-MM>[.<MKT>].json` and committed: exporting the period again gives the
/// same vouchers (the same bytes when nothing changed), and a voucher exported once is never
/// exported again in another period.
extension Workspace {
  public static let exportsFolder = "exports"

  public struct ExportOptions: Sendable {
    public var format: ExportFormat
    /// `YYYY-MM`; nil exports the whole journal and records nothing.
    public var period: String?
    public var marketplace: String?
    /// Record and commit what was exported (with a period).
    public var record: Bool

    public init(
      format: ExportFormat, period: String? = nil, marketplace: String? = nil, record: Bool = true
    ) {
      self.format = format
      self.period = period
      self.marketplace = marketplace
      self.record = record
    }
  }

  public struct ExportOutcome: Sendable {
    public var vouchers: [Voucher]
    public var plan: AccountPlan
    /// The register file written (relative path), when a period was recorded for the first time.
    public var register: String?
    public var commit: ObjectID?
    /// Vouchers exported before whose content has changed since (by digest): they are exported as
    /// they are now, and the caller should say so.
    public var changedSinceExport: [String]
    /// Vouchers dated in earlier months that had not been exported yet (late arrivals).
    public var lateArrivals: [String]
  }

  /// `rules/accounts.yaml` as an account plan; refused (with the file and field named) when it
  /// is missing, off its schema or names an account it does not define.
  public func accountPlan() throws(WorkspaceError) -> AccountPlan {
    let file = "rules/accounts.yaml"
    var findings: [Finding] = []
    let schemas = loadSchemas(into: &findings)
    guard let value = loadSetting(file, schema: "accounts.schema.json", schemas, &findings) else {
      throw Self.rulesError(findings.filter { $0.severity == .error }.sorted())
    }
    do { return try AccountPlan(value, file: file) } catch {
      throw WorkspaceError(error.code, error.message)
    }
  }

  /// Every voucher of the workspace's journal (all marketplaces, all months), balanced.
  public func journal() throws(WorkspaceError) -> (AccountPlan, [Voucher]) {
    let plan = try accountPlan()
    do { return (plan, try JournalBuilder(plan: plan).vouchers(allRecords())) } catch {
      throw WorkspaceError(error.code, error.message)
    }
  }

  static func registerPath(_ format: ExportFormat, period: String, marketplace: String?) -> String {
    "\(exportsFolder)/\(format.rawValue)/\(period)\(marketplace.map { "." + $0 } ?? "").json"
  }

  /// What the register files of a format say was exported: voucher id → (file, digest).
  func exported(_ format: ExportFormat) -> [String: (file: String, digest: String)] {
    var out: [String: (String, String)] = [:]
    let folder = "\(Self.exportsFolder)/\(format.rawValue)"
    for name in FileSystem.files(under: path(folder)) where name.hasSuffix(".json") {
      let rel = folder + "/" + name
      guard let bytes = try? FileSystem.read(path(rel)),
        let value = try? JSONParser.parse(bytes).value
      else { continue }
      for v in value["vouchers"]?.arrayValue ?? [] {
        if let id = v["id"]?.stringValue { out[id] = (rel, v["digest"]?.stringValue ?? "") }
      }
    }
    return out
  }

  public func export(_ options: ExportOptions, author: Signature) throws(WorkspaceError)
    -> ExportOutcome
  {
    let lock = try WorkspaceLock.acquire(self)
    defer { lock.release() }
    let (plan, all) = try journal()
    var vouchers = all.filter {
      options.marketplace == nil || $0.marketplace == options.marketplace
    }
    guard let period = options.period else {
      return ExportOutcome(
        vouchers: vouchers, plan: plan, register: nil, commit: nil, changedSinceExport: [],
        lateArrivals: [])
    }
    let registerRel = Self.registerPath(
      options.format, period: period, marketplace: options.marketplace)
    let done = exported(options.format)
    var changed: [String] = []
    var late: [String] = []
    var register: String?
    var commit: ObjectID?
    if let bytes = try? FileSystem.read(path(registerRel)) {
      // Exported before: the same vouchers again.
      guard let value = try? JSONParser.parse(bytes).value else {
        throw WorkspaceError(
          "export.register", "\(registerRel) is not valid JSON; restore it from git")
      }
      let recorded = (value["vouchers"]?.arrayValue ?? []).compactMap { v in
        v["id"]?.stringValue.map { ($0, v["digest"]?.stringValue ?? "") }
      }
      let byID = Dictionary(all.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
      vouchers = []
      for (id, digest) in recorded {
        guard let v = byID[id] else {
          throw WorkspaceError(
            "export.register",
            "\(registerRel) lists \(id), which the records no longer give; the exported period cannot be reproduced"
          )
        }
        if v.digest != digest { changed.append(id) }
        vouchers.append(v)
      }
    } else {
      // First export of the period: its vouchers, and earlier ones never exported (late arrivals).
      vouchers = vouchers.filter { $0.month <= period && done[$0.id] == nil }
      late = vouchers.filter { $0.month < period }.map(\.id)
      if options.record && !vouchers.isEmpty {
        let value = JSONValue.object([
          "format": .string(options.format.rawValue), "period": .string(period),
          "marketplace": options.marketplace.map(JSONValue.string) ?? .null,
          "vouchers": .array(
            vouchers.map { .object(["id": .string($0.id), "digest": .string($0.digest)]) }),
        ])
        do {
          try FileSystem.writeAtomically(
            CanonicalJSON.bytes(value), to: try writablePath(registerRel))
        } catch {
          throw WorkspaceError(
            "export.write", "cannot write \(registerRel)", cause: error)
        }
        register = registerRel
        // A register that is not committed would make the next export skip what no commit holds.
        do {
          commit = try self.commit(
            paths: [registerRel],
            message:
              "Export \(options.format.rawValue) \(period)\(options.marketplace.map { " " + $0 } ?? ""): \(vouchers.count) voucher\(vouchers.count == 1 ? "" : "s")\n\nRecorded in \(registerRel) so the period re-exports the same entries and none is exported twice.\n",
            author: author)
        } catch {
          try? FileSystem.remove(path(registerRel))
          throw error
        }
      }
    }
    return ExportOutcome(
      vouchers: vouchers, plan: plan, register: register, commit: commit,
      changedSinceExport: changed, lateArrivals: late)
  }
}
