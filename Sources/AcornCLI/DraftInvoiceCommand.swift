import AcornModel
import AcornOutbound
import AcornWorkspace
import ArgumentParser
import Foundation

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
