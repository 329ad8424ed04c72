import AcornGit
import AcornModel
import Foundation
import Testing

@testable import AcornWorkspace

/// A committed workspace holding the fixture records.
/// Commits every change as sync and import do (no hand-edit rules): for tests that stand in for
/// another source editing `source` on a branch.
@discardableResult
func commitAsSource(_ ws: Workspace, message: String, author: Signature) throws -> ObjectID? {
  let paths = try ws.repository().status().map(\.path)
  return try ws.commit(paths: paths, message: message + "\n", author: author)
}

func committedWorkspace(_ scratch: Scratch, name: String = "ws") throws -> Workspace {
  let options = Workspace.InitOptions(marketplaces: ["US", "DE"].compactMap(Marketplace.init))
  let (workspace, _) = try Workspace.initialize(
    at: scratch.path + "/" + name, options: options, author: testAuthor)
  try FileManager.default.copyItem(atPath: Paths.fixtureRecords, toPath: workspace.path("records"))
  let (commit, _) = try workspace.commitAll(
    message: "Import fixtures", author: signature("Importer", 1_790_000_100))
  #expect(commit != nil)
  return workspace
}

func signature(_ name: String, _ time: Int64) -> Signature {
  Signature(name: name, email: "\(name.lowercased())@example.com", time: time)
}

/// `git fsck` and `git status` must be clean after every write path.
func expectGitClean(_ workspace: Workspace, sourceLocation: SourceLocation = #_sourceLocation)
  throws
{
  let fsck = try run(["git", "fsck", "--full", "--strict"], in: workspace.root)
  #expect(fsck.status == 0, "\(fsck.output)", sourceLocation: sourceLocation)
  let status = try run(["git", "status", "--porcelain"], in: workspace.root)
  #expect(status.output == "", sourceLocation: sourceLocation)
}

let returnID = "RET-DE-R-DE-000123"
let now = Date(timeIntervalSince1970: 1_790_000_500)

@Suite("acorn set")
struct SetTests {
  @Test("a legal transition with a note: one commit, clean tree, note with author and time")
  func legal() throws {
    let scratch = Scratch()
    let ws = try committedWorkspace(scratch)
    let before = try ws.resolve("HEAD")
    let result = try ws.set(
      returnID, assignments: [("workflow.state", "received")], note: "Goods arrived at DTM2",
      message: nil,
      commit: true, author: signature("Li", 1_790_000_200), now: now)
    #expect(result.changes.map(\.field) == ["workflow.notes[+]", "workflow.state"])
    let head = try ws.resolve("HEAD")
    #expect(try ws.repository().commitInfo(head).parents == [before])
    #expect(
      try ws.repository().commitInfo(head).summary
        == "Set \(returnID) workflow.state=received (note)")
    let record = try ws.readRecord(try ws.findRecord(returnID))
    #expect(record.json["workflow"]?["state"] == .string("received"))
    let note = record.json["workflow"]?["notes"]?.arrayValue?.first
    #expect(note?["author"] == .string("li@example.com"))
    #expect(note?["at"] == .string("2026-09-21T14:21:40Z"))
    #expect(note?["text"] == .string("Goods arrived at DTM2"))
    try expectGitClean(ws)
    #expect(ws.validate() == [])
  }

  @Test("the refund table: every state change is legal exactly when reachable")
  func refundTable() throws {
    let scratch = Scratch()
    let ws = try committedWorkspace(scratch)
    let lifecycle = try #require(try ws.rules().lifecycles.lifecycles["refund"])
    // From authorized (the fixture's state): reachable states succeed, the others are refused.
    for target in lifecycle.states where target != "authorized" {
      let copy = Scratch()
      let w = try committedWorkspace(copy)
      let legal = lifecycle.isReachable(from: "authorized", to: target)
      do {
        _ = try w.set(
          returnID, assignments: [("workflow.state", target)], note: nil, message: nil,
          commit: true, author: signature("Li", 1), now: now)
        #expect(legal, "authorized -> \(target) was accepted")
      } catch {
        #expect(!legal, "authorized -> \(target) was refused: \(error)")
        #expect(error.isRefusal)
        #expect(error.message.contains("allowed next states: received, written-off"))
      }
    }
  }

  @Test(
    "refusals change nothing",
    arguments: [
      ("source.status", "Closed", "set.read-only"),
      ("id", "X", "set.read-only"),
      ("workflow.colour", "blue", "set.unknown-field"),
      ("workflow.assignee", "not-an-email", "set.invalid"),
      ("workflow.state", "notified", "lifecycle.transition"),
      ("workflow.state", "refunded", "lifecycle.transition"),
    ])
  func refusals(field: String, value: String, code: String) throws {
    let scratch = Scratch()
    let ws = try committedWorkspace(scratch)
    let head = try ws.resolve("HEAD")
    let path = try ws.findRecord(returnID).path
    let bytes = try FileSystem.read(ws.path(path))
    do {
      _ = try ws.set(
        returnID, assignments: [(field, value)], note: nil, message: nil, commit: true,
        author: signature("Li", 1), now: now)
      Issue.record("accepted \(field)=\(value)")
    } catch {
      #expect(error.code == code)
      #expect(error.isRefusal)
    }
    #expect(try FileSystem.read(ws.path(path)) == bytes)
    #expect(try ws.resolve("HEAD") == head)
  }

  @Test("values follow the schema's types; --no-commit writes without committing; no empty commits")
  func values() throws {
    let scratch = Scratch()
    let ws = try committedWorkspace(scratch)
    let head = try ws.resolve("HEAD")
    let result = try ws.set(
      "DED-US-INV-2019-0815SC",
      assignments: [
        ("workflow.disputeAttempts", "1"), ("workflow.expectedRecovery", "280 usd"),
        ("workflow.disputeCaseIds", "C-1, C-2"),
      ],
      note: nil, message: nil, commit: false, author: signature("Li", 1), now: now)
    #expect(result.commit == nil)
    #expect(try ws.resolve("HEAD") == head)
    let record = try ws.readRecord(try ws.findRecord("DED-US-INV-2019-0815SC"))
    #expect(record.json["workflow"]?["disputeAttempts"] == .number(DecimalNumber(1)))
    #expect(record.json["workflow"]?["expectedRecovery"]?["amount"] == .string("280.00"))
    #expect(record.json["workflow"]?["disputeCaseIds"] == .array([.string("C-1"), .string("C-2")]))
    // Setting the same values again changes nothing and commits nothing.
    let (commit, _) = try ws.commitAll(message: "dispute", author: signature("Li", 2))
    #expect(commit != nil)
    let again = try ws.set(
      "DED-US-INV-2019-0815SC", assignments: [("workflow.disputeAttempts", "1")], note: nil,
      message: nil, commit: true, author: signature("Li", 3), now: now)
    #expect(again.changes.isEmpty && again.commit == nil)
    #expect(try ws.resolve("HEAD") == commit)
    try expectGitClean(ws)
  }
}

