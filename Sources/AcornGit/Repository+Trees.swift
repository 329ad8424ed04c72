import AcornKillPoints
import CLibGit2
import Foundation

/// Trees, the index and the working-tree status.
extension Repository {
  /// A new tree: `base` with `changes` applied (path → new blob, or nil to delete). Only the trees
  /// on the changed paths are rewritten; every other subtree is reused as it is.
  public func updateTree(base: ObjectID?, changes: [String: ObjectID?]) throws(GitError) -> ObjectID
  {
    var grouped: [String: [String: ObjectID?]] = [:]
    var direct: [String: ObjectID?] = [:]
    for (path, blob) in changes {
      let parts = path.split(separator: "/", maxSplits: 1).map(String.init)
      guard let first = parts.first, Repository.isSafePath(path) else {
        throw GitError(
          code: -1, operation: "updateTree", message: "refusing unsafe path \"\(path)\"")
      }
      if parts.count == 1 {
        direct[first] = blob
      } else {
        grouped[first, default: [:]][parts[1]] = blob
      }
    }
    var baseTree: OpaquePointer?
    if let base {
      var raw = base.raw
      try check("git_tree_lookup(\(base.short))", git_tree_lookup(&baseTree, pointer, &raw))
    }
    defer { git_tree_free(baseTree) }
    var builder: OpaquePointer?
    try check("git_treebuilder_new", git_treebuilder_new(&builder, pointer, baseTree))
    defer { git_treebuilder_free(builder) }
    for (name, blob) in direct {
      if var raw = blob?.raw {
        try check(
          "git_treebuilder_insert(\(name))",
          git_treebuilder_insert(nil, builder, name, &raw, GIT_FILEMODE_BLOB))
      } else if git_treebuilder_get(builder, name) != nil {
        try check("git_treebuilder_remove(\(name))", git_treebuilder_remove(builder, name))
      }
    }
    for (name, sub) in grouped {
      var childBase: ObjectID?
      if let entry = git_treebuilder_get(builder, name),
        git_tree_entry_type(entry) == GIT_OBJECT_TREE
      {
        childBase = ObjectID(git_tree_entry_id(entry).pointee)
      }
      let child = try updateTree(base: childBase, changes: sub)
      if try isEmptyTree(child) {
        if git_treebuilder_get(builder, name) != nil {
          try check("git_treebuilder_remove(\(name)/)", git_treebuilder_remove(builder, name))
        }
      } else {
        var raw = child.raw
        try check(
          "git_treebuilder_insert(\(name)/)",
          git_treebuilder_insert(nil, builder, name, &raw, GIT_FILEMODE_TREE))
      }
    }
    var oid = git_oid()
    try check("git_treebuilder_write", git_treebuilder_write(&oid, builder))
    return written(oid)
  }

  func isEmptyTree(_ id: ObjectID) throws(GitError) -> Bool {
    var raw = id.raw
    var tree: OpaquePointer?
    try check("git_tree_lookup(\(id.short))", git_tree_lookup(&tree, pointer, &raw))
    defer { git_tree_free(tree) }
    return git_tree_entrycount(tree) == 0
  }

  /// The blob at `path` in `tree`, or nil when there is none.
  public func blobID(atPath path: String, inTree tree: ObjectID) throws(GitError) -> ObjectID? {
    var raw = tree.raw
    var handle: OpaquePointer?
    try check("git_tree_lookup(\(tree.short))", git_tree_lookup(&handle, pointer, &raw))
    defer { git_tree_free(handle) }
    var entry: OpaquePointer?
    let result = git_tree_entry_bypath(&entry, handle, path)
    if result == GIT_ENOTFOUND.rawValue { return nil }
    try check("git_tree_entry_bypath(\(path))", result)
    defer { git_tree_entry_free(entry) }
    guard git_tree_entry_type(entry) == GIT_OBJECT_BLOB else { return nil }
    return ObjectID(git_tree_entry_id(entry).pointee)
  }

  /// The blob id `bytes` would have, without writing it.
  public func hashBlob(_ bytes: [UInt8]) throws(GitError) -> ObjectID {
    var oid = git_oid()
    let result = bytes.withUnsafeBytes { buffer in
      git_odb_hash(&oid, buffer.baseAddress, buffer.count, GIT_OBJECT_BLOB)
    }
    try check("git_odb_hash", result)
    return ObjectID(oid)
  }

