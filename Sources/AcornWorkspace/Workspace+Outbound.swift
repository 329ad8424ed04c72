import AcornGit
import AcornModel
import AcornOutbound
import Foundation

/// Outbound documents in the workspace (docs/outbound.md): `acorn draft` writes and commits
/// them after the pure checks of `AcornOutbound`; `acorn submit` records each step of sending
/// through `updateOutbound`, committed before it is reported; `acorn export --format x12` writes
/// them as X12 with control numbers kept in `outbound/x12-control.json`, never reused.
extension Workspace {
  public static let x12ControlFile = "outbound/x12-control.json"

  /// The purchase orders named (PO numbers, or record ids `PO-US-…`) and the one marketplace
  /// they are in.
  public func resolvePurchaseOrders(_ names: [String], marketplace: Marketplace?)
    throws(WorkspaceError) -> (Marketplace, [String])
  {
    var market = marketplace
    var numbers: [String] = []
    let all = listRecords(kind: .purchaseOrder, marketplace: marketplace)
    for name in names {
      let hits = all.filter { e in
        e.id == name || e.id == "\(RecordKind.purchaseOrder.idPrefix)-\(e.marketplace)-\(name)"
      }
      let markets = Set(hits.map(\.marketplace))
      guard let first = hits.first else {
        throw WorkspaceError(
          "outbound.unknown-po",
          "no purchase order \(name)\(marketplace.map { " in \($0.code)" } ?? ""); sync or import it first (acorn list --kind purchase-order)",
          refusal: true)
      }
      guard markets.count == 1 else {
        throw WorkspaceError(
          "outbound.marketplace",
          "\(name) is a purchase order in \(markets.sorted().joined(separator: " and ")); say which with --marketplace",
          refusal: true)
      }
      guard let m = Marketplace(first.marketplace) else {
        throw WorkspaceError("outbound.marketplace", "\(first.path) has no known marketplace")
      }
      if let market, market != m {
        throw WorkspaceError(
          "outbound.marketplace",
          "\(name) is in \(m.code), the other documents in \(market.code); one document, one marketplace",
          refusal: true)
      }
      market = m
      let po = try readRecord(first)
      numbers.append(po.json["source"]?["purchaseOrderNumber"]?.stringValue ?? name)
    }
    guard let market else {
      throw WorkspaceError("outbound.usage", "name at least one purchase order", refusal: true)
    }
    return (market, numbers)
  }

  /// What drafting and sending check a document against, for one marketplace.
  public func outboundContext(marketplace: Marketplace, now: Date) throws(WorkspaceError)
    -> OutboundContext
  {
    func records(_ kind: RecordKind) throws(WorkspaceError) -> [Record] {
      var out: [Record] = []
      for e in listRecords(kind: kind, marketplace: marketplace) { out.append(try readRecord(e)) }
      return out
    }
    let settings = try self.settings()
    let vendor = settings["vendorCodes"]?.arrayValue?.first?.stringValue ?? "VENDOR"
    return OutboundContext(
      marketplace: marketplace, vendorCode: vendor,
      purchaseOrders: try records(.purchaseOrder), shipments: try records(.shipment),
      invoices: try records(.invoice), outbound: try records(.outbound),
      now: Self.timestamp(now))
  }

  public struct DraftResult: Sendable {
    public var record: Record
    public var path: String
    public var commit: ObjectID?
    /// A draft of the same document was replaced.
    public var replaced: Bool
    /// Files added to a workspace made before outbound documents existed.
    public var upgraded: [String]
  }

