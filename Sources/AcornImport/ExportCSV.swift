import AcornModel

/// A Vendor Central export read by header name: the columns a mapping table names, found once;
/// a row's values by field name; diagnostics with line and field.
struct HeaderMappedCSV {
  let rows: [(line: Int, fields: [String])]
  let column: [String: Int]

  static func key(_ s: String) -> String {
    s.lowercased().filter { !$0.isWhitespace && $0 != "#" && $0 != "_" && $0 != "." && $0 != "-" }
  }

  /// Reads the file and finds the columns; a missing required column is one diagnostic listing the
  /// headers found and the ones expected.
  static func open(_ bytes: [UInt8], file: String, headers: [String: [String]], required: [String])
    -> Result<HeaderMappedCSV, ImportDiagnostic>
  {
    guard let text = CSVReader.decode(bytes) else {
      return .failure(
        ImportDiagnostic(file: file, position: 1, kind: "line", "not UTF-8 or GB18030 text"))
    }
    let rows = CSVReader.rows(text)
    guard let header = rows.first else {
      return .failure(ImportDiagnostic(file: file, position: 1, kind: "line", "empty file"))
    }
    var column: [String: Int] = [:]
    for (field, names) in headers {
      let wanted = Set(names.map(key))
      if let i = header.fields.firstIndex(where: { wanted.contains(key($0)) }) { column[field] = i }
    }
    let missing = required.filter { column[$0] == nil }
    guard missing.isEmpty else {
      let expected = missing.map {
        "\($0) (\(headers[$0]?.prefix(3).joined(separator: " / ") ?? ""))"
      }.joined(separator: ", ")
      return .failure(
        ImportDiagnostic(
          file: file, position: header.line, kind: "line",
          "missing columns: \(expected); found: \(header.fields.joined(separator: ", "))"))
    }
    return .success(HeaderMappedCSV(rows: Array(rows.dropFirst()), column: column))
  }

  func value(_ row: (line: Int, fields: [String]), _ field: String) -> String {
    guard let i = column[field], i < row.fields.count else { return "" }
    return row.fields[i].trimmingSpaces()
  }
}

/// Vendor Central › Orders › Returns export → `return` records (rows grouped by request id).
public enum ReturnsCSV {
  public static let headers: [String: [String]] = [
    "returnId": [
      "Request ID", "Return ID", "Return Request ID", "退货请求编号", "退货编号", "Rücksendeanfrage-ID",
    ],
    "authorizationId": [
      "Authorization ID", "Return Authorization ID", "授权编号", "Autorisierungs-ID",
    ],
    "noticeDate": ["Request Date", "Creation Date", "Return Date", "请求日期", "创建日期", "Anfragedatum"],
    "status": ["Status", "状态"],
    "asin": ["ASIN"],
    "sku": ["Vendor SKU", "SKU", "Model Number", "供应商SKU", "型号"],
    "requested": ["Requested Quantity", "Quantity Requested", "请求数量", "Angefragte Menge"],
    "approved": ["Approved Quantity", "Quantity Approved", "批准数量", "Genehmigte Menge"],
    "requestedRefund": [
      "Requested Refund", "Requested Refund Amount", "请求退款", "Angefragte Erstattung",
    ],
    "approvedRefund": [
      "Approved Refund", "Approved Refund Amount", "批准退款", "Genehmigte Erstattung",
    ],
    "warehouse": ["Warehouse", "Fulfillment Center", "仓库", "Lager"],
    "condition": ["Condition", "Return Condition", "状况", "Zustand"],
    "currency": ["Currency", "货币", "币种", "Währung"],
  ]
  public static let required = ["returnId", "noticeDate", "requested", "requestedRefund"]

