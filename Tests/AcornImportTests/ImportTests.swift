import AcornModel
import Foundation
import Testing

@testable import AcornImport

enum Files {
  static let root: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
  }()
  static func fixture(_ name: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: root + "/Tests/Fixtures/imports/" + name)))
  }
  static var edi: String? {
    let p = root + "/../shared/reference/edi"
    return FileManager.default.fileExists(atPath: p) ? p : nil
  }
}

let us = Marketplace.all[0]

func isa(
  element: String = "*", component: String = ":", repetition: String = "^", terminator: String = "~"
) -> String {
  let fields = [
    "ISA", "00", "          ", "00", "          ", "ZZ", "SENDER         ", "ZZ", "RECEIVER       ",
    "260114", "1200", repetition, "00501", "000000001", "0", "P", component,
  ]
  return fields.joined(separator: element) + terminator
}

@Suite("X12 reader")
struct X12ReaderTests {
  static func interchange(_ body: [String], e: String = "*", t: String = "~", rep: String = "^")
    -> String
  {
    let st = ["ST\(e)820\(e)0001"] + body
    let se = "SE\(e)\(st.count + 1)\(e)0001"
    let lines =
      [
        isa(element: e, repetition: rep, terminator: t),
        "GS\(e)RA\(e)S\(e)R\(e)20260114\(e)1200\(e)7\(e)X\(e)005010",
      ] + st + [se, "GE\(e)1\(e)7", "IEA\(e)1\(e)000000001"]
    return lines.dropFirst().map { $0 + t }.reduce(lines[0]) { $0 + $1 }
  }

  static let payment = [
    "BPR*I*1157.50*C*ACH*CCP*01*111*DA*222*1234**01*333*DA*444*20260114", "TRN*1*PAY-0001*1234",
    "RMR*IV*INV-100**1225.00*1250.00*25.00", "RMR*IV*INV-100SC**-42.50*-42.50",
    "ADX*-42.50*SHORTAGE",
    "RMR*IV*7654321VCBSINV**-25.00",
  ]

