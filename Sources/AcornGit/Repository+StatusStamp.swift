import CLibGit2
import Foundation

/// A clean working tree, vouched for without walking it.
///
/// libgit2's status compares HEAD's tree with the index (inflating every tree), `lstat`s every
/// tracked file through its full path on one thread, and lists every directory for untracked
/// files. When a status comes out empty, the stamp `.git/acorn-status` records what made it so:
/// HEAD, the index file (its `stat` and trailing checksum) and the `mtime` of every directory that
/// is not ignored. The next status trusts the stamp only while all of that is unchanged; then HEAD
/// still equals the index, no directory gained or lost an entry (so no untracked file appeared), and
/// only the tracked files need checking: their `stat` against the index entry's, both cores, each
/// directory opened once. An entry whose `stat` differs, or that is racily clean (modified no
/// earlier than the index was written), is hashed and compared with its blob, as git does.
/// Anything the stamp cannot vouch for (a directory changed, a conflict, a symlink, more than
/// `statusCandidateLimit(entries:)` files to hash) falls back to libgit2's full status.
extension Repository {
  /// Past this many files to check (an eighth of the index, at least 5,000), libgit2's full
  /// status is as quick and is used instead: its cost grows with every tracked file, the
  /// stamp's with the changed ones (at a million files, a commit of 10,000 edits fell back to a
  /// full status holding every entry and tree — most of its memory).
  static func statusCandidateLimit(entries: Int) -> Int { max(5_000, entries / 8) }
  /// A directory modified this recently when the stamp is taken may change again within the same
  /// clock tick without its `mtime` changing, so no stamp is written then.
  static let stampFreshness: Int64 = 1_000_000_000

  /// Working-tree and index changes against HEAD, untracked files included, ignored ones not:
  /// from the stamp when it vouches for the tree, otherwise from libgit2's full status (which
  /// writes a new stamp when it finds the tree clean).
  public func status() throws(GitError) -> [StatusEntry] {
    if let fast = statusFromStamp() { return fast }
    if let own = statusFromIndex() { return own }
    let before = takeStatusStamp()
    let entries = try fullStatus()
    if entries.isEmpty, let before, let after = takeIndexStamp(), after == before.index {
      writeStatusStamp(before)
    }
    return entries
  }

  /// The status the stamp vouches for, or nil when it cannot (then only a full status knows).
  public func statusFromStamp() -> [StatusEntry]? {
    guard let workdir, let stamp = readStatusStamp(), let index = takeIndexStamp(),
      index == stamp.index
    else { return nil }
    for (rel, recorded) in stamp.directories {
      guard let now = FileStamp(lstatAt: workdir + rel), now == recorded, now.isDirectory else {
        return nil
      }
    }
    // The index file as the stamp saw it (same stat, same checksum): read in place, no entry
    // copied, where libgit2 would allocate every entry and hash the whole file again.
    guard let file = IndexFile(path: gitDirectory + "index", expected: index.file),
      let changed = changes(file, workdir: workdir, written: index.file, fileMode: stamp.fileMode)
    else { return nil }
    // An edited ignore file may reveal files the stamp's walk took as ignored.
    if changed.contains(where: { $0.path == ".gitignore" || $0.path.hasSuffix("/.gitignore") }) {
      return nil
    }
    return changed.sorted { $0.path < $1.path }
  }

