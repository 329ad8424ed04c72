import AcornModel

/// Which side of a merge.
public enum Side: String, Sendable, Hashable {
  case ours, theirs

  public var other: Side { self == .ours ? .theirs : .ours }
}

/// A merge rule from a schema's `x-acorn-merge` annotation (docs/merge-rules.md).
public enum MergeRule: Sendable, Hashable {
  /// Amazon's side: the vendor-central side wins; between two team branches, merged field by field.
  case source
  /// The default: take the one side that changed; both changed differently is a conflict.
  case lwwOrConflict
  /// Join on a state machine: the later state wins when one is reachable from the other.
  case lifecycle(String)
  /// Arrays of objects matched by a key field; elements merged field by field.
  case unionByKey(String)
  /// Sets of ids: three-way set union.
  case union
  /// Notes and evidence: entries from both sides, no duplicates, in time order.
  case appendLog
  /// Counters: the larger value.
  case max
  /// Never changes after creation; a change is a violation.
  case immutable
  /// Recomputed after the merge; never a conflict.
  case derived
  /// The record's open conflicts.
  case conflicts

  public init?(annotation: String, key: String? = nil) {
    switch annotation {
    case "source": self = .source
    case "lww-or-conflict": self = .lwwOrConflict
    case "union": self = .union
    case "append-log": self = .appendLog
    case "max": self = .max
    case "immutable": self = .immutable
    case "derived": self = .derived
    case "conflicts": self = .conflicts
    case "union-by-key":
      guard let key else { return nil }
      self = .unionByKey(key)
    default:
      guard annotation.hasPrefix("lifecycle:") else { return nil }
      self = .lifecycle(String(annotation.dropFirst("lifecycle:".count)))
    }
  }

  public var name: String {
    switch self {
    case .source: "source"
    case .lwwOrConflict: "lww-or-conflict"
    case .lifecycle(let n): "lifecycle:\(n)"
    case .unionByKey: "union-by-key"
    case .union: "union"
    case .appendLog: "append-log"
    case .max: "max"
    case .immutable: "immutable"
    case .derived: "derived"
    case .conflicts: "conflicts"
    }
  }
}

/// A field the merge could not decide, carried in the record until someone resolves it.
public struct Conflict: Sendable, Hashable, Comparable {
  /// `workflow.state`, `source.lines[#2].netCost`, or `$` for the whole record (delete vs edit).
  public var field: String
  public var base: JSONValue?
  public var ours: JSONValue?
  public var theirs: JSONValue?
  public var reason: String
  public var rule: String

  public init(
    field: String, base: JSONValue?, ours: JSONValue?, theirs: JSONValue?, reason: String,
    rule: String
  ) {
    self.field = field
    self.base = base
    self.ours = ours
    self.theirs = theirs
    self.reason = reason
    self.rule = rule
  }

  /// The same conflict seen from the other side.
  public var swapped: Conflict {
    Conflict(field: field, base: base, ours: theirs, theirs: ours, reason: reason, rule: rule)
  }

  /// The form stored in a record's `conflicts` array.
  public var json: JSONValue {
    var o: [String: JSONValue] = [
      "field": .string(field), "reason": .string(reason), "rule": .string(rule),
    ]
    if let base { o["base"] = base }
    if let ours { o["ours"] = ours }
    if let theirs { o["theirs"] = theirs }
    return .object(o)
  }

  public init?(json: JSONValue) {
    guard let field = json["field"]?.stringValue, let reason = json["reason"]?.stringValue else {
      return nil
    }
    self.init(
      field: field, base: json["base"], ours: json["ours"], theirs: json["theirs"], reason: reason,
      rule: json["rule"]?.stringValue ?? "")
  }

  public static func < (a: Conflict, b: Conflict) -> Bool {
    if a.field != b.field { return CanonicalJSON.keyPrecedes(a.field, b.field) }
    return CanonicalJSON.keyPrecedes(
      CanonicalJSON.compact(a.json, limit: .max), CanonicalJSON.compact(b.json, limit: .max))
  }
}

