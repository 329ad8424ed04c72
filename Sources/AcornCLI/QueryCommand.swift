import AcornModel
import AcornWorkspace
import ArgumentParser
import Foundation

struct QueryCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "query",
    abstract: "Run read-only SQL over the index (tables in docs/index.md).",
    discussion: """
      Example: acorn query "SELECT invoice_number, total, currency FROM invoices WHERE status = 'PAID'"
      Writes are refused: the index is derived from the record files.
      """)

  @OptionGroup var workspaceOptions: WorkspaceOptions

  @Argument(help: "One SQL statement.")
  var sql: String

  @Flag(help: "One JSON document {\"columns\": [...], \"rows\": [[...]]}.")
  var json = false

  @Flag(help: "CSV (RFC 4180) with a header row.")
  var csv = false

  func validate() throws {
    if json && csv { throw ValidationError("choose --json or --csv") }
  }

  func run() throws {
    let workspace = try Workspace(at: workspaceOptions.workspace)
    let result = try workspace.query(sql)
    BrokenFiles.warn(try workspace.brokenRecordFiles())
    if json {
      Terminal.outBytes(
        CanonicalJSON.bytes(
          .object([
            "columns": .array(result.columns.map(JSONValue.string)),
            "rows": .array(result.rows.map(JSONValue.array)),
          ])))
      return
    }
    func cell(_ v: JSONValue) -> String {
      switch v {
      case .null: return ""
      case .string(let s): return s
      default: return CanonicalJSON.compact(v, limit: Int.max)
      }
    }
    if csv {
      func quote(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
          ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
      }
      var out = result.columns.map(quote).joined(separator: ",") + "\r\n"
      for row in result.rows { out += row.map { quote(cell($0)) }.joined(separator: ",") + "\r\n" }
      Terminal.outBytes(Array(out.utf8))
      return
    }
    let widths = result.columns.indices.map { i in
      min(40, max(result.columns[i].count, result.rows.map { cell($0[i]).count }.max() ?? 0))
    }
    func line(_ cells: [String]) -> String {
      zip(cells, widths).map { c, w in
        c.count >= w ? String(c.prefix(w)) : c + String(repeating: " ", count: w - c.count)
      }
      .joined(separator: "  ")
    }
    Terminal.out(line(result.columns))
    for row in result.rows { Terminal.out(line(row.map(cell))) }
    Terminal.out(
      Terminal.paint("(\(result.rows.count) row\(result.rows.count == 1 ? "" : "s"))", .dim))
  }
}
