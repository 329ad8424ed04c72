import AcornModel
import Foundation

/// RFC 4180 CSV: quoted fields with doubled quotes and line breaks inside, CRLF or LF, comma,
/// semicolon or tab (detected from the header line); UTF-8 with or without BOM, or GBK/GB18030.
public enum CSVReader {
  /// Text of the file: UTF-8 (BOM removed) when valid, else GB18030 (which covers GBK).
  public static func decode(_ bytes: [UInt8]) -> String? {
    var b = bytes
    if b.starts(with: [0xEF, 0xBB, 0xBF]) { b.removeFirst(3) }
    if let s = String(validating: b, as: UTF8.self) { return s }
    return convert(b, from: "GB18030")
  }

  /// Bytes in `encoding` as text, through iconv; nil when they are not valid in it.
  static func convert(_ bytes: [UInt8], from encoding: String) -> String? {
    guard case .success(let utf8) = Iconv.convert(bytes, from: encoding, to: "UTF-8") else {
      return nil
    }
    return String(validating: utf8, as: UTF8.self)
  }

  /// Rows with the line each starts on.
  public static func rows(_ text: String) -> [(line: Int, fields: [String])] {
    var bytes = Array(text.utf8)
    let firstLine = bytes.prefix { $0 != 10 && $0 != 13 }
    let separator =
      [UInt8(ascii: ","), UInt8(ascii: ";"), 9].max { a, b in
        firstLine.filter { $0 == a }.count < firstLine.filter { $0 == b }.count
      } ?? UInt8(ascii: ",")
    if bytes.last != 10 { bytes.append(10) }
    let quote = UInt8(ascii: "\"")
    var out: [(Int, [String])] = []
    var field: [UInt8] = []
    var fields: [String] = []
    var quoted = false
    var line = 1
    var rowLine = 1
    var i = 0
    while i < bytes.count {
      let c = bytes[i]
      if quoted {
        if c == quote {
          if i + 1 < bytes.count && bytes[i + 1] == quote {
            field.append(quote)
            i += 1
          } else {
            quoted = false
          }
        } else {
          if c == 10 { line += 1 }
          field.append(c)
        }
      } else if c == quote && field.isEmpty {
        quoted = true
      } else if c == separator {
        fields.append(String(decoding: field, as: UTF8.self))
        field.removeAll(keepingCapacity: true)
      } else if c == 10 || c == 13 {
        if c == 13 && i + 1 < bytes.count && bytes[i + 1] == 10 { i += 1 }
        fields.append(String(decoding: field, as: UTF8.self))
        field.removeAll(keepingCapacity: true)
        if !(fields.count == 1 && fields[0].isEmpty) { out.append((rowLine, fields)) }
        fields = []
        line += 1
        rowLine = line
      } else {
        field.append(c)
      }
      i += 1
    }
    return out
  }

  /// `1.234,56`, `1,234.56`, `(12.30)`, `-12,30 €`, `¥1200` → exact decimal.
  /// `2026-03-17`, `2026/03/17`, `17.03.2026`, `03/17/2026` (US) or `17/03/2026` (elsewhere), with an optional time.
  public static func date(_ raw: String, monthFirst: Bool) -> String? {
    let s =
      raw.trimmingSpaces().split(separator: " ").first.map(String.init) ?? ""
    let parts = s.split(whereSeparator: { $0 == "-" || $0 == "/" || $0 == "." }).compactMap {
      Int($0)
    }
    guard parts.count == 3 else { return nil }
    var (y, m, d): (Int, Int, Int)
    if parts[0] > 31 {
      (y, m, d) = (parts[0], parts[1], parts[2])
    } else if s.utf8.contains(UInt8(ascii: ".")) || !monthFirst {
      (d, m, y) = (parts[0], parts[1], parts[2])
    } else {
      (m, d, y) = (parts[0], parts[1], parts[2])
    }
    if y < 100 { y += 2000 }
    guard (1...12).contains(m), (1...31).contains(d) else { return nil }
    func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
    return "\(y)-\(pad(m))-\(pad(d))"
  }
}

/// Vendor Central's Payments › Remittance export → remittance and deduction records, columns found
/// by header name (English, Chinese and German variants), not by position.
public enum RemittanceCSV {
  /// Field → accepted header names (compared case-insensitively, spaces and `#` ignored).
  public static let headers: [String: [String]] = [
    "paymentNumber": [
      "Payment Number", "Payment #", "Payment No", "Remittance Number", "付款编号", "付款号", "付款单号",
      "Zahlungsnummer",
    ],
    "paymentDate": ["Payment Date", "付款日期", "Zahlungsdatum"],
    "invoiceNumber": [
      "Invoice Number", "Invoice #", "Invoice No", "发票编号", "发票号", "发票号码", "Rechnungsnummer",
    ],
    "invoiceDate": ["Invoice Date", "发票日期", "Rechnungsdatum"],
    "invoiceAmount": ["Invoice Amount", "发票金额", "Rechnungsbetrag"],
    "amountPaid": [
      "Amount Paid", "Paid Amount", "已付金额", "付款金额", "Gezahlter Betrag", "Bezahlter Betrag",
    ],
    "discount": ["Discount", "Discount Taken", "Terms Discount Taken", "折扣", "折扣金额", "Skonto"],
    "currency": ["Currency", "Invoice Currency", "货币", "币种", "Währung"],
    "description": ["Description", "Invoice Description", "描述", "说明", "Beschreibung"],
  ]
  public static let required = ["paymentNumber", "paymentDate", "invoiceNumber", "amountPaid"]

