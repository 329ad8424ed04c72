import AcornModel
import AcornWorkspace
import ArgumentParser

struct CommitCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "commit",
    abstract: "Validate what changed and commit every change in it (hand edits included).",
    discussion:
      "Refuses (exit 1) while the changed records, or the settings, rules and schemas, have errors (as acorn validate reports them). Nothing to commit is not an error."
  )

  @OptionGroup var workspaceOptions: WorkspaceOptions
  @OptionGroup var output: OutputOptions

  @Option(name: .shortAndLong, help: "Commit message.")
  var message: String

  func run() throws {
    let workspace = try Workspace(at: workspaceOptions.workspace)
    let (commit, diff) = try workspace.commitAll(
      message: message, author: Author.signature(workspace))
    if output.json {
      var o: [String: JSONValue] = ["changes": Render.json(diff)]
      o["commit"] = commit.map { .string($0.hex) } ?? .null
      Terminal.outBytes(CanonicalJSON.bytes(.object(o)))
      return
    }
    guard let commit else {
      Terminal.out("Nothing to commit.")
      return
    }
    Terminal.out("[\(commit.short)] \(message)")
    Terminal.out(Render.summary(diff))
  }
}