  /// What the index holds that HEAD does not: staged files with their staged blob (nil: removed).
  /// `indexFile`: the index git hands a hook in `GIT_INDEX_FILE` (`git commit -a` stages into a
  /// temporary one); default the repository's own.
  public func stagedChanges(indexFile: String? = nil) throws(GitError) -> [TreeChange] {
    let head = try resolveCommit("HEAD").map { c throws(GitError) in try treeID(ofCommit: c) }
    var headTree: OpaquePointer?
    if let head {
      var raw = head.raw
      try check("git_tree_lookup(HEAD)", git_tree_lookup(&headTree, pointer, &raw))
    }
    defer { git_tree_free(headTree) }
    var index: OpaquePointer?
    if let indexFile {
      let full = indexFile.hasPrefix("/") ? indexFile : (workdir ?? "") + indexFile
      try check("git_index_open(\(full))", git_index_open(&index, full))
    } else {
      try check("git_repository_index", git_repository_index(&index, pointer))
    }
    defer { git_index_free(index) }
    var diff: OpaquePointer?
    try check(
      "git_diff_tree_to_index", git_diff_tree_to_index(&diff, pointer, headTree, index, nil))
    defer { git_diff_free(diff) }
    var out: [TreeChange] = []
    let zero = [UInt8](repeating: 0, count: 20)
    for i in 0..<git_diff_num_deltas(diff) {
      guard let d = git_diff_get_delta(diff, i)?.pointee,
        let p = d.new_file.path ?? d.old_file.path
      else { continue }
      let oldID = ObjectID(d.old_file.id)
      let newID = ObjectID(d.new_file.id)
      out.append(
        TreeChange(
          path: String(cString: p), oldBlob: oldID.bytes == zero ? nil : oldID,
          newBlob: newID.bytes == zero ? nil : newID))
    }
    return out
  }

  /// Brings index entries in line with the working tree for `paths` (added or updated when the
  /// file exists, removed when it does not) and writes the index, so `git status` stays clean.
  public func syncIndex(paths: [String]) throws(GitError) {
    var index: OpaquePointer?
    try check("git_repository_index", git_repository_index(&index, pointer))
    defer { git_index_free(index) }
    // The handle's index as the file is now (another process may have written it since).
    try check("git_index_read", git_index_read(index, 0))
    for path in paths {
      let full = (workdir ?? "") + path
      if FileManager.default.fileExists(atPath: full) {
        try check("git_index_add_bypath(\(path))", git_index_add_bypath(index, path))
      } else if git_index_get_bypath(index, path, 0) != nil {
        try check("git_index_remove_bypath(\(path))", git_index_remove_bypath(index, path))
      }
    }
    refreshCacheTree(index)
    try check("git_index_write", git_index_write(index))
    KillPoint.reached("git-index")
  }

  /// Recomputes the index's cache tree where entries changed (the trees exist already when the
  /// index holds a commit's tree), so the next status knows from it that the index holds HEAD.
  /// A failure (conflict stages) leaves it invalid, which only costs that status its shortcut.
  /// Not while bulk writes go to memory: a tree written there and never packed would leave the
  /// cache tree naming an object git cannot find (and `git commit` trusts the cache tree).
  func refreshCacheTree(_ index: OpaquePointer?) {
    guard mempack == nil else { return }
    var tree = git_oid()
    _ = git_index_write_tree(&tree, index)
  }

  /// A path whose working-tree content differs from HEAD (or from the index).
  public struct StatusEntry: Sendable, Hashable {
    public enum Change: String, Sendable {
      case added, modified, deleted
      /// Unmerged: git left conflict stages in the index (a merge or rebase stopped).
      case conflicted
    }
    public var path: String
    public var change: Change

    public init(path: String, change: Change) {
      self.path = path
      self.change = change
    }
  }

