import AcornModel

/// What a draft is checked against: the marketplace's purchase orders, the shipments and invoices
/// Amazon reports, and the outbound documents already drafted or sent. Pure values; the
/// workspace reads them, the clock's reading is passed in.
public struct OutboundContext: Sendable {
  public var marketplace: Marketplace
  public var vendorCode: String
  public var purchaseOrders: [String: Record]
  public var shipments: [Record]
  public var invoices: [Record]
  public var outbound: [Record]
  /// Now, `YYYY-MM-DDTHH:MM:SSZ`.
  public var now: String

  public init(
    marketplace: Marketplace, vendorCode: String, purchaseOrders: [Record], shipments: [Record],
    invoices: [Record], outbound: [Record], now: String
  ) {
    self.marketplace = marketplace
    self.vendorCode = vendorCode
    var byNumber: [String: Record] = [:]
    for po in purchaseOrders {
      if let n = po.json["source"]?["purchaseOrderNumber"]?.stringValue { byNumber[n] = po }
    }
    self.purchaseOrders = byNumber
    self.shipments = shipments
    self.invoices = invoices
    self.outbound = outbound
    self.now = now
  }

  var today: Int { CivilDate.day(String(now.prefix(10))) ?? 0 }

  func purchaseOrder(_ number: String) throws(OutboundError) -> Record {
    guard let po = purchaseOrders[number] else {
      throw OutboundError(
        "outbound.unknown-po",
        "no purchase order \(number) in \(marketplace.code); sync or import it first (acorn list --kind purchase-order)"
      )
    }
    return po
  }

  /// Outbound documents of a type that count (not cancelled or failed), other than `except`.
  func live(_ type: OutboundType, except key: String? = nil) -> [Record] {
    outbound.filter { r in
      guard let v = OutboundView(r), v.type == type, v.key != key else { return false }
      return v.state != .cancelled && v.state != .failed
    }
  }

  /// The latest acknowledgement document for a PO (any state but cancelled), if any.
  func latestAcknowledgement(_ po: String) -> Record? {
    outbound.filter { r in
      guard let v = OutboundView(r) else { return false }
      return v.type == .acknowledgement && v.number == po && v.state != .cancelled
        && v.state != .failed
    }.max { (OutboundView($0)?.revision ?? 0) < (OutboundView($1)?.revision ?? 0) }
  }
}

/// A line of a purchase order with the quantities the checks need, in eaches.
struct POLine {
  var po: String
  var sequence: String
  var asin: String?
  var sku: String?
  var ordered: Int
  var orderedQuantity: JSONValue?
  var netCost: Money?
  var json: JSONValue

  static func lines(_ po: Record) -> [POLine] {
    let number = po.json["source"]?["purchaseOrderNumber"]?.stringValue ?? ""
    return (po.json["source"]?["lines"]?.arrayValue ?? []).enumerated().map { i, l in
      let q = l["orderedQuantity"]
      let ordered =
        l["quantities"]?["ordered"]?.intValue
        ?? ((q?["amount"]?.intValue ?? 0) * (q?["unitSize"]?.intValue ?? 1))
      return POLine(
        po: number, sequence: l["itemSequenceNumber"]?.stringValue ?? String(i + 1),
        asin: l["amazonProductIdentifier"]?.stringValue,
        sku: l["vendorProductIdentifier"]?.stringValue, ordered: ordered, orderedQuantity: q,
        netCost: RecordViews.money(l["netCost"]), json: l)
    }
  }

  /// Whether a document line (by PO line number, else ASIN or SKU) is this line.
  func matches(_ l: JSONValue, po: String?) -> Bool {
    guard (l["purchaseOrderNumber"]?.stringValue ?? po) == self.po else { return false }
    if let ref = l["purchaseOrderLine"]?.stringValue { return ref == sequence }
    if let a = l["amazonProductIdentifier"]?.stringValue, let asin { return a == asin }
    if let s = l["vendorProductIdentifier"]?.stringValue, let sku { return s == sku }
    return false
  }
}

