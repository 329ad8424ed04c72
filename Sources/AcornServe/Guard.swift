import Foundation

/// What keeps other sites and other machines out: the Host header must name this server (no DNS
/// rebinding), a state-changing request must come from one of its own pages (Origin, else
/// Referer) and carry its session's CSRF token.
struct RequestGuard: Sendable {
  /// `host:port` forms this server answers to (127.0.0.1, localhost and [::1] on its port, or the
  /// explicit `--listen` address).
  var hosts: Set<String>

  init(host: String, port: Int) {
    var hosts: Set<String> = ["127.0.0.1:\(port)", "localhost:\(port)", "[::1]:\(port)"]
    if host != "127.0.0.1" && host != "::1" && host != "localhost" {
      hosts.insert((host.contains(":") ? "[\(host)]" : host) + ":\(port)")
    }
    self.hosts = hosts
  }

  /// Why the request's Host is refused, or nil.
  func hostProblem(_ request: WebRequest) -> String? {
    guard let host = request.headers["host"]?.lowercased() else {
      return "the request has no Host header"
    }
    return hosts.contains(host)
      ? nil : "this server answers only to \(hosts.sorted().joined(separator: ", ")), not \(host)"
  }

  /// Why a POST's origin is refused, or nil: its Origin (or, without one, its Referer) must be
  /// one of this server's own addresses.
  func originProblem(_ request: WebRequest) -> String? {
    let source = request.headers["origin"] ?? request.headers["referer"]
    guard let source, source != "null" else {
      return "the request does not say which page sent it (no Origin or Referer)"
    }
    guard let url = URL(string: source), url.scheme == "http", let host = url.host else {
      return "the request came from \(source), not from this workspace's pages"
    }
    let port = url.port.map { ":\($0)" } ?? ":80"
    let bracketed = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
    return hosts.contains(bracketed.lowercased() + port)
      ? nil : "the request came from \(source), not from this workspace's pages"
  }

  /// Compares tokens in time independent of where they differ.
  static func same(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8)
    let y = Array(b.utf8)
    guard x.count == y.count else { return false }
    var diff: UInt8 = 0
    for i in 0..<x.count { diff |= x[i] ^ y[i] }
    return diff == 0
  }
}

/// Browser sessions: a random id in an HttpOnly, SameSite=Strict cookie; each holds its CSRF
/// token, its language and the message to show after the next redirect.
final class Sessions: @unchecked Sendable {
  struct Session {
    var csrf: String
    var lang: String?
    /// A message for the next page (the outcome of a POST), and the form field it belongs to.
    var flash: Flash?
  }

  struct Flash {
    var ok: Bool
    var text: String
    var field: String?
  }

  private let lock = NSLock()
  private var items: [String: Session] = [:]
  /// Session ids oldest first: past `limit`, the oldest is forgotten (its browser gets a new one
  /// on its next page), so requests without a cookie cannot grow memory without bound.
  private var order: [String] = []
  let limit: Int

  init(limit: Int = 1_000) { self.limit = limit }

  static func token() -> String {
    var g = SystemRandomNumberGenerator()
    return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &g)) }
      .joined()
  }

  /// The session of `id`, or a new one (and its id) when unknown.
  func session(_ id: String?) -> (id: String, session: Session, isNew: Bool) {
    lock.lock()
    defer { lock.unlock() }
    if let id, let s = items[id] { return (id, s, false) }
    let fresh = Self.token()
    let s = Session(csrf: Self.token())
    items[fresh] = s
    order.append(fresh)
    if order.count > limit {
      items[order.removeFirst()] = nil
    }
    return (fresh, s, true)
  }

  func update(_ id: String, _ change: (inout Session) -> Void) {
    lock.lock()
    defer { lock.unlock() }
    if var s = items[id] {
      change(&s)
      items[id] = s
    }
  }

  /// Takes the flash message (shown once).
  func takeFlash(_ id: String) -> Flash? {
    lock.lock()
    defer { lock.unlock() }
    let f = items[id]?.flash
    items[id]?.flash = nil
    return f
  }
}
