import AcornModel

extension Run {
  /// Which PO line an invoice or ASN line is: same PO and ASIN, else same PO and vendor SKU, else
  /// same PO and sequence number.
  static func lineKey(
    _ po: PurchaseOrderView.Line, asin: String?, sku: String?, sequence: String?
  ) -> Bool {
    if let a = po.asin, let b = asin { return a == b }
    if let a = po.sku, let b = sku { return a == b }
    return sequence == po.sequence
  }

  // MARK: Three-way match per PO line

  mutating func matchPurchaseOrders() throws(ReconcileError) {
    var invoiceLines: [String: [(invoice: InvoiceView, line: InvoiceView.Line)]] = [:]
    for inv in invoices {
      for line in inv.lines {
        guard let po = line.purchaseOrderNumber ?? inv.purchaseOrderNumbers.first else { continue }
        invoiceLines[Self.key(inv.marketplace, po), default: []].append((inv, line))
      }
    }
    var asnLines: [String: [(shipment: ShipmentView, line: ShipmentView.Line)]] = [:]
    for s in shipments {
      for line in s.lines {
        guard let po = line.purchaseOrderNumber ?? s.purchaseOrderNumbers.first else { continue }
        asnLines[Self.key(s.marketplace, po), default: []].append((s, line))
      }
    }
    for s in shipments { shipmentByID[s.id] = s }
    for po in orders {
      let key = Self.key(po.marketplace, po.number)
      let invLines = invoiceLines[key] ?? []
      let asns = asnLines[key] ?? []
      var lines: [PurchaseOrderMatch.Line] = []
      for l in po.lines {
        let invoiced = invLines.filter {
          Self.lineKey(l, asin: $0.line.asin, sku: $0.line.sku, sequence: $0.line.sequence)
        }
        let shippedLines = asns.filter {
          Self.lineKey(l, asin: $0.line.asin, sku: $0.line.sku, sequence: $0.line.sequence)
        }
        // A replacement ASN is the same record as its original (keyed by shipment id): summing
        // the shipment records adds separate shipments, never an original and its replacement.
        let shipped = asns.isEmpty ? l.shipped : shippedLines.reduce(0) { $0 + $1.line.eaches }
        let invoicedUnits =
          invLines.isEmpty ? l.invoiced : invoiced.reduce(0) { $0 + $1.line.eaches }
        let invoicedCost = invoiced.compactMap(\.line.netCost).first
        var shortage: Int?
        var shortageAmount: Money?
        if let inv = invoicedUnits, let received = l.received, inv > received {
          shortage = inv - received
          if let cost = invoicedCost ?? l.acknowledgedCost ?? l.netCost {
            shortageAmount = try times(cost, inv - received)
          }
        }
        lines.append(
          PurchaseOrderMatch.Line(
            sequence: l.sequence, asin: l.asin, ordered: l.ordered, accepted: l.accepted,
            shipped: shipped, received: l.received, invoiced: invoicedUnits, poCost: l.netCost,
            acknowledgedCost: l.acknowledgedCost, invoicedCost: invoicedCost,
            expectedShortage: shortage, expectedShortageAmount: shortageAmount))
        let what = Sentence.OrderLine(order: po.number, sequence: "\(l.sequence)", asin: l.asin)
        if let shortage {
          finding(
            "po.expected-shortage", .warning, po.marketplace, po.date, [po.id], shortageAmount,
            Sentence.expectedShortage(what, units: shortage, amount: shortageAmount))
        }
        if let s = shipped, let r = l.received, s != r {
          finding(
            "po.asn-accuracy", .warning, po.marketplace, po.date,
            [po.id] + shippedLines.map(\.shipment.id),
            nil, Sentence.asnAccuracy(what, shipped: s, received: r))
        }
        if let inv = invoicedUnits, let accepted = l.accepted, inv > accepted {
          finding(
            "po.over-invoiced", .error, po.marketplace, po.date,
            [po.id] + invoiced.map(\.invoice.id),
            nil, Sentence.overInvoiced(what, invoiced: inv, accepted: accepted))
        }
        if let invCost = invoicedCost, let agreed = l.acknowledgedCost ?? l.netCost,
          invCost.currency == agreed.currency, invCost != agreed
        {
          let units = invoicedUnits ?? 0
          let diff = try times(try sub(invCost, agreed), units)
          finding(
            "po.price-variance", .warning, po.marketplace, po.date,
            [po.id] + invoiced.map(\.invoice.id),
            diff, Sentence.priceVariance(what, invoiced: invCost, agreed: agreed, units: units))
        }
      }
      orderIndex[key] = ordersOut.count
      ordersOut.append(
        PurchaseOrderMatch(
          id: po.id, purchaseOrderNumber: po.number, marketplace: po.marketplace, date: po.date,
          lines: lines, invoiceNumbers: Array(Set(invLines.map(\.invoice.number))).sorted(),
          shipmentIds: Array(Set(asns.map(\.shipment.id))).sorted()))
    }
  }

