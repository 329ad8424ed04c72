import AcornMerge
import AcornModel
import AcornWorkspace
import ArgumentParser
import Foundation

struct MergeDriverCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "merge-driver",
    abstract: "git's merge driver for merge=acorn: acorn merge-driver %O %A %B %P.",
    discussion: """
      Merges the three versions of one record with the same engine as acorn merge, writes the result to \
      %A and exits 0, or 1 when conflicts remain (the record carries them). Set up by acorn init, clone \
      and doctor --fix: git config merge.acorn.driver "acorn merge-driver %O %A %B %P".
      """,
    shouldDisplay: false)

  @Argument(help: "The common ancestor's version (%O).")
  var base: String
  @Argument(help: "Our version, overwritten with the result (%A).")
  var ours: String
  @Argument(help: "Their version (%B).")
  var theirs: String
  @Argument(help: "The path in the repository (%P).")
  var path: String

  func run() throws {
    func read(_ p: String) -> [UInt8]? {
      guard let bytes = try? readFile(p), !bytes.isEmpty else { return nil }
      return bytes
    }
    let workspace = try Workspace(at: ".")
    if path.hasPrefix(Workspace.reconciliationFolder + "/") {
      // Derived from the records: keep our side (left in %A) and let the next acorn command
      // recompute it from the merged records.
      workspace.markReconciliationStale()
      return
    }
    // git names the merged branches in GITHEAD_<sha>; the side named vendor-central wins source.
    let env = ProcessInfo.processInfo.environment
    let named = env.filter { $0.key.hasPrefix("GITHEAD_") }.map(\.value)
    let current = (try? workspace.repository())?.currentBranchName()
    let syncMerged = named.contains {
      $0 == Workspace.syncBranch || $0.hasSuffix("/" + Workspace.syncBranch)
    }
    let side: Side? = syncMerged && current != Workspace.syncBranch ? .theirs : nil
    var context = try workspace.mergeContext(sourceSide: side)
    let result = workspace.mergeRecord(
      path: path, base: read(base), ours: read(ours), theirs: read(theirs), context: &context)
    guard let bytes = result.bytes else {
      _ = FileManager.default.createFile(atPath: ours, contents: Data())
      throw ExitCode(result.conflicts.isEmpty ? 0 : 1)
    }
    guard FileManager.default.createFile(atPath: ours, contents: Data(bytes)) else {
      throw WorkspaceError("merge-driver.write", "cannot write \(ours)")
    }
    for c in result.conflicts {
      Terminal.errorLine("acorn: conflict in \(path) \(c.field): \(c.reason)")
    }
    if !result.conflicts.isEmpty { throw ExitCode(1) }
  }
}
