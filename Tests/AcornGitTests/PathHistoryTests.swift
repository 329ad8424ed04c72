import AcornGit
import Foundation
import Testing

@Suite("one path's history, level by level")
struct PathHistoryTests {
  let author = Signature(name: "Li Wei", email: "li.wei@example.com", time: 1_780_000_000)

  /// 300 commits on two branches (merged), each adding, editing or removing a few of 40 files in
  /// nested folders, the tracked file among them; then every commit's change of each path
  /// is the one a full lookup in both trees gives, and the commits changing the tracked file
  /// are those `git log --first-parent` lists.
  @Test("every commit's change of a path is what looking the path up in both trees gives")
  func agreesWithFullLookups() throws {
    let dir = temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let repo = try Repository.create(at: dir, initialBranch: "main")
    let paths = (0..<40).map { i in
      "records/\(["US", "DE"][i % 2])/invoice/2026-0\(i % 3 + 1)/INV-\(i).json"
    }
    var state: UInt64 = 42
    func draw(_ n: Int) -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int((state >> 33) % UInt64(n))
    }
    var tree: ObjectID?
    var head: ObjectID?
    var side: (tree: ObjectID?, head: ObjectID?) = (nil, nil)
    for n in 0..<300 {
      var changes: [String: ObjectID?] = [:]
      for _ in 0..<(1 + draw(3)) {
        let path = paths[draw(paths.count)]
        changes[path] = draw(6) == 0 ? nil : try repo.writeBlob(Array("{\"n\": \(n)}\n".utf8))
      }
      if n == 150 { side = (tree, head) }
      if n > 150 && n < 220 && n % 2 == 0 {
        // Work on a side branch, merged at 220.
        let sideTree = try repo.updateTree(base: side.tree, changes: changes)
        side.tree = sideTree
        side.head = try repo.commit(
          tree: sideTree, parents: side.head.map { [$0] } ?? [], message: "side \(n)\n",
          author: author, updating: nil)
        continue
      }
      let next = try repo.updateTree(base: tree, changes: changes)
      tree = next
      var parents = head.map { [$0] } ?? []
      if n == 220, let s = side.head { parents.append(s) }
      head = try repo.commit(tree: next, parents: parents, message: "\(n)\n", author: author)
    }
    let tip = try #require(head)
    for path in [paths[0], paths[7], "records/US/invoice/2026-01/none.json", "records/JP/x.json"] {
      let history = Repository.PathHistory(repo, path: path)
      var changedCommits: [String] = []
      for id in try repo.history(from: tip) {
        let (tree, parents) = try repo.treeAndParents(id)
        let now = try repo.blobID(atPath: path, inTree: tree)
        let before = try parents.first.flatMap { p throws(GitError) in
          try repo.blobID(atPath: path, inTree: try repo.treeAndParents(p).tree)
        }
        let found = try history.change(at: id)
        #expect(found.changed == (now != before), "\(path) at \(id.short)")
        if found.changed {
          #expect(found.now == now && found.before == before)
          changedCommits.append(id.hex)
        }
      }
      let gitSays = try git(["log", "--format=%H", "--first-parent", "-m", "--", path], in: dir)
      let gitOrder = gitSays.output.split(separator: "\n").map(String.init)
      let firstParentChanges = Set(gitOrder)
      let ours = Set(
        try repo.history(from: tip, firstParentOnly: true).filter { id in
          try history.change(at: id).changed
        }.map(\.hex))
      #expect(ours == firstParentChanges, "\(path)")
      let line = try Repository.PathHistory(repo, path: path).firstParentChanges(from: tip)
      #expect(line.map(\.commit.hex) == gitOrder, "\(path)")
      for (commit, blob) in line {
        #expect(try blob == repo.blobID(atPath: path, inTree: try repo.treeAndParents(commit).tree))
      }
      if path == paths[0] { #expect(changedCommits.count > 5) }
    }
  }
}