  // MARK: Deductions and whether they can be won

  /// The PO-line evidence behind an invoice: per line invoiced (invoice), shipped (ASN), received
  /// (Amazon's receipts), costs, and the shipments that carried it.
  func evidence(for invoice: InvoiceView) -> [(
    line: InvoiceView.Line, po: PurchaseOrderMatch.Line?, shipments: [ShipmentView]
  )] {
    invoice.lines.map { line in
      let poNumber = line.purchaseOrderNumber ?? invoice.purchaseOrderNumbers.first
      let match = poNumber.flatMap { orderIndex[Self.key(invoice.marketplace, $0)] }.map {
        ordersOut[$0]
      }
      let poLine = match?.lines.first {
        if let a = $0.asin, let b = line.asin { return a == b }
        return $0.sequence == line.sequence
      }
      let carried = (match?.shipmentIds ?? []).compactMap { shipmentByID[$0] }
      return (line, poLine, carried)
    }
  }

  mutating func assessDeductions() throws(ReconcileError) {
    // Net each claim with its reversals and revisions (same base invoice and type family).
    var family: [String: [DeductionView]] = [:]
    for d in deductionViews where d.type.hasPrefix("shortage-claim") {
      family[Self.key(d.marketplace, d.base ?? d.number), default: []].append(d)
    }
    for d in deductionViews {
      let invoiceIndexFound =
        d.invoiceIds.compactMap { invoiceByID[$0] }.first
        ?? d.base.flatMap { invoiceIndex[Self.key(d.marketplace, $0)] }
      let invoice = invoiceIndexFound.map { invoices[$0] }
      for stale in d.invoiceIds where invoiceByID[stale] == nil {
        finding(
          "match.stale", .warning, d.marketplace, d.date, [d.id, stale], d.amount,
          Sentence.staleDeductionMatch(d.number, invoice: stale))
      }
      var verdict = "needs-evidence"
      var reason = Sentence("", "")
      var net: Money?
      var ev: DeductionAssessment.Evidence?
      switch d.type {
      case "shortage-claim", "shortage-claim-revised":
        let related = family[Self.key(d.marketplace, d.base ?? d.number)] ?? [d]
        if d.type == "shortage-claim" {
          var total = Money.zero(d.amount.currency)
          for r in related where r.amount.currency == d.amount.currency {
            total = try add(total, r.amount)
          }
          net = total
        }
        (verdict, reason, ev) = try shortageVerdict(d, invoice)
      case "shortage-claim-reversal":
        verdict = "reversal"
        reason = Sentence.reversalReason(d.base)
      case "price-claim":
        (verdict, reason, ev) = try priceVerdict(d, invoice)
      case "chargeback":
        (verdict, reason, ev) = chargebackVerdict(d)
      case "provision", "provision-reversal":
        verdict = "provision"
        reason = Sentence.provisionReason(d.type)
      default:
        verdict = "needs-evidence"
        reason = Sentence.otherReason(d.type)
      }
      if DeductionClassifier.suffixClassifications.contains(d.type) && invoice == nil
        && d.type != "shortage-claim-reversal"
      {
        finding(
          "deduction.unlinked", .warning, d.marketplace, d.date, [d.id], d.amount,
          Sentence.unlinked(d.number, base: d.base))
      }
      if verdict == "disputable" && d.amount.isNegative && d.state != "recovered" {
        finding(
          "deduction.disputable", .warning, d.marketplace, d.date,
          [d.id] + (invoice.map { [$0.id] } ?? []),
          -(net ?? d.amount),
          Sentence.disputable(d.number, type: d.type, amount: -(net ?? d.amount), reason: reason))
      }
      deductionsOut.append(
        DeductionAssessment(
          id: d.id, number: d.number, marketplace: d.marketplace, type: d.type, date: d.date,
          amount: d.amount, invoiceNumber: invoice?.number ?? d.base,
          purchaseOrderNumbers: invoice?.purchaseOrderNumbers ?? d.purchaseOrderNumbers,
          paymentId: d.paymentId, verdict: verdict, reason: reason.en, reasonZh: reason.zh,
          net: net,
          evidence: ev,
          state: d.state))
    }
  }

