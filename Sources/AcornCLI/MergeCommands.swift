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
    let workspace = try Workspace(at: workspaceOptions.workspace)
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

struct ResolveCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "resolve",
    abstract: "Settle a record's open conflicts with our side, their side or a value.",
    discussion:
      "Commits one commit, unless a merge is in progress (then acorn commit concludes it).")

  @OptionGroup var workspaceOptions: WorkspaceOptions

  @Argument(help: "Record id (or Amazon's key).")
  var id: String

  @Option(help: "Only the conflict on this field (default: all of the record's).")
  var field: String?

  @Flag(help: "Take our side.")
  var ours = false

  @Flag(help: "Take their side.")
  var theirs = false

  @Option(
    name: .customLong("set"), help: "Take this value (read as the field's type, as acorn set does)."
  )
  var value: String?

  func validate() throws {
    let chosen = [ours, theirs, value != nil].filter { $0 }.count
    guard chosen == 1 else {
      throw ValidationError("choose exactly one of --ours, --theirs, --set VALUE")
    }
    if value != nil && field == nil { throw ValidationError("--set needs --field") }
  }

  func run() throws {
    let workspace = try Workspace(at: workspaceOptions.workspace)
    let how: Workspace.Resolution = ours ? .ours : theirs ? .theirs : .value(value ?? "")
    let result = try workspace.resolve(
      id, field: field, with: how, author: Author.signature(workspace))
    let fields = result.resolved.map(\.field).joined(separator: ", ")
    Terminal.out(
      "Resolved \(result.id) \(fields)"
        + (result.commit.map { " (commit \($0.short))" }
          ?? " (merge in progress: acorn commit -m MSG concludes it)"))
  }
}

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

struct DoctorCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "doctor",
    abstract:
      "Check this clone's set-up: git drivers (so plain git merges and diffs records the Acorn way), attributes, index.",
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
    let attributes =
      (try? String(contentsOfFile: workspace.path(".gitattributes"), encoding: .utf8)) ?? ""
    if !attributes.contains("merge=acorn") || !attributes.contains("diff=acorn") {
      problems.append(
        ".gitattributes does not route records/** to merge=acorn diff=acorn (restore it from workspace-template/.gitattributes)"
      )
    }
    if problems.isEmpty {
      let report = try workspace.updateIndex()
      Terminal.out(
        "ok: git drivers configured, attributes in place, index \(report.mode.rawValue) (\(report.records) records)"
      )
      return
    }
    for p in problems { Terminal.out("problem: \(p)") }
    if fix {
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
