import AcornModel
import AcornWorkspace
import ArgumentParser
import Foundation

struct AuditCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "audit",
    abstract:
      "Every change to money and lifecycle fields: commit, author, role, time (for auditors).",
    discussion: """
      CSV (the default) is UTF-8 with a byte order mark, so Excel opens Chinese text intact; json \
      prints {"changes": [...]}; md a table. Roles are the author's in the team.yaml of the time.
      """)

  enum Format: String, ExpressibleByArgument, CaseIterable {
    case csv, json, md
  }

  @OptionGroup var workspaceOptions: WorkspaceOptions
  @Option(help: "From this day (YYYY-MM-DD, commit author time, UTC).") var since: String?
  @Option(help: "To this day, included.") var until: String?
  @Option(help: "Only this record.") var record: String?
  @Option(help: "csv, json or md.") var format: Format = .csv

  func validate() throws {
    for (name, value) in [("--since", since), ("--until", until)] {
      if let value, CivilDate.day(value) == nil {
        throw ValidationError(
          "\(name) takes a calendar date YYYY-MM-DD that exists, not \"\(value)\"")
      }
    }
  }

  static let columns = [
    "time", "commit", "author", "email", "roles", "signature", "record", "field", "old", "new",
    "message",
  ]

  static func values(_ r: Workspace.AuditRow) -> [String] {
    [
      r.time, r.commit, r.author, r.email, r.roles.joined(separator: " "), r.signature, r.record,
      r.field, r.old, r.new, r.message,
    ]
  }

  static func csvField(_ s: String) -> String {
    s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
      ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
  }

  func run() throws {
    let workspace = try Workspace(at: workspaceOptions.workspace)
    let rows = try workspace.audit(
      since: since.flatMap(CivilDate.day), until: until.flatMap(CivilDate.day), record: record)
    switch format {
    case .csv:
      var text = "\u{FEFF}" + Self.columns.joined(separator: ",") + "\r\n"
      for r in rows { text += Self.values(r).map(Self.csvField).joined(separator: ",") + "\r\n" }
      Terminal.outBytes(Array(text.utf8))
    case .json:
      let items: [JSONValue] = rows.map { r in
        .object(
          Dictionary(
            uniqueKeysWithValues: zip(Self.columns, Self.values(r)).map {
              ($0.0, JSONValue.string($0.1))
            }
          ).merging(["roles": .array(r.roles.map(JSONValue.string))]) { $1 })
      }
      Terminal.outBytes(CanonicalJSON.bytes(.object(["changes": .array(items)])))
    case .md:
      Terminal.out("| " + Self.columns.joined(separator: " | ") + " |")
      Terminal.out("|" + String(repeating: "---|", count: Self.columns.count))
      for r in rows {
        Terminal.out(
          "| " + Self.values(r).map { Render.markdownCell($0) }.joined(separator: " | ") + " |")
      }
    }
  }
}
