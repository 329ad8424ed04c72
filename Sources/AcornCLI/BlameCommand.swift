import AcornModel
import AcornWorkspace
import ArgumentParser

struct BlameCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "blame",
    abstract: "For every field of a record, the commit, author and time that last changed it.")

  @OptionGroup var workspaceOptions: WorkspaceOptions
  @OptionGroup var output: OutputOptions

  @Argument(help: "Record id (or Amazon's key).")
  var id: String

  func run() throws {
    let workspace = try Workspace(at: workspaceOptions.workspace)
    let entry = try workspace.findRecord(id)
    let lines = try workspace.blame(recordPath: entry.path)
    if output.json {
      let fields: [JSONValue] = lines.map { l in
        var o: [String: JSONValue] = ["field": .string(l.field), "value": l.value]
        if let c = l.commit { o.merge(Render.json(c)) { a, _ in a } } else { o["commit"] = .null }
        o.removeValue(forKey: "message")
        if let c = l.commit { o["summary"] = .string(c.summary) }
        return .object(o)
      }
      Terminal.outBytes(
        CanonicalJSON.bytes(
          .object(["id": .string(entry.id), "path": .string(entry.path), "fields": .array(fields)]))
      )
      return
    }
    let width = lines.map(\.field.count).max() ?? 0
    for l in lines {
      let who: String
      if let c = l.commit {
        who = "\(c.id.short) \(Render.time(c.author).prefix(10)) \(c.author.email)"
      } else {
        who = "(not committed yet)"
      }
      let pad = String(repeating: " ", count: max(0, width - l.field.count))
      Terminal.out("\(Terminal.paint(who, .dim))  \(l.field)\(pad)  \(RecordText.value(l.value))")
    }
  }
}
