import AcornModel
import GRDB

/// The index's tables as data: each column names the JSON path it comes from, so one writer
/// fills them all and docs/index.md lists the same columns.
enum ColumnType {
  case text
  case integer
  /// A money object's amount as exact decimal text.
  case amount
  /// A money object's amount in integer minor units (NULL when it has finer precision).
  case minor
  /// A money object's amount in exact integer millionths of the currency unit (`SUM()` over it is
  /// exact, sub-cent amounts included; NULL only past six decimals or ±9.2 trillion).
  case micro
  /// A money object's currency.
  case currency
  /// A JSON array of strings: one row each in the `links` table, never a joined string.
  case list
}

struct Column {
  var name: String
  var path: [String]
  var type: ColumnType

  init(_ name: String, _ path: String, _ type: ColumnType = .text) {
    self.name = name
    self.path = path.split(separator: ".").map(String.init)
    self.type = type
  }

  var sqlType: String {
    switch type {
    case .integer, .minor, .micro: "INTEGER"
    default: "TEXT"
    }
  }
}

struct TableSpec {
  var name: String
  var kind: RecordKind
  /// Columns read from the record (paths from the record root).
  var columns: [Column]
  /// Lines table: its name and columns (paths from the line object).
  var lines: (name: String, columns: [Column])?
  var indexes: [String]
  var lineIndexes: [String]
}

enum IndexSchema {
  /// Remittances with people's line matches: the condition of the partial index
  /// `records_line_matches`, and of the query that reads them (the same expression, so SQLite
  /// uses the index); `table` qualifies the columns where a join names another `json`.
  static func lineMatchesFilter(_ table: String = "") -> String {
    "\(table)kind = 'remittance' AND instr(\(table)json, '\"lineMatches\"') > 0"
  }

  static func money(_ name: String, _ path: String) -> [Column] {
    [
      Column(name, path, .amount), Column(name + "_minor", path, .minor),
      Column(name + "_micro", path, .micro),
    ]
  }

