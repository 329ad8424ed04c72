import AcornModel
import AcornOutbound
import AcornWorkspace
import ArgumentParser
import Foundation

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
