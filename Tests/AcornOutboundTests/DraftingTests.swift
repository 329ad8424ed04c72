import AcornModel
import Foundation
import Testing

@testable import AcornOutbound

/// Purchase orders built in code: two lines, one ordered in cases.
enum Fixture {
  static let us = Marketplace.all.first { $0.code == "US" } ?? Marketplace.all[0]

  static func usd(_ amount: String) -> JSONValue {
    .object(["amount": .string(amount), "currency": .string("USD")])
  }
  static let now = "2026-11-30T10:00:00Z"

  static func po(
    _ number: String = "PO000001", accepted: Int? = nil, shipped: Int? = nil,
    invoiced: Int? = nil, shipTo: String = "USFC1"
  ) -> Record {
    func q(_ ordered: Int) -> JSONValue {
      var o: [String: JSONValue] = ["ordered": .number(DecimalNumber(ordered))]
      if let accepted { o["accepted"] = .number(DecimalNumber(min(accepted, ordered))) }
      if let shipped { o["shipped"] = .number(DecimalNumber(min(shipped, ordered))) }
      if let invoiced { o["invoiced"] = .number(DecimalNumber(min(invoiced, ordered))) }
      return .object(o)
    }
    let source: [String: JSONValue] = [
      "purchaseOrderNumber": .string(number),
      "purchaseOrderDate": .string("2026-11-01T09:00:00Z"),
      "purchaseOrderState": .string("New"),
      "sellingParty": .object(["partyId": .string("VEND1")]),
      "shipToParty": .object(["partyId": .string(shipTo)]),
      "lines": .array([
        .object([
          "itemSequenceNumber": .string("1"), "amazonProductIdentifier": .string("B000000001"),
          "vendorProductIdentifier": .string("SKU-1"),
          "orderedQuantity": .object([
            "amount": .number(DecimalNumber(10)), "unitOfMeasure": .string("Cases"),
            "unitSize": .number(DecimalNumber(12)),
          ]),
          "netCost": usd("10.20"),
          "quantities": q(120),
        ]),
        .object([
          "itemSequenceNumber": .string("2"), "amazonProductIdentifier": .string("B000000002"),
          "vendorProductIdentifier": .string("SKU-2"),
          "orderedQuantity": .object([
            "amount": .number(DecimalNumber(50)), "unitOfMeasure": .string("Eaches"),
            "unitSize": .number(DecimalNumber(1)),
          ]),
          "netCost": usd("3.05"),
          "quantities": q(50),
        ]),
      ]),
    ]
    return Record(
      json: .object([
        "id": .string("PO-US-\(number)"), "kind": .string("purchase-order"),
        "marketplace": .string("US"), "schemaVersion": .number(DecimalNumber(1)),
        "source": .object(source), "workflow": .object([:]),
        "provenance": .object(["origin": .string("x12")]),
      ]))
  }

  static func context(pos: [Record] = [po()], outbound: [Record] = [], shipments: [Record] = [])
    -> OutboundContext
  {
    OutboundContext(
      marketplace: us, vendorCode: "VEND1", purchaseOrders: pos, shipments: shipments,
      invoices: [], outbound: outbound, now: now)
  }

  /// The record in another workflow state.
  static func moved(_ r: Record, _ state: OutboundState) -> Record {
    Record(
      json: r.json.setting(
        .string(state.rawValue), at: JSONPath([.key("workflow"), .key("state")]))
        ?? r.json)
  }
}

@Suite("Drafting outbound documents")
struct DraftingTests {
  func code(_ body: () throws -> Record) -> String? {
    do {
      _ = try body()
      return nil
    } catch let e as OutboundError { return e.code } catch { return "\(error)" }
  }

