import AcornImport
import AcornModel
import Foundation
import Testing

@testable import AcornOutbound

enum Reference {
  static var models: String? {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    let path = url.path + "/../shared/reference/vendor-central/models"
    return FileManager.default.fileExists(atPath: path) ? path : nil
  }

  /// Amazon's model for an operation, as a schema set whose root is the request definition.
  static func requestSchema(_ type: OutboundType) throws -> JSONSchemaSet {
    let (file, definition): (String, String) =
      switch type {
      case .acknowledgement: ("vendorOrders.json", "SubmitAcknowledgementRequest")
      case .shipmentConfirmation:
        ("vendorShipments.json", "SubmitShipmentConfirmationsRequest")
      case .invoice: ("vendorInvoices.json", "SubmitInvoicesRequest")
      }
    let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: try #require(models) + "/" + file)))
    let model = try JSONParser.parse(bytes).value
    #expect(model["definitions"]?[definition] != nil)
    return JSONSchemaSet(schemas: [
      file: model, "request.json": .object(["$ref": .string("\(file)#/definitions/\(definition)")]),
    ])
  }

  /// One document of each kind, from the fixture purchase order.
  static func documents() throws -> [Record] {
    let ack = try Drafting.acknowledgement(
      poNumber: "PO000001",
      decisions: [
        "2": AckDecision(accepted: 30, backordered: 10, rejected: 10, reason: "ObsoleteProduct")
      ],
      acceptRest: true, context: Fixture.context())
    let ctx = Fixture.context(pos: [Fixture.po(accepted: 200, shipped: 24)], outbound: [])
    var o = ASNOptions()
    o.carrierScac = "UPSN"
    o.tracking = "1Z999AA10123456784"
    o.billOfLading = "BOL-7781"
    o.cartons = [["1": 50, "2": 20], ["1": 46, "2": 6]]
    o.shipDate = "2026-11-29"
    let asn = try Drafting.shipmentConfirmation(poNumbers: ["PO000001"], options: o, context: ctx)
    var i = InvoiceOptions()
    i.number = "VEND-1001"
    i.fromShipment = asn
    i.paymentTerms = .object([
      "type": .string("Basic"), "discountPercent": .string("2"),
      "discountDueDays": .number(DecimalNumber(30)), "netDueDays": .number(DecimalNumber(60)),
    ])
    let inv = try Drafting.invoice(
      poNumbers: [], options: i,
      context: Fixture.context(pos: [Fixture.po(accepted: 200, shipped: 24)], outbound: [asn]))
    return [ack, asn, inv]
  }
}

