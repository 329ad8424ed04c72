import AcornImport
import AcornMerge
import AcornModel
import AcornWorkspace
import Foundation

/// libFuzzer targets for Acorn's readers and its merge engine (docs/reliability.md, `reliability/fuzz`).
///
/// One binary, the target chosen by `ACORN_FUZZ_TARGET`: `x12`, `csv`, `json`, `yaml`, `schema`,
/// `merge`. Built with `-sanitize=fuzzer,address -DFUZZING` it is a libFuzzer binary; built plainly
/// (as `swift build` does) it replays files given as arguments through the same target, so a crash
/// found by the fuzzer reproduces without the sanitizers.
enum FuzzTarget: String, CaseIterable {
  case x12, csv, json, yaml, schema, merge

  static let current: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["ACORN_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
      FileHandle.standardError.write(
        Data(
          "ACORN_FUZZ_TARGET must be one of \(allCases.map(\.rawValue).joined(separator: ", "))\n"
            .utf8))
      exit(2)
    }
    return target
  }()

  /// Runs one input; a broken property comes back as a sentence (a crash is the fuzzer's to find).
  func run(_ bytes: [UInt8]) -> String? {
    switch self {
    case .x12: Self.x12(bytes)
    case .csv: Self.csv(bytes)
    case .json: Self.json(bytes)
    case .yaml: Self.yaml(bytes)
    case .schema: Self.schema(bytes)
    case .merge: Self.merge(bytes)
    }
  }

  static let us = Marketplace("US") ?? Marketplace.all[0]

  /// The X12 reader and every mapping of what it reads.
  static func x12(_ bytes: [UInt8]) -> String? {
    let (sets, _) = X12Reader.read(bytes, file: "fuzz.edi", chunkSize: 7)
    for set in sets {
      let (records, _) = X12Mappings.map(set, marketplace: us, file: "fuzz.edi")
      for record in records {
        if let broken = check(record.canonicalBytes) { return "X12 record: " + broken }
      }
      _ = POAcknowledgement.read(set)
    }
    return nil
  }

  /// Every Vendor Central CSV importer.
  static func csv(_ bytes: [UInt8]) -> String? {
    let results = [
      RemittanceCSV.records(bytes, file: "f.csv", marketplace: us, keepGoing: true),
      ReturnsCSV.records(bytes, file: "f.csv", marketplace: us, keepGoing: true),
      DeductionCSV.records(
        bytes, kind: .chargebacks, file: "f.csv", marketplace: us, keepGoing: true),
      DeductionCSV.records(bytes, kind: .coop, file: "f.csv", marketplace: us, keepGoing: true),
    ]
    for (records, _) in results {
      for record in records {
        if let broken = check(record.canonicalBytes) { return "CSV record: " + broken }
      }
    }
    return nil
  }

  /// The record reader: what it accepts, written canonically, reads back the same and writes the
  /// same bytes again.
  static func json(_ bytes: [UInt8]) -> String? {
    guard let value = try? JSONParser.parse(bytes, recordLines: true).value else { return nil }
    return check(CanonicalJSON.bytes(value), expecting: value)
  }

  /// What is wrong with canonical output, if anything: it must read back (as `value`, when
  /// given) and write the same bytes again.
  static func check(_ canonical: [UInt8], expecting value: JSONValue? = nil) -> String? {
    guard let again = try? JSONParser.parse(canonical).value else {
      return "canonical JSON does not read back: \(String(decoding: canonical, as: UTF8.self))"
    }
    if let value, again != value { return "canonical JSON reads back as another value" }
    if CanonicalJSON.bytes(again) != canonical { return "canonical JSON is not a fixed point" }
    return nil
  }

  /// The YAML settings reader and the rules built from it (lifecycles, team).
  static func yaml(_ bytes: [UInt8]) -> String? {
    guard let text = String(validating: bytes, as: UTF8.self),
      let parsed = try? YAMLDocument.parse(text)
    else { return nil }
    if let set = LifecycleSet(json: parsed.value) {
      for lifecycle in set.lifecycles.values { _ = lifecycle.problems() }
    }
    _ = Team(json: parsed.value)
    return nil
  }

  /// The schema compiler, and validation of a few values against what it compiled.
  static func schema(_ bytes: [UInt8]) -> String? {
    guard let value = try? JSONParser.parse(bytes).value else { return nil }
    for mode in [JSONSchemaSet.UnknownKeywords.problem, .ignore] {
      let set = JSONSchemaSet(schemas: ["s.json": value], unknownKeywords: mode)
      for sample: JSONValue in [
        .null, .bool(true), .number(.zero), .string("é"), .array([.number(DecimalNumber(1))]),
        .object(["a": .string("b")]), value,
      ] {
        _ = try? set.validate(sample, against: "s.json")
      }
    }
    return nil
  }

  /// The merge engine on a real record edited two ways by the input: never a crash, and the
  /// merge properties hold (swapping sides swaps the conflicts; merging the result again with
  /// either side changes nothing).
  static func merge(_ bytes: [UInt8]) -> String? {
    guard let (kind, base, policy) = fixture(bytes.first ?? 0) else { return nil }
    var input = bytes.dropFirst()
    let ours = edit(base, &input)
    let theirs = edit(base, &input)
    let a = RecordMerge.merge(base: base, ours: ours, theirs: theirs, policy: policy)
    let b = RecordMerge.merge(base: base, ours: theirs, theirs: ours, policy: policy)
    if ProcessInfo.processInfo.environment["ACORN_FUZZ_VERBOSE"] != nil {
      for (name, v) in [("ours", ours), ("theirs", theirs), ("a", a.merged), ("b", b.merged)] {
        print(name, v.map { CanonicalJSON.string($0) } ?? "nil")
      }
      print("a conflicts", a.conflicts, "\nb conflicts", b.conflicts)
      fflush(nil)
    }
    if withoutConflicts(a.merged) != withoutConflicts(b.merged) {
      return "\(kind): swapping the sides gives another record"
    }
    if b.conflicts.map(\.swapped) != a.conflicts {
      return "\(kind): swapping the sides does not swap the conflicts"
    }
    guard let m = a.merged, a.conflicts.isEmpty else { return nil }
    for side in [ours, theirs] {
      let again = RecordMerge.merge(base: base, ours: m, theirs: side, policy: policy)
      if ProcessInfo.processInfo.environment["ACORN_FUZZ_VERBOSE"] != nil {
        print("again", again.merged.map { CanonicalJSON.string($0) } ?? "nil")
        print("again conflicts", again.conflicts)
        fflush(nil)
      }
      if !again.conflicts.isEmpty || withoutConflicts(again.merged) != withoutConflicts(m) {
        return "\(kind): merging the result again with a side changes it"
      }
      let mirrored = RecordMerge.merge(base: base, ours: side, theirs: m, policy: policy)
      if withoutConflicts(mirrored.merged) != withoutConflicts(m) {
        return "\(kind): merging a side with the result changes it"
      }
    }
    return nil
  }

  static func withoutConflicts(_ v: JSONValue?) -> JSONValue? {
    v?.setting(nil, at: JSONPath([.key("conflicts")]))
  }

  /// A fixture record of a kind chosen by `selector`, with the workspace template's merge policy.
  static func fixture(_ selector: UInt8) -> (RecordKind, JSONValue, MergePolicy)? {
    let kinds = Fixtures.records.keys.sorted { $0.rawValue < $1.rawValue }
    guard !kinds.isEmpty else { return nil }
    let kind = kinds[Int(selector) % kinds.count]
    guard let record = Fixtures.records[kind] else { return nil }
    return (kind, record, Fixtures.policy(kind))
  }

  /// Changes `value` as the input says: each step picks a field (by index among the record's
  /// leaves and containers) and sets it to a string, number, boolean, null, empty array or
  /// object, or removes it.
  static func edit(_ value: JSONValue, _ input: inout ArraySlice<UInt8>) -> JSONValue {
    var v = value
    let steps = Int(input.popFirst() ?? 0) % 6
    for _ in 0..<steps {
      let paths = Self.paths(v)
      guard !paths.isEmpty, let pick = input.popFirst(), let op = input.popFirst() else { break }
      let path = paths[Int(pick) % paths.count]
      let replacement: JSONValue? =
        switch op % 8 {
        case 0: nil
        case 1: .string("fuzz-\(op)")
        case 2: .number(DecimalNumber(Int(op) - 100))
        case 3: .bool(op & 8 == 0)
        case 4: .null
        case 5: .array([])
        case 6: .object([:])
        default:
          .string(["detected", "in-review", "disputed", "approved", "received"][Int(op) % 5])
        }
      if let changed = v.setting(replacement, at: path) { v = changed }
    }
    return v
  }

  static func paths(_ v: JSONValue, _ at: JSONPath = .root) -> [JSONPath] {
    var out: [JSONPath] = at.components.isEmpty ? [] : [at]
    switch v {
    case .object(let members):
      for key in members.keys.sorted() {
        if let child = members[key] { out += paths(child, at.appending(key)) }
      }
    case .array(let items):
      for (i, item) in items.enumerated() { out += paths(item, at.appending(i)) }
    default: break
    }
    return out
  }
}

