import AcornModel
import AcornReconcile

/// Recomputing part of the results after some records changed: which records are read together
/// (`linkKeys`), which alerts aggregate over more than linked records (`aggregatesUnchanged`), and
/// the alerts that linked records alone decide exactly (`linkedAlerts`, `linkedAlertIDs`). A
/// publish uses them to recompute only what the records linked to the changed ones give
/// (docs/postgres.md, "Derived tables").
extension AlertInput {
  /// The values a record is joined to other records by, anywhere in the reconciler or the alert
  /// engine: its id, the document numbers it carries or names (invoice, base invoice, purchase
  /// order, shipment, return, credit and debit note numbers) and the ids people linked it to
  /// (`acorn match`). Any two records the reconciler or the alert engine read together for one
  /// result share a value, so a result changes only if a record within a few links of it did.
  /// Read straight from the JSON (the fields the typed views read), so a record no view accepts
  /// still gives its values; not scoped by marketplace — linking more than needed costs time,
  /// linking less would cost exactness. The index finds records by the same fields
  /// (`RecordIndex.pathsLinked`; a test holds the two to each other).
  public static func linkKeys(_ record: Record) -> [String] {
    var keys: [String] = []
    func add(_ v: JSONValue?) {
      if let s = v?.stringValue, !s.isEmpty { keys.append(s) }
    }
    func addAll(_ v: JSONValue?) { for x in v?.arrayValue ?? [] { add(x) } }
    let json = record.json
    add(json["id"])
    let s = json["source"]
    let w = json["workflow"]
    let lines = s?["lines"]?.arrayValue ?? []
    switch record.kind {
    case .invoice:
      add(s?["invoiceNumber"])
      addAll(s?["purchaseOrderNumbers"])
      for l in lines { add(l["purchaseOrderNumber"]) }
    case .remittance:
      for l in lines {
        add(l["invoiceNumber"])
        add(l["baseInvoiceNumber"])
      }
      for m in w?["lineMatches"]?.arrayValue ?? [] { add(m["invoiceId"]) }
    case .deduction:
      add(s?["deductionNumber"])
      add(s?["baseInvoiceNumber"])
      addAll(s?["purchaseOrderNumbers"])
      addAll(w?["invoiceIds"])
      addAll(w?["returnIds"])
    case .purchaseOrder:
      add(s?["purchaseOrderNumber"])
    case .shipment:
      add(s?["shipmentIdentifier"])
      addAll(s?["purchaseOrderNumbers"])
      for l in lines { add(l["purchaseOrderNumber"]) }
    case .return:
      add(s?["returnId"])
      addAll(w?["creditNoteIds"])
      addAll(w?["deductionIds"])
    case .creditNote:
      add(s?["creditNoteNumber"])
      add(s?["debitNoteNumber"])
      add(s?["returnsReferenceNumber"])
      add(s?["referenceInvoiceNumber"])
      addAll(w?["returnIds"])
    case .outbound:
      add(s?["purchaseOrderNumber"])
      addAll(s?["purchaseOrderNumbers"])
    default: break
    }
    var seen = Set<String>()
    return keys.filter { seen.insert($0).inserted }
  }

  /// How many links away from a result the records it reads can be: a return's credit note, the
  /// payment line carrying that note's number, and the invoice that line may pay instead. The
  /// results of records within this many links of a changed one may change; computing them needs
  /// the records within twice as many.
  public static let linkRadius = 3
}

extension AlertEngine {
  /// Whether replacing the `old` versions of some records by the `new` ones (pairwise; nil where
  /// a version is absent) leaves the alerts that aggregate over more than linked records as they
  /// were: return rate per ASIN, chargebacks per type, payment delay per marketplace — each
  /// compared by what it reads of a record. An invoice's due date matters to the payment delay
  /// only when a payment line names it: `linked` (the records linked to the changed ones) holds
  /// every remittance that could. The shortage rate per purchase order is decided by linked
  /// records (`linkedAlerts`), the deadlines by each record and its results.
  public func aggregatesUnchanged(
    old: [Record?], new: [Record?], linked: ReconcileInput, asOf: Int
  ) -> Bool {
    let metrics = Set(anomalies.map(\.metric))
    let returnRate = metrics.contains(.returnRate)
    let chargebacks = metrics.contains(.chargebackCount) || metrics.contains(.chargebackAmount)
    let delay = metrics.contains(.paymentDelay)
    guard returnRate || chargebacks || delay else { return true }
    var named: Set<String>?
    func isNamed(_ marketplace: String, _ number: String) -> Bool {
      if named == nil {
        var all = Set<String>()
        for pay in linked.remittances where pay.date <= asOf {
          for line in pay.lines
          where line.classification == "invoice" && !line.amountPaid.isNegative {
            all.insert(pay.marketplace + "|" + line.invoiceNumber)
          }
        }
        named = all
      }
      return named?.contains(marketplace + "|" + number) == true
    }
    for (a, b) in zip(old, new) {
      if returnRate && Self.returnRateReads(a) != Self.returnRateReads(b) { return false }
      if chargebacks && Self.chargebackReads(a) != Self.chargebackReads(b) { return false }
      if delay {
        if Self.paymentReads(a) != Self.paymentReads(b) { return false }
        let (x, y) = (Self.dueReads(a), Self.dueReads(b))
        if x?.marketplace != y?.marketplace || x?.number != y?.number || x?.due != y?.due {
          for v in [x, y].compactMap({ $0 }) where isNamed(v.marketplace, v.number) {
            return false
          }
        }
      }
    }
    return true
  }

