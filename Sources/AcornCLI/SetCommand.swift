import AcornModel
import AcornWorkspace
import ArgumentParser
import Foundation

struct SetCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "set",
    abstract:
      "Change workflow fields of a record (validated against the schema and the lifecycles) and commit.",
    discussion: """
      FIELD=VALUE takes a dotted workflow path: workflow.state=received, workflow.assignee=li.wei@example.com, \
      workflow.expectedRecovery="280.00 USD", workflow.creditNoteIds=CN-DE-1,CN-DE-2. An empty VALUE removes \
      the field. Source fields are Amazon's and cannot be set. An illegal state change exits 1 and names the \
      allowed next states.
      """)

  @OptionGroup var workspaceOptions: WorkspaceOptions
  @OptionGroup var output: OutputOptions

  @Argument(help: "Record id (or Amazon's key).")
  var id: String

  @Argument(help: "FIELD=VALUE assignments.")
  var assignments: [String] = []

  @Option(help: "Append a note to workflow.notes (with your e-mail and the time).")
  var note: String?

  @Option(name: .shortAndLong, help: "Commit message (default: Set ID FIELD=VALUE…).")
  var message: String?

  @Flag(help: "Write the file but do not commit.")
  var noCommit = false

  mutating func validate() throws {
    if assignments.isEmpty && note == nil {
      throw ValidationError("give at least one FIELD=VALUE or --note")
    }
    for a in assignments where !a.contains("=") {
      throw ValidationError("\"\(a)\" is not FIELD=VALUE")
    }
  }

  func run() throws {
    let workspace = try Workspace(at: workspaceOptions.workspace)
    let pairs = assignments.map { a -> (field: String, value: String) in
      let parts = a.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
    }
    let result = try workspace.set(
      id, assignments: pairs, note: note, message: message, commit: !noCommit,
      author: Author.signature(workspace), now: Date())
    if output.json {
      var o: [String: JSONValue] = [
        "id": .string(result.id), "path": .string(result.path),
        "fields": .array(result.changes.map(Render.json)),
      ]
      if let c = result.commit { o["commit"] = .string(c.hex) }
      Terminal.outBytes(CanonicalJSON.bytes(.object(o)))
      return
    }
    if result.changes.isEmpty {
      Terminal.out("\(result.id): nothing to change")
      return
    }
    Terminal.out(
      Terminal.paint(result.id, .bold)
        + (result.commit.map { "  (commit \($0.short))" } ?? "  (not committed)"))
    for change in result.changes { Terminal.out("  " + change.text) }
  }
}
