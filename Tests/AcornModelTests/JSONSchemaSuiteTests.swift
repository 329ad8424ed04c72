import AcornModel
import Foundation
import Testing

/// The official JSON-Schema-Test-Suite (draft2020-12), run against `JSONSchemaSet` as the
/// specification defines it: unknown keywords ignored, `format` an annotation, remote
/// references served from the suite's `remotes/` folder at `http://localhost:1234/`.
@Suite("JSON Schema 2020-12: the official test suite")
struct JSONSchemaSuiteTests {
  static let folder: String? = Repo.sharedReference.map { $0 + "/json-schema-test-suite" }

  /// The suite's files: the required ones, then `optional/`.
  static func files(_ sub: String) -> [String] {
    guard let folder else { return [] }
    let dir = folder + "/draft2020-12" + sub
    return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
      .filter { $0.hasSuffix(".json") }.sorted()
  }

  /// Every file under `remotes/`, by the URI the suite serves it at.
  static let remotes: [String: JSONValue] = {
    guard let folder else { return [:] }
    let base = folder + "/remotes"
    var out: [String: JSONValue] = [:]
    let walker = FileManager.default.enumerator(atPath: base)
    while let rel = walker?.nextObject() as? String {
      guard rel.hasSuffix(".json"), let bytes = try? Repo.read(base + "/" + rel),
        let json = try? JSONParser.parse(bytes).value
      else { continue }
      out["http://localhost:1234/" + rel] = json
    }
    return out
  }()

  static let schemaKey = "https://acorn.invalid/suite/schema.json"

  /// The cases of one file that do not come out as the suite says.
  static func failures(in path: String) throws -> (cases: Int, failures: [String]) {
    let groups = try JSONParser.parse(try Repo.read(path)).value.arrayValue ?? []
    var failures: [String] = []
    var cases = 0
    for group in groups {
      guard let schema = group["schema"] else { continue }
      var documents = remotes
      documents[schemaKey] = schema
      let set = JSONSchemaSet(schemas: documents, assertsFormats: false, unknownKeywords: .ignore)
      let groupName = group["description"]?.stringValue ?? "?"
      for test in group["tests"]?.arrayValue ?? [] {
        cases += 1
        let name = "\(groupName) / \(test["description"]?.stringValue ?? "?")"
        guard let data = test["data"], let valid = test["valid"]?.boolValue else {
          failures.append("\(name): malformed test")
          continue
        }
        do {
          let violations = try set.validate(data, against: schemaKey)
          if violations.isEmpty != valid {
            failures.append(
              "\(name): expected \(valid ? "valid" : "invalid"), got \(violations.isEmpty ? "valid" : "invalid \(violations.map { "\($0.path) \($0.keyword)" })")"
            )
          }
        } catch {
          failures.append("\(name): \(error)")
        }
      }
    }
    return (cases, failures)
  }

  @Test(
    "every required draft2020-12 test passes",
    .enabled(if: folder != nil, "../shared/reference/json-schema-test-suite is absent"),
    arguments: files(""))
  func required(file: String) throws {
    let folder = try #require(Self.folder)
    let result = try Self.failures(in: folder + "/draft2020-12/" + file)
    #expect(result.cases > 0)
    #expect(result.failures == [], "\(file): \(result.failures.joined(separator: "\n"))")
  }
}

extension JSONSchemaSuiteTests {
  /// Optional files that test what 2020-12 leaves to implementations and Acorn does otherwise,
  /// each with why: historic drafts and `dependencies` (before 2019-09), every `format` as an
  /// assertion (Acorn asserts only `date` and `date-time`), and ECMA-262 regex classes (patterns
  /// run on ICU, where `\d`, `\w` and `\s` are Unicode-aware), and numbers of more than 38
  /// significant digits (`bignum.json`: Acorn keeps numbers exact in 38 significant digits, at any
  /// magnitude — `1e308` is fine — and refuses longer ones with an error naming the line).
  /// Every other optional file passes.
  static let optionalOutOfScope: Set<String> = [
    "bignum.json", "cross-draft.json", "dependencies-compatibility.json", "format-assertion.json",
    "ecmascript-regex.json",
  ]

  @Test(
    "optional draft2020-12 tests Acorn follows pass",
    .enabled(if: folder != nil, "../shared/reference/json-schema-test-suite is absent"),
    arguments: files("/optional").filter { !optionalOutOfScope.contains($0) })
  func optional(file: String) throws {
    let folder = try #require(Self.folder)
    let result = try Self.failures(in: folder + "/draft2020-12/optional/" + file)
    #expect(result.cases > 0)
    #expect(result.failures == [], "\(file): \(result.failures.joined(separator: "\n"))")
  }
}

