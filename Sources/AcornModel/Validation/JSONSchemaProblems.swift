import Foundation

/// What is wrong with a set of schemas themselves, found once when they load: keywords outside
/// JSON Schema 2020-12 (unless the set ignores them), malformed values of the keywords it does (`"minLength": "50"`,
/// `"required": "a"`), references that resolve nowhere or only to themselves (a `$ref` loop that
/// would never consume any of the value), and patterns that do not compile.
///
/// A schema with any of these must not be used to check records: a constraint the team wrote
/// would silently not be enforced. Commands refuse to run; `acorn validate` reports each as an
/// error with its file, line and JSON path.
public struct SchemaProblem: Sendable, Hashable {
  public var file: String
  public var path: JSONPath
  /// `schema.unsupported-keyword`, `schema.malformed`, `schema.unresolved-ref`,
  /// `schema.ref-cycle`, `schema.invalid-pattern`.
  public var code: String
  public var message: String
}

extension JSONSchemaSet {
  static let schemaValuedKeywords: Set<String> = [
    "additionalProperties", "propertyNames", "items", "not", "contains", "if", "then", "else",
    "unevaluatedItems", "unevaluatedProperties", "contentSchema",
  ]
  static let schemaMapKeywords: Set<String> = [
    "properties", "$defs", "patternProperties", "dependentSchemas",
  ]
  static let schemaArrayKeywords: Set<String> = ["anyOf", "oneOf", "allOf", "prefixItems"]
  static let nonNegativeIntegerKeywords: Set<String> = [
    "minItems", "maxItems", "minLength", "maxLength", "minContains", "maxContains",
    "minProperties", "maxProperties",
  ]
  static let numberKeywords: Set<String> = [
    "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
  ]
  static let stringKeywords: Set<String> = [
    "format", "$schema", "$id", "title", "description", "$comment", "$ref", "$dynamicRef",
    "contentEncoding", "contentMediaType",
  ]
  static let booleanKeywords: Set<String> = ["uniqueItems", "deprecated", "readOnly", "writeOnly"]
  static let typeNames: Set<String> = [
    "null", "boolean", "object", "array", "number", "string", "integer",
  ]

  /// Every problem of every schema in the set, sorted by file and path.
  func findProblems() -> [SchemaProblem] {
    var out: [SchemaProblem] = []
    func add(_ file: String, _ path: JSONPath, _ code: String, _ message: String) {
      out.append(SchemaProblem(file: file, path: path, code: code, message: message))
    }
    func isSchema(_ v: JSONValue) -> Bool { SchemaCompiler.isSchema(v) }
    func isStringArray(_ v: JSONValue) -> Bool {
      guard case .array(let names) = v, names.allSatisfy({ $0.stringValue != nil }) else {
        return false
      }
      return Set(names.compactMap(\.stringValue).map { Array($0.utf8) }).count == names.count
    }
    func checkPattern(_ file: String, _ here: JSONPath, _ pattern: String) {
      if (try? NSRegularExpression(pattern: pattern)) == nil {
        add(
          file, here, "schema.invalid-pattern", "\"\(pattern)\" is not a valid regular expression")
      }
    }
    func walk(_ file: String, _ node: JSONValue, _ path: JSONPath) {
      guard case .object(let members) = node else { return }
      for key in members.keys.sorted() {
        guard let sub = members[key] else { continue }
        let here = path.appending(key)
        let known = Self.knownKeywords.contains(key) || key.hasPrefix("x-acorn-")
        if !known {
          if unknownKeywords == .problem {
            add(
              file, here, "schema.unsupported-keyword",
              "the keyword \"\(key)\" is not a JSON Schema 2020-12 keyword, so the constraint it states would not be enforced; express it with the 2020-12 keywords (docs/record-format.md) or remove it"
            )
          }
          continue
        }
        func malformed(_ expected: String) {
          add(
            file, here, "schema.malformed",
            "\"\(key)\" takes \(expected), found \(CanonicalJSON.compact(sub, limit: 40))")
        }
        switch key {
        case _ where Self.schemaMapKeywords.contains(key):
          guard case .object(let children) = sub, children.values.allSatisfy(isSchema) else {
            malformed("an object of schemas")
            continue
          }
          for name in children.keys.sorted() {
            if key == "patternProperties" { checkPattern(file, here.appending(name), name) }
            if let child = children[name] { walk(file, child, here.appending(name)) }
          }
        case _ where Self.schemaValuedKeywords.contains(key):
          guard isSchema(sub) else {
            malformed("a schema (an object or a boolean)")
            continue
          }
          walk(file, sub, here)
        case _ where Self.schemaArrayKeywords.contains(key):
          guard case .array(let children) = sub, !children.isEmpty, children.allSatisfy(isSchema)
          else {
            malformed("a non-empty array of schemas")
            continue
          }
          for (i, child) in children.enumerated() { walk(file, child, here.appending(i)) }
        case _ where Self.nonNegativeIntegerKeywords.contains(key):
          guard case .number(let n) = sub, n.isInteger, !n.isNegative else {
            malformed("a non-negative integer")
            continue
          }
        case _ where Self.numberKeywords.contains(key):
          guard case .number = sub else {
            malformed("a number")
            continue
          }
        case "multipleOf":
          guard case .number(let n) = sub, !n.isNegative, !n.isZero else {
            malformed("a number greater than 0")
            continue
          }
        case "required":
          guard isStringArray(sub) else {
            malformed("an array of distinct strings")
            continue
          }
        case "dependentRequired":
          guard case .object(let dependencies) = sub, dependencies.values.allSatisfy(isStringArray)
          else {
            malformed("an object of arrays of distinct strings")
            continue
          }
        case "enum", "examples":
          guard case .array = sub else {
            malformed("an array")
            continue
          }
        case "type":
          let names: [JSONValue] = sub.arrayValue ?? [sub]
          guard !names.isEmpty,
            names.allSatisfy({ $0.stringValue.map(Self.typeNames.contains) == true })
          else {
            malformed(
              "a type name or an array of them (\(Self.typeNames.sorted().joined(separator: ", ")))"
            )
            continue
          }
        case _ where Self.booleanKeywords.contains(key):
          guard case .bool = sub else {
            malformed("true or false")
            continue
          }
        case "pattern":
          guard let pattern = sub.stringValue else {
            malformed("a regular expression as a string")
            continue
          }
          checkPattern(file, here, pattern)
        case "$anchor", "$dynamicAnchor":
          guard let name = sub.stringValue, Self.isAnchorName(name) else {
            malformed("a plain name (a letter or _, then letters, digits, -, _ or .)")
            continue
          }
        case "$vocabulary":
          guard case .object(let vocabularies) = sub,
            vocabularies.values.allSatisfy({ $0.boolValue != nil })
          else {
            malformed("an object of vocabulary URIs to true or false")
            continue
          }
        case _ where Self.stringKeywords.contains(key):
          guard sub.stringValue != nil else {
            malformed(
              key == "$ref" || key == "$dynamicRef" ? "a reference as a string" : "a string")
            continue
          }
        default: break
        }
      }
    }
    for file in schemas.keys.sorted() {
      if let schema = schemas[file] {
        if !isSchema(schema) {
          add(file, .root, "schema.malformed", "a schema file holds a JSON object")
        }
        walk(file, schema, .root)
      }
    }
    // References: each must resolve, and following references (and the applicators that apply
    // at the same place in the value) must never lead back where it started.
    for (target, from) in compiler.targets where schemas[from.document] != nil {
      guard target.node == nil else { continue }
      let keyword =
        schemas[from.document]?[from.path]?["$ref"]?.stringValue == target.reference
        ? "$ref" : "$dynamicRef"
      add(
        from.document, from.path.appending(keyword), "schema.unresolved-ref",
        "\(keyword) \"\(target.reference)\" resolves to no schema")
    }
    var reported: Set<ObjectIdentifier> = []
    for (target, from) in compiler.targets where schemas[from.document] != nil {
      guard let start = target.node, !reported.contains(ObjectIdentifier(from)) else { continue }
      if Self.reaches(from, from: start) {
        reported.insert(ObjectIdentifier(from))
        add(
          from.document, from.path.appending("$ref"), "schema.ref-cycle",
          "$ref \"\(target.reference)\" leads back to itself without describing any part of the value (a reference loop)"
        )
      }
    }
    return out.sorted { ($0.file, $0.path, $0.code) < ($1.file, $1.path, $1.code) }
  }

