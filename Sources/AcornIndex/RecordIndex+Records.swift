import AcornModel
import GRDB
import GRDBSQLite

/// Every record's JSON as the index keeps it, for work that reads all the records (the
/// reconciliation and alerts a publish derives): one file read in path order, in a few runs that
/// connections of their own read side by side, instead of a file opened for each record.
extension RecordIndex {
  /// A run of records: paths from `from` (inclusive; nil: the first) to `to` (exclusive; nil: past
  /// the last).
  public struct PathRun: Sendable, Equatable {
    public var from: String?
    public var to: String?
  }

  /// `parts` runs, in path order, of about the same number of records each, together covering
  /// every path (fewer runs when there are fewer records than parts).
  public func recordRuns(_ parts: Int) throws(IndexError) -> [PathRun] {
    try reading { db in
      // Cut on the primary key's index alone (the table's rows carry each record's JSON).
      let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM records") ?? 0
      var cuts: [String] = []
      if parts > 1 && count >= parts {
        for i in 1..<parts {
          let at = try String.fetchOne(
            db, sql: "SELECT path FROM records ORDER BY path LIMIT 1 OFFSET ?",
            arguments: [count * i / parts])
          if let at, at != cuts.last { cuts.append(at) }
        }
      }
      let bounds: [String?] = [nil] + cuts + [nil]
      return (0..<bounds.count - 1).map { PathRun(from: bounds[$0], to: bounds[$0 + 1]) }
    }
  }

  /// The record files that did not parse when they were indexed, in path order, with why
  /// (through the partial index on them: the table is not read).
  public func brokenFiles() throws(IndexError) -> [(path: String, error: String)] {
    try reading { db in
      try Row.fetchAll(
        db, sql: "SELECT path, error FROM records WHERE error IS NOT NULL ORDER BY path"
      ).compactMap { row -> (path: String, error: String)? in
        guard let path: String = row[0], let error: String = row[1] else { return nil }
        return (path, error)
      }
    }
  }

  /// Each record's JSON (canonical, as indexed) in `run`, in path order, as UTF-8 bytes valid
  /// during the call; files that did not parse are left out (`brokenRecordFiles` lists them).
  public func eachRecordJSON(in run: PathRun, _ body: (UnsafeBufferPointer<UInt8>) -> Void)
    throws(IndexError)
  {
    try reading { db in
      var conditions = ["error IS NULL"]
      var arguments: [String] = []
      if let from = run.from {
        conditions.append("path >= ?")
        arguments.append(from)
      }
      if let to = run.to {
        conditions.append("path < ?")
        arguments.append(to)
      }
      let statement = try db.makeStatement(
        sql:
          "SELECT json FROM records WHERE \(conditions.joined(separator: " AND ")) ORDER BY path")
      try statement.setArguments(StatementArguments(arguments))
      try RawRow.each(statement.sqliteStatement) { row in
        if let bytes = row.bytes(0) { body(bytes) }
      }
    }
  }
}