  /// The operation git has in progress in this repository, if any: `merge`, `rebase`,
  /// `cherry-pick` or `revert`.
  public func operationInProgress() -> String? {
    switch git_repository_state(pointer) {
    case Int32(GIT_REPOSITORY_STATE_MERGE.rawValue): "merge"
    case Int32(GIT_REPOSITORY_STATE_REBASE.rawValue),
      Int32(GIT_REPOSITORY_STATE_REBASE_MERGE.rawValue),
      Int32(GIT_REPOSITORY_STATE_REBASE_INTERACTIVE.rawValue),
      Int32(GIT_REPOSITORY_STATE_APPLY_MAILBOX_OR_REBASE.rawValue):
      "rebase"
    case Int32(GIT_REPOSITORY_STATE_CHERRYPICK.rawValue),
      Int32(GIT_REPOSITORY_STATE_CHERRYPICK_SEQUENCE.rawValue):
      "cherry-pick"
    case Int32(GIT_REPOSITORY_STATE_REVERT.rawValue),
      Int32(GIT_REPOSITORY_STATE_REVERT_SEQUENCE.rawValue):
      "revert"
    default: nil
    }
  }

  /// A file that differs between two trees.
  public struct TreeChange: Sendable, Hashable {
    public var path: String
    public var oldBlob: ObjectID?
    public var newBlob: ObjectID?
    /// The new side is a symbolic link or a submodule, not a regular file.
    public var newIsSpecial: Bool = false
  }

  /// Whether a path from a tree may be written into a working tree: relative, no empty, `.` or
  /// `..` component, and no component that a case-insensitive or Windows file system would take
  /// for `.git` (`.GIT`, `.git.`, `.git `, `git~1`).
  public static func isSafePath(_ path: String) -> Bool {
    guard !path.isEmpty, !path.hasPrefix("/"), !path.contains("\\"), !path.contains("\0") else {
      return false
    }
    for part in path.split(separator: "/", omittingEmptySubsequences: false) {
      if part.isEmpty || part == "." || part == ".." { return false }
      var folded = part.lowercased()
      while let last = folded.last, last == "." || last == " " { folded.removeLast() }
      if folded == ".git" || folded == "git~1" { return false }
    }
    return true
  }

  /// Files that differ between two trees (nil is the empty tree), without rename detection.
  public func diffTrees(_ old: ObjectID?, _ new: ObjectID?) throws(GitError) -> [TreeChange] {
    // The same tree: libgit2 would still inflate every subtree of both to find nothing.
    if old == new { return [] }
    func lookup(_ id: ObjectID?) throws(GitError) -> OpaquePointer? {
      guard let id else { return nil }
      var raw = id.raw
      var tree: OpaquePointer?
      try check("git_tree_lookup(\(id.short))", git_tree_lookup(&tree, pointer, &raw))
      return tree
    }
    let oldTree = try lookup(old)
    defer { git_tree_free(oldTree) }
    let newTree = try lookup(new)
    defer { git_tree_free(newTree) }
    // A file that became a symbolic link (or the reverse) is one change, as git reports it
    // (without the flag libgit2 reports a removal and an addition of the same path).
    var options = git_diff_options()
    try check(
      "git_diff_options_init", git_diff_options_init(&options, UInt32(GIT_DIFF_OPTIONS_VERSION)))
    options.flags |= GIT_DIFF_INCLUDE_TYPECHANGE.rawValue
    var diff: OpaquePointer?
    try check(
      "git_diff_tree_to_tree", git_diff_tree_to_tree(&diff, pointer, oldTree, newTree, &options))
    defer { git_diff_free(diff) }
    var out: [TreeChange] = []
    for i in 0..<git_diff_num_deltas(diff) {
      guard let delta = git_diff_get_delta(diff, i) else { continue }
      let d = delta.pointee
      let pathPointer = d.new_file.path ?? d.old_file.path
      guard let pathPointer else { continue }
      let zero = [UInt8](repeating: 0, count: 20)
      let oldID = ObjectID(d.old_file.id)
      let newID = ObjectID(d.new_file.id)
      let mode = d.new_file.mode
      let special =
        newID.bytes != zero && mode != UInt32(GIT_FILEMODE_BLOB.rawValue)
        && mode != UInt32(GIT_FILEMODE_BLOB_EXECUTABLE.rawValue)
      out.append(
        TreeChange(
          path: String(cString: pathPointer), oldBlob: oldID.bytes == zero ? nil : oldID,
          newBlob: newID.bytes == zero ? nil : newID, newIsSpecial: special))
    }
    return out
  }
}
