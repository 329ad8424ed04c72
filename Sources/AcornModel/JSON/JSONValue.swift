/// A JSON document as a value. Numbers are exact decimals read from the raw text, never `Double`.
///
/// Objects are unordered (the canonical writer sorts keys); arrays keep their order.
public enum JSONValue: Sendable, Hashable {
  case null
  case bool(Bool)
  case number(DecimalNumber)
  case string(String)
  case array([JSONValue])
  case object([String: JSONValue])

  public subscript(key: String) -> JSONValue? {
    if case .object(let members) = self { return members[key] }
    return nil
  }

  public subscript(path: JSONPath) -> JSONValue? {
    var current: JSONValue? = self
    for component in path.components {
      switch (component, current) {
      case (.key(let k), .object(let members)?): current = members[k]
      case (.index(let i), .array(let items)?): current = items.indices.contains(i) ? items[i] : nil
      default: return nil
      }
    }
    return current
  }

  public var stringValue: String? {
    if case .string(let s) = self { return s }
    return nil
  }

  public var objectValue: [String: JSONValue]? {
    if case .object(let o) = self { return o }
    return nil
  }

  public var arrayValue: [JSONValue]? {
    if case .array(let a) = self { return a }
    return nil
  }

  public var decimalValue: DecimalNumber? {
    if case .number(let n) = self { return n }
    return nil
  }

  public var intValue: Int? { decimalValue?.exactInt }

  public var boolValue: Bool? {
    if case .bool(let b) = self { return b }
    return nil
  }

  /// The JSON type name used in messages and JSON Schema (`"integer"` for whole numbers).
  public var typeName: String {
    switch self {
    case .null: "null"
    case .bool: "boolean"
    case .number(let n): n.isInteger ? "integer" : "number"
    case .string: "string"
    case .array: "array"
    case .object: "object"
    }
  }

  /// Returns a copy with `value` stored at `path`, creating objects on the way; nil when the
  /// path crosses a non-object or an array index out of range.
  public func setting(_ value: JSONValue?, at path: JSONPath) -> JSONValue? {
    guard let first = path.components.first else { return value ?? .null }
    let rest = JSONPath(Array(path.components.dropFirst()))
    switch (first, self) {
    case (.key(let k), .object(var members)):
      let child = members[k] ?? .object([:])
      if rest.components.isEmpty {
        members[k] = value
      } else {
        guard let updated = child.setting(value, at: rest) else { return nil }
        members[k] = updated
      }
      return .object(members)
    case (.index(let i), .array(var items)) where items.indices.contains(i):
      if rest.components.isEmpty {
        guard let value else { items.remove(at: i); return .array(items) }
        items[i] = value
      } else {
        guard let updated = items[i].setting(value, at: rest) else { return nil }
        items[i] = updated
      }
      return .array(items)
    default:
      return nil
    }
  }
}

/// A location inside a JSON document, shown as `source.lines[0].netCost`.
public struct JSONPath: Sendable, Hashable, Comparable, CustomStringConvertible {
  public enum Component: Sendable, Hashable {
    case key(String)
    case index(Int)
  }

  public var components: [Component]

  public init(_ components: [Component] = []) { self.components = components }

  public static let root = JSONPath()

  /// Parses a dotted path (`workflow.state`, `source.lines[2].netCost`).
  public init?(dotted text: String) {
    var components: [Component] = []
    for part in text.split(separator: ".", omittingEmptySubsequences: false) {
      var rest = Substring(part)
      let open = rest.firstIndex(of: "[") ?? rest.endIndex
      let key = rest[..<open]
      guard !key.isEmpty else { return nil }
      components.append(.key(String(key)))
      rest = rest[open...]
      while !rest.isEmpty {
        guard rest.first == "[", let close = rest.firstIndex(of: "]"),
          let index = Int(rest[rest.index(after: rest.startIndex)..<close]), index >= 0
        else { return nil }
        components.append(.index(index))
        rest = rest[rest.index(after: close)...]
      }
    }
    guard !components.isEmpty else { return nil }
    self.components = components
  }

  public func appending(_ key: String) -> JSONPath { JSONPath(components + [.key(key)]) }
  public func appending(_ index: Int) -> JSONPath { JSONPath(components + [.index(index)]) }

  public var description: String {
    if components.isEmpty { return "$" }
    var text = ""
    for component in components {
      switch component {
      case .key(let k):
        let plain =
          !k.isEmpty
          && k.unicodeScalars.allSatisfy {
            $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_"
          }
        if plain {
          text += text.isEmpty ? k : "." + k
        } else {
          text += "[\"" + k.replacingAll("\"", with: "\\\"") + "\"]"
        }
      case .index(let i): text += "[\(i)]"
      }
    }
    return text
  }

  public static func < (a: JSONPath, b: JSONPath) -> Bool {
    for (x, y) in zip(a.components, b.components) where x != y {
      switch (x, y) {
      case (.key(let p), .key(let q)): return p.utf8.lexicographicallyPrecedes(q.utf8)
      case (.index(let p), .index(let q)): return p < q
      case (.index, .key): return true
      case (.key, .index): return false
      }
    }
    return a.components.count < b.components.count
  }
}

extension String {
  func replacingAll(_ target: Character, with replacement: String) -> String {
    var out = ""
    for c in self { if c == target { out += replacement } else { out.append(c) } }
    return out
  }
}