  /// Without a stamp, when the index's cache tree says it holds HEAD's tree (git and libgit2
  /// keep it when they check out, merge or read a tree): the tracked files' stat as above and
  /// one walk of the directories for untracked files, instead of libgit2 inflating every tree
  /// of HEAD. A clean tree leaves a stamp for the next status.
  public func statusFromIndex() -> [StatusEntry]? {
    guard let workdir, let index = takeIndexStamp(), let head = ObjectID(hex: index.head),
      let tree = try? treeID(ofCommit: head),
      let file = IndexFile(path: gitDirectory + "index", expected: index.file),
      file.cacheTreeRoot == tree.bytes
    else { return nil }
    var tracked = Set<String>(minimumCapacity: file.offsets.count)
    for at in file.offsets { tracked.insert(String(cString: file.pathPointer(at))) }
    let fileMode = fileModeSetting()
    guard let walk = walkWorkingTree(tracked: tracked),
      let changed = changes(file, workdir: workdir, written: index.file, fileMode: fileMode)
    else { return nil }
    let out = (changed + walk.untracked.map { StatusEntry(path: $0, change: .added) })
      .sorted { $0.path < $1.path }
    if out.isEmpty, !walk.fresh, takeIndexStamp() == index {
      writeStatusStamp(
        StatusStamp(index: index, fileMode: fileMode, directories: walk.directories))
    }
    return out
  }

  /// The tracked files whose content or mode differs from their index entry (or that are gone),
  /// or nil when the index cannot vouch for them.
  func changes(_ file: IndexFile, workdir: String, written: FileStamp, fileMode: Bool)
    -> [StatusEntry]?
  {
    guard let candidates = file.candidates(workdir: workdir, written: written) else { return nil }
    var out: [StatusEntry] = []
    for entry in candidates {
      let rel = entry.path
      var st = stat()
      if lstat(workdir + rel, &st) != 0 {
        guard errno == ENOENT || errno == ENOTDIR else { return nil }
        out.append(StatusEntry(path: rel, change: .deleted))
        continue
      }
      guard st.st_mode & S_IFMT == S_IFREG else { return nil }
      let executable = st.st_mode & 0o100 != 0
      // Another size is another content, known without reading the file (which may be huge);
      // a size of 0 in the index can be a racily-clean entry smudged by its writer: read.
      if (entry.size != 0 && entry.size != UInt32(truncatingIfNeeded: st.st_size))
        || (fileMode && executable != (entry.mode == 0o100755))
      {
        out.append(StatusEntry(path: rel, change: .modified))
        continue
      }
      var oid = git_oid()
      guard git_repository_hashfile(&oid, pointer, workdir + rel, GIT_OBJECT_BLOB, rel) == 0
      else { return nil }
      if ObjectID(oid).bytes != entry.blob {
        out.append(StatusEntry(path: rel, change: .modified))
      }
    }
    return out.sorted { $0.path < $1.path }
  }

  /// Libgit2's status of every path.
  func fullStatus() throws(GitError) -> [StatusEntry] {
    var options = git_status_options()
    try check(
      "git_status_options_init",
      git_status_options_init(&options, UInt32(GIT_STATUS_OPTIONS_VERSION)))
    options.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR
    options.flags =
      GIT_STATUS_OPT_INCLUDE_UNTRACKED.rawValue | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS.rawValue
      | GIT_STATUS_OPT_EXCLUDE_SUBMODULES.rawValue
    var list: OpaquePointer?
    try check("git_status_list_new", git_status_list_new(&list, pointer, &options))
    defer { git_status_list_free(list) }
    var out: [StatusEntry] = []
    for i in 0..<git_status_list_entrycount(list) {
      guard let entry = git_status_byindex(list, i) else { continue }
      let flags = entry.pointee.status.rawValue
      let delta = entry.pointee.index_to_workdir ?? entry.pointee.head_to_index
      guard let delta else { continue }
      let pathPointer = delta.pointee.new_file.path ?? delta.pointee.old_file.path
      guard let pathPointer else { continue }
      let path = String(cString: pathPointer)
      let deleted = GIT_STATUS_WT_DELETED.rawValue | GIT_STATUS_INDEX_DELETED.rawValue
      let added = GIT_STATUS_WT_NEW.rawValue | GIT_STATUS_INDEX_NEW.rawValue
      if flags & GIT_STATUS_IGNORED.rawValue != 0 || flags == GIT_STATUS_CURRENT.rawValue {
        continue
      }
      let change: StatusEntry.Change
      if flags & GIT_STATUS_CONFLICTED.rawValue != 0 {
        change = .conflicted
      } else if flags & deleted != 0 && flags & GIT_STATUS_WT_NEW.rawValue == 0 {
        change = .deleted
      } else if flags & added != 0 {
        change = .added
      } else {
        change = .modified
      }
      out.append(StatusEntry(path: path, change: change))
    }
    return out.sorted { $0.path < $1.path }
  }
}

