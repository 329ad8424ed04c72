/// A business diff of one record: which fields changed, from what to what.
///
/// Objects are compared key by key; money objects (`{"amount", "currency"}`) are single values;
/// line arrays are matched by their key (`itemSequenceNumber`, `lineNumber`, `cartonIdentifier`),
/// not by position, and shown as `source.lines[#2].netCost`; other arrays (notes, evidence, id sets)
/// show the elements added (`[+]`) and removed (`[-]`).
public struct FieldChange: Sendable, Hashable {
  /// Display path, e.g. `workflow.state`, `source.lines[#2].netCost`, `workflow.notes[+]`.
  public var field: String
  public var old: JSONValue?
  public var new: JSONValue?

  public init(field: String, old: JSONValue?, new: JSONValue?) {
    self.field = field
    self.old = old
    self.new = new
  }

  /// `workflow.state: received → credit-issued`.
  public var text: String {
    switch (old, new) {
    case (nil, let n?): return "\(field): + \(RecordText.value(n))"
    case (let o?, nil): return "\(field): − \(RecordText.value(o))"
    case (let o?, let n?): return "\(field): \(RecordText.value(o)) → \(RecordText.value(n))"
    case (nil, nil): return field
    }
  }
}

public enum RecordDiff {
  /// Keys that identify the elements of line-like arrays.
  public static let lineKeys = ["itemSequenceNumber", "lineNumber", "cartonIdentifier"]

  /// Field changes from `old` to `new` (either may be absent: an added or deleted record),
  /// sorted by field.
  public static func changes(from old: JSONValue?, to new: JSONValue?) -> [FieldChange] {
    var out: [FieldChange] = []
    compare(old, new, field: "", into: &out)
    return out
  }

  static func isLeaf(_ v: JSONValue) -> Bool {
    switch v {
    case .object(let m): return m.isEmpty || Money.isMoneyObject(v)
    case .array(let a): return a.isEmpty
    default: return true
    }
  }

  static func join(_ prefix: String, _ key: String) -> String {
    prefix.isEmpty ? key : prefix + "." + key
  }

  static func compare(
    _ old: JSONValue?, _ new: JSONValue?, field: String, into out: inout [FieldChange]
  ) {
    if old == new { return }
    switch (old, new) {
    case (.object(let a)?, .object(let b)?)
    where !Money.isMoneyObject(old ?? .null) && !Money.isMoneyObject(new ?? .null):
      for key in Set(a.keys).union(b.keys).sorted(by: CanonicalJSON.keyPrecedes) {
        compare(a[key], b[key], field: join(field, key), into: &out)
      }
    case (.array(let a)?, .array(let b)?):
      compareArrays(a, b, field: field, into: &out)
    case (nil, .array(let b)?) where lineKey(b) == nil:
      compareArrays([], b, field: field, into: &out)
    case (.array(let a)?, nil) where lineKey(a) == nil:
      compareArrays(a, [], field: field, into: &out)
    case (let o, let n):
      // A value added or removed as a whole: list its leaves so each field is visible.
      if let o, !isLeaf(o), n == nil {
        for (path, value) in leaves(o, prefix: field) {
          out.append(FieldChange(field: path, old: value, new: nil))
        }
      } else if let n, !isLeaf(n), o == nil {
        for (path, value) in leaves(n, prefix: field) {
          out.append(FieldChange(field: path, old: nil, new: value))
        }
      } else {
        out.append(FieldChange(field: field, old: o, new: n))
      }
    }
  }

  public static func lineKey(_ items: [JSONValue]) -> String? {
    guard !items.isEmpty else { return nil }
    return lineKeys.first { key in items.allSatisfy { $0[key] != nil } }
  }

  public static func keyText(_ v: JSONValue) -> String { v.stringValue ?? CanonicalJSON.compact(v) }

  static func compareArrays(
    _ a: [JSONValue], _ b: [JSONValue], field: String, into out: inout [FieldChange]
  ) {
    let key = lineKey(a.isEmpty ? b : a)
    if let key, a.allSatisfy({ $0[key] != nil }), b.allSatisfy({ $0[key] != nil }) {
      let oldByKey = Dictionary(
        a.map { (keyText($0[key] ?? .null), $0) }, uniquingKeysWith: { first, _ in first })
      let newByKey = Dictionary(
        b.map { (keyText($0[key] ?? .null), $0) }, uniquingKeysWith: { first, _ in first })
      let keys = Set(oldByKey.keys).union(newByKey.keys).sorted { x, y in
        if let i = Int(x), let j = Int(y), i != j { return i < j }
        return CanonicalJSON.keyPrecedes(x, y)
      }
      for k in keys { compare(oldByKey[k], newByKey[k], field: "\(field)[#\(k)]", into: &out) }
      return
    }
    // Unkeyed arrays: elements added and removed, as sets of canonical values.
    let removed = a.filter { !b.contains($0) }
    let added = b.filter { !a.contains($0) }
    if removed.isEmpty && added.isEmpty {
      out.append(FieldChange(field: field, old: .array(a), new: .array(b)))  // reordered
      return
    }
    for r in removed { out.append(FieldChange(field: field + "[-]", old: r, new: nil)) }
    for n in added { out.append(FieldChange(field: field + "[+]", old: nil, new: n)) }
  }

  /// Every leaf of a value with its display path (lines by key, other arrays by position).
  public static func leaves(_ value: JSONValue, prefix: String = "") -> [(String, JSONValue)] {
    switch value {
    case .object(let members) where !isLeaf(value):
      return members.sorted { CanonicalJSON.keyPrecedes($0.key, $1.key) }.flatMap {
        leaves($0.value, prefix: join(prefix, $0.key))
      }
    case .array(let items) where !items.isEmpty:
      if let key = lineKey(items) {
        return items.flatMap { leaves($0, prefix: "\(prefix)[#\(keyText($0[key] ?? .null))]") }
      }
      return items.enumerated().flatMap { leaves($1, prefix: "\(prefix)[\($0)]") }
    default:
      return [(prefix, value)]
    }
  }
}

extension Money {
  /// Whether a JSON value has the shape of a money object.
  public static func isMoneyObject(_ value: JSONValue) -> Bool {
    guard case .object(let m) = value, m.count == 2, m["currency"]?.stringValue != nil else {
      return false
    }
    return m["amount"] != nil
  }
}

/// Records as people read them: `field: value` lines, money as `140.00 USD`.
public enum RecordText {
  /// A value on one line: strings bare, money as amount and currency, others as compact JSON.
  public static func value(_ v: JSONValue) -> String {
    if Money.isMoneyObject(v), let currency = v["currency"]?.stringValue {
      let amount = v["amount"]?.stringValue ?? v["amount"]?.decimalValue?.formatted() ?? "?"
      return "\(amount) \(currency)"
    }
    switch v {
    case .string(let s): return s.replacingAll("\n", with: "\\n")
    case .object(let m) where m.count > 0 && m["text"] != nil && m["at"] != nil:
      // A note: "2026-01-02T10:00:00Z li.wei@example.com: text"
      return
        "\(m["at"]?.stringValue ?? "") \(m["author"]?.stringValue ?? ""): \(m["text"]?.stringValue ?? "")"
    default: return CanonicalJSON.compact(v, limit: 200)
    }
  }

  /// The record as sorted `field: value` lines (the form `acorn show` and the git textconv print).
  public static func lines(_ record: JSONValue) -> [String] {
    RecordDiff.leaves(record).map { "\($0.0): \(value($0.1))" }
  }
}
