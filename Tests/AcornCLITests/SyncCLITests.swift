import AcornModel
import Foundation
import Testing

/// `acorn sandbox serve` and `acorn sync --source sp-api` as processes: a sync killed mid-run
/// leaves the workspace as it was, and the rerun converges to the same bytes.
@Suite("acorn sync through the CLI", .serialized)
struct SyncCLITests {
  static func start(_ args: [String]) throws -> (Process, Pipe) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CLI.binary)
    process.arguments = args
    var env = ProcessInfo.processInfo.environment
    env["ACORN_LWA_CLIENT_ID"] = "client"
    env["ACORN_LWA_CLIENT_SECRET"] = "secret"
    env["ACORN_LWA_REFRESH_TOKEN"] = "Atzr|test"
    env["ACORN_AUTHOR_NAME"] = "Sync"
    env["ACORN_AUTHOR_EMAIL"] = "sync@example.com"
    process.environment = env
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    try process.run()
    return (process, out)
  }

  /// Starts `sandbox serve` and reads the port it prints.
  static func serve(_ extra: [String]) throws -> (Process, String) {
    let (p, out) = try start(
      [
        "sandbox", "serve", "--seed", "5", "--since", "2026-05-01", "--until", "2026-05-20",
        "--marketplace", "US", "--seconds", "120",
      ] + extra)
    var line = ""
    let handle = out.fileHandleForReading
    while !line.contains("\n") {
      let d = handle.availableData
      if d.isEmpty { break }
      line += String(decoding: d, as: UTF8.self)
    }
    let url = line.split(separator: " ").first { $0.hasPrefix("http://") }.map { String($0) } ?? ""
    return (p, url)
  }

  static func sync(_ ws: String, _ url: String) -> [String] {
    [
      "sync", "-C", ws, "--source", "sp-api", "--endpoint", url, "--token-endpoint",
      url + "/auth/o2/token", "--marketplace", "US", "--since", "2026-05-01", "--until",
      "2026-05-20",
    ]
  }

  static func files(_ ws: String) -> [String: Data] {
    var out: [String: Data] = [:]
    let walker = FileManager.default.enumerator(atPath: ws)
    while let rel = walker?.nextObject() as? String {
      if rel.hasPrefix(".git") || rel.hasPrefix(".acorn") { continue }
      if let d = FileManager.default.contents(atPath: ws + "/" + rel) { out[rel] = d }
    }
    return out
  }

  @Test(
    "a killed sync leaves the workspace as it was; the rerun gives the same bytes as an uninterrupted one"
  )
  func killAndResume() throws {
    let dir = Folder()
    let (server, url) = try Self.serve(["--faults", "slow=0.5"])
    defer { server.terminate() }
    #expect(url.hasPrefix("http://127.0.0.1:"))
    for name in ["killed", "clean"] {
      #expect(try CLI.run(["init", name, "--marketplace", "US"], in: dir.path).status == 0)
    }
    let killed = dir.path + "/killed"
    let before = Self.files(killed)
    let head = try CLI.run(["log", "-n", "1", "--json"], in: killed).stdout
    let (sync, _) = try Self.start(Self.sync(killed, url))
    // Kill it mid-run: only once the sandbox has served it purchase orders (so the kill cannot
    // land before any work), and well before it could finish (slow answers, a month to read).
    var served = 0
    var polls = 0
    while served < 1 && polls < 200 {
      polls += 1
      usleep(50_000)
      served = Self.requestsServed(url, operation: "getPurchaseOrders")
    }
    #expect(served >= 1, "the sync never reached Amazon")
    kill(sync.processIdentifier, SIGKILL)
    sync.waitUntilExit()
    #expect(
      sync.terminationReason == .uncaughtSignal, "the sync finished before it could be killed")
    #expect(Self.files(killed) == before)
    #expect(try CLI.run(["log", "-n", "1", "--json"], in: killed).stdout == head)
    // The killed process left its lock behind; a rerun takes it over (its pid is gone).
    let resumed = try CLI.run(
      Self.sync(killed, url), in: dir.path,
      environment: [
        "ACORN_LWA_CLIENT_ID": "c", "ACORN_LWA_CLIENT_SECRET": "s", "ACORN_LWA_REFRESH_TOKEN": "r",
      ])
    #expect(resumed.status == 0, "\(resumed.stderr)")
    let clean = try CLI.run(
      Self.sync(dir.path + "/clean", url), in: dir.path,
      environment: [
        "ACORN_LWA_CLIENT_ID": "c", "ACORN_LWA_CLIENT_SECRET": "s", "ACORN_LWA_REFRESH_TOKEN": "r",
      ])
    #expect(clean.status == 0)
    let a = Self.files(killed).filter { $0.key.hasPrefix("records/") || $0.key.hasPrefix("sync/") }
    let b = Self.files(dir.path + "/clean").filter {
      $0.key.hasPrefix("records/") || $0.key.hasPrefix("sync/")
    }
    #expect(!a.isEmpty)
    #expect(a == b)
    #expect(try CLI.run(["validate", "killed"], in: dir.path).status == 0)
  }

  /// Requests the sandbox has served for one operation (`/sandbox/stats`).
  static func requestsServed(_ url: String, operation: String) -> Int {
    guard let stats = try? RawHTTP.send(OutboundCLITests.port(url), "GET", "/sandbox/stats"),
      let json = try? JSONParser.parse(Array(stats.body.utf8)).value
    else { return 0 }
    return json["operations"]?[operation]?["requests"]?.intValue ?? 0
  }

  @Test("credentials: a file readable by others is refused; none at all is a clear error")
  func credentials() throws {
    let dir = Folder()
    #expect(try CLI.run(["init", "ws", "--marketplace", "US"], in: dir.path).status == 0)
    let file = dir.path + "/creds.json"
    try #"{"clientId":"a","clientSecret":"b","refreshToken":"Atzr|c"}"#.write(
      toFile: file, atomically: true, encoding: .utf8)
    chmod(file, 0o644)
    let open = try CLI.run(
      [
        "sync", "-C", "ws", "--source", "sp-api", "--credentials", file, "--endpoint",
        "http://127.0.0.1:9",
      ], in: dir.path, environment: ["HOME": dir.path])
    #expect(open.status == 2)
    #expect(open.stderr.contains("chmod 600"))
    let none = try CLI.run(
      ["sync", "-C", "ws", "--source", "sp-api", "--endpoint", "http://127.0.0.1:9"], in: dir.path,
      environment: ["HOME": dir.path])
    #expect(none.status == 2)
    #expect(none.stderr.contains("ACORN_LWA_CLIENT_ID"))
  }
}
