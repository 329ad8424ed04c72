import AcornModel

/// One voucher (凭证): a balanced double-entry transaction built from one document — an invoice,
/// a remittance, a credit note, a write-off. Lines carry signed amounts in the voucher's currency
/// (debit positive, credit negative); a line in another currency keeps its original amount and rate.
public struct Voucher: Sendable, Hashable {
  public struct Line: Sendable, Hashable {
    public var account: AccountPlan.Account
    /// Debit positive, credit negative, in the voucher's currency.
    public var amount: Money
    /// The amount in the document's own currency, when the voucher is in another.
    public var original: Money?
    /// Voucher-currency units per unit of `original`.
    public var rate: DecimalNumber?
    public var memo: String
    public var memoZh: String

    public var debit: Money? { amount.isNegative || amount.isZero ? nil : amount }
    public var credit: Money? { amount.isNegative ? -amount : nil }
  }

  /// `invoice:ID`, `remittance:ID`, `credit-note:ID`, `write-off:ID` — stable across exports.
  public var id: String
  public var kind: String
  public var date: Int
  public var marketplace: String
  /// The document number (invoice, payment, credit note, deduction).
  public var reference: String
  public var narration: String
  public var narrationZh: String
  public var currency: CurrencyCode
  public var lines: [Line]
  /// Related document numbers (purchase orders, invoices) for links and tags.
  public var links: [String]

  public var month: String { String(CivilDate.string(date).prefix(7)) }

  /// The voucher as canonical JSON: what the CSV and JSON exports carry and what the export
  /// register fingerprints.
  public var json: JSONValue {
    .object([
      "id": .string(id), "kind": .string(kind), "date": .string(CivilDate.string(date)),
      "marketplace": .string(marketplace), "reference": .string(reference),
      "narration": .string(narration), "narrationZh": .string(narrationZh),
      "currency": .string(currency.code), "links": .array(links.map { .string($0) }),
      "lines": .array(
        lines.map { l in
          var o: [String: JSONValue] = [
            "account": .string(l.account.role), "ledger": .string(l.account.ledger),
            "memo": .string(l.memo),
            "debit": l.debit.map { .string($0.amountText) } ?? .null,
            "credit": l.credit.map { .string($0.amountText) } ?? .null,
          ]
          if let c = l.account.code { o["code"] = .string(c) }
          if let orig = l.original { o["original"] = orig.json }
          if let r = l.rate { o["rate"] = .string(r.formatted()) }
          return .object(o)
        }),
    ])
  }

  /// SHA-256 of the canonical JSON: a voucher changed after it was exported shows up here.
  public var digest: String { SHA256.hex(CanonicalJSON.bytes(json)) }
}

/// Builds the journal from records: pure, values in and vouchers out, every voucher checked to
/// balance before anything is written. docs/exports.md states every posting.
public struct JournalBuilder: Sendable {
  public var plan: AccountPlan

  public init(plan: AccountPlan) { self.plan = plan }

  /// Every voucher the records give, by date then id.
  public func vouchers(_ records: [Record]) throws(ExportError) -> [Voucher] {
    var creditNotes: Set<String> = []
    var chargebackTypes: [String: String] = [:]
    for r in records {
      if let n = CreditNoteView(r) {
        creditNotes.insert(n.marketplace + "|" + n.number)
        if let d = n.debitNoteNumber { creditNotes.insert(n.marketplace + "|" + d) }
      }
      if let d = DeductionView(r), let p = d.paymentId, let t = d.chargebackType {
        chargebackTypes[p + "|" + d.number] = t
      }
    }
    var out: [Voucher] = []
    for r in records {
      if let v = InvoiceView(r) {
        out.append(try invoice(v))
      } else if let v = CreditNoteView(r), let date = v.issueDate {
        out.append(try creditNote(v, date: date))
      } else if let v = RemittanceView(r), v.isSettled {
        out.append(
          try remittance(v, creditNotes: creditNotes, chargebackTypes: chargebackTypes))
      } else if let v = DeductionView(r), v.state == "written-off", v.paymentId != nil {
        if let w = try writeOff(v, date: v.decidedOn ?? v.date) { out.append(w) }
      }
    }
    var converted: [Voucher] = []
    for v in out {
      let c = try toBookCurrency(v)
      try Self.checkBalanced(c)
      converted.append(c)
    }
    return converted.sorted { ($0.date, $0.id) < ($1.date, $1.id) }
  }