  /// Writes the draft `make` builds from the marketplace's documents, checks it like any record
  /// (schema, invariants, lifecycle, roles) and commits it. A refusal changes nothing.
  public func draft(
    marketplace: Marketplace, author: Signature, now: Date,
    _ make: (OutboundContext) throws(OutboundError) -> Record
  ) throws(WorkspaceError) -> DraftResult {
    let lock = try WorkspaceLock.acquire(self)
    defer { lock.release() }
    let upgraded = try upgradeForOutbound()
    let context = try outboundContext(marketplace: marketplace, now: now)
    var record: Record
    do { record = try make(context) } catch {
      throw WorkspaceError(error.code, error.message, refusal: true)
    }
    guard let id = record.id else {
      throw WorkspaceError("outbound.record", "the draft has no id")
    }
    let previous = listRecords(kind: .outbound, marketplace: marketplace).first { $0.id == id }
    var original: JSONValue?
    if let previous {
      let old = try readRecord(previous)
      original = old.json
      // Re-drafting keeps the team's notes and assignee.
      if var w = old.json["workflow"]?.objectValue {
        w["state"] = .string("draft")
        record.json =
          record.json.setting(.object(w), at: JSONPath([.key("workflow")])) ?? record.json
      }
    }
    let rules = try rules()
    let rel: String
    do { rel = try record.expectedPath().relativePath } catch {
      throw WorkspaceError(error.code, "cannot place \(id): \(error)")
    }
    var ids: [String: String] = [:]
    let problems = validateRecord(
      bytes: record.canonicalBytes, at: rel, schemas: rules.schemas, lifecycles: rules.lifecycles,
      marketplaces: [], ids: &ids
    ).filter { $0.severity == .error }
    if !problems.isEmpty {
      throw WorkspaceError(
        "outbound.invalid",
        "refusing the draft \(id): "
          + problems.map { "\($0.path ?? "$"): \($0.message)" }.joined(separator: "; "),
        refusal: true)
    }
    let forbidden = roleProblems(
      id: id, kind: .outbound, old: original, new: record.json, author: author, rules: rules)
    if !forbidden.isEmpty {
      throw WorkspaceError("role.forbidden", forbidden.joined(separator: "; "), refusal: true)
    }
    if let original, original == record.json {
      return DraftResult(
        record: record, path: rel, commit: nil, replaced: false, upgraded: upgraded)
    }
    try write(record)
    let view = OutboundView(record)
    let what = view.map { "\($0.type.title) \($0.number)" } ?? id
    let commit = try self.commit(
      paths: [rel] + upgraded,
      message:
        "Draft \(what) (\(id))\(previous == nil ? "" : ", replacing the earlier draft")\n",
      author: author)
    return DraftResult(
      record: record, path: rel, commit: commit, replaced: previous != nil, upgraded: upgraded)
  }

  /// A workspace made before outbound documents gets the template's schema and lifecycle:
  /// `schemas/outbound.schema.json` is written and the `outbound` lifecycle is added to
  /// `rules/lifecycles.yaml` (after `lifecycles:`). Returns the files changed (committed with the
  /// draft).
  func upgradeForOutbound() throws(WorkspaceError) -> [String] {
    var changed: [String] = []
    let schemaFile = "schemas/" + RecordKind.outbound.schemaFileName
    if !FileSystem.exists(path(schemaFile)),
      let content = TemplateFiles.all.first(where: { $0.path == schemaFile })?.content
    {
      do { try FileSystem.writeAtomically(Array(content.utf8), to: path(schemaFile)) } catch {
        throw WorkspaceError("outbound.upgrade", "cannot write \(schemaFile)", cause: error)
      }
      changed.append(schemaFile)
    }
    let lifecycles = "rules/lifecycles.yaml"
    if let bytes = try? FileSystem.read(path(lifecycles)),
      let text = String(validating: bytes, as: UTF8.self),
      (try? rules().lifecycles.lifecycles["outbound"]) == nil,
      let template = TemplateFiles.all.first(where: { $0.path == lifecycles })?.content,
      let start = template.range(of: "\n  outbound:\n"),
      let end = template.range(of: "\n\n", range: start.upperBound..<template.endIndex)
        ?? template.range(of: "\n#", range: start.upperBound..<template.endIndex),
      let anchor = text.range(of: "\nlifecycles:\n")
    {
      let block = String(template[template.index(after: start.lowerBound)..<end.lowerBound])
      var updated = text
      updated.insert(contentsOf: block + "\n\n", at: anchor.upperBound)
      do { try FileSystem.writeAtomically(Array(updated.utf8), to: path(lifecycles)) } catch {
        throw WorkspaceError("outbound.upgrade", "cannot write \(lifecycles)", cause: error)
      }
      if (try? rules().lifecycles.lifecycles["outbound"]) == nil {
        try? FileSystem.writeAtomically(bytes, to: path(lifecycles))
        throw WorkspaceError(
          "outbound.upgrade",
          "\(lifecycles) has no outbound lifecycle and Acorn could not add it; copy it from workspace-template/rules/lifecycles.yaml"
        )
      }
      changed.append(lifecycles)
    }
    return changed
  }