  @Test(
    "delimiters come from the ISA; counts and control numbers are checked; negative RMR amounts read exactly"
  )
  func remittance() throws {
    let (sets, diags) = X12Reader.read(
      Array(Self.interchange(Self.payment).utf8), file: "p.edi", chunkSize: 7)
    #expect(diags.isEmpty, "\(diags)")
    let set = try #require(sets.first)
    let (records, mapDiags) = X12Mappings.map(set, marketplace: us, file: "p.edi")
    #expect(mapDiags.isEmpty)
    let pay = try #require(records.first { $0.kind == .remittance })
    #expect(pay.id == "PAY-US-PAY-0001")
    #expect(pay.json["source"]?["paymentAmount"]?["amount"] == .string("1157.50"))
    let lines = pay.json["source"]?["lines"]?.arrayValue ?? []
    #expect(
      lines.map { $0["classification"]?.stringValue } == [
        "invoice", "shortage-claim", "chargeback",
      ])
    #expect(lines[1]["amountPaid"]?["amount"] == .string("-42.50"))
    #expect(lines[1]["baseInvoiceNumber"] == .string("INV-100"))
    #expect(lines[0]["discountTaken"]?["amount"] == .string("25.00"))
    #expect(lines[1]["description"] == .string("adjustment -42.50 (reason SHORTAGE)"))
    #expect(records.filter { $0.kind == .deduction }.count == 2)
    #expect(Invariants.check(pay.json, kind: .remittance).isEmpty)
  }

  @Test("other delimiters and a newline segment terminator")
  func newlineTerminator() throws {
    let body = Self.payment.map { $0.replacingOccurrences(of: "*", with: "|") }
    let text = Self.interchange(body, e: "|", t: "\n", rep: "{")
    let (sets, diags) = X12Reader.read(Array(text.utf8), file: "n.edi")
    #expect(diags.isEmpty, "\(diags)")
    #expect(sets.first?.segments.first { $0.id == "TRN" }?[2] == "PAY-0001")
  }

  @Test("a repetition separator splits an element's repeats; the first is kept")
  func repetition() {
    let body = [
      "BPR*I*1.00*C*ACH*CCP*01*1*DA*2*3*01*4*DA*5*20260114", "TRN*1*T1^T2*1", "RMR*IV*X**1.00",
    ]
    let (sets, _) = X12Reader.read(Array(Self.interchange(body).utf8), file: "r.edi")
    #expect(sets.first?.segments.first { $0.id == "TRN" }?[2] == "T1")
  }

  @Test("wrong counts and control numbers are reported with their segment and element")
  func envelopeChecks() {
    var text = Self.interchange(Self.payment)
    text = text.replacingOccurrences(of: "SE*8*0001", with: "SE*9*0002").replacingOccurrences(
      of: "GE*1*7", with: "GE*2*8")
    let (sets, diags) = X12Reader.read(Array(text.utf8), file: "e.edi")
    #expect(sets.isEmpty)
    #expect(diags.contains { $0.field == "SE02" && $0.severity == .error && $0.position == 10 })
    #expect(diags.contains { $0.field == "SE01" && $0.severity == .warning })
    #expect(diags.contains { $0.field == "GE01" })
    #expect(diags.contains { $0.field == "GE02" })
  }

  @Test(
    "truncated, binary and garbage input is reported, never a crash",
    arguments: [
      Array("ISA*00*".utf8), Array(repeating: 0xFF, count: 300),
      Array("hello world, not edi at all".utf8), [],
      Array(String(interchangeText().prefix(200)).utf8),
    ])
  func garbage(bytes: [UInt8]) {
    let (sets, diags) = X12Reader.read(bytes, file: "g.edi")
    #expect(sets.isEmpty)
    if !bytes.isEmpty { #expect(!diags.isEmpty) }
  }

  static func interchangeText() -> String { interchange(payment) }

  static func typed(_ type: String, _ body: [String], t: String = "~") -> String {
    interchange(body, t: t).replacingOccurrences(of: "ST*820*0001", with: "ST*\(type)*0001")
  }

  @Test("a UTF-8 byte order mark before ISA is skipped")
  func byteOrderMark() {
    let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array(Self.interchangeText().utf8)
    let (sets, diags) = X12Reader.read(bytes, file: "bom.edi")
    #expect(diags.isEmpty, "\(diags)")
    #expect(sets.count == 1)
  }

  @Test("a newline-terminated file that ends right after IEA, without a last terminator, is whole")
  func endsAfterIEA() {
    let body = Self.payment
    var text = Self.interchange(body, t: "\n")
    #expect(text.hasSuffix("\n"))
    text.removeLast()
    let (sets, diags) = X12Reader.read(Array(text.utf8), file: "n.edi")
    #expect(diags.isEmpty, "\(diags)")
    #expect(sets.count == 1)
    var tilde = Self.interchangeText()
    tilde.removeLast()
    #expect(X12Reader.read(Array((tilde + "\r\n").utf8), file: "t.edi").1.isEmpty)
    // A file cut inside a segment is still truncated.
    let cut = String(Self.interchangeText().dropLast(20))
    #expect(
      X12Reader.read(Array(cut.utf8), file: "c.edi").1.contains { $0.message.contains("truncated") }
    )
  }

  @Test("an ISA that is not fixed-width gives one clear message about the ISA")
  func isaNotFixedWidth() {
    let text = Self.interchangeText().replacingOccurrences(
      of: "SENDER         ", with: "SENDER")
    let (sets, diags) = X12Reader.read(Array(text.utf8), file: "w.edi")
    #expect(sets.isEmpty)
    #expect(diags.count == 1, "\(diags)")
    #expect(diags.first?.field == "ISA06")
    #expect(diags.first?.message.contains("\"SENDER\" is 6 characters, expected 15") == true)
  }

  @Test("812: BCD04 has two implied decimals, BCD05 says credit or debit")
  func adjustment812() throws {
    for (flag, type) in [("C", "vendor-credit-note"), ("D", "amazon-debit-note")] {
      let text = Self.typed("812", ["BCD*20260110*CD-77*I*12345*\(flag)", "N9*IV*INV-100"])
      let (sets, diags) = X12Reader.read(Array(text.utf8), file: "a.edi")
      #expect(diags.isEmpty, "\(diags)")
      let (records, mapDiags) = X12Mappings.map(
        try #require(sets.first), marketplace: us, file: "a.edi")
      #expect(mapDiags.isEmpty, "\(mapDiags)")
      let note = try #require(records.first)
      #expect(note.json["source"]?["totalAmount"]?["amount"] == .string("123.45"))
      #expect(note.json["source"]?["noteType"] == .string(type))
    }
  }

  @Test("820: an ADX at ENT level becomes a line of its own, so the lines sum to the payment")
  func entityAdjustment() throws {
    let body = [
      "BPR*I*1175.00*C*ACH*CCP*01*111*DA*222*1234**01*333*DA*444*20260114", "TRN*1*PAY-0002*1234",
      "ENT*1", "ADX*-50.00*72**ADJ-7781", "RMR*IV*INV-100**1225.00*1250.00*25.00",
    ]
    let (sets, diags) = X12Reader.read(Array(Self.interchange(body).utf8), file: "e.edi")
    #expect(diags.isEmpty, "\(diags)")
    let (records, _) = X12Mappings.map(try #require(sets.first), marketplace: us, file: "e.edi")
    let pay = try #require(records.first { $0.kind == .remittance })
    let lines = pay.json["source"]?["lines"]?.arrayValue ?? []
    #expect(lines.count == 2)
    #expect(lines.first?["invoiceNumber"] == .string("ADJ-7781"))
    #expect(lines.first?["amountPaid"]?["amount"] == .string("-50.00"))
    #expect(Invariants.check(pay.json, kind: .remittance).isEmpty)
  }

  @Test("implied decimals: TDS*255438 is 2554.38")
  func implied() {
    #expect(X12Reader.impliedDecimal("255438")?.formatted() == "2554.38")
    #expect(X12Reader.impliedDecimal("19934")?.formatted() == "199.34")
    #expect(X12Reader.impliedDecimal("12.5")?.formatted() == "12.5")
  }

  @Test(
    "every shared sample reads; the 850 and its 810 reconcile to the cent",
    .enabled(if: Files.edi != nil, "../shared/reference/edi is absent"))
  func samples() throws {
    let dir = try #require(Files.edi)
    var records: [Record] = []
    for name in try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
    where name.hasSuffix(".edi") {
      let (sets, diags) = X12Reader.read(
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/" + name))), file: name)
      #expect(!diags.contains { $0.severity == .error }, "\(name): \(diags)")
      #expect(!sets.isEmpty, "\(name)")
      for set in sets { records += X12Mappings.map(set, marketplace: us, file: name).0 }
    }
    #expect(
      Set(records.compactMap(\.kind)) == [
        .purchaseOrder, .invoice, .remittance, .shipment, .creditNote, .return,
      ])
    let asn = try #require(records.first { $0.kind == .shipment })
    #expect(
      asn.json["source"]?["lines"]?.arrayValue?.map { $0["shippedEaches"]?.intValue } == [24, 6])
    #expect(
      records.first { $0.kind == .return }?.json["source"]?["authorizationId"] == .string("AUTH123")
    )
    #expect(
      records.first { $0.kind == .creditNote }?.json["source"]?["referenceInvoiceNumber"]
        == .string("INV999"))
    let po = try #require(records.first { $0.id == "PO-US-A99999-01" })
    let invoice = try #require(
      records.first {
        $0.kind == .invoice
          && $0.json["source"]?["purchaseOrderNumbers"] == .array([.string("A99999-01")])
      })
    var poTotal = DecimalNumber.zero
    for line in po.json["source"]?["lines"]?.arrayValue ?? [] {
      let qty = line["quantities"]?["ordered"]?.intValue ?? 0
      let cost =
        (try? DecimalNumber(parsing: line["netCost"]?["amount"]?.stringValue ?? "")) ?? .zero
      poTotal = try poTotal + cost * DecimalNumber(qty)
    }
    #expect(poTotal.formatted(minimumScale: 2) == "2554.38")
    #expect(invoice.json["source"]?["totalAmount"]?["amount"] == .string("2554.38"))
    for r in records {
      #expect(
        Invariants.check(r.json, kind: try #require(r.kind)).isEmpty || r.id == "INV-US-00001",
        "\(r.id ?? "")")
    }
  }
}

