import AcornGit
import AcornModel
import AcornSPAPI
import AcornSandbox
import AcornSync
import AcornWorkspace
import Foundation
import Testing

/// The real client over loopback against `sandbox serve`, with each kind of fault.
@Suite("Sync from the SP-API, against the sandbox server", .serialized)
struct SPAPISyncTests {
  static let markets = ["US", "DE"].compactMap { Marketplace($0) }
  static let since = "2026-05-01"
  static let until = "2026-05-31"

  /// `acorn sandbox serve` in its own process — the real server, on Acorn's HTTP server library —
  /// so this process's blocking client never shares threads with it.
  final class Sandbox {
    let process = Process()
    let port: UInt16

    init(
      faults: String?, rate: Double, from: String, to: String, markets: [String] = ["US", "DE"]
    ) throws {
      var url = URL(fileURLWithPath: #filePath)
      for _ in 0..<3 { url.deleteLastPathComponent() }
      let runner = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
      let binary =
        [runner.appendingPathComponent("acorn").path, url.path + "/.build/debug/acorn"]
        .first { FileManager.default.isExecutableFile(atPath: $0) } ?? ""
      process.executableURL = URL(fileURLWithPath: binary)
      process.arguments =
        [
          "sandbox", "serve", "--seed", "9",
        ] + markets.flatMap { ["--marketplace", $0] } + [
          "--since", from, "--until", to, "--rate", String(rate), "--burst", String(rate),
          "--page-size", "4", "--seconds", "600",
        ] + (faults.map { ["--faults", $0] } ?? [])
      let out = Pipe()
      process.standardOutput = out
      process.standardError = FileHandle.nullDevice
      try process.run()
      var line = ""
      while !line.contains("\n") {
        let d = out.fileHandleForReading.availableData
        if d.isEmpty { break }
        line += String(decoding: d, as: UTF8.self)
      }
      guard let r = line.range(of: #"127\.0\.0\.1:(\d+)"#, options: .regularExpression),
        let p = UInt16(line[r].split(separator: ":").last ?? "")
      else {
        process.terminate()
        throw SPAPIError.transport("sandbox serve did not start: \(line)")
      }
      port = p
    }

    func stop() {
      process.terminate()
      process.waitUntilExit()
    }

    /// Requests answered 429, over all operations (`/sandbox/stats`).
    func throttled() throws -> Int {
      let r = try URLSessionTransport().send(
        HTTPRequest(method: "GET", url: "http://127.0.0.1:\(port)/sandbox/stats"), timeout: 10)
      let stats = try JSONParser.parse(r.body).value
      return (stats["operations"]?.objectValue ?? [:]).values.reduce(0) {
        $0 + ($1["throttled"]?.intValue ?? 0)
      }
    }
  }

  static func serve(faults: String?, rate: Double = 50, from: String = since, to: String = until)
    throws -> (Sandbox, UInt16)
  {
    let sandbox = try Sandbox(faults: faults, rate: rate, from: from, to: to)
    return (sandbox, sandbox.port)
  }

  static func client(_ port: UInt16, transport: any HTTPTransport = URLSessionTransport())
    -> SPAPIClient
  {
    SPAPIClient(
      configuration: .init(
        endpoint: "http://127.0.0.1:\(port)",
        tokenEndpoint: "http://127.0.0.1:\(port)/auth/o2/token", maxAttempts: 12,
        backoffBase: 0.01, backoffCap: 0.2, timeout: 10),
      credentials: LWACredentials(
        clientId: "client", clientSecret: "secret", refreshToken: "Atzr|test"),
      transport: transport)
  }

  static func sources(_ ws: Workspace, kinds: Set<RecordKind>) throws -> [String: JSONValue] {
    var out: [String: JSONValue] = [:]
    for e in ws.listRecords() where kinds.contains(RecordKind(rawValue: e.kind) ?? .return) {
      out[e.id] = try ws.readRecord(e).json["source"]
    }
    return out
  }

  static let carried: Set<RecordKind> = [
    .purchaseOrder, .shipment, .invoice, .remittance, .deduction,
  ]

  static let expected: [String: JSONValue] = {
    let scratch = Scratch()
    guard let ws = try? newWorkspace(scratch, "expected") else { return [:] }
    let options = SyncEngine.Options(
      source: .sandbox(seed: 9), marketplaces: markets, since: day(since), until: day(until))
    _ = try? SyncEngine(workspace: ws).run(options, author: author())
    return (try? sources(ws, kinds: carried)) ?? [:]
  }()

  @Test(
    "every fault kind: 0 lost, 0 duplicated, the same records as --source sandbox, and a rerun changes nothing",
    arguments: [
      nil, "429=0.3", "500=0.2,503=0.1", "truncate=0.2", "empty-page=0.3", "repeat-page=0.3",
      "expire-token=1",
      "slow=0.05",
    ] as [String?])
  func faults(spec: String?) throws {
    let (sandbox, port) = try Self.serve(faults: spec)
    defer { sandbox.stop() }
    let scratch = Scratch()
    let ws = try newWorkspace(scratch)
    let options = SyncEngine.Options(
      source: .spAPI(Self.client(port)), marketplaces: Self.markets, since: day(Self.since),
      until: day(Self.until))
    let report = try SyncEngine(workspace: ws).run(options, author: author())
    #expect(report.syncCommit != nil)
    let got = try Self.sources(ws, kinds: Self.carried)
    #expect(got.count == Self.expected.count, "faults \(spec ?? "none")")
    let differing = Self.expected.filter { got[$0.key] != $0.value }.map(\.key).sorted()
    #expect(differing.isEmpty, "faults \(spec ?? "none"): \(differing.prefix(5))")
    #expect(
      ws.validate().isEmpty, "faults \(spec ?? "none"): \(ws.validate().prefix(3).map(\.message))")
    let again = try SyncEngine(workspace: ws).run(
      SyncEngine.Options(
        source: .spAPI(Self.client(port)), marketplaces: Self.markets, since: day(Self.since),
        until: day(Self.until)),
      author: author(2))
    #expect(again.syncCommit == nil, "faults \(spec ?? "none")")
    if spec?.hasPrefix("429") == true { #expect(try sandbox.throttled() > 0) }
  }

  @Test(
    "a later run reads only what is new or changed since the cursor, and converges to the same records"
  )
  func incremental() throws {
    let (from, to) = ("2026-03-01", "2026-06-30")
    let (sandbox, port) = try Self.serve(faults: nil, rate: 200, from: from, to: to)
    defer { sandbox.stop() }
    func run(
      _ ws: Workspace, _ until: String, _ source: SyncSource? = nil, since: String? = from
    ) throws -> SyncReport {
      try SyncEngine(workspace: ws).run(
        SyncEngine.Options(
          source: source ?? .spAPI(Self.client(port)), marketplaces: Self.markets,
          since: since.flatMap(day), until: day(until)),
        author: author())
    }
    let scratch = Scratch()
    let ws = try newWorkspace(scratch)
    _ = try run(ws, "2026-06-23")
    // No --since: the run continues from the cursor (an explicit --since reads its whole range).
    let second = try run(ws, to, since: nil)
    let expectedScratch = Scratch()
    let expectedWS = try newWorkspace(expectedScratch)
    _ = try run(expectedWS, to, .sandbox(seed: 9))
    let expected = try Self.sources(expectedWS, kinds: Self.carried)
    let got = try Self.sources(ws, kinds: Self.carried)
    let differing = expected.filter { got[$0.key] != $0.value }.map(\.key).sorted()
    #expect(got.count == expected.count)
    #expect(differing.isEmpty, "\(differing.prefix(5))")
    // Reading the last week incrementally takes far fewer requests than reading four months.
    let fullScratch = Scratch()
    let full = try run(try newWorkspace(fullScratch), to)
    #expect((second.requests?.requests ?? .max) * 2 < (full.requests?.requests ?? 0))
    #expect(ws.validate().isEmpty)
  }

  @Test("invoicesModifiedAfter returns exactly the older invoices that changed since")
  func invoicesModifiedAfter() throws {
    let (from, to, since) = ("2026-02-01", "2026-06-30", "2026-06-10")
    let (sandbox, port) = try Self.serve(faults: nil, rate: 200, from: from, to: to)
    defer { sandbox.stop() }
    let us = try #require(Marketplace("US"))
    let vendor = SandboxVendor(seed: 9)
    func status(asOf: String) -> [String: String] {
      Dictionary(
        uniqueKeysWithValues: vendor.records(marketplace: us, start: day(from), asOf: day(asOf))
          .filter { $0.kind == .invoice }.map {
            (
              $0.json["source"]?["invoiceNumber"]?.stringValue ?? "",
              $0.json["source"]?["invoiceStatus"]?.stringValue ?? ""
            )
          })
    }
    let before = status(asOf: "2026-06-09")
    let after = status(asOf: to)
    // Issued before `since` and changed (paid) on or after it.
    let expected = Set(before.filter { after[$0.key] != $0.value }.keys)
    #expect(!expected.isEmpty)
    let got = try Self.client(port).invoices(
      marketplaceId: us.marketplaceId, from: Double(day(from)) * 86_400,
      to: Double(day(since)) * 86_400, modifiedAfter: Double(day(since)) * 86_400)
    #expect(Set(got.compactMap { $0.0["invoiceNumber"]?.stringValue }) == expected)
    #expect(got.count == expected.count)
    #expect(throws: SPAPIError.self) {
      try Self.client(port).get(
        "getInvoiceHeaders", path: "/finances/invoices/2026-06-25/invoices",
        query: [
          ("marketplaceId", us.marketplaceId), ("fromIssueDate", "2026-05-01T00:00:00Z"),
          ("toIssueDate", "2026-05-31T00:00:00Z"), ("invoicesModifiedAfter", "yesterday"),
        ])
    }
  }