/// What the engine needs to know: the rule at each field and the lifecycles. Pure data.
public struct MergePolicy: Sendable {
  /// The rule annotated at a field (array elements given as `.index(0)`), or nil to inherit.
  public var rule: @Sendable (JSONPath) -> MergeRule?
  public var lifecycles: [String: Lifecycle]
  /// The side that is the vendor-central (sync) branch, whose `source` fields win; nil when
  /// merging two team branches.
  public var sourceSide: Side?

  public init(
    rule: @escaping @Sendable (JSONPath) -> MergeRule?, lifecycles: [String: Lifecycle],
    sourceSide: Side?
  ) {
    self.rule = rule
    self.lifecycles = lifecycles
    self.sourceSide = sourceSide
  }

  /// The same policy with the sides exchanged.
  public var swapped: MergePolicy {
    MergePolicy(rule: rule, lifecycles: lifecycles, sourceSide: sourceSide?.other)
  }
}

/// The result of merging one record: the merged record (nil when deleted) and the conflicts
/// this merge raised (also stored in the merged record's `conflicts`, with earlier open ones).
public struct MergeResult: Sendable, Equatable {
  public var merged: JSONValue?
  public var conflicts: [Conflict]

  public init(merged: JSONValue?, conflicts: [Conflict]) {
    self.merged = merged
    self.conflicts = conflicts
  }
}

/// The three-way merge of one record, field by field (docs/merge-rules.md). Pure and
/// deterministic; swapping the sides gives the same record and the same conflicts, swapped.
public enum RecordMerge {
  public static func merge(
    base: JSONValue?, ours: JSONValue?, theirs: JSONValue?, policy: MergePolicy
  ) -> MergeResult {
    // Records are compared in their normal form (lines and id sets in their canonical order), as
    // the merge writes them: a side whose file lists the same lines in another order (a hand
    // edit) has not changed them, and merging a result again never reorders into a conflict.
    let base = base.map(RecordOrder.normalized)
    let ours = ours.map(RecordOrder.normalized)
    let theirs = theirs.map(RecordOrder.normalized)
    // R1: both sides agree.
    if ours == theirs { return MergeResult(merged: ours, conflicts: []) }
    // R2: one side did nothing.
    if ours == base { return MergeResult(merged: theirs, conflicts: []) }
    if theirs == base { return MergeResult(merged: ours, conflicts: []) }
    // R3: deleted on one side, changed on the other: keep the changed record, flag it.
    guard let ours, let theirs else {
      let kept = ours ?? theirs
      let conflict = Conflict(
        field: "$", base: nil, ours: ours == nil ? nil : .string("changed"),
        theirs: theirs == nil ? nil : .string("changed"),
        reason: "deleted on one side, changed on the other",
        rule: "record")
      return MergeResult(
        merged: kept.map { attach([conflict], to: $0, existing: existing(base, ours, theirs)) },
        conflicts: [conflict])
    }
    var engine = Engine(policy: policy)
    var merged =
      engine.value(
        FieldPath.root, JSONPath.root, base: base ?? .object([:]), ours: ours, theirs: theirs,
        inherited: .lwwOrConflict)
      ?? .object([:])
    let raised = engine.conflicts.sorted()
    merged = attach(raised, to: merged, existing: existing(base, ours, theirs))
    return MergeResult(merged: RecordOrder.normalized(merged), conflicts: raised)
  }

  /// Open conflicts already in the records: a three-way set merge of the three `conflicts` arrays.
  static func existing(_ base: JSONValue?, _ ours: JSONValue?, _ theirs: JSONValue?) -> [JSONValue]
  {
    threeWaySet(
      base?["conflicts"]?.arrayValue ?? [], ours?["conflicts"]?.arrayValue ?? [],
      theirs?["conflicts"]?.arrayValue ?? [])
  }

  /// Stores conflicts in the record: new ones replace earlier ones on the same field.
  static func attach(_ raised: [Conflict], to record: JSONValue, existing: [JSONValue]) -> JSONValue
  {
    let fields = Set(raised.map(\.field))
    let kept = existing.filter { !fields.contains($0["field"]?.stringValue ?? "") }
    let all = (kept.compactMap(Conflict.init(json:)) + raised).sorted()
    guard case .object(var members) = record else { return record }
    if all.isEmpty {
      members.removeValue(forKey: "conflicts")
    } else {
      members["conflicts"] = .array(all.map(\.json))
    }
    return .object(members)
  }

