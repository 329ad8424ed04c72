import Foundation
import Testing

@testable import AcornGit

@Suite("loose objects read with libdeflate")
struct LooseObjectsTests {
  /// A repository whose one commit holds a folder of `count` files (names alike, contents one
  /// blob: the tree compresses far better than trees of distinct ids) beside a file.
  func repository(_ count: Int) throws -> (dir: String, tree: String, folder: String, blob: String)
  {
    let dir = temporaryFolder()
    #expect(try git(["init", "-q", "-b", "main"], in: dir).status == 0)
    let fm = FileManager.default
    try fm.createDirectory(atPath: dir + "/records", withIntermediateDirectories: true)
    for i in 0..<count {
      try Data("same\n".utf8).write(to: URL(fileURLWithPath: dir + "/records/INV-US-\(i).json"))
    }
    try Data("top\n".utf8).write(to: URL(fileURLWithPath: dir + "/top.txt"))
    #expect(try git(["add", "-A"], in: dir).status == 0)
    #expect(
      try git(
        ["-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "one"],
        in: dir
      ).status == 0)
    func id(_ spec: String) throws -> String {
      try git(["rev-parse", spec], in: dir).output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
    return (dir, try id("HEAD^{tree}"), try id("HEAD:records"), try id("HEAD:top.txt"))
  }

  /// The raw content git itself reads for an object.
  func catFile(_ type: String, _ id: String, in dir: String) throws -> [UInt8] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["git", "-C", dir, "cat-file", type, id]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Array(data)
  }

  func read(_ id: String, in dir: String) throws -> [UInt8]? {
    let loose = try #require(LooseObjects(folder: dir + "/.git/objects/"))
    guard let object = loose.tree(try #require(ObjectID(hex: id))) else { return nil }
    return Array(object.bytes[object.start...])
  }

  @Test("a loose tree reads as git reads it — small, and one inflating past the first guess")
  func looseTrees() throws {
    let (dir, tree, folder, _) = try repository(3000)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let small = try #require(try read(tree, in: dir))
    #expect(small == (try catFile("tree", tree, in: dir)))
    // Three thousand entries naming one blob: the tree is far more than three times its file.
    let path = dir + "/.git/objects/" + folder.prefix(2) + "/" + folder.dropFirst(2)
    let fileSize = try #require(
      try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
    let big = try #require(try read(folder, in: dir))
    #expect(big.count > 3 * fileSize)
    #expect(big == (try catFile("tree", folder, in: dir)))
  }

  @Test("a blob, a packed tree, a damaged file and a wrong header are left to libgit2")
  func leftToLibgit2() throws {
    let (dir, tree, folder, blob) = try repository(20)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    #expect(try read(blob, in: dir) == nil)
    #expect(LooseObjects.content(Array("blob 3\0abc".utf8), type: "tree") == nil)
    #expect(LooseObjects.content(Array("tree 4\0abc".utf8), type: "tree") == nil)
    #expect(LooseObjects.content(Array("tree x\0abc".utf8), type: "tree") == nil)
    #expect(LooseObjects.content(Array("tree 3\0abc".utf8), type: "tree")?.start == 7)
    // Damaged: the diff fails with libgit2's error rather than reading garbage.
    let path = dir + "/.git/objects/" + folder.prefix(2) + "/" + folder.dropFirst(2)
    try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
    try Data("not zlib at all".utf8).write(to: URL(fileURLWithPath: path))
    #expect(try read(folder, in: dir) == nil)
    let repo = try Repository.open(at: dir)
    #expect(throws: GitError.self) { try repo.diffTrees(nil, ObjectID(hex: tree)) }
    // Packed: no loose file; libgit2 reads the pack.
    let (dir2, tree2, _, _) = try repository(20)
    defer { try? FileManager.default.removeItem(atPath: dir2) }
    let before = try Repository.open(at: dir2).diffTrees(nil, ObjectID(hex: tree2))
    #expect(before.count == 21)
    #expect(try git(["gc", "-q", "--prune=now"], in: dir2).status == 0)
    #expect(try read(tree2, in: dir2) == nil)
    #expect(try Repository.open(at: dir2).diffTrees(nil, ObjectID(hex: tree2)) == before)
  }
}
