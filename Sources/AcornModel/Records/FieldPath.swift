/// A field of a record as people and conflicts name it: `workflow.state`,
/// `source.lines[#2].netCost` (the line whose key — sequence or line number — is 2),
/// `workflow.notes[0]`. Keyed components survive reordering, which positions do not.
public struct FieldPath: Sendable, Hashable, CustomStringConvertible {
  public enum Component: Sendable, Hashable {
    case key(String)
    case index(Int)
    /// The element of a line-like array whose key field (`RecordDiff.lineKeys`) has this value.
    case keyed(String)
  }

  public var components: [Component]

  public init(_ components: [Component] = []) { self.components = components }

  public static let root = FieldPath()

  public func appending(_ c: Component) -> FieldPath { FieldPath(components + [c]) }

  public var description: String {
    if components.isEmpty { return "$" }
    var out = ""
    for c in components {
      switch c {
      case .key(let k): out += out.isEmpty ? k : "." + k
      case .index(let i): out += "[\(i)]"
      case .keyed(let k): out += "[#\(k)]"
      }
    }
    return out
  }

  /// Parses `a.b[#2].c[0]`; `$` is the whole record.
  public init?(_ text: String) {
    if text == "$" {
      self.components = []
      return
    }
    var components: [Component] = []
    var rest = Substring(text)
    while !rest.isEmpty {
      if rest.first == "[" {
        guard let close = rest.firstIndex(of: "]") else { return nil }
        let inner = rest[rest.index(after: rest.startIndex)..<close]
        if inner.first == "#" {
          let key = inner.dropFirst()
          guard !key.isEmpty else { return nil }
          components.append(.keyed(String(key)))
        } else {
          guard let i = Int(inner), i >= 0 else { return nil }
          components.append(.index(i))
        }
        rest = rest[rest.index(after: close)...]
        if rest.first == "." { rest = rest.dropFirst() }
        continue
      }
      let end = rest.firstIndex { $0 == "." || $0 == "[" } ?? rest.endIndex
      let key = rest[..<end]
      guard !key.isEmpty else { return nil }
      components.append(.key(String(key)))
      rest = rest[end...]
      if rest.first == "." {
        rest = rest.dropFirst()
        guard !rest.isEmpty else { return nil }
      }
    }
    guard !components.isEmpty else { return nil }
    self.components = components
  }

  /// The index of the element with key `value` in a line-like array.
  static func position(of value: String, in items: [JSONValue]) -> Int? {
    guard let field = RecordDiff.lineKey(items) else { return nil }
    return items.firstIndex { RecordDiff.keyText($0[field] ?? .null) == value }
  }

  /// The value at this path, or nil.
  public func value(in root: JSONValue) -> JSONValue? {
    var node: JSONValue? = root
    for c in components {
      switch (c, node) {
      case (.key(let k), .object(let m)?): node = m[k]
      case (.index(let i), .array(let a)?): node = a.indices.contains(i) ? a[i] : nil
      case (.keyed(let k), .array(let a)?): node = FieldPath.position(of: k, in: a).map { a[$0] }
      default: return nil
      }
    }
    return node
  }

  /// A copy of `root` with `value` at this path (nil removes it); nil when the path does not lead
  /// anywhere (a missing keyed element, an index out of range, a non-container on the way).
  public func setting(_ value: JSONValue?, in root: JSONValue) -> JSONValue? {
    Self.set(value, components[...], in: root)
  }

  static func set(_ value: JSONValue?, _ rest: ArraySlice<Component>, in node: JSONValue?)
    -> JSONValue?
  {
    guard let first = rest.first else { return value }
    let tail = rest.dropFirst()
    switch (first, node) {
    case (.key(let k), .object(var m)?):
      let updated = set(value, tail, in: m[k] ?? (tail.isEmpty ? nil : .object([:])))
      if tail.isEmpty || updated != nil { m[k] = updated } else { return nil }
      return .object(m)
    case (.key(let k), nil) where value != nil:
      guard let child = set(value, tail, in: tail.isEmpty ? nil : .object([:])) else { return nil }
      return .object([k: child])
    case (.index(let i), .array(let a)?) where a.indices.contains(i):
      return replaceElement(i, in: a, value, tail)
    case (.keyed(let k), .array(let a)?):
      guard let i = position(of: k, in: a) else { return nil }
      return replaceElement(i, in: a, value, tail)
    default:
      return nil
    }
  }

  /// Element `i` set (or removed, when the path ends there and the value is nil).
  static func replaceElement(
    _ i: Int, in items: [JSONValue], _ value: JSONValue?, _ tail: ArraySlice<Component>
  ) -> JSONValue? {
    var a = items
    if let updated = set(value, tail, in: a[i]) {
      a[i] = updated
    } else if tail.isEmpty {
      a.remove(at: i)
    } else {
      return nil
    }
    return .array(a)
  }
}