/// The part of a `stat` a stamp compares.
struct FileStamp: Equatable {
  var size: Int64
  var seconds: Int64
  var nanoseconds: Int64
  var inode: UInt64
  var mode: UInt32

  init(size: Int64, seconds: Int64, nanoseconds: Int64, inode: UInt64, mode: UInt32) {
    (self.size, self.seconds, self.nanoseconds, self.inode, self.mode) =
      (size, seconds, nanoseconds, inode, mode)
  }

  init(_ st: stat) {
    self.init(
      size: Int64(st.st_size), seconds: Int64(st.st_mtim.tv_sec),
      nanoseconds: Int64(st.st_mtim.tv_nsec), inode: UInt64(st.st_ino), mode: st.st_mode)
  }

  init?(lstatAt path: String) {
    var st = stat()
    guard lstat(path, &st) == 0 else { return nil }
    self.init(st)
  }

  var isDirectory: Bool { mode & S_IFMT == S_IFDIR }
  var mtime: Int64 { seconds * 1_000_000_000 + nanoseconds }
  var line: String { "\(size) \(seconds) \(nanoseconds) \(inode) \(mode)" }

  init?(line: Substring) {
    let f = line.split(separator: " ", maxSplits: 4)
    guard f.count == 5, let size = Int64(f[0]), let s = Int64(f[1]), let ns = Int64(f[2]),
      let ino = UInt64(f[3]), let mode = UInt32(f[4])
    else { return nil }
    self.init(size: size, seconds: s, nanoseconds: ns, inode: ino, mode: mode)
  }
}

/// HEAD and the index file as a stamp saw them: while both are unchanged, HEAD equals the index.
struct IndexStamp: Equatable {
  var head: String
  var file: FileStamp
  var checksum: String
  /// `.git/info/exclude` and `.git/config` (core.excludesFile): what is ignored depends on them.
  var exclude: FileStamp?
  var config: FileStamp?
}

struct StatusStamp {
  var index: IndexStamp
  var fileMode: Bool
  /// Every directory that is not ignored, relative to the working directory ("" for itself).
  var directories: [(String, FileStamp)]
}

extension Repository {
  var gitDirectory: String { String(cString: git_repository_path(pointer)) }
  var statusStampPath: String { gitDirectory + "acorn-status" }

