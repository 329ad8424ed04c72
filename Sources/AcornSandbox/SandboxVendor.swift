import AcornModel

/// The built-in sandbox: a realistic, deterministic vendor, so every feature runs without
/// credentials. Pure: (seed, marketplace, first day, as-of day) → records, the same bytes every time.
///
/// Each day of each marketplace draws its events from its own generator seeded by (seed,
/// marketplace, day), so a later as-of day adds documents and advances their state (a PO gets
/// received, an invoice paid) without changing what earlier days drew. What happens to a document
/// is decided when it is created; the snapshot shows what had happened by the as-of day:
/// POs → acknowledgements (some backorders and rejections) → ASNs (occasionally short) → receipts
/// (occasionally short: shortage claims) → invoices (occasionally at a higher cost: price claims) →
/// weekly remittances paying with the early-payment discount and netting deductions (shortages,
/// price claims, chargebacks, co-op, provisions and their reversals, shortage reversals), often on
/// a later payment than their invoice; returns that start `notified`, with debit notes arriving later.
public struct SandboxVendor: Sendable {
  public var seed: UInt64
  public var vendorCode: String
  /// How many times a day the vendor's business is drawn: 1 is a small vendor (the demo, the
  /// tests); a larger number makes a large vendor's volume (`acorn sandbox generate`). Slot 0 of
  /// every day draws exactly what volume 1 draws.
  public var volume: Int

  public init(seed: UInt64, vendorCode: String = "SBX01", volume: Int = 1) {
    self.seed = seed
    self.vendorCode = vendorCode
    self.volume = max(1, volume)
  }

  static func day(_ text: String) -> Int? { CivilDate.day(text) }

  static func date(_ day: Int) -> String { CivilDate.string(day) }

  static func time(_ day: Int, _ minutes: Int) -> String {
    CivilDate.timestamp(day * 86_400 + minutes * 60)
  }

  /// A product of the vendor's catalogue in one marketplace.
  struct Product {
    var asin: String
    var sku: String
    var cost: Int  // minor units per each
    var caseSize: Int
  }

  /// What a purchase order's life will be, drawn when it is created.
  struct Order {
    var number: String
    var day: Int
    var lines:
      [(
        product: Product, ordered: Int, unit: (String, Int), accepted: Int, backordered: Int,
        rejected: Int, shortShipped: Int, shortReceived: Int
      )]
    var ackDay: Int
    var shipDay: Int
    var receiveDay: Int
    var invoiceDay: Int
    var invoiceNumber: String
    var priceBump: Int  // minor units per each added on the invoice of line 1 (a PPV), or 0
    var shipmentID: String
  }

  struct Returned {
    var id: String
    var day: Int
    var lines: [(product: Product, requested: Int, approved: Int)]
    var creditDay: Int
  }

  /// Every record of one marketplace as of `asOf` (days since 1970), for documents created from
  /// `start` on.
  public func records(marketplace: Marketplace, start: Int, asOf: Int) -> [Record] {
    guard asOf >= start else { return [] }
    let currency = marketplace.currency
    let scale = currency.minorUnits == 0 ? 1 : 100  // JPY costs in whole yen, others in cents
    var catalogue: [Product] = []
    var catalogueRNG = Rng(seed, marketplace.code, 0)
    for i in 0..<16 {
      let cost =
        (catalogueRNG.int(400...12000) * scale) / 100 * (currency.minorUnits == 0 ? 100 : 1)
      catalogue.append(
        Product(
          asin: "B0" + catalogueRNG.code(8), sku: "\(vendorCode)-\(marketplace.code)-\(100 + i)",
          cost: max(cost, 1),
          caseSize: [1, 6, 12, 24][catalogueRNG.int(0...3)]))
    }
    var orders: [Order] = []
    var returns: [Returned] = []
    for day in start...asOf {
      for slot in 0..<volume {
        var rng = Rng(seed, slot == 0 ? marketplace.code : "\(marketplace.code)#\(slot)", day)
        draw(day: day, slot: slot, &rng, catalogue, marketplace, &orders, &returns)
      }
    }
    var out: [Record] = []
    for order in orders { out += orderRecords(order, marketplace, asOf) }
    out += remittances(orders, marketplace, start: start, asOf: asOf)
    for r in returns { out += returnRecords(r, marketplace, asOf) }
    return out
  }

