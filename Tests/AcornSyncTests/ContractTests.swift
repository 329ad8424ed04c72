import AcornHTTP
import AcornModel
import AcornOutbound
import AcornSPAPI
import AcornSync
import AcornWorkspace
import Foundation
import Testing

/// Amazon's contract, checked independently of the sandbox: every request the client sends and
/// every answer `acorn sandbox serve` gives during real syncs, against Amazon's published models
/// (`AmazonContract`), over every fault kind and every marketplace.
extension SPAPISyncTests {
  static let models = SandboxOutboundTests.models

  /// The operations a sync uses; each must appear in every run.
  static let syncOperations: Set<String> = [
    "token", "getPurchaseOrders", "getPurchaseOrdersStatus", "GetShipmentDetails",
    "getInvoiceHeaders", "getInvoice", "getRemittanceHeaders", "getRemittance",
  ]

  /// Syncs through a recording transport and checks every exchange; returns the exchanges
  /// checked by operation and how many answers the fault injector truncated.
  static func contractRun(
    _ contract: AmazonContract, faults spec: String?, markets: [Marketplace], since: String,
    until: String
  ) throws -> (counts: [String: Int], truncated: Int, problems: [String]) {
    let sandbox = try Sandbox(
      faults: spec, rate: 200, from: since, to: until, markets: markets.map(\.code))
    defer { sandbox.stop() }
    let recorder = RecordingTransport(URLSessionTransport())
    let scratch = Scratch()
    let ws = try newWorkspace(scratch)
    _ = try SyncEngine(workspace: ws).run(
      SyncEngine.Options(
        source: .spAPI(Self.client(sandbox.port, transport: recorder)), marketplaces: markets,
        since: day(since), until: day(until)),
      author: author())
    var counts: [String: Int] = [:]
    var truncated = 0
    var problems: [String] = []
    let truncating = spec?.contains("truncate") == true
    for (request, response) in recorder.recorded {
      let result = contract.check(request, response, truncatedByFault: truncating)
      counts[result.operation ?? "?", default: 0] += 1
      if result.truncated { truncated += 1 }
      problems += result.problems
    }
    return (counts, truncated, problems)
  }

