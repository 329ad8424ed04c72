import ArgumentParser

struct SandboxCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sandbox",
    abstract: "The built-in sandbox vendor, served over HTTP like the SP-API.",
    subcommands: [SandboxServeCommand.self, SandboxGenerateCommand.self])
}
