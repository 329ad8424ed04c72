import AcornModel
import AcornWorkspace
import ArgumentParser

struct LogCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "log",
    abstract: "History of the workspace, or of one record, with the fields each commit changed.")

  @OptionGroup var workspaceOptions: WorkspaceOptions
  @OptionGroup var output: OutputOptions

  @Argument(help: "Only commits that changed this record.")
  var id: String?

  @Option(name: [.customShort("n"), .customLong("max-count")], help: "At most this many commits.")
  var maxCount: Int?

  func run() throws {
    let workspace = try Workspace(at: workspaceOptions.workspace)
    let path = try id.map { q throws(WorkspaceError) in try workspace.findRecord(q).path }
    let entries = try workspace.log(recordPath: path, limit: maxCount)
    if output.json {
      let items: [JSONValue] = entries.map { e in
        var o = Render.json(e.commit)
        o["parents"] = .array(e.commit.parents.map { .string($0.hex) })
        o["records"] = .array(e.diff.records.map(Render.json))
        o["files"] = .array(
          e.diff.files.map {
            .object(["path": .string($0.path), "change": .string($0.change.rawValue)])
          })
        return .object(o)
      }
      Terminal.outBytes(CanonicalJSON.bytes(.object(["entries": .array(items)])))
      return
    }
    for e in entries {
      Terminal.out(Terminal.paint("commit \(e.commit.id.hex)", .yellow))
      Terminal.out(
        "Author: \(e.commit.author.name) <\(e.commit.author.email)>  \(Render.time(e.commit.author))"
      )
      Terminal.out("")
      for line in e.commit.message.trimmingCharacters(in: .newlines).split(
        separator: "\n", omittingEmptySubsequences: false)
      {
        Terminal.out("    \(line)")
      }
      Terminal.out("")
      for line in Render.text(e.diff, indent: "  ") { Terminal.out(line) }
      Terminal.out("")
    }
  }
}
