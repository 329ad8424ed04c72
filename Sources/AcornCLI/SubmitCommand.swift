import AcornModel
import AcornOutbound
import AcornSPAPI
import AcornSync
import AcornWorkspace
import ArgumentParser
import Foundation

struct SubmitCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "submit",
    abstract: "Send approved documents to Amazon exactly once, and record Amazon's answer.",
    discussion: """
      Each document is checked again against the purchase orders, then sent through the SP-API \
      (submitAcknowledgement, SubmitShipmentConfirmations, submitInvoices) with the same \
      credentials, rate limits and retries as sync. The attempt is committed before the request \
      and Amazon's transaction id before success is reported; getTransaction is then asked until \
      Success (accepted) or Failure (failed, with Amazon's errors) or --wait runs out. A document \
      with a transaction id is never sent again. When an answer was lost (a kill, a dropped \
      connection, a 500), Acorn asks Amazon whether it has the document before sending anything; \
      an ASN or invoice Amazon does not show yet is only sent again with --force. Exit 1 when a \
      document was refused or failed, or its answer is still unknown. Docs: docs/outbound.md.
      """)

  @OptionGroup var workspaceOptions: WorkspaceOptions
  @OptionGroup var output: OutputOptions

  @Argument(help: "Outbound documents to send (ids from acorn list --kind outbound).")
  var ids: [String] = []

  @Flag(help: "Every approved document, and those still waiting for Amazon's answer.")
  var approved = false

  @Flag(help: "Check and show the requests; send nothing.") var dryRun = false

  @Flag(help: "Send again a document whose earlier answer was lost and Amazon does not show.")
  var force = false

  @Option(help: "Seconds to keep asking Amazon for a final status (default 10).")
  var wait: Double = 10

  @Option(help: "SP-API host (default: the region's, from acorn.yaml's marketplaces).")
  var endpoint: String?

  @Option(help: "LWA token URL (default https://api.amazon.com/auth/o2/token).")
  var tokenEndpoint: String?

  @Option(help: "Per-user credentials file (default ~/.config/acorn/credentials.json, mode 0600).")
  var credentials: String?

  func validate() throws {
    if ids.isEmpty && !approved { throw ValidationError("name the documents, or --approved") }
    if wait < 0 || wait > 3600 { throw ValidationError("--wait takes 0…3600 seconds") }
  }

  func run() throws {
    let workspace = try Workspace(at: workspaceOptions.workspace)
    let settings = try workspace.settings()
    let markets = (settings["marketplaces"]?.arrayValue ?? []).compactMap {
      $0.stringValue.flatMap { Marketplace($0) }
    }
    let regions = Set(markets.map(\.region))
    guard endpoint != nil || regions.count == 1, let region = markets.first?.region else {
      throw ValidationError(
        "acorn.yaml's marketplaces span several regions (or none); give --endpoint")
    }
    let client = SPAPIClient(
      configuration: SPAPIClient.Configuration(
        endpoint: endpoint ?? SPAPIClient.Configuration.host(region),
        tokenEndpoint: tokenEndpoint ?? "https://api.amazon.com/auth/o2/token"),
      credentials: try Credentials.load(file: credentials, workspace: workspace),
      transport: URLSessionTransport())
    var options = Submitter.Options()
    options.queries = ids
    options.approved = approved
    options.dryRun = dryRun
    options.force = force
    options.wait = wait
    let tty = isatty(2) == 1
    let entries = try Submitter(
      workspace: workspace, client: client, author: Author.signature(workspace),
      note: { if tty { Terminal.errorLine($0) } }
    ).run(options)
    if output.json {
      Terminal.outBytes(
        CanonicalJSON.bytes(
          .object([
            "documents": .array(
              entries.map { e in
                var o: [String: JSONValue] = [
                  "id": .string(e.id), "type": .string(e.type.rawValue),
                  "outcome": .string(e.outcome), "message": .string(e.message),
                  "errors": .array(e.errors),
                ]
                o["transactionId"] = e.transactionId.map(JSONValue.string) ?? .null
                if let b = e.body { o["request"] = b }
                return .object(o)
              })
          ])))
    } else {
      if entries.isEmpty { Terminal.out("Nothing to send.") }
      for e in entries {
        let colour: Terminal.Colour =
          ["accepted", "recovered", "sent"].contains(e.outcome)
          ? .green : ["failed", "rejected", "refused"].contains(e.outcome) ? .red : .yellow
        Terminal.out(
          Terminal.paint(e.outcome.padding(toLength: 10, withPad: " ", startingAt: 0), colour)
            + e.message)
        if let b = e.body { Terminal.outBytes(CanonicalJSON.bytes(b)) }
      }
    }
    if entries.contains(where: {
      ["failed", "rejected", "refused", "unknown"].contains($0.outcome)
    }) {
      throw ExitCode(1)
    }
  }
}
