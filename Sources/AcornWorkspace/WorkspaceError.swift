import AcornGit
import AcornModel

/// An operational error: a code for scripts, a message for people and the cause underneath.
public struct WorkspaceError: Error, Sendable, CustomStringConvertible {
  public var code: String
  public var message: String
  public var cause: String?

  public init(_ code: String, _ message: String, cause: (any Error)? = nil) {
    self.code = code
    self.message = message
    self.cause = cause.map { "\($0)" }
  }

  public var description: String {
    cause.map { "\(message) (\($0))" } ?? message
  }
}
