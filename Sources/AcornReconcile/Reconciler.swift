import AcornModel

/// An error of arithmetic (amounts beyond what exact decimals hold) or of currency.
public struct ReconcileError: Error, Sendable, CustomStringConvertible {
  public var code: String
  public var message: String
  public var description: String { message }
}

/// The reconciler: records in, results and findings out. Pure — no files, no clock (the day the
/// results are as of is passed in) — so the same records always give the same result.
/// docs/reconciliation.md states every rule.
public struct Reconciler {
  public var rules: ReconcileRules
  public var lifecycles: LifecycleSet?

  public init(rules: ReconcileRules = ReconcileRules(), lifecycles: LifecycleSet? = nil) {
    self.rules = rules
    self.lifecycles = lifecycles
  }

  /// The day results are as of when none is given: the latest day the records speak of (an
  /// observation, a payment, a document), so reconciling the same records twice gives the same
  /// bytes whatever today is.
  public static func latestDay(_ records: [Record]) -> Int? {
    records.reduce(nil) { latest, r in
      guard let d = latestDay(of: r) else { return latest }
      return max(latest ?? d, d)
    }
  }

  static let dateFields = [
    "invoiceDate", "paymentDate", "deductionDate", "noticeDate", "purchaseOrderDate",
    "shipmentDate", "issueDate",
  ]

  /// The latest day one record speaks of. Amazon's documents only: what the vendor drafts to
  /// send (outbound) says nothing of what Amazon has done.
  public static func latestDay(of r: Record) -> Int? {
    guard r.kind != .outbound else { return nil }
    var latest = r.json["provenance"]?["observedOn"]?.stringValue.flatMap(CivilDate.day)
    let source = r.json["source"]
    for f in dateFields {
      if let d = source?[f]?.stringValue.flatMap({ CivilDate.day(String($0.prefix(10))) }) {
        latest = max(latest ?? d, d)
      }
    }
    return latest
  }

  /// Invoices in the ledger's order (by id) with their index by marketplace and number: what
  /// the ledger prepares of the invoices alone, made apart — while the payments are still being
  /// read, say — and handed to `ledger(invoices:…)`.
  public struct InvoiceSet: Sendable {
    var invoices: [InvoiceView]
    /// (marketplace, invoice number) → index into `invoices`.
    var byNumber: [String: Int]

    public init(_ invoices: consuming [InvoiceView]) {
      sortByID(&invoices) { $0.id }
      var byNumber: [String: Int] = [:]
      // By index, reading the fields in place (`enumerated()` copied every view).
      byNumber.reserveCapacity(invoices.count)
      for i in invoices.indices {
        byNumber[Run.key(invoices[i].marketplace, invoices[i].number)] = i
      }
      self.invoices = invoices
      self.byNumber = byNumber
    }

    public var count: Int { invoices.count }
  }

  /// The invoice ledger alone, from views however they were read (the index, say): the same
  /// rules as `run` applies to its invoices, with the findings they give.
  public func ledger(
    invoices: [InvoiceView], remittances: [RemittanceView], creditNotes: [CreditNoteView],
    unreadable: [UnreadableFile] = [], asOf: Int
  ) throws(ReconcileError) -> (invoices: [InvoiceLedger], findings: [ReconcileFinding]) {
    try ledger(
      invoices: InvoiceSet(invoices), remittances: remittances, creditNotes: creditNotes,
      unreadable: unreadable, asOf: asOf)
  }

  /// The same from invoices prepared apart.
  public func ledger(
    invoices: InvoiceSet, remittances: [RemittanceView], creditNotes: [CreditNoteView],
    unreadable: [UnreadableFile] = [], asOf: Int
  ) throws(ReconcileError) -> (invoices: [InvoiceLedger], findings: [ReconcileFinding]) {
    var run = ledgerRun(invoices, remittances, creditNotes, asOf: asOf)
    run.unreadable(unreadable)
    try run.ledgers()
    ReconcileFinding.sort(&run.findings)
    return (run.ledgersOut, run.findings)
  }