  func shortageVerdict(_ d: DeductionView, _ invoice: InvoiceView?) throws(ReconcileError) -> (
    String, Sentence, DeductionAssessment.Evidence?
  ) {
    guard let invoice else {
      return ("needs-evidence", Sentence.noInvoice(d.base), nil)
    }
    let rows = evidence(for: invoice)
    var shipped = 0
    var received = 0
    var invoiced = 0
    var missingReceipts = false
    var shortValue = Money.zero(invoice.total.currency)
    var shortShipped = false
    var shipmentIDs: Set<String> = []
    var carrier: String?
    var tracking: String?
    for row in rows {
      invoiced += row.line.eaches
      for s in row.shipments {
        shipmentIDs.insert(s.id)
        carrier = carrier ?? s.carrier
        tracking = tracking ?? s.tracking
      }
      guard let po = row.po, let r = po.received else {
        missingReceipts = true
        continue
      }
      received += r
      shipped += po.shipped ?? 0
      let lineInvoiced = po.invoiced ?? row.line.eaches
      if lineInvoiced > r, let cost = row.line.netCost {
        shortValue = try add(shortValue, try times(cost, lineInvoiced - r))
        if (po.shipped ?? 0) < lineInvoiced { shortShipped = true }
      }
    }
    let ev = DeductionAssessment.Evidence(
      shipped: shipped, received: missingReceipts ? nil : received, invoiced: invoiced,
      invoicedCost: nil, purchaseOrderCost: nil, carrier: carrier, tracking: tracking,
      shipmentIds: shipmentIDs.sorted())
    if missingReceipts {
      return ("needs-evidence", Sentence.noReceipts(invoice.number), ev)
    }
    let claimed = magnitude(d.amount)
    if shortValue.isZero {
      return (
        "disputable",
        Sentence.receiptsCover(invoice.number, invoiced: invoiced, received: received), ev
      )
    }
    if shortShipped {
      return (
        "valid", Sentence.shippedShort(invoice.number, invoiced: invoiced, shipped: shipped), ev
      )
    }
    if claimed.currency == shortValue.currency,
      try sub(claimed, shortValue).amount > rules.tolerance(claimed.currency)
    {
      return ("disputable", Sentence.claimExceeds(claimed: claimed, short: shortValue), ev)
    }
    return (
      "needs-evidence",
      Sentence.podNeeded(
        shipped: shipped, received: received, carrier: carrier, tracking: tracking), ev
    )
  }

