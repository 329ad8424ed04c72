import AcornModel

/// Results as JSON: the document `acorn reconcile --json` prints, and the files committed under
/// `reconciliation/<MKT>/<YYYY-MM>.json` (each item in the month of its own date). Amounts are
/// decimal strings, dates `YYYY-MM-DD`; arrays keep the result's order.
extension ReconcileResult {
  static func amount(_ m: Money) -> JSONValue { .string(m.amountText) }
  static func amount(_ m: Money?) -> JSONValue { m.map { .string($0.amountText) } ?? .null }
  static func day(_ d: Int?) -> JSONValue { d.map { .string(CivilDate.string($0)) } ?? .null }
  static func int(_ n: Int?) -> JSONValue { n.map { .number(DecimalNumber($0)) } ?? .null }

  static func json(_ l: InvoiceLedger) -> JSONValue {
    func entries(_ list: [InvoiceLedger.Entry]) -> JSONValue {
      .array(
        list.map { e in
          .object([
            "type": .string(e.type), "reference": .string(e.reference), "amount": amount(e.amount),
            "paymentId": .string(e.paymentId), "date": day(e.date),
          ])
        })
    }
    var o: [String: JSONValue] = [
      "id": .string(l.id), "invoiceNumber": .string(l.invoiceNumber),
      "marketplace": .string(l.marketplace), "currency": .string(l.currency.code),
      "invoiceDate": day(l.invoiceDate), "dueDate": day(l.dueDate), "invoiced": amount(l.invoiced),
      "discount": amount(l.discount), "payments": entries(l.payments),
      "deductions": entries(l.deductions), "paid": amount(l.paid), "open": amount(l.open),
      "status": .string(l.status),
    ]
    if let d = l.daysPastDue { o["daysPastDue"] = int(d) }
    if let r = l.rounding { o["rounding"] = amount(r) }
    return .object(o)
  }

  static func json(_ p: PurchaseOrderMatch) -> JSONValue {
    .object([
      "id": .string(p.id), "purchaseOrderNumber": .string(p.purchaseOrderNumber),
      "marketplace": .string(p.marketplace), "date": day(p.date),
      "invoiceNumbers": .array(p.invoiceNumbers.map(JSONValue.string)),
      "shipmentIds": .array(p.shipmentIds.map(JSONValue.string)),
      "lines": .array(
        p.lines.map { l in
          var o: [String: JSONValue] = [
            "itemSequenceNumber": .string(l.sequence), "ordered": int(l.ordered),
            "accepted": int(l.accepted), "shipped": int(l.shipped), "received": int(l.received),
            "invoiced": int(l.invoiced), "poCost": amount(l.poCost),
            "acknowledgedCost": amount(l.acknowledgedCost), "invoicedCost": amount(l.invoicedCost),
          ]
          if let a = l.asin { o["asin"] = .string(a) }
          if let s = l.expectedShortage {
            o["expectedShortage"] = int(s)
            o["expectedShortageAmount"] = amount(l.expectedShortageAmount)
          }
          return .object(o)
        }),
    ])
  }

  static func json(_ d: DeductionAssessment) -> JSONValue {
    var o: [String: JSONValue] = [
      "id": .string(d.id), "deductionNumber": .string(d.number),
      "marketplace": .string(d.marketplace),
      "type": .string(d.type), "date": day(d.date), "amount": amount(d.amount),
      "currency": .string(d.amount.currency.code),
      "invoiceNumber": d.invoiceNumber.map(JSONValue.string) ?? .null,
      "purchaseOrderNumbers": .array(d.purchaseOrderNumbers.map(JSONValue.string)),
      "paymentId": d.paymentId.map(JSONValue.string) ?? .null, "verdict": .string(d.verdict),
      "reason": .string(d.reason), "reasonZh": .string(d.reasonZh),
      "state": d.state.map(JSONValue.string) ?? .null,
    ]
    if let n = d.net { o["net"] = amount(n) }
    if let e = d.evidence {
      var ev: [String: JSONValue] = ["shipmentIds": .array(e.shipmentIds.map(JSONValue.string))]
      if let v = e.shipped { ev["shipped"] = int(v) }
      if let v = e.received { ev["received"] = int(v) }
      if let v = e.invoiced { ev["invoiced"] = int(v) }
      if let v = e.invoicedCost { ev["invoicedCost"] = amount(v) }
      if let v = e.purchaseOrderCost { ev["purchaseOrderCost"] = amount(v) }
      if let v = e.carrier { ev["carrier"] = .string(v) }
      if let v = e.tracking { ev["tracking"] = .string(v) }
      o["evidence"] = .object(ev)
    }
    return .object(o)
  }

