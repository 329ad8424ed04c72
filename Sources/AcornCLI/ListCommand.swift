import AcornModel
import AcornWorkspace
import ArgumentParser

struct ListCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "list", abstract: "List records: id, kind, marketplace and path.")

  @OptionGroup var workspaceOptions: WorkspaceOptions
  @OptionGroup var output: OutputOptions

  @Option(help: "Only this kind (\(RecordKind.allCases.map(\.rawValue).joined(separator: ", "))).")
  var kind: RecordKind?

  @Option(help: "Only this marketplace (US, DE, JP …).")
  var marketplace: Marketplace?

  func run() throws {
    let workspace = try Workspace(at: workspaceOptions.workspace)
    let entries = workspace.listRecords(kind: kind, marketplace: marketplace)
    if output.json {
      let items: [JSONValue] = entries.map {
        .object([
          "id": .string($0.id), "kind": .string($0.kind), "marketplace": .string($0.marketplace),
          "path": .string($0.path),
        ])
      }
      Terminal.outBytes(CanonicalJSON.bytes(.object(["records": .array(items)])))
      return
    }
    if entries.isEmpty {
      Terminal.out("no records")
      return
    }
    let idWidth = min(40, entries.map(\.id.count).max() ?? 0)
    let kindWidth = entries.map(\.kind.count).max() ?? 0
    // One write for the whole list: a line per write costs more than the listing.
    Terminal.out(
      entries.map {
        "\(pad($0.id, idWidth))  \(pad($0.kind, kindWidth))  \($0.marketplace)  \(Terminal.paint($0.path, .dim))"
      }.joined(separator: "\n"))
  }

  func pad(_ s: String, _ width: Int) -> String {
    s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
  }
}
