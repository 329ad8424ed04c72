import AcornMerge
import AcornModel
import AcornWorkspace
import ArgumentParser
import Foundation

struct ConflictsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "conflicts",
    abstract: "List open merge conflicts: record, field, base, ours, theirs, reason.")

  @OptionGroup var workspaceOptions: WorkspaceOptions
  @OptionGroup var output: OutputOptions

  static func line(_ c: Workspace.OpenConflict) -> String {
    func show(_ v: JSONValue?) -> String { v.map(RecordText.value) ?? "(absent)" }
    let sides =
      c.conflict.ours == nil && c.conflict.theirs == nil && c.conflict.base == nil
      ? ""
      : "  base: \(show(c.conflict.base))  ours: \(show(c.conflict.ours))  theirs: \(show(c.conflict.theirs))"
    return "\(c.id) \(c.conflict.field): \(c.conflict.reason)\(sides)"
  }

  func run() throws {
    let workspace = try Workspace(at: workspaceOptions.workspace)
    let leftovers = try workspace.gitLeftovers()
    let conflicts = try workspace.openConflicts()
    let broken = try workspace.brokenRecordFiles()
    if output.json {
      let items: [JSONValue] = conflicts.map { c in
        guard case .object(var o) = c.conflict.json else { return .null }
        o["id"] = .string(c.id)
        o["path"] = .string(c.path)
        return .object(o)
      }
      var doc: [String: JSONValue] = [
        "conflicts": .array(items),
        "unmerged": .array(leftovers.unmerged.map(JSONValue.string)),
        "conflictMarkers": .array(
          leftovers.markers.map {
            .object(["path": .string($0.path), "line": .number(DecimalNumber($0.line))])
          }),
        "brokenFiles": .array(broken.map { .string($0.path) }),
      ]
      if leftovers.blocks { doc["fix"] = .string(Workspace.GitLeftovers.fix) }
      Terminal.outBytes(CanonicalJSON.bytes(.object(doc)))
    } else {
      for path in leftovers.unmerged { Terminal.out("\(path): unmerged by git") }
      for (path, line) in leftovers.markers {
        Terminal.out("\(path):\(line): git conflict markers")
      }
      if leftovers.blocks { Terminal.out("To fix: \(Workspace.GitLeftovers.fix).") }
      for c in conflicts { Terminal.out(Self.line(c)) }
      if conflicts.isEmpty && !leftovers.blocks { Terminal.out("No open conflicts.") }
      BrokenFiles.warn(broken)
    }
    if !conflicts.isEmpty || leftovers.blocks { throw ExitCode(1) }
  }
}