  @Test("the server enforces Amazon's windows, marketplace ids and credentials")
  func rules() throws {
    let (sandbox, port) = try Self.serve(faults: nil)
    defer { sandbox.stop() }
    let c = Self.client(port)
    do {
      _ = try c.get(
        "getPurchaseOrders", path: "/vendor/orders/v1/purchaseOrders",
        query: [
          ("createdAfter", "2026-05-01T00:00:00Z"), ("createdBefore", "2026-05-20T00:00:00Z"),
        ])
      Issue.record("an 19-day window was served")
    } catch {
      guard case .api(400, "InvalidInput", _, _, let requestId, _) = error else {
        Issue.record("\(error)")
        return
      }
      #expect(requestId != nil)
    }
    #expect(throws: SPAPIError.self) {
      try c.get(
        "getInvoiceHeaders", path: "/finances/invoices/2026-06-25/invoices",
        query: [
          ("marketplaceId", "NOPE"), ("fromIssueDate", "2026-05-01T00:00:00Z"),
          ("toIssueDate", "2026-05-31T00:00:00Z"),
        ])
    }
    let anonymous = try URLSessionTransport().send(
      HTTPRequest(method: "GET", url: "http://127.0.0.1:\(port)/vendor/orders/v1/purchaseOrders/X"),
      timeout: 5)
    #expect(anonymous.status == 403)
  }
}