  func takeIndexStamp() -> IndexStamp? {
    let git = gitDirectory
    let fd = Glibc.open(git + "index", O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0, st.st_size >= 32 else { return nil }
    var sum = [UInt8](repeating: 0, count: 20)
    guard pread(fd, &sum, 20, off_t(st.st_size - 20)) == 20 else { return nil }
    let head: ObjectID?
    do { head = try resolveCommit("HEAD") } catch { return nil }
    return IndexStamp(
      head: head?.hex ?? "-", file: FileStamp(st),
      checksum: sum.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(),
      exclude: FileStamp(lstatAt: git + "info/exclude"), config: FileStamp(lstatAt: git + "config"))
  }

  /// The stamp as the tree is now, before a full status confirms it clean; nil when a directory
  /// is too freshly modified to be vouched for.
  func takeStatusStamp() -> StatusStamp? {
    guard let index = takeIndexStamp(), let walk = walkWorkingTree(tracked: nil), !walk.fresh
    else { return nil }
    return StatusStamp(index: index, fileMode: fileModeSetting(), directories: walk.directories)
  }

  /// `core.fileMode` (true unless set false).
  func fileModeSetting() -> Bool {
    var config: OpaquePointer?
    var fileMode: Int32 = 1
    if git_repository_config_snapshot(&config, pointer) == 0 {
      if git_config_get_bool(&fileMode, config, "core.filemode") != 0 { fileMode = 1 }
      git_config_free(config)
    }
    return fileMode != 0
  }

  /// Every directory of the working tree that is not ignored, each `lstat`ed before it is
  /// listed (so a later change moves its mtime); `fresh` when one was modified too recently to
  /// be vouched for. With `tracked` (the index's paths), also the files no entry names and no
  /// ignore rule covers; nil when the walk meets what only libgit2 knows (a nested repository).
  func walkWorkingTree(tracked: Set<String>?) -> (
    directories: [(String, FileStamp)], untracked: [String], fresh: Bool
  )? {
    guard let workdir else { return nil }
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    let limit = Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec) - Self.stampFreshness
    var directories: [(String, FileStamp)] = []
    var untracked: [String] = []
    var fresh = false
    var pending = [""]
    while let rel = pending.popLast() {
      guard let stamp = FileStamp(lstatAt: workdir + rel), stamp.isDirectory,
        let dir = opendir(workdir + rel)
      else { return nil }
      if stamp.mtime >= limit { fresh = true }
      directories.append((rel, stamp))
      defer { closedir(dir) }
      while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
          String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        if name == "." || name == ".." || (rel.isEmpty && name == ".git") { continue }
        if name == ".git" && tracked != nil { return nil }
        var isDirectory = entry.pointee.d_type == UInt8(DT_DIR)
        if entry.pointee.d_type == UInt8(DT_UNKNOWN) {
          isDirectory = FileStamp(lstatAt: workdir + rel + name)?.isDirectory ?? false
        }
        var ignored: Int32 = 0
        if isDirectory {
          guard git_ignore_path_is_ignored(&ignored, pointer, rel + name + "/") == 0 else {
            return nil
          }
          if ignored == 0 { pending.append(rel + name + "/") }
        } else if let tracked, !tracked.contains(rel + name) {
          guard git_ignore_path_is_ignored(&ignored, pointer, rel + name) == 0 else { return nil }
          if ignored == 0 { untracked.append(rel + name) }
        }
      }
    }
    return (directories, untracked, fresh)
  }

  func writeStatusStamp(_ stamp: StatusStamp) {
    func optional(_ s: FileStamp?) -> String { s?.line ?? "-" }
    var text = "acorn-status 1\nhead \(stamp.index.head)\nindex \(stamp.index.file.line)\n"
    text += "checksum \(stamp.index.checksum)\nexclude \(optional(stamp.index.exclude))\n"
    text += "config \(optional(stamp.index.config))\nfilemode \(stamp.fileMode ? 1 : 0)\n"
    for (rel, s) in stamp.directories { text += "dir \(s.line) \(rel)\n" }
    let temporary = statusStampPath + ".\(getpid()).tmp"
    guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8)) else {
      return
    }
    if rename(temporary, statusStampPath) != 0 { unlink(temporary) }
  }

  func readStatusStamp() -> StatusStamp? {
    guard let data = FileManager.default.contents(atPath: statusStampPath) else { return nil }
    let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
    guard lines.count >= 7, lines[0] == "acorn-status 1" else { return nil }
    func value(_ n: Int, _ key: String) -> Substring? {
      let line = lines[n]
      guard line.hasPrefix(key + " ") else { return nil }
      return line.dropFirst(key.count + 1)
    }
    func optional(_ s: Substring) -> FileStamp?? { s == "-" ? .some(nil) : FileStamp(line: s) }
    guard let head = value(1, "head"), let file = value(2, "index").flatMap(FileStamp.init(line:)),
      let checksum = value(3, "checksum"), let exclude = value(4, "exclude").flatMap(optional),
      let config = value(5, "config").flatMap(optional), let mode = value(6, "filemode")
    else { return nil }
    var directories: [(String, FileStamp)] = []
    for line in lines.dropFirst(7) {
      // "dir SIZE S NS INO MODE PATH": the path (possibly empty, possibly with spaces) is last.
      let f = line.split(separator: " ", maxSplits: 6, omittingEmptySubsequences: false)
      guard f.count >= 6, f[0] == "dir",
        let s = FileStamp(line: Substring(f[1...5].joined(separator: " ")))
      else { return nil }
      directories.append((f.count == 7 ? String(f[6]) : "", s))
    }
    let index = IndexStamp(
      head: String(head), file: file, checksum: String(checksum), exclude: exclude, config: config)
    return StatusStamp(index: index, fileMode: mode == "1", directories: directories)
  }
}