@Suite("status, commit, log, blame, diff")
struct HistoryTests {
  @Test("status lists uncommitted record changes by field; commit validates, commits, cleans")
  func statusAndCommit() throws {
    let scratch = Scratch()
    let ws = try committedWorkspace(scratch)
    try ValidateTests.edit(ws, ValidateTests.invoice) {
      $0.replacingOccurrences(
        of: "\"followUpDate\": \"2019-10-05\"", with: "\"followUpDate\": \"2019-10-09\"")
    }
    let status = try ws.status()
    #expect(status.branch == "main")
    #expect(status.openConflicts == 0)
    #expect(status.changes.records.map(\.id) == ["INV-US-INV-2019-0815"])
    #expect(
      status.changes.records.first?.fields == [
        FieldChange(
          field: "workflow.followUpDate", old: .string("2019-10-05"), new: .string("2019-10-09"))
      ])

    // An invalid hand edit is refused.
    try ValidateTests.edit(ws, ValidateTests.remittance) {
      $0.replacingOccurrences(of: "\"5188.28\"", with: "\"5188.00\"")
    }
    #expect(throws: WorkspaceError.self) {
      try ws.commitAll(message: "bad", author: signature("Li", 5))
    }
    try ValidateTests.edit(ws, ValidateTests.remittance) {
      $0.replacingOccurrences(of: "\"5188.00\"", with: "\"5188.28\"")
    }

    let (commit, diff) = try ws.commitAll(message: "Follow up later", author: signature("Li", 6))
    #expect(commit != nil)
    #expect(diff.records.count == 1)
    try expectGitClean(ws)
    #expect(try ws.status().changes.isEmpty)
    let (none, _) = try ws.commitAll(message: "nothing", author: signature("Li", 7))
    #expect(none == nil)
  }

  @Test(
    "commit validates what it changes: a record HEAD already holds does not block it, a changed one does, and a duplicate id of an unchanged record is found"
  )
  func commitValidatesChanges() throws {
    let scratch = Scratch()
    let ws = try committedWorkspace(scratch)
    // A record committed broken behind Acorn's back (plain git): HEAD holds it.
    try ValidateTests.edit(ws, ValidateTests.remittance) {
      $0.replacingOccurrences(of: "\"5188.28\"", with: "\"5188.00\"")
    }
    _ = try run(["git", "commit", "-qam", "broken by hand"], in: ws.root)
    #expect(ws.validate().contains { $0.severity == .error })
    // Another record's hand edit still commits: the commit checks what it changes.
    try ValidateTests.edit(ws, ValidateTests.invoice) {
      $0.replacingOccurrences(
        of: "\"followUpDate\": \"2019-10-05\"", with: "\"followUpDate\": \"2019-10-09\"")
    }
    let (commit, _) = try ws.commitAll(message: "Follow up", author: signature("Li", 8))
    #expect(commit != nil)
    // A changed record with an error is refused.
    try ValidateTests.edit(ws, ValidateTests.invoice) {
      $0.replacingOccurrences(
        of: "\"followUpDate\": \"2019-10-09\"", with: "\"followUpDate\": \"2019-02-30\"")
    }
    #expect(throws: WorkspaceError.self) {
      try ws.commitAll(message: "bad date", author: signature("Li", 9))
    }
    _ = try run(["git", "checkout", "--", ValidateTests.invoice], in: ws.root)
    // A new file repeating an unchanged record's id is a duplicate, though only it is checked.
    let copy = "records/US/invoice/2019-09/INV-US-INV-2019-0815.json"
    try FileManager.default.createDirectory(
      atPath: ws.path("records/US/invoice/2019-09"), withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: ws.path(ValidateTests.invoice), toPath: ws.path(copy))
    let refused = #expect(throws: WorkspaceError.self) {
      try ws.commitAll(message: "duplicate", author: signature("Li", 10))
    }
    #expect(refused?.message.contains("is also used by") == true, "\(String(describing: refused))")
  }

  @Test("log of the workspace and of one record, with the fields each commit changed")
  func log() throws {
    let scratch = Scratch()
    let ws = try committedWorkspace(scratch)
    _ = try ws.set(
      returnID, assignments: [("workflow.state", "received")], note: nil, message: nil,
      commit: true, author: signature("Li", 1_790_000_300), now: now)
    _ = try ws.set(
      "PO-US-4Z32PABC", assignments: [("workflow.assignee", "zhang.min@example.com")], note: nil,
      message: "Reassign", commit: true, author: signature("Zhang", 1_790_000_400), now: now)
    let all = try ws.log()
    #expect(
      all.map(\.commit.summary) == [
        "Reassign", "Set \(returnID) workflow.state=received", "Import fixtures",
        "Initialize Acorn workspace",
      ])
    #expect(
      all[0].diff.records.first?.fields.map(\.text) == [
        "workflow.assignee: li.wei@example.com → zhang.min@example.com"
      ])
    #expect(all[2].diff.records.count == 8)
    let one = try ws.log(recordPath: try ws.findRecord(returnID).path)
    #expect(
      one.map(\.commit.summary) == ["Set \(returnID) workflow.state=received", "Import fixtures"])
    #expect(one[0].commit.author.name == "Li")
    #expect(try ws.log(limit: 1).count == 1)
  }

  @Test("blame names, for every field, the commit that last changed it")
  func blame() throws {
    let scratch = Scratch()
    let ws = try committedWorkspace(scratch)
    _ = try ws.set(
      returnID, assignments: [("workflow.state", "received")], note: nil, message: nil,
      commit: true, author: signature("Li", 1_790_000_300), now: now)
    _ = try ws.set(
      returnID, assignments: [("workflow.assignee", "li.wei@example.com")], note: nil, message: nil,
      commit: true, author: signature("Zhang", 1_790_000_400), now: now)
    try ValidateTests.edit(ws, ValidateTests.returnFile) {
      $0.replacingOccurrences(of: "\"warehouse\": \"DTM2\"", with: "\"warehouse\": \"DTM1\"")
    }
    let lines = try ws.blame(recordPath: ValidateTests.returnFile)
    let by = Dictionary(lines.map { ($0.field, $0) }, uniquingKeysWith: { a, _ in a })
    #expect(by["workflow.state"]?.commit?.author.name == "Li")
    #expect(by["workflow.assignee"]?.commit?.author.name == "Zhang")
    #expect(by["source.returnId"]?.commit?.author.name == "Importer")
    #expect(by["source.warehouse"]?.commit == nil)
    #expect(by["source.warehouse"]?.value == .string("DTM1"))
    #expect(
      Set(lines.map(\.field))
        == Set(RecordDiff.leaves(try ws.readRecord(try ws.findRecord(returnID)).json).map(\.0)))
  }

  @Test("diff: money with currency, lines matched by sequence number, not position")
  func diffByKey() throws {
    let scratch = Scratch()
    let ws = try committedWorkspace(scratch)
    // Reorder the PO's lines and change one cost: only the cost shows.
    let path = "records/US/purchase-order/2019-07/PO-US-4Z32PABC.json"
    var json = try JSONParser.parse(try FileSystem.read(ws.path(path))).value
    var lines = try #require(json["source"]?["lines"]?.arrayValue)
    lines.reverse()
    lines[0] = try #require(
      lines[0].setting(
        .object(["amount": .string("15.99"), "currency": .string("USD")]),
        at: JSONPath([.key("netCost")])))
    json = try #require(json.setting(.array(lines), at: JSONPath([.key("source"), .key("lines")])))
    try FileSystem.writeAtomically(CanonicalJSON.bytes(json), to: ws.path(path))
    let diff = try ws.diff(from: try ws.resolve("HEAD"), to: nil)
    #expect(
      diff.records.first?.fields.map(\.text) == ["source.lines[#2].netCost: 15.62 USD → 15.99 USD"])
    // Two commits: the same comparison between trees.
    _ = try commitAsSource(ws, message: "cost", author: signature("Li", 9))
    let between = try ws.diff(from: try ws.resolve("HEAD~1"), to: try ws.resolve("HEAD"))
    #expect(
      between.records.first?.fields.map(\.text) == [
        "source.lines[#2].netCost: 15.62 USD → 15.99 USD"
      ])
  }
}