  /// Elements in the result: in both sides, or added by one side (not in base). An element the
  /// other side removed stays removed. Sorted canonically, so the result is the same either way round.
  static func threeWaySet(_ base: [JSONValue], _ ours: [JSONValue], _ theirs: [JSONValue])
    -> [JSONValue]
  {
    let b = Set(base)
    let o = Set(ours)
    let t = Set(theirs)
    let result = o.intersection(t).union(o.subtracting(b)).union(t.subtracting(b))
    return result.sorted {
      CanonicalJSON.keyPrecedes(
        CanonicalJSON.compact($0, limit: .max), CanonicalJSON.compact($1, limit: .max))
    }
  }
}

/// One merge in progress: walks the three values with the rules, collecting conflicts.
struct Engine {
  let policy: MergePolicy
  var conflicts: [Conflict] = []

  init(policy: MergePolicy) { self.policy = policy }

  mutating func conflict(
    _ field: FieldPath, _ base: JSONValue?, _ ours: JSONValue?, _ theirs: JSONValue?,
    _ rule: MergeRule, _ reason: String
  ) {
    conflicts.append(
      Conflict(
        field: field.description, base: base, ours: ours, theirs: theirs, reason: reason,
        rule: rule.name))
  }

  /// What stays in a conflicted field: the base value, or — for a field both sides added — the
  /// smaller canonical value, so the file stays valid and the choice does not depend on the side.
  static func keep(_ base: JSONValue?, _ ours: JSONValue?, _ theirs: JSONValue?) -> JSONValue? {
    if let base { return base }
    let candidates = [ours, theirs].compactMap { $0 }
    return candidates.min {
      CanonicalJSON.keyPrecedes(
        CanonicalJSON.compact($0, limit: .max), CanonicalJSON.compact($1, limit: .max))
    }
  }

  static func isPlainObject(_ v: JSONValue?) -> Bool {
    guard case .object = v else { return false }
    return !Money.isMoneyObject(v ?? .null)
  }

  mutating func value(
    _ field: FieldPath, _ schemaPath: JSONPath, base: JSONValue?, ours: JSONValue?,
    theirs: JSONValue?, inherited: MergeRule
  ) -> JSONValue? {
    let rule = policy.rule(schemaPath) ?? inherited
    if case .conflicts = rule { return ours }  // handled by RecordMerge.attach
    if ours == theirs { return ours }
    switch rule {
    case .derived:
      // Recomputed after the merge; until then the side that changed, or — both changed — the
      // smaller canonical value, so the result never depends on which side is ours.
      if ours == base { return theirs }
      if theirs == base { return ours }
      let candidates = [ours, theirs].compactMap { $0 }
      return candidates.min {
        CanonicalJSON.keyPrecedes(
          CanonicalJSON.compact($0, limit: .max), CanonicalJSON.compact($1, limit: .max))
      }
    case .source:
      if let side = policy.sourceSide { return side == .ours ? ours : theirs }
      return generic(field, schemaPath, base, ours, theirs, rule: rule)
    case .immutable:
      // Set once: a side may fill it in when the record is new, never change it.
      if base == nil, ours == nil { return theirs }
      if base == nil, theirs == nil { return ours }
      return keepImmutable(field, base, ours, theirs)
    case .max:
      if ours == base { return theirs }
      if theirs == base { return ours }
      if let o = ours?.decimalValue, let t = theirs?.decimalValue { return o < t ? theirs : ours }
      guard ours != nil, theirs != nil else { return ours ?? theirs }
      // M23: a side that is not a number has no maximum with the other: a conflict, as for
      // lww-or-conflict, so the result never depends on which side is ours.
      return generic(field, schemaPath, base, ours, theirs, rule: rule)
    case .lifecycle(let name):
      return lifecycle(field, name, base, ours, theirs, rule: rule)
    case .union, .appendLog:
      if ours == base { return theirs }
      if theirs == base { return ours }
      guard case .array(let o)? = ours, case .array(let t)? = theirs else {
        return generic(field, schemaPath, base, ours, theirs, rule: rule)
      }
      var merged = RecordMerge.threeWaySet(base?.arrayValue ?? [], o, t)
      if case .appendLog = rule { merged.sort(by: RecordOrder.logOrder) }
      return .array(merged)
    case .unionByKey(let key):
      if ours == base { return theirs }
      if theirs == base { return ours }
      guard case .array(let o)? = ours, case .array(let t)? = theirs else {
        return generic(field, schemaPath, base, ours, theirs, rule: rule)
      }
      let b = base?.arrayValue ?? []
      if let problem = [("base", b), ("ours", o), ("theirs", t)].lazy.compactMap({
        side, items in
        Engine.keyProblem(items, key: key).map {
          side == "base" ? "base: \($0)" : "on one side: \($0)"
        }
      }).first {
        // Matching elements by a key that repeats or is missing would drop some: a person decides.
        conflict(field, base, ours, theirs, rule, "cannot match elements by \(key) (\(problem))")
        return Engine.keep(base, ours, theirs)
      }
      return .array(keyed(field, schemaPath, key: key, b, o, t))
    case .lwwOrConflict, .conflicts:
      return generic(field, schemaPath, base, ours, theirs, rule: rule)
    }
  }

