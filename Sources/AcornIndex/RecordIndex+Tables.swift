import AcornModel
import GRDB

/// The index's tables described for those who copy them elsewhere (`acorn publish`): each
/// column with the type it means — exact decimal text, integer, calendar date, JSON, text.
extension RecordIndex {
  public enum ColumnMeaning: Sendable, Hashable {
    case text, integer, decimal, date, json
  }

  public struct TableDescription: Sendable, Hashable {
    public var name: String
    public var columns: [(name: String, meaning: ColumnMeaning)]

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
            + spec.columns.filter { $0.type != .list }.map { ($0.name, meaning($0)) }))
      if let lines = spec.lines, let key = IndexSchema.headerKey(spec) {
        out.append(
          TableDescription(
            name: lines.name,
            columns: [("path", .text), (key.name, .text)]
              + lines.columns.filter { $0.type != .list }.map { ($0.name, meaning($0)) }))
      }
    }
    return out
  }

  /// A table's rows as text (nil for NULL), all of them or those of the given paths.
  public func rows(of table: TableDescription, paths: [String]? = nil) throws(IndexError)
    -> [[String?]]
  {
    let columns = table.columns.map { "\"\($0.name)\"" }.joined(separator: ", ")
    do {
      return try queue.read { db in
        var out: [[String?]] = []
        func collect(_ sql: String, _ args: StatementArguments) throws {
          let cursor = try Row.fetchCursor(db, sql: sql, arguments: args)
          while let row = try cursor.next() {
            out.append(
              (0..<table.columns.count).map { i in
                let v: DatabaseValue = row[i]
                switch v.storage {
                case .null: return nil
                case .int64(let n): return String(n)
                case .double(let d): return String(d)
                case .string(let s): return s
                case .blob: return nil
                }
              })
          }
        }
        guard let paths else {
          try collect("SELECT \(columns) FROM \(table.name)", [])
          return out
        }
        var start = 0
        while start < paths.count {
          let chunk = Array(paths[start..<min(start + 500, paths.count)])
          let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
          try collect(
            "SELECT \(columns) FROM \(table.name) WHERE path IN (\(marks))",
            StatementArguments(chunk))
          start += 500
        }
        return out
      }
    } catch {
      throw IndexError.classify(error)
    }
  }
}
