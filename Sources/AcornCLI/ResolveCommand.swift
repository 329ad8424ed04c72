import AcornMerge
import AcornModel
import AcornWorkspace
import ArgumentParser
import Foundation

struct ResolveCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "resolve",
    abstract: "Settle a record's open conflicts with our side, their side or a value.",
    discussion:
      "Commits one commit, unless a merge is in progress (then acorn commit concludes it).")

  @OptionGroup var workspaceOptions: WorkspaceOptions

  @Argument(help: "Record id (or Amazon's key).")
  var id: String

  @Option(help: "Only the conflict on this field (default: all of the record's).")
  var field: String?

  @Flag(help: "Take our side.")
  var ours = false

  @Flag(help: "Take their side.")
  var theirs = false

  @Option(
    name: .customLong("set"), help: "Take this value (read as the field's type, as acorn set does)."
  )
  var value: String?

  func validate() throws {
    let chosen = [ours, theirs, value != nil].filter { $0 }.count
    guard chosen == 1 else {
      throw ValidationError("choose exactly one of --ours, --theirs, --set VALUE")
    }
    if value != nil && field == nil { throw ValidationError("--set needs --field") }
  }

  func run() throws {
    let workspace = try Workspace(at: workspaceOptions.workspace)
    let how: Workspace.Resolution = ours ? .ours : theirs ? .theirs : .value(value ?? "")
    let result = try workspace.resolve(
      id, field: field, with: how, author: Author.signature(workspace))
    let fields = result.resolved.map(\.field).joined(separator: ", ")
    Terminal.out(
      "Resolved \(result.id) \(fields)"
        + (result.commit.map { " (commit \($0.short))" }
          ?? " (merge in progress: acorn commit -m MSG concludes it)"))
  }
}
