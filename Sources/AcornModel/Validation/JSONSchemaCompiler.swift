import Foundation

/// The compiled form of a schema set: every schema object becomes a `SchemaNode` whose keywords
/// are checked, typed operations, with `$ref`, `$dynamicRef`, `$id`, `$anchor` and
/// `$dynamicAnchor` resolved once when the set loads (JSON Schema 2020-12 §8, §9 and RFC 3986).
///
/// Immutable after `SchemaCompiler.compile` returns, so one set validates from many threads.
final class SchemaNode: @unchecked Sendable {
  /// Where the schema object is: the document's key and the path inside it.
  let document: String
  let path: JSONPath
  /// The innermost schema resource (`$id`, or the document) the object belongs to.
  let resource: SchemaResource
  /// `true` / `false` schemas.
  var boolean: Bool?
  var operations: [SchemaOperation] = []
  /// The `$dynamicAnchor` this object declares, if any.
  var dynamicAnchor: String?

  init(document: String, path: JSONPath, resource: SchemaResource) {
    self.document = document
    self.path = path
    self.resource = resource
  }
}

/// A schema resource: the unit `$dynamicRef` searches, identified by its absolute URI.
final class SchemaResource: @unchecked Sendable {
  let uri: String
  var dynamicAnchors: [String: SchemaNode] = [:]
  init(uri: String) { self.uri = uri }
}

/// A reference, resolved when the set loads; `node` stays nil when it resolves nowhere.
final class SchemaTarget: @unchecked Sendable {
  let reference: String
  var node: SchemaNode?
  init(reference: String) { self.reference = reference }
}

struct CompiledPattern: @unchecked Sendable {
  let source: String
  let regex: NSRegularExpression?

  func matches(_ s: String) -> Bool {
    guard let regex else { return false }
    return regex.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
  }
}

enum SchemaOperation: @unchecked Sendable {
  case ref(SchemaTarget)
  case dynamicRef(SchemaTarget, anchor: String?)
  case type([String])
  case enumeration([JSONValue])
  case constant(JSONValue)
  case multipleOf(DecimalNumber)
  case minimum(DecimalNumber)
  case maximum(DecimalNumber)
  case exclusiveMinimum(DecimalNumber)
  case exclusiveMaximum(DecimalNumber)
  case minLength(Int)
  case maxLength(Int)
  case pattern(CompiledPattern)
  case format(String)
  case minItems(Int)
  case maxItems(Int)
  case uniqueItems
  case prefixItems([SchemaNode])
  case items(SchemaNode, after: Int)
  case contains(SchemaNode, min: Int, max: Int?)
  case minProperties(Int)
  case maxProperties(Int)
  case required([String])
  case dependentRequired([(String, [String])])
  case properties([(String, SchemaNode)])
  case patternProperties([(CompiledPattern, SchemaNode)])
  case additionalProperties(SchemaNode, named: Set<String>, patterns: [CompiledPattern])
  case propertyNames(SchemaNode)
  case dependentSchemas([(String, SchemaNode)])
  case allOf([SchemaNode])
  case anyOf([SchemaNode])
  case oneOf([SchemaNode])
  case not(SchemaNode)
  case conditional(if: SchemaNode, then: SchemaNode?, else: SchemaNode?)
  case unevaluatedItems(SchemaNode)
  case unevaluatedProperties(SchemaNode)
}

/// The 2020-12 vocabularies and the keywords each defines.
enum SchemaVocabulary: String, CaseIterable, Sendable {
  case core, applicator, unevaluated, validation
  case metaData = "meta-data"
  case formatAnnotation = "format-annotation"
  case formatAssertion = "format-assertion"
  case content

  var uri: String { "https://json-schema.org/draft/2020-12/vocab/" + rawValue }

