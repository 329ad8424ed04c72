import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// `acorn serve` running as a user starts it (a child process on a free loopback port), spoken
/// to over a real socket: raw HTTP for the safety checks, Selenium driving headless Chromium for
/// what a person does by clicking.
final class Served {
  let process = Process()
  let port: Int
  let output: String

  init(
    _ ws: String, _ extra: [String] = [], name: String = "Web Person",
    email: String = "web@example.com"
  ) throws {
    process.executableURL = URL(fileURLWithPath: CLI.binary)
    process.arguments = ["serve", "--port", "0"] + extra
    process.currentDirectoryURL = URL(fileURLWithPath: ws)
    var env = ProcessInfo.processInfo.environment
    env["NO_COLOR"] = "1"
    env["ACORN_AUTHOR_NAME"] = name
    env["ACORN_AUTHOR_EMAIL"] = email
    process.environment = env
    let out = Pipe()
    process.standardOutput = out
    process.standardError = out
    try process.run()
    var text = ""
    let deadline = Date().addingTimeInterval(30)
    while !text.contains("Ctrl-C"), Date() < deadline {
      let chunk = out.fileHandleForReading.availableData
      if chunk.isEmpty { break }
      text += String(decoding: chunk, as: UTF8.self)
    }
    output = text
    guard let range = text.range(of: #":(\d+)/ "#, options: .regularExpression),
      let port = Int(text[range].dropFirst().dropLast(2))
    else {
      process.terminate()
      throw ServeTestError.notStarted(text)
    }
    self.port = port
  }

  /// Stops the server as Ctrl-C would (SIGTERM); it must go within ten seconds.
  deinit {
    process.terminate()
    let deadline = Date().addingTimeInterval(10)
    while process.isRunning, Date() < deadline { usleep(50_000) }
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    process.waitUntilExit()
  }

  var base: String { "http://127.0.0.1:\(port)" }
}

enum ServeTestError: Error { case notStarted(String), socket(String) }

/// HTTP/1.1 over a plain socket, so a test can send any Host or Origin it likes.
enum RawHTTP {
  struct Response {
    var status: Int
    var headers: [String: String]
    var body: String

    /// The session cookie the server set, as `name=value`.
    var cookie: String? {
      headers["set-cookie"].map { String($0.split(separator: ";")[0]) }
    }
    var csrf: String? {
      guard let r = body.range(of: #"name="csrf" value="[0-9a-f]+""#, options: .regularExpression)
      else { return nil }
      return String(body[r].split(separator: "\"")[3])
    }
  }

  static func send(
    _ port: Int, _ method: String, _ path: String, headers: [String: String] = [:],
    form: [String: String]? = nil
  ) throws -> Response {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw ServeTestError.socket("socket") }
    defer { close(fd) }
    var timeout = timeval(tv_sec: 20, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = in_port_t(UInt16(port).bigEndian)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &addr) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard connected == 0 else { throw ServeTestError.socket("connect") }
    var body = ""
    if let form {
      body = form.sorted { $0.key < $1.key }.map {
        "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0.value)"
      }.joined(separator: "&")
    }
    var head = "\(method) \(path) HTTP/1.1\r\n"
    var all = ["Host": "127.0.0.1:\(port)", "Connection": "close"]
    if form != nil {
      all["Content-Type"] = "application/x-www-form-urlencoded"
      all["Content-Length"] = "\(body.utf8.count)"
    }
    for (k, v) in headers { all[k] = v }
    for (k, v) in all.sorted(by: { $0.key < $1.key }) where !v.isEmpty { head += "\(k): \(v)\r\n" }
    let bytes = Array((head + "\r\n" + body).utf8)
    var sent = 0
    while sent < bytes.count {
      let n = bytes[sent...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
      guard n > 0 else { throw ServeTestError.socket("write") }
      sent += n
    }
    var data: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
      let n = read(fd, &buffer, buffer.count)
      if n <= 0 { break }
      data += buffer[0..<n]
      if let response = parse(data) { return response }
    }
    guard let response = parse(data, complete: true) else { throw ServeTestError.socket("read") }
    return response
  }

