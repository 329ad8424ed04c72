import AcornGit
import AcornModel
import AcornSandbox
import AcornWorkspace
import Foundation
import Testing

@testable import AcornSync

final class Scratch {
  let path: String
  init() {
    path = NSTemporaryDirectory() + "acorn-sync-\(UUID().uuidString.prefix(8))"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }
  deinit { try? FileManager.default.removeItem(atPath: path) }
}

func author(_ t: Int64 = 1_790_000_000) -> Signature {
  Signature(name: "Sync", email: "sync@example.com", time: t)
}

func newWorkspace(_ scratch: Scratch, _ name: String = "ws") throws -> Workspace {
  let options = Workspace.InitOptions(
    marketplaces: ["US", "DE", "JP"].compactMap { Marketplace($0) })
  return try Workspace.initialize(
    at: scratch.path + "/" + name, options: options, author: { _ in author() }
  ).workspace
}

func day(_ s: String) -> Int { CivilDate.day(s) ?? 0 }

func options(until: String, seed: UInt64 = 7) -> SyncEngine.Options {
  SyncEngine.Options(
    source: .sandbox(seed: seed), marketplaces: ["US", "DE", "JP"].compactMap { Marketplace($0) },
    since: day("2026-04-01"), until: day(until))
}

func recordBytes(_ ws: Workspace) -> [String: Data] {
  var out: [String: Data] = [:]
  for rel in ws.recordFiles() { out[rel] = FileManager.default.contents(atPath: ws.path(rel)) }
  return out
}

@Suite("The built-in sandbox vendor")
struct SandboxVendorTests {
  @Test("the same seed and dates give the same records; another seed gives others")
  func deterministic() {
    let us = Marketplace("US")!
    let a = SandboxVendor(seed: 42).records(
      marketplace: us, start: day("2026-01-01"), asOf: day("2026-03-31"))
    let b = SandboxVendor(seed: 42).records(
      marketplace: us, start: day("2026-01-01"), asOf: day("2026-03-31"))
    let c = SandboxVendor(seed: 43).records(
      marketplace: us, start: day("2026-01-01"), asOf: day("2026-03-31"))
    #expect(a.map(\.canonicalBytes) == b.map(\.canonicalBytes))
    #expect(a.map(\.canonicalBytes) != c.map(\.canonicalBytes))
  }

  @Test(
    "a realistic vendor: every kind, every deduction type, short shipments, price claims, later payments"
  )
  func realistic() {
    let de = Marketplace("DE")!
    let records = SandboxVendor(seed: 42).records(
      marketplace: de, start: day("2026-01-01"), asOf: day("2026-06-30"))
    let kinds = Set(records.compactMap(\.kind))
    // Every kind Amazon sends; outbound documents are the vendor's own (acorn draft).
    #expect(kinds == Set(RecordKind.allCases).subtracting([.outbound]))
    let types = Set(
      records.filter { $0.kind == .deduction }.compactMap {
        $0.json["source"]?["deductionType"]?.stringValue
      })
    #expect(
      types.isSuperset(of: [
        "shortage-claim", "price-claim", "chargeback", "coop", "provision", "provision-reversal",
      ]))
    #expect(records.allSatisfy { $0.marketplace == de })
    let currencies = Set(
      records.flatMap { r in
        RecordDiff.leaves(r.json).filter { Money.isMoneyObject($0.1) }.compactMap {
          $0.1["currency"]?.stringValue
        }
      })
    #expect(currencies == ["EUR"])
    // Shortages show as received < shipped on PO lines, and a deduction lands on a later payment than its invoice.
    let short = records.filter { $0.kind == .purchaseOrder }.contains { po in
      (po.json["source"]?["lines"]?.arrayValue ?? []).contains {
        ($0["quantities"]?["received"]?.intValue ?? .max)
          < ($0["quantities"]?["shipped"]?.intValue ?? 0)
      }
    }
    #expect(short)
    let returns = records.filter { $0.kind == .return }
    #expect(returns.allSatisfy { $0.json["workflow"]?["state"] == .string("notified") })
  }

  @Test("JPY amounts have no minor units")
  func yen() {
    let records = SandboxVendor(seed: 1).records(
      marketplace: Marketplace("JP")!, start: day("2026-01-01"), asOf: day("2026-02-28"))
    let amounts = records.flatMap { r in
      RecordDiff.leaves(r.json).filter { Money.isMoneyObject($0.1) }.compactMap {
        $0.1["amount"]?.stringValue
      }
    }
    #expect(!amounts.isEmpty)
    #expect(amounts.allSatisfy { !$0.contains(".") })
  }
}

