import FlyingFox
import FlyingSocks
import Foundation

/// Puts a `WebApp` on a socket with FlyingFox: converts its requests and responses, nothing more.
/// Listens on 127.0.0.1 unless another address is given (the CLI allows that only with
/// `--listen`, and warns).
public enum WebServer {
  /// Runs until the task is cancelled. `makeApp` receives the port actually bound (port 0 picks a
  /// free one) and `onListening` is called once requests can be made.
  public static func run(
    host: String, port: UInt16, makeApp: @escaping @Sendable (Int) -> WebApp,
    onListening: @escaping @Sendable (Int) -> Void
  ) async throws {
    let address: any SocketAddress =
      host.contains(":")
      ? try sockaddr_in6.inet6(ip6: host, port: port)
      : try sockaddr_in.inet(ip4: host == "localhost" ? "127.0.0.1" : host, port: port)
    let holder = AppHolder()
    let pages = DispatchQueue(label: "acorn.serve.pages", attributes: .concurrent)
    let server = HTTPServer(address: address, timeout: 30, logger: DisabledLogger.disabled)
    await server.appendRoute("*") { request in
      guard let app = holder.app else {
        return HTTPResponse(statusCode: .serviceUnavailable)
      }
      let body = request.method == .POST ? try await request.bodyData : Data()
      let value = webRequest(request, body: body)
      // Pages read files and SQLite and may wait for the workspace lock: off Swift's cooperative
      // threads, so one slow page never holds up the others.
      let response = await withCheckedContinuation { continuation in
        pages.async { continuation.resume(returning: app.handle(value)) }
      }
      return convert(response)
    }
    let running = Task { try await server.run() }
    do {
      try await server.waitUntilListening(timeout: 10)
    } catch {
      running.cancel()
      _ = try? await running.value
      throw error
    }
    var bound = Int(port)
    if case .ip4(_, let p) = await server.listeningAddress { bound = Int(p) }
    if case .ip6(_, let p) = await server.listeningAddress { bound = Int(p) }
    holder.app = makeApp(bound)
    onListening(bound)
    try await withTaskCancellationHandler {
      try await running.value
    } onCancel: {
      running.cancel()
    }
  }

  static func webRequest(_ r: HTTPRequest, body: Data) -> WebRequest {
    let raw = r.target.rawValue
    let parts = raw.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
    var headers: [String: String] = [:]
    for (name, value) in r.headers { headers[name.rawValue.lowercased()] = value }
    let isForm = (headers["content-type"] ?? "").hasPrefix("application/x-www-form-urlencoded")
    return WebRequest(
      method: r.method.rawValue, path: String(parts.first ?? "/"),
      query: parts.count > 1 ? WebRequest.fields(String(parts[1])) : [:], headers: headers,
      form: isForm ? WebRequest.fields(String(decoding: body, as: UTF8.self)) : [:])
  }

  static func convert(_ r: WebResponse) -> HTTPResponse {
    var headers = HTTPHeaders()
    for (name, value) in r.headers { headers.addValue(value, for: HTTPHeader(name)) }
    return HTTPResponse(
      statusCode: HTTPStatusCode(r.status, phrase: phrase(r.status)), headers: headers,
      body: Data(r.body))
  }

  static func phrase(_ status: Int) -> String {
    switch status {
    case 200: "OK"
    case 303: "See Other"
    case 400: "Bad Request"
    case 403: "Forbidden"
    case 404: "Not Found"
    case 405: "Method Not Allowed"
    case 421: "Misdirected Request"
    default: status < 400 ? "OK" : "Error"
    }
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