/// One line's decision in an acknowledgement: eaches accepted, backordered and rejected.
public struct AckDecision: Sendable, Equatable {
  public var accepted: Int
  public var backordered: Int
  public var rejected: Int
  public var reason: String?

  public init(accepted: Int, backordered: Int = 0, rejected: Int = 0, reason: String? = nil) {
    self.accepted = accepted
    self.backordered = backordered
    self.rejected = rejected
    self.reason = reason
  }

  public static let rejectionReasons = [
    "TemporarilyUnavailable", "InvalidProductIdentifier", "ObsoleteProduct",
  ]

  /// `accepted:N,backordered:N,rejected:N:REASON` (parts in any order, missing parts 0).
  public static func parse(_ text: String) throws(OutboundError) -> AckDecision {
    var d = AckDecision(accepted: 0)
    for part in text.split(separator: ",") {
      let f = part.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
      guard f.count >= 2, let n = Int(f[1]), n >= 0 else {
        throw OutboundError(
          "outbound.usage",
          "\"\(part)\": expected accepted:N, backordered:N or rejected:N:REASON")
      }
      switch f[0] {
      case "accepted" where f.count == 2: d.accepted = n
      case "backordered" where f.count == 2: d.backordered = n
      case "rejected":
        d.rejected = n
        if f.count == 3 { d.reason = f[2] }
      default:
        throw OutboundError(
          "outbound.usage",
          "\"\(part)\": expected accepted:N, backordered:N or rejected:N:REASON")
      }
    }
    return d
  }
}

/// The choices for an ASN beyond what the purchase orders say.
public struct ASNOptions: Sendable {
  /// Eaches to ship per line reference (`SEQ` for one PO, `PO/SEQ` for several); absent lines
  /// ship what is accepted and not shipped yet.
  public var quantities: [String: Int] = [:]
  /// Cartons, each a list of line reference → eaches.
  public var cartons: [[String: Int]] = []
  /// A declared carton count (checked against `cartons` when both are given).
  public var cartonCount: Int?
  public var shipmentIdentifier: String?
  public var shipDate: String?
  public var estimatedDelivery: String?
  public var carrierScac: String?
  public var tracking: String?
  public var billOfLading: String?
  public var shipmentType = "LessThanTruckLoad"
  public var transportationMode = "Road"

  public init() {}
}

/// The choices for an invoice beyond what the purchase orders and shipments say.
public struct InvoiceOptions: Sendable {
  public var number: String?
  /// `YYYY-MM-DD`; default today.
  public var date: String?
  /// Invoice what this ASN (an outbound document or a synced shipment record) shipped.
  public var fromShipment: Record?
  /// Eaches per line reference (as in `ASNOptions.quantities`).
  public var quantities: [String: Int] = [:]
  /// Unit cost per line reference, when it differs from the PO (refused: Amazon short-pays it).
  public var costs: [String: Money] = [:]
  public var paymentTerms: JSONValue?

  public init() {}
}

/// Pure drafting: purchase orders and what happened to them in, an outbound record out, or the
/// reason it cannot be drafted.
public enum Drafting {
  static func ref(_ line: POLine, single: Bool) -> String {
    single ? line.sequence : "\(line.po)/\(line.sequence)"
  }

  /// Unknown line references are an error naming the lines that exist.
  static func checkRefs(_ refs: some Collection<String>, _ lines: [POLine], single: Bool)
    throws(OutboundError)
  {
    let known = Set(lines.map { ref($0, single: single) })
    let unknown = refs.filter { !known.contains($0) }.sorted()
    if !unknown.isEmpty {
      throw OutboundError(
        "outbound.unknown-line",
        "no line \(unknown.joined(separator: ", ")) (lines: \(lines.map { ref($0, single: single) }.joined(separator: ", "))\(single ? "" : "; name a line PO/SEQ"))"
      )
    }
  }

  static func party(_ id: String) -> JSONValue { .object(["partyId": .string(id)]) }

  // MARK: acknowledgement