  public static func records(
    _ bytes: [UInt8], file: String, marketplace: Marketplace, keepGoing: Bool,
    numberFormat: NumberFormat? = nil
  )
    -> ([Record], [ImportDiagnostic])
  {
    let table: HeaderMappedCSV
    switch HeaderMappedCSV.open(bytes, file: file, headers: headers, required: required) {
    case .failure(let d): return ([], [d])
    case .success(let t): table = t
    }
    let format: NumberFormat
    switch table.numberFormat(
      ["amountPaid", "invoiceAmount", "discount"], declared: numberFormat, file: file)
    {
    case .failure(let d): return ([], [d])
    case .success(let f): format = f
    }
    var diags: [ImportDiagnostic] = []
    var payments: [String: (date: String, lines: [JSONValue], currency: CurrencyCode)] = [:]
    var order: [String] = []
    var deductions: [Record] = []
    let monthFirst = marketplace.code == "US"
    for row in table.rows {
      func value(_ f: String) -> String { table.value(row, f) }
      func bad(_ f: String, _ message: String) {
        diags.append(
          ImportDiagnostic(file: file, position: row.line, kind: "line", field: f, message))
      }
      let payment = value("paymentNumber")
      let invoice = value("invoiceNumber")
      guard !payment.isEmpty, !invoice.isEmpty else {
        bad(payment.isEmpty ? "paymentNumber" : "invoiceNumber", "empty")
        continue
      }
      guard let date = CSVReader.date(value("paymentDate"), monthFirst: monthFirst) else {
        bad(
          "paymentDate",
          "expected a date (YYYY-MM-DD, DD.MM.YYYY, \(monthFirst ? "MM/DD/YYYY" : "DD/MM/YYYY")), found \"\(value("paymentDate"))\""
        )
        continue
      }
      let paid: DecimalNumber
      switch table.amount(row, "amountPaid", format, file: file, into: &diags) {
      case .value(let v): paid = v
      case .empty:
        bad("amountPaid", "expected an amount, found nothing")
        continue
      case .invalid: continue
      }
      var invoiceAmount: DecimalNumber?
      var discount: DecimalNumber?
      switch table.amount(row, "invoiceAmount", format, file: file, into: &diags) {
      case .value(let v): invoiceAmount = v
      case .empty: break
      case .invalid: continue
      }
      switch table.amount(row, "discount", format, file: file, into: &diags) {
      case .value(let v): discount = v
      case .empty: break
      case .invalid: continue
      }
      let currencyText = value("currency").uppercased()
      guard let currency = currencyText.isEmpty ? marketplace.currency : CurrencyCode(currencyText)
      else {
        bad("currency", "expected an ISO 4217 code, found \"\(currencyText)\"")
        continue
      }
      let (classification, base) = DeductionClassifier.classify(invoice)
      if payments[payment] == nil {
        payments[payment] = (date, [], currency)
        order.append(payment)
      }
      var line: [String: JSONValue] = [
        "lineNumber": .number(DecimalNumber((payments[payment]?.lines.count ?? 0) + 1)),
        "invoiceNumber": .string(invoice),
        "classification": .string(classification), "amountPaid": Money(paid, currency).json,
      ]
      if let b = base { line["baseInvoiceNumber"] = .string(b) }
      if let d = CSVReader.date(value("invoiceDate"), monthFirst: monthFirst) {
        line["invoiceDate"] = .string(d)
      }
      if let a = invoiceAmount {
        line["invoiceAmount"] = Money(a, currency).json
      }
      if let d = discount, !d.isZero {
        line["discountTaken"] = Money(d, currency).json
      }
      if !value("description").isEmpty { line["description"] = .string(value("description")) }
      payments[payment]?.lines.append(.object(line))
      if DeductionClassifier.deductionTypes.contains(classification) {
        var source: [String: JSONValue] = [
          "deductionNumber": .string(invoice), "deductionType": .string(classification),
          "deductionDate": .string(date),
          "amount": Money(paid, currency).json, "uniquePaymentId": .string(payment),
          "paymentNumber": .string(payment),
        ]
        if let b = base { source["baseInvoiceNumber"] = .string(b) }
        if let r = try? Record(
          kind: .deduction, marketplace: marketplace, source: source,
          workflow: ["state": .string(paid.isNegative ? "detected" : "recovered")],
          provenance: ["origin": .string("vc-csv"), "reference": .string("remittance export")])
        {
          deductions.append(r)
        }
      }
    }
    if !diags.isEmpty && !keepGoing { return ([], diags) }
    var out: [Record] = []
    for p in order {
      guard let entry = payments[p] else { continue }
      let total = entry.lines.compactMap {
        $0["amountPaid"]?["amount"]?.stringValue.flatMap { try? DecimalNumber(parsing: $0) }
      }
      .reduce(DecimalNumber.zero) { (try? $0 + $1) ?? $0 }
      if let r = try? Record(
        kind: .remittance, marketplace: marketplace,
        source: [
          "uniquePaymentId": .string(p), "paymentNumber": .string(p),
          "paymentDate": .string(entry.date),
          "paymentAmount": Money(total, entry.currency).json, "lines": .array(entry.lines),
        ], provenance: ["origin": .string("vc-csv"), "reference": .string("remittance export")])
      {
        out.append(r)
      }
    }
    return (out + deductions, diags)
  }
}
