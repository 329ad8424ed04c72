import AcornKillPoints
import Foundation

/// A failed file-system call: which call, on which path, and the errno it gave.
public struct FileSystemError: Error, Sendable, CustomStringConvertible {
  public var operation: String
  public var path: String
  public var errno: Int32

  public var description: String {
    if operation == "read" && errno == EFBIG {
      return
        "read \(path): larger than \(FileSystem.maxFileBytes >> 20) MiB, more than any workspace file holds; not read (errno \(errno))"
    }
    return "\(operation) \(path): \(String(cString: strerror(errno))) (errno \(errno))"
  }

  public var isMissing: Bool { errno == ENOENT || errno == ENOTDIR }
}

/// The workspace's few file-system operations, in one place, one call site per C function.
enum FileSystem {
  /// Prefix of the temporary files of atomic writes; such files are never records, and a crash
  /// may leave one behind (removed by `removeStrayTemporaries`).
  static let temporaryPrefix = ".acorn-tmp-"

  static func exists(_ path: String) -> Bool {
    var st = stat()
    return lstat(path, &st) == 0
  }

  static func isDirectory(_ path: String) -> Bool {
    var st = stat()
    return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
  }

  /// The largest file of the workspace Acorn reads (records, reconciliation, settings): a
  /// record of 10,000 invoice lines is about 5 MiB. Anything larger is refused with EFBIG before
  /// it is read, so a stray huge file costs no memory.
  static let maxFileBytes = 128 << 20

