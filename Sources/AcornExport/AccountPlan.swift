import AcornModel

/// `rules/accounts.yaml` as a value: which account each flow posts to, with its names and codes in
/// every target (beancount/ledger name, ERP code, QuickBooks and Xero name, Kingdee 科目名称), the
/// auxiliary items its lines carry, and the book currency with its rates.
public struct AccountPlan: Sendable, Hashable {
  public struct Account: Sendable, Hashable {
    public var role: String
    public var ledger: String
    public var code: String?
    public var name: String?
    public var nameZh: String?
    /// Auxiliary items (辅助核算) its lines carry: `customer`, `department`.
    public var auxiliary: [String]
    /// Per-marketplace overrides (receivable from Amazon per marketplace, say).
    public var marketplaces: [String: Override]

    public struct Override: Sendable, Hashable {
      public var ledger: String?
      public var code: String?
      public var name: String?
      public var nameZh: String?
    }

    /// The account as it posts for a marketplace.
    public func resolved(_ marketplace: String) -> Account {
      guard let o = marketplaces[marketplace] else { return self }
      var a = self
      a.ledger = o.ledger ?? ledger
      a.code = o.code ?? code
      a.name = o.name ?? name
      a.nameZh = o.nameZh ?? nameZh
      a.marketplaces = [:]
      return a
    }

    /// The name shown where a target wants a name (QuickBooks, Xero, CSV): `name`, else the
    /// ledger name without its root (`Assets:Receivable:Amazon` → `Receivable:Amazon`).
    public var displayName: String {
      if let name { return name }
      let parts = ledger.split(separator: ":")
      return parts.count > 1 ? parts.dropFirst().joined(separator: ":") : ledger
    }
  }

  public struct Posting: Sendable, Hashable {
    public var match: String
    public var debit: String
    public var credit: String
  }

  public struct Party: Sendable, Hashable {
    public var code: String
    public var name: String
  }

  public var accounts: [String: Account]
  public var postings: [Posting]
  /// The book currency; nil keeps every entry in its own currency.
  public var ledgerCurrency: CurrencyCode?
  /// Book-currency units per unit of a currency, by month (`YYYY-MM`) or `default`.
  public var rates: [String: [String: DecimalNumber]]
  public var voucherWord: String
  public var preparer: String
  /// The customer (the Amazon entity) per marketplace, for auxiliary columns.
  public var customers: [String: Party]
  public var department: Party?
  /// Xero's tax rate name for journal lines.
  public var xeroTaxRate: String

  /// Roles every plan must name: the legs of invoices and payments.
  public static let requiredRoles = ["receivable", "bank", "sales", "terms-discount"]

  /// Reads the mapping from its JSON value (the YAML file, already schema-checked). Throws when an
  /// account a posting or a required leg names is not defined.
  public init(_ value: JSONValue, file: String = "rules/accounts.yaml") throws(ExportError) {
    var accounts: [String: Account] = [:]
    for (role, v) in value["accounts"]?.objectValue ?? [:] {
      var overrides: [String: Account.Override] = [:]
      for (m, o) in v["marketplaces"]?.objectValue ?? [:] {
        overrides[m] = Account.Override(
          ledger: o["ledger"]?.stringValue, code: o["code"]?.stringValue,
          name: o["name"]?.stringValue, nameZh: o["nameZh"]?.stringValue)
      }
      guard let ledger = v["ledger"]?.stringValue else {
        throw ExportError("export.accounts", "\(file): account \(role) has no ledger name")
      }
      accounts[role] = Account(
        role: role, ledger: ledger, code: v["code"]?.stringValue, name: v["name"]?.stringValue,
        nameZh: v["nameZh"]?.stringValue,
        auxiliary: (v["auxiliary"]?.arrayValue ?? []).compactMap(\.stringValue),
        marketplaces: overrides)
    }
    self.accounts = accounts
    postings = (value["postings"]?.arrayValue ?? []).compactMap { p in
      guard let m = p["match"]?.stringValue, let d = p["debit"]?.stringValue,
        let c = p["credit"]?.stringValue
      else { return nil }
      return Posting(match: m, debit: d, credit: c)
    }
    ledgerCurrency = value["ledgerCurrency"]?.stringValue.flatMap(CurrencyCode.init)
    var rates: [String: [String: DecimalNumber]] = [:]
    for (currency, byMonth) in value["rates"]?.objectValue ?? [:] {
      for (month, r) in byMonth.objectValue ?? [:] {
        let text = r.stringValue ?? r.decimalValue?.formatted()
        guard let text, let rate = try? DecimalNumber(parsing: text), !rate.isNegative,
          !rate.isZero
        else {
          throw ExportError("export.accounts", "\(file): rates.\(currency).\(month) is not a rate")
        }
        rates[currency, default: [:]][month] = rate
      }
    }
    self.rates = rates
    voucherWord = value["voucherWord"]?.stringValue ?? "记"
    preparer = value["preparer"]?.stringValue ?? "Acorn"
    var customers: [String: Party] = [:]
    for (m, c) in value["auxiliary"]?["customer"]?.objectValue ?? [:] {
      if let code = c["code"]?.stringValue {
        customers[m] = Party(code: code, name: c["name"]?.stringValue ?? code)
      }
    }
    self.customers = customers
    department = value["auxiliary"]?["department"].flatMap { d in
      d["code"]?.stringValue.map { Party(code: $0, name: d["name"]?.stringValue ?? $0) }
    }
    xeroTaxRate = value["xeroTaxRate"]?.stringValue ?? "Tax Exempt"
    for role in Self.requiredRoles where accounts[role] == nil {
      throw ExportError("export.accounts", "\(file): accounts.\(role) is missing")
    }
    for (i, p) in postings.enumerated() {
      for role in [p.debit, p.credit] where accounts[role] == nil {
        throw ExportError(
          "export.accounts",
          "\(file): postings[\(i)] (\(p.match)) names account \(role), which accounts does not define"
        )
      }
    }
  }

  public func account(_ role: String, marketplace: String) -> Account? {
    accounts[role]?.resolved(marketplace)
  }

  /// The posting rule for a record kind or remittance classification (`chargeback/TYPE` first,
  /// then `chargeback`).
  public func posting(_ match: String) -> Posting? {
    postings.first { $0.match == match }
      ?? match.split(separator: "/").first.flatMap { base in
        postings.first { $0.match == String(base) }
      }
  }

  /// The rate converting `currency` into the book currency in `month`.
  public func rate(_ currency: CurrencyCode, month: String) -> DecimalNumber? {
    rates[currency.code]?[month] ?? rates[currency.code]?["default"]
  }
}

/// An error of the export: a code, a message and, where there is one, the cause.
public struct ExportError: Error, Sendable, CustomStringConvertible {
  public var code: String
  public var message: String
  public var cause: (any Error)?

  public init(_ code: String, _ message: String, cause: (any Error)? = nil) {
    self.code = code
    self.message = message
    self.cause = cause
  }

  public var description: String { message }
}
