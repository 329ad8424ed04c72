import Foundation

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// A failed exchange: no answer, or none in time.
public enum HTTPError: Error, Sendable, Equatable, CustomStringConvertible {
  case transport(String)
  case timeout(String)

  public var description: String {
    switch self {
    case .transport(let m): "network error: \(m)"
    case .timeout(let u): "timed out waiting for \(u)"
    }
  }
}

/// An HTTP request as a value.
public struct HTTPRequest: Sendable, Hashable {
  public var method: String
  public var url: String
  public var headers: [String: String]
  public var body: [UInt8]

  public init(method: String, url: String, headers: [String: String] = [:], body: [UInt8] = []) {
    self.method = method
    self.url = url
    self.headers = headers
    self.body = body
  }
}

/// An HTTP response as a value; header names are lower-cased.
public struct HTTPResponse: Sendable, Hashable {
  /// A server never delivers a response with this header: the connection closes instead (the
  /// sandbox's "lost answer" fault).
  public static let dropConnectionHeader = "x-acorn-drop-connection"

  public var status: Int
  public var headers: [String: String]
  public var body: [UInt8]

  public init(status: Int, headers: [String: String] = [:], body: [UInt8] = []) {
    self.status = status
    self.headers = Dictionary(
      headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
    self.body = body
  }
}

/// What the client sends requests through: URLSession in production, a script in tests.
public protocol HTTPTransport: Sendable {
  func send(_ request: HTTPRequest, timeout: Double) throws -> HTTPResponse
}

/// A transport over URLSession (FoundationNetworking on Linux), blocking the calling thread.
public final class URLSessionTransport: HTTPTransport, @unchecked Sendable {
  let session: URLSession

  public init() {
    let config = URLSessionConfiguration.ephemeral
    config.httpShouldSetCookies = false
    config.urlCache = nil
    session = URLSession(configuration: config)
  }

  public func send(_ request: HTTPRequest, timeout: Double) throws -> HTTPResponse {
    guard let url = URL(string: request.url) else {
      throw HTTPError.transport("invalid URL \(request.url)")
    }
    var r = URLRequest(url: url, timeoutInterval: timeout)
    r.httpMethod = request.method
    for (k, v) in request.headers { r.setValue(v, forHTTPHeaderField: k) }
    if !request.body.isEmpty { r.httpBody = Data(request.body) }
    let done = DispatchSemaphore(value: 0)
    final class Box: @unchecked Sendable {
      var result: Result<HTTPResponse, HTTPError> = .failure(.transport("no response"))
    }
    let box = Box()
    let task = session.dataTask(with: r) { data, response, error in
      if let error {
        let timedOut = (error as? URLError)?.code == .timedOut
        box.result = .failure(
          timedOut ? .timeout(request.url) : .transport("\(error.localizedDescription)"))
      } else if let http = response as? HTTPURLResponse {
        var headers: [String: String] = [:]
        for (k, v) in http.allHeaderFields { headers["\(k)".lowercased()] = "\(v)" }
        box.result = .success(
          HTTPResponse(status: http.statusCode, headers: headers, body: [UInt8](data ?? Data())))
      }
      done.signal()
    }
    task.resume()
    if done.wait(timeout: .now() + timeout + 5) == .timedOut {
      task.cancel()
      throw HTTPError.timeout(request.url)
    }
    return try box.result.get()
  }
}