  /// The whole file; a missing file, a permission problem, a folder and a file over
  /// `maxFileBytes` are told apart (errno).
  static func read(_ path: String) throws(FileSystemError) -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw FileSystemError(operation: "open", path: path, errno: errno) }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0 else {
      throw FileSystemError(operation: "stat", path: path, errno: errno)
    }
    guard (st.st_mode & S_IFMT) != S_IFDIR else {
      throw FileSystemError(operation: "read", path: path, errno: EISDIR)
    }
    guard Int(st.st_size) <= maxFileBytes else {
      throw FileSystemError(operation: "read", path: path, errno: EFBIG)
    }
    var out: [UInt8] = []
    out.reserveCapacity(Int(st.st_size))
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      let n = buffer.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress, $0.count) }
      if n < 0 {
        if errno == EINTR { continue }
        throw FileSystemError(operation: "read", path: path, errno: errno)
      }
      if n == 0 { break }
      out.append(contentsOf: buffer[0..<n])
      if out.count > maxFileBytes {
        throw FileSystemError(operation: "read", path: path, errno: EFBIG)
      }
    }
    return out
  }

  /// Writes through a temporary file in the same folder: the data and the file are flushed to
  /// disk (fsync) before the rename, and the folder after it, so a crash or power loss leaves
  /// either the old file or the new one, never half of one or a rename that did not persist.
  static func writeAtomically(_ bytes: [UInt8], to path: String) throws(FileSystemError) {
    let dir = (path as NSString).deletingLastPathComponent
    try makeDirectories(dir)
    let tmp = dir + "/" + temporaryPrefix + "\(getpid())-" + (path as NSString).lastPathComponent
    let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw FileSystemError(operation: "open", path: tmp, errno: errno) }
    do { try writeAll(bytes, fd, path: tmp) } catch {
      close(fd)
      unlink(tmp)
      throw error
    }
    if fsync(fd) != 0 {
      let code = errno
      close(fd)
      unlink(tmp)
      throw FileSystemError(operation: "fsync", path: tmp, errno: code)
    }
    close(fd)
    KillPoint.reached("write-temporary")
    if rename(tmp, path) != 0 {
      let code = errno
      unlink(tmp)
      throw FileSystemError(operation: "rename", path: path, errno: code)
    }
    try syncDirectory(dir)
    KillPoint.reached("rename")
  }

  static func writeAll(_ bytes: [UInt8], _ fd: Int32, path: String) throws(FileSystemError) {
    var written = 0
    while written < bytes.count {
      let n = bytes.withUnsafeBytes { raw in
        Foundation.write(fd, raw.baseAddress.map { $0 + written }, bytes.count - written)
      }
      if n < 0 {
        if errno == EINTR { continue }
        throw FileSystemError(operation: "write", path: path, errno: errno)
      }
      written += n
    }
  }

  /// Creates a file that must not exist yet (EEXIST otherwise), without flushing it: for bulk
  /// writes into a new workspace, where one `fsync` per file would cost more than all the rest.
  /// Returns the file's `stat` as written (for the git index).
  static func writeNew(_ bytes: [UInt8], to path: String) throws(FileSystemError) -> stat {
    let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw FileSystemError(operation: "create", path: path, errno: errno) }
    defer { close(fd) }
    try writeAll(bytes, fd, path: path)
    var st = stat()
    guard fstat(fd, &st) == 0 else {
      throw FileSystemError(operation: "stat", path: path, errno: errno)
    }
    return st
  }

  /// Removes a file and flushes its folder.
  static func remove(_ path: String) throws(FileSystemError) {
    if unlink(path) != 0 && errno != ENOENT {
      throw FileSystemError(operation: "unlink", path: path, errno: errno)
    }
    try syncDirectory((path as NSString).deletingLastPathComponent)
    KillPoint.reached("remove")
  }

  static func syncDirectory(_ dir: String) throws(FileSystemError) {
    let fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard fd >= 0 else { throw FileSystemError(operation: "open", path: dir, errno: errno) }
    defer { close(fd) }
    if fsync(fd) != 0 && errno != EINVAL {
      throw FileSystemError(operation: "fsync", path: dir, errno: errno)
    }
  }

  static func makeDirectories(_ dir: String) throws(FileSystemError) {
    if isDirectory(dir) { return }
    let parent = (dir as NSString).deletingLastPathComponent
    if !parent.isEmpty && parent != dir { try makeDirectories(parent) }
    if mkdir(dir, 0o755) != 0 && errno != EEXIST {
      throw FileSystemError(operation: "mkdir", path: dir, errno: errno)
    }
  }

  /// Every entry below `root` but folders (into which it descends), with its relative path,
  /// full path and type (`DT_REG`, `DT_LNK`, …; from `readdir`, else `lstat`); skips the
  /// top-level names in `skipping`. Symbolic links are reported, never followed.
  static func walk(
    _ root: String, skipping: Set<String>, _ visit: (String, String, UInt8) -> Void
  ) {
    func descend(_ dir: String, _ prefix: String, top: Bool) {
      guard let handle = opendir(dir) else { return }
      defer { closedir(handle) }
      while let entry = readdir(handle) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
          String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        if name == "." || name == ".." { continue }
        if top && skipping.contains(name) { continue }
        let full = dir + "/" + name
        var type = entry.pointee.d_type
        if type == UInt8(DT_UNKNOWN) {
          var st = stat()
          guard lstat(full, &st) == 0 else { continue }
          switch st.st_mode & S_IFMT {
          case S_IFDIR: type = UInt8(DT_DIR)
          case S_IFREG: type = UInt8(DT_REG)
          case S_IFLNK: type = UInt8(DT_LNK)
          default: type = UInt8(DT_UNKNOWN)
          }
        }
        if type == UInt8(DT_DIR) {
          descend(full, prefix + name + "/", top: false)
        } else {
          visit(prefix + name, full, type)
        }
      }
    }
    descend(root, "", top: true)
  }

  /// Regular files below `root`, as `/`-separated paths relative to it, sorted; skips the
  /// folders named in `skipping` at the top level and the temporary files of atomic writes.
  static func files(under root: String, skipping: Set<String> = []) -> [String] {
    var out: [String] = []
    walk(root, skipping: skipping) { rel, _, type in
      let name = rel.split(separator: "/").last.map(String.init) ?? rel
      if type == UInt8(DT_REG) && !name.hasPrefix(temporaryPrefix) { out.append(rel) }
    }
    return out.sorted()
  }

  /// The names in a folder, sorted; empty when it cannot be read.
  static func names(in dir: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
  }

  /// Whether `path` is a regular file (not followed if it is a link).
  static func isRegularFile(_ path: String) -> Bool {
    var st = stat()
    return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
  }

  /// Entries below `root` that are neither folders nor regular files — symbolic links, sockets,
  /// pipes, devices — as relative paths with the link's target (nil for the others); skips the
  /// top-level folders named in `skipping`. A workspace holds regular files only.
  static func irregularEntries(under root: String, skipping: Set<String> = []) -> [(
    path: String, linkTarget: String?
  )] {
    var out: [(String, String?)] = []
    walk(root, skipping: skipping) { rel, full, type in
      if type == UInt8(DT_REG) { return }
      out.append((rel, type == UInt8(DT_LNK) ? linkTarget(full) : nil))
    }
    return out.sorted { $0.0 < $1.0 }
  }

  static func linkTarget(_ path: String) -> String? {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let n = readlink(path, &buffer, buffer.count - 1)
    guard n >= 0 else { return nil }
    return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// Whether a folder on the way from `root` to `relative` (not the last component) is a
  /// symbolic link: writing there could land outside the workspace.
  static func passesThroughLink(root: String, relative: String) -> String? {
    var current = root
    var shown = ""
    for component in relative.split(separator: "/").dropLast() {
      current += "/" + component
      shown += (shown.isEmpty ? "" : "/") + component
      var st = stat()
      guard lstat(current, &st) == 0 else { return nil }
      if (st.st_mode & S_IFMT) == S_IFLNK { return shown }
    }
    return nil
  }

  /// Temporary files that a killed write left below `root` (skipping `.git`), removed.
  @discardableResult
  static func removeStrayTemporaries(under root: String) -> Int {
    var removed = 0
    func walk(_ dir: String, top: Bool) {
      guard let handle = opendir(dir) else { return }
      var names: [(String, UInt8)] = []
      while let entry = readdir(handle) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
          String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        names.append((name, entry.pointee.d_type))
      }
      closedir(handle)
      for (name, type) in names where name != "." && name != ".." {
        if top && name == ".git" { continue }
        if type == UInt8(DT_DIR) {
          walk(dir + "/" + name, top: false)
        } else if name.hasPrefix(temporaryPrefix), unlink(dir + "/" + name) == 0 {
          removed += 1
        }
      }
    }
    walk(root, top: true)
    return removed
  }
}