  static func parse(_ data: [UInt8], complete: Bool = false) -> Response? {
    let text = String(decoding: data, as: UTF8.self)
    guard let split = text.range(of: "\r\n\r\n") else { return nil }
    let lines = text[..<split.lowerBound].components(separatedBy: "\r\n")
    var headers: [String: String] = [:]
    for line in lines.dropFirst() {
      let kv = line.split(separator: ":", maxSplits: 1)
      if kv.count == 2 {
        headers[kv[0].lowercased()] = kv[1].trimmingCharacters(in: .whitespaces)
      }
    }
    let body = String(text[split.upperBound...])
    if let length = headers["content-length"].flatMap(Int.init), body.utf8.count < length,
      !complete
    {
      return nil
    }
    let status = Int(lines[0].split(separator: " ").dropFirst().first ?? "") ?? 0
    return Response(status: status, headers: headers, body: body)
  }
}

@Suite("acorn serve", .serialized)
struct ServeCLITests {
  static func git(_ args: [String], in dir: String) throws -> String {
    try MergeCLITests.git(args, in: dir).1.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// Ids of the sandbox's returns, sorted.
  static func returns(_ ws: String) throws -> [String] {
    try CLI.run(["list", "--kind", "return"], in: ws).stdout.split(separator: "\n")
      .map { String($0.split(separator: " ")[0]) }
  }

  @Test(
    "Host, Origin and CSRF checks: a foreign Host is refused, a POST from another site or without this session's token changes nothing",
    .timeLimit(.minutes(5)))
  func safety() throws {
    let dir = Folder()
    let ws = try ExportCLITests.sandbox(dir)
    let id = try Self.returns(ws)[0]
    let served = try Served(ws)
    #expect(served.output.contains("at http://127.0.0.1:"))
    let port = served.port

    let foreign = try RawHTTP.send(port, "GET", "/", headers: ["Host": "evil.example:\(port)"])
    #expect(foreign.status == 421)
    let rebinding = try RawHTTP.send(port, "GET", "/", headers: ["Host": "evil.example"])
    #expect(rebinding.status == 421)
    let page = try RawHTTP.send(
      port, "GET", "/records/\(id)", headers: ["Host": "localhost:\(port)"])
    #expect(page.status == 200)
    #expect(page.headers["content-security-policy"]?.contains("default-src 'none'") == true)
    #expect(page.headers["x-frame-options"] == "DENY")
    #expect(page.headers["set-cookie"]?.contains("HttpOnly; SameSite=Strict") == true)
    let cookie = try #require(page.cookie)
    let csrf = try #require(page.csrf)
    #expect(page.body.contains("data-move=\"authorized\""))

    let head = try Self.git(["rev-parse", "HEAD"], in: ws)
    let origin = "http://127.0.0.1:\(port)"
    let move = ["field": "workflow.state", "to": "authorized"]
    let attempts: [(String, [String: String], [String: String])] = [
      ("no Origin or Referer", ["Cookie": cookie], move.merging(["csrf": csrf]) { a, _ in a }),
      (
        "another site", ["Cookie": cookie, "Origin": "http://evil.example"],
        move.merging(["csrf": csrf]) { a, _ in a }
      ),
      (
        "another port", ["Cookie": cookie, "Origin": "http://127.0.0.1:1"],
        move.merging(["csrf": csrf]) { a, _ in a }
      ),
      ("no token", ["Cookie": cookie, "Origin": origin], move),
      (
        "a wrong token", ["Cookie": cookie, "Origin": origin],
        move.merging(["csrf": String(repeating: "0", count: 64)]) { a, _ in a }
      ),
      ("no session", ["Origin": origin], move.merging(["csrf": csrf]) { a, _ in a }),
    ]
    for (why, headers, form) in attempts {
      let r = try RawHTTP.send(port, "POST", "/records/\(id)/move", headers: headers, form: form)
      #expect(r.status == 403, "\(why): \(r.status) \(r.body)")
    }
    #expect(try Self.git(["rev-parse", "HEAD"], in: ws) == head)
    let put = try RawHTTP.send(port, "PUT", "/records/\(id)/move", headers: ["Cookie": cookie])
    #expect(put.status == 405)

    // The same request with everything right is made — so the refusals above were the checks.
    let ok = try RawHTTP.send(
      port, "POST", "/records/\(id)/move", headers: ["Cookie": cookie, "Origin": origin],
      form: move.merging(["csrf": csrf, "back": "/records/\(id)"]) { a, _ in a })
    #expect(ok.status == 303)
    #expect(ok.headers["location"] == "/records/\(id)")
    #expect(try Self.git(["rev-parse", "HEAD"], in: ws) != head)
    #expect(
      try Self.git(["log", "-1", "--format=%an <%ae>|%s"], in: ws)
        == "Web Person <web@example.com>|Set \(id) workflow.state=authorized")
    let after = try RawHTTP.send(port, "GET", "/records/\(id)", headers: ["Cookie": cookie])
    #expect(after.body.contains("data-flash=\"ok\""))
    #expect(after.body.contains("data-state=\"authorized\""))
    // "back" names a path on this server only: another host or a header break falls back.
    for back in ["//evil.example/x", "/\\evil.example", "/records\r\nSet-Cookie: x=1"] {
      let r = try RawHTTP.send(
        port, "POST", "/records/\(id)/note", headers: ["Cookie": cookie, "Origin": origin],
        form: ["csrf": csrf, "text": "", "back": back])
      #expect(r.headers["location"] == "/records/\(id)", "\(back)")
    }
    #expect(try Self.git(["status", "--porcelain"], in: ws) == "")
    #expect(try CLI.run(["validate"], in: ws).status == 0)
  }

