import AcornAlerts
import AcornIndex
import AcornModel
import AcornSandbox
import Testing

/// What a publish's linked recomputation finds records by (docs/postgres.md, "Derived tables").
@Suite("records found by the values they are joined by")
struct LinkedRecordTests {
  @Test(
    "the index finds exactly the records carrying each value AlertInput.linkKeys gives — every kind of the sandbox vendor, people's links and line matches included"
  )
  func indexFindsEveryLinkKey() throws {
    var records = SandboxVendor(seed: 8).records(
      marketplace: Marketplace.all[0], start: CivilDate.daysFromCivil(2026, 7, 1),
      asOf: CivilDate.daysFromCivil(2026, 8, 31))
    // People's links, which only `acorn match` makes: a payment line matched to an invoice,
    // a claim to an invoice and a return, a return to a credit note, a credit note to a return.
    func id(_ kind: RecordKind, _ n: Int = 0) throws -> String {
      try #require(records.filter { $0.kind == kind }.dropFirst(n).first?.id)
    }
    let (invoice, ret, note) = (try id(.invoice, 3), try id(.return), try id(.creditNote))
    func link(_ kind: RecordKind, _ workflow: [String: JSONValue]) throws {
      let i = try #require(records.firstIndex { $0.kind == kind })
      guard case .object(var json) = records[i].json else { return }
      json["workflow"] = .object(workflow)
      records[i] = Record(json: .object(json))
    }
    try link(
      .remittance,
      [
        "lineMatches": .array([
          .object(["lineNumber": .number(DecimalNumber(1)), "invoiceId": .string(invoice)])
        ])
      ])
    try link(
      .deduction,
      ["invoiceIds": .array([.string(invoice)]), "returnIds": .array([.string(ret)])])
    try link(.return, ["creditNoteIds": .array([.string(note)])])
    try link(.creditNote, ["returnIds": .array([.string(ret)])])
    // Numbers only some documents carry: a line's own PO, a debit note, an invoice a credit note
    // refers to, an acknowledgement drafted from Acorn.
    func source(_ kind: RecordKind, _ change: (inout [String: JSONValue]) -> Void) throws {
      let i = try #require(records.firstIndex { $0.kind == kind })
      guard case .object(var json) = records[i].json, case .object(var s)? = json["source"] else {
        return
      }
      change(&s)
      json["source"] = .object(s)
      records[i] = Record(json: .object(json))
    }
    func linePO(_ s: inout [String: JSONValue]) {
      guard case .array(var lines)? = s["lines"], case .object(var l)? = lines.first else { return }
      l["purchaseOrderNumber"] = .string("PO-ON-A-LINE")
      lines[0] = .object(l)
      s["lines"] = .array(lines)
    }
    try source(.invoice, linePO)
    try source(.shipment, linePO)
    try source(.creditNote) {
      $0["debitNoteNumber"] = .string("DN-1")
      $0["referenceInvoiceNumber"] = .string("INV-REFERRED")
    }
    records.append(
      Record(
        json: .object([
          "id": .string("OUT-US-ACK-1"), "kind": .string("outbound"), "marketplace": .string("US"),
          "source": .object([
            "documentType": .string("acknowledgement"), "purchaseOrderNumber": .string("PO-ACK"),
          ]),
        ])))

    var paths: [String: Record] = [:]
    for (n, r) in records.enumerated() {
      paths["records/US/\(r.kind?.rawValue ?? "x")/\(n).json"] = r
    }
    let index = try RecordIndex()
    try index.rebuild(
      paths.keys.sorted().compactMap { p in paths[p].map { .upsert(path: p, record: $0.json) } },
      state: RecordIndex.State(commit: nil, dirtyPaths: []))
    var carrying: [String: Set<String>] = [:]
    for (p, r) in paths {
      for key in AlertInput.linkKeys(r) { carrying[key, default: []].insert(p) }
    }
    let kinds: Set<RecordKind> = [
      .invoice, .remittance, .deduction, .purchaseOrder, .shipment, .return, .creditNote,
    ]
    #expect(kinds.isSubset(of: Set(records.compactMap(\.kind))))
    // Every value, one at a time: the same records either way.
    for (key, expected) in carrying.sorted(by: { $0.key < $1.key }) {
      #expect(Set(try index.pathsLinked(to: [key])) == expected, "\(key)")
    }
    #expect(carrying[invoice]?.count ?? 0 >= 3, "the invoice, the payment line and the claim")
    for value in ["PO-ON-A-LINE", "DN-1", "INV-REFERRED", "PO-ACK"] {
      #expect(carrying[value]?.isEmpty == false, "\(value)")
    }
    #expect(try index.pathsLinked(to: ["no such number"]).isEmpty)
    // Several values at once: every record carrying any of them.
    let some = Array(carrying.keys.sorted().prefix(40))
    #expect(
      Set(try index.pathsLinked(to: some))
        == some.reduce(into: Set<String>()) {
          $0.formUnion(carrying[$1] ?? [])
        })
  }
}