/// `.git/index` mapped read-only (format versions 2 and 3; version 4's compressed paths are left
/// to libgit2), compared with the files on every core: each worker takes a contiguous run of
/// entries (git's path order keeps a directory's files together), opens each directory once and
/// `fstatat`s the names in it.
final class IndexFile: @unchecked Sendable {
  let base: UnsafeRawPointer
  let size: Int
  /// Byte offset of every entry.
  var offsets: [Int] = []
  /// The id of the tree the index holds, from a valid cache tree; nil when there is none.
  var cacheTreeRoot: [UInt8]?
  var found: [[Int]?] = []

  /// A file to compare: its index entry's path, blob, mode and size (the low 32 bits).
  struct Candidate {
    var path: String
    var blob: [UInt8]
    var mode: UInt32
    var size: UInt32
  }

  init?(path: String, expected: FileStamp) {
    let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0, FileStamp(st) == expected, st.st_size >= 32,
      let map = mmap(nil, Int(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0), map != MAP_FAILED
    else { return nil }
    (base, size) = (UnsafeRawPointer(map), Int(st.st_size))
    guard u32(0) == 0x4449_5243, u32(4) == 2 || u32(4) == 3 else { return nil }
    let count = Int(u32(8))
    offsets.reserveCapacity(count)
    var at = 12
    let end = size - 20
    for _ in 0..<count {
      guard at + 62 <= end else { return nil }
      let flags = u16(at + 60)
      let extended = flags & 0x4000 != 0
      let pathStart = at + (extended ? 64 : 62)
      guard let nul = memchr(base + pathStart, 0, end - pathStart) else { return nil }
      let length = UnsafeRawPointer(nul) - (base + pathStart)
      offsets.append(at)
      at += ((extended ? 64 : 62) + length + 8) & ~7
    }
    // Extensions: the cache tree ("TREE") starts with the root, whose path is empty: its entry
    // count (-1 when invalidated), subtree count, then its tree id when valid.
    while at + 8 <= end {
      let length = Int(u32(at + 4))
      if u32(at) == 0x5452_4545, length > 0, base.load(fromByteOffset: at + 8, as: UInt8.self) == 0
      {
        var i = at + 9
        var header: [UInt8] = []
        while i < at + 8 + length, base.load(fromByteOffset: i, as: UInt8.self) != 0x0A {
          header.append(base.load(fromByteOffset: i, as: UInt8.self))
          i += 1
        }
        if header.first != UInt8(ascii: "-"), i + 21 <= at + 8 + length {
          cacheTreeRoot = Array(UnsafeRawBufferPointer(start: base + i + 1, count: 20))
        }
      }
      at += 8 + length
    }
  }

  deinit { munmap(UnsafeMutableRawPointer(mutating: base), size) }

  func u32(_ at: Int) -> UInt32 {
    UInt32(bigEndian: base.loadUnaligned(fromByteOffset: at, as: UInt32.self))
  }
  func u16(_ at: Int) -> UInt16 {
    UInt16(bigEndian: base.loadUnaligned(fromByteOffset: at, as: UInt16.self))
  }
  func pathPointer(_ at: Int) -> UnsafePointer<CChar> {
    (base + at + (u16(at + 60) & 0x4000 != 0 ? 64 : 62)).assumingMemoryBound(to: CChar.self)
  }

  /// How many files may need checking before the stamp gives way to a full status.
  var candidateLimit: Int { Repository.statusCandidateLimit(entries: offsets.count) }

  /// The entries whose file may differ from the index (to hash), or nil when the stamp cannot
  /// vouch for them (a conflict stage, a symlink or submodule, too many to hash).
  func candidates(workdir: String, written: FileStamp) -> [Candidate]? {
    let root = Glibc.open(workdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard root >= 0 else { return nil }
    defer { close(root) }
    let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, offsets.count / 4096))
    found = Array(repeating: [], count: workers)
    let group = DispatchGroup()
    for w in 0..<workers {
      let range = (offsets.count * w / workers)..<(offsets.count * (w + 1) / workers)
      group.enter()
      let thread = Thread { [self] in
        found[w] = check(range, root: root, written: written)
        group.leave()
      }
      thread.stackSize = 1 << 20
      thread.start()
    }
    group.wait()
    var all: [Candidate] = []
    for part in found {
      guard let part else { return nil }
      for i in part {
        let at = offsets[i]
        all.append(
          Candidate(
            path: String(cString: pathPointer(at)),
            blob: Array(UnsafeRawBufferPointer(start: base + at + 40, count: 20)),
            mode: u32(at + 24), size: u32(at + 36)))
      }
    }
    return all.count > candidateLimit ? nil : all
  }

