import AcornKillPoints
import AcornModel
import Foundation
import GRDB

/// The derived SQLite index at `.acorn/index.sqlite` (docs/index.md): a table of every record, a
/// table per kind and per kind's lines, money as exact text and as integer minor units, indexes
/// on the keys reconciliation joins on. It is never the source of truth: it can be deleted and
/// rebuilt from the files at any time, and a corrupt or outdated one is rebuilt, never trusted.
///
/// This module knows records, not git: callers hand it the changed paths and their content.
public final class RecordIndex {
  /// Bump when the tables change; an index of another version is rebuilt.
  public static let schemaVersion = 8

  let queue: DatabaseQueue
  public let path: String

  /// What the index reflects: the commit it was built from, and the paths whose indexed content
  /// came from the working tree rather than that commit.
  public struct State: Sendable, Equatable {
    public var commit: String?
    public var dirtyPaths: [String]
    /// For dirty paths, a digest of the content indexed (`missing` for a deleted file, the
    /// error for one that cannot be read): an update skips a dirty file whose content has not
    /// changed since.
    public var dirtyDigests: [String: String]

    public init(commit: String?, dirtyPaths: [String], dirtyDigests: [String: String] = [:]) {
      self.commit = commit
      self.dirtyPaths = dirtyPaths
      self.dirtyDigests = dirtyDigests
    }
  }

  /// A change to apply: a record file's new content, or its removal.
  public enum Change: Sendable {
    case upsert(path: String, record: JSONValue)
    /// A record file that does not parse: kept visible as a row with its error.
    case broken(path: String, error: String)
    case delete(path: String)
  }