  /// An acknowledgement of every line of `poNumber`: `decisions` by line sequence; lines not
  /// named are accepted in full when `acceptRest`, else they are an error (Amazon treats a
  /// missing line as rejected).
  public static func acknowledgement(
    poNumber: String, decisions: [String: AckDecision], acceptRest: Bool,
    context: OutboundContext
  ) throws(OutboundError) -> Record {
    let po = try context.purchaseOrder(poNumber)
    let lines = POLine.lines(po)
    guard !lines.isEmpty else {
      throw OutboundError("outbound.empty", "purchase order \(poNumber) has no lines")
    }
    try checkRefs(decisions.keys, lines, single: true)
    let previous = context.latestAcknowledgement(poNumber)
    var out: [JSONValue] = []
    for line in lines {
      let d: AckDecision
      if let given = decisions[line.sequence] {
        d = given
      } else if acceptRest {
        d = AckDecision(accepted: line.ordered)
      } else {
        throw OutboundError(
          "outbound.line-missing",
          "line \(line.sequence) of \(poNumber) is not acknowledged; Amazon treats a missing line as rejected — give \(line.sequence)=accepted:\(line.ordered) (or rejected:\(line.ordered):REASON), or --accept-all for the lines not named"
        )
      }
      var l: [String: JSONValue] = [
        "itemSequenceNumber": .string(line.sequence),
        "orderedEaches": Quantities.int(line.ordered),
        "acceptedEaches": Quantities.int(d.accepted),
        "backorderedEaches": Quantities.int(d.backordered),
        "rejectedEaches": Quantities.int(d.rejected),
      ]
      if let q = line.orderedQuantity { l["orderedQuantity"] = q }
      if let a = line.asin { l["amazonProductIdentifier"] = .string(a) }
      if let s = line.sku { l["vendorProductIdentifier"] = .string(s) }
      if let c = line.netCost { l["netCost"] = c.json }
      if let r = d.reason { l["rejectionReason"] = .string(r) }
      // A line Amazon has seen rejected cannot come back (archived vendor guide).
      if let previous, let prevView = OutboundView(previous), prevView.state.isSent,
        let prev = previous.json["source"]?["lines"]?.arrayValue?.first(where: {
          $0["itemSequenceNumber"]?.stringValue == line.sequence
        }),
        (prev["rejectedEaches"]?.intValue ?? 0) == (prev["orderedEaches"]?.intValue ?? -1),
        d.accepted + d.backordered > 0
      {
        throw OutboundError(
          "outbound.rejected-line",
          "line \(line.sequence) of \(poNumber) was acknowledged as rejected in \(previous.id ?? ""); Amazon does not let a rejected line become accepted or backordered"
        )
      }
      out.append(.object(l))
    }
    let revision =
      try nextRevision(
        .acknowledgement, number: poNumber, context: context, replaceable: true)
    let key = OutboundView.key(.acknowledgement, number: poNumber, revision: revision)
    let source: [String: JSONValue] = [
      "documentType": .string(OutboundType.acknowledgement.rawValue),
      "documentKey": .string(key), "revision": Quantities.int(revision),
      "createdDate": .string(context.now), "purchaseOrderNumber": .string(poNumber),
      "purchaseOrderNumbers": .array([.string(poNumber)]),
      "acknowledgementDate": .string(context.now),
      "sellingParty": po.json["source"]?["sellingParty"] ?? party(context.vendorCode),
      "lines": .array(out),
    ]
    let record = try make(source, context)
    try check(record, context: context)
    return record
  }

  /// The revision a new draft takes: the existing draft's (replaced), 1 when there is none, or
  /// one past the last when earlier revisions were sent, failed or cancelled. An approved,
  /// unsent document must be cancelled or sent first.
  static func nextRevision(
    _ type: OutboundType, number: String, context: OutboundContext, replaceable: Bool
  ) throws(OutboundError) -> Int {
    let same = context.outbound.compactMap(OutboundView.init).filter {
      $0.type == type && $0.number == number
    }.sorted { $0.revision < $1.revision }
    guard let last = same.last else { return 1 }
    switch last.state {
    case .draft: return last.revision
    case .approved:
      throw OutboundError(
        "outbound.approved",
        "\(last.id) is approved and not sent; submit it (acorn submit \(last.id)) or cancel it (acorn set \(last.id) workflow.state=cancelled) before drafting again"
      )
    case .submitted, .accepted:
      guard replaceable else {
        throw OutboundError(
          "outbound.sent",
          "\(last.id) was sent to Amazon (\(last.state.rawValue)); \(type == .invoice ? "an invoice number is never reused — give another --number" : "draft a new one")"
        )
      }
      return last.revision + 1
    case .failed, .cancelled: return last.revision + 1
    }
  }

