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

  /// Files that differ between two trees (nil is the empty tree), without rename detection, in
  /// git's path order — what `git diff-tree -r --no-renames` lists: a file that became a
  /// symbolic link (or the reverse) one change, a file that became a folder a removal and the
  /// folder's files added.
  ///
  /// The trees are read raw from the object database and walked side by side: a subtree whose
  /// id is the same on both sides is skipped unread, entries are compared in place, and a path is
  /// built only for an entry that changed. (libgit2's tree-to-tree diff built every entry's path
  /// and passed it through its iterators: with its hashing of every object read, 44 % of an
  /// incremental publish's CPU at a million records, docs/performance.md.)
  ///
  /// `sharedPast`: how many bytes of subtrees to read at one level make it worth sharing them
  /// among the cores (tests pass 0 to share any level with more than one).
  public func diffTrees(
    _ old: ObjectID?, _ new: ObjectID?, sharedPast: Int = 1 << 20
  ) throws(GitError) -> [TreeChange] {
    if old == new { return [] }
    // Other handles read the subtrees on other cores — not while objects this handle has
    // written wait in memory (`beginPackedWrites`), where only this handle sees them.
    let others = mempack == nil ? gitDirectory : nil
    let loose = LooseObjects(
      folder: String(cString: git_repository_commondir(pointer)) + "objects/")
    return try withObjectDatabase { odb throws(GitError) in
      var walk = TreeWalk(odb: odb, fanOut: others, fanOutBytes: sharedPast, loose: loose)
      try walk.compare(old.map(\.raw), new.map(\.raw), prefix: [])
      return walk.changes
    }
  }

  /// The repository's object database, for the length of `body`.
  func withObjectDatabase<R>(_ body: (OpaquePointer) throws(GitError) -> R) throws(GitError) -> R {
    var odb: OpaquePointer?
    try check("git_repository_odb", git_repository_odb(&odb, pointer))
    defer { git_odb_free(odb) }
    return try body(try produced(odb, "git_repository_odb"))
  }
}

/// One side-by-side walk of two trees (`Repository.diffTrees`).
private struct TreeWalk {
  let odb: OpaquePointer
  /// The repository (its git folder) other cores open to read subtrees; nil: this thread only.
  /// Taken at the first level with more than one subtree to compare (a workspace's month
  /// folders), whose pairs are then shared among the cores.
  var fanOut: String?
  /// Subtrees worth other cores: past this many bytes of trees to read at one level (a month
  /// folder of a large workspace is megabytes; opening a repository for another thread costs
  /// about what inflating a hundred kilobytes of trees does, and history, audit and merges diff
  /// many small commits).
  var fanOutBytes: Int
  /// Reads loose trees with libdeflate (nil: every tree through the object database).
  var loose: LooseObjects?
  var changes: [Repository.TreeChange] = []

  /// Subtrees to compare, and where their changes go among this level's.
  struct Pending: @unchecked Sendable {
    var old: git_oid?
    var new: git_oid?
    var prefix: [UInt8]
    var at: Int
  }

