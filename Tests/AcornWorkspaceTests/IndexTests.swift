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
    #expect(first.mode == .rebuilt && first.records == 8)
    // Up to date: nothing counted on the way (a scan of every row); counted when asked.
    let again = try ws.updateIndex()
    #expect(again.mode == .upToDate && again.records == nil)
    #expect(try ws.indexedRecordCount() == 8)

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

  @Test(
    "uncommitted edits are indexed once: unchanged since, the next update writes nothing; edited again or deleted, they are read again; restored or committed, the index follows"
  )
  func dirtyFilesIndexedOnce() throws {
    let scratch = Scratch()
    let ws = try committedWorkspace(scratch)
    try ws.updateIndex()
    func follow(_ date: String) throws {
      try ValidateTests.edit(ws, ValidateTests.invoice) {
        $0.replacing(#/"followUpDate": "[0-9-]+"/#, with: "\"followUpDate\": \"\(date)\"")
      }
    }
    func count(_ text: String) throws -> [[JSONValue]] {
      try ws.query(refresh: false, "SELECT count(*) FROM records WHERE json LIKE '%\(text)%'").rows
    }
    try follow("2019-11-05")
    let first = try ws.updateIndex()
    #expect(first.mode == .incremental && first.changedPaths == 1)
    #expect(try count("2019-11-05") == [[.number(DecimalNumber(1))]])
    // Nothing changed since: no write.
    #expect(try ws.updateIndex().mode == .upToDate)
    // The same file edited again (same size): read again.
    try follow("2019-11-06")
    let again = try ws.updateIndex()
    #expect(again.mode == .incremental && again.changedPaths == 1)
    #expect(try count("2019-11-06") == [[.number(DecimalNumber(1))]])
    #expect(try ws.updateIndex().mode == .upToDate)
    // Deleted in the working tree: gone from the index, then nothing to do.
    try FileManager.default.removeItem(atPath: ws.path(ValidateTests.invoice))
    #expect(try ws.updateIndex().changedPaths == 1)
    #expect(
      try ws.query(refresh: false, "SELECT count(*) FROM invoices").rows == [
        [.number(DecimalNumber(0))]
      ])
    #expect(try ws.updateIndex().mode == .upToDate)
    // Restored as HEAD has it: no longer dirty, indexed from the file again.
    #expect(try run(["git", "checkout", "--", ValidateTests.invoice], in: ws.root).status == 0)
    #expect(try ws.updateIndex().changedPaths == 1)
    #expect(
      try ws.query(refresh: false, "SELECT count(*) FROM invoices").rows == [
        [.number(DecimalNumber(1))]
      ])
    #expect(try count("2019-11-0") == [[.number(DecimalNumber(0))]])
    // Committed as it is: no longer dirty, still indexed, then nothing to do.
    try follow("2019-12-01")
    try ws.updateIndex()
    _ = try commitAsSource(ws, message: "follow up", author: signature("Li", 3))
    try ws.updateIndex()
    #expect(try count("2019-12-01") == [[.number(DecimalNumber(1))]])
    #expect(try ws.updateIndex().mode == .upToDate)
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

  @Test("a busy index (another process holds it) is an error to retry, never a reason to delete it")
  func busyIndexKept() throws {
    let scratch = Scratch()
    let ws = try committedWorkspace(scratch)
    try ws.updateIndex()
    let inode = try FileManager.default.attributesOfItem(atPath: ws.indexPath)[.systemFileNumber]
    let holder = Process()
    holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    holder.arguments = [
      "python3", "-c",
      "import sqlite3,sys,time; c=sqlite3.connect(sys.argv[1], isolation_level=None); c.execute('BEGIN EXCLUSIVE'); print('held', flush=True); time.sleep(60)",
      ws.indexPath,
    ]
    let out = Pipe()
    holder.standardOutput = out
    try holder.run()
    defer {
      kill(holder.processIdentifier, SIGKILL)
      holder.waitUntilExit()
    }
    _ = out.fileHandleForReading.availableData  // "held"
    try ValidateTests.edit(ws, ValidateTests.returnFile) {
      $0.replacingOccurrences(of: "\"state\": \"authorized\"", with: "\"state\": \"received\"")
    }
    do {
      try ws.updateIndex()
      Issue.record("the index was updated while another process held it")
    } catch {
      #expect(error.code == "index.unavailable", "\(error)")
    }
    #expect(
      try FileManager.default.attributesOfItem(atPath: ws.indexPath)[.systemFileNumber] as? Int
        == inode as? Int)
    kill(holder.processIdentifier, SIGKILL)
    holder.waitUntilExit()
    #expect(try ws.updateIndex().mode == .incremental)
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

