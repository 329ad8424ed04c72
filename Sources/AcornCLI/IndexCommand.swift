import AcornModel
import AcornWorkspace
import ArgumentParser
import Foundation

struct IndexCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "index",
    abstract:
      "Bring the SQLite index (.acorn/index.sqlite) up to date, incrementally or from scratch.",
    discussion:
      "Every command that reads the index updates it first; this command does only that. Schema: docs/index.md."
  )

  @OptionGroup var workspaceOptions: WorkspaceOptions
  @OptionGroup var output: OutputOptions

  @Flag(help: "Recreate the index from the files.")
  var rebuild = false

  func run() throws {
    var workspace = try Workspace(at: workspaceOptions.workspace)
    workspace.progress = Terminal.ProgressLine.onTerminal()?.handler
    let started = Date()
    let report = try workspace.updateIndex(rebuild: rebuild)
    let seconds = Date().timeIntervalSince(started)
    let records = try report.records ?? workspace.indexedRecordCount()
    if output.json {
      var o: [String: JSONValue] = [
        "mode": .string(report.mode.rawValue),
        "changedPaths": .number(DecimalNumber(report.changedPaths)),
        "records": .number(DecimalNumber(records)),
        "milliseconds": .number(DecimalNumber(Int(seconds * 1000))),
      ]
      if let r = report.reason { o["reason"] = .string(r) }
      Terminal.outBytes(CanonicalJSON.bytes(.object(o)))
      return
    }
    switch report.mode {
    case .upToDate: Terminal.out("Index up to date (\(records) records).")
    case .incremental:
      Terminal.out(
        "Index updated: \(report.changedPaths) changed files, \(records) records.")
    case .rebuilt:
      Terminal.out("Index rebuilt (\(report.reason ?? "")): \(records) records.")
    }
  }
}
