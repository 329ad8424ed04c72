import AcornGit
import AcornModel
import Foundation
import Testing

@testable import AcornWorkspace

enum Paths {
  static let root: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
  }()
  static var template: String { root + "/workspace-template" }
  static var fixtureRecords: String { root + "/Tests/Fixtures/records" }
}

func run(_ args: [String], in dir: String) throws -> (status: Int32, output: String) {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
  process.arguments = args
  process.currentDirectoryURL = URL(fileURLWithPath: dir)
  let pipe = Pipe()
  process.standardOutput = pipe
  process.standardError = pipe
  try process.run()
  let data = pipe.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// A fresh folder that removes itself.
final class Scratch {
  let path: String
  init() {
    path = NSTemporaryDirectory() + "acorn-ws-\(UUID().uuidString.prefix(8))"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }
  deinit { try? FileManager.default.removeItem(atPath: path) }
}

func testAuthor(_: Repository) -> Signature {
  Signature(name: "Test", email: "test@example.com", time: 1_790_000_000)
}

func files(under root: String) -> [String: [UInt8]] {
  var out: [String: [UInt8]] = [:]
  for rel in FileSystem.files(under: root, skipping: [".git"]) {
    out[rel] = (try? FileSystem.read(root + "/" + rel)) ?? []
  }
  return out
}

@Suite("acorn init")
struct InitTests {
  @Test("creates exactly workspace-template/, committed on main through libgit2")
  func matchesTemplate() throws {
    let scratch = Scratch()
    let target = scratch.path + "/ws"
    let (workspace, commit) = try Workspace.initialize(
      at: target, options: .init(), author: testAuthor)
    let made = files(under: workspace.root)
    let template = files(under: Paths.template)
    #expect(
      made.keys.sorted() == template.keys.sorted(),
      "run `make template` after editing workspace-template/")
    for (path, bytes) in template {
      #expect(
        made[path] == bytes, "\(path) differs from workspace-template/\(path); run `make template`")
    }
    let repo = try Repository.open(at: workspace.root)
    #expect(try repo.currentBranch() == "main")
    #expect(try repo.resolveCommit("HEAD") == commit)
    #expect(
      Set(try repo.files(inTree: try repo.treeID(ofCommit: commit)).keys) == Set(template.keys))
    #expect(try run(["git", "status", "--porcelain"], in: workspace.root).output == "")
    #expect(try run(["git", "fsck", "--full", "--strict"], in: workspace.root).status == 0)
    #expect(
      try run(["git", "log", "--format=%s"], in: workspace.root).output
        == "Initialize Acorn workspace\n")
    #expect(workspace.validate() == [])
  }

  @Test("vendor codes and marketplaces go into acorn.yaml only")
  func options() throws {
    let scratch = Scratch()
    let options = Workspace.InitOptions(
      vendorCodes: ["ACME1", "ACME2"], marketplaces: ["DE", "JP"].compactMap(Marketplace.init))
    let (workspace, _) = try Workspace.initialize(
      at: scratch.path + "/ws", options: options, author: testAuthor)
    let made = files(under: workspace.root)
    let template = files(under: Paths.template)
    for (path, bytes) in template where path != "acorn.yaml" { #expect(made[path] == bytes) }
    let settings = String(decoding: made["acorn.yaml"] ?? [], as: UTF8.self)
    #expect(settings.contains("\nvendorCodes: [ACME1, ACME2]\n"))
    #expect(settings.contains("\nmarketplaces: [DE, JP]\n"))
    #expect(workspace.validate() == [])
  }

  @Test("refuses an existing workspace and a non-empty folder, touching nothing")
  func refuses() throws {
    let scratch = Scratch()
    let target = scratch.path + "/ws"
    try Workspace.initialize(at: target, options: .init(), author: testAuthor)
    let before = files(under: target)
    #expect(throws: WorkspaceError.self) {
      try Workspace.initialize(at: target, options: .init(), author: testAuthor)
    }
    #expect(files(under: target) == before)

    let other = scratch.path + "/other"
    try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
    try "keep me\n".write(toFile: other + "/notes.txt", atomically: true, encoding: .utf8)
    do {
      try Workspace.initialize(at: other, options: .init(), author: testAuthor)
      Issue.record("initialised a non-empty folder")
    } catch {
      #expect(error.code == "init.not-empty")
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: other) == ["notes.txt"])
  }

  @Test("the template's lifecycles parse, are acyclic, and give the refund table of the issue")
  func lifecycles() throws {
    let scratch = Scratch()
    let (workspace, _) = try Workspace.initialize(
      at: scratch.path + "/ws", options: .init(), author: testAuthor)
    let set = try workspace.rules().lifecycles
    #expect(Set(set.lifecycles.keys) == ["refund", "dispute", "credit-note", "outbound"])
    let outbound = try #require(set.lifecycles["outbound"])
    #expect(outbound.next("draft") == ["approved", "cancelled"])
    #expect(outbound.next("approved") == ["cancelled", "submitted"])
    #expect(outbound.next("submitted") == ["accepted", "failed"])
    #expect(outbound.terminal == ["accepted", "failed", "cancelled"])
    // Ops acknowledges and ships, finance invoices: the roles depend on the document type.
    let invoice: JSONValue = .object(["source": .object(["documentType": .string("invoice")])])
    let ack: JSONValue = .object(["source": .object(["documentType": .string("acknowledgement")])])
    #expect(outbound.rolesInto("approved", record: invoice) == ["finance"])
    #expect(outbound.rolesInto("approved", record: ack) == ["ops"])
    #expect(outbound.isReachable(from: "draft", to: "accepted", roles: ["ops"], record: ack))
    #expect(!outbound.isReachable(from: "draft", to: "approved", roles: ["ops"], record: invoice))
    let refund = try #require(set.lifecycles["refund"])
    #expect(refund.next("notified") == ["authorized", "rejected"])
    #expect(refund.next("authorized") == ["received", "written-off"])
    #expect(refund.next("received") == ["credit-issued", "disputed", "written-off"])
    #expect(refund.next("disputed") == ["credit-issued", "written-off"])
    #expect(refund.next("credit-issued") == ["settled"])
    #expect(refund.terminal == ["rejected", "settled", "written-off"])
    for l in set.lifecycles.values { #expect(l.problems() == [], "\(l.name)") }
    #expect(refund.roles[.init(from: "received", to: "credit-issued")] == ["finance"])
  }
}