  public static func records(
    _ bytes: [UInt8], file: String, marketplace: Marketplace, keepGoing: Bool,
    numberFormat: NumberFormat? = nil
  ) -> ([Record], [ImportDiagnostic]) {
    let table: HeaderMappedCSV
    switch HeaderMappedCSV.open(bytes, file: file, headers: headers, required: required) {
    case .failure(let d): return ([], [d])
    case .success(let t): table = t
    }
    let format: NumberFormat
    switch table.numberFormat(
      ["requestedRefund", "approvedRefund"], declared: numberFormat, file: file)
    {
    case .failure(let d): return ([], [d])
    case .success(let f): format = f
    }
    var diags: [ImportDiagnostic] = []
    var groups:
      [String: (date: String, rows: [(line: Int, fields: [String])], currency: CurrencyCode)] = [:]
    var order: [String] = []
    for row in table.rows {
      let id = table.value(row, "returnId")
      guard !id.isEmpty else {
        diags.append(
          ImportDiagnostic(file: file, position: row.line, kind: "line", field: "returnId", "empty")
        )
        continue
      }
      guard
        let date = CSVReader.date(
          table.value(row, "noticeDate"), monthFirst: marketplace.code == "US")
      else {
        diags.append(
          ImportDiagnostic(
            file: file, position: row.line, kind: "line", field: "noticeDate",
            "expected a date, found \"\(table.value(row, "noticeDate"))\""))
        continue
      }
      let code = table.value(row, "currency").uppercased()
      guard let currency = code.isEmpty ? marketplace.currency : CurrencyCode(code) else {
        diags.append(
          ImportDiagnostic(
            file: file, position: row.line, kind: "line", field: "currency",
            "expected an ISO 4217 code, found \"\(code)\""))
        continue
      }
      if groups[id] == nil {
        groups[id] = (date, [], currency)
        order.append(id)
      }
      groups[id]?.rows.append(row)
    }
    var out: [Record] = []
    for id in order {
      guard let g = groups[id] else { continue }
      var lines: [JSONValue] = []
      var requestedTotal = DecimalNumber.zero
      var approvedTotal: DecimalNumber?
      var first = g.rows[0]
      for row in g.rows {
        let refundRead = table.amount(row, "requestedRefund", format, file: file, into: &diags)
        let approvedRead = table.amount(row, "approvedRefund", format, file: file, into: &diags)
        if case .invalid = refundRead { continue }
        if case .invalid = approvedRead { continue }
        guard let requested = Int(table.value(row, "requested")),
          case .value(let refund) = refundRead
        else {
          diags.append(
            ImportDiagnostic(
              file: file, position: row.line, kind: "line", field: "requested",
              "expected a quantity and a refund amount"))
          continue
        }
        var line: [String: JSONValue] = [
          "lineNumber": .number(DecimalNumber(lines.count + 1)),
          "requestedQuantity": .number(DecimalNumber(requested)),
          "requestedRefund": Money(refund, g.currency).json,
        ]
        requestedTotal = (try? requestedTotal + refund) ?? requestedTotal
        let asin = table.value(row, "asin")
        if asin.count == 10 { line["amazonProductIdentifier"] = .string(asin) }
        if !table.value(row, "sku").isEmpty {
          line["vendorProductIdentifier"] = .string(table.value(row, "sku"))
        }
        if let approved = Int(table.value(row, "approved")) {
          line["approvedQuantity"] = .number(DecimalNumber(approved))
        }
        if case .value(let a) = approvedRead {
          line["approvedRefund"] = Money(a, g.currency).json
          approvedTotal = (try? (approvedTotal ?? .zero) + a) ?? approvedTotal
        }
        lines.append(.object(line))
        first = row
      }
      guard !lines.isEmpty else { continue }
      var source: [String: JSONValue] = [
        "returnId": .string(id), "noticeDate": .string(g.date),
        "totalRequestedRefund": Money(requestedTotal, g.currency).json,
        "lines": .array(lines),
      ]
      if let a = approvedTotal, lines.allSatisfy({ $0["approvedRefund"] != nil }) {
        source["totalApprovedRefund"] = Money(a, g.currency).json
      }
      let auth = table.value(first, "authorizationId")
      if !auth.isEmpty { source["authorizationId"] = .string(auth) }
      let statusMap = [
        "new": "New", "approved": "Approved", "closed": "Closed", "cancelled": "Cancelled",
        "canceled": "Cancelled",
      ]
      if let s = statusMap[table.value(first, "status").lowercased()] {
        source["status"] = .string(s)
      }
      if !table.value(first, "warehouse").isEmpty {
        source["warehouse"] = .string(table.value(first, "warehouse"))
      }
      let condition = table.value(first, "condition").lowercased()
      if condition.hasPrefix("sellable") {
        source["condition"] = .string("sellable")
      } else if condition.contains("unsellable") || condition.contains("damaged") {
        source["condition"] = .string("unsellable")
      }
      if let r = try? Record(
        kind: .return, marketplace: marketplace, source: source,
        workflow: ["state": .string("notified")],
        provenance: ["origin": .string("vc-csv"), "reference": .string("returns export")])
      {
        out.append(r)
      }
    }
    if !diags.isEmpty && !keepGoing { return ([], diags) }
    return (out, diags)
  }
}

/// Chargebacks and co-op exports → `deduction` records.
public enum DeductionCSV {
  public enum Kind: Sendable { case chargebacks, coop }