  @Test(
    "refusals: moves the person's role does not allow are offered disabled with the reason and refused if posted; an illegal move is refused; a CLI change shows without a restart; a held workspace lock is reported",
    .timeLimit(.minutes(5)))
  func refusals() throws {
    let dir = Folder()
    let ws = try ExportCLITests.sandbox(dir)
    let ids = try Self.returns(ws)
    let (id, other) = (ids[0], ids[1])
    #expect(try CLI.run(["set", id, "workflow.state=authorized"], in: ws).status == 0)
    try """
    members:
      - {email: wang.fang@example.com, name: Wang Fang, roles: [ops, service]}
      - {email: li.na@example.com, name: Li Na, roles: [finance]}
      - {email: cli@example.com, name: CLI Test, roles: [admin, ops, finance, service]}

    """.write(toFile: ws + "/team.yaml", atomically: true, encoding: .utf8)
    #expect(try CLI.run(["commit", "-m", "team"], in: ws).status == 0)

    let unknown = try CLI.run(["serve", "--as", "nobody@example.com", "--port", "0"], in: ws)
    #expect(unknown.status != 0)
    #expect(unknown.stderr.contains("not a member of team.yaml"))

    let served = try Served(ws, ["--as", "wang.fang@example.com", "--lang", "zh-CN"])
    #expect(served.output.contains("as Wang Fang <wang.fang@example.com>"))
    let port = served.port
    let origin = "http://127.0.0.1:\(port)"
    let page = try RawHTTP.send(port, "GET", "/records/\(id)")
    #expect(page.body.contains("<html lang=\"zh-CN\">"))
    #expect(page.body.contains("流程"))
    let cookie = try #require(page.cookie)
    let csrf = try #require(page.csrf)
    // ops may receive the return; writing it off needs finance: offered disabled, with the reason.
    #expect(page.body.contains("<button type=\"submit\" data-move=\"received\">"))
    #expect(page.body.contains("<button type=\"button\" disabled data-move=\"written-off\">"))
    #expect(page.body.contains("needs the role finance (wang.fang@example.com has ops, service)"))

    let head = try Self.git(["rev-parse", "HEAD"], in: ws)
    func post(_ path: String, _ form: [String: String]) throws -> String {
      let r = try RawHTTP.send(
        port, "POST", path, headers: ["Cookie": cookie, "Origin": origin],
        form: form.merging(["csrf": csrf]) { a, _ in a })
      #expect(r.status == 303)
      return try RawHTTP.send(
        port, "GET", r.headers["location"] ?? "/", headers: ["Cookie": cookie]
      )
      .body
    }
    let forbidden = try post(
      "/records/\(id)/move", ["field": "workflow.state", "to": "written-off"])
    #expect(forbidden.contains("data-flash=\"error\""))
    #expect(forbidden.contains("needs the role finance"))
    let illegal = try post("/records/\(id)/move", ["field": "workflow.state", "to": "notified"])
    #expect(illegal.contains("data-flash=\"error\""))
    #expect(illegal.contains("cannot move \(id) workflow.state from authorized to notified"))
    let badDate = try post("/records/\(id)/follow-up", ["date": "2026-02-30"])
    #expect(badDate.contains("data-flash=\"error\""))
    #expect(try Self.git(["rev-parse", "HEAD"], in: ws) == head)

    // A change made with the CLI meanwhile shows on the next page load.
    #expect(try CLI.run(["set", other, "workflow.assignee=li.na@example.com"], in: ws).status == 0)
    let fresh = try RawHTTP.send(port, "GET", "/records/\(other)", headers: ["Cookie": cookie])
    #expect(fresh.body.contains("<option value=\"li.na@example.com\" selected>"))

    // Another acorn process holds the workspace lock: the page says so and nothing changes.
    let cliHead = try Self.git(["rev-parse", "HEAD"], in: ws)
    let fd = open(ws + "/.acorn/lock", O_RDWR | O_CREAT, 0o644)
    #expect(flock(fd, LOCK_EX) == 0)
    let locked = try post("/records/\(id)/note", ["text": "called the carrier"])
    flock(fd, LOCK_UN)
    close(fd)
    #expect(locked.contains("another acorn process"))
    #expect(try Self.git(["rev-parse", "HEAD"], in: ws) == cliHead)

    // Allowed actions commit as the person.
    let noted = try post("/records/\(id)/note", ["text": "called the carrier"])
    #expect(noted.contains("data-flash=\"ok\""))
    #expect(noted.contains("called the carrier"))
    let received = try post("/records/\(id)/move", ["field": "workflow.state", "to": "received"])
    #expect(received.contains("data-state=\"received\""))
    #expect(
      try Self.git(["log", "-2", "--format=%an|%s"], in: ws)
        == "Wang Fang|Set \(id) workflow.state=received\nWang Fang|Set \(id) note")
    #expect(try CLI.run(["validate"], in: ws).status == 0)
  }