@Suite("855 acknowledgements")
struct AcknowledgementTests {
  @Test("ACK codes become accepted, backordered and rejected quantities on the PO lines")
  func apply() throws {
    let po = try #require(
      try? Record(
        kind: .purchaseOrder, marketplace: us,
        source: [
          "purchaseOrderNumber": .string("A1"),
          "purchaseOrderDate": .string("2026-01-14T00:00:00Z"),
          "purchaseOrderState": .string("New"),
          "lines": .array(
            ["1", "2"].map {
              .object([
                "itemSequenceNumber": .string($0),
                "quantities": .object(["ordered": .number(DecimalNumber(16))]),
              ])
            }),
        ], provenance: ["origin": .string("x12")]))
    let text =
      isa()
      + "GS*PR*V*A*20260114*1200*1*X*004010~ST*855*0001~BAK*00*AC*A1*20260114~PO1*1*16*EA*1~ACK*IA*14*EA~ACK*IB*2*EA~PO1*2*16*EA*1~ACK*IR*16*EA~PO1*3*1*EA*1~ACK*IA*1*EA~SE*10*0001~GE*1*1~IEA*1*000000001~"
    let (sets, diags) = X12Reader.read(Array(text.utf8), file: "a.edi")
    #expect(diags.isEmpty, "\(diags)")
    let ack = try #require(sets.first.flatMap(POAcknowledgement.read))
    let (updated, unmatched) = ack.apply(to: po)
    #expect(unmatched == ["3"])
    let lines = updated.json["source"]?["lines"]?.arrayValue ?? []
    #expect(
      lines[0]["quantities"]?["accepted"]?.intValue == 14
        && lines[0]["quantities"]?["backordered"]?.intValue == 2)
    #expect(lines[0]["acknowledgementCode"] == .string("PartiallyAccepted"))
    #expect(lines[1]["acknowledgementCode"] == .string("Rejected"))
    #expect(updated.json["source"]?["purchaseOrderState"] == .string("Acknowledged"))
  }
}