  /// What the return rate reads of a record: units received per purchase-order line, units
  /// requested back per return line.
  static func returnRateReads(_ r: Record?) -> [String] {
    guard let r else { return [] }
    if let po = PurchaseOrderView(r) {
      return po.lines.compactMap { l in
        guard let asin = l.asin, let units = l.received, units > 0 else { return nil }
        return "\(po.marketplace)|\(asin)|\(po.date)|\(units)"
      }
    }
    var input = AlertInput(deadlines: [])
    if r.kind == .return { input.add(r) }
    return input.returned.map { "\($0.marketplace)|\($0.asin)|\($0.day)|\($0.units)" }
  }

  /// What the chargeback rules read of a deduction.
  static func chargebackReads(_ r: Record?) -> [String?]? {
    guard let r, let d = DeductionView(r), d.type == "chargeback" else { return nil }
    return [d.marketplace, String(d.date), d.amount.description, d.chargebackType, d.description]
  }

  /// What the payment delay reads of a remittance: its day and the invoices its lines pay.
  static func paymentReads(_ r: Record?) -> [String]? {
    guard let r, let pay = RemittanceView(r) else { return nil }
    return [pay.marketplace, String(pay.date)]
      + pay.lines.filter { $0.classification == "invoice" && !$0.amountPaid.isNegative }.map(
        \.invoiceNumber)
  }

  /// What the payment delay reads of an invoice: its number and due day.
  static func dueReads(_ r: Record?) -> (marketplace: String, number: String, due: Int?)? {
    guard let r, let v = InvoiceView(r) else { return nil }
    return (v.marketplace, v.number, v.due)
  }

  /// The alerts that `input` — the records linked to some changed ones, with every record
  /// linked to those within `AlertInput.linkRadius` — decides exactly, with its reconciliation:
  /// the deadlines of the records whose ids are in `records`, and the shortage rate of the
  /// purchase orders whose numbers are in `groups` (those an invoice among them names in its
  /// header, which is where the shortage rate reads a claim's purchase orders from). The same alerts, field for field, as a run
  /// over every record gives for them.
  public func linkedAlerts(
    _ input: AlertInput, reconciliation r: ReconcileResult, asOf: Int, records: Set<String>,
    groups: Set<String>
  ) -> [Alert] {
    var out = deadlineAlerts(input, r, asOf).filter { a in
      a.records.count == 1 && records.contains(a.records[0])
    }
    for rule in anomalies where rule.metric == .shortageRate {
      out += shortageRate(rule, input.reconcile, asOf).filter { a in
        let prefix = "\(rule.id):\(a.marketplace)|"
        return a.id.hasPrefix(prefix) && groups.contains(String(a.id.dropFirst(prefix.count)))
      }
    }
    return out.sorted()
  }

  /// Every id the alerts of `linkedAlerts` for these records (with their kinds) and groups may
  /// have had or have, in these marketplaces: what to delete before writing them.
  public func linkedAlertIDs(
    records: some Sequence<(id: String, kind: RecordKind)>, groups: some Sequence<String>,
    marketplaces: some Sequence<String>
  ) -> [String] {
    var ids: [String] = []
    for (id, kind) in records {
      for rule in deadlines where rule.kind == kind {
        ids.append("\(rule.id):\(id)")
        ids.append("\(rule.id):\(id):exhausted")
      }
    }
    let markets = Array(marketplaces)
    for rule in anomalies where rule.metric == .shortageRate {
      for po in groups {
        for market in markets { ids.append("\(rule.id):\(market)|\(po)") }
      }
    }
    return ids
  }
}