  func priceVerdict(_ d: DeductionView, _ invoice: InvoiceView?) throws(ReconcileError) -> (
    String, Sentence, DeductionAssessment.Evidence?
  ) {
    guard let invoice else { return ("needs-evidence", Sentence.noInvoice(d.base), nil) }
    var above: (Money, Money)?
    var allKnown = true
    var firstAgreed: Money?
    var firstInvoiced: Money?
    for row in evidence(for: invoice) {
      guard let cost = row.line.netCost, let agreed = row.po?.acknowledgedCost ?? row.po?.poCost
      else {
        allKnown = false
        continue
      }
      firstAgreed = firstAgreed ?? agreed
      firstInvoiced = firstInvoiced ?? cost
      if cost.currency == agreed.currency, agreed.amount < cost.amount {
        above = above ?? (cost, agreed)
      }
    }
    let ev = DeductionAssessment.Evidence(
      shipped: nil, received: nil, invoiced: nil, invoicedCost: above?.0 ?? firstInvoiced,
      purchaseOrderCost: above?.1 ?? firstAgreed, carrier: nil, tracking: nil, shipmentIds: [])
    if let (cost, agreed) = above {
      return ("valid", Sentence.invoicedAbove(cost: cost, agreed: agreed), ev)
    }
    if !allKnown { return ("needs-evidence", Sentence.noCosts(invoice.number), ev) }
    return ("disputable", Sentence.costsMatch(invoice.number), ev)
  }

  func chargebackVerdict(_ d: DeductionView) -> (String, Sentence, DeductionAssessment.Evidence?) {
    if d.disputeAttempts >= 2 { return ("valid", Sentence.disputedTwice, nil) }
    let kind = (d.chargebackType ?? d.description ?? "").lowercased()
    guard kind.contains("asn") else {
      return ("needs-evidence", Sentence.chargebackEvidence(kind), nil)
    }
    let pos = Set(d.purchaseOrderNumbers)
    let matches = pos.sorted().compactMap { orderIndex[Self.key(d.marketplace, $0)] }.map {
      ordersOut[$0]
    }
    guard !matches.isEmpty else { return ("needs-evidence", Sentence.asnNoPO, nil) }
    let lines = matches.flatMap(\.lines)
    let shipped = lines.compactMap(\.shipped).reduce(0, +)
    let received = lines.compactMap(\.received).reduce(0, +)
    let ids = matches.flatMap(\.shipmentIds)
    let ev = DeductionAssessment.Evidence(
      shipped: shipped, received: received, invoiced: nil, invoicedCost: nil,
      purchaseOrderCost: nil, carrier: nil, tracking: nil, shipmentIds: ids)
    if ids.isEmpty { return ("valid", Sentence.noASN, ev) }
    if lines.allSatisfy({ $0.shipped != nil && $0.shipped == $0.received }) {
      return ("disputable", Sentence.asnMatched(shipped: shipped), ev)
    }
    return ("needs-evidence", Sentence.asnDiffers(shipped: shipped, received: received), ev)
  }

  // MARK: Refunds