  /// Outbound documents, optionally only those in `states`.
  public func outboundDocuments(states: Set<OutboundState>? = nil) throws(WorkspaceError)
    -> [Record]
  {
    var out: [Record] = []
    for e in listRecords(kind: .outbound) {
      let r = try readRecord(e)
      if let states, let v = OutboundView(r), !states.contains(v.state) { continue }
      out.append(r)
    }
    return out
  }

  /// Changes an outbound document's workflow (`workflow.…` fields to JSON values, nil removes)
  /// through `acorn set`'s checks — lifecycle, roles, schema — and commits; for a caller holding
  /// the workspace lock (`acorn submit` holds it from the first request to the last commit).
  public func updateOutbound(
    _ id: String, _ assignments: [(field: String, value: JSONValue?)], message: String,
    author: Signature, now: Date
  ) throws(WorkspaceError) -> ObjectID? {
    try setLocked(
      id,
      assignments: assignments.map { a in
        (
          a.field,
          a.value.map { v in v.stringValue ?? CanonicalJSON.compact(v, limit: .max) } ?? ""
        )
      }, note: nil, message: message, commit: true, author: author, now: now
    ).commit
  }

  /// Runs `body` holding the workspace lock.
  public func withLock<T>(_ body: () throws -> T) throws -> T {
    let lock = try WorkspaceLock.acquire(self)
    defer { lock.release() }
    return try body()
  }

  /// The documents as one X12 interchange, with the next control number — recorded in
  /// `outbound/x12-control.json` and committed before the text is returned, so no number is
  /// ever used twice (a failed write afterwards wastes a number, never reuses one).
  public func exportX12(_ queries: [String], set: String, author: Signature, now: Date)
    throws(WorkspaceError) -> (text: String, control: Int, ids: [String])
  {
    let lock = try WorkspaceLock.acquire(self)
    defer { lock.release() }
    var records: [Record] = []
    for q in queries {
      let r = try readRecord(try findRecord(q))
      guard let v = OutboundView(r) else {
        throw WorkspaceError(
          "x12.kind", "\(r.id ?? q) is not an outbound document (acorn draft makes them)",
          refusal: true)
      }
      guard v.type.x12Set == set else {
        throw WorkspaceError(
          "x12.set",
          "\(v.id) is \(v.type.title.hasPrefix("i") ? "an" : "a") \(v.type.title), which X12 sends as \(v.type.x12Set), not \(set)",
          refusal: true)
      }
      guard v.state != .draft, v.state != .cancelled else {
        throw WorkspaceError(
          "x12.state",
          "\(v.id) is \(v.state.rawValue); approve it first (acorn set \(v.id) workflow.state=approved)",
          refusal: true)
      }
      records.append(r)
    }
    let settings = try self.settings()
    let edi = settings["edi"]
    let sender =
      edi?["senderId"]?.stringValue ?? settings["vendorCodes"]?.arrayValue?.first?.stringValue
      ?? "VENDOR"
    let receiver = edi?["receiverId"]?.stringValue ?? "AMAZON"
    let counter = (try? FileSystem.read(path(Self.x12ControlFile))).flatMap {
      try? JSONParser.parse($0).value
    }
    let last = counter?["lastInterchangeControlNumber"]?.intValue ?? 0
    let control = last + 1
    let text: String
    do {
      text = try X12Writer.interchange(
        records,
        envelope: X12Writer.Envelope(
          sender: sender, receiver: receiver, control: control, now: Self.timestamp(now),
          usage: edi?["usage"]?.stringValue ?? "P"))
    } catch {
      throw WorkspaceError(error.code, error.message, refusal: true)
    }
    let ids = records.compactMap(\.id)
    var log = counter?["interchanges"]?.arrayValue ?? []
    log.append(
      .object([
        "control": .number(DecimalNumber(control)), "set": .string(set),
        "documents": .array(ids.map(JSONValue.string)), "at": .string(Self.timestamp(now)),
      ]))
    let json: JSONValue = .object([
      "lastInterchangeControlNumber": .number(DecimalNumber(control)), "interchanges": .array(log),
    ])
    do {
      try FileSystem.writeAtomically(CanonicalJSON.bytes(json), to: path(Self.x12ControlFile))
    } catch {
      throw WorkspaceError("x12.control", "cannot write \(Self.x12ControlFile)", cause: error)
    }
    _ = try commit(
      paths: [Self.x12ControlFile],
      message: "X12 \(set) interchange \(control): \(ids.joined(separator: ", "))\n",
      author: author)
    return (text, control, ids)
  }
}