  var keywords: Set<String> {
    switch self {
    case .core:
      [
        "$id", "$schema", "$ref", "$anchor", "$dynamicRef", "$dynamicAnchor", "$vocabulary",
        "$comment", "$defs",
      ]
    case .applicator:
      [
        "prefixItems", "items", "contains", "additionalProperties", "properties",
        "patternProperties", "dependentSchemas", "propertyNames", "if", "then", "else", "allOf",
        "anyOf", "oneOf", "not",
      ]
    case .unevaluated: ["unevaluatedItems", "unevaluatedProperties"]
    case .validation:
      [
        "type", "const", "enum", "multipleOf", "maximum", "exclusiveMaximum", "minimum",
        "exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems", "minItems",
        "uniqueItems", "maxContains", "minContains", "maxProperties", "minProperties", "required",
        "dependentRequired",
      ]
    case .metaData:
      ["title", "description", "default", "deprecated", "readOnly", "writeOnly", "examples"]
    case .formatAnnotation, .formatAssertion: ["format"]
    case .content: ["contentEncoding", "contentMediaType", "contentSchema"]
    }
  }

  static let all: Set<SchemaVocabulary> = Set(allCases).subtracting([.formatAssertion])
  static let allKeywords: Set<String> = allCases.reduce(into: []) { $0.formUnion($1.keywords) }
}

/// Builds the node graph of a set of documents.
struct SchemaCompiler {
  /// Document key → its retrieval URI and JSON.
  var documents: [(key: String, uri: URIReference, json: JSONValue)]
  var assertsFormats: Bool

  private(set) var nodes: [String: [JSONPath: SchemaNode]] = [:]
  private(set) var resources: [String: (node: SchemaNode, resource: SchemaResource)] = [:]
  private(set) var anchors: [String: SchemaNode] = [:]

  /// Drops every edge between nodes (operations and dynamic anchors), so the reference cycles of
  /// a compiled set are freed; the set is unusable afterwards. Called by `JSONSchemaSet.deinit`.
  func releaseGraph() {
    for byPath in nodes.values {
      for node in byPath.values {
        node.operations = []
        node.resource.dynamicAnchors = [:]
      }
    }
    for entry in resources.values { entry.resource.dynamicAnchors = [:] }
  }
  private(set) var targets: [(SchemaTarget, SchemaNode)] = []
  private(set) var patterns: [String: CompiledPattern] = [:]
  private var raw: [String: JSONValue] = [:]
  private var pending: [(SchemaNode, JSONValue, Set<SchemaVocabulary>)] = []
  private var rootsByURI: [String: JSONValue] = [:]

  init(documents: [(key: String, uri: URIReference, json: JSONValue)], assertsFormats: Bool) {
    self.documents = documents
    self.assertsFormats = assertsFormats
  }

  /// The nodes of every document, references resolved.
  mutating func compile() {
    for doc in documents {
      raw[doc.key] = doc.json
      rootsByURI[doc.uri.withoutFragment.text] = doc.json
      if let id = doc.json["$id"]?.stringValue {
        rootsByURI[URIReference(id).resolved(against: doc.uri).withoutFragment.text] = doc.json
      }
    }
    for doc in documents {
      let resource = SchemaResource(uri: doc.uri.withoutFragment.text)
      scan(
        doc.json, document: doc.key, path: .root, base: doc.uri, resource: resource,
        vocabularies: SchemaVocabulary.all, isDocumentRoot: true)
    }
    while let (node, json, vocabularies) = pending.popLast() {
      build(node, json, vocabularies: vocabularies)
    }
  }

  func node(_ document: String, _ path: JSONPath) -> SchemaNode? { nodes[document]?[path] }

  /// The vocabularies a `$schema` URI enables: those its meta-schema lists in `$vocabulary`
  /// (all of 2020-12 when it lists none or is unknown).
  func vocabularies(for metaschema: String) -> Set<SchemaVocabulary> {
    let uri = URIReference(metaschema).withoutFragment.text
    guard let root = rootsByURI[uri], let declared = root["$vocabulary"]?.objectValue else {
      return SchemaVocabulary.all
    }
    var out: Set<SchemaVocabulary> = []
    for vocabulary in SchemaVocabulary.allCases where declared[vocabulary.uri] != nil {
      out.insert(vocabulary)
    }
    out.insert(.core)
    return out
  }