  @Test(
    "an acknowledgement accounts for every ordered each; missing lines and wrong sums are refused")
  func acknowledgement() throws {
    let ctx = Fixture.context()
    let ack = try Drafting.acknowledgement(
      poNumber: "PO000001",
      decisions: ["2": AckDecision(accepted: 40, rejected: 10, reason: "TemporarilyUnavailable")],
      acceptRest: true, context: ctx)
    #expect(ack.id == "OUT-US-ACK-PO000001")
    let lines = try #require(ack.json["source"]?["lines"]?.arrayValue)
    #expect(lines[0]["acceptedEaches"]?.intValue == 120)
    #expect(lines[1]["rejectedEaches"]?.intValue == 10)
    #expect(Invariants.check(ack.json, kind: .outbound).isEmpty)
    #expect(
      code {
        try Drafting.acknowledgement(
          poNumber: "PO000001", decisions: ["1": AckDecision(accepted: 120)], acceptRest: false,
          context: ctx)
      } == "outbound.line-missing")
    #expect(
      code {
        try Drafting.acknowledgement(
          poNumber: "PO000001", decisions: ["2": AckDecision(accepted: 45)], acceptRest: true,
          context: ctx)
      } == "invariant.ack-quantity")
    #expect(
      code {
        try Drafting.acknowledgement(
          poNumber: "PO000001", decisions: ["9": AckDecision(accepted: 1)], acceptRest: true,
          context: ctx)
      } == "outbound.unknown-line")
    #expect(
      code {
        try Drafting.acknowledgement(
          poNumber: "NOPE", decisions: [:], acceptRest: true, context: ctx)
      } == "outbound.unknown-po")
    // A rejection needs its reason (an invariant: acorn validate and merges check it too).
    #expect(
      code {
        try Drafting.acknowledgement(
          poNumber: "PO000001", decisions: ["2": AckDecision(accepted: 40, rejected: 10)],
          acceptRest: true, context: ctx)
      } == "invariant.rejection-reason")
    #expect(throws: OutboundError.self) { try AckDecision.parse("accepted:x") }
    #expect(
      try AckDecision.parse("rejected:3:ObsoleteProduct,accepted:2")
        == AckDecision(accepted: 2, rejected: 3, reason: "ObsoleteProduct"))
  }

  @Test(
    "revisions: a draft is replaced, an approved one must be sent or cancelled, a sent one is followed by R2"
  )
  func revisions() throws {
    let first = try Drafting.acknowledgement(
      poNumber: "PO000001", decisions: [:], acceptRest: true, context: Fixture.context())
    let again = try Drafting.acknowledgement(
      poNumber: "PO000001", decisions: [:], acceptRest: true,
      context: Fixture.context(outbound: [first]))
    #expect(again.id == first.id)
    #expect(
      code {
        try Drafting.acknowledgement(
          poNumber: "PO000001", decisions: [:], acceptRest: true,
          context: Fixture.context(outbound: [Fixture.moved(first, .approved)]))
      } == "outbound.approved")
    let second = try Drafting.acknowledgement(
      poNumber: "PO000001", decisions: [:], acceptRest: true,
      context: Fixture.context(outbound: [Fixture.moved(first, .accepted)]))
    #expect(second.id == "OUT-US-ACK-PO000001-R2")
    // A line Amazon saw rejected cannot come back.
    let rejected = try Drafting.acknowledgement(
      poNumber: "PO000001",
      decisions: ["2": AckDecision(accepted: 0, rejected: 50, reason: "ObsoleteProduct")],
      acceptRest: true, context: Fixture.context())
    #expect(
      code {
        try Drafting.acknowledgement(
          poNumber: "PO000001", decisions: [:], acceptRest: true,
          context: Fixture.context(outbound: [Fixture.moved(rejected, .accepted)]))
      } == "outbound.rejected-line")
    // An invoice number is never reused once sent.
    let inv = try Drafting.invoice(
      poNumbers: ["PO000001"], options: InvoiceOptions(),
      context: Fixture.context(pos: [Fixture.po(accepted: 200, shipped: 200)]))
    #expect(
      code {
        try Drafting.invoice(
          poNumbers: ["PO000001"], options: InvoiceOptions(),
          context: Fixture.context(
            pos: [Fixture.po(accepted: 200, shipped: 200)],
            outbound: [Fixture.moved(inv, .submitted)]))
      } == "outbound.sent")
  }

  @Test(
    "an ASN ships what is accepted and not shipped; more, unknown lines, or cartons that do not add up are refused"
  )
  func shipment() throws {
    let ack = Fixture.moved(
      try Drafting.acknowledgement(
        poNumber: "PO000001",
        decisions: ["2": AckDecision(accepted: 30, backordered: 20)], acceptRest: true,
        context: Fixture.context()), .accepted)
    let ctx = Fixture.context(pos: [Fixture.po(shipped: 24)], outbound: [ack])
    var o = ASNOptions()
    o.carrierScac = "UPSN"
    o.cartons = [["1": 60, "2": 6], ["1": 36]]
    let asn = try Drafting.shipmentConfirmation(poNumbers: ["PO000001"], options: o, context: ctx)
    #expect(asn.id == "OUT-US-ASN-PO000001-1")
    let lines = try #require(asn.json["source"]?["lines"]?.arrayValue)
    // Accepted minus shipped before: 120 − 24 on line 1, 30 − 24 on line 2.
    #expect(lines.map { $0["shippedEaches"]?.intValue } == [96, 6])
    #expect(asn.json["source"]?["cartonCount"]?.intValue == 2)
    // A second ASN finds nothing open (the first one counts), and takes the next shipment id.
    var one = ASNOptions()
    one.quantities = ["2": 1]
    #expect(
      code {
        try Drafting.shipmentConfirmation(
          poNumbers: ["PO000001"], options: one,
          context: Fixture.context(pos: [Fixture.po(shipped: 24)], outbound: [ack, asn]))
      } == "outbound.over-ship")
    var over = ASNOptions()
    over.quantities = ["1": 97]
    #expect(
      code {
        try Drafting.shipmentConfirmation(poNumbers: ["PO000001"], options: over, context: ctx)
      }
        == "outbound.over-ship")
    var badCartons = ASNOptions()
    badCartons.cartons = [["1": 90, "2": 6]]
    #expect(
      code {
        try Drafting.shipmentConfirmation(
          poNumbers: ["PO000001"], options: badCartons, context: ctx)
      } == "invariant.cartons")
    var count = o
    count.cartonCount = 3
    #expect(
      code {
        try Drafting.shipmentConfirmation(poNumbers: ["PO000001"], options: count, context: ctx)
      }
        == "invariant.carton-count")
    var future = ASNOptions()
    future.shipDate = "2026-12-24"
    #expect(
      code {
        try Drafting.shipmentConfirmation(poNumbers: ["PO000001"], options: future, context: ctx)
      }
        == "outbound.ship-date")
    // One ASN, one fulfilment centre.
    let other = Fixture.po("PO000002", accepted: 200, shipTo: "USFC9")
    #expect(
      code {
        try Drafting.shipmentConfirmation(
          poNumbers: ["PO000001", "PO000002"], options: ASNOptions(),
          context: Fixture.context(pos: [Fixture.po(accepted: 200), other]))
      } == "outbound.ship-to")
    // Nothing acknowledged: nothing to ship.
    #expect(
      code {
        try Drafting.shipmentConfirmation(
          poNumbers: ["PO000001"], options: ASNOptions(), context: Fixture.context())
      } == "outbound.nothing-to-ship")
  }

  @Test(
    "an invoice bills what was shipped at the PO's cost; its total is its lines'; more or another cost is refused"
  )
  func invoice() throws {
    let ctx = Fixture.context(pos: [Fixture.po(accepted: 200, shipped: 60, invoiced: 0)])
    var o = InvoiceOptions()
    o.number = "VEND-1001"
    let inv = try Drafting.invoice(poNumbers: ["PO000001"], options: o, context: ctx)
    #expect(inv.id == "OUT-US-INV-VEND-1001")
    // 60 × 10.20 + 50 × 3.05 = 612.00 + 152.50
    #expect(inv.json["source"]?["totalAmount"]?["amount"]?.stringValue == "764.50")
    var more = o
    more.quantities = ["1": 61]
    #expect(
      code { try Drafting.invoice(poNumbers: ["PO000001"], options: more, context: ctx) }
        == "outbound.over-invoice")
    var cost = o
    cost.costs = ["1": Money(try DecimalNumber(parsing: "10.30"), CurrencyCode("USD")!)]
    #expect(
      code { try Drafting.invoice(poNumbers: ["PO000001"], options: cost, context: ctx) }
        == "outbound.cost-mismatch")
    // What another invoice document already bills is not billed again.
    #expect(
      code {
        try Drafting.invoice(
          poNumbers: ["PO000001"], options: InvoiceOptions(),
          context: Fixture.context(
            pos: [Fixture.po(accepted: 200, shipped: 60, invoiced: 0)], outbound: [inv]))
      } == "outbound.nothing-to-invoice")
    // An edited total is caught by the invariant, whoever edits it.
    let tampered = Record(
      json: inv.json.setting(.string("999.00"), at: JSONPath(dotted: "source.totalAmount.amount")!)
        ?? inv.json)
    #expect(throws: OutboundError.self) { try Drafting.check(tampered, context: ctx) }
  }
}
