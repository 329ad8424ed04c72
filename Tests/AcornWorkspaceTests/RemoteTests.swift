import AcornGit
import AcornModel
import Foundation
import Testing

@testable import AcornWorkspace

/// A real `git daemon` on 127.0.0.1 with a free port, serving `base`, stopped on deinit.
final class GitDaemon {
  let process = Process()
  let port: Int

  init(base: String) throws {
    port = try GitDaemon.freePort()
    // Start git-daemon itself (not the `git` wrapper, which would leave it behind when killed).
    let execPath = try run(["git", "--exec-path"], in: base).output.trimmingCharacters(
      in: .whitespacesAndNewlines)
    process.executableURL = URL(fileURLWithPath: execPath + "/git-daemon")
    process.arguments = [
      "--reuseaddr", "--base-path=\(base)", "--export-all", "--enable=receive-pack",
      "--listen=127.0.0.1", "--port=\(port)", "--informative-errors", base,
    ]
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    // Wait, bounded, until it accepts connections.
    let deadline = Date().addingTimeInterval(10)
    while !GitDaemon.accepts(port) {
      guard Date() < deadline, process.isRunning else { throw CocoaError(.featureUnsupported) }
      usleep(50_000)
    }
  }

  deinit {
    // SIGKILL: the daemon may inherit a blocked SIGTERM from the test runner's thread.
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
  }

  static func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &addr) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
    _ = withUnsafeMutablePointer(to: &addr) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: addr.sin_port))
  }

  static func accepts(_ port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = in_port_t(UInt16(port).bigEndian)
    let result = withUnsafePointer(to: &addr) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    return result == 0
  }
}