  static func make(_ source: [String: JSONValue], _ context: OutboundContext)
    throws(OutboundError) -> Record
  {
    do {
      return try Record(
        kind: .outbound, marketplace: context.marketplace, source: source,
        workflow: ["state": .string(OutboundState.draft.rawValue)],
        provenance: [
          "origin": .string("draft"), "observedOn": .string(String(context.now.prefix(10))),
        ])
    } catch {
      throw OutboundError("outbound.record", "\(error)")
    }
  }

  // MARK: shipment confirmation

  /// What has been accepted on a PO line: the latest acknowledgement we drafted or sent, else
  /// Amazon's accepted quantity, else nil (not acknowledged).
  static func accepted(_ line: POLine, _ context: OutboundContext) -> Int? {
    if let ack = context.latestAcknowledgement(line.po),
      let l = ack.json["source"]?["lines"]?.arrayValue?.first(where: {
        $0["itemSequenceNumber"]?.stringValue == line.sequence
      })
    {
      return l["acceptedEaches"]?.intValue
    }
    return line.json["quantities"]?["accepted"]?.intValue
  }

  /// Eaches of a PO line already on a document: what Amazon knows (the larger of the PO's
  /// figure and its records of that kind — two views of the same documents) plus what our own
  /// live outbound documents carry that Amazon's records do not show yet (matched by the
  /// document number in `keyField`).
  static func already(
    _ line: POLine, poField: String, records: [Record], lineField: String,
    outbound: [Record], outboundField: String, keyField: String
  ) -> Int {
    let fromPO = line.json["quantities"]?[poField]?.intValue ?? 0
    func sum(_ rs: [Record], _ field: String) -> Int {
      rs.reduce(0) { total, r in
        total
          + (r.json["source"]?["lines"]?.arrayValue ?? []).filter { line.matches($0, po: nil) }
          .reduce(0) { $0 + ($1[field]?.intValue ?? 0) }
      }
    }
    let known = Set(records.compactMap { $0.json["source"]?[keyField]?.stringValue })
    let ours = outbound.filter {
      guard let k = $0.json["source"]?[keyField]?.stringValue else { return true }
      return !known.contains(k)
    }
    return max(fromPO, sum(records, lineField)) + sum(ours, outboundField)
  }

