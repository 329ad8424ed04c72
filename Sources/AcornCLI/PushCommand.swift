import AcornWorkspace
import ArgumentParser

struct PushCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "push",
    abstract: "Push the current branch, and vendor-central with it, to the remote.")

  @OptionGroup var workspaceOptions: WorkspaceOptions

  @Argument(help: "Remote (default: the branch's upstream, else origin).")
  var remote: String?

  @Argument(help: "Remote branch (default: the current branch's name).")
  var branch: String?

  func run() throws {
    let workspace = try Workspace(at: workspaceOptions.workspace)
    let pushed = try workspace.push(remote: remote, branch: branch)
    Terminal.out("Pushed to \(pushed.remote)/\(pushed.branch)")
    for note in pushed.notes { Terminal.out(note) }
  }
}
