/// One problem found in a workspace: a stable code, a severity, where it is and what is wrong.
/// Checks return findings as data; the CLI decides how to show them and what exit code follows.
public struct Finding: Sendable, Hashable, Codable, Comparable {
  public enum Severity: String, Sendable, Codable, Comparable {
    case error
    case warning

    public static func < (a: Severity, b: Severity) -> Bool { a == .error && b == .warning }
  }

  /// Stable identifier of the check, e.g. `schema.required`, `invariant.total`.
  public var code: String
  public var severity: Severity
  /// Path relative to the workspace root, `/`-separated; nil for workspace-wide findings.
  public var file: String?
  /// 1-based line in `file`, when known.
  public var line: Int?
  /// Location inside the document, e.g. `source.lines[1].netCost`.
  public var path: String?
  public var message: String

  public init(
    code: String, severity: Severity = .error, file: String? = nil, line: Int? = nil,
    path: String? = nil, message: String
  ) {
    self.code = code
    self.severity = severity
    self.file = file
    self.line = line
    self.path = path
    self.message = message
  }

  public static func < (a: Finding, b: Finding) -> Bool {
    let ka = (a.file ?? "", a.line ?? 0, a.path ?? "", a.code, a.message)
    let kb = (b.file ?? "", b.line ?? 0, b.path ?? "", b.code, b.message)
    return ka < kb
  }
}

/// A finding inside one document, before it is placed in a file.
public struct DocumentIssue: Sendable, Hashable {
  public var code: String
  public var severity: Finding.Severity
  public var path: JSONPath
  public var message: String

  public init(
    _ code: String, _ severity: Finding.Severity = .error, at path: JSONPath, _ message: String
  ) {
    self.code = code
    self.severity = severity
    self.path = path
    self.message = message
  }
}
