import AcornMerge
import AcornModel
import Foundation
import PropertyBased
import Testing

/// Schemas and lifecycles as the workspace template has them.
enum Setup {
  static let schemas: JSONSchemaSet = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    let dir = url.path + "/workspace-template/schemas"
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

  static let lifecycles = LifecycleSet(lifecycles: [
    "refund": Lifecycle(
      name: "refund", kinds: [.return], field: JSONPath(dotted: "workflow.state") ?? .root,
      initial: "notified",
      terminal: ["rejected", "settled", "written-off"],
      transitions: [
        "notified": ["authorized", "rejected"], "authorized": ["received", "written-off"],
        "received": ["credit-issued", "disputed", "written-off"],
        "disputed": ["credit-issued", "written-off"],
        "credit-issued": ["settled"],
      ], roles: [:]),
    "dispute": Lifecycle(
      name: "dispute", kinds: [.deduction], field: JSONPath(dotted: "workflow.state") ?? .root,
      initial: "detected",
      terminal: ["accepted", "recovered", "written-off"],
      transitions: [
        "detected": ["in-review", "recovered"],
        "in-review": ["disputed", "accepted", "written-off"],
        "disputed": ["decided"], "decided": ["redisputed", "recovered", "written-off"],
        "redisputed": ["recovered", "written-off"],
      ], roles: [:]),
  ])

  static func policy(_ kind: RecordKind, sourceSide: Side? = nil) -> MergePolicy {
    MergePolicy(schemas: schemas, kind: kind, lifecycles: lifecycles, sourceSide: sourceSide)
  }

  static func fixture(_ kind: RecordKind) -> JSONValue {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    let base = url.path + "/Tests/Fixtures/records"
    let walker = FileManager.default.enumerator(atPath: base)
    while let rel = walker?.nextObject() as? String {
      guard rel.contains("/\(kind.rawValue)/"), rel.hasSuffix(".json"),
        let data = FileManager.default.contents(atPath: base + "/" + rel),
        let v = try? JSONParser.parse([UInt8](data)).value
      else { continue }
      return v
    }
    return .null
  }
}

func with(_ v: JSONValue, _ changes: [(String, JSONValue?)]) -> JSONValue {
  var out = v
  for (path, value) in changes {
    guard let p = FieldPath(path), let updated = p.setting(value, in: out) else {
      Issue.record("cannot set \(path)")
      continue
    }
    out = updated
  }
  return out
}

func note(_ at: String, _ who: String, _ text: String) -> JSONValue {
  .object(["at": .string(at), "author": .string(who), "text": .string(text)])
}

let ret = Setup.fixture(.return)
let ded = Setup.fixture(.deduction)
let po = Setup.fixture(.purchaseOrder)

/// One numbered case of docs/merge-rules.md: base, ours, theirs, and what must come out.
struct Case: CustomTestStringConvertible, Sendable {
  var number: String
  var kind: RecordKind
  var base: JSONValue?
  var ours: JSONValue?
  var theirs: JSONValue?
  var sourceSide: Side? = nil
  /// Fields and the merged value expected there (nil: absent).
  var expect: [(String, JSONValue?)]
  /// Fields expected in conflict.
  var conflicts: [String] = []
  var deleted = false

  var testDescription: String { number }
}

