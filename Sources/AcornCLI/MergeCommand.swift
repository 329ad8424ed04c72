import AcornMerge
import AcornModel
import AcornWorkspace
import ArgumentParser
import Foundation

struct MergeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "merge",
    abstract: "Merge a branch with the record-aware engine (docs/merge-rules.md).",
    discussion: """
      Fast-forwards when it can. Otherwise runs the engine on every record both sides changed. Without \
      conflicts the merge is committed. With conflicts it is left in progress (resolve them, then acorn \
      commit), or committed with --allow-conflicts so the person allowed to decide resolves them later. \
      Merging vendor-central takes Amazon's source fields and keeps the team's workflow. Exit 1 when \
      conflicts remain.
      """)

  @OptionGroup var workspaceOptions: WorkspaceOptions

  @Argument(help: "Branch or revision to merge (vendor-central, origin/main …).")
  var branch: String

  @Flag(help: "Commit the merge even with open conflicts (the records carry them).")
  var allowConflicts = false

  @Option(name: .shortAndLong, help: "Commit message.")
  var message: String?

  func run() throws {
    var workspace = try Workspace(at: workspaceOptions.workspace)
    workspace.progress = Terminal.ProgressLine.onTerminal()?.handler
    let report = try workspace.merge(
      branch, allowConflicts: allowConflicts, author: Author.signature(workspace), message: message)
    try Self.report(report, allowConflicts: allowConflicts)
  }

  static func report(_ report: Workspace.MergeReport, allowConflicts: Bool) throws {
    switch report.outcome {
    case .upToDate:
      Terminal.out("Already up to date.")
    case .fastForward(let id):
      Terminal.out("Fast-forwarded to \(id.short): \(Render.summary(report.diff))")
    case .merged(let commit?):
      Terminal.out("Merged (commit \(commit.short)): \(Render.summary(report.diff))")
    case .merged(nil):
      Terminal.out(
        "Merge not committed: \(report.conflicts.count) conflict\(report.conflicts.count == 1 ? "" : "s") to resolve."
      )
    }
    if !report.conflicts.isEmpty {
      for c in report.conflicts { Terminal.out("  " + ConflictsCommand.line(c)) }
      Terminal.out(
        allowConflicts || report.outcome != .merged(nil)
          ? "The records carry the conflicts; settle them with acorn resolve ID --field F (--ours | --theirs | --set V)."
          : "Settle them with acorn resolve ID --field F (--ours | --theirs | --set V), then acorn commit -m MSG."
      )
      throw ExitCode(1)
    }
  }
}
