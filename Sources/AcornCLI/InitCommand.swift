import AcornGit
import AcornModel
import AcornWorkspace
import ArgumentParser
import Foundation

struct InitCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "init",
    abstract:
      "Create a workspace: the template's settings, rules and schemas in a new git repository on main.",
    discussion: "Refuses a folder that already holds files or a workspace.")

  @Argument(help: "Folder to create (default: the current folder).")
  var path: String = "."

  @Option(
    name: .customLong("vendor-code"), help: "Vendor code to record in acorn.yaml (repeatable).")
  var vendorCodes: [String] = []

  @Option(
    name: .customLong("marketplace"),
    help: "Marketplace to sync and validate (repeatable; default US).")
  var marketplaces: [Marketplace] = []

  mutating func validate() throws {
    vendorCodes = vendorCodes.map { $0.uppercased() }
    for code in vendorCodes
    where code.range(of: "^[A-Z0-9]{2,10}$", options: .regularExpression) == nil {
      throw ValidationError("vendor code \"\(code)\" must be 2 to 10 letters or digits")
    }
    var seen: Set<String> = []
    marketplaces = marketplaces.filter { seen.insert($0.code).inserted }
  }

  func run() throws {
    let environment = ProcessInfo.processInfo.environment
    let (workspace, commit) = try Workspace.initialize(
      at: path, options: .init(vendorCodes: vendorCodes, marketplaces: marketplaces),
      author: { repo in
        Workspace.author(
          environment: environment, configured: repo.configuredIdentity(), now: Date())
      })
    try workspace.configureDrivers(executable: Author.executable)
    Terminal.out(
      """
      Initialized Acorn workspace in \(workspace.root) (branch main, commit \(commit.short))
      Next: acorn sync\(path == "." ? "" : " -C " + path)   (the built-in sandbox vendor; --source sp-api for your own account)
      """)
  }
}
