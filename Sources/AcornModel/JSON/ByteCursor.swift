/// Bytes written through a pointer into room made beforehand (`[UInt8].appendWritten`): the
/// writer of documents of tens of megabytes, where appending to an array a byte or a field at a
/// time (a uniqueness and a capacity check each) was most of the work. Every write checks the
/// room left; a writer that runs out stops writing and is run again with twice the room.
public struct ByteCursor {
  @usableFromInline var at: UnsafeMutablePointer<UInt8>
  @usableFromInline let end: UnsafeMutablePointer<UInt8>
  @usableFromInline var didOverflow = false
  /// Set when a write did not fit: what was written is incomplete.
  public var overflowed: Bool { didOverflow }

  @usableFromInline init(_ start: UnsafeMutablePointer<UInt8>, count: Int) {
    at = start
    end = start + count
  }

  /// Room for `n` more bytes; false (and `overflowed`) when there is none.
  @inlinable @inline(__always)
  mutating func room(_ n: Int) -> Bool {
    if end - at >= n { return true }
    didOverflow = true
    return false
  }

  @inlinable @inline(__always)
  public mutating func byte(_ b: UInt8) {
    guard room(1) else { return }
    at.pointee = b
    at += 1
  }

  /// Copies `n` bytes from `from` (room checked): short runs — keys, amounts, ids — a byte at
  /// a time, cheaper than a call to `memmove` each.
  @inlinable @inline(__always)
  mutating func copy(_ from: UnsafePointer<UInt8>, _ n: Int) {
    if n <= 24 {
      for k in 0..<n { at[k] = from[k] }
    } else {
      at.update(from: from, count: n)
    }
    at += n
  }

  @inlinable @inline(__always)
  public mutating func literal(_ text: StaticString) {
    let n = text.utf8CodeUnitCount
    guard room(n) else { return }
    copy(text.utf8Start, n)
  }

  @inlinable @inline(__always)
  public mutating func bytes(_ b: UnsafeBufferPointer<UInt8>) {
    guard room(b.count), let base = b.baseAddress else { return }
    copy(base, b.count)
  }

  @inlinable @inline(__always)
  public mutating func spaces(_ n: Int) {
    guard n > 0, room(n) else { return }
    for k in 0..<n { at[k] = 0x20 }
    at += n
  }

  /// A string as JSON: quoted, escaping only what JSON requires (quote, backslash, control
  /// characters) — `CanonicalJSON`'s strings.
  public mutating func string(_ s: String) {
    // A native string's bytes in place (no copy, no retain); others made contiguous first.
    if s.utf8.withContiguousStorageIfAvailable({ quoted($0) }) == nil {
      var copy = s
      copy.withUTF8 { quoted($0) }
    }
  }

  mutating func quoted(_ text: UnsafeBufferPointer<UInt8>) {
    guard room(text.count + 2) else { return }
    at.pointee = 0x22
    at += 1
    // Most strings need no escape: copied whole.
    var plain = true
    for b in text where b < 0x20 || b == 0x22 || b == 0x5C {
      plain = false
      break
    }
    if plain {
      if let base = text.baseAddress { copy(base, text.count) }
    } else {
      for b in text { escaped(b) }
    }
    byte(0x22)
  }

  static let hexDigits: StaticString = "0123456789abcdef"

  mutating func escaped(_ b: UInt8) {
    switch b {
    case 0x22: literal("\\\"")
    case 0x5C: literal("\\\\")
    case 0x08: literal("\\b")
    case 0x0C: literal("\\f")
    case 0x0A: literal("\\n")
    case 0x0D: literal("\\r")
    case 0x09: literal("\\t")
    case 0x00..<0x20:
      literal("\\u00")
      byte(Self.hexDigits.utf8Start[Int(b >> 4)])
      byte(Self.hexDigits.utf8Start[Int(b & 0x0F)])
    default: byte(b)
    }
  }

  /// An integer in decimal.
  public mutating func int(_ n: Int) {
    if n < 0 { byte(0x2D) }
    var magnitude = n.magnitude
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { d in
      var k = 20
      repeat {
        k -= 1
        d[k] = UInt8(truncatingIfNeeded: 48 + magnitude % 10)
        magnitude /= 10
      } while magnitude > 0
      bytes(UnsafeBufferPointer(rebasing: d[k...]))
    }
  }

  /// The bytes written from `start`.
  @usableFromInline func written(from start: UnsafeMutablePointer<UInt8>) -> UnsafeBufferPointer<
    UInt8
  > {
    UnsafeBufferPointer(start: start, count: at - start)
  }
}

extension Array where Element == UInt8 {
  /// Appends what `body` writes through a cursor, written first into room for about
  /// `estimate` bytes (on the stack when small) and copied here at once; run again with twice
  /// the room when it did not fit (so `body` must write the same bytes each time it is run).
  @inlinable
  public mutating func appendWritten(estimate: Int, _ body: (inout ByteCursor) -> Void) {
    var size = Swift.max(estimate, 16)
    while true {
      let done = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: size) { buffer -> Bool in
        guard let start = buffer.baseAddress else { preconditionFailure("room for 16 bytes") }
        var cursor = ByteCursor(start, count: buffer.count)
        body(&cursor)
        guard !cursor.overflowed else { return false }
        append(contentsOf: cursor.written(from: start))
        return true
      }
      if done { return }
      size *= 2
    }
  }
}
