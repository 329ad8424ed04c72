import CLibGit2
import Foundation

/// Bulk writes: many objects stored as one packfile, and index entries made from what the caller
/// already knows (blob id and the file's `stat`) instead of re-reading every file.
extension Repository {
  /// A working-tree file to enter in the index: its path, blob and `lstat` as written.
  public struct IndexEntry: Sendable {
    public var path: String
    public var blob: ObjectID
    public var status: stat

    public init(path: String, blob: ObjectID, status: stat) {
      self.path = path
      self.blob = blob
      self.status = status
    }
  }

  /// From now on, objects this handle writes are kept in memory until `writePack()` stores them
  /// as one packfile — instead of one compressed loose file per object. Use a handle of its own:
  /// the in-memory backend stays attached to this handle's object database.
  public func beginPackedWrites() throws(GitError) {
    guard mempack == nil else { return }
    var backend: UnsafeMutablePointer<git_odb_backend>?
    try check("git_mempack_new", git_mempack_new(&backend))
    // The object database owns the backend once it is added (and frees it with itself).
    try withObjectDatabase { odb throws(GitError) in
      try check("git_odb_add_backend", git_odb_add_backend(odb, backend, 999))
    }
    mempack = backend
  }

  /// Stores the objects written since `beginPackedWrites()` (or the last call) as one packfile
  /// with its index, then empties the memory. Until this returns nothing refers to them.
  public func writePack() throws(GitError) {
    guard let mempack, !pending.isEmpty else { return }
    var builder: OpaquePointer?
    try check("git_packbuilder_new", git_packbuilder_new(&builder, pointer))
    defer { git_packbuilder_free(builder) }
    _ = git_packbuilder_set_threads(builder, 0)  // as many as there are cores
    for var oid in pending {
      try check("git_packbuilder_insert", git_packbuilder_insert(builder, &oid, nil))
    }
    try check("git_packbuilder_write", git_packbuilder_write(builder, nil, 0, nil, nil))
    pending = []
    try check("git_mempack_reset", git_mempack_reset(mempack))
    // The pack backend lists its packs once; make it see the new one.
    try withObjectDatabase { odb throws(GitError) in
      try check("git_odb_refresh", git_odb_refresh(odb))
    }
  }

  /// The id of an object just written; remembered for the next pack while writes go to memory.
  func written(_ oid: git_oid) -> ObjectID {
    if mempack != nil { pending.append(oid) }
    return ObjectID(oid)
  }

  /// Adds (or replaces) index entries for files whose content and `stat` the caller knows, and
  /// writes the index: `git status` then sees them clean without reading them again. The entries
  /// are taken in git's path order, so each lands at its place without moving the others.
  public func addToIndex(_ entries: [IndexEntry]) throws(GitError) {
    var index: OpaquePointer?
    try check("git_repository_index", git_repository_index(&index, pointer))
    defer { git_index_free(index) }
    try check("git_index_read", git_index_read(index, 0))
    for entry in entries.sorted(by: { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }) {
      let s = entry.status
      var e = git_index_entry()
      e.ctime = git_index_time(
        seconds: Int32(truncatingIfNeeded: s.st_ctim.tv_sec),
        nanoseconds: UInt32(truncatingIfNeeded: s.st_ctim.tv_nsec))
      e.mtime = git_index_time(
        seconds: Int32(truncatingIfNeeded: s.st_mtim.tv_sec),
        nanoseconds: UInt32(truncatingIfNeeded: s.st_mtim.tv_nsec))
      e.dev = UInt32(truncatingIfNeeded: s.st_dev)
      e.ino = UInt32(truncatingIfNeeded: s.st_ino)
      e.mode = GIT_FILEMODE_BLOB.rawValue
      e.uid = s.st_uid
      e.gid = s.st_gid
      e.file_size = UInt32(truncatingIfNeeded: s.st_size)
      e.id = entry.blob.raw
      let result = entry.path.withCString { path -> Int32 in
        e.path = path
        return git_index_add(index, &e)
      }
      try check("git_index_add(\(entry.path))", result)
    }
    refreshCacheTree(index)
    try check("git_index_write", git_index_write(index))
  }
}