  mutating func assessReturns() throws(ReconcileError) {
    let pastAuthorized: Set<String> = [
      "authorized", "received", "disputed", "credit-issued", "settled", "written-off",
    ]
    // Credit notes and deductions by the return they name, built once.
    var notesByReturn: [String: [Int]] = [:]
    var notesByID: [String: Int] = [:]
    for (i, cn) in creditNotes.enumerated() {
      notesByID[cn.id] = i
      if let ref = cn.returnsReference {
        notesByReturn[Self.key(cn.marketplace, ref), default: []].append(i)
      }
      for id in cn.returnIds { notesByReturn["id:" + id, default: []].append(i) }
    }
    var deductionsByReturn: [String: [Int]] = [:]
    var deductionsByID: [String: Int] = [:]
    for (i, d) in deductionViews.enumerated() {
      deductionsByID[d.id] = i
      for id in d.returnIds { deductionsByReturn[id, default: []].append(i) }
    }
    for r in returnViews {
      var noteIndexes = Set(notesByReturn[Self.key(r.marketplace, r.returnId)] ?? [])
      noteIndexes.formUnion(notesByReturn["id:" + r.id] ?? [])
      noteIndexes.formUnion(r.creditNoteIds.compactMap { notesByID[$0] })
      let notes = noteIndexes.sorted().map { creditNotes[$0] }.filter {
        $0.marketplace == r.marketplace
      }
      var deductionIndexes = Set(deductionsByReturn[r.id] ?? [])
      deductionIndexes.formUnion(r.deductionIds.compactMap { deductionsByID[$0] })
      let deds = deductionIndexes.sorted().map { deductionViews[$0] }.filter {
        $0.marketplace == r.marketplace
      }
      for stale in r.creditNoteIds where notesByID[stale] == nil {
        finding(
          "match.stale", .warning, r.marketplace, r.noticeDate, [r.id, stale], nil,
          Sentence.staleReturnMatch(r.returnId, stale))
      }
      let approved = r.approvedRefund
      let due = r.noticeDate + rules.creditNoteDays
      let amazonApproved = r.status == "Approved" || r.status == "Closed"
      let needsCredit =
        (approved.map { !$0.isZero } ?? false)
        && (amazonApproved || pastAuthorized.contains(r.state ?? "")) && r.state != "rejected"
      var credited: Money?
      for cn in notes {
        let value = magnitude(cn.net)
        credited = credited.map { c in (try? add(c, value)) ?? c } ?? value
      }
      for d in deds {
        let value = magnitude(d.amount)
        credited = credited.map { c in (try? add(c, value)) ?? c } ?? value
      }
      var status: String
      if !needsCredit {
        status = "not-due"
      } else if let credited, let approved {
        status = "credited"
        if credited.currency == approved.currency,
          magnitude(try sub(credited, approved)).amount > rules.tolerance(approved.currency)
        {
          status = "different"
          finding(
            "return.credit-different", .warning, r.marketplace, r.noticeDate,
            [r.id] + notes.map(\.id) + deds.map(\.id), try sub(credited, approved),
            Sentence.creditDifferent(r.returnId, credited: credited, approved: approved))
        }
        let settled = notes.contains { cn in
          settledNumbers[cn.number] != nil
            || cn.debitNoteNumber.map { settledNumbers[$0] != nil } == true
        }
        if settled {
          status = "settled"
          if let state = r.state, state != "settled",
            let lifecycle = lifecycles?.applying(to: .return).first,
            lifecycle.isReachable(from: state, to: "settled")
          {
            proposals.append(
              Proposal(
                recordID: r.id, field: "workflow.state", from: state, to: "settled",
                reason: Sentence.settledReason(r.returnId, notes.map(\.number))))
          }
        }
      } else if asOf > due {
        status = "late"
        finding(
          "return.credit-late", .error, r.marketplace, r.noticeDate, [r.id], approved,
          Sentence.creditLate(r.returnId, days: asOf - due, approved: approved))
      } else {
        status = "waiting"
        finding(
          "return.credit-waiting", .info, r.marketplace, r.noticeDate, [r.id], approved,
          Sentence.creditWaiting(r.returnId, daysLeft: due - asOf))
      }
      returnsOut.append(
        ReturnAssessment(
          id: r.id, returnId: r.returnId, marketplace: r.marketplace, noticeDate: r.noticeDate,
          approvedRefund: approved, credited: credited, creditNoteIds: notes.map(\.id),
          deductionIds: deds.map(\.id), status: status, creditDueDate: due, state: r.state))
    }
  }

  mutating func result() -> ReconcileResult {
    ReconcileFinding.sort(&findings)
    return ReconcileResult(
      asOf: asOf, invoices: ledgersOut, purchaseOrders: ordersOut, deductions: deductionsOut,
      returns: returnsOut, findings: findings,
      proposals: proposals.sorted { $0.recordID < $1.recordID })
  }
}