  mutating func keepImmutable(
    _ field: FieldPath, _ base: JSONValue?, _ ours: JSONValue?, _ theirs: JSONValue?
  ) -> JSONValue? {
    conflict(field, base, ours, theirs, .immutable, "an immutable field was changed")
    return Engine.keep(base, ours, theirs)
  }

  /// lww-or-conflict: the one side that changed; objects field by field; else a conflict.
  mutating func generic(
    _ field: FieldPath, _ schemaPath: JSONPath, _ base: JSONValue?, _ ours: JSONValue?,
    _ theirs: JSONValue?,
    rule: MergeRule
  ) -> JSONValue? {
    if ours == base { return theirs }
    if theirs == base { return ours }
    if Engine.isPlainObject(ours), Engine.isPlainObject(theirs),
      base == nil || Engine.isPlainObject(base)
    {
      let o = ours?.objectValue ?? [:]
      let t = theirs?.objectValue ?? [:]
      let b = base?.objectValue ?? [:]
      var out: [String: JSONValue] = [:]
      for key in Set(o.keys).union(t.keys).union(b.keys) {
        let inherited: MergeRule = rule == .source ? .source : .lwwOrConflict
        if let v = value(
          field.appending(.key(key)), schemaPath.appending(key), base: b[key], ours: o[key],
          theirs: t[key], inherited: inherited)
        {
          out[key] = v
        }
      }
      return .object(out)
    }
    let reason: String
    switch (ours, theirs) {
    case (nil, _), (_, nil): reason = "removed on one side, changed on the other"
    default: reason = "both sides changed it differently"
    }
    conflict(field, base, ours, theirs, rule == .source ? .source : .lwwOrConflict, reason)
    return Engine.keep(base, ours, theirs)
  }

  /// Lifecycle join: one side unchanged → the other; one state reachable from the other → the
  /// later; two branches of the graph → a conflict that keeps the base state.
  mutating func lifecycle(
    _ field: FieldPath, _ name: String, _ base: JSONValue?, _ ours: JSONValue?,
    _ theirs: JSONValue?, rule: MergeRule
  ) -> JSONValue? {
    if ours == base { return theirs }
    if theirs == base { return ours }
    guard let lifecycle = policy.lifecycles[name] else {
      conflict(field, base, ours, theirs, rule, "unknown lifecycle \(name)")
      return Engine.keep(base, ours, theirs)
    }
    guard let o = ours?.stringValue, let t = theirs?.stringValue else {
      conflict(field, base, ours, theirs, rule, "removed on one side, changed on the other")
      return Engine.keep(base, ours, theirs)
    }
    if lifecycle.isReachable(from: o, to: t) { return theirs }
    if lifecycle.isReachable(from: t, to: o) { return ours }
    let pair = [o, t].sorted()
    conflict(
      field, base, ours, theirs, rule,
      "\(pair[0]) and \(pair[1]) are different branches of the \(name) lifecycle; neither follows from the other"
    )
    return Engine.keep(base, ours, theirs)
  }