@Suite("file system")
struct FileSystemTests {
  @Test("reads tell a missing file, a folder and a permission problem apart, with errno")
  func readErrors() throws {
    let scratch = Scratch()
    do {
      _ = try FileSystem.read(scratch.path + "/missing.json")
      Issue.record("read a missing file")
    } catch {
      #expect(error.isMissing)
      #expect(error.description.contains("errno \(ENOENT)"))
    }
    do {
      _ = try FileSystem.read(scratch.path)
      Issue.record("read a folder")
    } catch {
      #expect(error.errno == EISDIR)
      #expect(!error.isMissing)
    }
    if getuid() != 0 {  // root reads anything
      let locked = scratch.path + "/locked.json"
      try FileSystem.writeAtomically(Array("{}".utf8), to: locked)
      chmod(locked, 0)
      do {
        _ = try FileSystem.read(locked)
        Issue.record("read an unreadable file")
      } catch {
        #expect(error.errno == EACCES)
        #expect(error.description.contains("Permission denied"))
      }
    }
  }

  @Test(
    "what the reconciler and the alerts read of every record is the same from the index as from the files — an uncommitted edit and a broken file included — comes from the index, and waits while an update holds the index lock"
  )
  func indexedInputAsFiles() throws {
    let scratch = Scratch()
    let ws = try committedWorkspace(scratch)
    try FileSystem.writeAtomically(
      Array("{\"id\": ".utf8), to: ws.path("records/DE/invoice/2026-10/INV-DE-BROKEN.json"))
    try ValidateTests.edit(ws, ValidateTests.invoice) {
      $0.replacing(#/"followUpDate": "[0-9-]+"/#, with: "\"followUpDate\": \"2019-12-01\"")
    }
    try ws.updateIndex()
    let engine = try ws.alertEngine()
    let files = ws.alertInput(engine)
    let r = files.reconcile
    #expect(!r.invoices.isEmpty && !r.deductions.isEmpty && !r.returns.isEmpty)
    #expect(!r.remittances.isEmpty && !r.orders.isEmpty && !r.shipments.isEmpty)
    #expect(try ws.indexedAlertInput(engine) == files)

    // Read from the index: a file gone from the folder, the index not told, is still read.
    try FileManager.default.removeItem(atPath: ws.path(ValidateTests.deduction))
    #expect(ws.alertInput(engine).reconcile.deductions.count == r.deductions.count - 1)
    #expect(try ws.indexedAlertInput(engine) == files)

    // Its connections read one state of the index: while an update holds the index lock, the
    // read waits for it.
    let update = try IndexLock(path: ws.path(".acorn/index.lock"))
    let done = Counter()
    let reader = Parallel.start {
      let input = try? ws.indexedAlertInput(engine)
      _ = done.add(1)
      return input
    }
    usleep(300_000)
    #expect(done.add(0) == 0)
    update.release()
    #expect(reader.value == files)
  }

  @Test(
    "a temporary file a killed write left is never read as a record, and the next writer removes it"
  )
  func strayTemporaries() throws {
    let scratch = Scratch()
    let ws = try committedWorkspace(scratch)
    let folder = ws.path("records/DE/return/2026-10")
    let stray = folder + "/.acorn-tmp-99999-RET-DE-R-DE-000123.json"
    try FileSystem.writeAtomically(Array("{\"half\": ".utf8), to: stray)
    #expect(!ws.recordFiles().contains { $0.contains(".acorn-tmp-") })
    #expect(ws.validate() == [])
    _ = try ws.set(
      returnID, assignments: [("workflow.state", "received")], note: nil, message: nil,
      commit: true, author: signature("Li", 3), now: now)
    #expect(!FileManager.default.fileExists(atPath: stray))
    try expectGitClean(ws)
  }
}

/// The rebuild's reader thread: batches come back in order, the producer stays a few batches
/// ahead, and a consumer that stops early stops it.
@Suite("pipeline of batches on a second thread")
struct PipelineTests {
  final class Calls: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func add() { lock.withLock { n += 1 } }
    var count: Int { lock.withLock { n } }
  }

  /// The limit catches a deadlock, not slowness: on a loaded 2-core CI machine the whole suite's
  /// blocking tests once kept this one waiting for minutes (it takes 0.4 s alone), so it is wide.
  @Test(
    "every batch, in order; at most a few ahead of the consumer; cancel stops the producer",
    .timeLimit(.minutes(10)))
  func orderBoundAndCancel() throws {
    let all = Pipeline(count: 10_001, batch: 7) { range in Array(range) }
    #expect(Array(all.joined()) == Array(0..<10_001))

    let calls = Calls()
    let slow = Pipeline(count: 1_000, batch: 10, ahead: 3) { range -> [Int] in
      calls.add()
      return Array(range)
    }
    #expect(slow.next() == Array(0..<10))
    usleep(200_000)
    // One consumed, three waiting, one made and held until there is room.
    #expect(calls.count <= 5)
    slow.cancel()
    // What was made already, then the end: the producer made nothing more.
    var drained = 0
    while let batch = slow.next() { drained += batch.count }
    #expect(drained <= 40)
    usleep(200_000)
    #expect(calls.count <= 5)
  }
}
