import AcornModel
import AcornWorkspace
import ArgumentParser

struct ShowCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "show",
    abstract:
      "Show one record, by id (PO-US-2JK3S9VC) or by Amazon's key when unambiguous (2JK3S9VC).")

  @OptionGroup var workspaceOptions: WorkspaceOptions
  @OptionGroup var output: OutputOptions

  @Argument(help: "Record id or key.")
  var id: String

  func run() throws {
    let workspace = try Workspace(at: workspaceOptions.workspace)
    let entry = try workspace.findRecord(id)
    let record = try workspace.readRecord(entry)
    if output.json {
      Terminal.outBytes(CanonicalJSON.bytes(record.json))
      return
    }
    Terminal.out(
      Terminal.paint("\(entry.id)", .bold) + "  \(entry.kind)  \(entry.marketplace)  "
        + Terminal.paint(entry.path, .dim))
    let header: Set<String> = ["id", "kind", "marketplace"]
    for (field, value) in RecordDiff.leaves(record.json) where !header.contains(field) {
      Terminal.out("  \(field): \(RecordText.value(value))")
    }
  }
}