let cases: [Case] = [
  Case(
    number: "M1 both sides equal", kind: .return, base: ret,
    ours: with(ret, [("workflow.assignee", .string("a@example.com"))]),
    theirs: with(ret, [("workflow.assignee", .string("a@example.com"))]),
    expect: [("workflow.assignee", .string("a@example.com"))]),
  Case(
    number: "M2 one side unchanged", kind: .return, base: ret, ours: ret,
    theirs: with(ret, [("workflow.assignee", .string("b@example.com"))]),
    expect: [("workflow.assignee", .string("b@example.com"))]),
  Case(
    number: "M3 lww: different fields of one record both kept", kind: .return, base: ret,
    ours: with(ret, [("workflow.assignee", .string("a@example.com"))]),
    theirs: with(ret, [("workflow.followUpDate", .string("2026-12-01"))]),
    expect: [
      ("workflow.assignee", .string("a@example.com")),
      ("workflow.followUpDate", .string("2026-12-01")),
    ]),
  Case(
    number: "M4 lww: same field changed differently is a conflict, base kept", kind: .return,
    base: ret,
    ours: with(ret, [("workflow.assignee", .string("a@example.com"))]),
    theirs: with(ret, [("workflow.assignee", .string("b@example.com"))]),
    expect: [("workflow.assignee", .string("wang.fang@example.com"))],
    conflicts: ["workflow.assignee"]),
  Case(
    number: "M5 lww: field added on both sides differently, the smaller value kept", kind: .return,
    base: ret,
    ours: with(ret, [("workflow.followUpDate", .string("2026-12-09"))]),
    theirs: with(ret, [("workflow.followUpDate", .string("2026-12-01"))]),
    expect: [("workflow.followUpDate", .string("2026-12-01"))], conflicts: ["workflow.followUpDate"]
  ),
  Case(
    number: "M6 lifecycle: the later state wins when reachable", kind: .return, base: ret,
    ours: with(ret, [("workflow.state", .string("received"))]),
    theirs: with(ret, [("workflow.state", .string("credit-issued"))]),
    expect: [("workflow.state", .string("credit-issued"))]),
  Case(
    number: "M7 lifecycle: two branches of the graph conflict, base kept", kind: .return,
    base: with(ret, [("workflow.state", .string("received"))]),
    ours: with(ret, [("workflow.state", .string("settled"))]),
    theirs: with(ret, [("workflow.state", .string("written-off"))]),
    expect: [("workflow.state", .string("received"))], conflicts: ["workflow.state"]),
  Case(
    number: "M8 source: the vendor-central side wins", kind: .return, base: ret,
    ours: with(ret, [("source.status", .string("Closed"))]),
    theirs: with(ret, [("source.status", .string("Cancelled"))]),
    sourceSide: .theirs, expect: [("source.status", .string("Cancelled"))]),
  Case(
    number: "M9 source between team branches: field by field, conflicts flagged", kind: .return,
    base: ret,
    ours: with(ret, [("source.status", .string("Closed"))]),
    theirs: with(ret, [("source.status", .string("Cancelled"))]),
    expect: [("source.status", .string("Approved"))], conflicts: ["source.status"]),
  Case(
    number: "M10 union-by-key: lines matched by key, changes to different lines both kept",
    kind: .purchaseOrder, base: po,
    ours: with(po, [("source.lines[#1].quantities.received", .number(DecimalNumber(37)))]),
    theirs: with(po, [("source.lines[#2].quantities.received", .number(DecimalNumber(20)))]),
    expect: [
      ("source.lines[#1].quantities.received", .number(DecimalNumber(37))),
      ("source.lines[#2].quantities.received", .number(DecimalNumber(20))),
    ]),
  Case(
    number: "M11 union-by-key: removed on one side, changed on the other is a conflict",
    kind: .purchaseOrder, base: po,
    ours: with(po, [("source.lines[#2]", nil)]),
    theirs: with(po, [("source.lines[#2].quantities.received", .number(DecimalNumber(20)))]),
    expect: [("source.lines[#2].quantities.received", .number(DecimalNumber(24)))],
    conflicts: ["source.lines[#2]"]),
  Case(
    number: "M12 append-log: notes from both sides, in time order, no duplicates", kind: .deduction,
    base: ded,
    ours: with(
      ded,
      [
        (
          "workflow.notes",
          .array([
            note(
              "2019-10-02T10:00:00Z", "zhang.min@example.com",
              "ASN said 37; FC received 35. POD shows 5 cartons delivered."),
            note("2019-10-05T00:00:00Z", "a@example.com", "ours"),
          ])
        )
      ]),
    theirs: with(
      ded,
      [
        (
          "workflow.notes",
          .array([
            note(
              "2019-10-02T10:00:00Z", "zhang.min@example.com",
              "ASN said 37; FC received 35. POD shows 5 cartons delivered."),
            note("2019-10-04T00:00:00Z", "b@example.com", "theirs"),
          ])
        )
      ]),
    expect: [
      ("workflow.notes[1].text", .string("theirs")), ("workflow.notes[2].text", .string("ours")),
      ("workflow.notes[3]", nil),
    ]),
  Case(
    number: "M13 union: id sets merged three-way", kind: .deduction, base: ded,
    ours: with(ded, [("workflow.disputeCaseIds", .array([.string("C-1")]))]),
    theirs: with(ded, [("workflow.disputeCaseIds", .array([.string("C-2")]))]),
    expect: [("workflow.disputeCaseIds", .array([.string("C-1"), .string("C-2")]))]),
  Case(
    number: "M14 max: the larger counter", kind: .deduction, base: ded,
    ours: with(ded, [("workflow.disputeAttempts", .number(DecimalNumber(2)))]),
    theirs: with(ded, [("workflow.disputeAttempts", .number(DecimalNumber(1)))]),
    expect: [("workflow.disputeAttempts", .number(DecimalNumber(2)))]),
  Case(
    number: "M23 max: a side that is not a number is a conflict, whichever side it is",
    kind: .deduction, base: ded,
    ours: with(ded, [("workflow.disputeAttempts", .number(DecimalNumber(2)))]),
    theirs: with(ded, [("workflow.disputeAttempts", .array([]))]),
    expect: [("workflow.disputeAttempts", .number(DecimalNumber(0)))],
    conflicts: ["workflow.disputeAttempts"]),
  Case(
    number: "M15 immutable: a changed id is a conflict", kind: .deduction, base: ded,
    ours: with(ded, [("id", .string("DED-US-X"))]),
    theirs: with(ded, [("workflow.assignee", .string("b@example.com"))]),
    expect: [("id", .string("DED-US-INV-2019-0815SC"))], conflicts: ["id"]),
  Case(
    number: "M16 record added on one side", kind: .deduction, base: nil, ours: nil, theirs: ded,
    expect: [("id", .string("DED-US-INV-2019-0815SC"))]),
  Case(
    number: "M17 record deleted on one side, unchanged on the other", kind: .deduction, base: ded,
    ours: nil, theirs: ded, expect: [], deleted: true),
  Case(
    number: "M18 record deleted on one side, changed on the other", kind: .deduction, base: ded,
    ours: nil,
    theirs: with(ded, [("workflow.state", .string("disputed"))]),
    expect: [("workflow.state", .string("disputed"))], conflicts: ["$"]),
  Case(
    number: "M19 open conflicts carried; one resolved on a side stays resolved", kind: .return,
    base: with(
      ret,
      [
        (
          "conflicts",
          .array([.object(["field": .string("workflow.assignee"), "reason": .string("x")])])
        )
      ]),
    ours: with(ret, [("workflow.followUpDate", .string("2026-12-01"))]),
    theirs: with(
      ret,
      [
        (
          "conflicts",
          .array([.object(["field": .string("workflow.assignee"), "reason": .string("x")])])
        )
      ]),
    expect: [("conflicts", nil), ("workflow.followUpDate", .string("2026-12-01"))]),
  Case(
    number: "M20 lifecycle in the dispute lifecycle: decided beats disputed", kind: .deduction,
    base: ded,
    ours: with(ded, [("workflow.state", .string("disputed"))]),
    theirs: with(ded, [("workflow.state", .string("decided"))]),
    expect: [("workflow.state", .string("decided"))]),
  Case(
    number: "M21 union-by-key: a repeated key on one side is a conflict, no line dropped",
    kind: .purchaseOrder, base: po,
    ours: with(po, [("source.lines", .array(poLines + [poLines[0]]))]),
    theirs: with(po, [("source.lines[#2].quantities.received", .number(DecimalNumber(20)))]),
    expect: [("source.lines", .array(poLines))], conflicts: ["source.lines"]),
  Case(
    number: "M22 union-by-key: an element without its key is a conflict", kind: .purchaseOrder,
    base: po,
    ours: with(
      po, [("source.lines", .array(poLines + [with(poLines[0], [("itemSequenceNumber", nil)])]))]),
    theirs: with(po, [("source.lines[#2].quantities.received", .number(DecimalNumber(20)))]),
    expect: [("source.lines", .array(poLines))], conflicts: ["source.lines"]),
]