  // MARK: Scanning: identifiers, anchors and the nodes they name

  private mutating func scan(
    _ json: JSONValue, document: String, path: JSONPath, base: URIReference,
    resource: SchemaResource, vocabularies: Set<SchemaVocabulary>, isDocumentRoot: Bool
  ) {
    var base = base
    var resource = resource
    var vocabularies = vocabularies
    if case .object(let members) = json {
      if let schema = members["$schema"]?.stringValue {
        vocabularies = self.vocabularies(for: schema)
      }
      if let id = members["$id"]?.stringValue {
        let uri = URIReference(id).resolved(against: base).withoutFragment
        base = uri
        if !isDocumentRoot || uri.text != resource.uri {
          resource = SchemaResource(uri: uri.text)
        }
      }
    }
    let node = SchemaNode(document: document, path: path, resource: resource)
    nodes[document, default: [:]][path] = node
    pending.append((node, json, vocabularies))
    if resources[resource.uri] == nil { resources[resource.uri] = (node, resource) }
    if isDocumentRoot {
      let retrieval = documents.first { $0.key == document }?.uri.withoutFragment.text
      if let retrieval, resources[retrieval] == nil { resources[retrieval] = (node, resource) }
    }
    guard case .object(let members) = json else { return }
    if let anchor = members["$anchor"]?.stringValue {
      anchors[resource.uri + "#" + anchor] = node
    }
    if let anchor = members["$dynamicAnchor"]?.stringValue {
      anchors[resource.uri + "#" + anchor] = node
      node.dynamicAnchor = anchor
      if resource.dynamicAnchors[anchor] == nil { resource.dynamicAnchors[anchor] = node }
    }
    for key in members.keys.sorted() {
      guard let sub = members[key], Self.isApplicator(key, in: vocabularies) else { continue }
      let here = path.appending(key)
      func child(_ value: JSONValue, _ at: JSONPath) {
        scan(
          value, document: document, path: at, base: base, resource: resource,
          vocabularies: vocabularies, isDocumentRoot: false)
      }
      switch key {
      case "properties", "patternProperties", "$defs", "dependentSchemas":
        for name in (sub.objectValue ?? [:]).keys.sorted() {
          if let value = sub[name], Self.isSchema(value) { child(value, here.appending(name)) }
        }
      case "allOf", "anyOf", "oneOf", "prefixItems":
        for (i, value) in (sub.arrayValue ?? []).enumerated() where Self.isSchema(value) {
          child(value, here.appending(i))
        }
      default:
        if Self.isSchema(sub) { child(sub, here) }
      }
    }
  }

  static func isSchema(_ v: JSONValue) -> Bool {
    switch v {
    case .object, .bool: true
    default: false
    }
  }

  static let singleSchemaKeywords: Set<String> = [
    "additionalProperties", "propertyNames", "items", "not", "contains", "if", "then", "else",
    "unevaluatedItems", "unevaluatedProperties", "contentSchema",
  ]

  /// Keywords whose values hold subschemas (`$defs` included: its schemas can be referenced).
  static func isApplicator(_ key: String, in vocabularies: Set<SchemaVocabulary>) -> Bool {
    switch key {
    case "$defs": true
    case "properties", "patternProperties", "dependentSchemas", "allOf", "anyOf", "oneOf",
      "prefixItems", "additionalProperties", "propertyNames", "items", "not", "contains", "if",
      "then", "else":
      vocabularies.contains(.applicator)
    case "unevaluatedItems", "unevaluatedProperties": vocabularies.contains(.unevaluated)
    case "contentSchema": vocabularies.contains(.content)
    default: false
    }
  }

  // MARK: Building operations

  private mutating func pattern(_ source: String) -> CompiledPattern {
    if let cached = patterns[source] { return cached }
    let compiled = CompiledPattern(
      source: source, regex: try? NSRegularExpression(pattern: source))
    patterns[source] = compiled
    return compiled
  }