  /// Why elements cannot be matched by `key`: one lacks it, or two share it; nil when they can.
  static func keyProblem(_ items: [JSONValue], key: String) -> String? {
    var seen: Set<String> = []
    for item in items {
      guard let k = item[key], k != .null else { return "an element has no \(key)" }
      if !seen.insert(RecordDiff.keyText(k)).inserted {
        return "\(key) \(RecordDiff.keyText(k)) appears twice"
      }
    }
    return nil
  }

  /// Arrays of objects matched by `key`: each element merged; one side's additions and removals
  /// kept; removed on one side and changed on the other is a conflict that keeps the element.
  mutating func keyed(
    _ field: FieldPath, _ schemaPath: JSONPath, key: String, _ base: [JSONValue],
    _ ours: [JSONValue], _ theirs: [JSONValue]
  ) -> [JSONValue] {
    func index(_ items: [JSONValue]) -> [String: JSONValue] {
      Dictionary(
        items.map { (RecordDiff.keyText($0[key] ?? .null), $0) },
        uniquingKeysWith: { first, _ in first })
    }
    let b = index(base)
    let o = index(ours)
    let t = index(theirs)
    var out: [JSONValue] = []
    for k in Set(b.keys).union(o.keys).union(t.keys).sorted() {
      let elementField = field.appending(.keyed(k))
      let (eb, eo, et) = (b[k], o[k], t[k])
      if eo == et {
        if let eo { out.append(eo) }
        continue
      }
      if (eo == nil && et == eb) || (et == nil && eo == eb) { continue }  // removed by one side
      if eo == nil || et == nil {
        if eb == nil, let added = eo ?? et { out.append(added); continue }  // added by one side
        conflict(
          elementField, eb, eo, et, .unionByKey(key), "removed on one side, changed on the other")
        if let kept = Engine.keep(eb, eo, et) { out.append(kept) }
        continue
      }
      if let merged = value(
        elementField, schemaPath.appending(0), base: eb, ours: eo, theirs: et,
        inherited: .lwwOrConflict)
      {
        out.append(merged)
      }
    }
    return out.sorted(by: RecordOrder.lineOrder)
  }
}

extension MergePolicy {
  /// The rules annotated (`x-acorn-merge`, `x-acorn-key`) in one record kind's schema.
  public static func rules(from schemas: JSONSchemaSet, schema name: String) -> [String: MergeRule]
  {
    var out: [String: MergeRule] = [:]
    func walk(_ node: JSONValue, _ file: String, _ path: JSONPath, depth: Int) {
      guard depth < 24 else { return }
      var node = node
      var file = file
      var annotation = node["x-acorn-merge"]?.stringValue
      var key = node["x-acorn-key"]?.stringValue
      var hops = 0
      while let ref = node["$ref"]?.stringValue, hops < 16,
        let (target, targetFile) = schemas.resolveReference(ref, from: file)
      {
        node = target
        file = targetFile
        annotation = annotation ?? node["x-acorn-merge"]?.stringValue
        key = key ?? node["x-acorn-key"]?.stringValue
        hops += 1
      }
      if let annotation, let rule = MergeRule(annotation: annotation, key: key) {
        out[path.description] = rule
      }
      for (k, child) in node["properties"]?.objectValue ?? [:] {
        walk(child, file, path.appending(k), depth: depth + 1)
      }
      if let items = node["items"] { walk(items, file, path.appending(0), depth: depth + 1) }
    }
    if let root = schemas.schemas[name] { walk(root, name, .root, depth: 0) }
    return out
  }

  /// The policy for records of one kind, from the workspace's schemas and lifecycles.
  public init(
    schemas: JSONSchemaSet, kind: RecordKind, lifecycles: LifecycleSet?, sourceSide: Side?
  ) {
    let table = MergePolicy.rules(from: schemas, schema: kind.schemaFileName)
    self.init(
      rule: { path in table[Self.schematic(path)] }, lifecycles: lifecycles?.lifecycles ?? [:],
      sourceSide: sourceSide)
  }

  /// A path with every array position as 0, as the rule table stores them.
  static func schematic(_ path: JSONPath) -> String {
    JSONPath(path.components.map { c in if case .index = c { return .index(0) } else { return c } })
      .description
  }
}