  /// One run over every marketplace (every key the ledger matches by includes the
  /// marketplace), prepared for the ledger alone: the invoices come out in id order, and the
  /// per-invoice half of the ledger runs in parts side by side.
  func ledgerRun(
    _ invoices: InvoiceSet, _ remittances: [RemittanceView], _ creditNotes: [CreditNoteView],
    asOf: Int
  ) -> Run {
    var run = Run(rules: rules, lifecycles: lifecycles, asOf: asOf)
    run.invoices = invoices.invoices
    run.invoiceIndex = invoices.byNumber
    run.remittances = remittances
    run.creditNotes = creditNotes
    run.prepare(indexed: true)
    return run
  }

  /// The ledger document `ReconcileResult.ledgerJSON` gives for `ledger(invoices:…)`'s result,
  /// handed to `emit` in chunks: each invoice's JSON is written on every core as soon as its
  /// ledger is made, and no ledger is kept (a hundred thousand of them, each with its payments,
  /// were most of the memory and much of the time). Returns the findings, sorted.
  public func ledgerDocument(
    invoices: InvoiceSet, remittances: [RemittanceView], creditNotes: [CreditNoteView],
    unreadable: [UnreadableFile] = [], asOf: Int, emit: ([UInt8]) -> Void
  ) throws(ReconcileError) -> [ReconcileFinding] {
    var run = ledgerRun(invoices, remittances, creditNotes, asOf: asOf)
    run.unreadable(unreadable)
    try run.ledgers(written: 2)
    ReconcileFinding.sort(&run.findings)
    ReconcileResult.ledgerJSON(
      asOf: asOf, invoices: .parts(run.ledgerParts), findings: run.findings, emit: emit)
    return run.findings
  }

  public func run(_ records: [Record], asOf: Int) throws(ReconcileError) -> ReconcileResult {
    var input = ReconcileInput()
    for r in records { input.add(r) }
    return try run(input, asOf: asOf)
  }

  /// The same run from the views alone (the records' JSON need not be kept): what a reader that
  /// streams the record files builds, one `ReconcileInput` per part, merged.
  public func run(_ input: ReconcileInput, asOf: Int) throws(ReconcileError) -> ReconcileResult {
    var run = Run(rules: rules, lifecycles: lifecycles, asOf: asOf)
    run.load(input)
    run.unreadable(input.unreadable)
    try run.ledgers()
    try run.matchPurchaseOrders()
    try run.assessDeductions()
    try run.assessReturns()
    return run.result()
  }
}

func add(_ a: Money, _ b: Money) throws(ReconcileError) -> Money {
  do { return try a + b } catch {
    throw ReconcileError(
      code: "reconcile.arithmetic", message: "cannot add \(a) and \(b): \(error)")
  }
}

func sub(_ a: Money, _ b: Money) throws(ReconcileError) -> Money {
  try add(a, -b)
}

func times(_ m: Money, _ n: Int) throws(ReconcileError) -> Money {
  do { return try m.times(n) } catch {
    throw ReconcileError(code: "reconcile.arithmetic", message: "cannot multiply \(m) by \(n)")
  }
}

/// `items.sort { id($0) < id($1) }`, the same order (the sort is stable), moving the elements
/// rather than copying them (views and ledgers are hundreds of bytes each); an array already in
/// order — as the index reads one marketplace's invoices — is left as it is.
func sortByID<T>(_ items: inout [T], _ id: (T) -> String) {
  guard items.count > 1 else { return }
  let keys = items.map(id)
  var inOrder = true
  for k in 1..<keys.count where keys[k] < keys[k - 1] {
    inOrder = false
    break
  }
  if inOrder { return }
  items.permute(by: keys.indices.sorted { keys[$0] < keys[$1] })
}

/// `items.sort(by: precedes)`, leaving the array untouched (not even made unique) when no
/// element precedes the one before it.
func sortIfNeeded<T>(_ items: inout [T], by precedes: (T, T) -> Bool) {
  let inOrder = items.withUnsafeBufferPointer { b in
    b.indices.dropFirst().allSatisfy { !precedes(b[$0], b[$0 - 1]) }
  }
  if !inOrder { items.sort(by: precedes) }
}

func magnitude(_ m: Money) -> Money { m.isNegative ? -m : m }

func month(_ day: Int) -> String { String(CivilDate.string(day).prefix(7)) }