let poLines = po["source"]?["lines"]?.arrayValue ?? []

@Suite("Merge rules (docs/merge-rules.md)")
struct MergeRuleTests {
  @Test("case table", arguments: cases)
  func table(c: Case) {
    let result = RecordMerge.merge(
      base: c.base, ours: c.ours, theirs: c.theirs,
      policy: Setup.policy(c.kind, sourceSide: c.sourceSide))
    if c.deleted {
      #expect(result.merged == nil)
      return
    }
    guard let merged = result.merged else {
      Issue.record("\(c.number): deleted")
      return
    }
    for (field, value) in c.expect {
      #expect(FieldPath(field)?.value(in: merged) == value, "\(c.number): \(field)")
    }
    #expect(result.conflicts.map(\.field) == c.conflicts, "\(c.number)")
    let stored = (merged["conflicts"]?.arrayValue ?? []).compactMap { $0["field"]?.stringValue }
    #expect(
      Set(c.conflicts).isSubset(of: Set(stored)), "\(c.number): conflicts stored in the record")
    // Every case is symmetric: the same record, the same conflicts with the sides swapped.
    let swapped = RecordMerge.merge(
      base: c.base, ours: c.theirs, theirs: c.ours,
      policy: Setup.policy(c.kind, sourceSide: c.sourceSide?.other))
    #expect(
      withoutConflicts(swapped.merged) == withoutConflicts(result.merged),
      "\(c.number): symmetric record")
    #expect(
      swapped.conflicts.map(\.swapped) == result.conflicts, "\(c.number): symmetric conflicts")
  }

  @Test("docs/merge-rules.md lists every case of the table, by number")
  func documented() throws {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    let doc = String(
      decoding: try Data(contentsOf: url.appendingPathComponent("docs/merge-rules.md")),
      as: UTF8.self)
    for c in cases {
      let number = String(c.number.split(separator: " ").first ?? "")
      let mentioned =
        doc.range(of: "(?<![A-Za-z0-9])\(number)(?![0-9])", options: .regularExpression) != nil
      #expect(mentioned, "\(number) missing from docs/merge-rules.md")
    }
  }
}

