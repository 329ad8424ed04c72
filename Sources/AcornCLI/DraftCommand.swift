import AcornModel
import AcornOutbound
import AcornWorkspace
import ArgumentParser
import Foundation

struct DraftCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "draft",
    abstract:
      "Draft a document for Amazon — acknowledgement, ASN or invoice — checked and committed for review.",
    discussion: """
      The draft is an outbound record (OUT-<MKT>-…) in state draft, pre-filled from the purchase \
      order, its acknowledgement and shipments, and checked against them: an acknowledgement must \
      account for every ordered each, an ASN cannot ship more than was accepted, an invoice cannot \
      bill more than was shipped or at another cost than the PO's, cartons must hold what the ASN \
      ships. A teammate reviews it (acorn diff, acorn show) and approves it (acorn set ID \
      workflow.state=approved); acorn submit sends it. Drafting again replaces a draft that is not \
      approved yet. Docs: docs/outbound.md.
      """,
    subcommands: [DraftAckCommand.self, DraftASNCommand.self, DraftInvoiceCommand.self])
}

/// Options every draft takes.
struct DraftOptions: ParsableArguments {
  @Option(help: "The marketplace, when a PO number exists in several.")
  var marketplace: Marketplace?

  /// `SEQ=N` (or `PO/SEQ=N`) pairs.
  static func pairs(_ items: [String], option: String) throws -> [String: String] {
    var out: [String: String] = [:]
    for item in items {
      let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
      guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
        throw ValidationError("\(option) \(item): expected LINE=VALUE (LINE is SEQ, or PO/SEQ)")
      }
      guard out[parts[0]] == nil else {
        throw ValidationError("\(option): line \(parts[0]) is given twice")
      }
      out[parts[0]] = parts[1]
    }
    return out
  }

  static func count(_ text: String, _ what: String) throws -> Int {
    guard let n = Int(text), n >= 0 else {
      throw ValidationError("\(what): \"\(text)\" is not a whole number of eaches")
    }
    return n
  }

  static func day(_ text: String?, _ option: String) throws {
    if let text,
      CivilDate.day(String(text.prefix(10))) == nil
        || !(text.count == 10 || CivilDate.isDateTime(text))
    {
      throw ValidationError("\(option) takes YYYY-MM-DD or an ISO 8601 date-time, not \"\(text)\"")
    }
  }
}

extension DraftCommand {
  /// Drafts through the workspace and prints the record (or its JSON).
  static func run(
    _ workspaceOptions: WorkspaceOptions, _ output: OutputOptions, _ draft: DraftOptions,
    pos: [String], _ make: @escaping (OutboundContext) throws(OutboundError) -> Record
  ) throws {
    let workspace = try Workspace(at: workspaceOptions.workspace)
    let (market, _) = try workspace.resolvePurchaseOrders(pos, marketplace: draft.marketplace)
    let result = try workspace.draft(
      marketplace: market, author: Author.signature(workspace), now: Date(), make)
    if output.json {
      Terminal.outBytes(result.record.canonicalBytes)
      return
    }
    let id = result.record.id ?? ""
    Terminal.out(
      Terminal.paint(id, .bold)
        + (result.commit.map { "  (commit \($0.short))" } ?? "  (unchanged)")
        + (result.replaced ? "  replaces the earlier draft" : ""))
    for f in result.upgraded {
      Terminal.out(
        "  brought \(f) up to date for outbound documents (this workspace predates them)")
    }
    for (field, value) in RecordDiff.leaves(result.record.json) where field.hasPrefix("source.") {
      Terminal.out("  \(field.dropFirst("source.".count)): \(RecordText.value(value))")
    }
    Terminal.out(
      "Next: a teammate reviews and approves it — acorn set \(id) workflow.state=approved")
  }
}