/// Fixture records and the template's schemas and lifecycles, read once from the repository
/// (`ACORN_FUZZ_ROOT`, default the current folder).
enum Fixtures {
  static let root = ProcessInfo.processInfo.environment["ACORN_FUZZ_ROOT"] ?? "."

  static let schemas: JSONSchemaSet = {
    let dir = root + "/workspace-template/schemas"
    var out: [String: JSONValue] = [:]
    for name in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] {
      if let data = FileManager.default.contents(atPath: dir + "/" + name),
        let v = try? JSONParser.parse([UInt8](data)).value
      {
        out[name] = v
      }
    }
    return JSONSchemaSet(schemas: out)
  }()

  static let lifecycles: LifecycleSet? = {
    guard
      let data = FileManager.default.contents(
        atPath: root + "/workspace-template/rules/lifecycles.yaml"),
      let parsed = try? YAMLDocument.parse(String(decoding: data, as: UTF8.self))
    else { return nil }
    return LifecycleSet(json: parsed.value)
  }()

  static let records: [RecordKind: JSONValue] = {
    let base = root + "/Tests/Fixtures/records"
    var out: [RecordKind: JSONValue] = [:]
    let walker = FileManager.default.enumerator(atPath: base)
    while let rel = walker?.nextObject() as? String {
      guard rel.hasSuffix(".json"),
        let data = FileManager.default.contents(atPath: base + "/" + rel),
        let v = try? JSONParser.parse([UInt8](data)).value,
        let kind = v["kind"]?.stringValue.flatMap(RecordKind.init(rawValue:)), out[kind] == nil
      else { continue }
      out[kind] = v
    }
    return out
  }()

  static func policy(_ kind: RecordKind) -> MergePolicy {
    MergePolicy(schemas: schemas, kind: kind, lifecycles: lifecycles, sourceSide: nil)
  }
}