  static let tables: [TableSpec] = [
    TableSpec(
      name: "purchase_orders", kind: .purchaseOrder,
      columns: [
        Column("po_number", "source.purchaseOrderNumber"),
        Column("po_state", "source.purchaseOrderState"),
        Column("po_status", "source.purchaseOrderStatus"),
        Column("po_type", "source.purchaseOrderType"),
        Column("order_date", "source.purchaseOrderDate"),
        Column("vendor_code", "source.sellingParty.partyId"),
        Column("ship_to", "source.shipToParty.partyId"), Column("assignee", "workflow.assignee"),
      ],
      lines: (
        "po_lines",
        [
          Column("seq", "itemSequenceNumber"), Column("asin", "amazonProductIdentifier"),
          Column("vendor_sku", "vendorProductIdentifier"),
          Column("ordered", "quantities.ordered", .integer),
          Column("cancelled", "quantities.cancelled", .integer),
          Column("accepted", "quantities.accepted", .integer),
          Column("backordered", "quantities.backordered", .integer),
          Column("rejected", "quantities.rejected", .integer),
          Column("shipped", "quantities.shipped", .integer),
          Column("received", "quantities.received", .integer),
          Column("invoiced", "quantities.invoiced", .integer),
          Column("currency", "netCost", .currency),
        ] + money("net_cost", "netCost") + money("ack_net_cost", "acknowledgedNetCost")
      ),
      indexes: ["po_number"], lineIndexes: ["po_number", "asin"]),
    TableSpec(
      name: "shipments", kind: .shipment,
      columns: [
        Column("shipment_id", "source.shipmentIdentifier"),
        Column("confirmation_type", "source.shipmentConfirmationType"),
        Column("shipment_date", "source.shipmentDate"),
        Column("arn", "source.amazonReferenceNumber"),
        Column("ship_to", "source.shipToParty.partyId"),
      ],
      lines: (
        "shipment_lines",
        [
          Column("seq", "itemSequenceNumber"), Column("po_number", "purchaseOrderNumber"),
          Column("asin", "amazonProductIdentifier"), Column("shipped", "shippedEaches", .integer),
        ]
      ),
      indexes: ["shipment_id"], lineIndexes: ["po_number", "asin"]),
    TableSpec(
      name: "invoices", kind: .invoice,
      columns: [
        Column("invoice_number", "source.invoiceNumber"),
        Column("invoice_date", "source.invoiceDate"),
        Column("status", "source.invoiceStatus"), Column("due_date", "source.dueDate"),
        Column("net_days", "source.paymentTerms.netDueDays", .integer),
        Column("currency", "source.totalAmount", .currency),
        Column("assignee", "workflow.assignee"),
      ] + money("total", "source.totalAmount") + money("tax_total", "source.taxTotal"),
      lines: (
        "invoice_lines",
        [
          Column("seq", "itemSequenceNumber"), Column("po_number", "purchaseOrderNumber"),
          Column("asin", "amazonProductIdentifier"), Column("invoiced", "invoicedEaches", .integer),
          Column("currency", "netCost", .currency),
        ] + money("net_cost", "netCost")
      ),
      indexes: ["invoice_number"], lineIndexes: ["invoice_number", "po_number", "asin"]),
    TableSpec(
      name: "remittances", kind: .remittance,
      columns: [
        Column("payment_id", "source.uniquePaymentId"),
        Column("payment_number", "source.paymentNumber"),
        Column("payment_date", "source.paymentDate"), Column("status", "source.remittanceStatus"),
        Column("exchange_rate", "source.exchangeRate"),
        Column("currency", "source.paymentAmount", .currency),
      ] + money("amount", "source.paymentAmount"),
      lines: (
        "remittance_lines",
        [
          Column("line", "lineNumber", .integer), Column("invoice_number", "invoiceNumber"),
          Column("base_invoice_number", "baseInvoiceNumber"),
          Column("classification", "classification"),
          Column("invoice_date", "invoiceDate"), Column("currency", "amountPaid", .currency),
        ] + money("invoice_amount", "invoiceAmount") + money("discount", "discountTaken")
          + money("paid", "amountPaid")
      ),
      indexes: ["payment_id", "payment_number"],
      lineIndexes: ["payment_id", "invoice_number", "base_invoice_number"]),
    TableSpec(
      name: "returns", kind: .return,
      columns: [
        Column("return_id", "source.returnId"),
        Column("authorization_id", "source.authorizationId"),
        Column("notice_date", "source.noticeDate"), Column("status", "source.status"),
        Column("state", "workflow.state"), Column("assignee", "workflow.assignee"),
        Column("currency", "source.totalRequestedRefund", .currency),
      ] + money("requested_refund", "source.totalRequestedRefund")
        + money("approved_refund", "source.totalApprovedRefund"),
      lines: (
        "return_lines",
        [
          Column("line", "lineNumber", .integer), Column("asin", "amazonProductIdentifier"),
          Column("po_number", "purchaseOrderNumber"),
          Column("requested", "requestedQuantity", .integer),
          Column("approved", "approvedQuantity", .integer),
          Column("currency", "requestedRefund", .currency),
        ] + money("requested_refund", "requestedRefund")
          + money("approved_refund", "approvedRefund")
      ),
      indexes: ["return_id", "state"], lineIndexes: ["return_id", "asin"]),
    TableSpec(
      name: "credit_notes", kind: .creditNote,
      columns: [
        Column("credit_note_number", "source.creditNoteNumber"),
        Column("note_type", "source.noteType"),
        Column("reason", "source.reason"), Column("issue_date", "source.issueDate"),
        Column("reference_invoice_number", "source.referenceInvoiceNumber"),
        Column("returns_reference_number", "source.returnsReferenceNumber"),
        Column("debit_note_number", "source.debitNoteNumber"), Column("state", "workflow.state"),
        Column("currency", "source.totalAmount", .currency),
      ] + money("total", "source.totalAmount"),
      lines: nil,
      indexes: ["credit_note_number", "reference_invoice_number", "returns_reference_number"],
      lineIndexes: []),
    TableSpec(
      name: "deductions", kind: .deduction,
      columns: [
        Column("deduction_number", "source.deductionNumber"),
        Column("deduction_type", "source.deductionType"),
        Column("deduction_date", "source.deductionDate"),
        Column("base_invoice_number", "source.baseInvoiceNumber"),
        Column("agreement_id", "source.agreementId"),
        Column("payment_id", "source.uniquePaymentId"),
        Column("state", "workflow.state"),
        Column("dispute_attempts", "workflow.disputeAttempts", .integer),
        Column("assignee", "workflow.assignee"), Column("currency", "source.amount", .currency),
      ] + money("amount", "source.amount"),
      lines: nil,
      indexes: ["deduction_number", "base_invoice_number", "payment_id", "state"], lineIndexes: []),
    TableSpec(
      name: "outbound_documents", kind: .outbound,
      columns: [
        Column("document_type", "source.documentType"),
        Column("document_key", "source.documentKey"),
        Column("revision", "source.revision", .integer),
        Column("created_date", "source.createdDate"),
        Column("po_number", "source.purchaseOrderNumber"),
        Column("shipment_identifier", "source.shipmentIdentifier"),
        Column("invoice_number", "source.invoiceNumber"),
        Column("state", "workflow.state"),
        Column("transaction_id", "workflow.submission.transactionId"),
        Column("transaction_status", "workflow.submission.status"),
        Column("assignee", "workflow.assignee"),
        Column("currency", "source.totalAmount", .currency),
      ] + money("total", "source.totalAmount"),
      lines: nil,
      indexes: ["document_type", "state", "po_number", "transaction_id"], lineIndexes: []),
  ]