  /// One slot of one day: maybe a purchase order, maybe a return.
  private func draw(
    day: Int, slot: Int, _ rng: inout Rng, _ catalogue: [Product], _ marketplace: Marketplace,
    _ orders: inout [Order], _ returns: inout [Returned]
  ) {
    if rng.chance(0.6) {
      var lines:
        [(
          product: Product, ordered: Int, unit: (String, Int), accepted: Int, backordered: Int,
          rejected: Int, shortShipped: Int, shortReceived: Int
        )] = []
      var used: Set<Int> = []
      for _ in 0..<rng.int(1...4) {
        let pick = rng.int(0...(catalogue.count - 1))
        guard used.insert(pick).inserted else { continue }
        let p = catalogue[pick]
        let cases = rng.int(1...20)
        let ordered = cases * p.caseSize
        var accepted = ordered
        var backordered = 0
        var rejected = 0
        if rng.chance(0.1) && p.caseSize > 0 && cases > 1 {
          rejected = p.caseSize
          accepted -= rejected
        } else if rng.chance(0.08) && cases > 1 {
          backordered = p.caseSize
          accepted -= backordered
        }
        let shortShipped = rng.chance(0.06) && accepted > p.caseSize ? p.caseSize : 0
        let shortReceived =
          rng.chance(0.12) ? min(rng.int(1...3), max(0, accepted - shortShipped)) : 0
        lines.append(
          (
            p, ordered, p.caseSize == 1 ? ("Eaches", 1) : ("Cases", p.caseSize), accepted,
            backordered, rejected, shortShipped, shortReceived
          ))
      }
      // Later slots append the slot: longer than slot 0's eight characters, never the same.
      let number = slot == 0 ? rng.code(8) : rng.code(8) + String(slot)
      let ship = day + rng.int(3...5)
      orders.append(
        Order(
          number: number, day: day, lines: lines, ackDay: day + 1, shipDay: ship,
          receiveDay: ship + rng.int(4...7),
          invoiceDay: ship + 1,
          invoiceNumber: invoiceNumber(marketplace, day, orders.count),
          priceBump: rng.chance(0.07) ? 50 : 0,
          shipmentID: "\(number)-1"))
    }
    if rng.chance(0.12) {
      var lines: [(product: Product, requested: Int, approved: Int)] = []
      for _ in 0..<rng.int(1...2) {
        let p = catalogue[rng.int(0...(catalogue.count - 1))]
        let requested = rng.int(1...6)
        lines.append((p, requested, rng.chance(0.8) ? requested : max(0, requested - 1)))
      }
      let id = "R\(marketplace.code)\(rng.code(7))" + (slot == 0 ? "" : "-\(slot)")
      let creditDay = day + rng.int(12...25)
      // About one return in ten never gets its credit: the window vendors lose most often.
      let neverCredited = rng.chance(0.1)
      returns.append(
        Returned(
          id: id, day: day, lines: lines, creditDay: neverCredited ? Int.max : creditDay))
    }
  }

  /// `US26113005`: marketplace, invoice date and a two-digit serial; four digits at volume > 1.
  func invoiceNumber(_ m: Marketplace, _ day: Int, _ count: Int) -> String {
    let date = Self.date(day).replacingOccurrences(of: "-", with: "").dropFirst(2)
    guard volume > 1 else { return "\(m.code)\(date)\(count % 100 < 10 ? "0" : "")\(count % 100)" }
    let serial = String(count % 10_000)
    return "\(m.code)\(date)" + String(repeating: "0", count: 4 - serial.count) + serial
  }

  func money(_ units: Int, _ m: Marketplace) -> JSONValue {
    Money(minorUnits: units, m.currency).json
  }
  static func n(_ i: Int) -> JSONValue { .number(DecimalNumber(i)) }
  var provenance: JSONValue {
    .object(["origin": .string("sandbox"), "reference": .string("seed \(seed)")])
  }

  func record(
    _ kind: RecordKind, _ m: Marketplace, _ source: [String: JSONValue],
    _ workflow: [String: JSONValue] = [:]
  ) -> Record? {
    guard case .object(let prov) = provenance else { return nil }
    return try? Record(
      kind: kind, marketplace: m, source: source, workflow: workflow, provenance: prov)
  }

