import AcornHTTPServer
import AcornModel
import AcornSPAPI
import AcornSandbox
import AcornSync
import AcornWorkspace
import ArgumentParser
import Foundation

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
    let asOf = until.flatMap(CivilDate.day) ?? today
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
      start: since.flatMap(CivilDate.day) ?? (asOf - 90),
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