/// What the reconciler reads of the records: their typed views and the latest day they speak
/// of. Built a record at a time (`add`), in parts side by side (`merge`); the run sorts the
/// views, so the order they were added in does not change the result.
public struct ReconcileInput: Sendable, Equatable {
  public var invoices: [InvoiceView] = []
  public var remittances: [RemittanceView] = []
  public var deductions: [DeductionView] = []
  public var orders: [PurchaseOrderView] = []
  public var shipments: [ShipmentView] = []
  public var returns: [ReturnView] = []
  public var creditNotes: [CreditNoteView] = []
  /// `Reconciler.latestDay` of the records added.
  public var latestDay: Int?
  /// Record files that did not parse (or are not JSON objects): left out, each an error finding
  /// (`record.unreadable`) rather than a silent gap (an invoice missing from the ledger had
  /// shown as "not in the workspace" beside its payment).
  public var unreadable: [UnreadableFile] = []

  public init() {}

  public mutating func add(_ r: Record) {
    if let d = Reconciler.latestDay(of: r) { latestDay = max(latestDay ?? d, d) }
    switch r.kind {
    case .invoice: if let v = InvoiceView(r) { invoices.append(v) }
    case .remittance: if let v = RemittanceView(r) { remittances.append(v) }
    case .deduction: if let v = DeductionView(r) { deductions.append(v) }
    case .purchaseOrder: if let v = PurchaseOrderView(r) { orders.append(v) }
    case .shipment: if let v = ShipmentView(r) { shipments.append(v) }
    case .return: if let v = ReturnView(r) { returns.append(v) }
    case .creditNote: if let v = CreditNoteView(r) { creditNotes.append(v) }
    default: break
    }
  }

  public mutating func merge(_ other: ReconcileInput) {
    invoices += other.invoices
    remittances += other.remittances
    deductions += other.deductions
    orders += other.orders
    shipments += other.shipments
    returns += other.returns
    creditNotes += other.creditNotes
    unreadable += other.unreadable
    if let d = other.latestDay { latestDay = max(latestDay ?? d, d) }
  }
}

/// A record file the reconciler could not read: its path in the workspace and why.
public struct UnreadableFile: Sendable, Hashable {
  public var path: String
  public var reason: String

  public init(path: String, reason: String) {
    self.path = path
    self.reason = reason
  }

  /// The marketplace and month of its folder (`records/<MKT>/<kind>/<YYYY-MM>/…`), where its
  /// finding is written; else `unknown` and the month of `asOf`.
  func place(asOf: Int) -> (marketplace: String, month: String) {
    let parts = path.split(separator: "/").map(String.init)
    let marketplace = parts.count >= 3 && parts[0] == "records" ? parts[1] : "unknown"
    // A month folder is a month as a record's date gives it (`RecordPath.month(ofDate:)`).
    let folder = parts.count >= 5 && parts[3].count == 7 ? parts[3] : ""
    return (marketplace, RecordPath.month(ofDate: folder + "-01") ?? month(asOf))
  }
}

/// One reconciliation in progress.
struct Run {
  let rules: ReconcileRules
  let lifecycles: LifecycleSet?
  let asOf: Int

  var invoices: [InvoiceView] = []
  var remittances: [RemittanceView] = []
  var deductionViews: [DeductionView] = []
  var orders: [PurchaseOrderView] = []
  var shipments: [ShipmentView] = []
  var returnViews: [ReturnView] = []
  var creditNotes: [CreditNoteView] = []

  /// (marketplace, invoice number) → index into `invoices`.
  var invoiceIndex: [String: Int] = [:]
  var invoiceByID: [String: Int] = [:]

  var ledgersOut: [InvoiceLedger] = []
  /// The invoices' JSON in consecutive parts, when the ledgers are written as they are made.
  var ledgerParts: [[UInt8]] = []
  var ordersOut: [PurchaseOrderMatch] = []
  /// (marketplace, PO number) → index into `ordersOut`; shipment id → shipment.
  var orderIndex: [String: Int] = [:]
  var shipmentByID: [String: ShipmentView] = [:]
  var deductionsOut: [DeductionAssessment] = []
  var returnsOut: [ReturnAssessment] = []
  var findings: [ReconcileFinding] = []
  var proposals: [Proposal] = []
  /// Remittance line numbers settling a document (credit note or debit note number).
  var settledNumbers: [String: [String]] = [:]