  private mutating func build(
    _ node: SchemaNode, _ json: JSONValue, vocabularies: Set<SchemaVocabulary>
  ) {
    switch json {
    case .bool(let b):
      node.boolean = b
      return
    case .object: break
    default:
      node.boolean = true
      return
    }
    func has(_ vocabulary: SchemaVocabulary) -> Bool { vocabularies.contains(vocabulary) }
    func child(_ key: String) -> SchemaNode? {
      guard let value = json[key], Self.isSchema(value) else { return nil }
      return nodes[node.document]?[node.path.appending(key)]
    }
    func children(_ key: String) -> [SchemaNode] {
      (json[key]?.arrayValue ?? []).indices.compactMap {
        nodes[node.document]?[node.path.appending(key).appending($0)]
      }
    }
    func named(_ key: String) -> [(String, SchemaNode)] {
      (json[key]?.objectValue ?? [:]).keys.sorted().compactMap { name in
        nodes[node.document]?[node.path.appending(key).appending(name)].map { (name, $0) }
      }
    }
    func count(_ key: String) -> Int? {
      guard let n = json[key]?.decimalValue, n.isInteger, !n.isNegative else { return nil }
      return n.exactInt ?? Int.max
    }
    var ops: [SchemaOperation] = []
    let base = URIReference(node.resource.uri)
    if let ref = json["$ref"]?.stringValue {
      ops.append(.ref(target(ref, base: base, from: node)))
    }
    if let ref = json["$dynamicRef"]?.stringValue {
      let uri = URIReference(ref)
      let anchor = uri.fragment.flatMap { $0.isEmpty || $0.hasPrefix("/") ? nil : $0 }
      ops.append(.dynamicRef(target(ref, base: base, from: node), anchor: anchor))
    }
    if has(.validation) {
      if let type = json["type"] {
        ops.append(
          .type(type.stringValue.map { [$0] } ?? (type.arrayValue ?? []).compactMap(\.stringValue)))
      }
      if let options = json["enum"]?.arrayValue { ops.append(.enumeration(options)) }
      if let constant = json["const"] { ops.append(.constant(constant)) }
      if let n = json["multipleOf"]?.decimalValue, !n.isZero, !n.isNegative {
        ops.append(.multipleOf(n))
      }
      if let n = json["minimum"]?.decimalValue { ops.append(.minimum(n)) }
      if let n = json["maximum"]?.decimalValue { ops.append(.maximum(n)) }
      if let n = json["exclusiveMinimum"]?.decimalValue { ops.append(.exclusiveMinimum(n)) }
      if let n = json["exclusiveMaximum"]?.decimalValue { ops.append(.exclusiveMaximum(n)) }
      if let n = count("minLength") { ops.append(.minLength(n)) }
      if let n = count("maxLength") { ops.append(.maxLength(n)) }
      if let p = json["pattern"]?.stringValue { ops.append(.pattern(pattern(p))) }
      if let n = count("minItems") { ops.append(.minItems(n)) }
      if let n = count("maxItems") { ops.append(.maxItems(n)) }
      if json["uniqueItems"] == .bool(true) { ops.append(.uniqueItems) }
      if let n = count("minProperties") { ops.append(.minProperties(n)) }
      if let n = count("maxProperties") { ops.append(.maxProperties(n)) }
      if let names = json["required"]?.arrayValue {
        ops.append(.required(names.compactMap(\.stringValue)))
      }
      if let dependent = json["dependentRequired"]?.objectValue {
        ops.append(
          .dependentRequired(
            dependent.keys.sorted().map { key in
              (key, (dependent[key]?.arrayValue ?? []).compactMap(\.stringValue))
            }))
      }
    }
    if let format = json["format"]?.stringValue,
      has(.formatAssertion) || (assertsFormats && has(.formatAnnotation))
    {
      ops.append(.format(format))
    }
    if has(.applicator) {
      let prefix = children("prefixItems")
      if !prefix.isEmpty { ops.append(.prefixItems(prefix)) }
      if let items = child("items") { ops.append(.items(items, after: prefix.count)) }
      if let contains = child("contains") {
        let min = has(.validation) ? count("minContains") ?? 1 : 1
        let max = has(.validation) ? count("maxContains") : nil
        ops.append(.contains(contains, min: min, max: max))
      }
      let properties = named("properties")
      if !properties.isEmpty { ops.append(.properties(properties)) }
      let patternProperties = named("patternProperties").map { (pattern($0.0), $0.1) }
      if !patternProperties.isEmpty { ops.append(.patternProperties(patternProperties)) }
      if let additional = child("additionalProperties") {
        ops.append(
          .additionalProperties(
            additional, named: Set((json["properties"]?.objectValue ?? [:]).keys),
            patterns: patternProperties.map(\.0)))
      }
      if let names = child("propertyNames") { ops.append(.propertyNames(names)) }
      let dependentSchemas = named("dependentSchemas")
      if !dependentSchemas.isEmpty { ops.append(.dependentSchemas(dependentSchemas)) }
      let all = children("allOf")
      if !all.isEmpty { ops.append(.allOf(all)) }
      let any = children("anyOf")
      if !any.isEmpty { ops.append(.anyOf(any)) }
      let one = children("oneOf")
      if !one.isEmpty { ops.append(.oneOf(one)) }
      if let not = child("not") { ops.append(.not(not)) }
      if let condition = child("if") {
        ops.append(.conditional(if: condition, then: child("then"), else: child("else")))
      }
    }
    if has(.unevaluated) {
      if let items = child("unevaluatedItems") { ops.append(.unevaluatedItems(items)) }
      if let properties = child("unevaluatedProperties") {
        ops.append(.unevaluatedProperties(properties))
      }
    }
    node.operations = ops
  }

