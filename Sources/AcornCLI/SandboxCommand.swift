import AcornHTTPServer
import AcornModel
import AcornSPAPI
import AcornSync
import AcornWorkspace
import ArgumentParser
import Foundation

struct SandboxCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sandbox",
    abstract: "The built-in sandbox vendor, served over HTTP like the SP-API.",
    subcommands: [SandboxServeCommand.self])
}

struct SandboxServeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "serve",
    abstract: "Serve the sandbox vendor at the SP-API paths and the LWA token path on 127.0.0.1.",
    discussion: """
      Enforces 7-day order windows, 90-day finance windows, marketplace ids, token expiry and rate limits \
      (token buckets; 429 with x-amzn-RateLimit-Limit). --faults injects failures, e.g. \
      --faults 429=0.2,500=0.05,truncate=0.05,empty-page=0.1,repeat-page=0.1,expire-token=1,slow=0.05. \
      Point acorn sync --source sp-api --endpoint http://127.0.0.1:PORT --token-endpoint \
      http://127.0.0.1:PORT/auth/o2/token at it (any non-empty credentials are accepted). Runs until stopped.
      """)

  @Option(help: "Port (0: any free port).") var port: UInt16 = 0
  @Option(help: "Sandbox seed.") var seed: UInt64 = 42
  @Option(
    name: .customLong("marketplace"), help: "Marketplaces to serve (repeatable; default US DE JP).")
  var marketplaces: [Marketplace] = []
  @Option(help: "First day of data (YYYY-MM-DD).") var since: String?
  @Option(help: "Data as of (YYYY-MM-DD; default today).") var until: String?
  @Option(
    help:
      "Faults: KIND=PROBABILITY,… (429, 500, 503, slow, truncate, empty-page, repeat-page, expire-token; for POSTs lost, accept-500, accept-slow, lag)."
  )
  var faults: String?
  @Option(help: "Requests per second per operation.") var rate: Double = 10
  @Option(help: "Burst per operation.") var burst: Double = 10
  @Option(help: "Documents per page.") var pageSize: Int = 10
  @Option(help: "Stop after this many seconds (0: run until killed).") var seconds: Double = 0

  func run() throws {
    let today = Int(Date().timeIntervalSince1970 / 86_400)
    let asOf = until.flatMap(SandboxVendor.day) ?? today
    let markets =
      marketplaces.isEmpty ? ["US", "DE", "JP"].compactMap { Marketplace($0) } : marketplaces
    let faultSpec: SandboxServer.Faults
    do {
      faultSpec =
        try faults.map { s throws(SPAPIError) in try SandboxServer.Faults(s) }
        ?? SandboxServer.Faults()
    } catch {
      throw ValidationError("\(error)")
    }
    let server = SandboxServer(
      vendor: SandboxVendor(seed: seed), marketplaces: markets,
      start: since.flatMap(SandboxVendor.day) ?? (asOf - 90),
      asOf: asOf, faults: faultSpec, rate: rate, burst: burst, pageSize: pageSize)
    Terminal.unblockStopSignals()
    let http = LoopbackServer { request in server.handle(request) }
    let bound = try http.start(port: port)
    Terminal.out(
      "sandbox SP-API listening on http://127.0.0.1:\(bound) (token path /auth/o2/token)")
    let deadline = seconds > 0 ? Date().addingTimeInterval(seconds) : Date.distantFuture
    while Date() < deadline { usleep(100_000) }
    http.stop()
    Terminal.out("served \(server.served) requests, \(server.throttled) throttled")
  }
}

/// Credentials: environment variables, else a per-user file with mode 0600. Never the workspace.
enum Credentials {
  /// The per-user credentials file, parsed, after its checks (not in the workspace, mode 0600);
  /// nil when there is none.
  static func file(_ file: String?, workspace: Workspace) throws -> (path: String, json: JSONValue)?
  {
    let env = ProcessInfo.processInfo.environment
    let home = env["HOME"] ?? NSHomeDirectory()
    let path = file ?? env["ACORN_CREDENTIALS_FILE"] ?? (home + "/.config/acorn/credentials.json")
    guard FileManager.default.fileExists(atPath: path) else { return nil }
    let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
    if absolute.hasPrefix(workspace.root + "/") {
      throw WorkspaceError(
        "credentials.in-workspace",
        "\(path) is inside the workspace; credentials must never be committed: move it to ~/.config/acorn/"
      )
    }
    var info = stat()
    guard stat(absolute, &info) == 0 else {
      throw WorkspaceError("credentials.read", "cannot read \(path)")
    }
    if info.st_mode & 0o077 != 0 {
      throw WorkspaceError(
        "credentials.permissions",
        "\(path) is readable by others (mode \(String(info.st_mode & 0o777, radix: 8))); run chmod 600 \(path)"
      )
    }
    guard let data = FileManager.default.contents(atPath: absolute),
      let json = try? JSONParser.parse([UInt8](data)).value
    else {
      throw WorkspaceError("credentials.format", "\(path) is not JSON")
    }
    return (path, json)
  }

  static func load(file: String?, workspace: Workspace) throws -> LWACredentials {
    let env = ProcessInfo.processInfo.environment
    if let id = env["ACORN_LWA_CLIENT_ID"], let secret = env["ACORN_LWA_CLIENT_SECRET"],
      let refresh = env["ACORN_LWA_REFRESH_TOKEN"]
    {
      return LWACredentials(clientId: id, clientSecret: secret, refreshToken: refresh)
    }
    guard let (path, json) = try Self.file(file, workspace: workspace) else {
      let home = env["HOME"] ?? NSHomeDirectory()
      let path = file ?? env["ACORN_CREDENTIALS_FILE"] ?? (home + "/.config/acorn/credentials.json")
      throw WorkspaceError(
        "credentials.missing",
        "no SP-API credentials: set ACORN_LWA_CLIENT_ID, ACORN_LWA_CLIENT_SECRET and ACORN_LWA_REFRESH_TOKEN, or write them to \(path) (mode 0600); see docs/sp-api.md"
      )
    }
    guard let id = json["clientId"]?.stringValue, let secret = json["clientSecret"]?.stringValue,
      let refresh = json["refreshToken"]?.stringValue
    else {
      throw WorkspaceError(
        "credentials.format",
        "\(path) must be JSON {\"clientId\", \"clientSecret\", \"refreshToken\"}")
    }
    return LWACredentials(clientId: id, clientSecret: secret, refreshToken: refresh)
  }
}