  /// Opens (creating) an index for writing. Throws `IndexError.unusable` for a file that is not
  /// a healthy index of this version; the caller then deletes it and rebuilds.
  public init(path: String) throws(IndexError) {
    self.path = path
    do {
      var config = Configuration()
      config.busyMode = .timeout(5)
      config.prepareDatabase { db in db.add(function: DecimalSum.function) }
      queue = try DatabaseQueue(path: path, configuration: config)
      try queue.write { db in
        let tables = try String.fetchAll(
          db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
        if tables.isEmpty {
          try IndexSchema.create(db)
          return
        }
        // A full integrity check would cost a read of the whole file on every command; damage
        // found later surfaces as an error and the caller rebuilds.
        let version = try String.fetchOne(
          db, sql: "SELECT value FROM meta WHERE key = 'schemaVersion'")
        guard version == String(Self.schemaVersion) else {
          throw IndexError.unusable(
            "index version \(version ?? "none"), expected \(Self.schemaVersion)")
        }
      }
    } catch let error as IndexError {
      throw error
    } catch {
      throw IndexError.classify(error)
    }
  }

  /// An empty index in memory, for rows made from records that are not the working tree's
  /// (a commit's files, as an incremental publish reads them).
  public init() throws(IndexError) {
    path = ":memory:"
    do {
      var config = Configuration()
      config.prepareDatabase { db in db.add(function: DecimalSum.function) }
      queue = try DatabaseQueue(configuration: config)
      try queue.write { db in try IndexSchema.create(db) }
    } catch {
      throw IndexError.classify(error)
    }
  }

  /// Opens an existing index read-only, for queries.
  public init(readOnlyAt path: String) throws(IndexError) {
    self.path = path
    do {
      var config = Configuration()
      config.readonly = true
      config.prepareDatabase { db in db.add(function: DecimalSum.function) }
      queue = try DatabaseQueue(path: path, configuration: config)
    } catch {
      throw IndexError.unusable("\(error)")
    }
  }

  public func state() throws(IndexError) -> State {
    do {
      return try queue.read { db in
        let commit = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'commit'")
        let dirtyText =
          try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'dirtyPaths'") ?? "[]"
        let dirty = (try? JSONParser.parse(dirtyText).arrayValue?.compactMap(\.stringValue)) ?? nil
        let digestText =
          try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'dirtyDigests'") ?? "{}"
        let digests = ((try? JSONParser.parse(digestText).objectValue) ?? nil)?.compactMapValues(
          \.stringValue)
        return State(
          commit: commit?.isEmpty == true ? nil : commit, dirtyPaths: dirty ?? [],
          dirtyDigests: digests ?? [:])
      }
    } catch {
      throw IndexError.classify(error)
    }
  }

  /// Applies changes and the new state in one transaction: all or nothing.
  public func apply(_ changes: [Change], state: State) throws(IndexError) {
    do {
      try queue.inTransaction { db in
        let writer = IndexWriter(db: db)
        for change in changes {
          switch change {
          case .upsert(let path, let record):
            try writer.delete(path: path)
            try writer.insert(path: path, record: record)
          case .broken(let path, let error):
            try writer.delete(path: path)
            try writer.insertBroken(path: path, error: error)
          case .delete(let path):
            try writer.delete(path: path)
          }
        }
        try Self.save(state, db)
        KillPoint.reached("index-before-commit")
        return .commit
      }
      KillPoint.reached("index-commit")
    } catch {
      throw IndexError.classify(error)
    }
  }

  /// Replaces everything with `records` (path and content).
  public func rebuild(
    _ records: [(path: String, record: JSONValue)], broken: [(path: String, error: String)] = [],
    state: State
  )
    throws(IndexError)
  {
    try rebuild(
      records.map { Change.upsert(path: $0.path, record: $0.record) }
        + broken.map { Change.broken(path: $0.path, error: $0.error) }, state: state)
  }

  /// Replaces the whole index with `changes` (upserts and broken files; deletions are moot) in
  /// one transaction, taking them one at a time: given a lazy sequence, only the record being
  /// inserted is in memory, whatever the size of the workspace.
  public func rebuild(_ changes: some Sequence<Change>, state: State) throws(IndexError) {
    do {
      try queue.inTransaction { db in
        for table in IndexSchema.tables {
          try db.execute(sql: "DELETE FROM \(table.name)")
          if let lines = table.lines { try db.execute(sql: "DELETE FROM \(lines.name)") }
        }
        try db.execute(sql: "DELETE FROM records")
        try db.execute(sql: "DELETE FROM links")
        let writer = IndexWriter(db: db)
        for change in changes {
          switch change {
          case .upsert(let path, let record): try writer.insert(path: path, record: record)
          case .broken(let path, let error): try writer.insertBroken(path: path, error: error)
          case .delete: break
          }
        }
        try Self.save(state, db)
        KillPoint.reached("index-before-commit")
        return .commit
      }
      KillPoint.reached("index-commit")
    } catch {
      throw IndexError.classify(error)
    }
  }

  static func save(_ state: State, _ db: Database) throws {
    let dirty = CanonicalJSON.compact(
      .array(state.dirtyPaths.sorted().map(JSONValue.string)), limit: Int.max)
    let digests = CanonicalJSON.compact(
      .object(state.dirtyDigests.mapValues(JSONValue.string)), limit: Int.max)
    try db.execute(
      sql:
        "INSERT OR REPLACE INTO meta(key, value) VALUES ('commit', ?), ('dirtyPaths', ?), ('dirtyDigests', ?)",
      arguments: [state.commit ?? "", dirty, digests])
  }

  /// Number of records indexed (broken files not counted).
  public func count() throws(IndexError) -> Int {
    do {
      return try queue.read {
        // Both counts come from indexes (the second a partial one), not from the table.
        let all =
          try Int.fetchOne($0, sql: "SELECT count(*) FROM records INDEXED BY records_kind") ?? 0
        let broken =
          try Int.fetchOne($0, sql: "SELECT count(*) FROM records WHERE error IS NOT NULL") ?? 0
        return all - broken
      }
    } catch {
      throw IndexError.classify(error)
    }
  }

  /// Result of a query: column names and rows of values (text, integer, real or null).
  public struct QueryResult: Sendable {
    public var columns: [String]
    public var rows: [[JSONValue]]
  }

  /// Runs one read-only SQL statement; `arguments` bind its `?` placeholders (text typed by a
  /// person never enters the SQL itself). Writes are refused (the index is derived from the files).
  public func query(_ sql: String, arguments: [String] = []) throws(IndexError) -> QueryResult {
    do {
      return try queue.read { db in
        let statement = try db.makeStatement(sql: sql)
        guard statement.isReadonly else {
          throw IndexError.readOnly
        }
        try statement.setArguments(StatementArguments(arguments))
        let columns = statement.columnNames
        var rows: [[JSONValue]] = []
        let cursor = try Row.fetchCursor(statement)
        while let row = try cursor.next() {
          rows.append(
            (0..<columns.count).map { i in
              let value: DatabaseValue = row[i]
              switch value.storage {
              case .null: return .null
              case .int64(let n): return .number(DecimalNumber(Int(n)))
              case .double(let d):
                return (try? DecimalNumber(parsing: "\(d)")).map(JSONValue.number)
                  ?? .string("\(d)")
              case .string(let s): return .string(s)
              case .blob(let data): return .string(data.base64EncodedString())
              }
            })
        }
        return QueryResult(columns: columns, rows: rows)
      }
    } catch let error as IndexError {
      throw error
    } catch let error as DatabaseError where error.resultCode == .SQLITE_READONLY {
      throw IndexError.readOnly
    } catch let error as DatabaseError
      where (error.message ?? "").hasPrefix("Multiple statements found")
    {
      // GRDB's words name its own API ("use Database.execute(sql:)"), not what to type.
      throw IndexError.sql(
        "one statement at a time: remove the ';' and what follows it, or run each statement on its own"
      )
    } catch let error as DatabaseError {
      throw IndexError.sql(error.message ?? "\(error)")
    } catch {
      throw IndexError.classify(error)
    }
  }
}

public enum IndexError: Error, Sendable, CustomStringConvertible {
  /// The file is not a healthy index of this version (corrupt, not a database, another
  /// version): delete and rebuild it.
  case unusable(String)
  /// Anything else (busy, locked, I/O, disk full): try again later; never a reason to delete.
  case database(String)
  case sql(String)
  case readOnly