@Suite("acorn sync")
struct SyncEngineTests {
  @Test(
    "first sync commits on vendor-central and fast-forwards main; every record validates; a rerun changes nothing"
  )
  func firstAndRepeat() throws {
    let scratch = Scratch()
    let ws = try newWorkspace(scratch)
    let report = try SyncEngine(workspace: ws).run(options(until: "2026-05-31"), author: author())
    #expect(report.syncCommit != nil)
    #expect(report.markets.map(\.marketplace) == ["DE", "JP", "US"])
    #expect(report.markets.allSatisfy { $0.new > 0 && $0.changed == 0 })
    let repo = try ws.repository()
    #expect(try repo.referenceTarget("refs/heads/vendor-central") == report.syncCommit)
    #expect(try repo.resolveCommit("HEAD") == report.syncCommit)
    #expect(ws.validate() == [])
    let cursor = try JSONParser.parse(
      [UInt8](try Data(contentsOf: URL(fileURLWithPath: ws.path("sync/sandbox.json"))))
    ).value
    #expect(cursor["marketplaces"]?["US"]?["until"] == .string("2026-05-31"))
    let before = recordBytes(ws)
    let again = try SyncEngine(workspace: ws).run(options(until: "2026-05-31"), author: author(2))
    #expect(again.syncCommit == nil)
    #expect(again.markets.allSatisfy { $0.new == 0 && $0.changed == 0 })
    #expect(try repo.resolveCommit("HEAD") == report.syncCommit)
    #expect(recordBytes(ws) == before)
  }

  @Test(
    "a later sync advances documents, keeps the team's workflow, and continues from the committed cursor in a clone"
  )
  func advanceAndClone() throws {
    let scratch = Scratch()
    let ws = try newWorkspace(scratch)
    _ = try SyncEngine(workspace: ws).run(options(until: "2026-05-31"), author: author())
    let open = try #require(
      ws.listRecords(kind: .deduction).first { e in
        (try? ws.readRecord(e))?.json["workflow"]?["state"] == .string("detected")
      })
    _ = try ws.set(
      open.id, assignments: [("workflow.state", "in-review")], note: "checking", message: nil,
      commit: true, author: author(3), now: Date(timeIntervalSince1970: 1_790_000_000))
    let report = try SyncEngine(workspace: ws).run(options(until: "2026-07-15"), author: author(4))
    #expect(report.markets.contains { $0.changed > 0 })
    #expect(report.merge?.conflicts.isEmpty == true)
    #expect(
      try ws.readRecord(try ws.findRecord(open.id)).json["workflow"]?["state"]
        == .string("in-review"))
    #expect(ws.validate() == [])

    // A second workspace that syncs straight to 2026-07-15 holds the same source parts.
    let other = Scratch()
    let fresh = try newWorkspace(other)
    _ = try SyncEngine(workspace: fresh).run(options(until: "2026-07-15"), author: author())
    func sources(_ w: Workspace) throws -> [String: JSONValue] {
      var out: [String: JSONValue] = [:]
      for e in w.listRecords() { out[e.id] = try w.readRecord(e).json["source"] }
      return out
    }
    #expect(try sources(ws) == sources(fresh))
  }

  @Test("sync refuses a dirty working tree and changes nothing")
  func dirty() throws {
    let scratch = Scratch()
    let ws = try newWorkspace(scratch)
    try "x: 1\n".write(toFile: ws.path("notes.yaml"), atomically: true, encoding: .utf8)
    #expect(throws: WorkspaceError.self) {
      try SyncEngine(workspace: ws).run(options(until: "2026-05-31"), author: author())
    }
    #expect(try ws.repository().referenceTarget("refs/heads/vendor-central") == nil)
  }
}