  static func json(_ r: ReturnAssessment) -> JSONValue {
    .object([
      "id": .string(r.id), "returnId": .string(r.returnId), "marketplace": .string(r.marketplace),
      "noticeDate": day(r.noticeDate), "creditDueDate": day(r.creditDueDate),
      "approvedRefund": amount(r.approvedRefund), "credited": amount(r.credited),
      "currency": (r.approvedRefund?.currency.code).map(JSONValue.string) ?? .null,
      "creditNoteIds": .array(r.creditNoteIds.map(JSONValue.string)),
      "deductionIds": .array(r.deductionIds.map(JSONValue.string)), "status": .string(r.status),
      "state": r.state.map(JSONValue.string) ?? .null,
    ])
  }

  static func json(_ f: ReconcileFinding) -> JSONValue {
    .object([
      "code": .string(f.code), "severity": .string(f.severity.rawValue),
      "marketplace": .string(f.marketplace), "month": .string(f.month),
      "records": .array(f.records.map(JSONValue.string)), "amount": amount(f.amount),
      "currency": (f.amount?.currency.code).map(JSONValue.string) ?? .null,
      "en": .string(f.en), "zh": .string(f.zh),
    ])
  }

  static func json(_ p: Proposal) -> JSONValue {
    .object([
      "id": .string(p.recordID), "field": .string(p.field), "from": .string(p.from),
      "to": .string(p.to), "reason": .string(p.reason),
    ])
  }

  /// The whole result (`acorn reconcile --json`).
  public var json: JSONValue {
    .object([
      "asOf": Self.day(asOf), "invoices": .array(invoices.map(Self.json)),
      "purchaseOrders": .array(purchaseOrders.map(Self.json)),
      "deductions": .array(deductions.map(Self.json)), "returns": .array(returns.map(Self.json)),
      "findings": .array(findings.map(Self.json)), "proposals": .array(proposals.map(Self.json)),
    ])
  }

  /// One committed file: its path and which results it holds (indexes into the result's
  /// arrays), so each file's content is built on its own, when it is written.
  public struct FilePlan: Sendable {
    public var path: String
    var marketplace: String
    var month: String
    var invoices: [Int] = []
    var orders: [Int] = []
    var deductions: [Int] = []
    var returns: [Int] = []
    var findings: [Int] = []
  }

  /// The committed files, `reconciliation/<MKT>/<YYYY-MM>.json`, one per marketplace and month
  /// that has anything, in path order.
  public var filePlans: [FilePlan] {
    var plans: [String: FilePlan] = [:]
    func add(_ m: String, _ month: String, _ fill: (inout FilePlan) -> Void) {
      let path = "reconciliation/\(m)/\(month).json"
      fill(&plans[path, default: FilePlan(path: path, marketplace: m, month: month)])
    }
    for (i, l) in invoices.enumerated() {
      add(l.marketplace, AcornReconcile.month(l.invoiceDate)) { $0.invoices.append(i) }
    }
    for (i, p) in purchaseOrders.enumerated() {
      add(p.marketplace, AcornReconcile.month(p.date)) { $0.orders.append(i) }
    }
    for (i, d) in deductions.enumerated() {
      add(d.marketplace, AcornReconcile.month(d.date)) { $0.deductions.append(i) }
    }
    for (i, r) in returns.enumerated() {
      add(r.marketplace, AcornReconcile.month(r.noticeDate)) { $0.returns.append(i) }
    }
    for (i, f) in findings.enumerated() { add(f.marketplace, f.month) { $0.findings.append(i) } }
    return plans.values.sorted { $0.path < $1.path }
  }

  /// A committed file's content.
  public func file(_ plan: FilePlan) -> JSONValue {
    .object([
      "asOf": Self.day(asOf), "marketplace": .string(plan.marketplace),
      "month": .string(plan.month),
      "invoices": .array(plan.invoices.map { Self.json(invoices[$0]) }),
      "purchaseOrders": .array(plan.orders.map { Self.json(purchaseOrders[$0]) }),
      "deductions": .array(plan.deductions.map { Self.json(deductions[$0]) }),
      "returns": .array(plan.returns.map { Self.json(returns[$0]) }),
      "findings": .array(plan.findings.map { Self.json(findings[$0]) }),
    ])
  }