  public static func shipmentConfirmation(
    poNumbers: [String], options: ASNOptions, context: OutboundContext
  ) throws(OutboundError) -> Record {
    guard !poNumbers.isEmpty else {
      throw OutboundError("outbound.usage", "name at least one purchase order")
    }
    var lines: [POLine] = []
    var shipTo: JSONValue?
    for n in poNumbers {
      let po = try context.purchaseOrder(n)
      let to = po.json["source"]?["shipToParty"]
      if let shipTo, let to, shipTo["partyId"] != to["partyId"] {
        throw OutboundError(
          "outbound.ship-to",
          "\(n) ships to \(to["partyId"]?.stringValue ?? "?"), not \(shipTo["partyId"]?.stringValue ?? "?"); one ASN is one truck to one fulfilment centre — draft one ASN per destination"
        )
      }
      shipTo = shipTo ?? to
      lines += POLine.lines(po)
    }
    let single = poNumbers.count == 1
    try checkRefs(options.quantities.keys, lines, single: single)
    for c in options.cartons { try checkRefs(c.keys, lines, single: single) }
    let identifier = options.shipmentIdentifier ?? nextShipmentIdentifier(poNumbers[0], context)
    let key = OutboundView.key(.shipmentConfirmation, number: identifier, revision: 1)
    if let existing = context.outbound.compactMap(OutboundView.init).first(where: {
      $0.type == .shipmentConfirmation && $0.number == identifier
    }), existing.state != .draft {
      throw OutboundError(
        "outbound.sent",
        "\(existing.id) already uses shipment id \(identifier) (\(existing.state.rawValue)); Amazon wants a shipment id not used in the last 365 days — give another --shipment-id"
      )
    }
    let others = context.live(.shipmentConfirmation, except: key)
    var out: [JSONValue] = []
    for line in lines {
      let r = ref(line, single: single)
      guard let accepted = accepted(line, context) else {
        if options.quantities[r] != nil {
          throw OutboundError(
            "outbound.not-acknowledged",
            "line \(r) of \(line.po) is not acknowledged; draft the acknowledgement first (acorn draft ack \(line.po))"
          )
        }
        continue
      }
      let before = already(
        line, poField: "shipped", records: context.shipments, lineField: "shippedEaches",
        outbound: others, outboundField: "shippedEaches", keyField: "shipmentIdentifier")
      let open = max(0, accepted - before)
      let qty = options.quantities[r] ?? open
      if qty > open {
        throw OutboundError(
          "outbound.over-ship",
          "line \(r) of \(line.po): shipping \(qty) eaches, but only \(accepted) were accepted and \(before) already shipped (\(open) open)"
        )
      }
      guard qty > 0 else { continue }
      var l: [String: JSONValue] = [
        "itemSequenceNumber": .string(String(out.count + 1)),
        "purchaseOrderNumber": .string(line.po), "purchaseOrderLine": .string(line.sequence),
        "shippedEaches": Quantities.int(qty),
      ]
      if let a = line.asin { l["amazonProductIdentifier"] = .string(a) }
      if let s = line.sku { l["vendorProductIdentifier"] = .string(s) }
      out.append(.object(l))
    }
    guard !out.isEmpty else {
      throw OutboundError(
        "outbound.nothing-to-ship",
        "nothing open to ship on \(poNumbers.joined(separator: ", ")): every accepted each is on a shipment already (or nothing is acknowledged)"
      )
    }
    // Cartons: each names its lines by the same references; item references are ASN lines.
    var cartons: [JSONValue] = []
    for (i, c) in options.cartons.enumerated() {
      var items: [JSONValue] = []
      for (r, n) in c.sorted(by: { $0.key < $1.key }) {
        guard
          let asnLine = out.first(where: { l in
            lines.contains {
              ref($0, single: single) == r && $0.po == l["purchaseOrderNumber"]?.stringValue
                && $0.sequence == l["purchaseOrderLine"]?.stringValue
            }
          })
        else {
          throw OutboundError(
            "outbound.carton", "carton \(i + 1) holds line \(r), which this ASN does not ship")
        }
        items.append(
          .object([
            "itemReference": asnLine["itemSequenceNumber"] ?? .string(""),
            "shippedEaches": Quantities.int(n),
          ]))
      }
      var carton: [String: JSONValue] = [
        "cartonSequenceNumber": .string(String(format3(i + 1))), "items": .array(items),
      ]
      if options.shipmentType == "SmallParcel", let t = options.tracking {
        carton["trackingNumber"] = .string("\(t)-\(i + 1)")
      }
      cartons.append(.object(carton))
    }
    let shipped = options.shipDate.map { $0.count == 10 ? $0 + "T00:00:00Z" : $0 } ?? context.now
    var source: [String: JSONValue] = [
      "documentType": .string(OutboundType.shipmentConfirmation.rawValue),
      "documentKey": .string(key), "revision": Quantities.int(1),
      "createdDate": .string(context.now), "shipmentIdentifier": .string(identifier),
      "shipmentConfirmationType": .string("Original"),
      "shipmentType": .string(options.shipmentType), "shippedDate": .string(shipped),
      "purchaseOrderNumbers": .array(poNumbers.sorted().map(JSONValue.string)),
      "sellingParty": party(context.vendorCode), "shipFromParty": party(context.vendorCode),
      "shipToParty": shipTo ?? party("UNKNOWN"), "lines": .array(out),
    ]
    if !cartons.isEmpty { source["cartons"] = .array(cartons) }
    if let n = options.cartonCount ?? (cartons.isEmpty ? nil : cartons.count) {
      source["cartonCount"] = Quantities.int(n)
    }
    if let e = options.estimatedDelivery {
      source["estimatedDeliveryDate"] = .string(e.count == 10 ? e + "T00:00:00Z" : e)
    }
    var transport: [String: JSONValue] = [
      "transportationMode": .string(options.transportationMode)
    ]
    if let s = options.carrierScac { transport["carrierScac"] = .string(s) }
    if let t = options.tracking { transport["carrierShipmentReferenceNumber"] = .string(t) }
    if let b = options.billOfLading { transport["billOfLadingNumber"] = .string(b) }
    source["transportation"] = .object(transport)
    let record = try make(source, context)
    try check(record, context: context)
    return record
  }

