/// A URI reference split into its RFC 3986 components, and resolution of one reference against
/// a base (RFC 3986 §5.2), as JSON Schema's `$id`, `$ref` and `$dynamicRef` need.
///
/// Pure string work: no percent-decoding except where asked (`decodedFragment`), no network.
struct URIReference: Sendable, Hashable {
  var scheme: String?
  var authority: String?
  var path: String
  var query: String?
  var fragment: String?

  /// Splits `text` by the generic syntax (RFC 3986 appendix B). The delimiters are ASCII, so
  /// the text is scanned as UTF-8 bytes (a scan by `Character` segmented graphemes, and
  /// compiling a schema splits the URI of every node).
  init(_ text: String) {
    let utf8 = text.utf8
    var start = utf8.startIndex
    var end = utf8.endIndex
    func string(_ from: String.Index, _ to: String.Index) -> String {
      String(Substring(utf8[from..<to]))
    }
    if let hash = utf8[start..<end].firstIndex(of: UInt8(ascii: "#")) {
      fragment = string(utf8.index(after: hash), end)
      end = hash
    }
    if let question = utf8[start..<end].firstIndex(of: UInt8(ascii: "?")) {
      query = string(utf8.index(after: question), end)
      end = question
    }
    if let colon = utf8[start..<end].firstIndex(of: UInt8(ascii: ":")), colon > start,
      Self.isSchemeStart(utf8[start]),
      utf8[start..<colon].allSatisfy(Self.isSchemeByte)
    {
      scheme = string(start, colon)
      start = utf8.index(after: colon)
    }
    let slash = UInt8(ascii: "/")
    if utf8[start..<end].starts(with: [slash, slash]) {
      start = utf8.index(start, offsetBy: 2)
      let authorityEnd = utf8[start..<end].firstIndex(of: slash) ?? end
      authority = string(start, authorityEnd)
      start = authorityEnd
    }
    path = string(start, end)
  }

  /// An ASCII letter: a scheme's first character.
  static func isSchemeStart(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A }

  /// ASCII letters, digits, `+`, `-` and `.`: the rest of a scheme.
  static func isSchemeByte(_ b: UInt8) -> Bool {
    isSchemeStart(b) || (b >= 0x30 && b <= 0x39) || b == 0x2B || b == 0x2D || b == 0x2E
  }

  private init(
    scheme: String?, authority: String?, path: String, query: String?, fragment: String?
  ) {
    self.scheme = scheme
    self.authority = authority
    self.path = path
    self.query = query
    self.fragment = fragment
  }

  /// The reference without its fragment.
  var withoutFragment: URIReference {
    var copy = self
    copy.fragment = nil
    return copy
  }

  var text: String {
    var out = ""
    if let scheme { out += scheme + ":" }
    if let authority { out += "//" + authority }
    out += path
    if let query { out += "?" + query }
    if let fragment { out += "#" + fragment }
    return out
  }

  /// `self` resolved against `base` (RFC 3986 §5.2.2, strict).
  func resolved(against base: URIReference) -> URIReference {
    if scheme != nil {
      return URIReference(
        scheme: scheme, authority: authority, path: Self.removeDotSegments(path), query: query,
        fragment: fragment)
    }
    if authority != nil {
      return URIReference(
        scheme: base.scheme, authority: authority, path: Self.removeDotSegments(path),
        query: query, fragment: fragment)
    }
    if path.isEmpty {
      return URIReference(
        scheme: base.scheme, authority: base.authority, path: base.path,
        query: query ?? base.query, fragment: fragment)
    }
    let merged: String
    if path.hasPrefix("/") {
      merged = path
    } else if base.authority != nil && base.path.isEmpty {
      merged = "/" + path
    } else if let slash = base.path.lastIndex(of: "/") {
      merged = String(base.path[...slash]) + path
    } else {
      merged = path
    }
    return URIReference(
      scheme: base.scheme, authority: base.authority, path: Self.removeDotSegments(merged),
      query: query, fragment: fragment)
  }

  /// RFC 3986 §5.2.4.
  static func removeDotSegments(_ path: String) -> String {
    guard path.utf8.contains(UInt8(ascii: ".")) else { return path }
    var input = Substring(path)
    var output: [Substring] = []
    var absolute = false
    if input.hasPrefix("/") { absolute = true }
    let segments = input.split(separator: "/", omittingEmptySubsequences: false)
    input = ""
    var trailingSlash = false
    for (i, segment) in segments.enumerated() {
      if i == 0 && absolute { continue }
      let last = i == segments.count - 1
      switch segment {
      case ".":
        if last { trailingSlash = true }
      case "..":
        if !output.isEmpty { output.removeLast() }
        if last { trailingSlash = true }
      default:
        output.append(segment)
        trailingSlash = false
      }
    }
    var text = (absolute ? "/" : "") + output.joined(separator: "/")
    if trailingSlash && !text.hasSuffix("/") { text += "/" }
    return text
  }

  /// The fragment with `%XX` escapes decoded (as JSON pointers in fragments are written).
  var decodedFragment: String? {
    guard let fragment else { return nil }
    return Self.percentDecoded(fragment)
  }

  static func percentDecoded(_ text: String) -> String {
    guard text.utf8.contains(UInt8(ascii: "%")) else { return text }
    var bytes: [UInt8] = []
    var utf8 = Array(text.utf8)[...]
    func hex(_ b: UInt8) -> UInt8? {
      switch b {
      case 48...57: b - 48
      case 65...70: b - 55
      case 97...102: b - 87
      default: nil
      }
    }
    while let b = utf8.first {
      utf8 = utf8.dropFirst()
      if b == UInt8(ascii: "%"), utf8.count >= 2, let h = hex(utf8[utf8.startIndex]),
        let l = hex(utf8[utf8.startIndex + 1])
      {
        bytes.append(h << 4 | l)
        utf8 = utf8.dropFirst(2)
      } else {
        bytes.append(b)
      }
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}