  /// Reads a tree's raw entries (nil: the empty tree) for the length of `body`.
  func withTree<R>(
    _ id: git_oid?, _ body: (UnsafeRawBufferPointer) throws(GitError) -> R
  ) throws(GitError) -> R {
    guard var id else { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
    if let object = loose?.tree(ObjectID(id)) {
      let result = object.bytes.withUnsafeBytes { all in
        Result { () throws(GitError) in
          try body(UnsafeRawBufferPointer(rebasing: all[object.start...]))
        }
      }
      return try result.get()
    }
    var object: OpaquePointer?
    try check("git_odb_read(\(ObjectID(id).short))", git_odb_read(&object, odb, &id))
    defer { git_odb_object_free(object) }
    guard git_odb_object_type(object) == GIT_OBJECT_TREE else {
      throw GitError(
        code: -1, operation: "git_odb_read(\(ObjectID(id).short))", message: "not a tree")
    }
    return try body(
      UnsafeRawBufferPointer(
        start: git_odb_object_data(object), count: Int(git_odb_object_size(object))))
  }

  mutating func compare(_ old: git_oid?, _ new: git_oid?, prefix: [UInt8]) throws(GitError) {
    var pending: [Pending] = []
    try withTree(old) { oldBytes throws(GitError) in
      try withTree(new) { newBytes throws(GitError) in
        var a = TreeEntries(oldBytes, old)
        var b = TreeEntries(newBytes, new)
        var x = try a.next()
        var y = try b.next()
        while x != nil || y != nil {
          let order: Int
          if let x, let y { order = TreeEntries.order(x, y) } else { order = x == nil ? 1 : -1 }
          if order < 0, let e = x {
            if e.isTree {
              pending.append(
                Pending(old: e.id, new: nil, prefix: e.folder(prefix), at: changes.count))
            } else {
              record(e.path(prefix), old: e, new: nil)
            }
            x = try a.next()
          } else if order > 0, let f = y {
            if f.isTree {
              pending.append(
                Pending(old: nil, new: f.id, prefix: f.folder(prefix), at: changes.count))
            } else {
              record(f.path(prefix), old: nil, new: f)
            }
            y = try b.next()
          } else if let e = x, let f = y {
            if !e.sameContent(f) {
              if e.isTree {
                pending.append(
                  Pending(old: e.id, new: f.id, prefix: e.folder(prefix), at: changes.count))
              } else {
                record(e.path(prefix), old: e, new: f)
              }
            }
            x = try a.next()
            y = try b.next()
          }
        }
      }
    }
    guard !pending.isEmpty else { return }
    // Each subtree's changes, in order, then placed among this level's files.
    var parts: [[Repository.TreeChange]]
    if let repository = fanOut, pending.count > 1, try Self.largerThan(fanOutBytes, pending, odb) {
      parts = try Self.shared(pending, repository: repository, odb: odb, loose: loose)
    } else {
      parts = []
      for p in pending {
        var sub = TreeWalk(odb: odb, fanOut: fanOut, fanOutBytes: fanOutBytes, loose: loose)
        try sub.compare(p.old, p.new, prefix: p.prefix)
        parts.append(sub.changes)
      }
    }
    var merged: [Repository.TreeChange] = []
    merged.reserveCapacity(changes.count + parts.reduce(0) { $0 + $1.count })
    var from = 0
    for (p, part) in zip(pending, parts) {
      merged += changes[from..<p.at]
      merged += part
      from = p.at
    }
    merged += changes[from...]
    changes = merged
  }

  mutating func record(_ path: [UInt8], old: TreeEntry?, new: TreeEntry?) {
    changes.append(
      Repository.TreeChange(
        path: String(decoding: path, as: UTF8.self), oldBlob: old.map { ObjectID($0.id) },
        newBlob: new.map { ObjectID($0.id) },
        newIsSpecial: new.map { $0.mode != 0o100644 && $0.mode != 0o100755 } ?? false))
  }

  /// Whether the pending trees hold more than `limit` bytes, from their headers (not inflated).
  static func largerThan(_ limit: Int, _ pending: [Pending], _ odb: OpaquePointer)
    throws(GitError) -> Bool
  {
    var total = 0
    for p in pending {
      for id in [p.old, p.new] {
        guard var id else { continue }
        var size = 0
        var type = GIT_OBJECT_INVALID
        try check(
          "git_odb_read_header(\(ObjectID(id).short))", git_odb_read_header(&size, &type, odb, &id))
        total += size
        if total > limit { return true }
      }
    }
    return false
  }

  /// The pending subtrees compared on every core: this thread with its handle, the others each
  /// with a repository of its own (handles are not shared between threads).
  static func shared(
    _ pending: [Pending], repository: String, odb: OpaquePointer, loose: LooseObjects?
  ) throws(GitError) -> [[Repository.TreeChange]] {
    let folder = loose?.folder
    let box = SharedResults(count: pending.count)
    let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, pending.count, 8))
    let group = DispatchGroup()
    for w in 1..<workers {
      group.enter()
      let thread = Thread {
        defer { group.leave() }
        do throws(GitError) {
          let repo = try Repository.open(at: repository)
          try repo.withObjectDatabase { odb throws(GitError) in
            try box.work(pending, odb: odb, loose: folder.flatMap(LooseObjects.init(folder:)))
          }
        } catch { box.fail(error) }
      }
      thread.stackSize = 1 << 20
      thread.start()
    }
    do { try box.work(pending, odb: odb, loose: loose) } catch { box.fail(error) }
    group.wait()
    return try box.results()
  }
}

