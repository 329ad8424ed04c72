import AcornGit
import AcornModel
import Foundation
import Testing

@testable import AcornWorkspace

@Suite("index kept up to date from git")
struct WorkspaceIndexTests {
  @Test("first use rebuilds; then only changed paths are read: commits, uncommitted edits, reverts")
  func incremental() throws {
    let scratch = Scratch()
    let ws = try committedWorkspace(scratch)
    let first = try ws.updateIndex()
    #expect(first.mode == .rebuilt && first.records == 7)
    #expect(try ws.updateIndex().mode == .upToDate)

    // A commit that changes one record: one path.
    _ = try ws.set(
      returnID, assignments: [("workflow.state", "received")], note: nil, message: nil,
      commit: true, author: signature("Li", 1), now: now)
    let afterSet = try ws.updateIndex()
    #expect(afterSet.mode == .incremental && afterSet.changedPaths == 1)
    #expect(try ws.query("SELECT state FROM returns").rows == [[.string("received")]])

    // An uncommitted edit is visible; reverting it is noticed too.
    try ValidateTests.edit(ws, ValidateTests.invoice) {
      $0.replacingOccurrences(of: "\"status\": \"PAID\"", with: "\"status\": \"PAID\"")
        .replacingOccurrences(
          of: "\"followUpDate\": \"2019-10-05\"", with: "\"followUpDate\": \"2019-11-05\"")
    }
    #expect(
      try ws.query("SELECT count(*) FROM records WHERE json LIKE '%2019-11-05%'").rows == [
        [.number(DecimalNumber(1))]
      ])
    #expect(try run(["git", "checkout", "--", ValidateTests.invoice], in: ws.root).status == 0)
    let reverted = try ws.updateIndex()
    #expect(reverted.changedPaths == 1)
    #expect(
      try ws.query("SELECT count(*) FROM records WHERE json LIKE '%2019-11-05%'").rows == [
        [.number(DecimalNumber(0))]
      ])

    // A deleted record disappears.
    try FileManager.default.removeItem(atPath: ws.path(ValidateTests.deduction))
    _ = try commitAsSource(ws, message: "drop deduction", author: signature("Li", 2))
    #expect(try ws.query("SELECT count(*) FROM deductions").rows == [[.number(DecimalNumber(0))]])
    #expect(try ws.status().openConflicts == 0)
  }

  @Test("a corrupt, deleted, outdated or forced index is rebuilt and gives the same answers")
  func rebuilds() throws {
    let scratch = Scratch()
    let ws = try committedWorkspace(scratch)
    let expected = try ws.query("SELECT path, id, kind, key FROM records ORDER BY path").rows
    try Data("garbage".utf8).write(to: URL(fileURLWithPath: ws.indexPath))
    #expect(try ws.updateIndex().mode == .rebuilt)
    #expect(try ws.query("SELECT path, id, kind, key FROM records ORDER BY path").rows == expected)
    try FileManager.default.removeItem(atPath: ws.indexPath)
    #expect(try ws.updateIndex().reason == "no index yet")
    #expect(try ws.updateIndex(rebuild: true).reason == "asked for")
    // An index of a commit that is not in this history (e.g. copied from another clone).
    let other = Scratch()
    let ws2 = try committedWorkspace(other)
    _ = try ws2.set(
      returnID, assignments: [("workflow.state", "received")], note: nil, message: nil,
      commit: true, author: signature("Zhang", 99), now: now)
    try ws2.updateIndex()
    try FileManager.default.removeItem(atPath: ws.indexPath)
    try FileManager.default.copyItem(atPath: ws2.indexPath, toPath: ws.indexPath)
    let report = try ws.updateIndex()
    #expect(report.mode == .rebuilt)
    #expect(try ws.query("SELECT state FROM returns").rows == [[.string("authorized")]])
  }

  @Test("open conflicts are counted from the index")
  func conflicts() throws {
    let scratch = Scratch()
    let ws = try committedWorkspace(scratch)
    try ValidateTests.edit(ws, ValidateTests.returnFile) {
      $0.replacingOccurrences(
        of: "\n  \"id\":",
        with:
          "\n  \"conflicts\": [\n    {\n      \"field\": \"workflow.state\",\n      \"reason\": \"x\"\n    }\n  ],\n  \"id\":"
      )
    }
    #expect(try ws.status().openConflicts == 1)
  }
}