  /// Every committed file → its content (small results and tests; writers go file by file).
  public var files: [String: JSONValue] {
    Dictionary(uniqueKeysWithValues: filePlans.map { ($0.path, file($0)) })
  }

  /// Only what is in one marketplace.
  public func filtered(marketplace: String) -> ReconcileResult {
    ReconcileResult(
      asOf: asOf, invoices: invoices.filter { $0.marketplace == marketplace },
      purchaseOrders: purchaseOrders.filter { $0.marketplace == marketplace },
      deductions: deductions.filter { $0.marketplace == marketplace },
      returns: returns.filter { $0.marketplace == marketplace },
      findings: findings.filter { $0.marketplace == marketplace },
      proposals: proposals.filter {
        $0.recordID.split(separator: "-").dropFirst().first.map(String.init) == marketplace
      })
  }
}

extension ReconcileResult {
  /// The ledger alone as one document, `{"asOf", "findings", "invoices"}` in canonical JSON,
  /// each invoice as in the full result; written on every core and handed to `emit` a few
  /// thousand invoices at a time (`CanonicalJSON.document(_:emit:)`): never held whole.
  public static func ledgerJSON(
    asOf: Int, invoices: [InvoiceLedger], findings: [ReconcileFinding],
    emit: ([UInt8]) -> Void
  ) {
    ledgerJSON(
      asOf: asOf,
      invoices: .written(invoices.count) { i, indent, out in
        // Read in place (a subscript copied each ledger, retaining its strings and arrays).
        invoices.withUnsafeBufferPointer {
          if let first = $0.baseAddress { write(first + i, indent: indent, into: &out) }
        }
      }, findings: findings, emit: emit)
  }

  /// The same document with its invoices given as a member: written here, or already written
  /// (`Reconciler.ledgerDocument`).
  static func ledgerJSON(
    asOf: Int, invoices: CanonicalJSON.Member, findings: [ReconcileFinding],
    emit: ([UInt8]) -> Void
  ) {
    CanonicalJSON.document(
      [
        ("asOf", .value(day(asOf))),
        ("invoices", invoices),
        (
          "findings",
          .written(findings.count) { i, indent, out in
            findings.withUnsafeBufferPointer {
              if let first = $0.baseAddress { write(first + i, indent: indent, into: &out) }
            }
          }
        ),
      ], emit: emit)
  }

  /// A committed file's bytes: `CanonicalJSON.bytes(file(plan))`, its invoices and findings
  /// written straight to bytes.
  public func fileBytes(_ plan: FilePlan) -> [UInt8] {
    let result = self
    return CanonicalJSON.document([
      ("asOf", .value(Self.day(asOf))), ("marketplace", .value(.string(plan.marketplace))),
      ("month", .value(.string(plan.month))),
      (
        "invoices",
        .written(plan.invoices.count) {
          Self.write(result.invoices[plan.invoices[$0]], indent: $1, into: &$2)
        }
      ),
      (
        "purchaseOrders",
        .elements(plan.orders.count) { Self.json(result.purchaseOrders[plan.orders[$0]]) }
      ),
      (
        "deductions",
        .elements(plan.deductions.count) { Self.json(result.deductions[plan.deductions[$0]]) }
      ),
      ("returns", .elements(plan.returns.count) { Self.json(result.returns[plan.returns[$0]]) }),
      (
        "findings",
        .written(plan.findings.count) {
          Self.write(result.findings[plan.findings[$0]], indent: $1, into: &$2)
        }
      ),
    ])
  }

  // MARK: Straight to bytes
  //
  // The bytes `CanonicalJSON` gives for `json(_:)` of the same value (tests compare the two),
  // written member by member in canonical key order: a ledger has a hundred thousand invoices.

  static func write(_ m: Money, _ c: inout ByteCursor) {
    c.byte(0x22)
    m.amount.write(minimumScale: m.currency.minorUnits, to: &c)
    c.byte(0x22)
  }

  static func write(day d: Int, _ c: inout ByteCursor) {
    c.byte(0x22)
    CivilDate.write(d, to: &c)
    c.byte(0x22)
  }

  /// An array at `indent`, each element written by `element` (index, its indent, cursor).
  static func writeArray(
    count: Int, indent: Int, _ c: inout ByteCursor, _ element: (Int, Int, inout ByteCursor) -> Void
  ) {
    if count == 0 {
      c.literal("[]")
      return
    }
    c.literal("[\n")
    for i in 0..<count {
      c.spaces(indent + 2)
      element(i, indent + 2, &c)
      if i < count - 1 { c.byte(0x2C) }
      c.byte(0x0A)
    }
    c.spaces(indent)
    c.byte(0x5D)
  }