struct DraftAckCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ack",
    abstract: "Draft the acknowledgement of a purchase order (accepted, backordered, rejected).",
    discussion: """
      LINE=accepted:N,backordered:N,rejected:N:REASON gives a line's decision in eaches (REASON: \
      TemporarilyUnavailable, InvalidProductIdentifier or ObsoleteProduct); --accept-all accepts \
      every line not named. The three must add up to the ordered eaches: Amazon treats a missing \
      line as rejected. Amazon wants the acknowledgement within 24 hours of the order.
      """)

  @OptionGroup var workspaceOptions: WorkspaceOptions
  @OptionGroup var output: OutputOptions
  @OptionGroup var draft: DraftOptions

  @Argument(help: "The purchase order (number or record id).") var po: String

  @Argument(help: "LINE=accepted:N,backordered:N,rejected:N:REASON decisions.")
  var lines: [String] = []

  @Flag(help: "Accept in full every line not named.") var acceptAll = false

  func validate() throws {
    if lines.isEmpty && !acceptAll {
      throw ValidationError("give each line's decision (LINE=accepted:N,…) or --accept-all")
    }
    for (_, v) in try DraftOptions.pairs(lines, option: "LINE") {
      do { _ = try AckDecision.parse(v) } catch { throw ValidationError(error.message) }
    }
  }

  func run() throws {
    var decisions: [String: AckDecision] = [:]
    for (k, v) in try DraftOptions.pairs(lines, option: "LINE") {
      decisions[k] = try AckDecision.parse(v)
    }
    let accept = acceptAll
    let po = self.po
    try DraftCommand.run(workspaceOptions, output, draft, pos: [po]) {
      context throws(OutboundError) in
      try Drafting.acknowledgement(
        poNumber: Self.number(po, context), decisions: decisions, acceptRest: accept,
        context: context)
    }
  }

  /// A PO number from a number or a record id.
  static func number(_ text: String, _ context: OutboundContext) -> String {
    let prefix = "\(RecordKind.purchaseOrder.idPrefix)-\(context.marketplace.code)-"
    return text.hasPrefix(prefix) ? String(text.dropFirst(prefix.count)) : text
  }
}

struct DraftASNCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "asn",
    abstract: "Draft the shipment confirmation (ASN) of goods leaving for one fulfilment centre.",
    discussion: """
      Ships what is accepted and not shipped yet on each line, or --ship LINE=N. LINE is the PO \
      line's sequence number, or PO/SEQ when several POs share the ASN. --carton LINE=N[,LINE=N] \
      describes one carton (repeat per carton); the cartons must hold exactly what the lines ship. \
      Amazon wants the ASN within 30 minutes of departure and before the goods arrive; a missing \
      or wrong ASN is charged back.
      """)

  @OptionGroup var workspaceOptions: WorkspaceOptions
  @OptionGroup var output: OutputOptions
  @OptionGroup var draft: DraftOptions

  @Argument(help: "The purchase orders shipped (numbers or record ids).") var pos: [String]

  @Option(help: "When the goods left (YYYY-MM-DD or date-time; default now).") var shipDate: String?
  @Option(help: "Estimated delivery (YYYY-MM-DD or date-time).") var deliveryDate: String?
  @Option(help: "Carrier SCAC (2-4 capital letters).") var carrier: String?
  @Option(help: "PRO or tracking number.") var tracking: String?
  @Option(help: "Bill of lading number.") var billOfLading: String?
  @Option(help: "TruckLoad, LessThanTruckLoad or SmallParcel.") var shipmentType =
    "LessThanTruckLoad"
  @Option(help: "Shipment id (default PO-n, the first unused).") var shipmentId: String?
  @Option(help: "Eaches to ship: LINE=N (repeatable).") var ship: [String] = []
  @Option(help: "One carton's contents: LINE=N[,LINE=N] (repeat per carton).") var carton:
    [String] = []
  @Option(help: "Number of cartons (checked against --carton when both are given).") var cartons:
    Int?

  func validate() throws {
    if pos.isEmpty { throw ValidationError("name the purchase orders shipped") }
    try DraftOptions.day(shipDate, "--ship-date")
    try DraftOptions.day(deliveryDate, "--delivery-date")
    if !["TruckLoad", "LessThanTruckLoad", "SmallParcel"].contains(shipmentType) {
      throw ValidationError("--shipment-type: TruckLoad, LessThanTruckLoad or SmallParcel")
    }
    if let c = carrier, !(2...4).contains(c.count) || !c.allSatisfy({ $0.isUppercase }) {
      throw ValidationError("--carrier takes a SCAC: 2 to 4 capital letters, not \"\(c)\"")
    }
    if let n = cartons, n < 1 { throw ValidationError("--cartons takes a count of 1 or more") }
    _ = try options()
  }

  func options() throws -> ASNOptions {
    var o = ASNOptions()
    for (k, v) in try DraftOptions.pairs(ship, option: "--ship") {
      o.quantities[k] = try DraftOptions.count(v, "--ship \(k)")
    }
    for spec in carton {
      var c: [String: Int] = [:]
      for (k, v) in try DraftOptions.pairs(
        spec.split(separator: ",").map(String.init), option: "--carton")
      {
        c[k] = try DraftOptions.count(v, "--carton \(k)")
      }
      o.cartons.append(c)
    }
    o.cartonCount = cartons
    o.shipmentIdentifier = shipmentId
    o.shipDate = shipDate
    o.estimatedDelivery = deliveryDate
    o.carrierScac = carrier
    o.tracking = tracking
    o.billOfLading = billOfLading
    o.shipmentType = shipmentType
    return o
  }

  func run() throws {
    let o = try options()
    let pos = self.pos
    try DraftCommand.run(workspaceOptions, output, draft, pos: pos) {
      context throws(OutboundError) in
      try Drafting.shipmentConfirmation(
        poNumbers: pos.map { DraftAckCommand.number($0, context) }, options: o, context: context)
    }
  }
}