@Suite("derived fields")
struct DerivedMergeTests {
  static let policy: MergePolicy = {
    let schema: JSONValue = .object([
      "type": .string("object"),
      "properties": .object([
        "workflow": .object([
          "type": .string("object"),
          "properties": .object([
            "score": .object([
              "type": .string("string"), "x-acorn-merge": .string("derived"),
            ])
          ]),
        ])
      ]),
    ])
    return MergePolicy(
      schemas: JSONSchemaSet(schemas: ["deduction.schema.json": schema]), kind: .deduction,
      lifecycles: Setup.lifecycles, sourceSide: nil)
  }()

  @Test("derived: never a conflict, and the same value whichever side is ours")
  func symmetric() {
    let base = with(ded, [("workflow.score", .string("a"))])
    let x = with(ded, [("workflow.score", .string("c"))])
    let y = with(ded, [("workflow.score", .string("b"))])
    let xy = RecordMerge.merge(base: base, ours: x, theirs: y, policy: Self.policy)
    let yx = RecordMerge.merge(base: base, ours: y, theirs: x, policy: Self.policy)
    #expect(xy.conflicts.isEmpty)
    #expect(xy.merged == yx.merged)
    #expect(xy.merged?["workflow"]?["score"] == .string("b"))
    let one = RecordMerge.merge(base: base, ours: base, theirs: x, policy: Self.policy)
    #expect(one.merged?["workflow"]?["score"] == .string("c"))
  }
}

func withoutConflicts(_ v: JSONValue?) -> JSONValue? {
  guard case .object(var m)? = v else { return v }
  m.removeValue(forKey: "conflicts")
  return .object(m)
}

/// Random edits of a return's workflow and source, for the properties.
enum RandomEdits {
  static let states = [
    "notified", "authorized", "rejected", "received", "disputed", "credit-issued", "settled",
    "written-off",
  ]
  static let people = ["a@example.com", "b@example.com", "c@example.com"]

