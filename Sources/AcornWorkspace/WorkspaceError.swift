import AcornGit
import AcornModel

/// An operational error: a code for scripts, a message for people and the cause underneath.
public struct WorkspaceError: Error, Sendable, CustomStringConvertible {
  public var code: String
  public var message: String
  public var cause: String?
  /// A refusal on the workspace's own rules (an illegal transition, an invalid result): the CLI
  /// exits 1 for these, as for findings, and 2 for every other error.
  public var isRefusal: Bool

  public init(_ code: String, _ message: String, cause: (any Error)? = nil, refusal: Bool = false) {
    self.code = code
    self.message = message
    self.cause = cause.map { "\($0)" }
    self.isRefusal = refusal
  }

  public var description: String {
    cause.map { "\(message) (\($0))" } ?? message
  }
}