  /// Polls a job's page until it has ended; its final page.
  static func finished(_ port: Int, _ location: String, cookie: String) throws -> String {
    let deadline = Date().addingTimeInterval(120)
    while Date() < deadline {
      let page = try RawHTTP.send(port, "GET", location, headers: ["Cookie": cookie]).body
      if page.contains("data-job=\"running\"") {
        #expect(page.contains("<meta http-equiv=\"refresh\" content=\"1\">"))
        usleep(200_000)
        continue
      }
      #expect(!page.contains("http-equiv=\"refresh\""))
      return page
    }
    Issue.record("job at \(location) did not finish")
    return ""
  }

  @Test(
    "long actions as jobs with a progress page: pull brings a teammate's commit, push publishes the person's, reconcile commits results, sync runs when serve was given a source (and is refused otherwise); documents linked by hand; a merge concluded from the page",
    .timeLimit(.minutes(6)))
  func jobs() throws {
    let dir = Folder()
    let ws = try ExportCLITests.sandbox(dir)
    #expect(try Self.git(["clone", "-q", "--bare", ws, "remote.git"], in: dir.path) == "")
    for clone in ["a", "b"] {
      #expect(try CLI.run(["clone", dir.path + "/remote.git", clone], in: dir.path).status == 0)
    }
    let (a, b) = (dir.path + "/a", dir.path + "/b")
    let ids = try Self.returns(a)
    #expect(try CLI.run(["set", ids[0], "workflow.state=authorized"], in: a).status == 0)
    #expect(try CLI.run(["push"], in: a).status == 0)
    let teammate = try Self.git(["rev-parse", "HEAD"], in: a)

    let served = try Served(b, ["--sync-source", "sandbox"])
    let port = served.port
    let origin = "http://127.0.0.1:\(port)"
    let home = try RawHTTP.send(port, "GET", "/")
    #expect(home.body.contains("data-action=\"sync\""))
    let cookie = try #require(home.cookie)
    let csrf = try #require(home.csrf)
    func post(_ path: String, _ form: [String: String] = [:]) throws -> String {
      let r = try RawHTTP.send(
        port, "POST", path, headers: ["Cookie": cookie, "Origin": origin],
        form: form.merging(["csrf": csrf]) { x, _ in x })
      #expect(r.status == 303)
      return r.headers["location"] ?? "/"
    }

    let pull = try post("/actions/pull")
    #expect(pull.hasPrefix("/jobs/"))
    let pulled = try Self.finished(port, pull, cookie: cookie)
    #expect(pulled.contains("data-job=\"done\""), "\(pulled)")
    #expect(try Self.git(["rev-parse", "HEAD"], in: b) == teammate)

    #expect(try post("/records/\(ids[1])/note", ["text": "from the web"]).hasPrefix("/records/"))
    let pushed = try Self.finished(port, try post("/actions/push"), cookie: cookie)
    #expect(pushed.contains("data-job=\"done\""), "\(pushed)")
    #expect(
      try Self.git(["rev-parse", "main"], in: dir.path + "/remote.git")
        == (try Self.git(["rev-parse", "HEAD"], in: b)))

