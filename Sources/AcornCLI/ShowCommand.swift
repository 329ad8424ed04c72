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
    for (path, value) in RecordText.fields(record.json)
    where !["id", "kind", "marketplace"].contains(path) {
      Terminal.out("  \(path): \(value)")
    }
  }
}

/// A record as `field: value` lines, money as `140.00 USD`, in canonical key order.
enum RecordText {
  static func fields(_ value: JSONValue, prefix: String = "") -> [(String, String)] {
    switch value {
    case .object(let members):
      if let amount = members["amount"]?.stringValue,
        let currency = members["currency"]?.stringValue, members.count == 2
      {
        return [(prefix, "\(amount) \(currency)")]
      }
      if members.isEmpty { return prefix.isEmpty ? [] : [(prefix, "{}")] }
      return members.sorted { CanonicalJSON.keyPrecedes($0.key, $1.key) }.flatMap { key, child in
        fields(child, prefix: prefix.isEmpty ? key : prefix + "." + key)
      }
    case .array(let items):
      if items.isEmpty { return [(prefix, "[]")] }
      if items.allSatisfy({ $0.stringValue != nil }) {
        return [(prefix, items.compactMap(\.stringValue).joined(separator: ", "))]
      }
      return items.enumerated().flatMap { k, item in fields(item, prefix: "\(prefix)[\(k)]") }
    case .string(let text):
      return [(prefix, text.replacingOccurrences(of: "\n", with: "\\n"))]
    default:
      return [(prefix, CanonicalJSON.compact(value, limit: 200))]
    }
  }
}