@Suite("acorn validate")
struct ValidateTests {
  /// A workspace holding the fixture records (US and DE).
  static func populated(_ scratch: Scratch) throws -> Workspace {
    let options = Workspace.InitOptions(marketplaces: ["US", "DE"].compactMap(Marketplace.init))
    let (workspace, _) = try Workspace.initialize(
      at: scratch.path + "/ws", options: options, author: testAuthor)
    try FileManager.default.copyItem(
      atPath: Paths.fixtureRecords, toPath: workspace.path("records"))
    return workspace
  }

  static func edit(_ workspace: Workspace, _ rel: String, _ change: (String) -> String) throws {
    let text = try String(contentsOfFile: workspace.path(rel), encoding: .utf8)
    try change(text).write(toFile: workspace.path(rel), atomically: true, encoding: .utf8)
  }

  static let invoice = "records/US/invoice/2019-08/INV-US-INV-2019-0815.json"
  static let remittance = "records/US/remittance/2019-10/PAY-US-756473657.json"
  static let returnFile = "records/DE/return/2026-10/RET-DE-R-DE-000123.json"
  static let deduction = "records/US/deduction/2019-10/DED-US-INV-2019-0815SC.json"

  @Test("the fixtures are clean")
  func clean() throws {
    let scratch = Scratch()
    #expect(try Self.populated(scratch).validate() == [])
  }

