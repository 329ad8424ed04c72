import AcornModel
import GRDB
import GRDBSQLite

/// The index's tables described for those who copy them elsewhere (`acorn publish`): each
/// column with the type it means — exact decimal text, integer, calendar date, JSON, text.
extension RecordIndex {
  public enum ColumnMeaning: Sendable, Hashable {
    case text, integer, decimal, date, json
  }

  public struct TableDescription: Sendable, Hashable {
    public var name: String
    public var columns: [(name: String, meaning: ColumnMeaning)]
    /// The kind whose records alone have rows here; nil for `records` and `links` (every kind).
    public var kind: RecordKind? = nil

    public static func == (a: TableDescription, b: TableDescription) -> Bool {
      a.name == b.name && a.columns.map(\.name) == b.columns.map(\.name)
    }
    public func hash(into h: inout Hasher) { h.combine(name) }
  }

  public static var tableDescriptions: [TableDescription] {
    func meaning(_ c: Column) -> ColumnMeaning {
      switch c.type {
      case .amount: return .decimal
      case .integer, .minor, .micro: return .integer
      case .text where c.name.hasSuffix("_date"): return .date
      default: return .text
      }
    }
    var out: [TableDescription] = [
      TableDescription(
        name: "records",
        columns: [
          ("path", .text), ("id", .text), ("kind", .text), ("marketplace", .text), ("month", .text),
          ("key", .text), ("state", .text), ("conflicts", .integer), ("json", .json),
          ("error", .text), ("observed_on", .date),
        ]),
      TableDescription(
        name: "links",
        columns: [("path", .text), ("kind", .text), ("field", .text), ("value", .text)]),
    ]
    for spec in IndexSchema.tables {
      out.append(
        TableDescription(
          name: spec.name,
          columns: [("path", .text), ("id", .text), ("marketplace", .text)]
            + spec.columns.filter { $0.type != .list }.map { ($0.name, meaning($0)) },
          kind: spec.kind))
      if let lines = spec.lines, let key = IndexSchema.headerKey(spec) {
        out.append(
          TableDescription(
            name: lines.name,
            columns: [("path", .text), (key.name, .text)]
              + lines.columns.filter { $0.type != .list }.map { ($0.name, meaning($0)) },
            kind: spec.kind))
      }
    }
    return out
  }

  /// One row of a table being read (`eachRow`): each column's value as UTF-8 text, read in
  /// place — valid only during the call it is handed to.
  public struct TableRow {
    let statement: SQLiteStatement

    /// Column `i` as text (an integer as its digits, a real as Swift writes it; nil for NULL
    /// or a blob), handed to `body`.
    public func withText<R>(_ i: Int, _ body: (UnsafeBufferPointer<UInt8>?) -> R) -> R {
      let c = Int32(i)
      switch sqlite3_column_type(statement, c) {
      case SQLITE_NULL, SQLITE_BLOB: return body(nil)
      case SQLITE_FLOAT:
        return Array(String(sqlite3_column_double(statement, c)).utf8).withUnsafeBufferPointer {
          body($0)
        }
      default:
        guard let p = sqlite3_column_text(statement, c) else { return body(nil) }
        return body(UnsafeBufferPointer(start: p, count: Int(sqlite3_column_bytes(statement, c))))
      }
    }
  }

  /// Hands each row of a table to `body` — all of them or those of the given paths — as the
  /// statement steps (no row copied); the number of rows.
  @discardableResult
  public func eachRow(
    of table: TableDescription, paths: [String]? = nil, _ body: (TableRow) -> Void
  ) throws(IndexError) -> Int {
    let columns = table.columns.map { "\"\($0.name)\"" }.joined(separator: ", ")
    do {
      return try queue.read { db in
        var count = 0
        func each(_ sql: String, _ args: StatementArguments) throws {
          let statement = try db.makeStatement(sql: sql)
          try statement.setArguments(args)
          let row = TableRow(statement: statement.sqliteStatement)
          try RawRow.each(statement.sqliteStatement) { _ in
            body(row)
            count += 1
          }
        }
        guard let paths else {
          try each("SELECT \(columns) FROM \(table.name)", [])
          return count
        }
        var start = 0
        while start < paths.count {
          let chunk = Array(paths[start..<min(start + 500, paths.count)])
          let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
          try each(
            "SELECT \(columns) FROM \(table.name) WHERE path IN (\(marks))",
            StatementArguments(chunk))
          start += 500
        }
        return count
      }
    } catch let error as IndexError {
      throw error
    } catch {
      throw IndexError.classify(error)
    }
  }
}