  /// Whether `goal` is reached from `start` through keywords that apply to the same value
  /// (references and in-place applicators), i.e. without consuming any of the value.
  static func reaches(_ goal: SchemaNode, from start: SchemaNode) -> Bool {
    var stack = [start]
    var seen: Set<ObjectIdentifier> = [ObjectIdentifier(start)]
    while let node = stack.popLast() {
      if node === goal { return true }
      for next in inPlace(node) where seen.insert(ObjectIdentifier(next)).inserted {
        stack.append(next)
      }
    }
    return false
  }

  static func inPlace(_ node: SchemaNode) -> [SchemaNode] {
    var out: [SchemaNode] = []
    for operation in node.operations {
      switch operation {
      case .ref(let t), .dynamicRef(let t, _): if let n = t.node { out.append(n) }
      case .allOf(let s), .anyOf(let s), .oneOf(let s): out.append(contentsOf: s)
      case .not(let s): out.append(s)
      case .dependentSchemas(let s): out.append(contentsOf: s.map(\.1))
      case .conditional(let i, let t, let e):
        out.append(i)
        if let t { out.append(t) }
        if let e { out.append(e) }
      default: break
      }
    }
    return out
  }

  /// `$anchor` syntax: `[A-Za-z_][-A-Za-z0-9._]*`.
  static func isAnchorName(_ name: String) -> Bool {
    guard let first = name.unicodeScalars.first,
      first.isASCII, first.properties.isAlphabetic || first == "_"
    else { return false }
    return name.unicodeScalars.allSatisfy {
      $0.isASCII
        && ($0.properties.isAlphabetic || ("0"..."9").contains($0)
          || "-._".unicodeScalars.contains($0))
    }
  }

  /// `~1` → `/`, `~0` → `~` (RFC 6901), without Foundation string searches.
  static func unescapePointerToken(_ token: Substring) -> String {
    guard token.contains("~") else { return String(token) }
    var out = ""
    var it = token.makeIterator()
    while let c = it.next() {
      if c == "~" {
        switch it.next() {
        case "1": out.append("/")
        case "0": out.append("~")
        case let other?: out.append("~"); out.append(other)
        case nil: out.append("~")
        }
      } else {
        out.append(c)
      }
    }
    return out
  }
}
