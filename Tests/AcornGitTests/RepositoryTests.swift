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

  @Test(
    "diffTrees gives what git diff-tree gives: changed, added and removed files at any depth, a file that became a folder, a mode change, a file that became a symbolic link as one change (libgit2 alone gave two)"
  )
  func diffTreesMatchesGit() throws {
    let dir = temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    #expect(try git(["init", "-q", "-b", "main"], in: dir).status == 0)
    func write(_ files: [String: String]) throws {
      for (path, text) in files {
        let full = dir + "/" + path
        try FileManager.default.createDirectory(
          atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: full, atomically: true, encoding: .utf8)
      }
    }
    func commit(_ message: String) throws -> String {
      #expect(try git(["add", "-A"], in: dir).status == 0)
      #expect(
        try git(
          ["-c", "user.name=T", "-c", "user.email=t@example.com", "commit", "-qm", message],
          in: dir
        ).status == 0)
      return try git(["rev-parse", "HEAD^{tree}"], in: dir).output
        .trimmingCharacters(in: .whitespacesAndNewlines)
    }
    try write([
      "a.txt": "a\n", "b/x.json": "x\n", "b/y.json": "y\n", "c": "a file\n", "d/e/f.json": "f\n",
      "d/e/g.json": "g\n", "same/s.json": "s\n", "run.sh": "echo\n", "b.txt": "b\n",
    ])
    let first = try commit("first")
    try write(["a.txt": "a2\n", "b/z.json": "z\n", "d/e/g.json": "g2\n", "zz/new.json": "n\n"])
    try FileManager.default.removeItem(atPath: dir + "/b/x.json")
    try FileManager.default.removeItem(atPath: dir + "/c")
    try write(["c/inside.json": "i\n"])
    try FileManager.default.setAttributes(
      [.posixPermissions: 0o755], ofItemAtPath: dir + "/run.sh")
    try FileManager.default.removeItem(atPath: dir + "/b.txt")
    try FileManager.default.createSymbolicLink(atPath: dir + "/b.txt", withDestinationPath: "a.txt")
    let second = try commit("second")

    let repo = try Repository.open(at: dir)
    let ours = try repo.diffTrees(ObjectID(hex: first), ObjectID(hex: second))
    // ":100644 100755 <old> <new> M\tpath", full ids; added and removed sides all zeros.
    let theirs = try git(
      ["diff-tree", "-r", "--no-renames", "--full-index", first, second], in: dir
    )
    .output.split(separator: "\n").map { line -> (String, String?, String?, Bool) in
      let parts = line.split(separator: "\t", maxSplits: 1)
      let fields = parts[0].split(separator: " ")
      let zero = String(repeating: "0", count: 40)
      return (
        String(parts[1]), fields[2] == zero ? nil : String(fields[2]),
        fields[3] == zero ? nil : String(fields[3]), fields[1] == "120000"
      )
    }
    #expect(ours.map(\.path) == theirs.map(\.0))
    #expect(ours.map { $0.oldBlob?.hex } == theirs.map(\.1))
    #expect(ours.map { $0.newBlob?.hex } == theirs.map(\.2))
    #expect(ours.map(\.newIsSpecial) == theirs.map(\.3))
    #expect(ours.contains { $0.path == "run.sh" && $0.oldBlob == $0.newBlob })
    #expect(!ours.contains { $0.path.hasPrefix("same/") })
    // From and to the empty tree: every file.
    #expect(try repo.diffTrees(nil, ObjectID(hex: first)).count == 9)
    #expect(try repo.diffTrees(ObjectID(hex: first), nil).allSatisfy { $0.newBlob == nil })
    #expect(try repo.diffTrees(ObjectID(hex: first), ObjectID(hex: first)).isEmpty)
  }

  @Test(
    "diffTrees gives what git diff-tree gives over random histories: names that sort around `/` (a, a.b, a-b, a0, a/), files that become folders and back, modes, symbolic links, subtrees changed side by side, either direction and across commits"
  )
  func diffTreesMatchesGitOnRandomTrees() throws {
    let dir = temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    #expect(try git(["init", "-q", "-b", "main"], in: dir).status == 0)
    // Knuth's MMIX linear congruential generator: the same trees on every run.
    var state: UInt64 = 20_261_203
    func next(_ bound: Int) -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int((state >> 33) % UInt64(bound))
    }
    // Names around the folder separator in git's order: "a" < "a-b" < "a.b" < "a/" < "a0".
    let names = ["a", "a-b", "a.b", "a0", "b", "b.json", "m1", "m2", "m3", "z"]
    func randomPath() -> String {
      (0...next(3)).map { _ in names[next(names.count)] }.joined(separator: "/")
    }
    let fm = FileManager.default
    func clear(_ path: String) {
      // What stands in the way: a file where a folder goes, or the path itself.
      var prefix = dir
      for part in path.split(separator: "/").dropLast() {
        prefix += "/" + part
        var isFolder: ObjCBool = false
        if fm.fileExists(atPath: prefix, isDirectory: &isFolder), !isFolder.boolValue {
          try? fm.removeItem(atPath: prefix)
        }
        if (try? fm.destinationOfSymbolicLink(atPath: prefix)) != nil {
          try? fm.removeItem(atPath: prefix)
        }
      }
      try? fm.removeItem(atPath: dir + "/" + path)
    }
    func write(_ path: String, _ text: String) throws {
      clear(path)
      try fm.createDirectory(
        atPath: ((dir + "/" + path) as NSString).deletingLastPathComponent,
        withIntermediateDirectories: true)
      try text.write(toFile: dir + "/" + path, atomically: false, encoding: .utf8)
    }
    func commit(_ message: String) throws -> String {
      #expect(try git(["add", "-A"], in: dir).status == 0)
      _ = try git(
        [
          "-c", "user.name=T", "-c", "user.email=t@example.com", "commit", "-qm", message,
          "--allow-empty",
        ], in: dir)
      return try git(["rev-parse", "HEAD^{tree}"], in: dir).output
        .trimmingCharacters(in: .whitespacesAndNewlines)
    }
    func tracked() throws -> [String] {
      try git(["ls-files"], in: dir).output.split(separator: "\n").map(String.init)
    }
    for i in 0..<150 { try write(randomPath(), "v\(i)\n") }
    var trees = [try commit("0")]
    for round in 1...8 {
      let files = try tracked()
      for _ in 0..<25 {
        let path = files[next(files.count)]
        switch next(6) {
        case 0: try write(path, "r\(round)-\(next(1000))\n")
        case 1: try? fm.removeItem(atPath: dir + "/" + path)
        case 2: try write(randomPath(), "n\(round)-\(next(1000))\n")
        case 3:
          // A file becomes a folder.
          try write(path + "/" + names[next(names.count)], "f\(round)\n")
        case 4:
          if fm.fileExists(atPath: dir + "/" + path) {
            try? fm.setAttributes(
              [.posixPermissions: next(2) == 0 ? 0o755 : 0o644], ofItemAtPath: dir + "/" + path)
          }
        default:
          // A file becomes a symbolic link (where its folder still stands: an earlier change of
          // this round may have replaced it; git judges whatever the tree then holds).
          clear(path)
          try? fm.createSymbolicLink(atPath: dir + "/" + path, withDestinationPath: "target")
        }
      }
      if round % 3 == 0 {
        // A folder becomes a file.
        let folder = String(files[next(files.count)].split(separator: "/").first!)
        var isFolder: ObjCBool = false
        if fm.fileExists(atPath: dir + "/" + folder, isDirectory: &isFolder), isFolder.boolValue {
          try fm.removeItem(atPath: dir + "/" + folder)
          try write(folder, "was a folder\n")
        }
      }
      trees.append(try commit("\(round)"))
    }
    let repo = try Repository.open(at: dir)
    var compared = 0
    for (x, y) in zip(trees, trees.dropFirst()) + [(trees[0], trees[8]), (trees[8], trees[2])] {
      let ours = try repo.diffTrees(ObjectID(hex: x), ObjectID(hex: y))
      let theirs = try git(
        ["diff-tree", "-r", "--no-renames", "--full-index", x, y], in: dir
      ).output.split(separator: "\n").map { line -> String in
        let parts = line.split(separator: "\t", maxSplits: 1)
        let f = parts[0].split(separator: " ")
        let zero = String(repeating: "0", count: 40)
        return
          "\(parts[1]) \(f[2] == zero ? "-" : f[2]) \(f[3] == zero ? "-" : f[3]) \(f[1] == "120000")"
      }
      #expect(
        ours.map {
          "\($0.path) \($0.oldBlob?.hex ?? "-") \($0.newBlob?.hex ?? "-") \($0.newIsSpecial)"
        } == theirs, "\(x) → \(y)")
      // The same with every level of several subtrees shared among the cores (these trees are
      // far below the size that shares them otherwise).
      #expect(try repo.diffTrees(ObjectID(hex: x), ObjectID(hex: y), sharedPast: 0) == ours)
      compared += theirs.count
    }
    #expect(compared > 150)
  }

  @Test(
    "diffTrees reads trees written while packed writes wait in memory (only this handle sees them), with several subtrees changed"
  )
  func diffTreesDuringPackedWrites() throws {
    let dir = temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let repo = try Repository.create(at: dir, initialBranch: "main")
    try repo.beginPackedWrites()
    var files: [String: ObjectID] = [:]
    for m in 1...4 {
      for i in 0..<20 {
        files["records/US/invoice/2026-0\(m)/INV-\(i).json"] = try repo.writeBlob(
          Array("\(m)-\(i)".utf8))
      }
    }
    let before = try repo.writeTree(files: files)
    var changed = files
    for m in 1...4 {
      changed["records/US/invoice/2026-0\(m)/INV-3.json"] = try repo.writeBlob([UInt8(m)])
    }
    changed["records/US/invoice/2026-02/INV-5.json"] = nil
    let after = try repo.writeTree(files: changed)
    let diff = try repo.diffTrees(before, after)
    #expect(
      diff.map(\.path) == [
        "records/US/invoice/2026-01/INV-3.json", "records/US/invoice/2026-02/INV-3.json",
        "records/US/invoice/2026-02/INV-5.json", "records/US/invoice/2026-03/INV-3.json",
        "records/US/invoice/2026-04/INV-3.json",
      ])
    #expect(diff.map { $0.newBlob == nil } == [false, false, true, false, false])
    #expect(try repo.diffTrees(before, after, sharedPast: 0) == diff)
    try repo.writePack()
    #expect(try Repository.open(at: dir).diffTrees(before, after) == diff)
    #expect(try Repository.open(at: dir).diffTrees(before, after, sharedPast: 0) == diff)
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