  /// Id and number sets, as rows of `links(path, kind, field, value)`: joins on them are exact
  /// and indexed (`field` is the column name the set would have had).
  static let linkFields: [(kind: RecordKind, field: String, path: String)] = [
    (.shipment, "po_numbers", "source.purchaseOrderNumbers"),
    (.invoice, "po_numbers", "source.purchaseOrderNumbers"),
    (.deduction, "po_numbers", "source.purchaseOrderNumbers"),
    (.outbound, "po_numbers", "source.purchaseOrderNumbers"),
    (.remittance, "vendor_codes", "source.vendorCodes"),
    (.return, "credit_note_ids", "workflow.creditNoteIds"),
    (.return, "deduction_ids", "workflow.deductionIds"),
    (.creditNote, "return_ids", "workflow.returnIds"),
    (.deduction, "invoice_ids", "workflow.invoiceIds"),
    (.deduction, "return_ids", "workflow.returnIds"),
    (.deduction, "dispute_case_ids", "workflow.disputeCaseIds"),
  ]

  /// The key column a kind's lines table repeats from its header (to join without the path).
  static func headerKey(_ spec: TableSpec) -> Column? { spec.columns.first }

  static func create(_ db: Database) throws {
    try db.execute(sql: "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    try db.execute(
      sql:
        "INSERT INTO meta(key, value) VALUES ('schemaVersion', ?), ('commit', ''), ('dirtyPaths', '[]')",
      arguments: [String(RecordIndex.schemaVersion)])
    try db.execute(
      sql: """
        CREATE TABLE records (
          path TEXT PRIMARY KEY, id TEXT NOT NULL, kind TEXT NOT NULL, marketplace TEXT,
          month TEXT, key TEXT, state TEXT, conflicts INTEGER NOT NULL DEFAULT 0, json TEXT NOT NULL,
          error TEXT, observed_on TEXT)
        """)
    try db.execute(sql: "CREATE INDEX records_id ON records(id)")
    try db.execute(sql: "CREATE INDEX records_kind ON records(kind, marketplace)")
    try db.execute(sql: "CREATE INDEX records_key ON records(key)")
    // Partial indexes: status, validate and the conflict list ask for the few broken or
    // conflicted records without reading the table (whose rows carry each record's JSON).
    try db.execute(sql: "CREATE INDEX records_broken ON records(path) WHERE error IS NOT NULL")
    try db.execute(sql: "CREATE INDEX records_conflicted ON records(id) WHERE conflicts > 0")
    // The few remittances whose workflow links lines to invoices by hand: the ledger reads them
    // without scanning every remittance's JSON (tens of megabytes at a million lines).
    try db.execute(
      sql: "CREATE INDEX records_line_matches ON records(path) WHERE \(lineMatchesFilter())")
    try db.execute(
      sql:
        "CREATE TABLE links (path TEXT NOT NULL, kind TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL)"
    )
    try db.execute(sql: "CREATE INDEX links_value ON links(field, value)")
    try db.execute(sql: "CREATE INDEX links_path ON links(path)")
    for spec in tables {
      let columns =
        ["path TEXT PRIMARY KEY", "id TEXT NOT NULL", "marketplace TEXT"]
        + spec.columns.map { "\($0.name) \($0.sqlType)" }
      try db.execute(sql: "CREATE TABLE \(spec.name) (\(columns.joined(separator: ", ")))")
      for column in spec.indexes {
        try db.execute(sql: "CREATE INDEX \(spec.name)_\(column) ON \(spec.name)(\(column))")
      }
      if let lines = spec.lines, let key = headerKey(spec) {
        let lineColumns =
          ["path TEXT NOT NULL", "\(key.name) TEXT"]
          + lines.columns.map { "\($0.name) \($0.sqlType)" }
        try db.execute(sql: "CREATE TABLE \(lines.name) (\(lineColumns.joined(separator: ", ")))")
        try db.execute(sql: "CREATE INDEX \(lines.name)_path ON \(lines.name)(path)")
        for column in spec.lineIndexes {
          try db.execute(sql: "CREATE INDEX \(lines.name)_\(column) ON \(lines.name)(\(column))")
        }
      }
    }
    // What the invoice ledger reads of each invoice, in id order (its order): a scan of this
    // index, where `ORDER BY id` over the table sorted every row.
    try db.execute(sql: "CREATE INDEX invoices_ledger ON invoices(\(ledgerInvoiceColumns))")
  }