  /// An invoice's ledger, written through a cursor into room for about what it takes (a
  /// hundred thousand of them in a ledger).
  static func write(_ l: InvoiceLedger, indent: Int, into out: inout [UInt8]) {
    withUnsafePointer(to: l) { write($0, indent: indent, into: &out) }
  }

  static func write(_ l: UnsafePointer<InvoiceLedger>, indent: Int, into out: inout [UInt8]) {
    let entries = l.pointee.payments.count + l.pointee.deductions.count
    // About what a ledger of one payment takes, within the 1 KiB made on the stack.
    out.appendWritten(estimate: 512 + 8 * indent + entries * (256 + 8 * indent)) {
      write(l, indent: indent, &$0)
    }
  }

  /// Read in place through the pointer (a copy of the ledger retained its strings and arrays).
  static func write(_ l: UnsafePointer<InvoiceLedger>, indent: Int, _ c: inout ByteCursor) {
    func entries(_ list: [InvoiceLedger.Entry], _ indent: Int, _ c: inout ByteCursor) {
      writeArray(count: list.count, indent: indent, &c) { i, indent, c in
        var o = CanonicalJSON.ObjectBytes(indent: indent)
        o.key("amount", &c)
        write(list[i].amount, &c)
        o.key("date", &c)
        write(day: list[i].date, &c)
        o.string("paymentId", list[i].paymentId, &c)
        o.string("reference", list[i].reference, &c)
        o.string("type", list[i].type, &c)
        o.close(&c)
      }
    }
    var o = CanonicalJSON.ObjectBytes(indent: indent)
    o.string("currency", l.pointee.currency.code, &c)
    if let d = l.pointee.daysPastDue {
      o.key("daysPastDue", &c)
      c.int(d)
    }
    o.key("deductions", &c)
    entries(l.pointee.deductions, o.valueIndent, &c)
    o.key("discount", &c)
    write(l.pointee.discount, &c)
    o.key("dueDate", &c)
    if let d = l.pointee.dueDate { write(day: d, &c) } else { c.literal("null") }
    o.string("id", l.pointee.id, &c)
    o.key("invoiceDate", &c)
    write(day: l.pointee.invoiceDate, &c)
    o.string("invoiceNumber", l.pointee.invoiceNumber, &c)
    o.key("invoiced", &c)
    write(l.pointee.invoiced, &c)
    o.string("marketplace", l.pointee.marketplace, &c)
    o.key("open", &c)
    write(l.pointee.open, &c)
    o.key("paid", &c)
    write(l.pointee.paid, &c)
    o.key("payments", &c)
    entries(l.pointee.payments, o.valueIndent, &c)
    if let r = l.pointee.rounding {
      o.key("rounding", &c)
      write(r, &c)
    }
    o.string("status", l.pointee.status, &c)
    o.close(&c)
  }

  static func write(_ f: ReconcileFinding, indent: Int, into out: inout [UInt8]) {
    withUnsafePointer(to: f) { write($0, indent: indent, into: &out) }
  }

  static func write(_ f: UnsafePointer<ReconcileFinding>, indent: Int, into out: inout [UInt8]) {
    let text = f.pointee.en.utf8.count + f.pointee.zh.utf8.count
    out.appendWritten(estimate: 400 + 4 * text + 60 * f.pointee.records.count) {
      write(f, indent: indent, &$0)
    }
  }

  /// Read in place through the pointer, as a ledger is.
  static func write(_ f: UnsafePointer<ReconcileFinding>, indent: Int, _ c: inout ByteCursor) {
    var o = CanonicalJSON.ObjectBytes(indent: indent)
    o.key("amount", &c)
    if let a = f.pointee.amount { write(a, &c) } else { c.literal("null") }
    o.string("code", f.pointee.code, &c)
    o.key("currency", &c)
    if let a = f.pointee.amount { c.string(a.currency.code) } else { c.literal("null") }
    o.string("en", f.pointee.en, &c)
    o.string("marketplace", f.pointee.marketplace, &c)
    o.string("month", f.pointee.month, &c)
    o.key("records", &c)
    writeArray(count: f.pointee.records.count, indent: o.valueIndent, &c) { i, _, c in
      c.string(f.pointee.records[i])
    }
    o.string("severity", f.pointee.severity.rawValue, &c)
    o.string("zh", f.pointee.zh, &c)
    o.close(&c)
  }
}