@Suite("remote URLs")
struct RemoteURLTests {
  @Test(
    "a relative local path is read from a base folder; URLs, host:path, absolute paths are left")
  func relativePaths() {
    #expect(Repository.absoluteLocal("../remote.git", base: "/w/books") == "/w/remote.git")
    #expect(Repository.absoluteLocal("remote.git", base: "/w") == "/w/remote.git")
    #expect(Repository.absoluteLocal("./a/../r.git", base: "/w/") == "/w/r.git")
    for kept in [
      "/srv/r.git", "file:///srv/r.git", "git://127.0.0.1/r.git", "https://h/r.git",
      "git@github.com:acme/books.git", "host:books.git", "~/r.git", "",
    ] {
      #expect(Repository.absoluteLocal(kept, base: "/w") == nil, "\(kept)")
    }
  }
}

/// `Repository.status()` answers from `.git/acorn-status` while the stamp can vouch for the tree;
/// git's own porcelain status is the judge after every change.
@Suite("status from the stamp")
struct StatusStampTests {
  let dir = temporaryFolder()
  let author = Signature(
    name: "Li Wei", email: "li.wei@example.com", time: 1_780_000_000, offsetMinutes: 480)

  /// What `git status` says, in `StatusEntry` terms.
  func gitStatus() throws -> [Repository.StatusEntry] {
    // --no-optional-locks: git does not rewrite the index as it refreshes (that would void the stamp).
    let out = try git(
      ["--no-optional-locks", "status", "--porcelain=v1", "-uall", "--no-renames"], in: dir
    ).output
    return out.split(separator: "\n").map { line in
      let code = line.prefix(2)
      let path = String(line.dropFirst(3))
      let change: Repository.StatusEntry.Change =
        code == "??" || code.first == "A" ? .added : code.contains("D") ? .deleted : .modified
      return Repository.StatusEntry(path: path, change: change)
    }.sorted { $0.path < $1.path }
  }

