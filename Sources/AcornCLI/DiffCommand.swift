import AcornModel
import AcornWorkspace
import ArgumentParser
import Foundation

struct DiffCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "diff",
    abstract: "A business diff, record by record and field by field.",
    discussion: """
      No revision: HEAD against the working tree. One: that revision against the working tree. Two: the \
      first against the second. Lines are matched by sequence number (source.lines[#2]); money shows its \
      currency. --markdown writes a report fit for a pull-request comment.
      """)

  @OptionGroup var workspaceOptions: WorkspaceOptions

  @Argument(help: "Revisions (commit, branch, HEAD~1 …).")
  var revisions: [String] = []

  @Flag(help: "One JSON document.")
  var json = false

  @Flag(help: "Markdown for a pull-request comment.")
  var markdown = false

  @Flag(help: "Only the records changed and how many fields.")
  var stat = false

  func validate() throws {
    if revisions.count > 2 { throw ValidationError("give at most two revisions") }
    if json && markdown { throw ValidationError("choose --json or --markdown") }
  }

  func run() throws {
    let workspace = try Workspace(at: workspaceOptions.workspace)
    let from =
      try revisions.first.map { r throws(WorkspaceError) in try workspace.resolve(r) }
      ?? (try? workspace.resolve("HEAD"))
    let to = try revisions.count == 2 ? workspace.resolve(revisions[1]) : nil
    let diff = try workspace.diff(from: from, to: to)
    if json {
      Terminal.outBytes(CanonicalJSON.bytes(Render.json(diff)))
    } else if markdown {
      let range =
        revisions.isEmpty
        ? "HEAD → working tree"
        : revisions.count == 1
          ? "\(revisions[0]) → working tree" : "\(revisions[0]) → \(revisions[1])"
      Terminal.out(Render.markdown(diff, title: "Acorn diff: \(range)"))
    } else if stat {
      let width = diff.records.map(\.id.count).max() ?? 0
      for r in diff.records {
        Terminal.out(
          "\(r.id)\(String(repeating: " ", count: width - r.id.count)) | \(r.change.rawValue) \(r.fields.count) field\(r.fields.count == 1 ? "" : "s")"
        )
      }
      Terminal.out(Render.summary(diff))
    } else if diff.isEmpty {
      Terminal.out("No changes.")
    } else {
      for line in Render.text(diff) { Terminal.out(line) }
    }
  }
}