  // MARK: documents

  func invoice(_ v: InvoiceView) throws(ExportError) -> Voucher {
    let rule = try posting("invoice", record: v.id)
    let pos =
      v.purchaseOrderNumbers.isEmpty
      ? "" : " (PO \(v.purchaseOrderNumbers.joined(separator: ", ")))"
    let posZh =
      v.purchaseOrderNumbers.isEmpty
      ? "" : "（采购单 \(v.purchaseOrderNumbers.joined(separator: "、"))）"
    let memo = "Invoice \(v.number)" + pos
    let memoZh = "发票 \(v.number)" + posZh
    return Voucher(
      id: "invoice:\(v.id)", kind: "invoice", date: v.date, marketplace: v.marketplace,
      reference: v.number, narration: memo, narrationZh: memoZh,
      currency: v.total.currency,
      lines: [
        try line(rule.debit, v.marketplace, v.total, memo, memoZh),
        try line(rule.credit, v.marketplace, -v.total, memo, memoZh),
      ], links: v.purchaseOrderNumbers)
  }

  func creditNote(_ v: CreditNoteView, date: Int) throws(ExportError) -> Voucher {
    let rule = try posting("credit-note", record: v.id)
    let ret = v.returnsReference.map { " (return \($0))" } ?? ""
    let retZh = v.returnsReference.map { "（退货 \($0)）" } ?? ""
    let memo = "Credit note \(v.number)" + ret
    let memoZh = "贷项通知单 \(v.number)" + retZh
    return Voucher(
      id: "credit-note:\(v.id)", kind: "credit-note", date: date, marketplace: v.marketplace,
      reference: v.number, narration: memo, narrationZh: memoZh,
      currency: v.total.currency,
      lines: [
        try line(rule.debit, v.marketplace, v.total, memo, memoZh),
        try line(rule.credit, v.marketplace, -v.total, memo, memoZh),
      ], links: [v.returnsReference, v.referenceInvoiceNumber].compactMap { $0 })
  }