/// libFuzzer's entry: a broken property is reported on stderr and the process aborts, which is
/// how a fuzzer records a finding (with the input that caused it).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  if let broken = FuzzTarget.current.run(Array(UnsafeBufferPointer(start: data, count: size))) {
    FileHandle.standardError.write(Data("property broken: \(broken)\n".utf8))
    abort()
  }
  return 0
}

#if FUZZING
  // SwiftPM links an executable's entry point as `<module>_main`; under the fuzzer it hands the
  // process to libFuzzer's driver with the target above.
  @_silgen_name("LLVMFuzzerRunDriver")
  func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
  ) -> CInt

  @_cdecl("acorn_fuzz_main")
  func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?)
    -> CInt
  {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in
      guard let data else { return 0 }
      return fuzzOneInput(data, size)
    }
  }
#else
  /// Replays files through the target chosen by ACORN_FUZZ_TARGET (a crash reproduced).
  @main
  enum Replay {
    static func main() {
      for path in CommandLine.arguments.dropFirst() {
        guard let data = FileManager.default.contents(atPath: path) else {
          FileHandle.standardError.write(Data("cannot read \(path)\n".utf8))
          exit(2)
        }
        if let broken = FuzzTarget.current.run([UInt8](data)) {
          FileHandle.standardError.write(Data("\(path): property broken: \(broken)\n".utf8))
          exit(1)
        }
        print("ok \(path)")
      }
    }
  }
#endif