  /// The columns `RecordIndex.ledgerInvoices` reads, id first: the covering index's.
  static let ledgerInvoiceColumns =
    "id, marketplace, invoice_number, invoice_date, due_date, total, currency, status, net_days"
}

/// Inserts and deletes the rows of one record file, with prepared statements reused.
struct IndexWriter {
  let db: Database

  /// Deletes a path's rows: its `records` row, its links and the rows of its kind's tables —
  /// the only tables `insert` writes (trying every table was 19 statements a file).
  func delete(path: String) throws {
    guard
      let kind = try String.fetchOne(
        db.cachedStatement(sql: "SELECT kind FROM records WHERE path = ?"), arguments: [path])
    else { return }
    try db.cachedStatement(sql: "DELETE FROM records WHERE path = ?").execute(arguments: [path])
    try db.cachedStatement(sql: "DELETE FROM links WHERE path = ?").execute(arguments: [path])
    for spec in IndexSchema.tables where spec.kind.rawValue == kind {
      try db.cachedStatement(sql: "DELETE FROM \(spec.name) WHERE path = ?").execute(arguments: [
        path
      ])
      if let lines = spec.lines {
        try db.cachedStatement(sql: "DELETE FROM \(lines.name) WHERE path = ?").execute(arguments: [
          path
        ])
      }
    }
  }

  static func value(_ json: JSONValue, _ column: Column) -> DatabaseValue {
    var node: JSONValue? = json
    for key in column.path { node = node?[key] }
    guard let node else { return .null }
    switch column.type {
    case .text:
      switch node {
      case .string(let s): return s.databaseValue
      case .number(let n): return n.formatted().databaseValue
      case .bool(let b): return (b ? "true" : "false").databaseValue
      default: return .null
      }
    case .integer:
      return node.intValue.map { Int64($0).databaseValue } ?? .null
    case .amount:
      return (node["amount"]?.stringValue ?? node["amount"]?.decimalValue?.formatted())?
        .databaseValue ?? .null
    case .currency:
      return node["currency"]?.stringValue?.databaseValue ?? .null
    case .minor:
      guard let text = node["amount"]?.stringValue, let code = node["currency"]?.stringValue,
        let money = try? Money(text, code)
      else { return .null }
      let places = money.currency.minorUnits
      guard money.amount.scale <= places,
        let minor = try? money.amount
          * DecimalNumber(parsing: "1" + String(repeating: "0", count: places)),
        let int = minor.exactInt
      else { return .null }
      return Int64(int).databaseValue
    case .micro:
      guard let text = node["amount"]?.stringValue ?? node["amount"]?.decimalValue?.formatted(),
        let amount = try? DecimalNumber(parsing: text), amount.scale <= 6,
        let micro = try? amount * DecimalNumber(1_000_000), let int = micro.exactInt
      else { return .null }
      return Int64(int).databaseValue
    case .list:
      return .null
    }
  }

