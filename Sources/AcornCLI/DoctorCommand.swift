import AcornMerge
import AcornModel
import AcornWorkspace
import ArgumentParser
import Foundation

struct DoctorCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "doctor",
    abstract:
      "Check this clone's set-up: git drivers (so plain git merges and diffs records the Acorn way), attributes, index, work a killed command left half done.",
    discussion: "Exit 1 when something needs fixing; --fix applies the fix.")

  @OptionGroup var workspaceOptions: WorkspaceOptions

  @Flag(help: "Apply the fixes.")
  var fix = false

  func run() throws {
    let workspace = try Workspace(at: workspaceOptions.workspace)
    let repo = try workspace.repository()
    var problems: [String] = []
    let wanted = Workspace.driverConfig(executable: Author.executable)
    if ((try? repo.configString("pull.rebase")) ?? nil) != "false" {
      problems.append(
        "git config pull.rebase is not false: plain git pull (git 2.39) refuses a divergent pull or rebases, and a rebase swaps ours and theirs (docs/merge-rules.md)"
      )
    }
    for (key, value) in wanted where key.hasSuffix("driver") || key.hasSuffix("textconv") {
      let current = (try? repo.configString(key)) ?? nil
      if current == nil {
        problems.append(
          "git config \(key) is not set: plain git would \(key.hasPrefix("merge") ? "merge records line by line, silently losing the business rules" : "diff raw JSON")"
        )
      } else if let current, let binary = current.split(separator: " ").first.map(String.init),
        !FileManager.default.isExecutableFile(
          atPath: binary.replacingOccurrences(of: "'", with: "")),
        binary.contains("/")
      {
        problems.append(
          "git config \(key) points at \(binary), which is not an executable (expected \(value))")
      }
    }
    let interrupted = workspace.interruptedWork
    problems += interrupted.map {
      $0 + ": the next acorn command that changes the workspace, or acorn doctor --fix, finishes it"
    }
    let attributes =
      (try? String(contentsOfFile: workspace.path(".gitattributes"), encoding: .utf8)) ?? ""
    if !attributes.contains("merge=acorn") || !attributes.contains("diff=acorn") {
      problems.append(
        ".gitattributes does not route records/** to merge=acorn diff=acorn (restore it from workspace-template/.gitattributes)"
      )
    }
    if problems.isEmpty {
      let report = try workspace.updateIndex()
      let records = try report.records ?? workspace.indexedRecordCount()
      Terminal.out(
        "ok: git drivers configured, attributes in place, index \(report.mode.rawValue) (\(records) records)"
      )
      return
    }
    for p in problems { Terminal.out("problem: \(p)") }
    if fix {
      if !interrupted.isEmpty {
        try workspace.repairInterrupted()
        Terminal.out("fixed: finished what the interrupted command had left half done")
      }
      try workspace.configureDrivers(executable: Author.executable)
      Terminal.out("fixed: git drivers configured for \(Author.executable)")
      return
    }
    Terminal.out("fix: acorn doctor --fix")
    Terminal.out(
      "  (or: " + wanted.map { "git config \($0.0) '\($0.1)'" }.joined(separator: " && ") + ")")
    throw ExitCode(1)
  }
}
