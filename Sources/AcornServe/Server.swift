import AcornHTTP
import AcornHTTPServer
import Foundation

/// Puts a `WebApp` on Acorn's HTTP server (`AcornHTTPServer`, FlyingFox): converts its requests
/// and responses, nothing more. Listens on 127.0.0.1 unless another address is given (the CLI
/// allows that only with `--listen`, and warns).
public enum WebServer {
  /// Runs until the task is cancelled. `makeApp` receives the port actually bound (port 0 picks a
  /// free one) and `onListening` is called once requests can be made.
  public static func run(
    host: String, port: UInt16, makeApp: @escaping @Sendable (Int) -> WebApp,
    onListening: @escaping @Sendable (Int) -> Void
  ) async throws {
    let holder = AppHolder()
    // Pages read files and SQLite and may wait for the workspace lock: the server runs handlers
    // off Swift's cooperative threads, so one slow page never holds up the others.
    let server = LoopbackServer(host: host) { request in
      guard let app = holder.app else { return HTTPResponse(status: 503) }
      return convert(app.handle(webRequest(request)))
    }
    try await server.run(port: port) { bound in
      holder.app = makeApp(bound)
      onListening(bound)
    }
  }

  static func webRequest(_ r: HTTPRequest) -> WebRequest {
    let parts = r.url.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
    let isForm = (r.headers["content-type"] ?? "").hasPrefix("application/x-www-form-urlencoded")
    return WebRequest(
      method: r.method, path: String(parts.first ?? "/"),
      query: parts.count > 1 ? WebRequest.fields(String(parts[1])) : [:], headers: r.headers,
      form: r.method == "POST" && isForm
        ? WebRequest.fields(String(decoding: r.body, as: UTF8.self)) : [:])
  }

  static func convert(_ r: WebResponse) -> HTTPResponse {
    HTTPResponse(
      status: r.status, headers: Dictionary(r.headers, uniquingKeysWith: { _, last in last }),
      body: r.body)
  }
}

/// The app, set once the port is known.
final class AppHolder: @unchecked Sendable {
  private let lock = NSLock()
  private var value: WebApp?

  var app: WebApp? {
    get { lock.withLock { value } }
    set { lock.withLock { value = newValue } }
  }
}