  init(rules: ReconcileRules, lifecycles: LifecycleSet?, asOf: Int) {
    self.rules = rules
    self.lifecycles = lifecycles
    self.asOf = asOf
  }

  static func key(_ marketplace: String, _ number: String) -> String {
    marketplace + "\u{1F}" + number
  }

  mutating func load(_ input: ReconcileInput) {
    invoices = input.invoices
    remittances = input.remittances
    deductionViews = input.deductions
    orders = input.orders
    shipments = input.shipments
    returnViews = input.returns
    creditNotes = input.creditNotes
    prepare()
  }

  /// Sorts what was loaded into its defined order and indexes the invoices (unless they come
  /// `indexed`, from an `InvoiceSet`).
  mutating func prepare(indexed: Bool = false) {
    if !indexed {
      // Taken out, so that sorting them moves the views rather than copying them.
      var taken: [InvoiceView] = []
      swap(&taken, &invoices)
      let set = Reconciler.InvoiceSet(taken)
      (invoices, invoiceIndex) = (set.invoices, set.byNumber)
    }
    // Left as they are when in order already (the index reads them so): a sort wrote to each
    // array, copying all of its views while the caller still held them.
    sortIfNeeded(&remittances) { ($0.date, $0.id) < ($1.date, $1.id) }
    sortIfNeeded(&deductionViews) { $0.id < $1.id }
    sortIfNeeded(&orders) { $0.id < $1.id }
    sortIfNeeded(&shipments) { $0.id < $1.id }
    sortIfNeeded(&returnViews) { $0.id < $1.id }
    sortIfNeeded(&creditNotes) { $0.id < $1.id }
    // By id only for what names invoices by id: people's line matches and deductions.
    if !deductionViews.isEmpty || remittances.contains(where: { !$0.lineMatches.isEmpty }) {
      invoiceByID.reserveCapacity(invoices.count)
      for i in invoices.indices { invoiceByID[invoices[i].id] = i }
    }
  }

  /// An error finding for each record file that could not be read, in path order.
  mutating func unreadable(_ files: [UnreadableFile]) {
    for file in files.sorted(by: { $0.path < $1.path }) {
      let (marketplace, month) = file.place(asOf: asOf)
      let text = Sentence.unreadable(file.path, file.reason)
      findings.append(
        ReconcileFinding(
          code: "record.unreadable", severity: .error, marketplace: marketplace, month: month,
          records: [file.path], amount: nil, en: text.en, zh: text.zh))
    }
  }

  mutating func finding(
    _ code: String, _ severity: ReconcileFinding.Severity, _ marketplace: String, _ day: Int,
    _ records: [String], _ amount: Money?, _ text: Sentence
  ) {
    findings.append(Self.finding(code, severity, marketplace, day, records, amount, text))
  }

  static func finding(
    _ code: String, _ severity: ReconcileFinding.Severity, _ marketplace: String, _ day: Int,
    _ records: [String], _ amount: Money?, _ text: Sentence
  ) -> ReconcileFinding {
    ReconcileFinding(
      code: code, severity: severity, marketplace: marketplace, month: month(day),
      records: records.sorted(), amount: amount, en: text.en, zh: text.zh)
  }

  // MARK: Invoice ledger

  /// Where a remittance line goes, found on every core (the lookups only read) and acted on
  /// in remittance order: an invoice's index (≥ 0), or what else the line is.
  struct LineTarget {
    static let none: Int32 = -1
    /// A credit or debit note settled on the payment (returns, co-op credits).
    static let settled: Int32 = -2
    /// A payment line matching no invoice.
    static let unmatched: Int32 = -3
    var target: Int32
    /// A person's match to an invoice that is no longer there.
    var stale: Bool
  }

