import AcornModel

/// A problem in an imported file, naming where: file, line (CSV) or segment number (X12), field,
/// and what was expected.
public struct ImportDiagnostic: Error, Sendable, Hashable, CustomStringConvertible {
  public enum Severity: String, Sendable { case error, warning }
  public var severity: Severity
  public var file: String
  /// CSV line or X12 segment number (1-based), when known.
  public var position: Int?
  public var positionKind: String
  public var field: String?
  public var message: String

  public init(
    _ severity: Severity = .error, file: String, position: Int?, kind: String = "segment",
    field: String? = nil, _ message: String
  ) {
    self.severity = severity
    self.file = file
    self.position = position
    self.positionKind = kind
    self.field = field
    self.message = message
  }

  public var description: String {
    let at = position.map { " \(positionKind) \($0)" } ?? ""
    return "\(file)\(at)\(field.map { " \($0)" } ?? ""): \(severity.rawValue): \(message)"
  }
}

/// One X12 segment: its id, elements (each a list of components), and its 1-based number in the file.
public struct X12Segment: Sendable, Hashable {
  public var id: String
  public var elements: [[String]]
  public var number: Int

  /// Element `i` (1-based, as X12 counts: `BEG03` is `self[3]`), first component; "" when absent.
  public subscript(_ i: Int) -> String {
    i >= 1 && i <= elements.count ? (elements[i - 1].first ?? "") : ""
  }

  public func component(_ i: Int, _ c: Int) -> String {
    guard i >= 1 && i <= elements.count, c >= 1 && c <= elements[i - 1].count else { return "" }
    return elements[i - 1][c - 1]
  }
}

/// A transaction set (ST…SE) with the envelope it came in.
public struct X12TransactionSet: Sendable {
  public var type: String
  public var control: String
  public var segments: [X12Segment]
  public var version: String
  public var senderID: String
}

/// Reads X12 interchanges: delimiters from the ISA segment (element, component, repetition and
/// segment terminator, a newline terminator included), ISA/GS/ST envelopes with their control
/// numbers and counts checked (IEA01, GE01, SE01 and the matching control numbers), several
/// interchanges and transaction sets per file. Bytes arrive in chunks, so a large file is never held
/// whole: only the current transaction set is kept.
public struct X12Reader {
  public let file: String
  var diagnostics: [ImportDiagnostic] = []

  public init(file: String) { self.file = file }

  /// Limits that keep memory bounded whatever the input: a segment longer than this without a
  /// terminator is not X12 (real segments are under a few hundred bytes), a transaction set with
  /// more segments than this is not a real document, and after this many errors the file is not
  /// worth reading further. Each stops the read with one clear error.
  public static let maxSegmentBytes = 1 << 20
  public static let maxSegmentsPerSet = 200_000
  public static let maxErrors = 1_000

  struct Delimiters {
    var element: UInt8
    var component: UInt8
    var repetition: UInt8?
    var segment: UInt8
  }

