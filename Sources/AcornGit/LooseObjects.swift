import CLibDeflate
import CLibGit2
import Foundation

/// Loose objects — a file each under `objects/`, zlib-compressed, as git writes every new object
/// — read and inflated with libdeflate, at about twice zlib's speed (libgit2 inflates with zlib).
/// A tree diff of a large workspace reads megabyte trees: a month folder of a million-record
/// workspace is a 4 MB tree, and a commit touching every month makes an incremental publish
/// inflate two dozen of them (docs/performance.md). Objects that are not loose (packed, in an
/// alternate, only in memory), and anything unexpected in a file, are left to libgit2: `tree`
/// answers nil and the caller reads the object through the object database.
///
/// One reader per thread (libdeflate's decompressor is not shared); the decompressor is freed
/// with the reader.
final class LooseObjects {
  /// The objects folder, with a trailing `/`.
  let folder: String
  private let decompressor: OpaquePointer

  /// nil when objects are hashed on reading (`Repository.verifyObjectIDs`: libgit2 checks them)
  /// or libdeflate cannot allocate.
  init?(folder: String) {
    guard !LibGit2.verifying, let d = libdeflate_alloc_decompressor() else { return nil }
    self.folder = folder
    decompressor = d
  }

  deinit { libdeflate_free_decompressor(decompressor) }

  /// An object's content, `start` bytes into `bytes` (past git's `type size\0` header).
  struct Object {
    var bytes: [UInt8]
    var start: Int
  }

  /// The tree `id`'s raw entries, when it is a loose object that inflates to a tree of the size
  /// its header gives; nil otherwise.
  func tree(_ id: ObjectID) -> Object? {
    let name = id.hex
    guard let compressed = Self.contents(of: folder + name.prefix(2) + "/" + name.dropFirst(2))
    else { return nil }
    // Trees inflate to about twice their size (their ids do not compress); a larger one retries.
    var capacity = max(compressed.count * 3, 4096)
    while capacity <= 1 << 31 {
      var produced = 0
      var result = LIBDEFLATE_BAD_DATA
      let bytes = [UInt8](unsafeUninitializedCapacity: capacity) { out, count in
        result = compressed.withUnsafeBytes { input in
          libdeflate_zlib_decompress(
            decompressor, input.baseAddress, input.count, out.baseAddress, capacity, &produced)
        }
        count = result == LIBDEFLATE_SUCCESS ? produced : 0
      }
      if result == LIBDEFLATE_INSUFFICIENT_SPACE {
        capacity *= 2
        continue
      }
      guard result == LIBDEFLATE_SUCCESS else { return nil }
      return Self.content(bytes, type: "tree")
    }
    return nil
  }

  /// The content past a `type size\0` header naming `type` and the size that follows it.
  static func content(_ bytes: [UInt8], type: String) -> Object? {
    let prefix = Array(type.utf8) + [UInt8(ascii: " ")]
    guard bytes.starts(with: prefix), let nul = bytes.firstIndex(of: 0) else { return nil }
    let digits = bytes[prefix.count..<nul]
    guard !digits.isEmpty, digits.count <= 18,
      digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
      let size = Int(String(decoding: digits, as: UTF8.self)), size == bytes.count - nul - 1
    else { return nil }
    return Object(bytes: bytes, start: nul + 1)
  }

  /// A file's bytes; nil when it cannot be opened (no such loose object) or read.
  static func contents(of path: String) -> [UInt8]? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0, info.st_size > 0 else { return nil }
    let size = Int(info.st_size)
    var complete = true
    let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
      guard let start = buffer.baseAddress else {
        complete = false
        return
      }
      while count < size {
        let n = read(fd, start + count, size - count)
        if n <= 0 {
          if n < 0, errno == EINTR { continue }
          complete = false
          break
        }
        count += n
      }
    }
    return complete ? bytes : nil
  }
}