  // MARK: References

  private mutating func target(_ reference: String, base: URIReference, from node: SchemaNode)
    -> SchemaTarget
  {
    let uri = URIReference(reference).resolved(against: base)
    let target = SchemaTarget(reference: reference)
    target.node = resolve(uri)
    targets.append((target, node))
    return target
  }

  /// The node an absolute URI names: a resource, an anchor in one, or a JSON pointer from one.
  mutating func resolve(_ uri: URIReference) -> SchemaNode? {
    let resourceURI = uri.withoutFragment.text
    guard let fragment = uri.decodedFragment, !fragment.isEmpty else {
      return resources[resourceURI]?.node
    }
    guard fragment.hasPrefix("/") else { return anchors[resourceURI + "#" + fragment] }
    guard let root = resources[resourceURI]?.node, let document = raw[root.document] else {
      return nil
    }
    var path = root.path
    var value: JSONValue? = document[root.path]
    for token in fragment.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
      let key = JSONSchemaSet.unescapePointerToken(token)
      if let array = value?.arrayValue {
        guard let i = Int(key), i >= 0, i < array.count, String(i) == key else { return nil }
        path = path.appending(i)
        value = array[i]
      } else {
        guard let next = value?[key] else { return nil }
        path = path.appending(key)
        value = next
      }
    }
    if let existing = nodes[root.document]?[path] { return existing }
    guard let value, Self.isSchema(value) else { return nil }
    // A location no keyword describes as a schema (inside an unknown keyword): compiled now,
    // in the resource of its nearest compiled ancestor.
    var ancestor = path.components
    var owner = root
    while !ancestor.isEmpty {
      ancestor.removeLast()
      if let found = nodes[root.document]?[JSONPath(ancestor)] {
        owner = found
        break
      }
    }
    scan(
      value, document: root.document, path: path, base: URIReference(owner.resource.uri),
      resource: owner.resource, vocabularies: SchemaVocabulary.all, isDocumentRoot: false)
    while let (node, json, vocabularies) = pending.popLast() {
      build(node, json, vocabularies: vocabularies)
    }
    return nodes[root.document]?[path]
  }
}