struct DraftInvoiceCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "invoice",
    abstract: "Draft the invoice of what was shipped, at the purchase order's costs.",
    discussion: """
      Bills each line's shipped and not yet invoiced eaches (or what --from-asn ID shipped, or \
      --quantity LINE=N) at the PO's net cost; the total is the lines'. An invoice for more than \
      was shipped, or at a cost other than the PO's (--cost LINE=AMOUNT), is refused with the \
      reason: Amazon short-pays it as a shortage or price claim. The invoice number is never \
      reused once sent.
      """)

  @OptionGroup var workspaceOptions: WorkspaceOptions
  @OptionGroup var output: OutputOptions
  @OptionGroup var draft: DraftOptions

  @Argument(help: "The purchase orders invoiced (numbers or record ids).") var pos: [String] = []

  @Option(help: "Invoice what this ASN shipped (an outbound ASN or a shipment record).")
  var fromAsn: String?
  @Option(help: "Invoice number (default: the PO number).") var number: String?
  @Option(help: "Invoice date (YYYY-MM-DD; default today).") var date: String?
  @Option(help: "Eaches to invoice: LINE=N (repeatable).") var quantity: [String] = []
  @Option(help: "Unit cost LINE=AMOUNT, when it differs from the PO (refused).") var cost:
    [String] = []

  func validate() throws {
    if pos.isEmpty && fromAsn == nil {
      throw ValidationError("name the purchase orders invoiced, or --from-asn ID")
    }
    if let date, date.count != 10 || CivilDate.day(date) == nil {
      throw ValidationError("--date takes YYYY-MM-DD, not \"\(date)\"")
    }
    for (k, v) in try DraftOptions.pairs(cost, option: "--cost") {
      guard (try? DecimalNumber(parsing: v)) != nil else {
        throw ValidationError("--cost \(k): \"\(v)\" is not a decimal amount")
      }
    }
  }

  func run() throws {
    let workspace = try Workspace(at: workspaceOptions.workspace)
    var o = InvoiceOptions()
    var pos = self.pos
    if let fromAsn {
      let asn = try workspace.readRecord(try workspace.findRecord(fromAsn))
      guard asn.kind == .shipment || OutboundView(asn)?.type == .shipmentConfirmation else {
        throw ValidationError("--from-asn \(fromAsn) is not an ASN")
      }
      o.fromShipment = asn
      if pos.isEmpty { pos = RecordViews.strings(asn.json["source"]?["purchaseOrderNumbers"]) }
    }
    o.number = number
    o.date = date
    for (k, v) in try DraftOptions.pairs(quantity, option: "--quantity") {
      o.quantities[k] = try DraftOptions.count(v, "--quantity \(k)")
    }
    let costs = try DraftOptions.pairs(cost, option: "--cost")
    let given = self.pos
    try DraftCommand.run(workspaceOptions, output, draft, pos: pos) {
      context throws(OutboundError) in
      var options = o
      for (k, v) in costs {
        if let amount = try? DecimalNumber(parsing: v) {
          options.costs[k] = Money(amount, context.marketplace.currency)
        }
      }
      return try Drafting.invoice(
        poNumbers: given.map { DraftAckCommand.number($0, context) }, options: options,
        context: context)
    }
  }
}