  @Test(
    "every request and answer of a sync under each fault kind keeps Amazon's published models",
    .enabled(if: models != nil, "../shared/reference/vendor-central/models is absent"),
    arguments: [
      nil, "429=0.3", "500=0.2,503=0.1", "truncate=0.2", "empty-page=0.3", "repeat-page=0.3",
      "expire-token=1", "slow=0.05",
    ] as [String?])
  func contractUnderFaults(spec: String?) throws {
    let contract = try AmazonContract(models: try #require(Self.models))
    let run = try Self.contractRun(
      contract, faults: spec, markets: Self.markets, since: Self.since, until: Self.until)
    #expect(
      run.problems == [],
      "faults \(spec ?? "none"):\n\(run.problems.prefix(20).joined(separator: "\n"))")
    #expect(
      Self.syncOperations.subtracting(run.counts.keys).isEmpty,
      "faults \(spec ?? "none"): only \(run.counts.keys.sorted())")
    #expect(run.counts["?"] == nil)
    #expect((run.truncated > 0) == (spec?.hasPrefix("truncate") == true), "\(run.truncated)")
  }

  @Test(
    "a sync of every marketplace keeps Amazon's published models, request and answer",
    .enabled(if: models != nil, "../shared/reference/vendor-central/models is absent"))
  func contractEveryMarketplace() throws {
    let contract = try AmazonContract(models: try #require(Self.models))
    let run = try Self.contractRun(
      contract, faults: nil, markets: Marketplace.all, since: "2026-05-01", until: "2026-05-14")
    #expect(run.problems == [], "\(run.problems.prefix(20).joined(separator: "\n"))")
    #expect(Self.syncOperations.subtracting(run.counts.keys).isEmpty, "\(run.counts)")
    // Every marketplace was asked for its purchase orders, remittances and invoices.
    #expect((run.counts["getPurchaseOrders"] ?? 0) >= Marketplace.all.count)
    #expect((run.counts["getRemittanceHeaders"] ?? 0) >= Marketplace.all.count)
  }

  @Test(
    "the contract catches a request outside the models and an answer off the schema",
    .enabled(if: models != nil, "../shared/reference/vendor-central/models is absent"))
  func contractCatchesBreaches() throws {
    let contract = try AmazonContract(models: try #require(Self.models))
    let base = "http://127.0.0.1:1/vendor/orders/v1/purchaseOrders"
    let headers = ["x-amz-access-token": "t"]
    let ok = HTTPResponse(status: 200, body: Array(#"{"payload": {"orders": []}}"#.utf8))
    let good = HTTPRequest(
      method: "GET",
      url: base + "?limit=100&createdAfter=2026-05-01T00:00:00Z&createdBefore=2026-05-08T00:00:00Z",
      headers: headers)
    #expect(contract.check(good, ok).problems == [])
    for (url, expected) in [
      (base + "?limit=101", "above 100"),
      (base + "?createdAfter=2026-05-01T00:00:00Z&createdBefore=2026-05-09T00:00:01Z", "7 days"),
      (base + "?createdAfter=2026-05-01", "RFC 3339"),
      (base + "?purchaseOrderState=Open", "not one of"),
      (base + "?pageSize=4", "not in the model"),
      ("http://127.0.0.1:1/vendor/orders/v2/purchaseOrders", "no operation"),
    ] {
      let problems = contract.check(HTTPRequest(method: "GET", url: url, headers: headers), ok)
        .problems
      #expect(problems.contains { $0.contains(expected) }, "\(url): \(problems)")
    }
    let offSchema = HTTPResponse(
      status: 200, body: Array(#"{"payload": {"orders": [{"purchaseOrderNumber": 7}]}}"#.utf8))
    #expect(!contract.check(good, offSchema).problems.isEmpty)
    let undeclared = HTTPResponse(status: 418, body: Array("{}".utf8))
    #expect(contract.check(good, undeclared).problems.contains { $0.contains("418") })
    let remittances = HTTPRequest(
      method: "GET",
      url: "http://127.0.0.1:1/finances/remittances/2026-03-17/remittances?marketplaceId=X",
      headers: headers)
    let header =
      #"{"remittances": [{"uniquePaymentId": "1", "paymentDate": "2026-01-14T00:00:00Z", "paymentAmount": {"currencyCode": "EUR", "currencyAmount": 3.5}, "remittanceStatus": "DONE"}]}"#
    #expect(
      contract.check(remittances, HTTPResponse(status: 200, body: Array(header.utf8))).problems
        .contains { $0.contains("remittanceStatus") })
  }
}

extension SPAPISyncTests {
  @Test(
    "acorn submit's documents and transaction polls, and the sandbox's answers to them, keep Amazon's published models",
    .enabled(if: models != nil, "../shared/reference/vendor-central/models is absent"))
  func contractOutbound() throws {
    let contract = try AmazonContract(models: try #require(Self.models))
    let us = try #require(Marketplace("US"))
    let sandbox = try Sandbox(
      faults: nil, rate: 200, from: "2026-05-01", to: "2026-05-20", markets: ["US"])
    defer { sandbox.stop() }
    let recorder = RecordingTransport(URLSessionTransport())
    let client = Self.client(sandbox.port, transport: recorder)
    let scratch = Scratch()
    let ws = try newWorkspace(scratch)
    _ = try SyncEngine(workspace: ws).run(
      SyncEngine.Options(
        source: .spAPI(client), marketplaces: [us], since: day("2026-05-01"),
        until: day("2026-05-20")),
      author: author())
    let records = try ws.listRecords().map { try ws.readRecord($0) }
    let shipped = Set(
      records.filter { $0.kind == .shipment }.flatMap {
        RecordViews.strings($0.json["source"]?["purchaseOrderNumbers"])
      })
    func orders(_ state: String) -> [String] {
      records.filter {
        $0.kind == .purchaseOrder && $0.json["marketplace"]?.stringValue == "US"
          && $0.json["source"]?["purchaseOrderState"]?.stringValue == state
      }.compactMap { $0.json["source"]?["purchaseOrderNumber"]?.stringValue }.sorted()
    }
    let fresh = try #require(orders("New").first)
    let acknowledged = try #require(orders("Acknowledged").first { !shipped.contains($0) })
    let now = Date(timeIntervalSince1970: Double(day("2026-05-20")) * 86_400 + 3_600)
    let ack = try ws.draft(marketplace: us, author: author(), now: now) {
      context throws(OutboundError) in
      try Drafting.acknowledgement(
        poNumber: fresh, decisions: [:], acceptRest: true, context: context)
    }
    var shipping = ASNOptions()
    shipping.carrierScac = "UPSN"
    shipping.tracking = "PRO-55"
    let asn = try ws.draft(marketplace: us, author: author(), now: now) {
      context throws(OutboundError) in
      try Drafting.shipmentConfirmation(
        poNumbers: [acknowledged], options: shipping, context: context)
    }
    var billing = InvoiceOptions()
    billing.fromShipment = asn.record
    billing.number = "SBX-INV-7001"
    let invoice = try ws.draft(marketplace: us, author: author(), now: now) {
      context throws(OutboundError) in
      try Drafting.invoice(poNumbers: [acknowledged], options: billing, context: context)
    }
    for draft in [ack, asn, invoice] {
      _ = try ws.set(
        try #require(draft.record.id), assignments: [("workflow.state", "approved")], note: nil,
        message: nil, commit: true, author: author(), now: now)
    }
    var options = Submitter.Options()
    options.approved = true
    options.wait = 5
    let entries = try Submitter(workspace: ws, client: client, author: author()).run(options)
    #expect(entries.count == 3)
    #expect(
      entries.allSatisfy { ["accepted", "sent", "processing"].contains($0.outcome) },
      "\(entries.map { "\($0.id) \($0.outcome) \($0.message)" })")
    var counts: [String: Int] = [:]
    var problems: [String] = []
    for (request, response) in recorder.recorded {
      let result = contract.check(request, response)
      counts[result.operation ?? "?", default: 0] += 1
      problems += result.problems
    }
    #expect(problems == [], "\(problems.prefix(20).joined(separator: "\n"))")
    for op in [
      "submitAcknowledgement", "SubmitShipmentConfirmations", "submitInvoices", "getTransaction",
    ] {
      #expect((counts[op] ?? 0) > 0, "\(op) never sent: \(counts)")
    }
  }
}