/// What the suite does not show: Acorn's own choices and the number range.
@Suite("JSON Schema in a workspace")
struct JSONSchemaWorkspaceTests {
  static func set(_ schema: String, mode: JSONSchemaSet.UnknownKeywords = .problem) throws
    -> JSONSchemaSet
  {
    JSONSchemaSet(schemas: ["s.json": try JSONParser.parse(schema)], unknownKeywords: mode)
  }

  @Test("a keyword outside 2020-12 is a problem in a workspace and ignored by the specification")
  func unknownKeywords() throws {
    let schema = #"{"type": "object", "dependencies": {"a": ["b"]}, "x-acorn-merge": "source"}"#
    let strict = try Self.set(schema)
    #expect(strict.problems.map(\.code) == ["schema.unsupported-keyword"])
    #expect(strict.unsupportedKeywords == ["dependencies"])
    #expect(try Self.set(schema, mode: .ignore).problems == [])
    // Every 2020-12 keyword is known, so none of these is a problem.
    let full = try Self.set(
      #"{"dependentRequired": {"a": ["b"]}, "if": {"required": ["c"]}, "then": {"minProperties": 2}, "prefixItems": [true], "unevaluatedProperties": false, "$anchor": "top"}"#
    )
    #expect(full.problems == [])
  }

  @Test("malformed values of the newer keywords are problems with their path")
  func malformed() throws {
    let set = try Self.set(
      #"{"$defs": {"x": {"multipleOf": 0, "dependentRequired": {"a": "b"}, "$anchor": "1x", "patternProperties": {"(": true}}}}"#
    )
    #expect(
      set.problems.map { "\($0.code) \($0.path)" } == [
        "schema.malformed [\"$defs\"].x[\"$anchor\"]",
        "schema.malformed [\"$defs\"].x.dependentRequired",
        "schema.malformed [\"$defs\"].x.multipleOf",
        "schema.invalid-pattern [\"$defs\"].x.patternProperties[\"(\"]",
      ])
  }

  @Test("const, enum and uniqueItems compare strings by code point, not canonical equivalence")
  func codePoints() throws {
    let composed = JSONValue.string("\u{E9}")
    let decomposed = JSONValue.string("e\u{301}")
    #expect(composed == decomposed)  // Swift's equality: canonically equivalent.
    let set = try Self.set(#"{"const": "\u00e9"}"#)
    #expect(try set.validate(composed, against: "s.json") == [])
    #expect(try set.validate(decomposed, against: "s.json").map(\.keyword) == ["const"])
    let unique = try Self.set(#"{"uniqueItems": true}"#)
    #expect(try unique.validate(.array([composed, decomposed]), against: "s.json") == [])
    #expect(
      try unique.validate(.array([composed, composed]), against: "s.json").map(\.keyword) == [
        "uniqueItems"
      ])
  }

  @Test("numbers of any magnitude within 38 significant digits are exact")
  func magnitudes() throws {
    let huge = try DecimalNumber(parsing: "1e308")
    #expect(huge.isInteger)
    #expect(huge.formatted() == "1" + String(repeating: "0", count: 308))
    #expect(try DecimalNumber(parsing: huge.formatted()) == huge)
    #expect(try DecimalNumber(parsing: "10e307") == huge)
    #expect(try DecimalNumber(parsing: "99999999999999999999999999999999999999").scale == 0)
    #expect(try DecimalNumber(parsing: "1e38").scale == -38)
    #expect(try DecimalNumber(parsing: "12e37") < huge)
    #expect(try DecimalNumber(parsing: "-1e308") < DecimalNumber(parsing: "-2"))
    #expect(throws: DecimalError.overflow) { try huge + DecimalNumber(1) }
    #expect(throws: DecimalError.self) {
      try DecimalNumber(parsing: "123456789012345678901234567890123456789")
    }
    let multiple = try Self.set(#"{"multipleOf": 0.123456789}"#)
    #expect(
      try multiple.validate(.number(huge), against: "s.json").map(\.keyword) == ["multipleOf"])
    #expect(
      try Self.set(#"{"multipleOf": 1e300}"#).validate(.number(huge), against: "s.json") == [])
    #expect(
      try Self.set(#"{"multipleOf": 0.01}"#).validate(
        .number(DecimalNumber(parsing: "12.345")), against: "s.json"
      ).map(\.keyword) == [
        "multipleOf"
      ])
  }
}
