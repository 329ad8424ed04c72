import AcornHTTP
import FlyingFox
import FlyingSocks
import Foundation

/// Acorn's one HTTP server, on FlyingFox: `acorn serve`'s web workspace and the sandbox SP-API
/// (`acorn sandbox serve`, `acorn demo`). A handler takes an `AcornHTTP.HTTPRequest` and returns an
/// `AcornHTTP.HTTPResponse`; handlers run on a concurrent dispatch queue, off Swift's cooperative
/// threads, so a slow one (a page waiting for the workspace lock, a sandbox answering late) never
/// holds up the others. Listens on 127.0.0.1 unless another address is given.
///
/// A response carrying `HTTPResponse.dropConnectionHeader` is never delivered: its headers go out,
/// its body fails, and the connection closes — a lost answer, for the sandbox's faults.
public final class LoopbackServer: @unchecked Sendable {
  public typealias Handler = @Sendable (AcornHTTP.HTTPRequest) -> AcornHTTP.HTTPResponse

  let host: String
  let handler: Handler
  let queue = DispatchQueue(label: "acorn.http.handlers", attributes: .concurrent)
  let lock = NSLock()
  var task: Task<Void, Never>?

  public init(host: String = "127.0.0.1", handler: @escaping Handler) {
    self.host = host
    self.handler = handler
  }

  /// Serves until the calling task is cancelled; `onListening` gets the port actually bound (port
  /// 0 picks a free one) once requests can be made.
  public func run(port: UInt16, onListening: @escaping @Sendable (Int) -> Void) async throws {
    let address: any SocketAddress =
      host.contains(":")
      ? try sockaddr_in6.inet6(ip6: host, port: port)
      : try sockaddr_in.inet(ip4: host == "localhost" ? "127.0.0.1" : host, port: port)
    let server = FlyingFox.HTTPServer(
      address: address, timeout: 60, logger: DisabledLogger.disabled)
    let handler = self.handler
    let queue = self.queue
    await server.appendRoute("*") { request in
      let body = try await request.bodyData
      let value = Self.request(request, body: body)
      let response = await withCheckedContinuation { continuation in
        queue.async { continuation.resume(returning: handler(value)) }
      }
      return Self.response(response)
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
    onListening(bound)
    try await withTaskCancellationHandler {
      try await running.value
    } onCancel: {
      running.cancel()
    }
  }

  /// For synchronous callers (a command's `run`, not on a cooperative thread): starts serving in
  /// the background and returns the bound port once it listens.
  public func start(port: UInt16 = 0) throws -> UInt16 {
    let ready = DispatchSemaphore(value: 0)
    let result = Box()
    let task = Task.detached { [self] in
      do {
        try await run(port: port) { bound in
          result.set(.success(bound))
          ready.signal()
        }
      } catch {
        if result.get() == nil {
          result.set(.failure(error))
          ready.signal()
        }
      }
    }
    lock.withLock { self.task = task }
    guard ready.wait(timeout: .now() + 15) == .success, let outcome = result.get() else {
      task.cancel()
      throw HTTPError.timeout("the server to listen on \(host):\(port)")
    }
    return UInt16(try outcome.get())
  }

  /// Stops a server started with `start`.
  public func stop() {
    let task = lock.withLock { () -> Task<Void, Never>? in
      defer { self.task = nil }
      return self.task
    }
    task?.cancel()
  }

  deinit { task?.cancel() }

  final class Box: @unchecked Sendable {
    let lock = NSLock()
    var value: Result<Int, any Error>?
    func set(_ v: Result<Int, any Error>) { lock.withLock { value = v } }
    func get() -> Result<Int, any Error>? { lock.withLock { value } }
  }

  static func request(_ r: FlyingFox.HTTPRequest, body: Data) -> AcornHTTP.HTTPRequest {
    var headers: [String: String] = [:]
    for (name, value) in r.headers { headers[name.rawValue.lowercased()] = value }
    return AcornHTTP.HTTPRequest(
      method: r.method.rawValue, url: r.target.rawValue, headers: headers, body: Array(body))
  }

  static func response(_ r: AcornHTTP.HTTPResponse) -> FlyingFox.HTTPResponse {
    var headers = HTTPHeaders()
    for (name, value) in r.headers where name != AcornHTTP.HTTPResponse.dropConnectionHeader {
      headers.addValue(value, for: HTTPHeader(name))
    }
    if headers[HTTPHeader("content-type")] == nil {
      headers.addValue("application/json", for: HTTPHeader("content-type"))
    }
    let status = HTTPStatusCode(r.status, phrase: phrase(r.status))
    if r.headers[AcornHTTP.HTTPResponse.dropConnectionHeader] != nil {
      // Promise a body, then fail it: the client gets no answer it can use.
      return FlyingFox.HTTPResponse(
        statusCode: status, headers: headers,
        body: HTTPBodySequence(from: FailingBytes(), count: max(1, r.body.count)))
    }
    return FlyingFox.HTTPResponse(statusCode: status, headers: headers, body: Data(r.body))
  }

  static func phrase(_ status: Int) -> String {
    switch status {
    case 200: "OK"
    case 202: "Accepted"
    case 303: "See Other"
    case 400: "Bad Request"
    case 401: "Unauthorized"
    case 403: "Forbidden"
    case 404: "Not Found"
    case 405: "Method Not Allowed"
    case 421: "Misdirected Request"
    case 429: "Too Many Requests"
    case 500: "Internal Server Error"
    case 503: "Service Unavailable"
    default: status < 400 ? "OK" : "Error"
    }
  }
}

/// A body whose first read fails.
struct FailingBytes: AsyncBufferedSequence {
  typealias Element = UInt8

  struct Dropped: Error {}

  struct AsyncIterator: AsyncBufferedIteratorProtocol {
    mutating func next() async throws -> UInt8? { throw Dropped() }
    mutating func nextBuffer(suggested count: Int) async throws -> [UInt8]? { throw Dropped() }
  }

  func makeAsyncIterator() -> AsyncIterator { AsyncIterator() }
}
