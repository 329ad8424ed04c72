import CLibPQ
import Foundation

/// An error from PostgreSQL or libpq: a code (the SQLSTATE when the server gave one), the
/// message, and what was being done.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
  public var code: String
  public var message: String
  public var operation: String

  public init(code: String, message: String, operation: String) {
    self.code = code
    self.message = message
    self.operation = operation
  }

  public var description: String { "\(operation): \(message)" + (code.isEmpty ? "" : " [\(code)]") }
}

/// One connection to PostgreSQL through libpq — the one C boundary: every libpq call is made
/// here, the handle is freed in `deinit`, errors carry the server's SQLSTATE. The connection
/// string is anything libpq understands (`postgresql://user@host:port/db`, `host=… dbname=…`);
/// the password comes from `PGPASSWORD`, `~/.pgpass` or a service file, as libpq reads them.
public final class PostgresConnection {
  let handle: OpaquePointer

  public init(_ conninfo: String) throws(PostgresError) {
    guard let h = PQconnectdb(conninfo) else {
      throw PostgresError(code: "", message: "out of memory", operation: "connect")
    }
    handle = h
    guard PQstatus(h) == CONNECTION_OK else {
      // The handle is fully stored: deinit frees it, also when init throws here.
      throw PostgresError(code: "", message: Self.message(h), operation: "connect")
    }
  }

  deinit { PQfinish(handle) }

  static func message(_ h: OpaquePointer) -> String {
    String(cString: PQerrorMessage(h)).trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// Runs one or more statements without parameters.
  public func execute(_ sql: String) throws(PostgresError) {
    _ = try query(sql, [])
  }

  /// Runs one statement with text parameters (`$1`, `$2` …; nil is NULL); the rows as text.
  @discardableResult
  public func query(_ sql: String, _ parameters: [String?]) throws(PostgresError) -> [[String?]] {
    let result: OpaquePointer?
    if parameters.isEmpty {
      result = PQexec(handle, sql)
    } else {
      // Parameters as C strings that live for the duration of the call.
      let cStrings: [UnsafeMutablePointer<CChar>?] = parameters.map { $0.map { strdup($0) } ?? nil }
      defer { for p in cStrings { free(p) } }
      let values: [UnsafePointer<CChar>?] = cStrings.map { $0.map { UnsafePointer($0) } }
      result = values.withUnsafeBufferPointer { buffer in
        PQexecParams(handle, sql, Int32(parameters.count), nil, buffer.baseAddress, nil, nil, 0)
      }
    }
    guard let result else {
      throw PostgresError(code: "", message: Self.message(handle), operation: "query")
    }
    defer { PQclear(result) }
    let status = PQresultStatus(result)
    guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
      throw Self.error(result, handle, operation: String(sql.prefix(60)))
    }
    var rows: [[String?]] = []
    let n = PQntuples(result)
    let m = PQnfields(result)
    for i in 0..<n {
      var row: [String?] = []
      for j in 0..<m {
        row.append(
          PQgetisnull(result, i, j) == 1 ? nil : String(cString: PQgetvalue(result, i, j)))
      }
      rows.append(row)
    }
    return rows
  }

