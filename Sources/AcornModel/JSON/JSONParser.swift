/// A strict RFC 8259 JSON reader over raw bytes.
///
/// Numbers become exact `DecimalNumber`s from their text; duplicate keys, invalid UTF-8, control
/// characters in strings, a byte-order mark and trailing content are errors with line and column.
/// Optionally records the line on which every value starts, so findings can name it.
public struct JSONParser {
  public struct Parsed: Sendable {
    public var value: JSONValue
    /// The line (1-based) where the value at each path starts; empty unless asked for.
    public var lines: [JSONPath: Int]

    public init(value: JSONValue, lines: [JSONPath: Int]) {
      self.value = value
      self.lines = lines
    }

    /// The line of the value at `path`, or of its nearest ancestor that exists.
    public func line(of path: JSONPath) -> Int {
      var components = path.components
      while true {
        if let line = lines[JSONPath(components)] { return line }
        if components.isEmpty { return 1 }
        components.removeLast()
      }
    }
  }

  /// Nesting deeper than this is refused rather than risking the stack.
  public static let maxDepth = 256

  public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
    try parse(Array(text.utf8), recordLines: false).value
  }

  public static func parse(_ bytes: [UInt8], recordLines: Bool = false) throws(JSONParseError)
    -> Parsed
  {
    var parser = Parser(bytes: bytes, recordLines: recordLines)
    return try parser.document()
  }

  private struct Parser {
    let bytes: [UInt8]
    let recordLines: Bool
    var i = 0
    var line = 1
    var lineStart = 0
    var lines: [JSONPath: Int] = [:]
    var path: [JSONPath.Component] = []

    init(bytes: [UInt8], recordLines: Bool) {
      self.bytes = bytes
      self.recordLines = recordLines
    }

    func fail(_ message: String) -> JSONParseError {
      JSONParseError(message: message, line: line, column: i - lineStart + 1)
    }

    mutating func document() throws(JSONParseError) -> Parsed {
      if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
        throw fail("file starts with a UTF-8 byte-order mark; save it without one")
      }
      skipWhitespace()
      if i == bytes.count { throw fail("empty document: expected a JSON value") }
      let value = try parseValue(depth: 0)
      skipWhitespace()
      if i != bytes.count { throw fail("unexpected \(describeByte()) after the JSON value") }
      return Parsed(value: value, lines: lines)
    }

    func describeByte() -> String {
      guard i < bytes.count else { return "end of file" }
      let b = bytes[i]
      if b >= 0x21 && b < 0x7F { return "'\(Character(Unicode.Scalar(b)))'" }
      return "byte 0x" + String(b, radix: 16, uppercase: true)
    }

    mutating func skipWhitespace() {
      while i < bytes.count {
        switch bytes[i] {
        case 0x20, 0x09, 0x0D: i += 1
        case 0x0A:
          i += 1
          line += 1
          lineStart = i
        default: return
        }
      }
    }

    mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
      if depth > JSONParser.maxDepth {
        throw fail("nesting deeper than \(JSONParser.maxDepth) levels")
      }
      if recordLines { lines[JSONPath(path)] = line }
      guard i < bytes.count else { throw fail("unexpected end of file: expected a value") }
      switch bytes[i] {
      case UInt8(ascii: "{"): return try parseObject(depth: depth)
      case UInt8(ascii: "["): return try parseArray(depth: depth)
      case UInt8(ascii: "\""): return .string(try parseString())
      case UInt8(ascii: "t"): try literal("true"); return .bool(true)
      case UInt8(ascii: "f"): try literal("false"); return .bool(false)
      case UInt8(ascii: "n"): try literal("null"); return .null
      case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
      default: throw fail("unexpected \(describeByte()): expected a value")
      }
    }

    mutating func literal(_ word: String) throws(JSONParseError) {
      let w = Array(word.utf8)
      guard i + w.count <= bytes.count, Array(bytes[i..<(i + w.count)]) == w else {
        throw fail("unexpected \(describeByte()): expected a value")
      }
      i += w.count
    }

    mutating func parseNumber() throws(JSONParseError) -> JSONValue {
      let start = i
      while i < bytes.count, Self.isNumberByte(bytes[i]) { i += 1 }
      let text = String(decoding: bytes[start..<i], as: UTF8.self)
      do {
        return .number(try DecimalNumber(parsing: text))
      } catch {
        i = start
        throw fail("\(error)")
      }
    }

    static func isNumberByte(_ b: UInt8) -> Bool {
      (b >= 48 && b <= 57) || b == 45 || b == 43 || b == 46 || b == 101 || b == 69
    }

    mutating func parseString() throws(JSONParseError) -> String {
      i += 1  // opening quote
      var out: [UInt8] = []
      while true {
        guard i < bytes.count else { throw fail("unterminated string") }
        let b = bytes[i]
        switch b {
        case UInt8(ascii: "\""):
          i += 1
          return String(decoding: out, as: UTF8.self)
        case UInt8(ascii: "\\"):
          i += 1
          guard i < bytes.count else { throw fail("unterminated escape") }
          let e = bytes[i]
          i += 1
          switch e {
          case UInt8(ascii: "\""): out.append(0x22)
          case UInt8(ascii: "\\"): out.append(0x5C)
          case UInt8(ascii: "/"): out.append(0x2F)
          case UInt8(ascii: "b"): out.append(0x08)
          case UInt8(ascii: "f"): out.append(0x0C)
          case UInt8(ascii: "n"): out.append(0x0A)
          case UInt8(ascii: "r"): out.append(0x0D)
          case UInt8(ascii: "t"): out.append(0x09)
          case UInt8(ascii: "u"):
            var scalar = try hex4()
            if (0xD800...0xDBFF).contains(scalar) {
              guard i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"),
                bytes[i + 1] == UInt8(ascii: "u")
              else { throw fail("lone high surrogate in \\u escape") }
              i += 2
              let low = try hex4()
              guard (0xDC00...0xDFFF).contains(low) else { throw fail("invalid surrogate pair") }
              scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
              throw fail("lone low surrogate in \\u escape")
            }
            guard let u = Unicode.Scalar(scalar) else { throw fail("invalid \\u escape") }
            out.append(contentsOf: Array(String(Character(u)).utf8))
          default:
            i -= 1
            throw fail("invalid escape \\\(Character(Unicode.Scalar(e)))")
          }
        case 0x00..<0x20:
          throw fail("control character 0x\(String(b, radix: 16, uppercase: true)) inside a string")
        case 0x00..<0x80:
          out.append(b)
          i += 1
        default:
          let length = try utf8Sequence()
          out.append(contentsOf: bytes[i..<(i + length)])
          i += length
        }
      }
    }

    /// Validates one multi-byte UTF-8 sequence at `i`, returning its length.
    func utf8Sequence() throws(JSONParseError) -> Int {
      let b = bytes[i]
      let length: Int
      var minimum: UInt32
      var scalar: UInt32
      switch b {
      case 0xC2...0xDF: length = 2; minimum = 0x80; scalar = UInt32(b & 0x1F)
      case 0xE0...0xEF: length = 3; minimum = 0x800; scalar = UInt32(b & 0x0F)
      case 0xF0...0xF4: length = 4; minimum = 0x10000; scalar = UInt32(b & 0x07)
      default: throw fail("invalid UTF-8 byte 0x\(String(b, radix: 16, uppercase: true))")
      }
      guard i + length <= bytes.count else { throw fail("truncated UTF-8 sequence") }
      for k in 1..<length {
        let c = bytes[i + k]
        guard c & 0xC0 == 0x80 else { throw fail("invalid UTF-8 sequence") }
        scalar = scalar << 6 | UInt32(c & 0x3F)
      }
      guard scalar >= minimum, scalar <= 0x10FFFF, !(0xD800...0xDFFF).contains(scalar) else {
        throw fail("invalid UTF-8 sequence")
      }
      return length
    }

    mutating func hex4() throws(JSONParseError) -> UInt32 {
      guard i + 4 <= bytes.count else { throw fail("truncated \\u escape") }
      var v: UInt32 = 0
      for _ in 0..<4 {
        let c = bytes[i]
        let d: UInt32
        switch c {
        case 48...57: d = UInt32(c - 48)
        case 65...70: d = UInt32(c - 55)
        case 97...102: d = UInt32(c - 87)
        default: throw fail("invalid hex digit in \\u escape")
        }
        v = v * 16 + d
        i += 1
      }
      return v
    }

    mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
      i += 1
      var items: [JSONValue] = []
      skipWhitespace()
      if i < bytes.count && bytes[i] == UInt8(ascii: "]") {
        i += 1
        return .array(items)
      }
      while true {
        path.append(.index(items.count))
        skipWhitespace()
        items.append(try parseValue(depth: depth + 1))
        path.removeLast()
        skipWhitespace()
        guard i < bytes.count else { throw fail("unexpected end of file: expected ',' or ']'") }
        if bytes[i] == UInt8(ascii: ",") {
          i += 1
          continue
        }
        if bytes[i] == UInt8(ascii: "]") {
          i += 1
          return .array(items)
        }
        throw fail("unexpected \(describeByte()): expected ',' or ']'")
      }
    }

    static func scalars(_ text: String) -> String {
      text.unicodeScalars.map { "U+" + String($0.value, radix: 16, uppercase: true).leftPadded(4) }
        .joined(separator: " ")
    }

    static func duplicate(_ key: String, _ members: [String: JSONValue], line: Int, column: Int)
      -> JSONParseError
    {
      // Swift compares strings by canonical equivalence, so "é" (U+00E9) and "e" + U+0301 are
      // one key here. Two such keys would look identical to a reviewer reading the record, so
      // they are refused as a duplicate (docs/decisions/0003).
      let first = members.keys.first {
        $0 == key && !$0.unicodeScalars.elementsEqual(key.unicodeScalars)
      }
      return JSONParseError(
        message: first.map {
          "duplicate key \"\(key)\": canonically equivalent to the key \"\($0)\" before it (the two differ only in Unicode normalization: \(scalars($0)) and \(scalars(key)))"
        } ?? "duplicate key \"\(key)\"", line: line, column: column)
    }

    mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
      i += 1
      skipWhitespace()
      if i < bytes.count && bytes[i] == UInt8(ascii: "}") {
        i += 1
        return .object([:])
      }
      // Records' objects have a handful to a few dozen members: one allocation for most.
      var members: [String: JSONValue] = Dictionary(minimumCapacity: 8)
      while true {
        skipWhitespace()
        guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else {
          throw fail("unexpected \(describeByte()): expected a quoted key")
        }
        let keyLine = line
        let keyColumn = i - lineStart + 1
        let key = try parseString()
        skipWhitespace()
        guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else {
          throw fail("unexpected \(describeByte()): expected ':' after key \"\(key)\"")
        }
        i += 1
        skipWhitespace()
        path.append(.key(key))
        let value = try parseValue(depth: depth + 1)
        path.removeLast()
        // The key is looked up once, as its value is stored.
        if members.updateValue(value, forKey: key) != nil {
          throw Self.duplicate(key, members, line: keyLine, column: keyColumn)
        }
        skipWhitespace()
        guard i < bytes.count else { throw fail("unexpected end of file: expected ',' or '}'") }
        if bytes[i] == UInt8(ascii: ",") {
          i += 1
          continue
        }
        if bytes[i] == UInt8(ascii: "}") {
          i += 1
          return .object(members)
        }
        throw fail("unexpected \(describeByte()): expected ',' or '}'")
      }
    }
  }
}

/// A JSON syntax error with the line and column (1-based) where it was found.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
  public var message: String
  public var line: Int
  public var column: Int

  public var description: String { "line \(line), column \(column): \(message)" }
}

extension String {
  fileprivate func leftPadded(_ width: Int) -> String {
    String(repeating: "0", count: Swift.max(0, width - count)) + self
  }
}
