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