  @Test("every problem is reported in one run, each with code, file, line and path")
  func allAtOnce() throws {
    let scratch = Scratch()
    let ws = try Self.populated(scratch)
    // Malformed JSON.
    try "{\n  \"id\": \"INV-US-X\",\n  \"kind\" \"invoice\"\n}\n".write(
      toFile: ws.path("records/US/invoice/2019-08/INV-US-X.json"), atomically: true, encoding: .utf8
    )
    // Invalid money.
    try Self.edit(ws, Self.invoice) {
      $0.replacingOccurrences(of: "\"5579.88\"", with: "\"5,579.88\"")
    }
    // Totals that do not add up.
    try Self.edit(ws, Self.remittance) {
      $0.replacingOccurrences(of: "\"5188.28\"", with: "\"5188.38\"")
    }
    // A planted credential, in a record and in settings.
    try Self.edit(ws, Self.deduction) {
      $0.replacingOccurrences(
        of: "POD shows 5 cartons delivered.",
        with: "token Atzr|IwEBIFakeButLongEnough0123456789abcdef")
    }
    try Self.edit(ws, "acorn.yaml") {
      $0 + "# client secret: amzn1.oa2-cs.v1.0123456789abcdef0123456789abcdef\n"
    }
    // A record in the wrong month folder.
    let moved = "records/US/shipment/2019-08/ASN-US-SHIP-00042.json"
    try FileManager.default.createDirectory(
      atPath: ws.path("records/US/shipment/2019-08"), withIntermediateDirectories: true)
    try FileManager.default.moveItem(
      atPath: ws.path("records/US/shipment/2019-07/ASN-US-SHIP-00042.json"), toPath: ws.path(moved))
    // An unknown lifecycle state and an open conflict.
    try Self.edit(ws, Self.returnFile) {
      $0.replacingOccurrences(of: "\"state\": \"authorized\"", with: "\"state\": \"refunded\"")
        .replacingOccurrences(
          of: "\n  \"id\":",
          with:
            "\n  \"conflicts\": [\n    {\n      \"base\": \"notified\",\n      \"field\": \"workflow.assignee\",\n      \"ours\": \"a@example.com\",\n      \"reason\": \"both sides changed the field differently\",\n      \"theirs\": \"b@example.com\"\n    }\n  ],\n  \"id\":"
        )
    }

    let findings = ws.validate()
    func has(_ code: String, _ file: String, line: Int? = nil, path: String? = nil) -> Bool {
      findings.contains {
        $0.code == code && $0.file == file && (line == nil || $0.line == line)
          && (path == nil || $0.path == path)
      }
    }
    #expect(has("json.syntax", "records/US/invoice/2019-08/INV-US-X.json", line: 3))
    #expect(has("schema.pattern", Self.invoice, path: "source.totalAmount.amount"))
    #expect(has("invariant.total", Self.remittance, path: "source.paymentAmount"))
    #expect(has("credential.lwa-refresh-token", Self.deduction))
    #expect(has("credential.lwa-client-secret", "acorn.yaml", line: 21))
    #expect(has("record.path", moved))
    #expect(has("lifecycle.state", Self.returnFile, path: "workflow.state"))
    #expect(has("conflict.open", Self.returnFile, path: "conflicts[0]"))
    #expect(findings.allSatisfy { $0.file != nil })
    #expect(
      !findings.contains {
        $0.message.contains("IwEBIFake") || $0.message.contains("0123456789abcdef0123")
      })
  }

  @Test("hostile ids are placed safely and reported, never followed")
  func hostileIDs() throws {
    let scratch = Scratch()
    let ws = try Self.populated(scratch)
    let hostile = "../../../etc/CON"
    try Self.edit(ws, Self.invoice) {
      $0.replacingOccurrences(
        of: "\"INV-2019-0815\",\n    \"invoiceStatus\"",
        with: "\"\(hostile)\",\n    \"invoiceStatus\""
      )
      .replacingOccurrences(
        of: "\"id\": \"INV-US-INV-2019-0815\"", with: "\"id\": \"INV-US-\(hostile)\"")
    }
    let findings = ws.validate().filter { $0.file == Self.invoice }
    let placement = try #require(findings.first { $0.code == "record.path" })
    #expect(
      placement.message.contains(
        "records/US/invoice/2019-08/INV-US-_046_046_047_046_046_047_046_046_047etc_047CON.json")
        == false)
    #expect(
      placement.message.contains(
        "records/US/invoice/2019-08/INV-US-_046_046_047_046_046_047_046_046_047_e_t_c_047CON.json"))
    #expect(!findings.contains { $0.code.hasPrefix("json") })
  }

  @Test("ids that differ only by case, duplicate ids, wrong ids, stray and non-canonical files")
  func identity() throws {
    let scratch = Scratch()
    let ws = try Self.populated(scratch)
    let dir = "records/US/purchase-order/2019-07/"
    let original = try String(contentsOfFile: ws.path(dir + "PO-US-4Z32PABC.json"), encoding: .utf8)
    // Same id in a second file whose name differs only by case.
    try original.write(
      toFile: ws.path(dir + "po-us-4z32pabc.json"), atomically: true, encoding: .utf8)
    try "notes".write(toFile: ws.path(dir + "README.txt"), atomically: true, encoding: .utf8)
    try Self.edit(ws, "records/US/shipment/2019-07/ASN-US-SHIP-00042.json") {
      $0.replacingOccurrences(
        of: "\"id\": \"ASN-US-SHIP-00042\"", with: "\"id\": \"ASN-US-SHIP-00043\"")
    }
    try Self.edit(ws, Self.returnFile) { $0.replacingOccurrences(of: "\n", with: "\n  ") }
    let findings = ws.validate()
    let codes = Set(findings.map(\.code))
    #expect(
      codes.isSuperset(of: [
        "record.case-collision", "record.duplicate-id", "record.id", "workspace.stray-file",
        "record.noncanonical",
      ]))
    #expect(findings.first { $0.code == "record.noncanonical" }?.severity == .warning)
  }

  /// The populated workspace with its purchase order's folder, path and text (the record the
  /// duplicate-id tests copy).
  static func purchaseOrder(_ scratch: Scratch) throws -> (
    ws: Workspace, dir: String, first: String, original: String
  ) {
    let ws = try populated(scratch)
    let dir = "records/US/purchase-order/2019-07/"
    let first = dir + "PO-US-4Z32PABC.json"
    return (ws, dir, first, try String(contentsOfFile: ws.path(first), encoding: .utf8))
  }

  /// Files are checked on every core in parts; duplicate ids are settled after, in file order:
  /// every copy names the first file of all, whichever part it was checked in.
  @Test("a duplicate id checked in another part names the first file of all, with the id's line")
  func duplicatesAcrossParts() throws {
    let scratch = Scratch()
    let (ws, dir, first, original) = try Self.purchaseOrder(scratch)
    let idLine =
      (original.split(separator: "\n", omittingEmptySubsequences: false)
        .firstIndex { $0.hasPrefix("  \"id\": ") } ?? -1) + 1
    for k in 0..<1_500 {
      try original.write(
        toFile: ws.path(dir + "PO-US-DUP\(String(k + 10_000)).json"), atomically: false,
        encoding: .utf8)
    }
    let duplicates = ws.validate().filter { $0.code == "record.duplicate-id" }
    #expect(duplicates.count == 1_500)
    #expect(duplicates.allSatisfy { $0.message.hasSuffix("also used by \(first)") })
    #expect(duplicates.allSatisfy { $0.line == idLine && $0.path == "id" })
    #expect(idLine > 1)
  }

  /// A commit checks only the files it changes: the others stand for their ids by name, and
  /// only the checked files' ids are kept to compare (not every file's).
  @Test("checking only changed files: duplicates of an unchanged file's id and case collisions")
  func onlyChanged() throws {
    let scratch = Scratch()
    let (ws, dir, first, original) = try Self.purchaseOrder(scratch)
    let copy = dir + "PO-US-ZZCOPY.json"
    let folded = dir + "po-us-4z32pabc.json"
    try original.write(toFile: ws.path(copy), atomically: true, encoding: .utf8)
    try original.write(toFile: ws.path(folded), atomically: true, encoding: .utf8)
    let findings = ws.validate(only: [copy])
    let duplicates = findings.filter { $0.code == "record.duplicate-id" }
    #expect(duplicates.count == 1)
    #expect(duplicates.first?.file == copy)
    #expect(duplicates.first?.message.hasSuffix("also used by \(first)") == true)
    let collisions = findings.filter { $0.code == "record.case-collision" }
    #expect(collisions.map(\.file) == [folded])
    #expect(collisions.first?.message.contains("differs from \(first) only by case") == true)
    // The first file checked alone: no other file's name is its id.
    #expect(!ws.validate(only: [first]).contains { $0.code == "record.duplicate-id" })
  }

  @Test("settings: YAML syntax, schema and cyclic lifecycles")
  func settings() throws {
    let scratch = Scratch()
    let ws = try Self.populated(scratch)
    try Self.edit(ws, "team.yaml") { $0 + "  - email: [unclosed\n" }
    try Self.edit(ws, "acorn.yaml") {
      $0.replacingOccurrences(of: "timeZone: UTC", with: "timeZone: 42\ncolour: blue")
    }
    try Self.edit(ws, "rules/lifecycles.yaml") {
      $0.replacingOccurrences(
        of: "- {from: credit-issued, to: [settled], roles: [finance]}",
        with:
          "- {from: credit-issued, to: [settled], roles: [finance]}\n      - {from: settled, to: [notified]}"
      )
    }
    let findings = ws.validate()
    #expect(
      findings.contains { $0.code == "yaml.syntax" && $0.file == "team.yaml" && $0.line == 11 })
    #expect(
      findings.contains {
        $0.code == "schema.type" && $0.file == "acorn.yaml" && $0.path == "timeZone" && $0.line == 7
      })
    #expect(findings.contains { $0.code == "schema.additionalProperties" && $0.path == "colour" })
    #expect(
      findings.contains {
        $0.code == "lifecycle.cycle" && $0.message.contains("settled -> notified")
      })
  }

  @Test("a folder without acorn.yaml is not a workspace")
  func notAWorkspace() throws {
    let scratch = Scratch()
    #expect(throws: WorkspaceError.self) { try Workspace(at: scratch.path) }
    #expect(throws: WorkspaceError.self) { try Workspace(at: scratch.path + "/missing") }
  }
}

