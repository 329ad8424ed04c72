import Foundation

/// A JSON Schema (draft 2020-12) validator for the keywords Acorn's schemas use.
///
/// Pure: schemas are values, results are values. It reports every violation, not the first.
/// Supported assertions: `type`, `enum`, `const`, `properties`, `required`,
/// `additionalProperties`, `propertyNames`, `items`, `minItems`, `maxItems`, `uniqueItems`,
/// `minimum`, `maximum`, `minLength`, `maxLength`, `pattern`, `anyOf`, `oneOf`, `allOf`, `not`,
/// `$ref` (within a schema and to sibling schemas by file name), and `format` for `date` and
/// `date-time` (checked against the calendar, so `2026-02-30` is refused; `assertsFormats`).
/// Annotations (`title`, `description`, `default`, `examples`, `$comment`, `x-acorn-*`) are
/// ignored. `problems` lists anything else — keywords not implemented, malformed keyword values,
/// references that resolve nowhere or loop — so a schema cannot silently rely on a keyword that
/// is not enforced; a set with a reference loop refuses to validate rather than recurse forever.
public final class JSONSchemaSet: @unchecked Sendable {
  /// Schemas by file name (`purchase-order.schema.json`).
  public let schemas: [String: JSONValue]
  private let lock = NSLock()
  private var regexCache: [String: NSRegularExpression] = [:]

  public static let assertionKeywords: Set<String> = [
    "type", "enum", "const", "properties", "required", "additionalProperties", "propertyNames",
    "items", "minItems", "maxItems", "uniqueItems", "minimum", "maximum", "minLength",
    "maxLength", "pattern", "anyOf", "oneOf", "allOf", "not", "$ref",
  ]
  public static let structuralKeywords: Set<String> = ["$schema", "$id", "$defs"]
  public static let annotationKeywords: Set<String> = [
    "title", "description", "default", "examples", "$comment", "format",
  ]

  /// Whether `format: date` / `date-time` are assertions (Acorn's records and settings) or
  /// annotations only (the JSON Schema default).
  public let assertsFormats: Bool

  /// What is wrong with the schemas themselves (see `SchemaProblem`), found once at load.
  public private(set) var problems: [SchemaProblem]

  public init(schemas: [String: JSONValue], assertsFormats: Bool = true) {
    self.schemas = schemas
    self.assertsFormats = assertsFormats
    self.problems = []
    self.problems = findProblems()
  }

  func regexForProblems(_ pattern: String) throws(SchemaError) -> NSRegularExpression {
    try regex(pattern)
  }

  public struct Violation: Sendable, Hashable {
    public var path: JSONPath
    public var keyword: String
    public var message: String
  }

  public enum SchemaError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownSchema(String)
    case unresolvedReference(String, in: String)
    case invalidPattern(String)
    case referenceCycle(String, in: String)