  static func error(_ result: OpaquePointer, _ h: OpaquePointer, operation: String) -> PostgresError
  {
    let state =
      PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) } ?? ""
    let message = PQresultErrorMessage(result).map { String(cString: $0) } ?? ""
    return PostgresError(
      code: state,
      message: (message.isEmpty ? Self.message(h) : message).trimmingCharacters(
        in: .whitespacesAndNewlines), operation: operation)
  }

  /// `COPY table (columns) FROM STDIN` in text format: rows of text fields (nil is NULL),
  /// escaped as PostgreSQL's text format requires.
  public func copy(into table: String, columns: [String], rows: [[String?]]) throws(PostgresError) {
    try copy(into: table, columns: columns) { out in
      for row in rows {
        for field in row {
          if let field {
            var text = field
            text.withUTF8 { out.field($0) }
          } else {
            out.null()
          }
        }
        out.endRow()
      }
    }
  }

  /// The same COPY with the rows written by `write` straight into the data sent (no row or
  /// string made per value): fields in column order, `endRow()` after each row. The COPY starts
  /// with the first data sent: no rows, no statement (and no round trip to the server).
  public func copy(into table: String, columns: [String], write: (inout CopyWriter) -> Void)
    throws(PostgresError)
  {
    let sql = "COPY \(table) (\(columns.map(Self.identifier).joined(separator: ", "))) FROM STDIN"
    var writer = CopyWriter(connection: self, statement: sql, operation: "COPY \(table)")
    write(&writer)
    writer.flush()
    guard writer.started else {
      if let failed = writer.failure { throw failed }
      return
    }
    if let failed = writer.failure {
      _ = PQputCopyEnd(handle, "the client stopped sending")
      while let r = PQgetResult(handle) { PQclear(r) }
      throw failed
    }
    guard PQputCopyEnd(handle, nil) == 1 else {
      throw PostgresError(code: "", message: Self.message(handle), operation: "COPY \(table)")
    }
    while let r = PQgetResult(handle) {
      defer { PQclear(r) }
      if PQresultStatus(r) != PGRES_COMMAND_OK {
        throw Self.error(r, handle, operation: "COPY \(table)")
      }
    }
  }

  /// Starts `COPY … FROM STDIN`.
  func beginCopy(_ sql: String, operation: String) throws(PostgresError) {
    guard let start = PQexec(handle, sql) else {
      throw PostgresError(code: "", message: Self.message(handle), operation: operation)
    }
    defer { PQclear(start) }
    if PQresultStatus(start) != PGRES_COPY_IN {
      throw Self.error(start, handle, operation: operation)
    }
  }

  /// Sends one buffer of COPY data; false when libpq could not.
  func putCopyData(_ bytes: UnsafeRawBufferPointer) -> Bool {
    guard let base = bytes.baseAddress else { return true }
    return PQputCopyData(handle, base.assumingMemoryBound(to: CChar.self), Int32(bytes.count)) == 1
  }

  /// A quoted identifier: `"name"`, inner quotes doubled.
  public static func identifier(_ name: String) -> String {
    "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
  }
}

/// The rows of a `COPY … FROM STDIN` being written, in PostgreSQL's text format: each field
/// escaped (backslash, tab, newline, carriage return), `\N` for NULL, tab between fields, a
/// newline after each row; sent a megabyte at a time. A failure to send is kept (`failure`) and
/// ends the writing; the COPY then reports it.
public struct CopyWriter {
  let connection: PostgresConnection
  let statement: String
  let operation: String
  var buffer: [UInt8] = []
  var first = true
  /// Whether the COPY was started (with the first data sent).
  var started = false
  public private(set) var failure: PostgresError?

  init(connection: PostgresConnection, statement: String, operation: String) {
    self.connection = connection
    self.statement = statement
    self.operation = operation
    buffer.reserveCapacity(1 << 20 + 1 << 16)
  }

  /// The next field's text (UTF-8), escaped.
  public mutating func field(_ text: UnsafeBufferPointer<UInt8>) {
    if !first { buffer.append(9) }
    first = false
    // Runs of plain bytes are appended whole; only the four special bytes are escaped.
    var run = 0
    for i in 0..<text.count {
      let escaped: UInt8
      switch text[i] {
      case 92: escaped = 92
      case 9: escaped = 116
      case 10: escaped = 110
      case 13: escaped = 114
      default: continue
      }
      buffer.append(contentsOf: UnsafeBufferPointer(rebasing: text[run..<i]))
      buffer.append(92)
      buffer.append(escaped)
      run = i + 1
    }
    buffer.append(contentsOf: UnsafeBufferPointer(rebasing: text[run..<text.count]))
  }

  /// A NULL field.
  public mutating func null() {
    if !first { buffer.append(9) }
    first = false
    buffer.append(92)
    buffer.append(78)
  }

  /// Ends the row (and sends what is buffered past a megabyte).
  public mutating func endRow() {
    buffer.append(10)
    first = true
    if buffer.count > 1 << 20 { flush() }
  }

  mutating func flush() {
    guard !buffer.isEmpty else { return }
    if failure == nil && !started {
      do throws(PostgresError) {
        try connection.beginCopy(statement, operation: operation)
        started = true
      } catch {
        failure = error
      }
    }
    if failure == nil && !buffer.withUnsafeBytes({ connection.putCopyData($0) }) {
      failure = PostgresError(
        code: "", message: PostgresConnection.message(connection.handle), operation: operation)
    }
    buffer.removeAll(keepingCapacity: true)
  }
}
