import AcornModel
import ArgumentParser

/// `-C PATH`: the workspace to work in (default: the current folder), as in git.
struct WorkspaceOptions: ParsableArguments {
  @Option(name: [.customShort("C"), .customLong("workspace")], help: "Workspace folder.")
  var workspace: String = "."
}

/// `--json`: one JSON document on stdout instead of text.
struct OutputOptions: ParsableArguments {
  @Flag(help: "Print one JSON document on stdout.")
  var json = false
}

extension RecordKind: ExpressibleByArgument {
  public init?(argument: String) { self.init(rawValue: argument) }
  public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

extension Marketplace: ExpressibleByArgument {
  public init?(argument: String) { self.init(argument) }
  public static var allValueStrings: [String] { all.map(\.code) }
}