@Suite("Records in the workspace")
struct RecordStoreTests {
  @Test("list by kind and marketplace; find by id or by Amazon's key")
  func listAndFind() throws {
    let scratch = Scratch()
    let ws = try ValidateTests.populated(scratch)
    #expect(ws.listRecords().count == 8)
    #expect(ws.listRecords(kind: .invoice).map(\.id) == ["INV-US-INV-2019-0815"])
    #expect(
      ws.listRecords(marketplace: Marketplace("DE")).map(\.id) == [
        "CN-DE-CN-2026-0077", "RET-DE-R-DE-000123",
      ])
    #expect(
      try ws.findRecord("PO-US-4Z32PABC").path
        == "records/US/purchase-order/2019-07/PO-US-4Z32PABC.json")
    #expect(try ws.findRecord("4Z32PABC").id == "PO-US-4Z32PABC")
    #expect(throws: WorkspaceError.self) { try ws.findRecord("po-us-4z32pabc") }
  }
}

@Suite("publish's derived rows")
struct DerivedRowTests {
  @Test(
    "a row's fingerprint is the SHA-256 of its values, each length-prefixed, NULL as a zero byte — the one databases already hold"
  )
  func fingerprint() {
    let row: [String?] = ["ws", "INV-US-1", nil, "12.50", "发票"]
    let hashed = Workspace.DerivedTable.hashed(row)
    #expect(hashed.dropLast().elementsEqual(row))
    // hashlib.sha256(b"2:ws8:INV-US-1\x005:12.506:" + "发票".encode()).hexdigest()
    #expect(hashed.last == "c54d30c7d9981b02e1b9854b0e35c3ee59abc9c20be8adab86567f1b8fdf93ec")
    #expect(
      Workspace.DerivedTable.hashed(["ws", nil]).last
        != Workspace.DerivedTable.hashed(["ws", ""]).last)
  }

  @Test(
    "paths as PostgreSQL text-array literals: quoted, backslash and double quote escaped, a thousand to a literal"
  )
  func textArrays() {
    #expect(
      Workspace.textArrays(["a", #"b"c"#, #"d\e"#, "f,g}", "发票"])
        == [#"{"a","b\"c","d\\e","f,g}","发票"}"#])
    let many = (0..<2_500).map { "records/US/invoice/2026-01/\($0).json" }
    let literals = Workspace.textArrays(many)
    #expect(literals.count == 3)
    #expect(literals[2].hasPrefix(#"{"records/US/invoice/2026-01/2000.json","#))
    #expect(literals[2].hasSuffix(#","records/US/invoice/2026-01/2499.json"}"#))
    #expect(Workspace.textArrays([]).isEmpty)
  }
}