  /// Each invoice's ledger, kept in `ledgersOut` — or, `written` at that indent, each as its
  /// JSON array element (`CanonicalJSON.elementBytes`) in `ledgerParts`, none kept.
  mutating func ledgers(written: Int? = nil) throws(ReconcileError) {
    var creditNoteNumbers: Set<String> = []
    for cn in creditNotes {
      creditNoteNumbers.insert(Self.key(cn.marketplace, cn.number))
      if let d = cn.debitNoteNumber { creditNoteNumbers.insert(Self.key(cn.marketplace, d)) }
    }
    // Each remittance's balance and each line's target, on every core.
    let (rules, asOf, invoices, remittances) = (rules, asOf, invoices, remittances)
    let (invoiceIndex, invoiceByID, noteNumbers) = (invoiceIndex, invoiceByID, creditNoteNumbers)
    let (resolved, failures) = Parallel.array(remittances.count, minimum: 1_024) {
      range, put -> ReconcileError? in
      remittances.withUnsafeBufferPointer { remittances in
        do throws(ReconcileError) {
          for r in range {
            put(
              try Self.resolve(
                remittances[r], rules: rules, invoiceIndex: invoiceIndex,
                invoiceByID: invoiceByID, creditNoteNumbers: noteNumbers))
          }
        } catch {
          return error
        }
        return nil
      }
    }
    if let error = failures.lazy.compactMap({ $0 }).first { throw error }
    guard let resolved else { preconditionFailure("every part resolved its lines or failed") }
    // In remittance order: the findings and settlements, and each invoice's lines (where they
    // start in `refs`, by invoice: `starts[i]..<starts[i + 1]`, in remittance order).
    var starts = [Int](repeating: 0, count: invoices.count + 1)
    // Read in place (`enumerated()` copied each remittance, retaining its strings and lines).
    for r in remittances.indices {
      let (difference, sum, targets) = resolved[r]
      if let difference {
        finding(
          "remittance.unbalanced", .error, remittances[r].marketplace, remittances[r].date,
          [remittances[r].id], difference,
          Sentence.unbalanced(remittances[r].paymentId, lines: sum, payment: remittances[r].amount))
      }
      for k in targets.indices {
        let t = targets[k]
        if t.target >= 0 && !t.stale {
          starts[Int(t.target) + 1] += 1
          continue
        }
        let pay = remittances[r]
        let line = pay.lines[k]
        if t.stale, let matched = pay.lineMatches[line.number] {
          finding(
            "match.stale", .warning, pay.marketplace, pay.date, [pay.id, matched],
            line.amountPaid,
            Sentence.staleMatch(pay.paymentId, line: line.number, invoice: matched))
        }
        switch t.target {
        case LineTarget.settled:
          settledNumbers[line.invoiceNumber, default: []].append(pay.paymentId)
        case LineTarget.unmatched:
          finding(
            "payment.unmatched", .warning, pay.marketplace, pay.date, [pay.id], line.amountPaid,
            Sentence.unmatched(line.invoiceNumber, payment: pay.paymentId, amount: line.amountPaid)
          )
        case let i where i >= 0: starts[Int(i) + 1] += 1
        default: break
        }
      }
    }
    for i in 0..<invoices.count { starts[i + 1] += starts[i] }
    var refs = [(remittance: Int32, line: Int32)](repeating: (0, 0), count: starts[invoices.count])
    var next = starts
    for r in resolved.indices {
      for (k, t) in resolved[r].targets.enumerated() where t.target >= 0 {
        let i = Int(t.target)
        refs[next[i]] = (Int32(r), Int32(k))
        next[i] += 1
      }
    }
    // Each invoice's ledger depends on its own lines alone: in parts side by side, joined in
    // invoice order (the findings are sorted at the end).
    let (lineStarts, lineRefs) = (starts, refs)
    /// The ledger of invoice `i` (its views read in place through buffers: subscripting the
    /// arrays copied every view, retaining its strings and arrays), with the tolerance of the
    /// last currency seen (a dictionary lookup by code for each invoice otherwise).
    @Sendable func ledger(
      _ i: Int, _ invoices: UnsafeBufferPointer<InvoiceView>,
      _ remittances: UnsafeBufferPointer<RemittanceView>,
      _ lineRefs: UnsafeBufferPointer<(remittance: Int32, line: Int32)>,
      _ tolerance: inout (currency: CurrencyCode, amount: DecimalNumber)?,
      _ findings: inout [ReconcileFinding]
    ) throws(ReconcileError) -> InvoiceLedger {
      guard let first = invoices.baseAddress else { preconditionFailure("an invoice at \(i)") }
      let invoice = first + i
      let entries = try Self.entries(
        invoice, UnsafeBufferPointer(rebasing: lineRefs[lineStarts[i]..<lineStarts[i + 1]]),
        remittances, findings: &findings)
      let currency = invoice.pointee.total.currency
      let allowed: DecimalNumber
      if let last = tolerance, last.currency == currency {
        allowed = last.amount
      } else {
        allowed = rules.tolerance(currency)
        tolerance = (currency, allowed)
      }
      return try Self.ledger(
        invoice, payments: entries.payments, deductions: entries.deductions,
        discount: entries.discount, paymentLines: entries.paymentLines,
        tolerance: allowed, asOf: asOf, findings: &findings)
    }
    /// Runs `body` with the views and line references in place.
    @Sendable func inPlace<T>(
      _ body: (
        UnsafeBufferPointer<InvoiceView>, UnsafeBufferPointer<RemittanceView>,
        UnsafeBufferPointer<(remittance: Int32, line: Int32)>
      ) -> T
    ) -> T {
      invoices.withUnsafeBufferPointer { i in
        remittances.withUnsafeBufferPointer { r in
          lineRefs.withUnsafeBufferPointer { body(i, r, $0) }
        }
      }
    }
    if let indent = written {
      // Each part writes its invoices' JSON as their ledgers are made; no ledger is kept.
      let count = invoices.count
      let parts = Parallel.parts(count, minimum: 8_192) {
        range -> Result<([UInt8], [ReconcileFinding]), ReconcileError> in
        var findings: [ReconcileFinding] = []
        var tolerance: (currency: CurrencyCode, amount: DecimalNumber)?
        var failure: ReconcileError?
        let bytes = inPlace { invoices, remittances, lineRefs in
          CanonicalJSON.elementBytes(range, of: count, indent: indent) { i, indent, out in
            guard failure == nil else { return }
            do throws(ReconcileError) {
              let made = try ledger(i, invoices, remittances, lineRefs, &tolerance, &findings)
              withUnsafePointer(to: made) {
                ReconcileResult.write($0, indent: indent, into: &out)
              }
            } catch {
              failure = error
            }
          }
        }
        if let failure { return .failure(failure) }
        return .success((bytes, findings))
      }
      for part in parts {
        switch part {
        case .success(let (bytes, found)):
          ledgerParts.append(bytes)
          if findings.isEmpty { findings = found } else { findings += found }
        case .failure(let error): throw error
        }
      }
      return
    }
    let (made, parts) = Parallel.array(invoices.count, minimum: 8_192) {
      range, put -> Result<[ReconcileFinding], ReconcileError> in
      var findings: [ReconcileFinding] = []
      var tolerance: (currency: CurrencyCode, amount: DecimalNumber)?
      return inPlace { invoices, remittances, lineRefs in
        do throws(ReconcileError) {
          for i in range {
            put(try ledger(i, invoices, remittances, lineRefs, &tolerance, &findings))
          }
        } catch {
          return .failure(error)
        }
        return .success(findings)
      }
    }
    for part in parts {
      switch part {
      // Taken as they are into an empty list (appending copied every finding).
      case .success(let found): if findings.isEmpty { findings = found } else { findings += found }
      case .failure(let error): throw error
      }
    }
    guard let made else { preconditionFailure("every part made its ledgers or failed") }
    // Taken as they are when nothing came before (appending copied every ledger).
    if ledgersOut.isEmpty { ledgersOut = made } else { ledgersOut += made }
  }

