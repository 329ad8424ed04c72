/// What is wrong with a set of schemas themselves, found once when they load: keywords the
/// validator does not implement, malformed values of the keywords it does (`"minLength": "50"`,
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
    "additionalProperties", "propertyNames", "items", "not",
  ]
  static let schemaMapKeywords: Set<String> = ["properties", "$defs"]
  static let schemaArrayKeywords: Set<String> = ["anyOf", "oneOf", "allOf"]
  static let nonNegativeIntegerKeywords: Set<String> = [
    "minItems", "maxItems", "minLength", "maxLength",
  ]
  static let typeNames: Set<String> = [
    "null", "boolean", "object", "array", "number", "string", "integer",
  ]

  /// Every problem of every schema in the set, sorted by file and path.
  func findProblems() -> [SchemaProblem] {
    var out: [SchemaProblem] = []
    var references: [(file: String, path: JSONPath)] = []
    func add(_ file: String, _ path: JSONPath, _ code: String, _ message: String) {
      out.append(SchemaProblem(file: file, path: path, code: code, message: message))
    }
    func isSchema(_ v: JSONValue) -> Bool {
      if case .object = v { return true }
      if case .bool = v { return true }
      return false
    }
    func walk(_ file: String, _ node: JSONValue, _ path: JSONPath) {
      guard case .object(let members) = node else { return }
      for key in members.keys.sorted() {
        guard let sub = members[key] else { continue }
        let here = path.appending(key)
        let known =
          Self.assertionKeywords.contains(key) || Self.structuralKeywords.contains(key)
          || Self.annotationKeywords.contains(key) || key.hasPrefix("x-acorn-")
        if !known {
          add(
            file, here, "schema.unsupported-keyword",
            "the keyword \"\(key)\" is not implemented by acorn's validator, so the constraint it states would not be enforced; express it with the supported keywords (docs/record-format.md) or remove it"
          )
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
          guard case .number(let n) = sub, n.scale == 0, !n.isNegative else {
            malformed("a non-negative integer")
            continue
          }
        case "minimum", "maximum":
          guard case .number = sub else {
            malformed("a number")
            continue
          }
        case "required":
          guard case .array(let names) = sub, names.allSatisfy({ $0.stringValue != nil }),
            Set(names).count == names.count
          else {
            malformed("an array of distinct strings")
            continue
          }
        case "enum":
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
        case "uniqueItems":
          guard case .bool = sub else {
            malformed("true or false")
            continue
          }
        case "pattern":
          guard let pattern = sub.stringValue else {
            malformed("a regular expression as a string")
            continue
          }
          if (try? regexForProblems(pattern)) == nil {
            add(
              file, here, "schema.invalid-pattern",
              "\"\(pattern)\" is not a valid regular expression")
          }
        case "$ref":
          guard sub.stringValue != nil else {
            malformed("a reference as a string")
            continue
          }
          references.append((file, path))
        case "format", "$schema", "$id", "title", "description", "$comment":
          guard sub.stringValue != nil else {
            malformed("a string")
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
    // References: each must resolve, and following references (and allOf/anyOf/oneOf/not, which
    // apply at the same place in the value) must never lead back where it started.
    struct Node: Hashable {
      var file: String
      var path: JSONPath
    }
    func value(_ node: Node) -> JSONValue? {
      var v = schemas[node.file]
      for c in node.path.components {
        switch c {
        case .key(let k): v = v?[k]
        case .index(let i):
          guard let a = v?.arrayValue, i < a.count else { return nil }
          v = a[i]
        }
      }
      return v
    }
    func sameLocation(_ node: Node) -> [Node] {
      guard let v = value(node), case .object(let members) = v else { return [] }
      var next: [Node] = []
      if let ref = members["$ref"]?.stringValue, let target = referencePath(ref, from: node.file) {
        next.append(Node(file: target.file, path: target.path))
      }
      for key in Self.schemaArrayKeywords.sorted() {
        for i in 0..<(members[key]?.arrayValue?.count ?? 0) {
          next.append(Node(file: node.file, path: node.path.appending(key).appending(i)))
        }
      }
      if members["not"] != nil {
        next.append(Node(file: node.file, path: node.path.appending("not")))
      }
      return next
    }
    var reportedCycle: Set<Node> = []
    for (file, path) in references {
      let start = Node(file: file, path: path)
      guard let ref = value(start)?["$ref"]?.stringValue else { continue }
      guard let target = referencePath(ref, from: file),
        value(Node(file: target.file, path: target.path)) != nil
      else {
        add(
          file, path.appending("$ref"), "schema.unresolved-ref",
          "$ref \"\(ref)\" resolves to no schema")
        continue
      }
      // Depth-first from the reference; a path back to `start` is a loop.
      var stack: [(Node, Int)] = [(start, 0)]
      var seen: Set<Node> = []
      var cycle = false
      while let (node, depth) = stack.popLast() {
        for n in sameLocation(node) {
          if n == start {
            cycle = true
            break
          }
          if depth < 10_000, seen.insert(n).inserted { stack.append((n, depth + 1)) }
        }
        if cycle { break }
      }
      if cycle && reportedCycle.insert(start).inserted {
        add(
          file, path.appending("$ref"), "schema.ref-cycle",
          "$ref \"\(ref)\" leads back to itself without describing any part of the value (a reference loop)"
        )
      }
    }
    return out.sorted { ($0.file, $0.path, $0.code) < ($1.file, $1.path, $1.code) }
  }

  /// Where a `$ref` points: the file and the JSON path inside it (nil when malformed).
  func referencePath(_ ref: String, from file: String) -> (file: String, path: JSONPath)? {
    let parts = ref.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
    let target = parts[0].isEmpty ? file : String(parts[0].split(separator: "/").last ?? "")
    guard schemas[target] != nil else { return nil }
    var components: [JSONPath.Component] = []
    if parts.count == 2 && !parts[1].isEmpty {
      guard parts[1].hasPrefix("/") else { return nil }
      var node = schemas[target]
      for token in parts[1].dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
        let key = JSONSchemaSet.unescapePointerToken(Substring(token))
        if let array = node?.arrayValue, let i = Int(key), i >= 0, i < array.count {
          components.append(.index(i))
          node = array[i]
        } else {
          components.append(.key(key))
          node = node?[key]
        }
      }
    }
    return (target, JSONPath(components))
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
