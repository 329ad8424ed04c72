import Foundation

/// The one writer of record files: UTF-8, keys sorted by their UTF-8 bytes, two-space indent,
/// one field or element per line, `"key": value`, LF line ends and a final newline.
///
/// Numbers are written as plain decimals without exponent (`1.5E+2` becomes `150`); strings escape
/// only what JSON requires (quote, backslash, control characters). The same value always gives the
/// same bytes, so a record synced twice is byte-identical and git's line diff is meaningful.
public enum CanonicalJSON {
  /// Arrays with at least this many elements are written in parts side by side (one part per
  /// core), then joined: the bytes are the same as written in one pass.
  static let parallelArray = 4_096

  public static func bytes(_ value: JSONValue) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(1024)
    write(value, indent: 0, into: &out)
    out.append(0x0A)
    return out
  }

  public static func string(_ value: JSONValue) -> String {
    String(decoding: bytes(value), as: UTF8.self)
  }

  /// Orders object keys: by their UTF-8 bytes, independent of locale and normalisation.
  public static func keyPrecedes(_ a: String, _ b: String) -> Bool {
    // Both strings' bytes in place (no copy, no retain), compared with memcmp.
    let answer = a.utf8.withContiguousStorageIfAvailable { x in
      b.utf8.withContiguousStorageIfAvailable { y in
        let n = min(x.count, y.count)
        if n > 0, let p = x.baseAddress, let q = y.baseAddress {
          let c = memcmp(p, q, n)
          if c != 0 { return c < 0 }
        }
        return x.count < y.count
      }
    }
    if let answer, let answer { return answer }
    return a.utf8.lexicographicallyPrecedes(b.utf8)
  }

  static func write(_ value: JSONValue, indent: Int, into out: inout [UInt8]) {
    switch value {
    case .null: literal("null", &out)
    case .bool(let b): literal(b ? "true" : "false", &out)
    case .number(let n): out.append(contentsOf: n.formatted().utf8)
    case .string(let s): writeString(s, into: &out)
    case .array(let items):
      if items.isEmpty {
        literal("[]", &out)
        return
      }
      if items.count >= parallelArray {
        writeElements(items.count, indent: indent, into: &out) { items[$0] }
        return
      }
      literal("[\n", &out)
      for (k, item) in items.enumerated() {
        pad(indent + 2, &out)
        write(item, indent: indent + 2, into: &out)
        literal(k == items.count - 1 ? "\n" : ",\n", &out)
      }
      pad(indent, &out)
      out.append(UInt8(ascii: "]"))
    case .object(let members):
      if members.isEmpty {
        literal("{}", &out)
        return
      }
      literal("{\n", &out)
      let sorted = members.sorted { keyPrecedes($0.key, $1.key) }
      for (k, member) in sorted.enumerated() {
        pad(indent + 2, &out)
        writeString(member.key, into: &out)
        literal(": ", &out)
        write(member.value, indent: indent + 2, into: &out)
        literal(k == sorted.count - 1 ? "\n" : ",\n", &out)
      }
      pad(indent, &out)
      out.append(UInt8(ascii: "}"))
    }
  }

  /// A member of a document written by `document(_:)`: a value, or an array given by its
  /// element count and a function making each element (made and written a part at a time on
  /// every core, so the whole array is never held as values).
  public enum Member: Sendable {
    case value(JSONValue)
    case elements(Int, @Sendable (Int) -> JSONValue)
    /// An array given by its element count and a function writing each element's bytes at the
    /// given indent (element index, indent, output) — see `ObjectBytes`.
    case written(Int, @Sendable (Int, Int, inout [UInt8]) -> Void)
    /// An array whose elements were written already, in consecutive parts, each part as
    /// `elementBytes` writes it (at indent 2: the document's members).
    case parts([[UInt8]])
  }

  /// The bytes `bytes(.object(…))` gives for the same members, written without building the
  /// object: for documents whose arrays are too large to hold twice.
  public static func document(_ members: [(String, Member)]) -> [UInt8] {
    var chunks: [[UInt8]] = []
    document(members) { chunks.append($0) }
    if chunks.count == 1 { return chunks[0] }
    // Room for every chunk at once: a document of tens of megabytes grown by doubling was
    // copied several times over, each time into pages the kernel had to fault in.
    var out: [UInt8] = []
    out.reserveCapacity(chunks.reduce(0) { $0 + $1.count })
    for chunk in chunks { out.append(contentsOf: chunk) }
    return out
  }

  /// The same bytes handed to `emit` in consecutive chunks as they are made: a large array's
  /// elements are written a few thousand at a time on every core and handed on, so the whole
  /// document is never held (`acorn reconcile --ledger --json` writes tens of megabytes).
  public static func document(_ members: [(String, Member)], emit: ([UInt8]) -> Void) {
    if members.isEmpty { return emit(Array("{}\n".utf8)) }
    var out: [UInt8] = []
    literal("{\n", &out)
    let sorted = members.sorted { keyPrecedes($0.0, $1.0) }
    for (k, (key, member)) in sorted.enumerated() {
      pad(2, &out)
      writeString(key, into: &out)
      literal(": ", &out)
      switch member {
      case .value(let value): write(value, indent: 2, into: &out)
      case .elements(let count, let element):
        streamElements(count, indent: 2, head: &out, emit: emit) { i, indent, out in
          write(element(i), indent: indent, into: &out)
        }
      case .written(let count, let element):
        streamElements(count, indent: 2, head: &out, emit: emit, writing: element)
      case .parts(let parts):
        if parts.allSatisfy(\.isEmpty) {
          literal("[]", &out)
        } else {
          literal("[\n", &out)
          emit(out)
          out = []
          for part in parts where !part.isEmpty { emit(part) }
          pad(2, &out)
          out.append(UInt8(ascii: "]"))
        }
      }
      literal(k == sorted.count - 1 ? "\n" : ",\n", &out)
    }
    literal("}\n", &out)
    emit(out)
  }

  /// Elements handed on per round of `streamRound`, each round written in parts on every core.
  public static let streamRound = 16_384

  /// An array member of `document(_:emit:)`: what `head` holds so far and the opening bracket
  /// are handed on, then the elements a round at a time; `head` is left holding the closing
  /// bracket. A round is handed on (written to a file, say: tens of milliseconds for the
  /// megabytes of a round) on a thread of its own while the next is written on every core, so
  /// the cores do not wait for the output.
  static func streamElements(
    _ count: Int, indent: Int, head out: inout [UInt8], emit: ([UInt8]) -> Void,
    writing element: @Sendable (Int, Int, inout [UInt8]) -> Void
  ) {
    if count == 0 {
      literal("[]", &out)
      return
    }
    literal("[\n", &out)
    emit(out)
    out = []
    @Sendable func round(_ start: Int) -> [[UInt8]] {
      let end = min(count, start + streamRound)
      return Parallel.parts(end - start, minimum: parallelArray) { range in
        elementBytes(
          (start + range.lowerBound)..<(start + range.upperBound), of: count,
          indent: indent, element)
      }
    }
    withoutActuallyEscaping(emit) { emit in
      let handOn = Handing(emit: emit)
      var ready = round(0)
      var start = streamRound
      while start < count {
        let (parts, from) = (ready, start)
        let (next, _) = Parallel.both {
          round(from)
        } _: {
          for part in parts { handOn.emit(part) }
        }
        ready = next
        start += streamRound
      }
      for part in ready { emit(part) }
    }
    pad(indent, &out)
    out.append(UInt8(ascii: "]"))
  }

  /// The caller's `emit`, called from one thread at a time (the rounds are handed on in order,
  /// each after the one before it is done).
  struct Handing: @unchecked Sendable {
    let emit: ([UInt8]) -> Void
  }

  /// An array of `count` elements made by `element`, written in parts on every core (one part
  /// below `parallelArray` elements): the bytes one pass over the same elements gives.
  static func writeElements(
    _ count: Int, indent: Int, into out: inout [UInt8], _ element: @Sendable (Int) -> JSONValue
  ) {
    literal("[\n", &out)
    let parts = Parallel.parts(count, minimum: parallelArray) { range in
      elementBytes(range, of: count, indent: indent) { i, indent, out in
        write(element(i), indent: indent, into: &out)
      }
    }
    // Room for every part at once (see `document`).
    out.reserveCapacity(out.count + parts.reduce(0) { $0 + $1.count } + indent + 2)
    for part in parts { out.append(contentsOf: part) }
    pad(indent, &out)
    out.append(UInt8(ascii: "]"))
  }

  /// The elements `range` of an array of `count` at `indent`, each on its lines with its comma.
  public static func elementBytes(
    _ range: Range<Int>, of count: Int, indent: Int,
    _ element: (Int, Int, inout [UInt8]) -> Void
  ) -> [UInt8] {
    var chunk: [UInt8] = []
    chunk.reserveCapacity(min(range.count, 64) * 1024)
    for i in range {
      pad(indent + 2, &chunk)
      element(i, indent + 2, &chunk)
      literal(i == count - 1 ? "\n" : ",\n", &chunk)
      // After the first 64 elements, room for the rest at their average size and a tenth, in
      // huge pages where the kernel gives them (megabytes at a time, filled at once).
      if i == range.lowerBound + 63 && range.count > 64 {
        chunk.reserveCapacityInHugePages(chunk.count / 64 * range.count * 11 / 10)
      }
    }
    return chunk
  }

  /// An object written straight to bytes by code that knows its members: `key` opens each member
  /// (in canonical key order, `keyPrecedes` — checked in debug builds), the caller appends its
  /// value, `close` ends the object. The bytes are those `bytes(.object(…))` gives for the same
  /// members at that indent: for results written a hundred thousand times, where building a
  /// `JSONValue` and sorting its keys would be most of the work.
  public struct ObjectBytes {
    /// The indent of the object itself; its values are at `indent + 2`.
    public let indent: Int
    var first = true
    #if DEBUG
      var last: String?
    #endif

    public init(indent: Int) { self.indent = indent }

    #if DEBUG
      /// Keys are literals of plain characters, in canonical order.
      mutating func checkOrder(_ key: StaticString) {
        let text = key.description
        precondition(text.utf8.allSatisfy { $0 >= 0x20 && $0 != 0x22 && $0 != 0x5C })
        if let last { precondition(keyPrecedes(last, text), "keys out of order: \(last), \(text)") }
        last = text
      }
    #endif

    /// The indent for a member's value (nested objects and arrays).
    public var valueIndent: Int { indent + 2 }

    /// Opens the member `key`: a literal of plain characters (nothing JSON escapes — checked in
    /// debug builds), copied as it is.
    public mutating func key(_ key: StaticString, _ out: inout [UInt8]) {
      #if DEBUG
        checkOrder(key)
      #endif
      let open = first
      out.appendWritten(estimate: indent + key.utf8CodeUnitCount + 8) {
        CanonicalJSON.writeKey(key, opening: open, indent: indent, &$0)
      }
      first = false
    }

    /// A member whose value is a string.
    public mutating func string(_ key: StaticString, _ value: String, _ out: inout [UInt8]) {
      self.key(key, &out)
      writeString(value, into: &out)
    }

    public func close(_ out: inout [UInt8]) {
      let empty = first
      out.appendWritten(estimate: indent + 4) {
        CanonicalJSON.writeClose(empty: empty, indent: indent, &$0)
      }
    }

    /// `key`, through a cursor.
    public mutating func key(_ key: StaticString, _ c: inout ByteCursor) {
      #if DEBUG
        checkOrder(key)
      #endif
      CanonicalJSON.writeKey(key, opening: first, indent: indent, &c)
      first = false
    }

    /// `string`, through a cursor.
    public mutating func string(_ key: StaticString, _ value: String, _ c: inout ByteCursor) {
      self.key(key, &c)
      c.string(value)
    }

    /// `close`, through a cursor.
    public func close(_ c: inout ByteCursor) {
      CanonicalJSON.writeClose(empty: first, indent: indent, &c)
    }
  }

  /// `{` (opening) or `,`, a line end, the indent, the quoted key and `": `.
  static func writeKey(
    _ key: StaticString, opening: Bool, indent: Int, _ c: inout ByteCursor
  ) {
    c.byte(opening ? 0x7B : 0x2C)
    c.byte(0x0A)
    c.spaces(indent + 2)
    c.byte(0x22)
    c.literal(key)
    c.literal("\": ")
  }

  /// The end of an object: `{}` when it had no member.
  static func writeClose(empty: Bool, indent: Int, _ c: inout ByteCursor) {
    if empty {
      c.literal("{}")
    } else {
      c.byte(0x0A)
      c.spaces(indent)
      c.byte(0x7D)
    }
  }

  /// A string as canonical JSON (quoted, escaped), appended.
  public static func append(string: String, to out: inout [UInt8]) {
    writeString(string, into: &out)
  }

  /// A value as canonical JSON at an indent, appended.
  public static func append(_ value: JSONValue, indent: Int, to out: inout [UInt8]) {
    write(value, indent: indent, into: &out)
  }

  /// An array of `count` elements at an indent, each written by `element` (index, its indent,
  /// output), appended; in one pass (small arrays inside a larger document).
  public static func appendArray(
    count: Int, indent: Int, to out: inout [UInt8], _ element: (Int, Int, inout [UInt8]) -> Void
  ) {
    if count == 0 {
      literal("[]", &out)
      return
    }
    literal("[\n", &out)
    for i in 0..<count {
      pad(indent + 2, &out)
      element(i, indent + 2, &out)
      literal(i == count - 1 ? "\n" : ",\n", &out)
    }
    pad(indent, &out)
    out.append(UInt8(ascii: "]"))
  }

  /// Appends a literal's bytes (a copy from the binary's constant; no string, no retain: the
  /// writer appends millions of these to a large document).
  @inline(__always)
  static func literal(_ text: StaticString, _ out: inout [UInt8]) {
    bytes(text.utf8Start, text.utf8CodeUnitCount, &out)
  }

  /// Appends `count` bytes from `start`: a byte at a time, inlined (short runs — literals and
  /// indents — for which this is cheaper than the generic `append(contentsOf:)`).
  @inline(__always)
  static func bytes(_ start: UnsafePointer<UInt8>, _ count: Int, _ out: inout [UInt8]) {
    for i in 0..<count { out.append(start[i]) }
  }

  static let spaces: StaticString =
    "                                                                "

  /// Appends `n` spaces.
  static func pad(_ n: Int, _ out: inout [UInt8]) {
    var n = n
    while n > 0 {
      let k = min(n, spaces.utf8CodeUnitCount)
      bytes(spaces.utf8Start, k, &out)
      n -= k
    }
  }

  static func writeString(_ s: String, into out: inout [UInt8]) {
    out.appendWritten(estimate: s.utf8.count + 8) { $0.string(s) }
  }
}
