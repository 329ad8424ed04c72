import AcornWorkspace
import ArgumentParser

struct PullCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "pull", abstract: "Fetch and bring the current branch up to date (fast-forward).")

  @OptionGroup var workspaceOptions: WorkspaceOptions

  @Argument(help: "Remote (default: the branch's upstream, else origin).")
  var remote: String?

  @Argument(help: "Remote branch (default: the upstream's, else the current branch's name).")
  var branch: String?

  @Flag(help: "Commit the merge even with open conflicts (the records carry them for later).")
  var allowConflicts = false

  func run() throws {
    var workspace = try Workspace(at: workspaceOptions.workspace)
    workspace.progress = Terminal.ProgressLine.onTerminal()?.handler
    switch try workspace.pull(
      remote: remote, branch: branch, allowConflicts: allowConflicts,
      author: Author.signature(workspace), note: { Terminal.out($0) })
    {
    case .upToDate: Terminal.out("Already up to date.")
    case .aheadOfRemote(let n):
      Terminal.out("Up to date; \(n) local commit\(n == 1 ? "" : "s") not pushed yet.")
    case .fastForwarded(let from, let to):
      Terminal.out("Fast-forwarded \(from?.short ?? "(empty)")..\(to.short)")
      let diff = try workspace.diff(from: from, to: to)
      Terminal.out(Render.summary(diff))
    case .merged(let report):
      try MergeCommand.report(report, allowConflicts: allowConflicts)
    }
  }
}
