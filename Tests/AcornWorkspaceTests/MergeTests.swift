import AcornGit
import AcornMerge
import AcornModel
import Foundation
import Testing

@testable import AcornWorkspace

@Suite("acorn merge in process")
struct WorkspaceMergeTests {
  /// Runs `body` on a new branch from HEAD, then returns to main.
  static func onBranch(_ ws: Workspace, _ name: String, _ body: () throws -> Void) throws {
    #expect(try run(["git", "checkout", "-q", "-b", name], in: ws.root).status == 0)
    try body()
    #expect(try run(["git", "checkout", "-q", "main"], in: ws.root).status == 0)
  }

  @Test("merging vendor-central takes Amazon's source and keeps the team's workflow")
  func syncBranch() throws {
    let scratch = Scratch()
    let ws = try committedWorkspace(scratch)
    try Self.onBranch(ws, Workspace.syncBranch) {
      try ValidateTests.edit(ws, ValidateTests.returnFile) {
        $0.replacingOccurrences(of: "\"status\": \"Approved\"", with: "\"status\": \"Closed\"")
          .replacingOccurrences(of: "\"warehouse\": \"DTM2\"", with: "\"warehouse\": \"DTM1\"")
      }
      _ = try commitAsSource(ws, message: "sync", author: signature("Sync", 10))
    }
    // The team edited both sides of the record on main (source edits by hand are overruled).
    try ValidateTests.edit(ws, ValidateTests.returnFile) {
      $0.replacingOccurrences(of: "\"warehouse\": \"DTM2\"", with: "\"warehouse\": \"XXX9\"")
        .replacingOccurrences(of: "\"state\": \"authorized\"", with: "\"state\": \"received\"")
    }
    _ = try commitAsSource(ws, message: "team", author: signature("Li", 11))
    let report = try ws.merge(
      Workspace.syncBranch, allowConflicts: false, author: signature("Li", 12))
    #expect(report.conflicts.isEmpty)
    guard case .merged(let commit?) = report.outcome else {
      Issue.record("not merged")
      return
    }
    #expect(try ws.repository().commitInfo(commit).parents.count == 2)
    let record = try ws.readRecord(try ws.findRecord(returnID)).json
    #expect(record["source"]?["status"] == .string("Closed"))
    #expect(record["source"]?["warehouse"] == .string("DTM1"))
    #expect(record["workflow"]?["state"] == .string("received"))
    try expectGitClean(ws)
    #expect(ws.validate() == [])
    // Merging again is a no-op.
    #expect(
      try ws.merge(Workspace.syncBranch, allowConflicts: false, author: signature("Li", 13)).outcome
        == .upToDate)
  }

  /// Branch `a` changes the invoice and the return's source; `main` moves the return's workflow.
  static func divergedWorkspace(_ scratch: Scratch) throws -> Workspace {
    let ws = try committedWorkspace(scratch)
    try onBranch(ws, "a") {
      try ValidateTests.edit(ws, ValidateTests.invoice) {
        $0.replacingOccurrences(of: "\"140.00\"", with: "\"141.00\"").replacingOccurrences(
          of: "\"5579.88\"", with: "\"5616.88\"")
      }
      try ValidateTests.edit(ws, ValidateTests.returnFile) {
        $0.replacingOccurrences(of: "\"status\": \"Approved\"", with: "\"status\": \"Closed\"")
      }
      _ = try commitAsSource(ws, message: "a", author: signature("A", 60))
    }
    _ = try ws.set(
      returnID, assignments: [("workflow.state", "received")], note: nil, message: nil,
      commit: true, author: signature("B", 61), now: now)
    return ws
  }

  @Test("a merge killed while writing its files is finished by the next command")
  func killedWhileWriting() throws {
    let scratch = Scratch()
    let ws = try Self.divergedWorkspace(scratch)
    #expect(throws: WorkspaceError.self) {
      try ws.merge(
        "a", allowConflicts: false, author: signature("B", 62), message: nil, lock: true,
        killAfterWrites: 1)
    }
    // What a kill leaves: the merge in progress, the return written, the invoice not yet.
    #expect(ws.mergeInProgress() != nil)
    let invoiceOnDisk = try String(contentsOfFile: ws.path(ValidateTests.invoice), encoding: .utf8)
    #expect(!invoiceOnDisk.contains("\"141.00\""))
    #expect(ws.validate().map(\.code).contains("merge.interrupted"))
    // The next command finishes the writes first; committing concludes the merge in full.
    let (commit, _) = try ws.commitAll(message: "merge a", author: signature("B", 63))
    let repo = try ws.repository()
    let merged = try #require(commit)
    #expect(try repo.commitInfo(merged).parents.count == 2)
    #expect(ws.mergeInProgress() == nil)
    let invoice = try ws.readRecord(try ws.findRecord("INV-US-INV-2019-0815")).json
    #expect(FieldPath("source.lines[#1].netCost.amount")?.value(in: invoice) == .string("141.00"))
    let ret = try ws.readRecord(try ws.findRecord(returnID)).json
    #expect(ret["source"]?["status"] == .string("Closed"))
    #expect(ret["workflow"]?["state"] == .string("received"))
    // The same tree as a merge that was never interrupted.
    let cleanScratch = Scratch()
    let clean = try Self.divergedWorkspace(cleanScratch)
    let report = try clean.merge("a", allowConflicts: false, author: signature("B", 62))
    guard case .merged(let cleanCommit?) = report.outcome else {
      Issue.record("the uninterrupted merge did not commit: \(report.outcome)")
      return
    }
    #expect(
      try repo.treeID(ofCommit: merged)
        == (try clean.repository().treeID(ofCommit: cleanCommit)))
    #expect(ws.validate() == [])
    try expectGitClean(ws)
  }

  @Test("a branch that makes a record path a symbolic link is refused, not written as a file")
  func symlinkRefused() throws {
    let scratch = Scratch()
    let ws = try Self.divergedWorkspace(scratch)
    #expect(try run(["git", "checkout", "-q", "a"], in: ws.root).status == 0)
    let link = "records/US/invoice/2019-08/INV-US-EVIL.json"
    #expect(symlink("/etc/passwd", ws.path(link)) == 0)
    #expect(try run(["git", "add", link], in: ws.root).status == 0)
    #expect(try run(["git", "commit", "-q", "-m", "link"], in: ws.root).status == 0)
    #expect(try run(["git", "checkout", "-q", "main"], in: ws.root).status == 0)
    do {
      _ = try ws.merge("a", allowConflicts: true, author: signature("B", 70))
      Issue.record("a symbolic link was merged")
    } catch {
      #expect(error.code == "merge.special-file")
      #expect(error.message.contains(link))
    }
    #expect(!FileManager.default.fileExists(atPath: ws.path(link)))
    try expectGitClean(ws)
  }

  @Test("after git merge --abort, an interrupted merge's writes are not re-applied")
  func abortedInterruptedMerge() throws {
    let scratch = Scratch()
    let ws = try Self.divergedWorkspace(scratch)
    #expect(throws: WorkspaceError.self) {
      try ws.merge(
        "a", allowConflicts: false, author: signature("B", 62), message: nil, lock: true,
        killAfterWrites: 1)
    }
    #expect(try run(["git", "merge", "--abort"], in: ws.root).status == 0)
    #expect(try run(["git", "reset", "-q", "--hard"], in: ws.root).status == 0)
    #expect(ws.mergeInProgress() == nil)
    // The next writing command must not finish a merge that no longer exists.
    _ = try ws.set(
      returnID, assignments: [("workflow.state", "credit-issued")], note: nil, message: nil,
      commit: true, author: signature("B", 64), now: now)
    let invoice = try String(contentsOfFile: ws.path(ValidateTests.invoice), encoding: .utf8)
    #expect(!invoice.contains("\"141.00\""))
    let ret = try ws.readRecord(try ws.findRecord(returnID)).json
    #expect(ret["source"]?["status"] == .string("Approved"))
    #expect(!FileManager.default.fileExists(atPath: ws.path(".git/ACORN_MERGE_TREE")))
    try expectGitClean(ws)
  }

  @Test(
    "a merged record that breaks an invariant becomes a conflict; the merge is left in progress")
  func validationAfterMerge() throws {
    let scratch = Scratch()
    let ws = try committedWorkspace(scratch)
    // Each side corrects one line cost and the total to match — consistent on each side, not together.
    try Self.onBranch(ws, "a") {
      try ValidateTests.edit(ws, ValidateTests.invoice) {
        $0.replacingOccurrences(of: "\"140.00\"", with: "\"141.00\"").replacingOccurrences(
          of: "\"5579.88\"", with: "\"5616.88\"")
      }
      _ = try commitAsSource(ws, message: "a", author: signature("A", 20))
    }
    try ValidateTests.edit(ws, ValidateTests.invoice) {
      $0.replacingOccurrences(of: "\"15.62\"", with: "\"16.62\"").replacingOccurrences(
        of: "\"5579.88\"", with: "\"5603.88\"")
    }
    _ = try commitAsSource(ws, message: "b", author: signature("B", 21))
    let head = try ws.resolve("HEAD")
    let report = try ws.merge("a", allowConflicts: false, author: signature("B", 22))
    #expect(report.outcome == .merged(nil))
    #expect(try ws.resolve("HEAD") == head)
    #expect(ws.mergeInProgress() != nil)
    let rules = Set(report.conflicts.map(\.conflict.rule))
    #expect(rules == ["source"])  // the two totals; the line costs merged cleanly
    let merged = try ws.readRecord(try ws.findRecord("INV-US-INV-2019-0815")).json
    #expect(FieldPath("source.lines[#1].netCost.amount")?.value(in: merged) == .string("141.00"))
    #expect(FieldPath("source.lines[#2].netCost.amount")?.value(in: merged) == .string("16.62"))
    // Settle the total by hand: the invariant holds again, the merge concludes.
    _ = try ws.resolve(
      "INV-US-INV-2019-0815", field: "source.totalAmount", with: .value("5640.88 USD"),
      author: signature("B", 23))
    #expect(try ws.openConflicts().isEmpty)
    let (commit, _) = try ws.commitAll(message: "merge a", author: signature("B", 24))
    #expect(try ws.repository().commitInfo(try #require(commit)).parents.count == 2)
    #expect(ws.mergeInProgress() == nil)
    #expect(ws.validate() == [])
    try expectGitClean(ws)
  }

  @Test("both sides consistent, the merge not: the broken invariant is a validation conflict")
  func invariantConflict() throws {
    let scratch = Scratch()
    let ws = try committedWorkspace(scratch)
    try Self.onBranch(ws, "a") {
      try ValidateTests.edit(ws, ValidateTests.invoice) {
        $0.replacingOccurrences(of: "\"140.00\"", with: "\"141.00\"").replacingOccurrences(
          of: "\"5579.88\"", with: "\"5616.88\"")
      }
      _ = try commitAsSource(ws, message: "a: line 1 cost", author: signature("A", 40))
    }
    try ValidateTests.edit(ws, ValidateTests.invoice) {
      $0.replacingOccurrences(of: "\"25.00\"", with: "\"62.00\"").replacingOccurrences(
        of: "\"5579.88\"", with: "\"5616.88\"")
    }
    _ = try commitAsSource(ws, message: "b: freight", author: signature("B", 41))
    let report = try ws.merge("a", allowConflicts: true, author: signature("B", 42))
    #expect(report.conflicts.map(\.conflict.rule) == ["validation"])
    #expect(report.conflicts.first?.conflict.field == "source.totalAmount")
    #expect(report.conflicts.first?.conflict.reason.contains("5653.88 USD") == true)
    #expect(ws.validate().contains { $0.code == "conflict.open" })
    _ = try ws.resolve(
      "INV-US-INV-2019-0815", field: "source.totalAmount", with: .value("5653.88 USD"),
      author: signature("B", 43))
    #expect(ws.validate() == [])
  }

  @Test("delete versus edit, and only records both sides touched are merged")
  func deleteVersusEdit() throws {
    let scratch = Scratch()
    let ws = try committedWorkspace(scratch)
    try Self.onBranch(ws, "a") {
      try FileManager.default.removeItem(atPath: ws.path(ValidateTests.deduction))
      try ValidateTests.edit(ws, ValidateTests.invoice) {
        $0.replacingOccurrences(of: "2019-10-05", with: "2019-10-06")
      }
      _ = try commitAsSource(ws, message: "a", author: signature("A", 30))
    }
    _ = try ws.set(
      "DED-US-INV-2019-0815SC", assignments: [("workflow.state", "disputed")], note: nil,
      message: nil, commit: true, author: signature("B", 31), now: now)
    let report = try ws.merge("a", allowConflicts: true, author: signature("B", 32))
    #expect(report.conflicts.map(\.conflict.field) == ["$"])
    #expect(FileManager.default.fileExists(atPath: ws.path(ValidateTests.deduction)))
    #expect(
      try ws.readRecord(try ws.findRecord("INV-US-INV-2019-0815")).json["workflow"]?["followUpDate"]
        == .string("2019-10-06"))
    // Taking the deleting side (theirs: branch a) removes the record.
    let (_, resolved, commit) = try ws.resolve(
      "DED-US-INV-2019-0815SC", field: "$", with: .theirs, author: signature("B", 33))
    #expect(resolved.count == 1 && commit != nil)
    #expect(!FileManager.default.fileExists(atPath: ws.path(ValidateTests.deduction)))
    try expectGitClean(ws)
  }
}