  public static let chargebackHeaders: [String: [String]] = [
    "number": [
      "Invoice Number", "Chargeback Invoice Number", "Debit Note Number", "Chargeback ID",
      "Issue ID", "发票编号", "扣款编号",
    ],
    "type": ["Chargeback Type", "Issue Type", "Type", "扣款类型", "问题类型"],
    "date": ["Chargeback Date", "Created Date", "Issue Date", "Date", "扣款日期", "创建日期"],
    "amount": ["Chargeback Amount", "Amount", "Financial Charge", "扣款金额", "金额"],
    "currency": ["Currency", "货币", "币种"],
    "po": ["PO Number", "Purchase Order", "PO", "采购订单编号"],
  ]
  public static let coopHeaders: [String: [String]] = [
    "number": ["Invoice ID", "Invoice Number", "发票编号", "发票ID"],
    "agreement": ["Agreement ID", "Agreement Number", "协议编号", "协议ID"],
    "title": ["Agreement Title", "Agreement Name", "协议名称"],
    "date": ["Invoice Date", "发票日期"],
    "amount": ["Original Balance", "Invoice Amount", "Amount", "原始余额", "发票金额"],
    "currency": ["Currency", "货币", "币种"],
  ]

  public static func records(
    _ bytes: [UInt8], kind: Kind, file: String, marketplace: Marketplace, keepGoing: Bool,
    numberFormat: NumberFormat? = nil
  )
    -> ([Record], [ImportDiagnostic])
  {
    let headers = kind == .chargebacks ? chargebackHeaders : coopHeaders
    let table: HeaderMappedCSV
    switch HeaderMappedCSV.open(
      bytes, file: file, headers: headers, required: ["number", "date", "amount"])
    {
    case .failure(let d): return ([], [d])
    case .success(let t): table = t
    }
    let format: NumberFormat
    switch table.numberFormat(["amount"], declared: numberFormat, file: file) {
    case .failure(let d): return ([], [d])
    case .success(let f): format = f
    }
    var out: [Record] = []
    var diags: [ImportDiagnostic] = []
    for row in table.rows {
      func bad(_ f: String, _ m: String) {
        diags.append(ImportDiagnostic(file: file, position: row.line, kind: "line", field: f, m))
      }
      let number = table.value(row, "number")
      guard !number.isEmpty else { bad("number", "empty"); continue }
      guard
        let date = CSVReader.date(table.value(row, "date"), monthFirst: marketplace.code == "US")
      else {
        bad("date", "expected a date, found \"\(table.value(row, "date"))\"")
        continue
      }
      let amount: DecimalNumber
      switch table.amount(row, "amount", format, file: file, into: &diags) {
      case .value(let v): amount = v
      case .empty:
        bad("amount", "expected an amount, found nothing")
        continue
      case .invalid: continue
      }
      let code = table.value(row, "currency").uppercased()
      guard let currency = code.isEmpty ? marketplace.currency : CurrencyCode(code) else {
        bad("currency", "expected an ISO 4217 code"); continue
      }
      // Exports show charges as positive amounts; on the remittance they are deducted (negative).
      let deducted = amount.isNegative ? amount : -amount
      var source: [String: JSONValue] = [
        "deductionNumber": .string(number),
        "deductionType": .string(kind == .chargebacks ? "chargeback" : "coop"),
        "deductionDate": .string(date), "amount": Money(deducted, currency).json,
      ]
      if kind == .chargebacks {
        if !table.value(row, "type").isEmpty {
          source["chargebackType"] = .string(table.value(row, "type"))
        }
        if !table.value(row, "po").isEmpty {
          source["purchaseOrderNumbers"] = .array([.string(table.value(row, "po"))])
        }
      } else {
        let agreement = table.value(row, "agreement")
        if !agreement.isEmpty { source["agreementId"] = .string(agreement) }
        if !table.value(row, "title").isEmpty {
          source["description"] = .string(table.value(row, "title"))
        }
      }
      if let r = try? Record(
        kind: .deduction, marketplace: marketplace, source: source,
        workflow: ["state": .string("detected")],
        provenance: [
          "origin": .string("vc-csv"),
          "reference": .string(kind == .chargebacks ? "chargebacks export" : "co-op export"),
        ])
      {
        out.append(r)
      } else {
        bad("number", "\"\(number)\" cannot be a document number")
      }
    }
    if !diags.isEmpty && !keepGoing { return ([], diags) }
    return (out, diags)
  }
}