  func write(_ rel: String, _ text: String) throws {
    let full = dir + "/" + rel
    try FileManager.default.createDirectory(
      atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    // In place, as an editor saving over the file does (Foundation's createFile renames a copy).
    let fd = open(full, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    #expect(fd >= 0)
    let bytes = Array(text.utf8)
    #expect(Glibc.write(fd, bytes, bytes.count) == bytes.count)
    close(fd)
  }

  /// Directories modified within the last second are not vouched for (a change in the same
  /// clock tick would keep their mtime): moving their mtimes back lets the next clean status stamp.
  func settle() throws {
    let old = Date().addingTimeInterval(-10)
    let walker = try #require(FileManager.default.enumerator(atPath: dir))
    var dirs = [dir]
    while let rel = walker.nextObject() as? String {
      if rel == ".git" {
        walker.skipDescendants()
        continue
      }
      var isDirectory: ObjCBool = false
      if FileManager.default.fileExists(atPath: dir + "/" + rel, isDirectory: &isDirectory),
        isDirectory.boolValue
      {
        dirs.append(dir + "/" + rel)
      }
    }
    for d in dirs {
      try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: d)
    }
  }

  @Test(
    "edits in place, reverts, modes and ignored folders are answered from the stamp; new files, deletions, staging and commits fall back to a full status"
  )
  func stamp() throws {
    defer { try? FileManager.default.removeItem(atPath: dir) }
    _ = try Repository.create(at: dir, initialBranch: "main")
    try write(".gitignore", ".cache/\n*.tmp\n")
    for m in 1...3 {
      for n in 1...5 { try write("records/invoice/US/2026-0\(m)/INV-\(n).json", "{\"n\": \(n)}\n") }
    }
    try write(".cache/keep", "x\n")
    #expect(try git(["add", "-A"], in: dir).status == 0)
    #expect(try git(["commit", "-q", "-m", "first"], in: dir).status == 0)
    let repo = try Repository.open(at: dir)
    let stampPath = dir + "/.git/acorn-status"

    // Freshly written folders: clean, but no stamp yet.
    #expect(try repo.status() == [])
    #expect(!FileManager.default.fileExists(atPath: stampPath))
    #expect(repo.statusFromStamp() == nil)
    try settle()
    #expect(try repo.status() == [])
    #expect(FileManager.default.fileExists(atPath: stampPath))
    #expect(repo.statusFromStamp() == [])

    /// Checks the stamp's answer (when it gives one, and whether it should) and `status()`
    /// against git's.
    func expectStatus(fast: Bool, _ comment: Comment) throws {
      let answer = repo.statusFromStamp()
      let expected = try gitStatus()
      #expect((answer != nil) == fast, comment)
      if let answer { #expect(answer == expected, comment) }
      #expect(try repo.status() == expected, comment)
    }
    let file = "records/invoice/US/2026-02/INV-3.json"
    try write(file, "{\"n\": 9}\n")
    try expectStatus(fast: true, "edited in place, same size")
    #expect(repo.statusFromStamp() == [.init(path: file, change: .modified)])
    try write(file, "{\"n\": 3}\n")
    try expectStatus(fast: true, "reverted: stat differs, content does not")
    #expect(repo.statusFromStamp() == [])
    #expect(chmod(dir + "/" + file, 0o755) == 0)
    try expectStatus(fast: true, "made executable")
    #expect(chmod(dir + "/" + file, 0o644) == 0)
    try write(".cache/other", "y\n")
    try expectStatus(fast: true, "a file in an ignored folder")
    #expect(repo.statusFromStamp() == [])
    // Un-ignoring a folder in place: its files appear though no directory's mtime moved.
    try write(".gitignore", "*.tmp\n#cache\n")
    try expectStatus(fast: false, "an edited ignore file")
    #expect(try repo.status().contains(.init(path: ".cache/other", change: .added)))
    try write(".gitignore", ".cache/\n*.tmp\n")
    try settle()
    #expect(try repo.status() == [])

    try write("records/invoice/US/2026-01/INV-9.json", "{}\n")
    try expectStatus(fast: false, "an untracked file: its folder changed")
    #expect(
      try repo.status().contains(
        .init(path: "records/invoice/US/2026-01/INV-9.json", change: .added)))
    try FileManager.default.removeItem(atPath: dir + "/records/invoice/US/2026-01/INV-9.json")
    try settle()
    try expectStatus(fast: false, "the stamp was not renewed while the tree was dirty")
    #expect(repo.statusFromStamp() == [])

    try write("records/invoice/US/2026-04/INV-1.json", "{}\n")
    try expectStatus(fast: false, "a new folder with a file")
    try FileManager.default.removeItem(atPath: dir + "/records/invoice/US/2026-04")
    try settle()
    #expect(try repo.status() == [])

    try FileManager.default.removeItem(atPath: dir + "/" + file)
    try expectStatus(fast: false, "a deleted file: its folder changed")
    #expect(try git(["checkout", "--", file], in: dir).status == 0)
    try settle()
    #expect(try repo.status() == [])
    #expect(repo.statusFromStamp() == [])

    try write(file, "{\"n\": 33}\n")
    #expect(try git(["add", file], in: dir).status == 0)
    try expectStatus(fast: false, "staged: the index changed")
    #expect(try git(["commit", "-q", "-m", "second"], in: dir).status == 0)
    try settle()
    #expect(try repo.status() == [])
    #expect(repo.statusFromStamp() == [])
    #expect(try git(["commit", "-q", "--allow-empty", "-m", "third"], in: dir).status == 0)
    try expectStatus(fast: false, "HEAD moved")

    // A damaged stamp is never trusted.
    try settle()
    #expect(try repo.status() == [])
    try Data("acorn-status 1\nhead x\n".utf8).write(to: URL(fileURLWithPath: stampPath))
    try expectStatus(fast: false, "a damaged stamp")
  }

  @Test(
    "without a stamp, an index whose cache tree is HEAD's answers: untracked, ignored, modified and deleted files as git says; a staged change falls back"
  )
  func fromIndex() throws {
    defer { try? FileManager.default.removeItem(atPath: dir) }
    _ = try Repository.create(at: dir, initialBranch: "main")
    try write(".gitignore", ".cache/\n*.tmp\n")
    for n in 1...4 { try write("records/invoice/US/2026-01/INV-\(n).json", "{\"n\": \(n)}\n") }
    #expect(try git(["add", "-A"], in: dir).status == 0)
    #expect(try git(["commit", "-q", "-m", "first"], in: dir).status == 0)
    let repo = try Repository.open(at: dir)

    func expectStatus(_ comment: Comment) throws {
      let answer = repo.statusFromIndex()
      let expected = try gitStatus()
      #expect(answer == expected, comment)
      #expect(try repo.status() == expected, comment)
    }
    try expectStatus("clean, just committed")
    try write("records/invoice/US/2026-01/INV-9.json", "{}\n")
    try write("records/invoice/US/2026-02/deep/INV-10.json", "{}\n")
    try write("notes.tmp", "ignored\n")
    try write(".cache/x", "ignored\n")
    try expectStatus("untracked files, some in a new folder; ignored ones left out")
    #expect(repo.statusFromIndex()?.filter { $0.change == .added }.count == 2)
    try write("records/invoice/US/2026-01/INV-2.json", "{\"n\": 22}\n")
    try FileManager.default.removeItem(atPath: dir + "/records/invoice/US/2026-01/INV-3.json")
    try expectStatus("a modified and a deleted file beside the untracked ones")
    #expect(try git(["add", "records/invoice/US/2026-01/INV-2.json"], in: dir).status == 0)
    #expect(
      repo.statusFromIndex() == nil, "a staged change: the cache tree no longer names HEAD's tree")
    #expect(try repo.status() == gitStatus())
    #expect(try git(["add", "-A"], in: dir).status == 0)
    #expect(try git(["commit", "-q", "-m", "second"], in: dir).status == 0)
    try expectStatus("committed")
    #expect(!FileManager.default.fileExists(atPath: dir + "/.git/acorn-status"))
    // Acorn's own commits (libgit2) keep the cache tree valid as they update the index.
    let rel = "records/invoice/US/2026-01/INV-1.json"
    try write(rel, "{\"n\": 11}\n")
    let head = try #require(try repo.resolveCommit("HEAD"))
    let tree = try repo.updateTree(
      base: try repo.treeID(ofCommit: head),
      changes: [rel: try repo.writeBlob(Array("{\"n\": 11}\n".utf8))])
    _ = try repo.commit(tree: tree, parents: [head], message: "third\n", author: author)
    try repo.syncIndex(paths: [rel])
    #expect(repo.statusFromIndex() == [], "after a commit by libgit2 and the index synced")
    let after = try gitStatus()
    let log = try git(["log", "--oneline"], in: dir).output
    #expect(after == [], "\(after) \(log)")
    try settle()
    #expect(repo.statusFromIndex() == [])
    #expect(
      FileManager.default.fileExists(atPath: dir + "/.git/acorn-status"),
      "a clean tree leaves a stamp")
    #expect(repo.statusFromStamp() == [])
  }
}