  func orderRecords(_ o: Order, _ m: Marketplace, _ asOf: Int) -> [Record] {
    var out: [Record] = []
    let acked = asOf >= o.ackDay
    let shipped = asOf >= o.shipDay
    let received = asOf >= o.receiveDay
    let invoiced = asOf >= o.invoiceDay
    var poLines: [JSONValue] = []
    for (i, l) in o.lines.enumerated() {
      var q: [String: JSONValue] = ["ordered": Self.n(l.ordered)]
      if acked {
        q["accepted"] = Self.n(l.accepted)
        q["rejected"] = Self.n(l.rejected)
      }
      if shipped { q["shipped"] = Self.n(l.accepted - l.shortShipped) }
      if received { q["received"] = Self.n(l.accepted - l.shortShipped - l.shortReceived) }
      if invoiced { q["invoiced"] = Self.n(l.accepted - l.shortShipped) }
      var line: [String: JSONValue] = [
        "itemSequenceNumber": .string(String(i + 1)),
        "amazonProductIdentifier": .string(l.product.asin),
        "vendorProductIdentifier": .string(l.product.sku),
        "orderedQuantity": .object([
          "amount": Self.n(l.ordered / l.unit.1), "unitOfMeasure": .string(l.unit.0),
          "unitSize": Self.n(l.unit.1),
        ]),
        "isBackOrderAllowed": .bool(true), "netCost": money(l.product.cost, m),
        "quantities": .object(q),
      ]
      if acked {
        line["acknowledgedNetCost"] = money(l.product.cost, m)
        line["acknowledgementCode"] = .string(
          l.rejected > 0 || l.backordered > 0 ? "PartiallyAccepted" : "Accepted")
      }
      poLines.append(.object(line))
    }
    let state = received ? "Closed" : acked ? "Acknowledged" : "New"
    // Amazon's model requires the state's date on every order: the day it was created until
    // it is acknowledged, then the day of its latest state.
    let changed: [String: JSONValue] = [
      "purchaseOrderStateChangedDate": .string(
        acked ? Self.time(received ? o.receiveDay : o.ackDay, 600) : Self.time(o.day, 540))
    ]
    if let po = record(
      .purchaseOrder, m,
      changed.merging([
        "purchaseOrderNumber": .string(o.number), "purchaseOrderState": .string(state),
        "purchaseOrderStatus": .string(received ? "CLOSED" : "OPEN"),
        "purchaseOrderType": .string("RegularOrder"),
        "purchaseOrderDate": .string(Self.time(o.day, 540)), "paymentMethod": .string("Invoice"),
        "sellingParty": .object(["partyId": .string(vendorCode)]),
        "shipToParty": .object([
          "partyId": .string("\(m.code)FC1"),
          "address": .object([
            "name": .string("Amazon \(m.code)FC1"), "addressLine1": .string("1 Fulfilment Way"),
            "countryCode": .string(m.countryCode),
          ]),
        ]),
        "shipWindow": .object([
          "start": .string(Self.time(o.day + 2, 0)), "end": .string(Self.time(o.day + 9, 0)),
        ]),
        "lines": .array(poLines),
      ]) { a, _ in a })
    {
      out.append(po)
    }
    if shipped {
      let lines: [JSONValue] = o.lines.enumerated().map { i, l in
        let eaches = l.accepted - l.shortShipped
        return .object([
          "itemSequenceNumber": .string(String(i + 1)), "purchaseOrderNumber": .string(o.number),
          "amazonProductIdentifier": .string(l.product.asin),
          "vendorProductIdentifier": .string(l.product.sku),
          "shippedQuantity": .object([
            "amount": Self.n(eaches), "unitOfMeasure": .string("Eaches"), "unitSize": Self.n(1),
          ]),
          "shippedEaches": Self.n(eaches),
        ])
      }
      if let asn = record(
        .shipment, m,
        [
          "shipmentIdentifier": .string(o.shipmentID),
          "shipmentConfirmationType": .string("Original"),
          "shipmentType": .string("LessThanTruckLoad"),
          "shipmentDate": .string(Self.time(o.shipDay, 600)),
          // GetShipmentDetails knows Created … Shipped; receipt shows on the order's status.
          "shipmentStatus": .string("Shipped"),
          "sellingParty": .object(["partyId": .string(vendorCode)]),
          "shipFromParty": .object(["partyId": .string(vendorCode + "-WH1")]),
          "shipToParty": .object(["partyId": .string("\(m.code)FC1")]),
          "purchaseOrderNumbers": .array([.string(o.number)]), "lines": .array(lines),
        ])
      {
        out.append(asn)
      }
    }
    if invoiced {
      var total = 0
      var lines: [JSONValue] = []
      for (i, l) in o.lines.enumerated() {
        let eaches = l.accepted - l.shortShipped
        let cost = l.product.cost + (i == 0 ? o.priceBump : 0)
        total += eaches * cost
        lines.append(
          .object([
            "itemSequenceNumber": .string(String(i + 1)), "purchaseOrderNumber": .string(o.number),
            "amazonProductIdentifier": .string(l.product.asin),
            "vendorProductIdentifier": .string(l.product.sku),
            "invoicedQuantity": .object([
              "amount": Self.n(eaches), "unitOfMeasure": .string("Eaches"), "unitSize": Self.n(1),
            ]),
            "invoicedEaches": Self.n(eaches), "netCost": money(cost, m),
          ]))
      }
      let paid = asOf >= Self.paymentDay(forInvoiceDay: o.invoiceDay)
      if let inv = record(
        .invoice, m,
        [
          "invoiceNumber": .string(o.invoiceNumber),
          "invoiceDate": .string(Self.date(o.invoiceDay)),
          "invoiceStatus": .string(paid ? "PAID" : "IN_PROGRESS"),
          "remitToParty": .object(["partyId": .string(vendorCode)]),
          "paymentTerms": .object([
            "type": .string("Basic"), "discountPercent": .string("2"),
            "discountDueDays": Self.n(30), "netDueDays": Self.n(60),
            "text": .string("2% 30, NET 60"),
          ]),
          "dueDate": .string(Self.date(o.invoiceDay + 60)),
          "purchaseOrderNumbers": .array([.string(o.number)]),
          "totalAmount": money(total, m), "lines": .array(lines),
        ])
      {
        out.append(inv)
      }
    }
    return out
  }