  static func edit(_ base: JSONValue, seed: UInt64) -> JSONValue {
    var rng = seed | 1
    func next(_ n: Int) -> Int {
      rng ^= rng << 13
      rng ^= rng >> 7
      rng ^= rng << 17
      return Int(rng % UInt64(n))
    }
    var v = base
    for _ in 0..<next(4) {
      switch next(7) {
      case 0: v = with(v, [("workflow.state", .string(states[next(states.count)]))])
      case 1: v = with(v, [("workflow.assignee", .string(people[next(people.count)]))])
      case 2:
        let notes =
          (v["workflow"]?["notes"]?.arrayValue ?? []) + [
            note("2026-10-0\(1 + next(9))T00:00:00Z", people[next(3)], "n\(next(3))")
          ]
        v = with(v, [("workflow.notes", .array(notes))])
      case 3: v = with(v, [("workflow.creditNoteIds", .array([.string("CN-\(next(3))")]))])
      case 4: v = with(v, [("source.lines[#1].approvedQuantity", .number(DecimalNumber(next(4))))])
      case 5: v = with(v, [("source.status", .string(["New", "Approved", "Closed"][next(3)]))])
      default: v = with(v, [("workflow.followUpDate", .string("2026-12-0\(1 + next(9))"))])
      }
    }
    return v
  }
}

@Suite("Merge properties")
struct MergePropertyTests {
  static let seeds = Gen.uint64(in: 1...UInt64.max)

  @Test("merge(b, x, x) = x and merge(b, b, y) = y, in normal form")
  func identities() async {
    await propertyCheck(count: 200, input: Self.seeds, Self.seeds) { s1, s2 in
      // Records as stored: in normal form (the merge compares and writes them so).
      let x = RecordOrder.normalized(RandomEdits.edit(ret, seed: s1))
      let y = RecordOrder.normalized(RandomEdits.edit(ret, seed: s2))
      let policy = Setup.policy(.return)
      #expect(
        RecordMerge.merge(base: ret, ours: x, theirs: x, policy: policy)
          == MergeResult(merged: x, conflicts: []))
      #expect(
        RecordMerge.merge(base: ret, ours: ret, theirs: y, policy: policy)
          == MergeResult(merged: y, conflicts: []))
    }
  }

  @Test(
    "swapping the sides gives the same record and the same conflicts, swapped; deterministic; idempotent"
  )
  func symmetry() async {
    await propertyCheck(count: 300, input: Self.seeds, Self.seeds, Gen.bool) { s1, s2, sync in
      let x = RandomEdits.edit(ret, seed: s1)
      let y = RandomEdits.edit(ret, seed: s2)
      let side: Side? = sync ? .theirs : nil
      let a = RecordMerge.merge(
        base: ret, ours: x, theirs: y, policy: Setup.policy(.return, sourceSide: side))
      let b = RecordMerge.merge(
        base: ret, ours: y, theirs: x, policy: Setup.policy(.return, sourceSide: side?.other))
      #expect(withoutConflicts(a.merged) == withoutConflicts(b.merged))
      #expect(b.conflicts.map(\.swapped) == a.conflicts)
      #expect(
        RecordMerge.merge(
          base: ret, ours: x, theirs: y, policy: Setup.policy(.return, sourceSide: side)) == a)
      // Merging the result again with either side changes nothing more — on real three-way
      // merges (the merged record against a side that still differs from the base), not only
      // the shortcut for equal sides.
      if let m = a.merged, a.conflicts.isEmpty, !sync {
        for side in [x, y] {
          let again = RecordMerge.merge(
            base: ret, ours: m, theirs: side, policy: Setup.policy(.return))
          #expect(again.conflicts.isEmpty)
          #expect(withoutConflicts(again.merged) == withoutConflicts(m))
          let mirrored = RecordMerge.merge(
            base: ret, ours: side, theirs: m, policy: Setup.policy(.return))
          #expect(withoutConflicts(mirrored.merged) == withoutConflicts(m))
        }
      }
    }
  }
}