    let reconciled = try Self.finished(port, try post("/actions/reconcile"), cookie: cookie)
    #expect(reconciled.contains("data-job=\"done\""), "\(reconciled)")
    #expect(reconciled.contains("Invoices: "))
    #expect(
      try Self.git(["log", "-1", "--format=%an|%s"], in: b).hasPrefix("Web Person|Reconcile as of"))
    #expect(FileManager.default.fileExists(atPath: b + "/reconciliation"))

    let synced = try Self.finished(port, try post("/actions/sync"), cookie: cookie)
    #expect(synced.contains("data-job=\"done\""), "\(synced)")
    #expect(synced.contains("vendor-central:"))
    #expect(synced.contains("sync: "))

    // Linking by hand: a deduction to an invoice, as acorn match does.
    let deduction = try CLI.run(["list", "--kind", "deduction"], in: b).stdout.split(
      separator: " ")[0]
    let invoice = try CLI.run(["list", "--kind", "invoice"], in: b).stdout.split(separator: " ")[0]
    let linked = try RawHTTP.send(
      port, "GET",
      try post("/records/\(deduction)/link", ["to": "invoice", "ref": String(invoice)]),
      headers: ["Cookie": cookie]
    ).body
    #expect(linked.contains("data-flash=\"ok\""), "\(linked)")
    #expect(
      try CLI.run(["show", String(deduction), "--json"], in: b).stdout.contains("\"\(invoice)\""))
    let wrong = try RawHTTP.send(
      port, "GET",
      try post("/records/\(deduction)/link", ["to": "return", "ref": String(invoice)]),
      headers: ["Cookie": cookie]
    ).body
    #expect(wrong.contains("is a invoice, not a return") || wrong.contains("not a return"))
    #expect(try CLI.run(["validate"], in: b).status == 0)
    #expect(try Self.git(["status", "--porcelain"], in: b) == "")

    // Without --sync-source there is no sync button, and a posted sync is refused.
    let plain = try Served(a)
    let page = try RawHTTP.send(plain.port, "GET", "/")
    #expect(!page.body.contains("data-action=\"sync\""))
    let refused = try RawHTTP.send(
      plain.port, "POST", "/actions/sync",
      headers: ["Cookie": try #require(page.cookie), "Origin": "http://127.0.0.1:\(plain.port)"],
      form: ["csrf": try #require(page.csrf), "back": "/"])
    let after = try RawHTTP.send(
      plain.port, "GET", refused.headers["location"] ?? "/", headers: ["Cookie": page.cookie ?? ""])
    #expect(after.body.contains("--sync-source"))
  }

  @Test(
    "a merge left in progress is concluded from the conflicts page once its conflicts are settled")
  func concludeMerge() throws {
    let dir = Folder()
    let ws = try ExportCLITests.sandbox(dir)
    let id = try Self.returns(ws)[0]
    _ = try Self.git(["branch", "other"], in: ws)
    #expect(try CLI.run(["set", id, "workflow.state=authorized"], in: ws).status == 0)
    _ = try Self.git(["checkout", "-q", "other"], in: ws)
    #expect(try CLI.run(["set", id, "workflow.state=rejected"], in: ws).status == 0)
    _ = try Self.git(["checkout", "-q", "main"], in: ws)
    #expect(try CLI.run(["merge", "other"], in: ws).status == 1)
    let served = try Served(ws)
    let port = served.port
    let page = try RawHTTP.send(port, "GET", "/conflicts")
    #expect(page.body.contains("data-merge=\"in-progress\""))
    let cookie = try #require(page.cookie)
    let csrf = try #require(page.csrf)
    func post(_ path: String, _ form: [String: String]) throws -> String {
      let r = try RawHTTP.send(
        port, "POST", path, headers: ["Cookie": cookie, "Origin": "http://127.0.0.1:\(port)"],
        form: form.merging(["csrf": csrf, "back": "/conflicts"]) { x, _ in x })
      return try RawHTTP.send(
        port, "GET", r.headers["location"] ?? "/", headers: ["Cookie": cookie]
      ).body
    }
    // The list marks exactly the conflicted record, and filters to it.
    let all = try RawHTTP.send(port, "GET", "/records?kind=return", headers: ["Cookie": cookie])
      .body
    #expect(all.components(separatedBy: "data-conflicted").count == 2)
    let only = try RawHTTP.send(port, "GET", "/records?conflicts=1", headers: ["Cookie": cookie])
      .body
    #expect(only.contains("data-count=\"1\""))
    #expect(only.contains("data-record=\"\(id)\""))
    // A kind that is none filters to nothing and says which kinds there are.
    let bogus = try RawHTTP.send(port, "GET", "/records?kind=bogus", headers: ["Cookie": cookie])
      .body
    #expect(bogus.contains("data-unknown-kind") && bogus.contains("data-count=\"0\""))
    #expect(bogus.contains("the kinds are purchase-order, shipment, invoice"), "\(bogus)")
    let early = try post("/actions/conclude-merge", [:])
    #expect(early.contains("1 conflicts are still open"))
    let resolved = try post(
      "/records/\(id)/resolve", ["field": "workflow.state", "choice": "ours"])
    #expect(resolved.contains("conclude"))
    let concluded = try post("/actions/conclude-merge", [:])
    #expect(concluded.contains("Merge concluded"), "\(concluded)")
    #expect(!concluded.contains("data-merge=\"in-progress\""))
    #expect(try Self.git(["log", "-1", "--format=%P"], in: ws).split(separator: " ").count == 2)
    #expect(try CLI.run(["validate"], in: ws).status == 0)
    #expect(try Self.git(["status", "--porcelain"], in: ws) == "")
  }

  @Test(
    "sessions are bounded: a thousand cookie-less requests later, the oldest session is forgotten")
  func sessionsBounded() throws {
    let dir = Folder()
    #expect(try CLI.run(["init", "ws", "--marketplace", "US"], in: dir.path).status == 0)
    let served = try Served(dir.path + "/ws")
    let port = served.port
    let page = try RawHTTP.send(port, "GET", "/history")
    let cookie = try #require(page.cookie)
    let csrf = try #require(page.csrf)
    let form = ["csrf": csrf, "text": "kept?", "back": "/history"]
    let origin = ["Cookie": cookie, "Origin": "http://127.0.0.1:\(port)"]
    // Still known after a few strangers…
    for _ in 0..<10 { _ = try RawHTTP.send(port, "GET", "/favicon.svg") }
    #expect(
      try RawHTTP.send(port, "POST", "/actions/conclude-merge", headers: origin, form: form).status
        == 303)
    // …forgotten after a thousand: its token no longer opens anything.
    for _ in 0..<1_000 { _ = try RawHTTP.send(port, "GET", "/favicon.svg") }
    #expect(
      try RawHTTP.send(port, "POST", "/actions/conclude-merge", headers: origin, form: form).status
        == 403)
  }

  @Test("--listen beyond loopback warns; the default listens on 127.0.0.1 only")
  func listen() throws {
    let dir = Folder()
    #expect(try CLI.run(["init", "ws", "--marketplace", "US"], in: dir.path).status == 0)
    let ws = dir.path + "/ws"
    let local = try Served(ws)
    #expect(local.output.contains("http://127.0.0.1:\(local.port)/"))
    #expect(!local.output.contains("warning"))
    // Not reachable on another local address (the wildcard's 127.0.0.2 is loopback too, but the
    // socket is bound to 127.0.0.1 exactly).
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = in_port_t(UInt16(local.port).bigEndian)
    addr.sin_addr.s_addr = inet_addr("127.0.0.2")
    let connected = withUnsafePointer(to: &addr) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    close(fd)
    #expect(connected != 0)
    let wide = try Served(ws, ["--listen", "0.0.0.0"])
    #expect(wide.output.contains("warning: listening on 0.0.0.0"))
    // An address with a port is refused before anything listens, with the command to type (it
    // had been bound as a host name "0.0.0.0:8080:8421", failing on an IPv6 parse error).
    for (address, hint) in [
      ("0.0.0.0:8080", "--listen 0.0.0.0 --port 8080"), ("[::1]:9000", "--listen ::1 --port 9000"),
    ] {
      let refused = try CLI.run(["serve", "--listen", address], in: ws)
      #expect(refused.status == 2, "\(refused.status)")
      #expect(
        refused.stderr.contains("--listen takes an address without a port"), "\(refused.stderr)")
      #expect(refused.stderr.contains(hint), "\(refused.stderr)")
      #expect(!refused.stderr.contains("warning: listening"))
    }
  }
}
