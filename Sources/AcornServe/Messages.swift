import Foundation

/// A request as the web workspace reads it: method, the decoded path, query and form fields, and
/// headers by lower-case name. Independent of the server library (`Server.swift` converts).
public struct WebRequest: Sendable {
  public var method: String
  public var path: String
  public var query: [String: String]
  public var headers: [String: String]
  public var form: [String: String]

  public init(
    method: String, path: String, query: [String: String] = [:], headers: [String: String] = [:],
    form: [String: String] = [:]
  ) {
    self.method = method.uppercased()
    self.path = path
    self.query = query
    self.headers = Dictionary(
      headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
    self.form = form
  }

  /// The path's segments, percent-decoded one by one (an id with an encoded `/` stays one).
  public var pathSegments: [String] {
    path.split(separator: "/", omittingEmptySubsequences: true).map {
      String($0).removingPercentEncoding ?? String($0)
    }
  }

  /// The value of a cookie sent with the request.
  public func cookie(_ name: String) -> String? {
    for part in (headers["cookie"] ?? "").split(separator: ";") {
      let pair = part.split(separator: "=", maxSplits: 1)
      if pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces) == name {
        return pair[1].trimmingCharacters(in: .whitespaces)
      }
    }
    return nil
  }

  /// `a=1&b=x%20y` (and `+` for space) as fields; the last of repeated names wins.
  public static func fields(_ encoded: String) -> [String: String] {
    var out: [String: String] = [:]
    for pair in encoded.split(separator: "&") {
      let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      let key = decode(String(kv[0]))
      guard !key.isEmpty else { continue }
      out[key] = kv.count > 1 ? decode(String(kv[1])) : ""
    }
    return out
  }

  static func decode(_ s: String) -> String {
    s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? s
  }
}

/// What the web workspace answers: a status, headers and the body bytes.
public struct WebResponse: Sendable {
  public var status: Int
  public var headers: [(String, String)]
  public var body: [UInt8]

  public init(status: Int, headers: [(String, String)] = [], body: [UInt8] = []) {
    self.status = status
    self.headers = headers
    self.body = body
  }

  /// Security headers every page carries: no framing, no sniffing, nothing loaded from elsewhere
  /// (the pages have no scripts; styles and images are inline).
  static let common: [(String, String)] = [
    (
      "Content-Security-Policy",
      "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("Cache-Control", "no-store"),
  ]

  static func html(_ text: String, status: Int = 200, extra: [(String, String)] = []) -> WebResponse
  {
    WebResponse(
      status: status,
      headers: [("Content-Type", "text/html; charset=utf-8")] + common + extra,
      body: Array(text.utf8))
  }

  static func text(_ text: String, status: Int) -> WebResponse {
    WebResponse(
      status: status, headers: [("Content-Type", "text/plain; charset=utf-8")] + common,
      body: Array((text + "\n").utf8))
  }

  /// 303 See Other: after a POST, the browser loads the page with a GET.
  static func redirect(_ location: String, extra: [(String, String)] = []) -> WebResponse {
    WebResponse(status: 303, headers: [("Location", location)] + common + extra)
  }
}

/// Percent-encoding for one path segment or query value.
func urlEncode(_ s: String) -> String {
  var allowed = CharacterSet.alphanumerics
  allowed.insert(charactersIn: "-._~")
  return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
}
