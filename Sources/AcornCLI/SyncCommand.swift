import AcornGit
import AcornModel
import AcornSPAPI
import AcornSandbox
import AcornSync
import AcornWorkspace
import ArgumentParser
import Foundation

struct SyncCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sync",
    abstract:
      "Bring Vendor Central's documents into the workspace (the vendor-central branch, then a merge).",
    discussion: """
      Writes records only on the vendor-central branch — one commit per run, with the cursor of each \
      source and marketplace in sync/<source>.json beside them, so any clone continues where the last \
      sync stopped — then merges vendor-central into the current branch: Amazon wins source, the team \
      keeps workflow. A run with nothing new makes no commit. --source sandbox (the default) is a \
      built-in deterministic vendor: the same seed and dates give the same bytes.
      """)

  enum Source: String, ExpressibleByArgument, CaseIterable {
    case sandbox
    case spAPI = "sp-api"
  }

  @OptionGroup var workspaceOptions: WorkspaceOptions
  @OptionGroup var output: OutputOptions

  @Option(help: "sandbox (built-in, no credentials) or sp-api.")
  var source: Source = .sandbox

  @Option(help: "Sandbox seed (default: acorn.yaml sources.sandbox.seed, else 42).")
  var seed: UInt64?

  @Option(
    name: .customLong("marketplace"),
    help: "Marketplace to sync (repeatable; default: acorn.yaml marketplaces).")
  var marketplaces: [Marketplace] = []

  @Option(
    help:
      "First day to read (YYYY-MM-DD; default: where the last sync started, else 90 days before --until)."
  )
  var since: String?

  @Option(
    help: "Sync data as of this day (YYYY-MM-DD; default: today, UTC; a future day means today).")
  var until: String?

  @Option(help: "SP-API host (default: the region's, from the marketplaces).")
  var endpoint: String?

  @Option(help: "LWA token URL (default https://api.amazon.com/auth/o2/token).")
  var tokenEndpoint: String?

  @Option(help: "Per-user credentials file (default ~/.config/acorn/credentials.json, mode 0600).")
  var credentials: String?

  func validate() throws {
    for (name, value) in [("--since", since), ("--until", until)] {
      if let value, CivilDate.day(value) == nil {
        throw ValidationError(
          "\(name) takes a calendar date YYYY-MM-DD that exists, not \"\(value)\"")
      }
    }
    if let s = since.flatMap(CivilDate.day), let u = until.flatMap(CivilDate.day), s > u {
      throw ValidationError("--since \(since ?? "") is after --until \(until ?? ""); swap them")
    }
  }

  static func json(_ m: SyncReport.Market) -> JSONValue {
    .object([
      "marketplace": .string(m.marketplace), "since": .string(m.since), "until": .string(m.until),
      "new": .number(DecimalNumber(m.new)), "changed": .number(DecimalNumber(m.changed)),
      "unchanged": .number(DecimalNumber(m.unchanged)),
      "older": .number(DecimalNumber(m.older)),
    ])
  }

  func run() throws {
    var workspace = try Workspace(at: workspaceOptions.workspace)
    let line = Terminal.ProgressLine.onTerminal()
    workspace.progress = line?.handler
    let report = try perform(workspace, author: Author.signature(workspace)) { text in
      line?.note(text)
    }
    line?.finish()
    try render(report)
  }

  /// The sync these options describe, reporting progress lines through `note` (the terminal's
  /// progress line, or `acorn serve`'s job page).
  func perform(
    _ workspace: Workspace, author: Signature, note: @escaping @Sendable (String) -> Void
  ) throws -> SyncReport {
    let settings = try workspace.settings()
    let configured = (settings["marketplaces"]?.arrayValue ?? []).compactMap { v in
      v.stringValue.flatMap { Marketplace($0) }
    }
    let markets = marketplaces.isEmpty ? configured : marketplaces
    let unconfigured = markets.filter { !configured.contains($0) }
    if !unconfigured.isEmpty {
      let names = unconfigured.map(\.code).joined(separator: ", ")
      throw WorkspaceError(
        "sync.marketplace",
        "\(names) \(unconfigured.count == 1 ? "is" : "are") not in acorn.yaml (marketplaces: [\(configured.map(\.code).joined(separator: ", "))]); add \(unconfigured.count == 1 ? "it" : "them") there (marketplaces: [\((configured + unconfigured).map(\.code).joined(separator: ", "))]) and commit, then sync again"
      )
    }
    if markets.isEmpty {
      throw WorkspaceError(
        "sync.no-marketplace",
        "acorn.yaml lists no marketplaces and none was given; add them to acorn.yaml (marketplaces: [US, DE]) or pass --marketplace"
      )
    }
    let configuredSeed = settings["sources"]?["sandbox"]?["seed"]?.intValue.map {
      UInt64(max(0, $0))
    }
    let seedValue: UInt64 = seed ?? configuredSeed ?? 42
    let today = Int(Date().timeIntervalSince1970 / 86_400)
    let syncSource: SyncSource
    switch source {
    case .sandbox:
      let vendorCode = settings["vendorCodes"]?.arrayValue?.first?.stringValue ?? "SBX01"
      syncSource = .sandbox(seed: seedValue, vendorCode: vendorCode)
    case .spAPI:
      let regions = Set(markets.map(\.region))
      guard endpoint != nil || regions.count == 1, let region = markets.first?.region else {
        throw ValidationError(
          "marketplaces of several regions need one sync per region (--marketplace) or --endpoint")
      }
      let config = SPAPIClient.Configuration(
        endpoint: endpoint ?? SPAPIClient.Configuration.host(region),
        tokenEndpoint: tokenEndpoint ?? "https://api.amazon.com/auth/o2/token")
      let client = SPAPIClient(
        configuration: config,
        credentials: try Credentials.load(file: credentials, workspace: workspace),
        transport: URLSessionTransport())
      client.onProgress = { st in
        note(
          "sp-api: \(st.requests) requests, \(st.throttled) throttled, \(st.retries) retried, \(Int(st.waited)) s pacing"
        )
      }
      syncSource = .spAPI(client)
    }
    var asOf = until.flatMap(CivilDate.day) ?? today
    if asOf > today {
      Terminal.errorLine(
        "--until \(until ?? "") is in the future; syncing as of today, \(CivilDate.string(today))"
      )
      asOf = today
    }
    let first = since.flatMap(CivilDate.day)
    if let first, first > asOf {
      throw ValidationError(
        "--since \(since ?? "") is after the as-of day \(CivilDate.string(asOf)); nothing to read"
      )
    }
    let options = SyncEngine.Options(
      source: syncSource, marketplaces: markets, since: first, until: asOf)
    return try SyncEngine(workspace: workspace).run(options, author: author) { line in
      note("sync: " + line)
    }
  }

  /// One line per marketplace: what was new, changed and unchanged.
  static func summary(_ m: SyncReport.Market, source: String) -> String {
    "\(source) \(m.marketplace) \(m.since)…\(m.until): \(m.new) new, \(m.changed) changed, \(m.unchanged) unchanged\(m.older > 0 ? ", \(m.older) kept (newer data already synced)" : "")"
  }

  func render(_ report: SyncReport) throws {
    if output.json {
      var o: [String: JSONValue] = [
        "source": .string(report.source),
        "marketplaces": .array(report.markets.map(Self.json)),
      ]
      o["syncCommit"] = report.syncCommit.map { JSONValue.string($0.hex) } ?? .null
      o["conflicts"] = .number(DecimalNumber(report.merge?.conflicts.count ?? 0))
      if let r = report.requests {
        o["requests"] = .object([
          "requests": .number(DecimalNumber(r.requests)),
          "throttled": .number(DecimalNumber(r.throttled)),
          "retries": .number(DecimalNumber(r.retries)),
          "tokenRefreshes": .number(DecimalNumber(r.tokenRefreshes)),
          "waitedMilliseconds": .number(DecimalNumber(Int(r.waited * 1000))),
        ])
      }
      Terminal.outBytes(CanonicalJSON.bytes(.object(o)))
    } else {
      for m in report.markets { Terminal.out(Self.summary(m, source: report.source)) }
      if let r = report.requests {
        Terminal.out(
          "sp-api: \(r.requests) requests, \(r.throttled) throttled, \(r.retries) retried, \(Int(r.waited)) s spent pacing"
        )
      }
      Terminal.out(
        report.syncCommit.map { "vendor-central: commit \($0.short)" }
          ?? "vendor-central: nothing new")
      if let merge = report.merge { try MergeCommand.report(merge, allowConflicts: false) }
    }
  }
}