  /// A file under records/ that does not parse: a row with what the path tells, and the error,
  /// so queries and conflict lists can say it is missing from their answers.
  func insertBroken(path: String, error: String) throws {
    let parts = path.split(separator: "/").map(String.init)
    let name = parts.last.map { String($0.dropLast($0.hasSuffix(".json") ? 5 : 0)) } ?? path
    try db.cachedStatement(
      sql:
        "INSERT INTO records(path, id, kind, marketplace, month, key, state, conflicts, json, error) VALUES (?,?,?,?,?,NULL,NULL,0,'null',?)"
    ).execute(arguments: [
      path, RecordFileName.decode(name) ?? name, parts.count > 2 ? parts[2] : "",
      parts.count > 1 ? parts[1] : nil, parts.count > 3 ? parts[3] : nil, error,
    ])
  }

  func insert(path: String, record: JSONValue) throws {
    let r = Record(json: record)
    let month = path.split(separator: "/").dropFirst(3).first.map(String.init)
    let conflicts = record["conflicts"]?.arrayValue?.count ?? 0
    try db.cachedStatement(
      sql:
        "INSERT INTO records(path, id, kind, marketplace, month, key, state, conflicts, json, observed_on) VALUES (?,?,?,?,?,?,?,?,?,?)"
    ).execute(arguments: [
      path, r.id ?? "", record["kind"]?.stringValue ?? "", record["marketplace"]?.stringValue,
      month, r.key,
      record["workflow"]?["state"]?.stringValue, conflicts, CanonicalJSON.string(record),
      record["provenance"]?["observedOn"]?.stringValue,
    ])
    guard let kind = r.kind, let spec = IndexSchema.tables.first(where: { $0.kind == kind }) else {
      return
    }
    for link in IndexSchema.linkFields where link.kind == kind {
      var node: JSONValue? = record
      for key in link.path.split(separator: ".") { node = node?[String(key)] }
      for value in Set((node?.arrayValue ?? []).compactMap(\.stringValue)).sorted() {
        try db.cachedStatement(
          sql: "INSERT INTO links(path, kind, field, value) VALUES (?,?,?,?)"
        ).execute(arguments: [path, kind.rawValue, link.field, value])
      }
    }
    let names = ["path", "id", "marketplace"] + spec.columns.map(\.name)
    var values: [DatabaseValue] = [
      path.databaseValue, (r.id ?? "").databaseValue,
      (record["marketplace"]?.stringValue).databaseValue,
    ]
    values += spec.columns.map { Self.value(record, $0) }
    try db.cachedStatement(
      sql:
        "INSERT INTO \(spec.name)(\(names.joined(separator: ","))) VALUES (\(names.map { _ in "?" }.joined(separator: ",")))"
    ).execute(arguments: StatementArguments(values))
    guard let lines = spec.lines, let key = IndexSchema.headerKey(spec) else { return }
    let lineNames = ["path", key.name] + lines.columns.map(\.name)
    let statement = try db.cachedStatement(
      sql:
        "INSERT INTO \(lines.name)(\(lineNames.joined(separator: ","))) VALUES (\(lineNames.map { _ in "?" }.joined(separator: ",")))"
    )
    let keyValue = Self.value(record, key)
    for line in record["source"]?["lines"]?.arrayValue ?? [] {
      try statement.execute(
        arguments: StatementArguments(
          [path.databaseValue, keyValue] + lines.columns.map { Self.value(line, $0) }))
    }
  }
}
