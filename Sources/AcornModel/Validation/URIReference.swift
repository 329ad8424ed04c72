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

  /// Splits `text` by the generic syntax (RFC 3986 appendix B).
  init(_ text: String) {
    var rest = Substring(text)
    if let hash = rest.firstIndex(of: "#") {
      fragment = String(rest[rest.index(after: hash)...])
      rest = rest[..<hash]
    }
    if let question = rest.firstIndex(of: "?") {
      query = String(rest[rest.index(after: question)...])
      rest = rest[..<question]
    }
    if let colon = rest.firstIndex(of: ":"),
      let first = rest.first, first.isASCII, first.isLetter,
      rest[..<colon].allSatisfy({
        $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == ".")
      }),
      !rest[..<colon].contains("/")
    {
      scheme = String(rest[..<colon])
      rest = rest[rest.index(after: colon)...]
    }
    if rest.hasPrefix("//") {
      rest = rest.dropFirst(2)
      let end = rest.firstIndex(of: "/") ?? rest.endIndex
      authority = String(rest[..<end])
      rest = rest[end...]
    }
    path = String(rest)
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
    guard path.contains(".") else { return path }
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
    guard text.contains("%") else { return text }
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