  /// A remittance's balance (the difference when its lines do not add up to the payment, and
  /// their sum) and where each of its lines goes: a person's match, else its number or base.
  static func resolve(
    _ pay: RemittanceView, rules: ReconcileRules, invoiceIndex: [String: Int],
    invoiceByID: [String: Int], creditNoteNumbers: Set<String>
  ) throws(ReconcileError) -> (difference: Money?, sum: Money, targets: [LineTarget]) {
    var sum = Money.zero(pay.amount.currency)
    var sameCurrency = true
    for line in pay.lines {
      if line.amountPaid.currency != pay.amount.currency {
        sameCurrency = false
        continue
      }
      sum = try add(sum, line.amountPaid)
    }
    let difference = try sub(sum, pay.amount)
    let unbalanced =
      sameCurrency && magnitude(difference).amount > rules.tolerance(pay.amount.currency)
    var targets: [LineTarget] = []
    targets.reserveCapacity(pay.lines.count)
    // People's matches are rare: their dictionary is not hashed into when it is empty.
    let matches = pay.lineMatches.isEmpty ? nil : pay.lineMatches
    for line in pay.lines {
      var target: Int?
      var stale = false
      if let matched = matches?[line.number] {
        target = invoiceByID[matched]
        stale = target == nil
      } else if line.classification == "invoice" {
        target = invoiceIndex[key(pay.marketplace, line.invoiceNumber)]
      } else if let base = line.base,
        DeductionClassifier.suffixClassifications.contains(line.classification)
      {
        target = invoiceIndex[key(pay.marketplace, base)]
      }
      let code: Int32
      if let target {
        code = Int32(target)
      } else if creditNoteNumbers.contains(key(pay.marketplace, line.invoiceNumber)) {
        code = LineTarget.settled
      } else if line.classification == "invoice" {
        code = LineTarget.unmatched
      } else if line.classification == "credit-note" || line.classification == "other" {
        code = LineTarget.settled
      } else {
        code = LineTarget.none
      }
      targets.append(LineTarget(target: code, stale: stale))
    }
    return (unbalanced ? difference : nil, sum, targets)
  }