  /// Invoices are paid in the weekly run on or after 30 days (taking the 2 % discount).
  static func paymentDay(forInvoiceDay day: Int) -> Int {
    let due = day + 30
    return due + (7 - ((due % 7) + 7) % 7) % 7
  }

  /// A remittance line and the deduction record it implies.
  struct Deduction {
    var number: String
    var type: String
    var classification: String
    var base: String?
    var amount: Int
    var agreement: String?
    var description: String
  }

  func remittances(_ orders: [Order], _ m: Marketplace, start: Int, asOf: Int) -> [Record] {
    var out: [Record] = []
    var pendingReversal: Deduction?
    var claimsDue: [(day: Int, d: Deduction)] = []
    // Deductions for an invoice are raised about a week after it is paid: on a later payment.
    for o in orders {
      let payDay = Self.paymentDay(forInvoiceDay: o.invoiceDay)
      let shortUnits = o.lines.reduce(0) { $0 + $1.shortReceived }
      if shortUnits > 0 {
        let cost = o.lines.filter { $0.shortReceived > 0 }.reduce(0) {
          $0 + $1.shortReceived * $1.product.cost
        }
        claimsDue.append(
          (
            payDay + 7,
            Deduction(
              number: o.invoiceNumber + "SC", type: "shortage-claim",
              classification: "shortage-claim", base: o.invoiceNumber, amount: -cost,
              agreement: nil,
              description: "Shortage claim")
          ))
        if cost > 0 && o.number.hasSuffix("A") == false && o.number.first.map({ $0 < "H" }) == true
        {
          // About a third of shortages are disputed and reversed a month later.
          claimsDue.append(
            (
              payDay + 35,
              Deduction(
                number: o.invoiceNumber + "SCR", type: "shortage-claim-reversal",
                classification: "shortage-claim-reversal", base: o.invoiceNumber, amount: cost,
                agreement: nil,
                description: "Shortage claim reversal")
            ))
        }
      }
      if o.priceBump > 0, let first = o.lines.first {
        let units = first.accepted - first.shortShipped
        claimsDue.append(
          (
            payDay + 7,
            Deduction(
              number: o.invoiceNumber + "PC", type: "price-claim", classification: "price-claim",
              base: o.invoiceNumber, amount: -(units * o.priceBump), agreement: nil,
              description: "Price claim")
          ))
      }
    }
    let firstRun = start + (7 - ((start % 7) + 7) % 7) % 7
    var runDay = firstRun
    while runDay <= asOf {
      var rng = Rng(seed, m.code + "-pay", runDay)
      var lines: [JSONValue] = []
      var deductions: [Deduction] = []
      var paidTotal = 0
      let payments = "\(rng.int(100_000_000...999_999_999))"
      let paymentNumber = "\(rng.int(300_000_000...399_999_999))"
      var lineNumber = 0
      func add(
        _ invoice: String, _ date: String, _ classification: String, base: String?, amount: Int,
        discount: Int, description: String?
      ) {
        lineNumber += 1
        var line: [String: JSONValue] = [
          "lineNumber": Self.n(lineNumber), "invoiceNumber": .string(invoice),
          "invoiceDate": .string(date),
          "classification": .string(classification), "invoiceAmount": money(amount, m),
          "amountPaid": money(amount - discount, m),
        ]
        if discount != 0 { line["discountTaken"] = money(discount, m) }
        if let base { line["baseInvoiceNumber"] = .string(base) }
        if let description { line["description"] = .string(description) }
        lines.append(.object(line))
        paidTotal += amount - discount
      }
      for o in orders where Self.paymentDay(forInvoiceDay: o.invoiceDay) == runDay {
        var total = 0
        for (i, l) in o.lines.enumerated() {
          total += (l.accepted - l.shortShipped) * (l.product.cost + (i == 0 ? o.priceBump : 0))
        }
        let discount = (total * 2 + 50) / 100
        add(
          o.invoiceNumber, Self.date(o.invoiceDay), "invoice", base: nil, amount: total,
          discount: discount, description: nil)
      }
      for (_, d) in claimsDue.filter({ $0.day == runDay }) { deductions.append(d) }
      if let reversal = pendingReversal {
        deductions.append(reversal)
        pendingReversal = nil
      }
      if rng.chance(0.15) {
        deductions.append(
          Deduction(
            number: "\(rng.int(1_000_000...9_999_999))VCBSINV", type: "chargeback",
            classification: "chargeback", base: nil,
            amount: -rng.int(20...300) * 100, agreement: nil,
            description: "Chargeback debit note: "
              + ["ASN Accuracy", "PO On-Time Accuracy", "Non-Compliant Barcode"][rng.int(0...2)]))
      }
      if Self.date(runDay).hasSuffix("-01") || (runDay - firstRun) % 28 == 0 {
        let agreement = "\(rng.int(1000...9999))-\(rng.int(10_000_000...99_999_999))"
        deductions.append(
          Deduction(
            number: agreement, type: "coop", classification: "coop", base: nil,
            amount: -rng.int(50...400) * 100, agreement: agreement,
            description: "Co-op: marketing and promotion"))
      }
      if rng.chance(0.1) {
        let stamp = Self.date(runDay).replacingOccurrences(of: "-", with: "").dropFirst(2)
        let amount = rng.int(100...900) * 100
        deductions.append(
          Deduction(
            number: "\(stamp)-PROVISION FOR RECEIVABLES", type: "provision",
            classification: "provision", base: nil, amount: -amount, agreement: nil,
            description: "Provision for receivables"))
        pendingReversal = Deduction(
          number: "\(stamp)-PROVISION FOR RECEIVABLESR", type: "provision-reversal",
          classification: "provision-reversal", base: nil, amount: amount,
          agreement: nil, description: "Provision for receivables reversal")
      }
      for d in deductions {
        add(
          d.number, Self.date(runDay), d.classification, base: d.base, amount: d.amount,
          discount: 0, description: d.description)
      }
      if !lines.isEmpty,
        let pay = record(
          .remittance, m,
          [
            "uniquePaymentId": .string(payments), "paymentNumber": .string(paymentNumber),
            "paymentDate": .string(Self.time(runDay, 0)),
            "paymentAmount": money(paidTotal, m), "paymentMethod": .string("EFT"),
            "remittanceStatus": .string("SUCCESSFUL"),
            "countryCode": .string(m.countryCode), "vendorCodes": .array([.string(vendorCode)]),
            "lines": .array(lines),
          ])
      {
        out.append(pay)
        for d in deductions {
          var source: [String: JSONValue] = [
            "deductionNumber": .string(d.number), "deductionType": .string(d.type),
            "deductionDate": .string(Self.date(runDay)),
            "description": .string(d.description), "amount": money(d.amount, m),
            "uniquePaymentId": .string(payments),
            "paymentNumber": .string(paymentNumber),
          ]
          if let base = d.base { source["baseInvoiceNumber"] = .string(base) }
          if let a = d.agreement { source["agreementId"] = .string(a) }
          let settled = d.amount > 0
          if let r = record(
            .deduction, m, source, ["state": .string(settled ? "recovered" : "detected")])
          {
            out.append(r)
          }
        }
      }
      runDay += 7
    }
    return out
  }

