import Foundation

/// The workspace's few file-system operations, in one place.
enum FileSystem {
  static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

  static func isDirectory(_ path: String) -> Bool {
    var isDir: ObjCBool = false
    return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
  }

  static func read(_ path: String) throws -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: path])
    }
    return [UInt8](data)
  }

  /// Writes through a temporary file and a rename, so a crash never leaves half a file.
  static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
    let dir = (path as NSString).deletingLastPathComponent
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let tmp = dir + "/.acorn-tmp-\(getpid())-" + (path as NSString).lastPathComponent
    guard FileManager.default.createFile(atPath: tmp, contents: Data(bytes)) else {
      throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: tmp])
    }
    if rename(tmp, path) != 0 {
      let code = errno
      try? FileManager.default.removeItem(atPath: tmp)
      throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
    }
  }

  /// Regular files below `root`, as `/`-separated paths relative to it, sorted; skips the
  /// folders named in `skipping` at the top level.
  static func files(under root: String, skipping: Set<String> = []) -> [String] {
    guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
    var out: [String] = []
    while let rel = walker.nextObject() as? String {
      if let first = rel.split(separator: "/").first, skipping.contains(String(first)) {
        walker.skipDescendants()
        continue
      }
      if let type = walker.fileAttributes?[.type] as? FileAttributeType, type == .typeRegular {
        out.append(rel)
      }
    }
    return out.sorted()
  }
}
