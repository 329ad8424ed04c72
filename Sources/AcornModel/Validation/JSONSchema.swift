import Foundation

/// A JSON Schema 2020-12 validator.
///
/// Pure: schemas are values, results are values. It reports every violation, not the first.
/// The schemas are compiled once, when the set loads (`SchemaCompiler`): every keyword of the
/// 2020-12 vocabularies (core, applicator, unevaluated, validation, meta-data, format, content),
/// references by `$ref` and `$dynamicRef` resolved through `$id`, `$anchor`, `$dynamicAnchor` and
/// JSON pointers (RFC 3986 resolution), with the 2020-12 meta-schemas built in and `$vocabulary`
/// honoured. Strings compare by code point; numbers are exact decimals. The official
/// JSON-Schema-Test-Suite (draft2020-12) runs in the tests.
///
/// Two choices are Acorn's, for a workspace's own schemas (both defaults):
/// - `format: date` / `date-time` are assertions (`2026-02-30` is refused), where JSON Schema
///   makes `format` an annotation; `assertsFormats: false` follows the specification.
/// - A keyword outside 2020-12 (and `x-acorn-*`) is a problem (`schema.unsupported-keyword`),
///   where JSON Schema ignores it: a team's constraint must never be silently not enforced.
///   `UnknownKeywords.ignore` follows the specification.
///
/// `problems` lists what is wrong with the schemas themselves — unknown or malformed keywords,
/// references that resolve nowhere or loop without consuming the value, invalid patterns — so a
/// set with a reference loop refuses to validate rather than recurse forever.
public final class JSONSchemaSet: @unchecked Sendable {
  /// Schemas by file name (`purchase-order.schema.json`).
  public let schemas: [String: JSONValue]

  /// Whether `format: date` / `date-time` are assertions (Acorn's records and settings) or
  /// annotations only (the JSON Schema default).
  public let assertsFormats: Bool

  /// What a keyword outside JSON Schema 2020-12 means.
  public enum UnknownKeywords: Sendable {
    /// A `schema.unsupported-keyword` problem (Acorn's workspaces: fail closed).
    case problem
    /// Ignored, as the specification says.
    case ignore
  }
  public let unknownKeywords: UnknownKeywords

  /// What is wrong with the schemas themselves (see `SchemaProblem`), found once at load.
  public private(set) var problems: [SchemaProblem]

  /// The URI a schema's key is resolved against when it is not an absolute URI itself.
  public static let defaultBaseURI = "acorn:/schemas/"

  let compiler: SchemaCompiler
  let collectsAnnotations: Bool

  /// Keywords the validator knows: every 2020-12 keyword.
  public static var knownKeywords: Set<String> { SchemaVocabulary.allKeywords }

  public init(
    schemas: [String: JSONValue], assertsFormats: Bool = true,
    unknownKeywords: UnknownKeywords = .problem, baseURI: String = JSONSchemaSet.defaultBaseURI
  ) {
    self.schemas = schemas
    self.assertsFormats = assertsFormats
    self.unknownKeywords = unknownKeywords
    let base = URIReference(baseURI)
    var documents: [(key: String, uri: URIReference, json: JSONValue)] = []
    for key in schemas.keys.sorted() {
      guard let json = schemas[key] else { continue }
      let uri = URIReference(key).resolved(against: base)
      documents.append((key, uri, json))
    }
    for (uri, json) in JSONSchemaMetaschemas.parsed where schemas[uri] == nil {
      documents.append((uri, URIReference(uri), json))
    }
    var compiler = SchemaCompiler(documents: documents, assertsFormats: assertsFormats)
    compiler.compile()
    self.compiler = compiler
    self.collectsAnnotations = schemas.values.contains { Self.usesUnevaluated($0) }
    self.problems = []
    self.problems = findProblems()
  }

  /// The compiled graph has cycles (a recursive `$ref`, a resource's dynamic anchors pointing back
  /// at its nodes); they are broken here so a set frees its nodes when it goes (a long-running
  /// `acorn serve` compiles a set per request).
  deinit { compiler.releaseGraph() }