    public var description: String {
      switch self {
      case .referenceCycle(let path, let s): "the $ref at \(path) in \(s) loops back to itself"
      case .unknownSchema(let s): "no schema named \(s)"
      case .unresolvedReference(let r, let s): "cannot resolve $ref \"\(r)\" in \(s)"
      case .invalidPattern(let p): "invalid regular expression \"\(p)\""
      }
    }
  }

  /// Validates `value` against the schema in file `schemaName`.
  public func validate(_ value: JSONValue, against schemaName: String) throws(SchemaError)
    -> [Violation]
  {
    guard let schema = schemas[schemaName] else { throw .unknownSchema(schemaName) }
    if let loop = problems.first(where: { $0.code == "schema.ref-cycle" }) {
      throw .referenceCycle(loop.path.description, in: loop.file)
    }
    var out: [Violation] = []
    try check(value, schema, file: schemaName, path: .root, into: &out)
    return out
  }

  /// Keywords used anywhere in the set that this validator neither enforces nor ignores.
  public var unsupportedKeywords: [String] {
    var found: Set<String> = []
    func walk(_ s: JSONValue) {
      guard case .object(let members) = s else { return }
      for (key, sub) in members {
        let known =
          Self.assertionKeywords.contains(key) || Self.structuralKeywords.contains(key)
          || Self.annotationKeywords.contains(key) || key.hasPrefix("x-acorn-")
        if !known { found.insert(key) }
        switch key {
        case "properties", "$defs":
          for (_, child) in sub.objectValue ?? [:] { walk(child) }
        case "items", "additionalProperties", "propertyNames", "not":
          walk(sub)
        case "anyOf", "oneOf", "allOf":
          for child in sub.arrayValue ?? [] { walk(child) }
        default: break
        }
      }
    }
    for schema in schemas.values { walk(schema) }
    return found.sorted()
  }

  /// The schema that applies at `path` inside documents of `schemaName` (following `$ref`,
  /// `properties` and `items`), with the file it lives in; nil when the path is not described.
  public func subschema(at path: JSONPath, in schemaName: String) -> JSONValue? {
    guard var node = schemas[schemaName] else { return nil }
    var file = schemaName
    func deref() -> Bool {
      var hops = 0
      while let ref = node["$ref"]?.stringValue {
        guard hops < 32, let (target, targetFile) = try? resolve(ref, file: file) else {
          return false
        }
        node = target
        file = targetFile
        hops += 1
      }
      return true
    }
    guard deref() else { return nil }
    for component in path.components {
      switch component {
      case .key(let k):
        guard let next = node["properties"]?[k] else { return nil }
        node = next
      case .index:
        guard let next = node["items"] else { return nil }
        node = next
      }
      guard deref() else { return nil }
    }
    return node
  }

  private func regex(_ pattern: String) throws(SchemaError) -> NSRegularExpression {
    lock.lock()
    defer { lock.unlock() }
    if let cached = regexCache[pattern] { return cached }
    guard let compiled = try? NSRegularExpression(pattern: pattern) else {
      throw .invalidPattern(pattern)
    }
    regexCache[pattern] = compiled
    return compiled
  }

  /// The schema a `$ref` in `file` points at, with the file it lives in.
  public func resolveReference(_ ref: String, from file: String) -> (JSONValue, String)? {
    try? resolve(ref, file: file)
  }

  private func resolve(_ ref: String, file: String) throws(SchemaError) -> (JSONValue, String) {
    let parts = ref.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
    let target = parts[0].isEmpty ? file : String(parts[0].split(separator: "/").last ?? "")
    guard var node = schemas[target] else { throw .unresolvedReference(ref, in: file) }
    if parts.count == 2 && !parts[1].isEmpty {
      for token in parts[1].split(separator: "/") {
        let key = Self.unescapePointerToken(token)
        guard let next = node[key] else { throw .unresolvedReference(ref, in: file) }
        node = next
      }
    }
    return (node, target)
  }

  private func check(
    _ value: JSONValue, _ schema: JSONValue, file: String, path: JSONPath,
    into out: inout [Violation]
  ) throws(SchemaError) {
    switch schema {
    case .bool(true): return
    case .bool(false):
      out.append(Violation(path: path, keyword: "false", message: "no value is allowed here"))
      return
    case .object: break
    default: return
    }
    if let ref = schema["$ref"]?.stringValue {
      let (target, targetFile) = try resolve(ref, file: file)
      try check(value, target, file: targetFile, path: path, into: &out)
    }
    if let type = schema["type"] {
      let allowed =
        type.stringValue.map { [$0] } ?? (type.arrayValue ?? []).compactMap(\.stringValue)
      if !allowed.contains(where: { Self.matches(value, type: $0) }) {
        out.append(
          Violation(
            path: path, keyword: "type",
            message: "expected \(allowed.joined(separator: " or ")), found \(value.typeName)"))
        return
      }
    }
    if let options = schema["enum"]?.arrayValue, !options.contains(value) {
      let shown = options.prefix(12).map { CanonicalJSON.compact($0) }.joined(separator: ", ")
      out.append(
        Violation(
          path: path, keyword: "enum",
          message:
            "\(CanonicalJSON.compact(value)) is not one of: \(shown)\(options.count > 12 ? ", …" : "")"
        ))
    }
    if let constant = schema["const"], constant != value {
      out.append(
        Violation(
          path: path, keyword: "const",
          message:
            "must be \(CanonicalJSON.compact(constant)), found \(CanonicalJSON.compact(value))"))
    }
    switch value {
    case .object(let members):
      try checkObject(members, schema, file: file, path: path, into: &out)
    case .array(let items):
      try checkArray(items, schema, file: file, path: path, into: &out)
    case .string(let s):
      let length = s.unicodeScalars.count
      if let min = schema["minLength"]?.intValue, length < min {
        out.append(
          Violation(
            path: path, keyword: "minLength",
            message: min == 1 ? "must not be empty" : "shorter than \(min) characters"))
      }
      if let max = schema["maxLength"]?.intValue, length > max {
        out.append(
          Violation(path: path, keyword: "maxLength", message: "longer than \(max) characters"))
      }
      if let pattern = schema["pattern"]?.stringValue {
        let re = try regex(pattern)
        let range = NSRange(s.startIndex..., in: s)
        if re.firstMatch(in: s, range: range) == nil {
          out.append(
            Violation(
              path: path, keyword: "pattern",
              message: "\(CanonicalJSON.compact(value)) does not match \(pattern)"))
        }
      }
      if assertsFormats, let format = schema["format"]?.stringValue {
        let valid =
          switch format {
          case "date": CivilDate.day(s) != nil
          case "date-time": CivilDate.isDateTime(s)
          default: true
          }
        if !valid {
          out.append(
            Violation(
              path: path, keyword: "format",
              message: "\(CanonicalJSON.compact(value)) is not a real calendar \(format)"))
        }
      }
    case .number(let n):
      if let min = schema["minimum"]?.decimalValue, n < min {
        out.append(Violation(path: path, keyword: "minimum", message: "\(n) is less than \(min)"))
      }
      if let max = schema["maximum"]?.decimalValue, max < n {
        out.append(Violation(path: path, keyword: "maximum", message: "\(n) is more than \(max)"))
      }
    default: break
    }
    if let all = schema["allOf"]?.arrayValue {
      for sub in all { try check(value, sub, file: file, path: path, into: &out) }
    }
    if let any = schema["anyOf"]?.arrayValue {
      var best: [Violation]? = nil
      for sub in any {
        var trial: [Violation] = []
        try check(value, sub, file: file, path: path, into: &trial)
        if trial.isEmpty {
          best = nil
          break
        }
        if trial.count < (best?.count ?? Int.max) { best = trial }
      }
      if let best {
        out.append(
          Violation(
            path: path, keyword: "anyOf",
            message: "matches none of the allowed forms (closest: \(best.first?.message ?? "?"))"))
      }
    }
    if let one = schema["oneOf"]?.arrayValue {
      var passing = 0
      for sub in one {
        var trial: [Violation] = []
        try check(value, sub, file: file, path: path, into: &trial)
        if trial.isEmpty { passing += 1 }
      }
      if passing != 1 {
        out.append(
          Violation(
            path: path, keyword: "oneOf",
            message: passing == 0
              ? "matches none of the allowed forms" : "matches more than one form"))
      }
    }
    if let not = schema["not"] {
      var trial: [Violation] = []
      try check(value, not, file: file, path: path, into: &trial)
      if trial.isEmpty {
        out.append(Violation(path: path, keyword: "not", message: "matches a forbidden form"))
      }
    }
  }

  private func checkObject(
    _ members: [String: JSONValue], _ schema: JSONValue, file: String, path: JSONPath,
    into out: inout [Violation]
  ) throws(SchemaError) {
    let properties = schema["properties"]?.objectValue ?? [:]
    for key in (schema["required"]?.arrayValue ?? []).compactMap(\.stringValue)
    where members[key] == nil {
      out.append(
        Violation(
          path: path.appending(key), keyword: "required",
          message: "required field \"\(key)\" is missing"))
    }
    for key in members.keys.sorted(by: CanonicalJSON.keyPrecedes) {
      guard let child = members[key] else { continue }
      let childPath = path.appending(key)
      if let names = schema["propertyNames"] {
        var trial: [Violation] = []
        try check(.string(key), names, file: file, path: childPath, into: &trial)
        if !trial.isEmpty {
          out.append(
            Violation(
              path: childPath, keyword: "propertyNames", message: "name \"\(key)\" is not allowed"))
        }
      }
      if let sub = properties[key] {
        try check(child, sub, file: file, path: childPath, into: &out)
      } else if let additional = schema["additionalProperties"] {
        if additional == .bool(false) {
          out.append(
            Violation(
              path: childPath, keyword: "additionalProperties", message: "unknown field \"\(key)\"")
          )
        } else {
          try check(child, additional, file: file, path: childPath, into: &out)
        }
      }
    }
  }

  private func checkArray(
    _ items: [JSONValue], _ schema: JSONValue, file: String, path: JSONPath,
    into out: inout [Violation]
  ) throws(SchemaError) {
    if let min = schema["minItems"]?.intValue, items.count < min {
      out.append(
        Violation(
          path: path, keyword: "minItems",
          message: min == 1 ? "must have at least one element" : "fewer than \(min) elements"))
    }
    if let max = schema["maxItems"]?.intValue, items.count > max {
      out.append(Violation(path: path, keyword: "maxItems", message: "more than \(max) elements"))
    }
    if schema["uniqueItems"] == .bool(true), Set(items).count != items.count {
      out.append(Violation(path: path, keyword: "uniqueItems", message: "elements must be unique"))
    }
    if let itemSchema = schema["items"] {
      for (k, item) in items.enumerated() {
        try check(item, itemSchema, file: file, path: path.appending(k), into: &out)
      }
    }
  }

  static func matches(_ value: JSONValue, type: String) -> Bool {
    switch (type, value) {
    case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array),
      ("object", .object), ("number", .number):
      return true
    case ("integer", .number(let n)): return n.scale == 0
    default: return false
    }
  }
}

extension CanonicalJSON {
  /// A one-line rendering for messages (not the file format).
  public static func compact(_ value: JSONValue, limit: Int = 80) -> String {
    var text: String
    switch value {
    case .object, .array:
      let full = string(value)
      text = full.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.joined(
        separator: " ")
    default:
      text = string(value)
      text.removeLast()
    }
    if text.count > limit { text = String(text.prefix(limit)) + "…" }
    return text
  }
}
