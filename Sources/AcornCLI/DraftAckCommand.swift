import AcornModel
import AcornOutbound
import AcornWorkspace
import ArgumentParser
import Foundation

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