@Suite("marketplace of a purchase order")
struct OrderMarketplaceTests {
  static let eu = ["DE", "FR", "IT", "ES"].compactMap { Marketplace($0) }

  static func order(country: String?, currency: String) -> JSONValue {
    var shipTo: [String: JSONValue] = ["partyId": .string("XFC1")]
    if let country {
      shipTo["address"] = .object(["name": .string("FC"), "countryCode": .string(country)])
    }
    return .object([
      "purchaseOrderNumber": .string("P1"),
      "orderDetails": .object([
        "shipToParty": .object(shipTo),
        "items": .array([
          .object([
            "netCost": .object(["amount": .string("1.00"), "currencyCode": .string(currency)])
          ])
        ]),
      ]),
    ])
  }

  @Test("Amazon's ship-to country decides, whatever the order of acorn.yaml")
  func shipToCountry() {
    for settings in [Self.eu, Self.eu.reversed()] {
      #expect(
        SPAPIFetch.marketplace(forOrder: Self.order(country: "FR", currency: "EUR"), settings).0?
          .code == "FR")
      #expect(
        SPAPIFetch.marketplace(forOrder: Self.order(country: "IT", currency: "EUR"), settings).0?
          .code == "IT")
      let (guess, guessed) = SPAPIFetch.marketplace(
        forOrder: Self.order(country: nil, currency: "EUR"), settings)
      #expect(guess?.code == "DE" && guessed)
    }
    let us = [Marketplace("US"), Marketplace("DE")].compactMap { $0 }
    let (usd, guessed) = SPAPIFetch.marketplace(
      forOrder: Self.order(country: nil, currency: "USD"), us)
    #expect(usd?.code == "US" && !guessed)
  }
}

@Suite("acorn sandbox generate: a large vendor")
struct SandboxGeneratorTests {
  let asOf = day("2026-11-30")

  @Test("exactly N records, ids unique, every kind in every marketplace, the same bytes every time")
  func exactAndDeterministic() {
    let markets = ["US", "DE"].compactMap { Marketplace($0) }
    for n in [150, 6_000] {
      let g = SandboxGenerator(records: n, seed: 7, marketplaces: markets, asOf: asOf)
      let batches = Array(g.batches())
      let all = batches.flatMap { $0 }
      #expect(all.count == n, "n=\(n)")
      #expect(Set(all.compactMap(\.id)).count == n, "ids unique, n=\(n)")
      #expect(batches.count == 2)
      #expect(g.quotas.reduce(0, +) == n)
      if n == 6_000 {
        #expect(g.vendor.volume > 1)
        for (m, batch) in zip(markets, batches) {
          #expect(batch.allSatisfy { $0.marketplace == m })
          #expect(
            Set(batch.compactMap(\.kind)) == Set(RecordKind.allCases).subtracting([.outbound]))
        }
      }
      let again = Array(
        SandboxGenerator(records: n, seed: 7, marketplaces: markets, asOf: asOf).batches()
      ).flatMap { $0 }
      #expect(again.map(\.canonicalBytes) == all.map(\.canonicalBytes))
    }
  }

  @Test("volume: slot 0 of every day draws what volume 1 draws; other slots add documents")
  func volume() {
    let us = Marketplace("US")!
    let one = SandboxVendor(seed: 42).records(marketplace: us, start: asOf - 120, asOf: asOf)
    let three = SandboxVendor(seed: 42, volume: 3).records(
      marketplace: us, start: asOf - 120, asOf: asOf)
    #expect(three.count > 2 * one.count)
    let pos = { (rs: [Record]) in
      Set(rs.filter { $0.kind == .purchaseOrder }.map { $0.canonicalBytes })
    }
    #expect(pos(one).isSubset(of: pos(three)))
    #expect(Set(three.compactMap(\.id)).count == three.count)
  }
}