  /// Parses everything from `chunks` (each call returns the next bytes, nil at the end), handing each
  /// complete transaction set to `handle`; returns the diagnostics.
  public mutating func read(_ chunks: () -> [UInt8]?, handle: (X12TransactionSet) -> Void)
    -> [ImportDiagnostic]
  {
    var buffer: [UInt8] = []
    var position = 0
    var eof = false
    func fill() -> Bool {
      guard !eof else { return false }
      if let c = chunks() {
        if position > 65_536 {
          buffer.removeFirst(position)
          position = 0
        }
        buffer += c
        return true
      }
      eof = true
      return false
    }
    var delimiters: Delimiters?
    var bare = false
    var segmentNumber = 0
    // Envelope state.
    var isa: X12Segment?
    var groups = 0
    var gs: X12Segment?
    var sets = 0
    var current: [X12Segment] = []
    var st: X12Segment?

    var errors = 0
    var stopped = false
    func fail(_ n: Int?, _ field: String?, _ message: String) {
      guard !stopped else { return }
      diagnostics.append(ImportDiagnostic(file: file, position: n, field: field, message))
      errors += 1
      if errors >= Self.maxErrors {
        diagnostics.append(
          ImportDiagnostic(
            file: file, position: n, field: nil,
            "\(Self.maxErrors) errors: stopped reading (this is not an X12 file, or a badly damaged one)"
          ))
        stopped = true
      }
    }
    func halt(_ n: Int?, _ field: String?, _ message: String) {
      fail(n, field, message)
      stopped = true
    }
    // Counts and control numbers that disagree are reported; the documents themselves still read.
    func warn(_ n: Int?, _ field: String?, _ message: String) {
      guard diagnostics.count < Self.maxErrors * 10 else { return }
      diagnostics.append(ImportDiagnostic(.warning, file: file, position: n, field: field, message))
    }

    while !stopped {
      if delimiters == nil {
        // Skip whitespace (and a UTF-8 byte order mark, which Windows tools write) before an
        // interchange, then need 106 bytes of ISA.
        while true {
          while position < buffer.count
            && (buffer[position] == 10 || buffer[position] == 13 || buffer[position] == 32)
          { position += 1 }
          if buffer.count - position >= 3, buffer[position] == 0xEF, buffer[position + 1] == 0xBB,
            buffer[position + 2] == 0xBF
          {
            position += 3
            continue
          }
          if buffer.count - position >= 106 || !fill() { break }
        }
        if position >= buffer.count { break }
        if buffer.count - position >= 4,
          buffer[position..<(position + 2)].elementsEqual(Array("ST".utf8)), isa == nil
        {
          // A bare transaction set (ST…SE) without envelopes: `*`-style element separator after ST,
          // `~` or a newline ends segments, `:` between components.
          let e = buffer[position + 2]
          let rest = buffer[position...]
          delimiters = Delimiters(
            element: e, component: UInt8(ascii: ":"), repetition: nil,
            segment: rest.contains(UInt8(ascii: "~")) ? UInt8(ascii: "~") : 10)
          bare = true
          continue
        }
        guard buffer.count - position >= 106,
          buffer[position..<(position + 3)].elementsEqual(Array("ISA".utf8))
        else {
          fail(
            segmentNumber + 1, "ISA",
            "expected an ISA segment (106 characters) to start the interchange; this is not an X12 file or it is truncated"
          )
          return diagnostics
        }
        let e = buffer[position + 3]
        if let problem = Self.isaWidthProblem(Array(buffer[position..<(position + 106)])) {
          // One clear message: every later segment would be read with the wrong delimiters.
          fail(segmentNumber + 1, problem.field, problem.message)
          return diagnostics
        }
        var d = Delimiters(
          element: e, component: buffer[position + 104], repetition: nil,
          segment: buffer[position + 105])
        let rep = buffer[position + 82]
        let isAlnum =
          (rep >= 48 && rep <= 57) || (rep >= 65 && rep <= 90) || (rep >= 97 && rep <= 122)
        if !isAlnum && rep != e && rep != d.component && rep != 32 { d.repetition = rep }
        delimiters = d
      }
      guard let d = delimiters else { break }
      // Find the next segment terminator.
      // The scan resumes where it stopped after each chunk (fill() may move the buffer, so the
      // offset is kept relative to `position`), and gives up beyond the longest real segment.
      var end: Int?
      var scanned = 0
      while end == nil {
        var i = position + scanned
        while i < buffer.count && buffer[i] != d.segment { i += 1 }
        scanned = i - position
        if i < buffer.count {
          end = i
        } else if scanned > Self.maxSegmentBytes {
          break
        } else if !fill() {
          break
        }
      }
      if end == nil && scanned > Self.maxSegmentBytes {
        halt(
          segmentNumber + 1, nil,
          "no segment terminator in \(Self.maxSegmentBytes / 1024) KiB after segment \(segmentNumber): not X12, or the delimiters in ISA are wrong; stopped reading"
        )
        break
      }
      let stop: Int
      if let end {
        stop = end
      } else {
        let rest = buffer[position...].filter { $0 != 10 && $0 != 13 && $0 != 32 }
        if rest.isEmpty { break }
        // Many partners end the file right after IEA without a last terminator: that IEA is whole.
        guard rest.starts(with: Array("IEA".utf8)) else {
          fail(segmentNumber + 1, nil, "file ends inside a segment (no terminator): truncated")
          break
        }
        stop = buffer.count
      }
      var raw = Array(buffer[position..<stop])
      position = min(stop + 1, buffer.count)
      while let l = raw.last, l == 10 || l == 13 || (l == 32 && stop == buffer.count) {
        raw.removeLast()
      }
      // CR/LF after a ~ terminator.
      while let f = raw.first, f == 10 || f == 13 { raw.removeFirst() }
      if raw.isEmpty { continue }
      segmentNumber += 1
      guard
        let text = String(validating: raw, as: UTF8.self)
          ?? String(validating: raw.map { $0 < 128 ? $0 : 63 }, as: UTF8.self)
      else { continue }
      let parts = text.split(
        separator: Character(UnicodeScalar(d.element)), omittingEmptySubsequences: false
      ).map(String.init)
      let elements: [[String]] = parts.dropFirst().map { element in
        let first =
          d.repetition.map { r in
            element.split(separator: Character(UnicodeScalar(r)), omittingEmptySubsequences: false)
              .first.map(String.init) ?? element
          } ?? element
        return first.split(
          separator: Character(UnicodeScalar(d.component)), omittingEmptySubsequences: false
        ).map(String.init)
      }
      let segment = X12Segment(
        id: parts[0].trimmingSpaces(), elements: elements, number: segmentNumber
      )
      switch segment.id {
      case "ISA":
        if isa != nil {
          fail(segment.number, "ISA", "ISA inside an interchange: the previous one has no IEA")
        }
        isa = segment
        groups = 0
      case "IEA":
        guard let open = isa else {
          fail(segment.number, "IEA", "IEA without ISA")
          continue
        }
        if segment[2] != open[13] {
          warn(
            segment.number, "IEA02",
            "interchange control number \(segment[2]) does not match ISA13 \(open[13])")
        }
        if Int(segment[1]) != groups {
          warn(
            segment.number, "IEA01",
            "counts \(segment[1]) functional groups, the interchange has \(groups)")
        }
        isa = nil
        delimiters = nil  // the next interchange may use other delimiters
      case "GS":
        if isa == nil { fail(segment.number, "GS", "GS outside an interchange") }
        gs = segment
        sets = 0
        groups += 1
      case "GE":
        guard let open = gs else {
          fail(segment.number, "GE", "GE without GS")
          continue
        }
        if segment[2] != open[6] {
          warn(
            segment.number, "GE02",
            "group control number \(segment[2]) does not match GS06 \(open[6])")
        }
        if Int(segment[1]) != sets {
          warn(
            segment.number, "GE01", "counts \(segment[1]) transaction sets, the group has \(sets)")
        }
        gs = nil
      case "ST":
        if st != nil {
          fail(segment.number, "ST", "ST inside a transaction set: the previous one has no SE")
        }
        st = segment
        current = [segment]
      case "SE":
        guard let open = st else {
          fail(segment.number, "SE", "SE without ST")
          continue
        }
        current.append(segment)
        var ok = true
        if segment[2] != open[2] {
          fail(
            segment.number, "SE02",
            "transaction set control number \(segment[2]) does not match ST02 \(open[2])")
          ok = false
        }
        if Int(segment[1]) != current.count {
          warn(
            segment.number, "SE01",
            "counts \(segment[1]) segments, the transaction set has \(current.count)")
        }
        sets += 1
        if ok {
          handle(
            X12TransactionSet(
              type: open[1], control: open[2], segments: current, version: gs?[8] ?? isa?[12] ?? "",
              senderID: isa?[6].trimmingSpaces() ?? ""))
        }
        st = nil
        current = []
      default:
        if let open = st, current.count >= Self.maxSegmentsPerSet {
          halt(
            segment.number, "SE",
            "transaction set \(open[2]) has more than \(Self.maxSegmentsPerSet) segments without an SE: not a real document; stopped reading"
          )
        } else if st != nil {
          current.append(segment)
        } else {
          fail(segment.number, segment.id, "segment \(segment.id) outside a transaction set")
        }
      }
    }
    if stopped { return diagnostics }
    if st != nil {
      fail(segmentNumber, "SE", "the file ends inside transaction set \(st?[2] ?? "?"): no SE")
    }
    _ = bare
    if gs != nil { fail(segmentNumber, "GE", "the file ends inside a functional group: no GE") }
    if isa != nil { fail(segmentNumber, "IEA", "the file ends inside an interchange: no IEA") }
    return diagnostics
  }

