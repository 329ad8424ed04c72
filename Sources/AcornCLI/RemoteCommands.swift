import AcornWorkspace
import ArgumentParser

struct CloneCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "clone",
    abstract: "Clone a workspace (file://, a path or git://; ssh and https where libgit2 has them)."
  )

  @Argument(help: "URL or path of the remote repository.")
  var url: String

  @Argument(help: "Folder to clone into (default: the last part of the URL).")
  var path: String?

  @Option(
    help: "Branch to check out (default: the remote's default branch, else main).")
  var branch: String?

  func run() throws {
    var name = url
    while name.hasSuffix("/") { name.removeLast() }
    name = String(name.split(separator: "/").last ?? "workspace")
    if name.hasSuffix(".git") { name.removeLast(4) }
    let target = path ?? name
    let workspace = try Workspace.clone(
      from: url, to: target, branch: branch, executable: Author.executable)
    Terminal.out("Cloned \(url) into \(workspace.root)")
  }
}

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
    let workspace = try Workspace(at: workspaceOptions.workspace)
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