@Suite("Outbound documents on the wire: SP-API bodies and X12")
struct WireTests {
  @Test(
    "every request body validates against Amazon's model for its operation; broken ones do not",
    .enabled(if: Reference.models != nil, "../shared/reference/vendor-central/models is absent"))
  func bodiesMatchAmazonsModels() throws {
    for doc in try Reference.documents() {
      let type = try #require(OutboundView(doc)?.type)
      let schema = try Reference.requestSchema(type)
      let request = try RequestBodies.request(for: doc)
      #expect(request.operation == type.operation.name)
      let problems = try schema.validate(request.body, against: "request.json")
      #expect(problems.isEmpty, "\(type): \(problems.map { "\($0.path) \($0.message)" })")
      // The check can fail: a required property removed, an enumeration broken.
      let list = type.operation.list
      let first = JSONPath([.key(list), .index(0)])
      let required =
        switch type {
        case .acknowledgement: "sellingParty"
        case .shipmentConfirmation: "shipmentConfirmationDate"
        case .invoice: "invoiceTotal"
        }
      let missing = try #require(request.body.setting(nil, at: first.appending(required)))
      #expect(!(try schema.validate(missing, against: "request.json")).isEmpty)
      let badEnum = try #require(
        request.body.setting(
          .string("Invoic"),
          at: first.appending(
            type == .invoice
              ? "invoiceType" : type == .acknowledgement ? "items" : "shipmentConfirmationType")))
      #expect(!(try schema.validate(badEnum, against: "request.json")).isEmpty)
    }
  }

  @Test("bodies: eaches, integer invoice lines, money as strings, zero quantities left out")
  func bodies() throws {
    let docs = try Reference.documents()
    let ack = try RequestBodies.request(for: docs[0]).body
    let item = try #require(ack["acknowledgements"]?.arrayValue?.first?["items"]?.arrayValue?[1])
    let codes = item["itemAcknowledgements"]?.arrayValue?.compactMap {
      $0["acknowledgementCode"]?.stringValue
    }
    #expect(codes == ["Accepted", "Backordered", "Rejected"])
    let line1 = try #require(
      ack["acknowledgements"]?.arrayValue?.first?["items"]?.arrayValue?.first)
    // A line accepted in full carries no zero Backordered/Rejected entries.
    #expect(line1["itemAcknowledgements"]?.arrayValue?.count == 1)
    let usd: JSONValue = .object(["currencyCode": .string("USD"), "amount": .string("10.20")])
    #expect(line1["netCost"] == usd)
    let inv = try RequestBodies.request(for: docs[2]).body
    let invItem = try #require(inv["invoices"]?.arrayValue?.first?["items"]?.arrayValue?.first)
    #expect(invItem["itemSequenceNumber"] == .number(DecimalNumber(1)))
    #expect(
      inv["invoices"]?.arrayValue?.first?["invoiceTotal"]?["amount"]?.stringValue == "1058.50")
    #expect(inv["invoices"]?.arrayValue?.first?["date"]?.stringValue == "2026-11-30T00:00:00Z")
  }

  @Test("X12 855, 856 and 810 read back through Acorn's importer to the same document")
  func x12RoundTrip() throws {
    let docs = try Reference.documents()
    var control = 41
    for doc in docs {
      let v = try #require(OutboundView(doc))
      control += 1
      let text = try X12Writer.interchange(
        [doc],
        envelope: X12Writer.Envelope(
          sender: "VEND1", receiver: "AMAZON", control: control, now: Fixture.now))
      let (sets, diagnostics) = X12Reader.read(Array(text.utf8), file: "out.edi")
      #expect(diagnostics.filter { $0.severity == .error }.isEmpty, "\(diagnostics)")
      let set = try #require(sets.first)
      #expect(set.type == v.type.x12Set)
      #expect(text.contains("*\(String(format: "%09d", control))*0*P*>~"))
      let source = try #require(doc.json["source"])
      let lines = source["lines"]?.arrayValue ?? []
      switch v.type {
      case .acknowledgement:
        let ack = try #require(POAcknowledgement.read(set))
        #expect(ack.purchaseOrderNumber == "PO000001")
        for l in lines {
          let seq = try #require(l["itemSequenceNumber"]?.stringValue)
          let got = try #require(ack.lines[seq])
          #expect(got.accepted == l["acceptedEaches"]?.intValue)
          #expect(got.backordered == l["backorderedEaches"]?.intValue)
          #expect(got.rejected == l["rejectedEaches"]?.intValue)
        }
      case .shipmentConfirmation:
        let (records, _) = X12Mappings.map(set, marketplace: Fixture.us, file: "out.edi")
        let s = try #require(records.first?.json["source"])
        #expect(s["shipmentIdentifier"] == source["shipmentIdentifier"])
        #expect(s["shipmentDate"]?.stringValue == "2026-11-29T00:00:00Z")
        #expect(s["purchaseOrderNumbers"] == source["purchaseOrderNumbers"])
        #expect(s["transportation"]?["billOfLadingNumber"]?.stringValue == "BOL-7781")
        #expect(s["cartons"]?.arrayValue?.count == 2)
        // Per product: the eaches shipped, whatever cartons they travel in.
        func bySKU(_ ls: [JSONValue]) -> [String: Int] {
          ls.reduce(into: [:]) {
            $0[$1["vendorProductIdentifier"]?.stringValue ?? "", default: 0] +=
              $1["shippedEaches"]?.intValue ?? 0
          }
        }
        #expect(bySKU(s["lines"]?.arrayValue ?? []) == bySKU(lines))
        #expect(bySKU(lines) == ["SKU-1": 96, "SKU-2": 26])
      case .invoice:
        let (records, _) = X12Mappings.map(set, marketplace: Fixture.us, file: "out.edi")
        let s = try #require(records.first?.json["source"])
        #expect(s["invoiceNumber"] == source["invoiceNumber"])
        #expect(s["invoiceDate"] == source["invoiceDate"])
        #expect(s["totalAmount"]?["amount"]?.stringValue == "1058.50")
        #expect(s["paymentTerms"]?["netDueDays"]?.intValue == 60)
        let got = (s["lines"]?.arrayValue ?? []).map {
          [
            $0["itemSequenceNumber"]?.stringValue, $0["vendorProductIdentifier"]?.stringValue,
            $0["purchaseOrderNumber"]?.stringValue, $0["invoicedEaches"]?.intValue.map(String.init),
            RecordViews.money($0["netCost"])?.description,
          ]
        }
        let want = lines.map {
          [
            $0["itemSequenceNumber"]?.stringValue, $0["vendorProductIdentifier"]?.stringValue,
            $0["purchaseOrderNumber"]?.stringValue, $0["invoicedEaches"]?.intValue.map(String.init),
            RecordViews.money($0["netCost"])?.description,
          ]
        }
        #expect(got == want)
      }
    }
  }

  @Test(
    "an interchange holds one kind; control numbers are 1…999999999; delimiters never leak into values"
  )
  func envelope() throws {
    let docs = try Reference.documents()
    let e = X12Writer.Envelope(sender: "VEND1", receiver: "AMAZON", control: 1, now: Fixture.now)
    #expect(throws: OutboundError.self) {
      try X12Writer.interchange([docs[0], docs[1]], envelope: e)
    }
    var zero = e
    zero.control = 0
    #expect(throws: OutboundError.self) { try X12Writer.interchange([docs[0]], envelope: zero) }
    #expect(X12Writer.clean("A*B~C>D\nE") == "A B C D E")
    let text = try X12Writer.interchange([docs[0]], envelope: e)
    let isa = try #require(text.split(separator: "\n").first)
    #expect(isa.count == 106)
  }
}
