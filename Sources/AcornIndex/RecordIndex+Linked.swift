import AcornModel
import GRDB
import GRDBSQLite

/// Records found by the values they are joined to others by — ids and document numbers — for a
/// publish that recomputes only the results linked to changed records (docs/postgres.md).
extension RecordIndex {
  /// The columns that hold, for each kind, the fields `AlertInput.linkKeys` reads (the index
  /// cannot import the alert engine: a test holds the two to each other on the sandbox vendor).
  static let linkColumns: [(table: String, column: String)] = [
    ("records", "id"),
    ("invoices", "invoice_number"), ("invoice_lines", "po_number"),
    ("purchase_orders", "po_number"),
    ("shipments", "shipment_id"), ("shipment_lines", "po_number"),
    ("remittance_lines", "invoice_number"), ("remittance_lines", "base_invoice_number"),
    ("deductions", "deduction_number"), ("deductions", "base_invoice_number"),
    ("returns", "return_id"),
    ("credit_notes", "credit_note_number"), ("credit_notes", "debit_note_number"),
    ("credit_notes", "returns_reference_number"), ("credit_notes", "reference_invoice_number"),
    ("outbound_documents", "po_number"),
  ]

  /// The `links` fields that join records (vendor codes and dispute cases do not).
  static let linkFields = [
    "po_numbers", "invoice_ids", "return_ids", "credit_note_ids", "deduction_ids",
  ]

  /// The paths of the records (that parsed) carrying any of `values` in a field records are
  /// joined by: an id, a document number, a number a line names, an id a person linked — and
  /// the remittances whose people's line matches name one. Sorted, each once.
  public func pathsLinked(to values: some Collection<String>) throws(IndexError) -> [String] {
    guard !values.isEmpty else { return [] }
    let array = String(
      decoding: CanonicalJSON.bytes(.array(values.map(JSONValue.string))), as: UTF8.self)
    let wanted = Set(values)
    return try reading { db in
      var paths = Set<String>()
      // One indexed lookup per value and column: `IN` over the values as a table.
      let inValues = "IN (SELECT value FROM json_each(?1))"
      // Only the tables holding rows: each lookup first lists the values, a millisecond for
      // a few thousand, even into an empty table (a vendor without credit notes).
      var empty: [String: Bool] = [:]
      for table in Set(Self.linkColumns.map(\.table) + ["links"]) {
        let rows = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM \(table))")
        empty[table] = rows != true
      }
      var selects = Self.linkColumns.filter { empty[$0.table] == false }.map { t, c in
        "SELECT path FROM \(t) WHERE \(c) \(inValues)"
      }
      if empty["links"] == false {
        selects.append(
          "SELECT path FROM links WHERE field IN (\(Self.linkFields.map { "'\($0)'" }.joined(separator: ", "))) AND value \(inValues)"
        )
      }
      guard !selects.isEmpty else { return [] }
      let statement = try db.makeStatement(sql: selects.joined(separator: " UNION "))
      try statement.setArguments([array])
      try RawRow.each(statement.sqliteStatement) { row in
        if let p = row.text(0) { paths.insert(p) }
      }
      // People's line matches live in the remittance's workflow (few remittances have any).
      for row in try Row.fetchAll(
        db,
        sql:
          "SELECT path, json FROM records WHERE \(IndexSchema.lineMatchesFilter()) AND error IS NULL"
      ) {
        guard let path: String = row[0], let json: String = row[1],
          let value = try? JSONParser.parse(Array(json.utf8)).value
        else { continue }
        for m in value["workflow"]?["lineMatches"]?.arrayValue ?? [] {
          if let id = m["invoiceId"]?.stringValue, wanted.contains(id) { paths.insert(path) }
        }
      }
      // Broken files keep their row in `records` (no JSON to join by).
      let broken = Set(
        try String.fetchAll(db, sql: "SELECT path FROM records WHERE error IS NOT NULL"))
      return paths.subtracting(broken).sorted()
    }
  }

  /// The JSON (canonical, as indexed) of each of `paths` that holds a record that parsed, in
  /// path order, with its path; the bytes are valid during the call.
  public func eachRecordJSON(
    paths: some Collection<String>, _ body: (String, UnsafeBufferPointer<UInt8>) -> Void
  ) throws(IndexError) {
    guard !paths.isEmpty else { return }
    let array = String(
      decoding: CanonicalJSON.bytes(.array(paths.map(JSONValue.string))), as: UTF8.self)
    try reading { db in
      let statement = try db.makeStatement(
        sql:
          "SELECT path, json FROM records WHERE path IN (SELECT value FROM json_each(?1)) AND error IS NULL ORDER BY path"
      )
      try statement.setArguments([array])
      try RawRow.each(statement.sqliteStatement) { row in
        if let p = row.text(0), let bytes = row.bytes(1) { body(p, bytes) }
      }
    }
  }
}