  /// The entries an invoice's lines make (in remittance order), its discount and how many
  /// payment lines pay it; lines in a currency the remittance gives no rate for are findings.
  /// The invoice and the remittances are read in place (a copy of a view retains its strings
  /// and arrays — shared by both cores' parts, whose counts then bounce between them).
  static func entries(
    _ invoice: UnsafePointer<InvoiceView>,
    _ refs: UnsafeBufferPointer<(remittance: Int32, line: Int32)>,
    _ remittances: UnsafeBufferPointer<RemittanceView>, findings: inout [ReconcileFinding]
  ) throws(ReconcileError) -> (
    payments: [InvoiceLedger.Entry], deductions: [InvoiceLedger.Entry], discount: Money?,
    paymentLines: Int
  ) {
    var payments: [InvoiceLedger.Entry] = []
    var deductions: [InvoiceLedger.Entry] = []
    var discount: Money?
    var paymentLines = 0
    let currency = invoice.pointee.total.currency
    guard let firstRemittance = remittances.baseAddress else {
      return (payments, deductions, discount, paymentLines)
    }
    for ref in refs {
      let pay = firstRemittance + Int(ref.remittance)
      let line = pay.pointee.lines[Int(ref.line)]
      var amount = line.amountPaid
      if amount.currency != currency {
        guard let rate = pay.pointee.exchangeRate,
          let converted = try? amount.amount * rate
        else {
          let inv = invoice.pointee
          findings.append(
            finding(
              "ledger.currency", .error, inv.marketplace, inv.date, [inv.id, pay.pointee.id],
              line.amountPaid,
              Sentence.currency(
                inv.number, payment: pay.pointee.paymentId, paid: line.amountPaid,
                invoiced: currency)))
          continue
        }
        amount = Money(converted.rounded(toPlaces: currency.minorUnits), currency)
      }
      let isPayment =
        line.classification == "invoice"
        || !pay.pointee.lineMatches.isEmpty && pay.pointee.lineMatches[line.number] != nil
          && !DeductionClassifier.deductionTypes.contains(line.classification)
      let entry = InvoiceLedger.Entry(
        type: isPayment ? "payment" : line.classification, reference: line.invoiceNumber,
        amount: amount, paymentId: pay.pointee.paymentId, date: pay.pointee.date)
      if isPayment {
        payments.append(entry)
        if !amount.isNegative { paymentLines += 1 }
        if let d = line.discount, d.currency == currency {
          discount = try add(discount ?? .zero(currency), d)
        }
      } else {
        deductions.append(entry)
      }
    }
    return (payments, deductions, discount, paymentLines)
  }