@Suite("Vendor Central remittance exports")
struct RemittanceCSVTests {
  @Test("English export: quoted thousands, parentheses for negatives, suffixes classified")
  func english() throws {
    let (records, diags) = RemittanceCSV.records(
      try Files.fixture("remittance-us.csv"), file: "us.csv", marketplace: us, keepGoing: false)
    #expect(diags.isEmpty)
    let pay = try #require(records.first { $0.id == "PAY-US-355522363" })
    #expect(pay.json["source"]?["paymentAmount"]?["amount"] == .string("1032.50"))
    #expect(pay.json["source"]?["paymentDate"] == .string("2026-01-14"))
    let lines = pay.json["source"]?["lines"]?.arrayValue ?? []
    #expect(
      lines.map { $0["classification"]?.stringValue } == [
        "invoice", "shortage-claim", "chargeback",
      ])
    #expect(lines[1]["description"] == .string("Shortage claim, 2 units"))
    #expect(
      records.filter { $0.kind == .deduction }.map(\.id) == [
        "DED-US-US26010100SC", "DED-US-1234567VCBSINV", "DED-US-US26010100SCR",
      ])
    for r in records { #expect(Invariants.check(r.json, kind: try #require(r.kind)).isEmpty) }
  }

  @Test("German export: semicolons, a BOM, 1.234,56 and DD.MM.YYYY; co-op agreement numbers")
  func german() throws {
    let de = try #require(Marketplace("DE"))
    let (records, diags) = RemittanceCSV.records(
      try Files.fixture("remittance-de.csv"), file: "de.csv", marketplace: de, keepGoing: false)
    #expect(diags.isEmpty)
    let pay = try #require(records.first { $0.kind == .remittance })
    let lines = pay.json["source"]?["lines"]?.arrayValue ?? []
    #expect(lines[0]["invoiceAmount"]?["amount"] == .string("1234.56"))
    #expect(lines[0]["discountTaken"]?["amount"] == .string("24.69"))
    #expect(lines[1]["classification"] == .string("coop"))
    #expect(pay.json["source"]?["paymentAmount"]?["amount"] == .string("1109.87"))
  }

  @Test("Chinese headers in GBK; JPY without minor units")
  func chinese() throws {
    let jp = try #require(Marketplace("JP"))
    let (records, diags) = RemittanceCSV.records(
      try Files.fixture("remittance-zh-gbk.csv"), file: "zh.csv", marketplace: jp, keepGoing: false)
    #expect(diags.isEmpty, "\(diags)")
    let pay = try #require(records.first { $0.kind == .remittance })
    #expect(pay.json["source"]?["paymentAmount"]?["amount"] == .string("114600"))
    #expect(
      pay.json["source"]?["lines"]?[JSONPath([.index(1), .key("classification")])]
        == .string("price-claim"))
  }

  @Test("unknown required headers: an error listing what was found and what was expected")
  func headers() throws {
    let (records, diags) = RemittanceCSV.records(
      try Files.fixture("remittance-bad-headers.csv"), file: "bad.csv", marketplace: us,
      keepGoing: false)
    #expect(records.isEmpty)
    let d = try #require(diags.first)
    #expect(d.message.contains("missing columns: paymentDate"))
    #expect(d.message.contains("amountPaid"))
    #expect(d.message.contains("found: Payment Number, Invoice Number, Paid"))
  }

  @Test("a bad row names its line and field; nothing is imported unless keepGoing")
  func badRow() throws {
    let text =
      "Payment Number,Payment Date,Invoice Number,Amount Paid\n1,2026-01-14,A,10.00\n1,yesterday,B,5.00\n"
    let (none, diags) = RemittanceCSV.records(
      Array(text.utf8), file: "x.csv", marketplace: us, keepGoing: false)
    #expect(none.isEmpty)
    #expect(diags.first?.position == 3 && diags.first?.field == "paymentDate")
    let (some, _) = RemittanceCSV.records(
      Array(text.utf8), file: "x.csv", marketplace: us, keepGoing: true)
    #expect(some.count == 1)
  }

  @Test(
    "amounts under a declared format: every sign form Vendor Central and Excel write",
    arguments: [
      ("1.234,56", "de", "1234.56"), ("1,234.56", "en", "1234.56"), ("(12.30)", "en", "-12.3"),
      ("-12,30 €", "de", "-12.3"), ("12,30-", "de", "-12.3"), ("\u{2212}12,30", "de", "-12.3"),
      ("¥1200", "en", "1200"), ("1,234", "en", "1234"), ("1.234", "en", "1.234"),
      ("1.234", "de", "1234"), ("0,5", "de", "0.5"), ("USD 1,000,000.00", "en", "1000000"),
      ("1\u{A0}234,56", "fr", "1234.56"), ("+7.50", "en", "7.5"), ("(1.234,00 €)", "de", "-1234"),
    ])
  func amounts(text: String, locale: String, expected: String) throws {
    let format = try #require(NumberFormat(locale: locale))
    #expect((try? CSVReader.amount(text, format: format).get())?.formatted() == expected, "\(text)")
  }

  @Test(
    "what is not an amount is refused, never read as another number",
    arguments: [
      ("12,30", "en"), ("1,23,456.00", "en"), ("12.3.4", "de"), ("--5", "en"), ("(-5)", "en"),
      ("5 apples", "en"), ("1.2.3,4", "de"), ("", "en"), ("-", "en"), ("12,30-5", "de"),
    ])
  func notAmounts(text: String, locale: String) throws {
    let format = try #require(NumberFormat(locale: locale))
    #expect((try? CSVReader.amount(text, format: format).get()) == nil, "\(text)")
  }

  @Test("the format is detected from the whole column; ambiguous or mixed columns are errors")
  func detection() {
    #expect((try? CSVReader.detectFormat(["1,234", "12,30"]).get()) == .comma)
    #expect((try? CSVReader.detectFormat(["1,234", "1,234.00"]).get()) == .point)
    #expect((try? CSVReader.detectFormat(["1.234", "7"]).get()) == nil)  // a thousand or 1.234?
    #expect((try? CSVReader.detectFormat(["1,50", "2.75"]).get()) == nil)  // mixed
    #expect((try? CSVReader.detectFormat(["12", "7"]).get()) == .point)
  }

  @Test("an ambiguous remittance export needs --locale; with it, 1.234 reads as the file says")
  func ambiguousExport() throws {
    let text =
      "Payment Number,Payment Date,Invoice Number,Amount Paid\n1,2026-01-14,A,\"1.234\"\n1,2026-01-14,B,7-\n"
    let (none, diags) = RemittanceCSV.records(
      Array(text.utf8), file: "x.csv", marketplace: us, keepGoing: false)
    #expect(none.isEmpty)
    #expect(diags.first?.message.contains("could be a thousand or a fraction") == true, "\(diags)")
    let (records, ok) = RemittanceCSV.records(
      Array(text.utf8), file: "x.csv", marketplace: us, keepGoing: false, numberFormat: .comma)
    #expect(ok.isEmpty, "\(ok)")
    let lines = records.first { $0.kind == .remittance }?.json["source"]?["lines"]?.arrayValue ?? []
    #expect(lines.map { $0["amountPaid"]?["amount"] } == [.string("1234.00"), .string("-7.00")])
    // The same column with one amount that tells (12,30) needs no --locale.
    let told = text + "1,2026-01-14,C,\"12,30\"\n"
    let (detected, fine) = RemittanceCSV.records(
      Array(told.utf8), file: "x.csv", marketplace: us, keepGoing: false)
    #expect(fine.isEmpty, "\(fine)")
    #expect(
      detected.first { $0.kind == .remittance }?.json["source"]?["lines"]?.arrayValue?.first?[
        "amountPaid"]?["amount"] == .string("1234.00"))
  }

  @Test("RFC 4180: quotes, doubled quotes, line breaks inside fields")
  func rfc4180() {
    let rows = CSVReader.rows("a,b\r\n\"x, y\",\"say \"\"hi\"\"\"\n\"two\nlines\",z\n")
    #expect(rows.count == 3)
    #expect(rows[1].fields == ["x, y", "say \"hi\""])
    #expect(rows[2].fields == ["two\nlines", "z"])
    #expect(rows[2].line == 3)
  }
}

