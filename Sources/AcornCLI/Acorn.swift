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
    version: "0.1.0",
    subcommands: [
      InitCommand.self, ValidateCommand.self, ListCommand.self, ShowCommand.self, SetCommand.self,
      StatusCommand.self, CommitCommand.self, LogCommand.self, BlameCommand.self, DiffCommand.self,
      DiffDriverCommand.self, CloneCommand.self, PullCommand.self, PushCommand.self,
      IndexCommand.self,
      QueryCommand.self, MergeCommand.self, ConflictsCommand.self, ResolveCommand.self,
      MergeDriverCommand.self, DoctorCommand.self, SyncCommand.self,
      SandboxCommand.self, ImportCommand.self, ReconcileCommand.self, MatchCommand.self,
      AlertsCommand.self, AuditCommand.self, ExportCommand.self, ReportCommand.self,
      DemoCommand.self,
    ]
  )

  public init() {}

  /// Runs the command line and returns Acorn's exit code (usage errors are 2, not 64).
  public static func execute(_ arguments: [String]? = nil) -> Int32 {
    do {
      var command = try parseAsRoot(arguments)
      try command.run()
      return 0
    } catch let error as WorkspaceError {
      Terminal.error(
        "\(error.message)" + (error.cause.map { "\n  cause: \($0)" } ?? ""), code: error.code)
      return error.isRefusal ? 1 : 2
    } catch let code as ExitCode {
      return code.rawValue
    } catch {
      let status = exitCode(for: error).rawValue
      let message = fullMessage(for: error)
      if status == 0 {
        Terminal.out(message)
        return 0
      }
      Terminal.errorLine(message)
      return status == ExitCode.validationFailure.rawValue ? 2 : status
    }
  }
}
