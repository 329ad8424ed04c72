import AcornHTTP
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A webhook receiver for the notification tests: one thread per connection, one request per
/// connection, bodies by `Content-Length`, on 127.0.0.1. Threads, not Swift concurrency, so a test
/// that blocks waiting for the `acorn` child process cannot starve it.
final class WebhookPeer: @unchecked Sendable {
  typealias Handler = @Sendable (HTTPRequest) -> HTTPResponse

  let handler: Handler
  var listener: Int32 = -1
  private(set) var port: UInt16 = 0
  let lock = NSLock()
  var running = false

  init(handler: @escaping Handler) {
    self.handler = handler
  }

  /// Binds 127.0.0.1:`port` (0: any free port) and starts accepting on a background thread.
  func start(port requested: UInt16 = 0) throws -> UInt16 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.EIO) }
    var yes: Int32 = 1
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = in_port_t(requested.bigEndian)
    let bound = withUnsafePointer(to: &addr) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard bound == 0, listen(fd, 64) == 0 else {
      close(fd)
      throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EADDRINUSE)
    }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &addr) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    listener = fd
    port = UInt16(bigEndian: addr.sin_port)
    running = true
    let thread = Thread { [self] in acceptLoop() }
    thread.start()
    return port
  }

  func stop() {
    lock.lock()
    running = false
    let fd = listener
    listener = -1
    lock.unlock()
    if fd >= 0 {
      shutdown(fd, Int32(SHUT_RDWR))
      close(fd)
    }
  }

  deinit { stop() }

  func acceptLoop() {
    while true {
      lock.lock()
      let fd = listener
      let on = running
      lock.unlock()
      guard on, fd >= 0 else { return }
      let client = accept(fd, nil, nil)
      if client < 0 {
        if errno == EINTR { continue }
        return
      }
      let thread = Thread { [self] in serve(client) }
      thread.start()
    }
  }

  func serve(_ fd: Int32) {
    defer { close(fd) }
    var timeout = timeval(tv_sec: 10, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var buffer: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 16_384)
    var headerEnd: Int?
    while headerEnd == nil {
      let n = read(fd, &chunk, chunk.count)
      if n <= 0 { return }
      buffer += chunk[0..<n]
      headerEnd = Self.find([13, 10, 13, 10], in: buffer)
      if buffer.count > 1_000_000 { return }
    }
    guard let end = headerEnd else { return }
    let head = String(decoding: buffer[0..<end], as: UTF8.self)
    var lines = head.components(separatedBy: "\r\n")
    let requestLine = lines.removeFirst().split(separator: " ")
    guard requestLine.count >= 2 else { return }
    var headers: [String: String] = [:]
    for line in lines {
      guard let colon = line.firstIndex(of: ":") else { continue }
      headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
        in: .whitespaces)
    }
    let length = Int(headers["content-length"] ?? "0") ?? 0
    var body = Array(buffer[(end + 4)...])
    while body.count < length {
      let n = read(fd, &chunk, chunk.count)
      if n <= 0 { break }
      body += chunk[0..<n]
    }
    let request = HTTPRequest(
      method: String(requestLine[0]), url: String(requestLine[1]), headers: headers, body: body)
    let response = handler(request)
    var text = "HTTP/1.1 \(response.status) \(Self.reason(response.status))\r\n"
    var out = response.headers
    out["content-length"] = String(response.body.count)
    out["connection"] = "close"
    if out["content-type"] == nil { out["content-type"] = "application/json" }
    for (k, v) in out.sorted(by: { $0.key < $1.key }) { text += "\(k): \(v)\r\n" }
    text += "\r\n"
    let bytes = Array(text.utf8) + response.body
    var sent = 0
    while sent < bytes.count {
      let n = bytes[sent...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
      if n <= 0 { return }
      sent += n
    }
  }

  static func find(_ needle: [UInt8], in hay: [UInt8]) -> Int? {
    guard hay.count >= needle.count else { return nil }
    for i in 0...(hay.count - needle.count)
    where hay[i] == needle[0] && Array(hay[i..<(i + needle.count)]) == needle {
      return i
    }
    return nil
  }

  static func reason(_ status: Int) -> String {
    switch status {
    case 200: "OK"
    case 400: "Bad Request"
    case 403: "Forbidden"
    case 404: "Not Found"
    case 429: "Too Many Requests"
    case 500: "Internal Server Error"
    case 503: "Service Unavailable"
    default: "Status"
    }
  }
}