  func check(_ range: Range<Int>, root: Int32, written: FileStamp) -> [Int]? {
    var out: [Int] = []
    var directory: [CChar] = []
    var fd: Int32 = -1
    defer { if fd >= 0 && fd != root { close(fd) } }
    let indexTime = (written.seconds, written.nanoseconds)
    for i in range {
      let at = offsets[i]
      let flags = u16(at + 60)
      let mode = u32(at + 24)
      // A conflict stage, skip-worktree or intent-to-add, a symlink or a submodule: libgit2 knows.
      if flags & 0x3000 != 0 || (flags & 0x4000 != 0 && u16(at + 62) & 0x6000 != 0)
        || (mode != 0o100644 && mode != 0o100755)
      {
        return nil
      }
      let path = pathPointer(at)
      let name: UnsafePointer<CChar>
      if let slash = strrchr(path, Int32(UInt8(ascii: "/"))) {
        let length = UnsafePointer(slash) - path
        let same =
          directory.count == length
          && directory.withUnsafeBufferPointer { d in
            d.baseAddress.map { memcmp($0, path, length) == 0 } ?? (length == 0)
          }
        if !same {
          if fd >= 0 && fd != root { close(fd) }
          directory = Array(UnsafeBufferPointer(start: path, count: length))
          fd = String(decoding: UnsafeRawBufferPointer(start: path, count: length), as: UTF8.self)
            .withCString { openat(root, $0, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        }
        name = UnsafePointer(slash) + 1
      } else {
        if fd >= 0 && fd != root { close(fd) }
        directory = []
        fd = root
        name = path
      }
      var st = stat()
      guard fd >= 0, fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0,
        st.st_mode & S_IFMT == S_IFREG
      else {
        out.append(i)
        continue
      }
      let mtime = (Int64(u32(at + 8)), Int64(u32(at + 12)))
      let same =
        u32(at) == UInt32(truncatingIfNeeded: st.st_ctim.tv_sec)
        && u32(at + 4) == UInt32(truncatingIfNeeded: st.st_ctim.tv_nsec)
        && u32(at + 8) == UInt32(truncatingIfNeeded: st.st_mtim.tv_sec)
        && u32(at + 12) == UInt32(truncatingIfNeeded: st.st_mtim.tv_nsec)
        && u32(at + 20) == UInt32(truncatingIfNeeded: st.st_ino)
        && u32(at + 36) == UInt32(truncatingIfNeeded: st.st_size)
        && (mode == 0o100755) == (st.st_mode & 0o100 != 0)
      // Racily clean: written no earlier than the index, so a later change may keep the same stat.
      if !same || mtime >= indexTime {
        out.append(i)
        if out.count > candidateLimit { return nil }
      }
    }
    return out
  }
}