@Suite("clone, pull, push", .serialized)
struct RemoteTests {
  /// A bare remote seeded from a committed workspace.
  static func bareRemote(_ scratch: Scratch) throws -> String {
    let origin = try committedWorkspace(scratch, name: "seed")
    let bare = scratch.path + "/remote/books.git"
    #expect(
      try run(["git", "clone", "--bare", "-q", origin.root, bare], in: scratch.path).status == 0)
    return bare
  }

  func roundTrip(url: String, scratch: Scratch) throws {
    let a = try Workspace.clone(from: url, to: scratch.path + "/a", executable: "/usr/bin/acorn")
    let b = try Workspace.clone(from: url, to: scratch.path + "/b", executable: "/usr/bin/acorn")
    try expectGitClean(a)
    #expect(a.listRecords().count == 8)
    #expect(try a.repository().configString("diff.acorn.textconv") == "/usr/bin/acorn diff-driver")

    // A changes and pushes; B fast-forwards to the same commit.
    _ = try a.set(
      returnID, assignments: [("workflow.state", "received")], note: "arrived", message: nil,
      commit: true, author: signature("Li", 1_790_001_000), now: now)
    #expect(try b.pull(author: signature("Zhang", 1_790_003_000)) == .upToDate)
    let pushed = try a.push()
    #expect(pushed.remote == "origin" && pushed.branch == "main")
    let aHead = try a.resolve("HEAD")
    let bBefore = try b.resolve("HEAD")
    #expect(
      try b.pull(author: signature("Zhang", 1_790_003_000))
        == .fastForwarded(from: bBefore, to: aHead))
    #expect(try b.resolve("HEAD") == aHead)
    #expect(
      try b.readRecord(try b.findRecord(returnID)).json["workflow"]?["state"] == .string("received")
    )
    try expectGitClean(b)
    #expect(try b.status().upstream == "origin/main")
    #expect(try b.status().behind == 0)

    // Both change: B's push is rejected (not a fast-forward); B's pull merges.
    _ = try a.set(
      returnID, assignments: [("workflow.state", "credit-issued")], note: nil, message: nil,
      commit: true, author: signature("Li", 1_790_002_000), now: now)
    _ = try a.push()
    _ = try b.set(
      "PO-US-4Z32PABC", assignments: [("workflow.assignee", "zhang.min@example.com")], note: nil,
      message: nil, commit: true, author: signature("Zhang", 1_790_002_100), now: now)
    do {
      _ = try b.push()
      Issue.record("a non-fast-forward push was accepted")
    } catch {
      #expect(error.code == "push.failed")
    }
    #expect(try b.status().ahead == 1)
    // Pull now merges with the engine: both changes are kept, and B can push.
    guard case .merged(let report) = try b.pull(author: signature("Zhang", 1_790_003_000)),
      case .merged(let commit?) = report.outcome
    else {
      Issue.record("diverged pull did not merge")
      return
    }
    #expect(report.conflicts.isEmpty)
    #expect(try b.repository().commitInfo(commit).parents.count == 2)
    #expect(
      try b.readRecord(try b.findRecord(returnID)).json["workflow"]?["state"]
        == .string("credit-issued"))
    #expect(
      try b.readRecord(try b.findRecord("PO-US-4Z32PABC")).json["workflow"]?["assignee"]
        == .string("zhang.min@example.com"))
    _ = try b.push()
    #expect(try b.status().ahead == 0)
    try expectGitClean(b)
  }

  @Test("through a bare repository by path and file://")
  func fileRemote() throws {
    let scratch = Scratch()
    let bare = try Self.bareRemote(scratch)
    try roundTrip(url: "file://" + bare, scratch: scratch)
    let byPath = Scratch()
    try roundTrip(url: try Self.bareRemote(byPath), scratch: byPath)
  }

  @Test("through git daemon on 127.0.0.1 (git://)")
  func gitDaemon() throws {
    let scratch = Scratch()
    _ = try Self.bareRemote(scratch)
    let daemon = try GitDaemon(base: scratch.path + "/remote")
    try roundTrip(url: "git://127.0.0.1:\(daemon.port)/books.git", scratch: scratch)
  }

  @Test("vendor-central travels with push, pull and clone; a diverged one is reported, not lost")
  func syncBranchTravels() throws {
    let scratch = Scratch()
    let bare = try Self.bareRemote(scratch)
    let a = try Workspace.clone(from: bare, to: scratch.path + "/a", executable: "acorn")
    let b = try Workspace.clone(from: bare, to: scratch.path + "/b", executable: "acorn")
    let vc = "refs/heads/vendor-central"
    func git(_ ws: Workspace, _ args: [String]) throws -> String {
      let result = try run(["git"] + args, in: ws.root)
      #expect(result.status == 0, "git \(args)")
      return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
    /// A commit on vendor-central alone, as a sync makes (blobs and trees, no checkout).
    func syncCommit(_ ws: Workspace, _ message: String) throws -> String {
      let parent = (try? ws.repository().referenceTarget(vc)).flatMap { $0?.hex } ?? "HEAD"
      let id = try git(ws, ["commit-tree", "HEAD^{tree}", "-p", parent, "-m", message])
      _ = try git(ws, ["update-ref", vc, id])
      return id
    }
    let first = try syncCommit(a, "sync 1")
    let pushed = try a.push()
    #expect(pushed.notes.count == 1 && pushed.notes[0].hasPrefix("pushed vendor-central"))
    #expect(try run(["git", "rev-parse", "vendor-central"], in: bare).output.hasPrefix(first))
    // Nothing new on vendor-central: no second push, no note.
    #expect(try a.push().notes.isEmpty)

    var notes: [String] = []
    _ = try b.pull(author: signature("Zhang", 1_790_003_000), note: { notes.append($0) })
    #expect(try b.repository().referenceTarget(vc)?.hex == first)
    #expect(notes.count == 1 && notes[0].contains("vendor-central now at"))
    let c = try Workspace.clone(from: bare, to: scratch.path + "/c", executable: "acorn")
    #expect(try c.repository().referenceTarget(vc)?.hex == first)

    // A forward move on the remote is followed; B's own newer sync is kept.
    let second = try syncCommit(a, "sync 2")
    _ = try a.push()
    notes = []
    _ = try b.pull(author: signature("Zhang", 1_790_003_000), note: { notes.append($0) })
    #expect(try b.repository().referenceTarget(vc)?.hex == second)

    // Both sync at once: B's vendor-central push is refused (the work branch still goes) and
    // the next pull reports the divergence without moving either side.
    _ = try syncCommit(a, "sync 3a")
    _ = try a.push()
    let mine = try syncCommit(b, "sync 3b")
    let refused = try b.push()
    #expect(refused.notes.count == 1 && refused.notes[0].contains("vendor-central not pushed"))
    notes = []
    _ = try b.pull(author: signature("Zhang", 1_790_003_000), note: { notes.append($0) })
    #expect(try b.repository().referenceTarget(vc)?.hex == mine)
    #expect(notes.count == 1 && notes[0].contains("diverged"))
  }

  @Test(
    "a fetch killed holding a ref lock: the next pull removes the lock it left; a lock no killed fetch of acorn's left is not touched"
  )
  func killedFetchLeftovers() throws {
    let scratch = Scratch()
    let bare = try Self.bareRemote(scratch)
    let a = try Workspace.clone(from: bare, to: scratch.path + "/a", executable: "/usr/bin/acorn")
    let b = try Workspace.clone(from: bare, to: scratch.path + "/b", executable: "/usr/bin/acorn")
    _ = try a.set(
      returnID, assignments: [("workflow.state", "received")], note: nil, message: nil,
      commit: true, author: signature("Li", 1_790_001_000), now: now)
    _ = try a.push()
    // What someone else's git holds (no marker of a killed acorn fetch): refused, left alone.
    let lockFile = b.path(".git/refs/remotes/origin/main.lock")
    try Data("x\n".utf8).write(to: URL(fileURLWithPath: lockFile))
    #expect(throws: WorkspaceError.self) { try b.pull(author: signature("Zhang", 1_790_003_000)) }
    #expect(FileManager.default.fileExists(atPath: lockFile))
    // The same lock with the marker a killed fetch leaves: removed, and the pull completes.
    try Data("999999\n".utf8).write(to: URL(fileURLWithPath: b.fetchMarkerPath))
    let pulled = try b.pull(author: signature("Zhang", 1_790_003_000))
    #expect(pulled != .upToDate)
    #expect(!FileManager.default.fileExists(atPath: lockFile))
    #expect(!FileManager.default.fileExists(atPath: b.fetchMarkerPath))
    #expect(try b.resolve("HEAD") == a.resolve("HEAD"))
  }

  @Test("clone refuses what is not a workspace or not reachable")
  func cloneErrors() throws {
    let scratch = Scratch()
    #expect(
      try run(["git", "init", "-q", "--bare", scratch.path + "/empty.git"], in: scratch.path).status
        == 0)
    #expect(throws: WorkspaceError.self) {
      try Workspace.clone(
        from: scratch.path + "/missing.git", to: scratch.path + "/x", executable: "acorn")
    }
    #expect(!FileManager.default.fileExists(atPath: scratch.path + "/x"))
    let port = try GitDaemon.freePort()
    #expect(throws: WorkspaceError.self) {
      try Workspace.clone(
        from: "git://127.0.0.1:\(port)/nothing.git", to: scratch.path + "/y", executable: "acorn")
    }
  }
}