  /// Reads transaction sets from bytes already in memory (a chunked reader over them).
  public static func read(_ bytes: [UInt8], file: String, chunkSize: Int = 65_536) -> (
    [X12TransactionSet], [ImportDiagnostic]
  ) {
    var reader = X12Reader(file: file)
    var offset = 0
    var sets: [X12TransactionSet] = []
    let diagnostics = reader.read({
      guard offset < bytes.count else { return nil }
      let end = min(bytes.count, offset + chunkSize)
      defer { offset = end }
      return Array(bytes[offset..<end])
    }) { sets.append($0) }
    return (sets, diagnostics)
  }

  /// `TDS*255438` style amounts with two implied decimals.
  public static func impliedDecimal(_ text: String, places: Int = 2) -> DecimalNumber? {
    guard let n = try? DecimalNumber(parsing: text, lenient: true) else { return nil }
    if text.utf8.contains(UInt8(ascii: ".")) { return n }
    return try? n * DecimalNumber(units: 1, scale: places)
  }
}

extension X12Reader {
  /// ISA01…ISA16 widths: the ISA is fixed-width, which is how its last characters name the
  /// delimiters.
  static let isaWidths = [2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1]

  /// Why 106 bytes starting with `ISA` are not a fixed-width ISA segment, or nil when they are.
  static func isaWidthProblem(_ bytes: [UInt8]) -> (field: String, message: String)? {
    let e = bytes[3]
    var offset = 3
    for (i, width) in isaWidths.enumerated() {
      // The separator before ISA(i+1) sits at a fixed place.
      guard bytes[offset] == e else { break }
      let start = offset + 1
      var end = start
      while end < bytes.count && bytes[end] != e && end - start <= 40 { end += 1 }
      let isLast = i == isaWidths.count - 1
      let actual = isLast ? 1 : end - start
      if actual != width {
        let name = "ISA" + (i + 1 < 10 ? "0" : "") + "\(i + 1)"
        let value = String(decoding: bytes[start..<min(end, bytes.count)], as: UTF8.self)
        return (
          name,
          "the ISA segment is not fixed-width: \(name) \"\(value)\" is \(actual) characters, expected \(width) (pad with spaces); the delimiters are read from fixed positions of the ISA, so nothing after it can be read"
        )
      }
      offset = start + width
    }
    return nil
  }
}