  func returnRecords(_ r: Returned, _ m: Marketplace, _ asOf: Int) -> [Record] {
    var out: [Record] = []
    let approved = asOf >= r.day + 2
    let credited = asOf >= r.creditDay
    var requestedTotal = 0
    var approvedTotal = 0
    var lines: [JSONValue] = []
    for (i, l) in r.lines.enumerated() {
      requestedTotal += l.requested * l.product.cost
      var line: [String: JSONValue] = [
        "lineNumber": Self.n(i + 1), "amazonProductIdentifier": .string(l.product.asin),
        "vendorProductIdentifier": .string(l.product.sku),
        "requestedQuantity": Self.n(l.requested), "unitCost": money(l.product.cost, m),
        "requestedRefund": money(l.requested * l.product.cost, m),
      ]
      if approved {
        approvedTotal += l.approved * l.product.cost
        line["approvedQuantity"] = Self.n(l.approved)
        line["approvedRefund"] = money(l.approved * l.product.cost, m)
      }
      lines.append(.object(line))
    }
    var source: [String: JSONValue] = [
      "returnId": .string(r.id), "noticeDate": .string(Self.time(r.day, 480)),
      "status": .string(credited ? "Closed" : approved ? "Approved" : "New"),
      "returnType": .string("overstock"),
      "condition": .string("sellable"), "warehouse": .string("\(m.code)FC1"),
      "vendorCode": .string(vendorCode),
      "totalRequestedRefund": money(requestedTotal, m), "lines": .array(lines),
    ]
    if approved { source["totalApprovedRefund"] = money(approvedTotal, m) }
    var workflow: [String: JSONValue] = ["state": .string("notified")]
    if credited && approvedTotal > 0 {
      workflow["creditNoteIds"] = .array([
        .string(Record.makeID(kind: .creditNote, marketplace: m, key: "DN" + r.id))
      ])
    }
    if let ret = record(.return, m, source, workflow) { out.append(ret) }
    if credited && approvedTotal > 0 {
      let cnLines: [JSONValue] = r.lines.enumerated().compactMap { i, l in
        l.approved == 0
          ? nil
          : .object([
            "itemSequenceNumber": .string(String(i + 1)),
            "amazonProductIdentifier": .string(l.product.asin), "quantity": Self.n(l.approved),
            "netCost": money(l.product.cost, m), "amount": money(l.approved * l.product.cost, m),
          ])
      }
      if let cn = record(
        .creditNote, m,
        [
          "creditNoteNumber": .string("DN" + r.id), "noteType": .string("amazon-debit-note"),
          "reason": .string("returns"),
          "issueDate": .string(Self.date(r.creditDay)), "debitNoteNumber": .string("DN" + r.id),
          "returnsReferenceNumber": .string(r.id),
          "totalAmount": money(approvedTotal, m), "lines": .array(cnLines),
        ],
        [
          "state": .string("expected"),
          "returnIds": .array([.string(Record.makeID(kind: .return, marketplace: m, key: r.id))]),
        ])
      {
        out.append(cn)
      }
    }
    return out
  }
}

/// SplitMix64 seeded from (seed, marketplace, day): independent, reproducible draws per day.
struct Rng {
  var state: UInt64

  init(_ seed: UInt64, _ label: String, _ day: Int) {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in label.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
    state =
      seed &* 0x9E37_79B9_7F4A_7C15 ^ h ^ UInt64(bitPattern: Int64(day)) &* 0xBF58_476D_1CE4_E5B9
  }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  mutating func int(_ range: ClosedRange<Int>) -> Int {
    range.lowerBound + Int(next() % UInt64(range.upperBound - range.lowerBound + 1))
  }

  mutating func chance(_ p: Double) -> Bool { Double(next() % 1_000_000) < p * 1_000_000 }

  static let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")

  mutating func code(_ n: Int) -> String {
    String((0..<n).map { _ in Rng.alphabet[int(0...(Rng.alphabet.count - 1))] })
  }
}