  /// A remittance: the bank receives the payment; each invoice line clears the receivable by what
  /// it settled (cash, terms discount, withholding); each deduction or reversal line posts to the
  /// account its classification maps to; a line settling a known credit note clears the
  /// receivable the note credited. A payment in another currency posts the bank at its original
  /// amount and rate, and any difference to exchange differences.
  func remittance(
    _ v: RemittanceView, creditNotes: Set<String>, chargebackTypes: [String: String]
  ) throws(ExportError) -> Voucher {
    let currency = v.lines.first?.amountPaid.currency ?? v.amount.currency
    var lines: [Voucher.Line] = []
    var cash = Money.zero(currency)
    let m = v.marketplace
    for l in v.lines {
      guard l.amountPaid.currency == currency else {
        throw ExportError(
          "export.currency",
          "payment \(v.paymentId) (\(v.id)) mixes \(currency) and \(l.amountPaid.currency) in its lines"
        )
      }
      cash = try sum(cash, l.amountPaid)
      let name = DeductionClassifier.name(l.classification)
      let isInvoice =
        l.classification == "invoice"
        || (v.lineMatches[l.number] != nil
          && !DeductionClassifier.deductionTypes.contains(l.classification))
      if creditNotes.contains(m + "|" + l.invoiceNumber) {
        lines.append(
          try line(
            "receivable", m, -l.amountPaid, "Credit note \(l.invoiceNumber) settled",
            "贷项通知单 \(l.invoiceNumber) 结算"))
      } else if isInvoice {
        var settled = l.amountPaid
        if let d = l.discount, !d.isZero, d.currency == currency {
          lines.append(
            try line(
              "terms-discount", m, d, "Terms discount on \(l.invoiceNumber)",
              "发票 \(l.invoiceNumber) 现金折扣"))
          settled = try sum(settled, d)
        }
        if let w = l.withholding, !w.isZero, w.currency == currency {
          lines.append(
            try line(
              "withholding", m, w, "Tax withheld on \(l.invoiceNumber)",
              "发票 \(l.invoiceNumber) 代扣税款"))
          settled = try sum(settled, w)
        }
        lines.append(
          try line(
            "receivable", m, -settled, "Invoice \(l.invoiceNumber) paid",
            "发票 \(l.invoiceNumber) 回款"))
      } else {
        let match =
          l.classification == "chargeback"
          ? chargebackTypes[v.paymentId + "|" + l.invoiceNumber].map { "chargeback/" + $0 }
            ?? "chargeback" : l.classification
        let rule = try posting(match, record: "\(v.id) line \(l.number)")
        let other = rule.debit == "receivable" ? rule.credit : rule.debit
        lines.append(
          try line(
            other, m, -l.amountPaid, "\(name.en.capitalizedFirst) \(l.invoiceNumber)",
            "\(name.zh) \(l.invoiceNumber)"))
      }
    }
    let number = v.paymentNumber ?? v.paymentId
    let bankMemo = "Amazon payment \(number)"
    let bankMemoZh = "亚马逊付款 \(number)"
    var bank: Voucher.Line
    if v.amount.currency == currency {
      bank = try line("bank", m, v.amount, bankMemo, bankMemoZh)
    } else {
      // Paid in another currency: the bank posts its original amount at the payment's rate.
      var weight = v.amountInInvoiceCurrency
      if weight == nil, let rate = v.exchangeRate, let w = try? v.amount.amount * rate {
        weight = Money(w.rounded(toPlaces: currency.minorUnits), currency)
      }
      guard let weight, weight.currency == currency else {
        throw ExportError(
          "export.currency",
          "payment \(v.paymentId) (\(v.id)) is in \(v.amount.currency) but its lines are in \(currency), and it gives no exchange rate"
        )
      }
      bank = try line("bank", m, weight, bankMemo, bankMemoZh)
      bank.original = v.amount
      bank.rate = try? ratio(weight.amount, v.amount.amount)
    }
    lines.insert(bank, at: 0)
    let residue = try difference(bank.amount, cash)
    if !residue.isZero {
      // The lines do not add up to what the bank received: a currency difference, or lines missing.
      let role = bank.original != nil ? "exchange-differences" : "suspense"
      lines.append(
        try line(
          role, m, -residue,
          bank.original != nil
            ? "Exchange difference on \(v.paymentId)"
            : "Lines do not sum to payment \(v.paymentId)",
          bank.original != nil ? "付款 \(v.paymentId) 汇兑差额" : "付款 \(v.paymentId) 明细与金额不符"))
    }
    return Voucher(
      id: "remittance:\(v.id)", kind: "remittance", date: v.date, marketplace: m,
      reference: number, narration: "Amazon payment \(number)",
      narrationZh: "亚马逊付款 \(number)", currency: currency,
      lines: lines.filter { !$0.amount.isZero }, links: [v.paymentId])
  }

  /// A deduction written off after a lost dispute, when its type posted to a claim held as an
  /// asset (a provision, a disputed-claims receivable): the claim moves to write-offs.
  func writeOff(_ v: DeductionView, date: Int) throws(ExportError) -> Voucher? {
    guard let rule = plan.posting(v.type) else { return nil }
    let held = rule.debit == "receivable" ? rule.credit : rule.debit
    guard let account = plan.account(held, marketplace: v.marketplace),
      account.ledger.hasPrefix("Assets:")
    else { return nil }
    let amount = v.amount.isNegative ? -v.amount : v.amount
    let name = DeductionClassifier.name(v.type)
    let memo = "Write-off of \(name.en) \(v.number)"
    let memoZh = "核销\(name.zh) \(v.number)"
    return Voucher(
      id: "write-off:\(v.id)", kind: "write-off", date: date, marketplace: v.marketplace,
      reference: v.number, narration: memo, narrationZh: memoZh, currency: amount.currency,
      lines: [
        try line("write-offs", v.marketplace, amount, memo, memoZh),
        try line(held, v.marketplace, -amount, memo, memoZh),
      ], links: v.purchaseOrderNumbers)
  }

  // MARK: currency