/// The subtrees' changes as the cores find them, each taking the next pending pair.
private final class SharedResults: @unchecked Sendable {
  let lock = NSLock()
  var next = 0
  var parts: [[Repository.TreeChange]]
  var error: GitError?

  init(count: Int) { parts = Array(repeating: [], count: count) }

  func work(_ pending: [TreeWalk.Pending], odb: OpaquePointer, loose: LooseObjects?)
    throws(GitError)
  {
    while true {
      let i: Int? = lock.withLock {
        guard error == nil, next < pending.count else { return nil }
        defer { next += 1 }
        return next
      }
      guard let i else { return }
      var walk = TreeWalk(odb: odb, fanOut: nil, fanOutBytes: 0, loose: loose)
      try walk.compare(pending[i].old, pending[i].new, prefix: pending[i].prefix)
      lock.withLock { parts[i] = walk.changes }
    }
  }

  func fail(_ e: GitError) { lock.withLock { if error == nil { error = e } } }

  func results() throws(GitError) -> [[Repository.TreeChange]] {
    if let error { throw error }
    return parts
  }
}

/// One entry of a raw tree, pointing into the object's bytes.
private struct TreeEntry {
  var mode: UInt32
  var name: UnsafeRawBufferPointer
  /// The 20 bytes of the id.
  var idBytes: UnsafeRawPointer

  var isTree: Bool { mode & 0o170000 == 0o040000 }
  var id: git_oid {
    var oid = git_oid()
    withUnsafeMutableBytes(of: &oid.id) {
      $0.copyMemory(from: UnsafeRawBufferPointer(start: idBytes, count: 20))
    }
    return oid
  }
  func path(_ prefix: [UInt8]) -> [UInt8] { prefix + name }
  func folder(_ prefix: [UInt8]) -> [UInt8] { prefix + name + [0x2F] }
  /// The same id, and (a file's) the same mode.
  func sameContent(_ other: TreeEntry) -> Bool {
    (isTree || mode == other.mode)
      && memcmp(idBytes, other.idBytes, 20) == 0
  }
}

/// The entries of a raw tree (`<octal mode> <name>\0<20-byte id>`, repeated), one at a time.
private struct TreeEntries {
  let bytes: UnsafeRawBufferPointer
  let id: git_oid?
  var offset = 0

  init(_ bytes: UnsafeRawBufferPointer, _ id: git_oid?) {
    self.bytes = bytes
    self.id = id
  }

  mutating func next() throws(GitError) -> TreeEntry? {
    guard offset < bytes.count, let base = bytes.baseAddress else { return nil }
    let end = bytes.count
    var mode: UInt32 = 0
    var i = offset
    while i < end {
      let c = base.load(fromByteOffset: i, as: UInt8.self)
      if c == 0x20 { break }
      let digit = c &- 0x30
      guard digit < 8 else { throw malformed() }
      mode = mode << 3 | UInt32(digit)
      i += 1
    }
    let nameStart = i + 1
    guard i > offset, nameStart < end,
      let nul = memchr(base + nameStart, 0, end - nameStart)
    else { throw malformed() }
    let nameEnd = nameStart + (UnsafeRawPointer(nul) - (base + nameStart))
    guard nameEnd > nameStart, nameEnd + 21 <= end else { throw malformed() }
    offset = nameEnd + 21
    return TreeEntry(
      mode: mode, name: UnsafeRawBufferPointer(start: base + nameStart, count: nameEnd - nameStart),
      idBytes: base + nameEnd + 1)
  }

  func malformed() -> GitError {
    GitError(
      code: -1, operation: "tree \(id.map { ObjectID($0).short } ?? "-")",
      message: "malformed entry at byte \(offset)")
  }

  /// Git's order of tree entries: by name, a folder's name read as if it ended in `/`.
  static func order(_ a: TreeEntry, _ b: TreeEntry) -> Int {
    let n = min(a.name.count, b.name.count)
    if let x = a.name.baseAddress, let y = b.name.baseAddress {
      let c = memcmp(x, y, n)
      if c != 0 { return Int(c) }
    }
    let x: UInt8 = a.name.count > n ? a.name[n] : (a.isTree ? 0x2F : 0)
    let y: UInt8 = b.name.count > n ? b.name[n] : (b.isTree ? 0x2F : 0)
    return x < y ? -1 : x > y ? 1 : 0
  }
}