  private static func usesUnevaluated(_ value: JSONValue) -> Bool {
    switch value {
    case .object(let members):
      members["unevaluatedProperties"] != nil || members["unevaluatedItems"] != nil
        || members["$dynamicRef"] != nil || members.values.contains(where: usesUnevaluated)
    case .array(let items): items.contains(where: usesUnevaluated)
    default: false
    }
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
    guard schemas[schemaName] != nil, let root = compiler.node(schemaName, .root) else {
      throw .unknownSchema(schemaName)
    }
    if let loop = problems.first(where: { $0.code == "schema.ref-cycle" }) {
      throw .referenceCycle(loop.path.description, in: loop.file)
    }
    var evaluation = Evaluation(set: self)
    var out: [Violation] = []
    var evaluated = Evaluated()
    try evaluation.check(value, root, path: .root, into: &out, evaluated: &evaluated)
    return out
  }

  /// Keywords used anywhere in the set that this validator neither enforces nor ignores.
  public var unsupportedKeywords: [String] {
    Set(
      problems.filter { $0.code == "schema.unsupported-keyword" }.compactMap { problem in
        problem.path.components.last.flatMap {
          if case .key(let k) = $0 { k } else { nil }
        }
      }
    ).sorted()
  }

  /// The schema that applies at `path` inside documents of `schemaName` (following `$ref`,
  /// `properties` and `items`), with the file it lives in; nil when the path is not described.
  public func subschema(at path: JSONPath, in schemaName: String) -> JSONValue? {
    guard var node = schemas[schemaName] else { return nil }
    var file = schemaName
    func deref() -> Bool {
      var hops = 0
      while let ref = node["$ref"]?.stringValue {
        guard hops < 32, let (target, targetFile) = resolveReference(ref, from: file) else {
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

  /// The schema a `$ref` in `file` points at, with the file it lives in.
  public func resolveReference(_ ref: String, from file: String) -> (JSONValue, String)? {
    guard let node = referencedNode(ref, from: file), let document = schemas[node.document],
      let value = document[node.path]
    else { return nil }
    return (value, node.document)
  }

  /// The compiled node a reference written at the root resource of `file` names.
  func referencedNode(_ ref: String, from file: String) -> SchemaNode? {
    guard let root = compiler.node(file, .root) else { return nil }
    let uri = URIReference(ref).resolved(against: URIReference(root.resource.uri))
    var copy = compiler
    return copy.resolve(uri)
  }

  static func matches(_ value: JSONValue, type: String) -> Bool {
    switch (type, value) {
    case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array),
      ("object", .object), ("number", .number):
      return true
    case ("integer", .number(let n)): return n.isInteger
    default: return false
    }
  }

  /// JSON equality as JSON Schema defines it: strings by code point (not by Unicode canonical
  /// equivalence, as Swift's `==` would), numbers by value, objects regardless of key order.
  static func equal(_ a: JSONValue, _ b: JSONValue) -> Bool {
    switch (a, b) {
    case (.string(let x), .string(let y)): return x.utf8.elementsEqual(y.utf8)
    case (.array(let x), .array(let y)):
      return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
    case (.object(let x), .object(let y)):
      guard x.count == y.count else { return false }
      for (key, value) in x {
        guard let index = y.index(forKey: key), y[index].key.utf8.elementsEqual(key.utf8),
          equal(value, y[index].value)
        else { return false }
      }
      return true
    default: return a == b
    }
  }

  /// Whether `value` is an integer multiple of `divisor` (> 0), exactly.
  static func isMultiple(_ value: DecimalNumber, of divisor: DecimalNumber) -> Bool {
    if value.isZero { return true }
    // value = a·10^-sa, divisor = b·10^-sb; value/divisor = (a/b)·10^(sb-sa).
    let a = value.significand.magnitude
    let b = divisor.significand.magnitude
    let shift = divisor.scale - value.scale
    if shift >= 0 {
      // a·10^shift mod b, by modular exponentiation (no overflow).
      var power: UInt128 = 1 % b
      var base: UInt128 = 10 % b
      var e = shift
      while e > 0 {
        if e & 1 == 1 { power = mulmod(power, base, b) }
        base = mulmod(base, base, b)
        e >>= 1
      }
      return mulmod(a % b, power, b) == 0
    }
    // a mod (b·10^-shift): a modulus beyond a's magnitude leaves a, which is not zero.
    var modulus = b
    for _ in 0..<(-shift) {
      let (m, overflow) = modulus.multipliedReportingOverflow(by: 10)
      if overflow { return false }
      modulus = m
    }
    return a % modulus == 0
  }

  private static func mulmod(_ x: UInt128, _ y: UInt128, _ m: UInt128) -> UInt128 {
    let (high, low) = x.multipliedFullWidth(by: y)
    return m.dividingFullWidth((high % m, low)).remainder
  }
}

/// What evaluation found a value's subschemas to cover, for `unevaluatedProperties` and
/// `unevaluatedItems` (JSON Schema 2020-12 §11).
struct Evaluated {
  var properties: Set<String> = []
  var allProperties = false
  var itemPrefix = 0
  var allItems = false
  var items: Set<Int> = []

  mutating func merge(_ other: Evaluated) {
    if other.allProperties {
      allProperties = true
    } else if !other.properties.isEmpty {
      properties.formUnion(other.properties)
    }
    itemPrefix = max(itemPrefix, other.itemPrefix)
    if other.allItems { allItems = true }
    if !other.items.isEmpty { items.formUnion(other.items) }
  }
}

/// One validation: the dynamic scope (`$dynamicRef`) and the depth guard.
struct Evaluation {
  let set: JSONSchemaSet
  var scope: [SchemaResource] = []
  var depth = 0
  static let maxDepth = 512

  init(set: JSONSchemaSet) { self.set = set }

  typealias Violation = JSONSchemaSet.Violation

  /// Checks `value` against `node`; appends violations to `out` and, when the value passes, what
  /// it evaluated to `evaluated`.
  mutating func check(
    _ value: JSONValue, _ node: SchemaNode, path: JSONPath, into out: inout [Violation],
    evaluated: inout Evaluated
  ) throws(JSONSchemaSet.SchemaError) {
    if let boolean = node.boolean {
      if !boolean {
        out.append(Violation(path: path, keyword: "false", message: "no value is allowed here"))
      }
      return
    }
    guard depth < Self.maxDepth else {
      out.append(
        Violation(
          path: path, keyword: "$ref",
          message: "the schema nests deeper than \(Self.maxDepth) levels at this value"))
      return
    }
    depth += 1
    let entered = scope.last !== node.resource
    if entered { scope.append(node.resource) }
    defer {
      depth -= 1
      if entered { scope.removeLast() }
    }
    let before = out.count
    var local = Evaluated()
    for operation in node.operations {
      if case .type(let allowed) = operation {
        if !allowed.contains(where: { JSONSchemaSet.matches(value, type: $0) }) {
          out.append(
            Violation(
              path: path, keyword: "type",
              message: "expected \(allowed.joined(separator: " or ")), found \(value.typeName)"))
          return
        }
        continue
      }
      try apply(operation, value, node, path: path, into: &out, evaluated: &local)
    }
    if out.count == before { evaluated.merge(local) }
  }

  /// Checks `value` against `node` on the side, returning whether it passed.
  private mutating func trial(
    _ value: JSONValue, _ node: SchemaNode, path: JSONPath, evaluated: inout Evaluated
  ) throws(JSONSchemaSet.SchemaError) -> [Violation] {
    var out: [Violation] = []
    var sub = Evaluated()
    try check(value, node, path: path, into: &out, evaluated: &sub)
    if out.isEmpty { evaluated.merge(sub) }
    return out
  }

  private mutating func apply(
    _ operation: SchemaOperation, _ value: JSONValue, _ node: SchemaNode, path: JSONPath,
    into out: inout [Violation], evaluated: inout Evaluated
  ) throws(JSONSchemaSet.SchemaError) {
    switch operation {
    case .type: break
    case .ref(let target):
      guard let next = target.node else {
        throw .unresolvedReference(target.reference, in: node.document)
      }
      try check(value, next, path: path, into: &out, evaluated: &evaluated)
    case .dynamicRef(let target, let anchor):
      guard var next = target.node else {
        throw .unresolvedReference(target.reference, in: node.document)
      }
      if let anchor, next.dynamicAnchor == anchor {
        for resource in scope {
          if let dynamic = resource.dynamicAnchors[anchor] {
            next = dynamic
            break
          }
        }
      }
      try check(value, next, path: path, into: &out, evaluated: &evaluated)
    case .enumeration(let options):
      if !options.contains(where: { JSONSchemaSet.equal($0, value) }) {
        let shown = options.prefix(12).map { CanonicalJSON.compact($0) }.joined(separator: ", ")
        out.append(
          Violation(
            path: path, keyword: "enum",
            message:
              "\(CanonicalJSON.compact(value)) is not one of: \(shown)\(options.count > 12 ? ", …" : "")"
          ))
      }
    case .constant(let constant):
      if !JSONSchemaSet.equal(constant, value) {
        out.append(
          Violation(
            path: path, keyword: "const",
            message:
              "must be \(CanonicalJSON.compact(constant)), found \(CanonicalJSON.compact(value))"))
      }
    case .multipleOf(let divisor):
      if case .number(let n) = value, !JSONSchemaSet.isMultiple(n, of: divisor) {
        out.append(
          Violation(
            path: path, keyword: "multipleOf", message: "\(n) is not a multiple of \(divisor)"))
      }
    case .minimum(let min):
      if case .number(let n) = value, n < min {
        out.append(Violation(path: path, keyword: "minimum", message: "\(n) is less than \(min)"))
      }
    case .maximum(let max):
      if case .number(let n) = value, max < n {
        out.append(Violation(path: path, keyword: "maximum", message: "\(n) is more than \(max)"))
      }
    case .exclusiveMinimum(let min):
      if case .number(let n) = value, !(min < n) {
        out.append(
          Violation(
            path: path, keyword: "exclusiveMinimum", message: "\(n) is not more than \(min)"))
      }
    case .exclusiveMaximum(let max):
      if case .number(let n) = value, !(n < max) {
        out.append(
          Violation(
            path: path, keyword: "exclusiveMaximum", message: "\(n) is not less than \(max)"))
      }
    case .minLength(let min):
      if case .string(let s) = value, s.unicodeScalars.count < min {
        out.append(
          Violation(
            path: path, keyword: "minLength",
            message: min == 1 ? "must not be empty" : "shorter than \(min) characters"))
      }
    case .maxLength(let max):
      if case .string(let s) = value, s.unicodeScalars.count > max {
        out.append(
          Violation(path: path, keyword: "maxLength", message: "longer than \(max) characters"))
      }
    case .pattern(let pattern):
      if case .string(let s) = value {
        guard pattern.regex != nil else { throw .invalidPattern(pattern.source) }
        if !pattern.matches(s) {
          out.append(
            Violation(
              path: path, keyword: "pattern",
              message: "\(CanonicalJSON.compact(value)) does not match \(pattern.source)"))
        }
      }
    case .format(let format):
      if case .string(let s) = value {
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
    case .minItems(let min):
      if case .array(let items) = value, items.count < min {
        out.append(
          Violation(
            path: path, keyword: "minItems",
            message: min == 1 ? "must have at least one element" : "fewer than \(min) elements"))
      }
    case .maxItems(let max):
      if case .array(let items) = value, items.count > max {
        out.append(Violation(path: path, keyword: "maxItems", message: "more than \(max) elements"))
      }
    case .uniqueItems:
      if case .array(let items) = value, Self.hasDuplicate(items) {
        out.append(
          Violation(path: path, keyword: "uniqueItems", message: "elements must be unique"))
      }
    case .prefixItems(let schemas):
      guard case .array(let items) = value else { break }
      for (k, (item, schema)) in zip(items, schemas).enumerated() {
        var ignored = Evaluated()
        try check(item, schema, path: path.appending(k), into: &out, evaluated: &ignored)
      }
      evaluated.itemPrefix = max(evaluated.itemPrefix, min(items.count, schemas.count))
    case .items(let schema, let after):
      guard case .array(let items) = value else { break }
      for k in items.indices where k >= after {
        var ignored = Evaluated()
        try check(items[k], schema, path: path.appending(k), into: &out, evaluated: &ignored)
      }
      evaluated.allItems = true
    case .contains(let schema, let min, let max):
      guard case .array(let items) = value else { break }
      var matched: [Int] = []
      for (k, item) in items.enumerated() {
        var ignored = Evaluated()
        if try trial(item, schema, path: path.appending(k), evaluated: &ignored).isEmpty {
          matched.append(k)
        }
      }
      if matched.count < min {
        out.append(
          Violation(
            path: path, keyword: min == 1 ? "contains" : "minContains",
            message: min == 1
              ? "no element matches the required form"
              : "\(matched.count) elements match the required form, fewer than \(min)"))
      } else if let max, matched.count > max {
        out.append(
          Violation(
            path: path, keyword: "maxContains",
            message: "\(matched.count) elements match the form, more than \(max)"))
      } else {
        evaluated.items.formUnion(matched)
      }
    case .minProperties(let min):
      if case .object(let members) = value, members.count < min {
        out.append(
          Violation(path: path, keyword: "minProperties", message: "fewer than \(min) fields"))
      }
    case .maxProperties(let max):
      if case .object(let members) = value, members.count > max {
        out.append(
          Violation(path: path, keyword: "maxProperties", message: "more than \(max) fields"))
      }
    case .required(let names):
      guard case .object(let members) = value else { break }
      for key in names where members[key] == nil {
        out.append(
          Violation(
            path: path.appending(key), keyword: "required",
            message: "required field \"\(key)\" is missing"))
      }
    case .dependentRequired(let dependencies):
      guard case .object(let members) = value else { break }
      for (trigger, names) in dependencies where members[trigger] != nil {
        for key in names where members[key] == nil {
          out.append(
            Violation(
              path: path.appending(key), keyword: "dependentRequired",
              message: "field \"\(key)\" is required when \"\(trigger)\" is present"))
        }
      }
    case .properties(let properties):
      guard case .object(let members) = value else { break }
      for (key, schema) in properties {
        guard let child = members[key] else { continue }
        var ignored = Evaluated()
        try check(child, schema, path: path.appending(key), into: &out, evaluated: &ignored)
        if set.collectsAnnotations { evaluated.properties.insert(key) }
      }
    case .patternProperties(let patterns):
      guard case .object(let members) = value else { break }
      for (pattern, schema) in patterns {
        guard pattern.regex != nil else { throw .invalidPattern(pattern.source) }
        for key in members.keys.sorted(by: CanonicalJSON.keyPrecedes) where pattern.matches(key) {
          guard let child = members[key] else { continue }
          var ignored = Evaluated()
          try check(child, schema, path: path.appending(key), into: &out, evaluated: &ignored)
          if set.collectsAnnotations { evaluated.properties.insert(key) }
        }
      }
    case .additionalProperties(let schema, let named, let patterns):
      guard case .object(let members) = value else { break }
      for key in members.keys.sorted(by: CanonicalJSON.keyPrecedes)
      where !named.contains(key) && !patterns.contains(where: { $0.matches(key) }) {
        guard let child = members[key] else { continue }
        if schema.boolean == false {
          out.append(
            Violation(
              path: path.appending(key), keyword: "additionalProperties",
              message: "unknown field \"\(key)\""))
        } else {
          var ignored = Evaluated()
          try check(child, schema, path: path.appending(key), into: &out, evaluated: &ignored)
        }
        if set.collectsAnnotations { evaluated.properties.insert(key) }
      }
    case .propertyNames(let schema):
      guard case .object(let members) = value else { break }
      for key in members.keys.sorted(by: CanonicalJSON.keyPrecedes) {
        var ignored = Evaluated()
        if try !trial(.string(key), schema, path: path.appending(key), evaluated: &ignored).isEmpty
        {
          out.append(
            Violation(
              path: path.appending(key), keyword: "propertyNames",
              message: "name \"\(key)\" is not allowed"))
        }
      }
    case .dependentSchemas(let dependencies):
      guard case .object(let members) = value else { break }
      for (trigger, schema) in dependencies where members[trigger] != nil {
        try check(value, schema, path: path, into: &out, evaluated: &evaluated)
      }
    case .allOf(let schemas):
      for schema in schemas {
        try check(value, schema, path: path, into: &out, evaluated: &evaluated)
      }
    case .anyOf(let schemas):
      var best: [Violation]? = nil
      var passed = false
      for schema in schemas {
        let violations = try trial(value, schema, path: path, evaluated: &evaluated)
        if violations.isEmpty {
          passed = true
          // Every passing alternative's annotations count, so all are evaluated.
          if !set.collectsAnnotations { break }
        } else if !passed, violations.count < (best?.count ?? Int.max) {
          best = violations
        }
      }
      if !passed, let best {
        out.append(
          Violation(
            path: path, keyword: "anyOf",
            message: "matches none of the allowed forms (closest: \(best.first?.message ?? "?"))"))
      }
    case .oneOf(let schemas):
      var passing = 0
      var candidate = Evaluated()
      for schema in schemas {
        var sub = Evaluated()
        if try trial(value, schema, path: path, evaluated: &sub).isEmpty {
          passing += 1
          candidate = sub
        }
      }
      if passing == 1 {
        evaluated.merge(candidate)
      } else {
        out.append(
          Violation(
            path: path, keyword: "oneOf",
            message: passing == 0
              ? "matches none of the allowed forms" : "matches more than one form"))
      }
    case .not(let schema):
      var ignored = Evaluated()
      if try trial(value, schema, path: path, evaluated: &ignored).isEmpty {
        out.append(Violation(path: path, keyword: "not", message: "matches a forbidden form"))
      }
    case .conditional(let condition, let then, let otherwise):
      if try trial(value, condition, path: path, evaluated: &evaluated).isEmpty {
        if let then { try check(value, then, path: path, into: &out, evaluated: &evaluated) }
      } else if let otherwise {
        try check(value, otherwise, path: path, into: &out, evaluated: &evaluated)
      }
    case .unevaluatedItems(let schema):
      guard case .array(let items) = value, !evaluated.allItems else { break }
      for k in items.indices where k >= evaluated.itemPrefix && !evaluated.items.contains(k) {
        var ignored = Evaluated()
        if schema.boolean == false {
          out.append(
            Violation(
              path: path.appending(k), keyword: "unevaluatedItems",
              message: "no schema describes element \(k)"))
        } else {
          try check(items[k], schema, path: path.appending(k), into: &out, evaluated: &ignored)
        }
      }
      evaluated.allItems = true
    case .unevaluatedProperties(let schema):
      guard case .object(let members) = value, !evaluated.allProperties else { break }
      for key in members.keys.sorted(by: CanonicalJSON.keyPrecedes)
      where !evaluated.properties.contains(key) {
        guard let child = members[key] else { continue }
        if schema.boolean == false {
          out.append(
            Violation(
              path: path.appending(key), keyword: "unevaluatedProperties",
              message: "unknown field \"\(key)\""))
        } else {
          var ignored = Evaluated()
          try check(child, schema, path: path.appending(key), into: &out, evaluated: &ignored)
        }
      }
      evaluated.allProperties = true
    }
  }

  /// Whether two elements are equal by JSON Schema's equality (code points, exact numbers).
  static func hasDuplicate(_ items: [JSONValue]) -> Bool {
    // Swift's equality is coarser (canonical equivalence): distinct there means distinct here.
    if Set(items).count == items.count { return false }
    for i in items.indices {
      for j in items.indices where j > i {
        if JSONSchemaSet.equal(items[i], items[j]) { return true }
      }
    }
    return false
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