@Suite("workspace lock")
struct LockTests {
  @Test(
    "a second writer waits, then fails clearly; a killed holder's lock is released by the kernel")
  func lock() throws {
    let scratch = Scratch()
    let ws = try committedWorkspace(scratch)
    let first = try WorkspaceLock.acquire(ws)
    let started = Date()
    do {
      _ = try WorkspaceLock.acquire(ws, timeout: 0.3)
      Issue.record("two locks at once")
    } catch {
      #expect(error.code == "workspace.locked")
      #expect(error.message.contains("pid \(getpid())"))
    }
    #expect(Date().timeIntervalSince(started) >= 0.3)
    #expect(throws: WorkspaceError.self) {
      try ws.set(
        returnID, assignments: [("workflow.state", "received")], note: nil, message: nil,
        commit: true, author: signature("Li", 1), now: now)
    }
    first.release()
    let again = try WorkspaceLock.acquire(ws, timeout: 0.3)
    again.release()

    // Another process holds the lock (flock), then is killed: the lock is free again.
    let holder = Process()
    holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    holder.arguments = [
      "python3", "-c",
      "import fcntl,sys,time; f=open(sys.argv[1],'a'); fcntl.flock(f, fcntl.LOCK_EX); print('locked', flush=True); time.sleep(60)",
      ws.path(".acorn/lock"),
    ]
    let out = Pipe()
    holder.standardOutput = out
    try holder.run()
    _ = out.fileHandleForReading.availableData  // "locked"
    #expect(throws: WorkspaceError.self) { try WorkspaceLock.acquire(ws, timeout: 0.2) }
    kill(holder.processIdentifier, SIGKILL)
    holder.waitUntilExit()
    let taken = try WorkspaceLock.acquire(ws, timeout: 2)
    taken.release()
  }
}
