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