  public var description: String {
    switch self {
    case .unusable(let why): "the index is unusable: \(why)"
    case .database(let why): "index database error: \(why)"
    case .sql(let why): "SQL error: \(why)"
    case .readOnly:
      "acorn query is read-only: the index is derived from the record files (change records with acorn set or acorn commit)"
    }
  }
}

extension IndexError {
  /// Only SQLite's corruption codes make an index unusable; busy, locked, I/O, full and the rest
  /// are transient or environmental, and deleting the files would not help (another process may
  /// have them open).
  static func classify(_ error: any Error) -> IndexError {
    if let db = error as? DatabaseError,
      db.resultCode == .SQLITE_CORRUPT || db.resultCode == .SQLITE_NOTADB
    {
      return .unusable("\(db)")
    }
    return .database("\(error)")
  }
}

/// `dsum(x)`: the exact sum of decimal text (or integers), as decimal text — what `SUM()` over
/// the amount columns would give without floating point. NULLs are skipped; anything that is not
/// a decimal is an error, never a silent zero.
struct DecimalSum: DatabaseAggregate {
  static let function = DatabaseFunction(
    "dsum", argumentCount: 1, pure: true, aggregate: DecimalSum.self)

  var sum = DecimalNumber.zero
  var seen = false

  init() {}

  mutating func step(_ values: [DatabaseValue]) throws {
    guard let value = values.first else { return }
    let text: String
    switch value.storage {
    case .null: return
    case .int64(let n): text = String(n)
    case .string(let s): text = s
    case .double(let d):
      throw DatabaseError(message: "dsum: \(d) is a floating-point value; sum the text columns")
    case .blob: throw DatabaseError(message: "dsum: a blob is not a decimal")
    }
    do {
      sum = try sum + DecimalNumber(parsing: text)
      seen = true
    } catch {
      throw DatabaseError(message: "dsum: \"\(text)\" is not a decimal (\(error))")
    }
  }

  func finalize() -> (any DatabaseValueConvertible)? { seen ? sum.formatted() : nil }
}
