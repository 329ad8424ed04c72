import AcornModel
import AcornWorkspace
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

extension Marketplace {
  /// A line for stderr when the workspace holds no record of this marketplace: a filter on it
  /// gives empty results — no invoice open, no alert due — that would otherwise read as all
  /// clear.
  func absenceNote(in workspace: Workspace) -> String? {
    let held = workspace.recordMarketplaces()
    guard !held.contains(code) else { return nil }
    return "note: this workspace holds no record of marketplace \(code)"
      + (held.isEmpty ? "" : " (its records are of \(held.joined(separator: ", ")))")
  }
}