  /// Entries by date, payment and reference (most invoices have one: kept as it is).
  static func inOrder(_ entries: [InvoiceLedger.Entry]) -> [InvoiceLedger.Entry] {
    entries.count < 2
      ? entries
      : entries.sorted {
        ($0.date, $0.paymentId, $0.reference) < ($1.date, $1.paymentId, $1.reference)
      }
  }

  /// One invoice's ledger from the entries taken against it (differences up to `tolerance`
  /// are rounding), and its findings. The invoice is read in place.
  static func ledger(
    _ invoicePointer: UnsafePointer<InvoiceView>, payments pays: [InvoiceLedger.Entry],
    deductions deds: [InvoiceLedger.Entry], discount: Money?, paymentLines: Int,
    tolerance: DecimalNumber, asOf: Int, findings: inout [ReconcileFinding]
  ) throws(ReconcileError) -> InvoiceLedger {
    // The fields it needs, read in place (not the whole view: its lines and orders).
    let invoice = (
      id: invoicePointer.pointee.id, number: invoicePointer.pointee.number,
      marketplace: invoicePointer.pointee.marketplace, total: invoicePointer.pointee.total,
      date: invoicePointer.pointee.date, due: invoicePointer.pointee.due
    )
    let currency = invoice.total.currency
    let discount = discount ?? .zero(currency)
    var paid = Money.zero(currency)
    var deducted = Money.zero(currency)
    var reversed = Money.zero(currency)
    for e in pays { paid = try add(paid, e.amount) }
    for e in deds {
      paid = try add(paid, e.amount)
      if e.amount.isNegative {
        deducted = try add(deducted, -e.amount)
      } else {
        reversed = try add(reversed, e.amount)
      }
    }
    // invoiced − discount − Σ deductions + Σ reversals − Σ paid
    var open = try sub(invoice.total, discount)
    open = try sub(open, deducted)
    open = try add(open, reversed)
    open = try sub(open, paid)
    var rounding: Money?
    var settledOpen = open
    if !open.isZero && magnitude(open).amount <= tolerance {
      rounding = open
      settledOpen = .zero(currency)
    }
    let netDeducted = try sub(deducted, reversed)
    let status: String
    if settledOpen.isZero {
      status = netDeducted.amount > .zero ? "paid-with-deductions" : "paid"
    } else if settledOpen.isNegative {
      status = "overpaid"
    } else if pays.isEmpty && deds.isEmpty {
      status = "unpaid"
    } else {
      status = "partially-paid"
    }
    let due = invoice.due
    var daysPastDue: Int?
    if let due, status == "unpaid" || status == "partially-paid", asOf > due {
      daysPastDue = asOf - due
    }
    let ledger = InvoiceLedger(
      id: invoice.id, invoiceNumber: invoice.number, marketplace: invoice.marketplace,
      currency: currency, invoiceDate: invoice.date, dueDate: due, invoiced: invoice.total,
      discount: discount,
      payments: Self.inOrder(pays), deductions: Self.inOrder(deds),
      paid: paid, open: settledOpen, status: status, daysPastDue: daysPastDue,
      rounding: rounding)
    if let rounding {
      findings.append(
        Self.finding(
          "ledger.rounding", .info, invoice.marketplace, invoice.date, [invoice.id], rounding,
          Sentence.rounding(invoice.number, rounding)))
    }
    if paymentLines > 1 {
      findings.append(
        Self.finding(
          "invoice.paid-twice", .error, invoice.marketplace, invoice.date,
          [invoice.id] + pays.map(\.paymentId), paid,
          Sentence.paidTwice(invoice.number, payments: pays.map(\.paymentId))))
    }
    if status == "overpaid" {
      findings.append(
        Self.finding(
          "invoice.overpaid", .warning, invoice.marketplace, invoice.date, [invoice.id],
          -settledOpen,
          Sentence.overpaid(invoice.number, -settledOpen)))
    }
    if let days = daysPastDue {
      findings.append(
        Self.finding(
          "invoice.past-due", .warning, invoice.marketplace, invoice.date, [invoice.id],
          settledOpen,
          Sentence.pastDue(invoice.number, days: days, open: settledOpen)))
    }
    return ledger
  }
}