  /// Converts a voucher into the book currency (when one is set and differs): every line at the
  /// month's rate, rounded to the book currency's minor unit, the rounding residue posted to the
  /// rounding account — never hidden.
  func toBookCurrency(_ v: Voucher) throws(ExportError) -> Voucher {
    guard let book = plan.ledgerCurrency, book != v.currency else { return v }
    guard let rate = plan.rate(v.currency, month: v.month) else {
      throw ExportError(
        "export.rate",
        "no rate for \(v.currency) in \(v.month) (voucher \(v.id)): rules/accounts.yaml keeps books in \(book); add rates.\(v.currency.code).\"\(v.month)\" (or default)"
      )
    }
    var out = v
    out.currency = book
    out.lines = []
    var total = Money.zero(book)
    for l in v.lines {
      guard let converted = try? l.amount.amount * rate else {
        throw ExportError("export.arithmetic", "cannot convert \(l.amount) at \(rate)")
      }
      var c = l
      c.amount = Money(converted.rounded(toPlaces: book.minorUnits), book)
      c.original = l.original ?? l.amount
      c.rate = l.original == nil ? rate : l.rate.flatMap { try? $0 * rate }
      total = try sum(total, c.amount)
      out.lines.append(c)
    }
    if !total.isZero {
      out.lines.append(
        try line(
          "rounding", v.marketplace, -total, "Rounding on conversion to \(book)", "折算尾差"))
    }
    return out
  }

  // MARK: helpers

  func posting(_ match: String, record: String) throws(ExportError) -> AccountPlan.Posting {
    guard let p = plan.posting(match) else {
      throw ExportError(
        "export.unmapped",
        "rules/accounts.yaml has no posting for \(match) (needed by \(record)); add {match: \(match), debit: …, credit: …}"
      )
    }
    return p
  }

  func line(
    _ role: String, _ marketplace: String, _ amount: Money, _ memo: String, _ memoZh: String
  ) throws(ExportError) -> Voucher.Line {
    guard let account = plan.account(role, marketplace: marketplace) else {
      throw ExportError(
        "export.unmapped",
        "rules/accounts.yaml defines no account \(role) (needed for \(memo)); add accounts.\(role)")
    }
    return Voucher.Line(
      account: account, amount: amount, original: nil, rate: nil, memo: memo, memoZh: memoZh)
  }

  /// Σ debit = Σ credit, per voucher, before anything is written.
  public static func checkBalanced(_ v: Voucher) throws(ExportError) {
    var total = Money.zero(v.currency)
    for l in v.lines {
      guard l.amount.currency == v.currency, let t = try? total + l.amount else {
        throw ExportError(
          "export.unbalanced",
          "voucher \(v.id) has a line in \(l.amount.currency), not \(v.currency)")
      }
      total = t
    }
    guard total.isZero else {
      throw ExportError(
        "export.unbalanced", "voucher \(v.id) does not balance: debits − credits = \(total)")
    }
  }
}

func sum(_ a: Money, _ b: Money) throws(ExportError) -> Money {
  do { return try a + b } catch {
    throw ExportError("export.arithmetic", "cannot add \(a) and \(b)", cause: error)
  }
}

func difference(_ a: Money, _ b: Money) throws(ExportError) -> Money {
  try sum(a, -b)
}

/// a / b to twelve places (rates are shown, never used to compute amounts).
func ratio(_ a: DecimalNumber, _ b: DecimalNumber) throws -> DecimalNumber {
  guard !b.isZero else { return .zero }
  // Long division on the significands at a fixed scale.
  let places = 12
  let scaleA = a.scale
  let scaleB = b.scale
  var num = a.significand.magnitude
  let den = b.significand.magnitude
  // a/b = (na / 10^sa) / (nb / 10^sb) = na * 10^(sb - sa) / nb
  var exp = scaleB - scaleA + places
  var denom = den
  while exp < 0 {
    denom *= 10
    exp += 1
  }
  for _ in 0..<exp { num *= 10 }
  let q = num / denom
  let negative = a.isNegative != b.isNegative
  let text = String(q)
  let padded = String(repeating: "0", count: max(0, places + 1 - text.count)) + text
  let cut = padded.index(padded.endIndex, offsetBy: -places)
  return try DecimalNumber(
    parsing: (negative ? "-" : "") + padded[..<cut] + "." + padded[cut...])
}

extension String {
  var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