  static func format3(_ n: Int) -> String {
    let s = String(n)
    return s.count >= 3 ? s : String(repeating: "0", count: 3 - s.count) + s
  }

  /// `<PO>-<n>`, the first n no shipment or outbound document of this marketplace uses.
  static func nextShipmentIdentifier(_ po: String, _ context: OutboundContext) -> String {
    var used = Set(
      context.shipments.compactMap { $0.json["source"]?["shipmentIdentifier"]?.stringValue })
    used.formUnion(
      context.outbound.compactMap { $0.json["source"]?["shipmentIdentifier"]?.stringValue })
    var n = 1
    while used.contains("\(po)-\(n)") { n += 1 }
    return "\(po)-\(n)"
  }

  // MARK: invoice

  public static func invoice(
    poNumbers: [String], options: InvoiceOptions, context: OutboundContext
  ) throws(OutboundError) -> Record {
    var pos = poNumbers
    if let asn = options.fromShipment {
      pos = RecordViews.strings(asn.json["source"]?["purchaseOrderNumbers"])
      if !poNumbers.isEmpty, Set(poNumbers) != Set(pos) {
        throw OutboundError(
          "outbound.usage",
          "\(asn.id ?? "the ASN") ships \(pos.joined(separator: ", ")), not \(poNumbers.joined(separator: ", "))"
        )
      }
    }
    guard !pos.isEmpty else {
      throw OutboundError("outbound.usage", "name at least one purchase order or --from-asn")
    }
    var lines: [POLine] = []
    var currency: CurrencyCode?
    var first: Record?
    for n in pos {
      let po = try context.purchaseOrder(n)
      first = first ?? po
      lines += POLine.lines(po)
    }
    let single = pos.count == 1
    try checkRefs(options.quantities.keys, lines, single: single)
    try checkRefs(options.costs.keys, lines, single: single)
    let number = options.number ?? pos[0]
    let revision = try nextRevision(
      .invoice, number: number, context: context, replaceable: false)
    let key = OutboundView.key(.invoice, number: number, revision: revision)
    var out: [JSONValue] = []
    for line in lines {
      let r = ref(line, single: single)
      let shippedHere: Int?
      if let asn = options.fromShipment {
        shippedHere = (asn.json["source"]?["lines"]?.arrayValue ?? []).filter {
          line.matches($0, po: nil)
        }.reduce(0) { $0 + ($1["shippedEaches"]?.intValue ?? 0) }
      } else {
        shippedHere = nil
      }
      let open: Int
      if let shippedHere {
        open = shippedHere
      } else {
        let shipped = already(
          line, poField: "shipped", records: context.shipments, lineField: "shippedEaches",
          outbound: context.live(.shipmentConfirmation), outboundField: "shippedEaches",
          keyField: "shipmentIdentifier")
        let invoiced = already(
          line, poField: "invoiced", records: context.invoices, lineField: "invoicedEaches",
          outbound: context.live(.invoice, except: key), outboundField: "invoicedEaches",
          keyField: "invoiceNumber")
        open = max(0, shipped - invoiced)
      }
      let qty = options.quantities[r] ?? open
      guard qty > 0 else { continue }
      guard let cost = options.costs[r] ?? line.netCost else {
        throw OutboundError(
          "outbound.no-cost", "line \(r) of \(line.po) has no net cost on the purchase order")
      }
      if let c = currency, c != cost.currency {
        throw OutboundError(
          "outbound.currency",
          "line \(r) is in \(cost.currency.code), the invoice in \(c.code); one invoice, one currency"
        )
      }
      currency = cost.currency
      var l: [String: JSONValue] = [
        "itemSequenceNumber": .string(String(out.count + 1)),
        "purchaseOrderNumber": .string(line.po), "purchaseOrderLine": .string(line.sequence),
        "invoicedEaches": Quantities.int(qty), "netCost": cost.json,
      ]
      if let a = line.asin { l["amazonProductIdentifier"] = .string(a) }
      if let s = line.sku { l["vendorProductIdentifier"] = .string(s) }
      out.append(.object(l))
    }
    guard !out.isEmpty, let currency else {
      throw OutboundError(
        "outbound.nothing-to-invoice",
        "nothing to invoice on \(pos.joined(separator: ", ")): no shipped each is left uninvoiced (Amazon wants an invoice only for goods shipped)"
      )
    }
    let total = try total(out, currency)
    let date = options.date ?? String(context.now.prefix(10))
    var source: [String: JSONValue] = [
      "documentType": .string(OutboundType.invoice.rawValue),
      "documentKey": .string(key), "revision": Quantities.int(revision),
      "createdDate": .string(context.now), "invoiceNumber": .string(number),
      "invoiceType": .string("Invoice"), "invoiceDate": .string(date),
      "purchaseOrderNumbers": .array(pos.sorted().map(JSONValue.string)),
      "remitToParty": party(context.vendorCode), "totalAmount": total.json,
      "lines": .array(out),
    ]
    if let to = first?.json["source"]?["shipToParty"] { source["shipToParty"] = to }
    if let bill = first?.json["source"]?["billToParty"] { source["billToParty"] = bill }
    if let terms = options.paymentTerms { source["paymentTerms"] = terms }
    if let asn = options.fromShipment,
      let id = asn.json["source"]?["shipmentIdentifier"]?.stringValue
    {
      source["shipmentIdentifier"] = .string(id)
    }
    let record = try make(source, context)
    try check(record, context: context)
    return record
  }

