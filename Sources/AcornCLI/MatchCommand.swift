import AcornModel
import AcornWorkspace
import ArgumentParser
import Foundation

struct MatchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "match",
    abstract:
      "Link what the reconciler could not: a payment line or deduction to an invoice, a deduction or credit note to a return.",
    discussion: """
      acorn match PAY-US-123 --line 3 --invoice INV-US-INV-9 links one payment line; \
      acorn match DED-US-X9SC --invoice INV-US-X9 a deduction; acorn match CN-DE-77 --return RET-DE-R-1 \
      a credit note to its return. --remove undoes a link. One commit each; links merge by union, and \
      acorn reconcile honours them and reports links that no longer point anywhere.
      """)

  @OptionGroup var workspaceOptions: WorkspaceOptions
  @OptionGroup var output: OutputOptions

  @Argument(help: "The payment, deduction or credit note.") var record: String
  @Option(help: "The payment line number.") var line: Int?
  @Option(help: "The invoice to link to.") var invoice: String?
  @Option(name: .customLong("return"), help: "The return to link to.") var returnID: String?
  @Flag(help: "Remove the link instead.") var remove = false

  func validate() throws {
    if (invoice == nil) == (returnID == nil) {
      throw ValidationError("give exactly one of --invoice or --return")
    }
  }

  func run() throws {
    let workspace = try Workspace(at: workspaceOptions.workspace)
    let target: Workspace.MatchTarget = invoice.map { .invoice($0) } ?? .return(returnID ?? "")
    let result = try workspace.match(
      record, line: line, to: target, remove: remove, author: Author.signature(workspace),
      now: Date())
    if output.json {
      Terminal.outBytes(
        CanonicalJSON.bytes(
          .object([
            "id": .string(result.id), "field": .string(result.field),
            "commit": result.commit.map { .string($0.hex) } ?? .null,
          ])))
    } else {
      Terminal.out(
        "\(result.description)\(result.commit.map { " (commit \($0.short))" } ?? " (already so)")")
    }
  }
}