@Suite("Returns, chargebacks and co-op exports")
struct OtherExportTests {
  @Test("returns: rows grouped by request id, totals summed, approved refunds kept")
  func returns() throws {
    let (records, diags) = ReturnsCSV.records(
      try Files.fixture("returns-us.csv"), file: "r.csv", marketplace: us, keepGoing: false)
    #expect(diags.isEmpty)
    #expect(records.map(\.id) == ["RET-US-R-US-1001", "RET-US-R-US-1002"])
    let first = records[0].json["source"]
    #expect(first?["totalRequestedRefund"]?["amount"] == .string("72.47"))
    #expect(first?["totalApprovedRefund"]?["amount"] == .string("59.97"))
    #expect(first?["authorizationId"] == .string("AUTH-1"))
    #expect(records[1].json["source"]?["condition"] == .string("unsellable"))
    for r in records { #expect(Invariants.check(r.json, kind: .return).isEmpty) }
  }

  @Test("chargebacks and co-op: deductions, negative on the payment, with type and agreement")
  func deductions() throws {
    let (cb, d1) = DeductionCSV.records(
      try Files.fixture("chargebacks-us.csv"), kind: .chargebacks, file: "c.csv", marketplace: us,
      keepGoing: false)
    #expect(d1.isEmpty)
    #expect(
      cb.map { $0.json["source"]?["amount"]?["amount"] } == [
        .string("-150.00"), .string("-1020.50"),
      ])
    #expect(cb.first?.json["source"]?["chargebackType"] == .string("ASN Accuracy"))
    let (coop, d2) = DeductionCSV.records(
      try Files.fixture("coop-us.csv"), kind: .coop, file: "o.csv", marketplace: us,
      keepGoing: false)
    #expect(d2.isEmpty)
    #expect(coop.first?.json["source"]?["agreementId"] == .string("AGR-77"))
    #expect(coop.first?.json["source"]?["deductionType"] == .string("coop"))
  }
}
