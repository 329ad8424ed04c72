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
    let upgraded = try upgradeForOutbound(author: author)
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

  /// A workspace made before outbound documents gets what they need from the template, in the
  /// same commit as its first draft: `schemas/outbound.schema.json`; `outbound` in the record
  /// kinds of `schemas/lifecycles.schema.json` and `schemas/deadlines.schema.json` and `draft`
  /// among the provenance origins of `schemas/common.schema.json` (each added in place, the rest
  /// of the file kept); the `outbound` lifecycle in `rules/lifecycles.yaml` (after
  /// `lifecycles:`). All or nothing: when the result does not load, every file is put back.
  /// Returns the files changed.
  func upgradeForOutbound(author: Signature) throws(WorkspaceError) -> [String] {
    let schemaFile = "schemas/" + RecordKind.outbound.schemaFileName
    let lifecycles = "rules/lifecycles.yaml"
    func text(_ rel: String) -> String? {
      (try? FileSystem.read(path(rel))).flatMap { String(validating: $0, as: UTF8.self) }
    }
    func template(_ rel: String) -> String? {
      TemplateFiles.all.first(where: { $0.path == rel })?.content
    }
    var writes: [(String, String)] = []
    if !FileSystem.exists(path(schemaFile)), let t = template(schemaFile) {
      writes.append((schemaFile, t))
    }
    // Acorn's own schemas, as an older template wrote them: replaced by the current template;
    // a schema someone changed is left alone (and the upgrade refused below if it is needed).
    for (rel, values, keys) in [
      ("schemas/lifecycles.schema.json", Set(["outbound"]), Set(["when"])),
      ("schemas/deadlines.schema.json", Set(["outbound"]), Set<String>()),
      ("schemas/common.schema.json", Set(["draft"]), Set<String>()),
    ] {
      guard let t = text(rel), let tpl = template(rel),
        let mine = try? JSONParser.parse(Array(t.utf8)).value,
        let theirs = try? JSONParser.parse(Array(tpl.utf8)).value, mine != theirs,
        Self.without(values, keys, in: theirs) == mine
      else { continue }
      writes.append((rel, tpl))
    }
    if let t = text(lifecycles), !t.contains("\n  outbound:\n"), let tpl = template(lifecycles),
      let start = tpl.range(of: "\n  outbound:\n"),
      let end = tpl.range(of: "\n\n", range: start.upperBound..<tpl.endIndex),
      let anchor = t.range(of: "\nlifecycles:\n")
    {
      var u = t
      u.insert(
        contentsOf: String(tpl[tpl.index(after: start.lowerBound)..<end.lowerBound]) + "\n\n",
        at: anchor.upperBound)
      writes.append((lifecycles, u))
    }
    guard !writes.isEmpty else { return [] }
    let current = try? rules()
    if let team = current?.team, team.enforcesRoles,
      team.member(author.email)?.roles.contains("admin") != true
    {
      throw WorkspaceError(
        "outbound.upgrade",
        "this workspace predates outbound documents: its first draft adds them to schemas/ and rules/lifecycles.yaml, which only an admin may change; ask an admin to draft once",
        refusal: true)
    }
    var originals: [(String, [UInt8]?)] = []
    func restore() {
      for (rel, bytes) in originals {
        if let bytes {
          try? FileSystem.writeAtomically(bytes, to: try writablePath(rel))
        } else {
          try? FileManager.default.removeItem(atPath: path(rel))
        }
      }
    }
    for (rel, content) in writes {
      originals.append((rel, try? FileSystem.read(path(rel))))
      do { try FileSystem.writeAtomically(Array(content.utf8), to: try writablePath(rel)) } catch {
        restore()
        throw WorkspaceError("outbound.upgrade", "cannot write \(rel)", cause: error)
      }
    }
    guard (try? rules())?.lifecycles.lifecycles["outbound"] != nil else {
      restore()
      throw WorkspaceError(
        "outbound.upgrade",
        "this workspace predates outbound documents and Acorn could not add them to its schemas and rules/lifecycles.yaml; copy schemas/outbound.schema.json and the outbound lifecycle from a new workspace (acorn init)"
      )
    }
    return writes.map(\.0)
  }

  /// A schema without what a later template added: `values` taken out of every `enum`, `keys`
  /// out of every `properties`.
  static func without(_ values: Set<String>, _ keys: Set<String>, in v: JSONValue) -> JSONValue {
    switch v {
    case .object(let o):
      var out: [String: JSONValue] = [:]
      for (k, x) in o {
        if k == "enum", let list = x.arrayValue {
          out[k] = .array(list.filter { !values.contains($0.stringValue ?? "") })
        } else if k == "properties", let props = x.objectValue {
          out[k] = .object(
            props.filter { !keys.contains($0.key) }.mapValues { without(values, keys, in: $0) })
        } else {
          out[k] = without(values, keys, in: x)
        }
      }
      return .object(out)
    case .array(let a): return .array(a.map { without(values, keys, in: $0) })
    default: return v
    }
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
