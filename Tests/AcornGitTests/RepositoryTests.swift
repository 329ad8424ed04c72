import AcornGit
import Foundation
import Testing

/// Runs the git CLI, the independent judge of what libgit2 wrote.
func git(_ args: [String], in dir: String) throws -> (status: Int32, output: String) {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
  process.arguments = ["git", "-C", dir] + args
  let pipe = Pipe()
  process.standardOutput = pipe
  process.standardError = pipe
  try process.run()
  let data = pipe.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

func temporaryFolder(_ name: String = #function) -> String {
  let path = NSTemporaryDirectory() + "acorn-git-\(UUID().uuidString.prefix(8))"
  try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  return path
}

@Suite("libgit2 wrapper")
struct RepositoryTests {
  let author = Signature(
    name: "Li Wei", email: "li.wei@example.com", time: 1_780_000_000, offsetMinutes: 480)

  @Test(
    "bulk writes land as one packfile, the index is made from stat data: git fsck and status clean")
  func packedWrites() throws {
    let dir = temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let repo = try Repository.create(at: dir, initialBranch: "main")
    try repo.beginPackedWrites()
    var changes: [String: ObjectID?] = [:]
    var entries: [Repository.IndexEntry] = []
    for i in (0..<500).reversed() {
      let rel = "records/US/invoice/2026-0\(i % 9 + 1)/INV-US-\(i).json"
      let bytes = Array("{\"n\": \(i)}\n".utf8)
      try FileManager.default.createDirectory(
        atPath: dir + "/" + (rel as NSString).deletingLastPathComponent,
        withIntermediateDirectories: true)
      #expect(FileManager.default.createFile(atPath: dir + "/" + rel, contents: Data(bytes)))
      var st = stat()
      #expect(lstat(dir + "/" + rel, &st) == 0)
      let blob = try repo.writeBlob(bytes)
      changes[rel] = blob
      entries.append(.init(path: rel, blob: blob, status: st))
    }
    let tree = try repo.updateTree(base: nil, changes: changes)
    // Nothing is on disk before the pack is written.
    #expect(try git(["cat-file", "-e", tree.hex], in: dir).status != 0)
    try repo.writePack()
    try repo.addToIndex(entries)
    let commit = try Repository.open(at: dir).commit(
      tree: tree, parents: [], message: "bulk", author: author)
    #expect(try git(["count-objects", "-v"], in: dir).output.contains("in-pack: 513"))
    let packs = try FileManager.default.contentsOfDirectory(atPath: dir + "/.git/objects/pack")
    #expect(packs.filter { $0.hasSuffix(".pack") }.count == 1)
    #expect(try git(["fsck", "--strict"], in: dir).status == 0)
    #expect(try git(["status", "--porcelain"], in: dir).output == "")
    #expect(try git(["ls-files"], in: dir).output.split(separator: "\n").count == 500)
    #expect(try git(["rev-parse", "HEAD"], in: dir).output.hasPrefix(commit.hex))
    // The index entries carry the files' stat data: git need not read a file to call it clean.
    let debug = try git(
      ["ls-files", "--debug", "records/US/invoice/2026-01/INV-US-0.json"], in: dir)
    #expect(debug.output.contains("size: 9"), "\(debug.output)")
  }

  @Test("a repository on main with a commit of nested files: fsck clean, status clean")
  func commitTree() throws {
    let dir = temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let repo = try Repository.create(at: dir, initialBranch: "main")
    let files = [
      "a.txt": "alpha\n", "records/US/invoice/2026-01/INV-US-1.json": "{}\n",
      "rules/x.yaml": "x: 1\n",
    ]
    var blobs: [String: ObjectID] = [:]
    for (path, text) in files {
      let full = dir + "/" + path
      try FileManager.default.createDirectory(
        atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
      try text.write(toFile: full, atomically: true, encoding: .utf8)
      blobs[path] = try repo.writeBlob(Array(text.utf8))
    }
    let tree = try repo.writeTree(files: blobs)
    let commit = try repo.commit(tree: tree, parents: [], message: "first\n", author: author)
    try repo.resetIndex(to: tree)

    #expect(try repo.currentBranch() == "main")
    #expect(try repo.resolveCommit("HEAD") == commit)
    #expect(try repo.treeID(ofCommit: commit) == tree)
    #expect(try repo.files(inTree: tree) == blobs)
    #expect(try repo.blob(blobs["a.txt"]!) == Array("alpha\n".utf8))
    #expect(try git(["fsck", "--full", "--strict"], in: dir).status == 0)
    #expect(try git(["status", "--porcelain"], in: dir).output == "")
    let log = try git(["log", "--format=%an <%ae> %s %ai"], in: dir).output
    #expect(log == "Li Wei <li.wei@example.com> first 2026-05-29 04:26:40 +0800\n")
  }

  @Test("reinitialising an existing repository is refused")
  func noReinit() throws {
    let dir = temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    _ = try Repository.create(at: dir, initialBranch: "main")
    #expect(throws: GitError.self) { try Repository.create(at: dir, initialBranch: "main") }
  }

  @Test("unsafe tree paths are refused")
  func unsafePaths() throws {
    let dir = temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let repo = try Repository.create(at: dir, initialBranch: "main")
    let blob = try repo.writeBlob([])
    for path in ["../x", "a/../../b", ".git/config", "a/./b"] {
      #expect(throws: GitError.self) { try repo.writeTree(files: [path: blob]) }
    }
  }

  @Test("errors carry libgit2's code and message")
  func errors() throws {
    let dir = temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    do {
      _ = try Repository.open(at: dir + "/nope")
      Issue.record("opened a missing repository")
    } catch {
      #expect(error.code < 0)
      #expect(error.operation.contains("git_repository_open_ext"))
      #expect(!error.message.isEmpty)
    }
    let repo = try Repository.create(at: dir, initialBranch: "main")
    #expect(try repo.resolveCommit("HEAD") == nil)
  }
}

@Suite("paths from trees")
struct SafePathTests {
  @Test("a path is written only when no file system could take it for .git or leave the folder")
  func safePaths() {
    for ok in ["records/US/x.json", "acorn.yaml", ".gitattributes", "a/.github/x", "git~2"] {
      #expect(Repository.isSafePath(ok), "\(ok)")
    }
    for bad in [
      ".git/hooks/pre-commit", ".GIT/hooks/x", "a/.Git/config", ".git./x", ".git /x", "GIT~1/x",
      "../x", "a/../b", "./a", "/etc/passwd", "a//b", "", "a\\b",
    ] {
      #expect(!Repository.isSafePath(bad), "\(bad)")
    }
  }
}