  static func total(_ lines: [JSONValue], _ currency: CurrencyCode) throws(OutboundError) -> Money {
    do {
      var sum = Money.zero(currency)
      for l in lines {
        guard let cost = RecordViews.money(l["netCost"]), let n = l["invoicedEaches"]?.intValue
        else { continue }
        sum = try sum + cost.times(n).roundedToMinorUnit
      }
      return sum
    } catch {
      throw OutboundError("outbound.money", "\(error)")
    }
  }

  // MARK: checks

  /// Whether a document is still right against the purchase orders and what else was shipped
  /// and invoiced: run at drafting and again before sending (a re-synced PO may have changed).
  public static func check(_ record: Record, context: OutboundContext) throws(OutboundError) {
    guard let view = OutboundView(record) else {
      throw OutboundError("outbound.record", "\(record.id ?? "record") is not an outbound document")
    }
    if let issue = Invariants.check(record.json, kind: .outbound).first(where: {
      $0.severity == .error
    }) {
      throw OutboundError(issue.code, "\(view.id) \(issue.path): \(issue.message)")
    }
    let s = record.json["source"]
    let lines = s?["lines"]?.arrayValue ?? []
    var poLines: [POLine] = []
    for n in view.purchaseOrderNumbers { poLines += POLine.lines(try context.purchaseOrder(n)) }
    func poLine(_ l: JSONValue) -> POLine? {
      poLines.first { $0.matches(l, po: view.type == .acknowledgement ? view.number : nil) }
        ?? (view.type == .acknowledgement
          ? poLines.first { $0.sequence == l["itemSequenceNumber"]?.stringValue } : nil)
    }
    for (i, l) in lines.enumerated() {
      let seq = l["itemSequenceNumber"]?.stringValue ?? String(i + 1)
      guard let pl = poLine(l) else {
        throw OutboundError(
          "outbound.unknown-line",
          "\(view.id) line \(seq) refers to no line of \(view.purchaseOrderNumbers.joined(separator: ", "))"
        )
      }
      let cost = RecordViews.money(l["netCost"])
      if let cost, cost.amount.isNegative || cost.amount.isZero {
        throw OutboundError(
          "outbound.cost",
          "\(view.id) line \(seq): a net cost of \(cost) — Amazon rejects zero or negative prices")
      }
      if view.type != .shipmentConfirmation, let cost, let poCost = pl.netCost,
        cost.currency != poCost.currency || cost.amount < poCost.amount
          || poCost.amount < cost.amount
      {
        throw OutboundError(
          "outbound.cost-mismatch",
          "\(view.id) line \(seq) (\(pl.po) line \(pl.sequence)): net cost \(cost) differs from the purchase order's \(poCost); Amazon compares them and holds or short-pays the difference (a price claim)"
        )
      }
      switch view.type {
      case .acknowledgement:
        let sum =
          (l["acceptedEaches"]?.intValue ?? 0) + (l["backorderedEaches"]?.intValue ?? 0)
          + (l["rejectedEaches"]?.intValue ?? 0)
        if sum != pl.ordered {
          throw OutboundError(
            "outbound.ack-quantity",
            "\(view.id) line \(seq): \(l["acceptedEaches"]?.intValue ?? 0) accepted + \(l["backorderedEaches"]?.intValue ?? 0) backordered + \(l["rejectedEaches"]?.intValue ?? 0) rejected = \(sum), but \(pl.ordered) were ordered; the three must add up to the order"
          )
        }
      case .shipmentConfirmation:
        if let accepted = accepted(pl, context) {
          let before = already(
            pl, poField: "shipped", records: context.shipments, lineField: "shippedEaches",
            outbound: context.live(.shipmentConfirmation, except: view.key),
            outboundField: "shippedEaches", keyField: "shipmentIdentifier")
          let qty = l["shippedEaches"]?.intValue ?? 0
          if !view.state.isSent, qty > accepted - before {
            throw OutboundError(
              "outbound.over-ship",
              "\(view.id) line \(seq) (\(pl.po) line \(pl.sequence)): ships \(qty) eaches, but \(accepted) were accepted and \(before) already shipped"
            )
          }
        }
      case .invoice:
        let shipped = already(
          pl, poField: "shipped", records: context.shipments, lineField: "shippedEaches",
          outbound: context.live(.shipmentConfirmation), outboundField: "shippedEaches",
          keyField: "shipmentIdentifier")
        let invoiced = already(
          pl, poField: "invoiced", records: context.invoices, lineField: "invoicedEaches",
          outbound: context.live(.invoice, except: view.key), outboundField: "invoicedEaches",
          keyField: "invoiceNumber")
        let qty = l["invoicedEaches"]?.intValue ?? 0
        if !view.state.isSent, qty > shipped - invoiced {
          throw OutboundError(
            "outbound.over-invoice",
            "\(view.id) line \(seq) (\(pl.po) line \(pl.sequence)): invoices \(qty) eaches, but \(shipped) were shipped and \(invoiced) are already on invoices (Amazon's, or other invoice documents here, drafts included) — Amazon wants an invoice only for goods shipped, once"
          )
        }
      }
    }
    if view.type == .shipmentConfirmation, let shipped = s?["shippedDate"]?.stringValue,
      !view.state.isSent, shipped > context.now
    {
      throw OutboundError(
        "outbound.ship-date",
        "\(view.id): the shipped date \(shipped) is in the future; Amazon wants the ASN within 30 minutes of departure, never before"
      )
    }
    if view.type == .invoice, let date = s?["invoiceDate"]?.stringValue {
      for n in view.purchaseOrderNumbers {
        if let poDate = context.purchaseOrders[n]?.json["source"]?["purchaseOrderDate"]?
          .stringValue, date < String(poDate.prefix(10))
        {
          throw OutboundError(
            "outbound.invoice-date",
            "\(view.id): invoice date \(date) is before \(n)'s order date \(poDate.prefix(10)); Amazon wants it on or after"
          )
        }
      }
    }
  }
}
