import AcornModel
import AcornWorkspace
import ArgumentParser
import Foundation

/// The `acorn` command: one subcommand a file, shared options in `Options.swift`.
public struct Acorn: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "acorn",
    abstract: "An offline-first, git-versioned workspace for Amazon Vendor Central data.",
    discussion: """
      Exit codes: 0 fine, 1 findings (validation errors), 2 usage or operational error.
      Every reading command takes --json. Docs: docs/cli.md.
      """,
    version: "0.1.0 (commit \(BuildStamp.commit))",
    subcommands: [
      InitCommand.self, ValidateCommand.self, ListCommand.self, ShowCommand.self, SetCommand.self,
      StatusCommand.self, CommitCommand.self, LogCommand.self, BlameCommand.self, DiffCommand.self,
      DiffDriverCommand.self, CloneCommand.self, PullCommand.self, PushCommand.self,
      IndexCommand.self,
      QueryCommand.self, MergeCommand.self, ConflictsCommand.self, ResolveCommand.self,
      MergeDriverCommand.self, DoctorCommand.self, SyncCommand.self,
      SandboxCommand.self, ImportCommand.self, ReconcileCommand.self, MatchCommand.self,
      AlertsCommand.self, AuditCommand.self, ExportCommand.self, ReportCommand.self,
      DemoCommand.self, PublishCommand.self, ServeCommand.self, DraftCommand.self,
      SubmitCommand.self,
    ]
  )

  public init() {}

  /// Runs the command line and returns Acorn's exit code (usage errors are 2, not 64). With
  /// `--json`, an error is also one JSON document on stdout (`{"error": {"code", "message"}}`), so
  /// a script never reads an empty answer.
  public static func execute(_ arguments: [String]? = nil) -> Int32 {
    let args = hoistingWorkspace(arguments ?? Array(CommandLine.arguments.dropFirst()))
    // A file-size limit (ulimit -f) or a full disk is an error to report, not a signal that
    // kills the process between two writes: writes then fail with EFBIG or ENOSPC.
    signal(SIGXFSZ, SIG_IGN)
    let json =
      args.contains("--json") || args.contains("--format=json")
      || zip(args, args.dropFirst()).contains { $0 == "--format" && $1 == "json" }
    do {
      var command = try parseAsRoot(args)
      try command.run()
      return 0
    } catch let error as WorkspaceError {
      Terminal.error(
        "\(error.message)" + (error.cause.map { "\n  cause: \($0)" } ?? ""), code: error.code)
      if json { Self.jsonError(error.code, error.message) }
      return error.isRefusal ? 1 : 2
    } catch let code as ExitCode {
      return code.rawValue
    } catch {
      let status = exitCode(for: error).rawValue
      var message = fullMessage(for: error)
      if status == 0 {
        Terminal.out(message)
        return 0
      }
      if let hint = Self.suggestion(args) { message += "\n" + hint }
      Terminal.errorLine(message)
      if json { Self.jsonError("usage", message) }
      return status == ExitCode.validationFailure.rawValue ? 2 : status
    }
  }

  /// `acorn -C PATH status`, as `git -C PATH status`: a workspace option before the command moves
  /// after it (before a `--`, if any), where every command's `WorkspaceOptions` reads it.
  static func hoistingWorkspace(_ arguments: [String]) -> [String] {
    var args = arguments
    var moved: [String] = []
    while let first = args.first {
      if first == "-C" || first == "--workspace", args.count >= 2 {
        moved += ["--workspace", args[1]]
        args.removeFirst(2)
      } else if first.hasPrefix("--workspace=") {
        moved.append(first)
        args.removeFirst()
      } else if first.hasPrefix("-C"), first.count > 2 {
        moved += ["--workspace", String(first.dropFirst(2))]
        args.removeFirst()
      } else {
        break
      }
    }
    guard !moved.isEmpty else { return args }
    if let dash = args.firstIndex(of: "--") {
      args.insert(contentsOf: moved, at: dash)
    } else {
      args += moved
    }
    return args
  }

  static func jsonError(_ code: String, _ message: String) {
    Terminal.outBytes(
      CanonicalJSON.bytes(
        .object(["error": .object(["code": .string(code), "message": .string(message)])])))
  }

  /// "Did you mean …?" for a first word that is no command but close to one.
  static func suggestion(_ args: [String]) -> String? {
    guard let first = args.first, !first.hasPrefix("-") else { return nil }
    let names = configuration.subcommands.filter { $0.configuration.shouldDisplay }
      .compactMap { $0.configuration.commandName }
    guard !names.contains(first) else { return nil }
    let scored = names.map { ($0, editDistance(first, $0)) }.filter { $0.1 <= 2 }
      .sorted { ($0.1, $0.0) < ($1.1, $1.0) }
    return scored.first.map { "Did you mean 'acorn \($0.0)'?" }
  }

  static func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a)
    let b = Array(b)
    var previous = Array(0...b.count)
    for i in 1...max(a.count, 1) where !a.isEmpty {
      var current = [i] + Array(repeating: 0, count: b.count)
      for j in 1...max(b.count, 1) where !b.isEmpty {
        current[j] = min(
          previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
      }
      previous = current
    }
    return a.isEmpty ? b.count : previous[b.count]
  }
}
