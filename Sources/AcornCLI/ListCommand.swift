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
    if let note = marketplace?.absenceNote(in: workspace) { Terminal.errorLine(note) }
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
    let idWidth = min(40, entries.map { width($0.id) }.max() ?? 0)
    let kindWidth = entries.map { width($0.kind) }.max() ?? 0
    // One write for the whole list, made as bytes (a line per write, or a string per line,
    // cost more than the listing).
    let painted = Terminal.paint("\u{0}", .dim).split(
      separator: "\u{0}", omittingEmptySubsequences: false)
    let (dim, reset) = (painted.first ?? "", painted.last ?? "")
    var out: [UInt8] = []
    out.reserveCapacity(entries.count * (idWidth + kindWidth + 64))
    for entry in entries {
      pad(entry.id, idWidth, &out)
      out.append(contentsOf: "  ".utf8)
      pad(entry.kind, kindWidth, &out)
      out.append(contentsOf: "  ".utf8)
      out.append(contentsOf: entry.marketplace.utf8)
      out.append(contentsOf: "  ".utf8)
      out.append(contentsOf: dim.utf8)
      out.append(contentsOf: entry.path.utf8)
      out.append(contentsOf: reset.utf8)
      out.append(0x0A)
    }
    Terminal.outBytes(out)
  }

  /// Columns a name takes: its characters (its bytes, when they are all ASCII).
  func width(_ s: String) -> Int {
    s.utf8.allSatisfy { $0 < 0x80 } ? s.utf8.count : s.count
  }

  func pad(_ s: String, _ columns: Int, _ out: inout [UInt8]) {
    out.append(contentsOf: s.utf8)
    let w = width(s)
    if w < columns { out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: columns - w)) }
  }
}
