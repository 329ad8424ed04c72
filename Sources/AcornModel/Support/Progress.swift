/// How far a long operation has come: modules report it, the one who shows it decides how (the
/// CLI's line on a terminal, `acorn serve`'s job page). Modules never print.
public struct ProgressReport: Sendable, Equatable {
  /// What is being done, as a short verb phrase: "validating", "indexing", "merging".
  public var phase: String
  public var done: Int
  /// The count `done` runs up to, when known in advance.
  public var total: Int?
  /// What is counted: "records", "files", "lines".
  public var unit: String

  public init(_ phase: String, done: Int, of total: Int? = nil, unit: String = "records") {
    self.phase = phase
    self.done = done
    self.total = total
    self.unit = unit
  }
}

/// Receives progress reports; called on the thread doing the work, so it must be cheap (a caller
/// that draws should throttle).
public typealias ProgressHandler = @Sendable (ProgressReport) -> Void
