import CLibGit2

extension Repository {
  /// Where one path's entry changed from commit to commit. Two trees are compared along the path
  /// a level at a time, as git's path-limited walk does: where the subtrees on the path are the
  /// same object, everything under them is too, and nothing deeper is read. Each (tree, level)
  /// is looked up once, so the parent a walk compares against is not read again when the walk
  /// reaches it.
  public final class PathHistory {
    let repository: Repository
    let components: [String]
    var children: [Step: ObjectID?] = [:]
    var trees: [ObjectID: ObjectID] = [:]

    struct Step: Hashable {
      let tree: ObjectID
      let level: Int
    }

    /// A path with `/` between its components (`records/US/invoice/2026-01/INV-1.json`).
    public init(_ repository: Repository, path: String) {
      self.repository = repository
      components = path.split(separator: "/").map(String.init)
    }

    /// The path's blob in a commit and in its first parent, and whether they differ.
    public func change(at commit: ObjectID) throws(GitError) -> (
      changed: Bool, now: ObjectID?, before: ObjectID?
    ) {
      let (tree, parents) = try treeAndParents(commit)
      let parentTree = try parents.first.map { p throws(GitError) in try self.tree(of: p) }
      return try compare(tree, parentTree)
    }

    /// The commits of the first-parent line from `head` that changed the path, newest first,
    /// each with the path's blob after it (nil: removed). The line is followed parent by parent:
    /// a revision walk sorts every commit before it returns the first.
    public func firstParentChanges(from head: ObjectID) throws(GitError) -> [(
      commit: ObjectID, blob: ObjectID?
    )] {
      var out: [(commit: ObjectID, blob: ObjectID?)] = []
      var next: ObjectID? = head
      while let commit = next {
        let (tree, parents) = try treeAndParents(commit)
        let parentTree = try parents.first.map { p throws(GitError) in try self.tree(of: p) }
        let found = try compare(tree, parentTree)
        if found.changed { out.append((commit, found.now)) }
        trees[commit] = nil
        next = parents.first
      }
      return out
    }

    /// The path's entries under two root trees (nil: no tree), and whether they differ.
    public func compare(_ new: ObjectID?, _ old: ObjectID?) throws(GitError) -> (
      changed: Bool, now: ObjectID?, before: ObjectID?
    ) {
      var (a, b) = (new, old)
      for level in components.indices {
        if a == b { return (false, nil, nil) }
        a = try a.flatMap { t throws(GitError) in try child(t, level) }
        b = try b.flatMap { t throws(GitError) in try child(t, level) }
        if a == nil && b == nil { return (false, nil, nil) }
      }
      return (a != b, a, b)
    }

    func treeAndParents(_ commit: ObjectID) throws(GitError) -> (
      tree: ObjectID, parents: [ObjectID]
    ) {
      let found = try repository.treeAndParents(commit)
      trees[commit] = found.tree
      return found
    }

    func tree(of commit: ObjectID) throws(GitError) -> ObjectID {
      if let known = trees[commit] { return known }
      return try treeAndParents(commit).tree
    }

    /// The entry named by the path's component `level` in `tree`: a tree above the last
    /// level, a blob at it; nil when there is none (or it is of the other type).
    func child(_ tree: ObjectID, _ level: Int) throws(GitError) -> ObjectID? {
      let step = Step(tree: tree, level: level)
      if let known = children[step] { return known }
      var raw = tree.raw
      var handle: OpaquePointer?
      try check(
        "git_tree_lookup(\(tree.short))", git_tree_lookup(&handle, repository.pointer, &raw))
      defer { git_tree_free(handle) }
      var found: ObjectID?
      if let entry = git_tree_entry_byname(handle, components[level]) {
        let want = level == components.count - 1 ? GIT_OBJECT_BLOB : GIT_OBJECT_TREE
        if git_tree_entry_type(entry) == want { found = ObjectID(git_tree_entry_id(entry).pointee) }
      }
      children[step] = found
      return found
    }
  }
}
