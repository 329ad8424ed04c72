import AcornModel

/// What the reconciler concludes, as values. Every amount is exact (`Money`); every list is in a
/// defined order, so the same records always give the same result and the same bytes.
public struct ReconcileResult: Sendable, Hashable {
  public var asOf: Int
  public var invoices: [InvoiceLedger]
  public var purchaseOrders: [PurchaseOrderMatch]
  public var deductions: [DeductionAssessment]
  public var returns: [ReturnAssessment]
  public var findings: [ReconcileFinding]
  /// Lifecycle moves the evidence supports (`acorn reconcile --apply` makes them).
  public var proposals: [Proposal]
}

/// One invoice's ledger: invoiced − terms discount − Σ deductions + Σ reversals − Σ paid = open,
/// where paid is the net cash of every remittance line linked to the invoice (its own payment
/// lines and the deduction and reversal lines taken against it, on whichever payment).
public struct InvoiceLedger: Sendable, Hashable {
  public struct Entry: Sendable, Hashable {
    /// `payment`, or the deduction type (`shortage-claim`, `shortage-claim-reversal`, …).
    public var type: String
    public var reference: String
    public var amount: Money
    public var paymentId: String
    public var date: Int
  }

  public var id: String
  public var invoiceNumber: String
  public var marketplace: String
  public var currency: CurrencyCode
  public var invoiceDate: Int
  public var dueDate: Int?
  public var invoiced: Money
  public var discount: Money
  public var payments: [Entry]
  /// Deductions (negative) and reversals (positive) taken against the invoice.
  public var deductions: [Entry]
  public var paid: Money
  public var open: Money
  /// `paid`, `paid-with-deductions`, `partially-paid`, `unpaid`, `overpaid`.
  public var status: String
  public var daysPastDue: Int?
  /// A difference within the tolerance, reported rather than hidden.
  public var rounding: Money?
}

public struct PurchaseOrderMatch: Sendable, Hashable {
  public struct Line: Sendable, Hashable {
    public var sequence: String
    public var asin: String?
    public var ordered: Int
    public var accepted: Int?
    public var shipped: Int?
    public var received: Int?
    public var invoiced: Int?
    public var poCost: Money?
    public var acknowledgedCost: Money?
    public var invoicedCost: Money?
    /// Invoiced − received, when Amazon has reported receipts and it is positive.
    public var expectedShortage: Int?
    public var expectedShortageAmount: Money?
  }

  public var id: String
  public var purchaseOrderNumber: String
  public var marketplace: String
  public var date: Int
  public var lines: [Line]
  public var invoiceNumbers: [String]
  public var shipmentIds: [String]
}

public struct DeductionAssessment: Sendable, Hashable {
  public var id: String
  public var number: String
  public var marketplace: String
  public var type: String
  public var date: Int
  public var amount: Money
  public var invoiceNumber: String?
  public var purchaseOrderNumbers: [String]
  public var paymentId: String?
  /// `disputable`, `valid`, `needs-evidence`; `reversal` for a reversal (netted against its
  /// original), `provision` for a provision.
  public var verdict: String
  public var reason: String
  public var reasonZh: String
  /// The claim net of its reversals and revisions (on the original claim).
  public var net: Money?
  public var evidence: Evidence?
  public var state: String?

  public struct Evidence: Sendable, Hashable {
    public var shipped: Int?
    public var received: Int?
    public var invoiced: Int?
    public var invoicedCost: Money?
    public var purchaseOrderCost: Money?
    public var carrier: String?
    public var tracking: String?
    public var shipmentIds: [String]
  }
}

public struct ReturnAssessment: Sendable, Hashable {
  public var id: String
  public var returnId: String
  public var marketplace: String
  public var noticeDate: Int
  public var approvedRefund: Money?
  public var credited: Money?
  public var creditNoteIds: [String]
  public var deductionIds: [String]
  /// `not-due` (not past authorized), `waiting`, `late`, `credited`, `different`, `settled`.
  public var status: String
  public var creditDueDate: Int
  public var state: String?
}

public struct Proposal: Sendable, Hashable {
  public var recordID: String
  public var field: String
  public var from: String
  public var to: String
  public var reason: String
}

/// A finding: a stable code, a severity, the records and amounts involved, and a sentence in
/// English and Simplified Chinese.
public struct ReconcileFinding: Sendable, Hashable, Comparable {
  public enum Severity: String, Sendable, Comparable {
    case error, warning, info

    var rank: Int {
      switch self {
      case .error: 0
      case .warning: 1
      case .info: 2
      }
    }

    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
  }

  public var code: String
  public var severity: Severity
  public var marketplace: String
  /// The month (`YYYY-MM`) of the document the finding is about: the file it is written to.
  public var month: String
  public var records: [String]
  public var amount: Money?
  public var en: String
  public var zh: String

  public static func < (a: ReconcileFinding, b: ReconcileFinding) -> Bool {
    (a.marketplace, a.month, a.code, a.records.joined(separator: ","), a.en)
      < (b.marketplace, b.month, b.code, b.records.joined(separator: ","), b.en)
  }

  /// `findings.sorted()`, each finding's key made once rather than in every comparison (a ledger
  /// of a hundred thousand invoices has tens of thousands of findings).
  static func sorted(_ findings: [ReconcileFinding]) -> [ReconcileFinding] {
    var out = findings
    sort(&out)
    return out
  }

  /// Sorts `findings` in place as `sorted()` orders them. When every key is ASCII without NUL —
  /// as the reconciler's are — the keys are the fields' bytes joined by NUL (`ByteKeys`), which
  /// orders them exactly as the tuple of strings does; the findings are read in place and moved,
  /// never copied (each copy retained nine strings).
  static func sort(_ findings: inout [ReconcileFinding]) {
    guard findings.count > 1 else { return }
    var keys = ByteKeys(capacity: findings.count, bytesPerKey: 160)
    let ascii = findings.withUnsafeBufferPointer { all -> Bool in
      for k in all.indices {
        keys.append(all[k].marketplace)
        keys.append(0)
        keys.append(all[k].month)
        keys.append(0)
        keys.append(all[k].code)
        keys.append(0)
        for (n, r) in all[k].records.enumerated() {
          if n > 0 { keys.append(UInt8(ascii: ",")) }
          keys.append(r)
        }
        keys.append(0)
        keys.append(all[k].en)
        // Four separators, and no other NUL or byte beyond ASCII.
        var zeros = 0
        for b in keys.current {
          if b == 0 { zeros += 1 } else if b >= 0x80 { return false }
        }
        guard zeros == 4 else { return false }
        keys.end()
      }
      return true
    }
    let order: [Int]
    if ascii {
      order = keys.sortedIndices()
    } else {
      let joined = findings.map { $0.records.joined(separator: ",") }
      order = findings.indices.sorted { i, j in
        let (a, b) = (findings[i], findings[j])
        return (a.marketplace, a.month, a.code, joined[i], a.en)
          < (b.marketplace, b.month, b.code, joined[j], b.en)
      }
    }
    findings.permute(by: order)
  }
}

/// The settings of `rules/reconcile.yaml`.
public struct ReconcileRules: Sendable, Hashable {
  /// Differences up to this much (per currency) are rounding, reported as such.
  public var tolerance: [String: DecimalNumber]
  /// Days after the return notice by which its credit note is due (DOMAIN.md §7; 30 by default).
  public var creditNoteDays: Int

  public init(tolerance: [String: DecimalNumber] = [:], creditNoteDays: Int = 30) {
    self.tolerance = tolerance
    self.creditNoteDays = creditNoteDays
  }

  /// The tolerance for a currency: configured, else `default`, else one minor unit.
  public func tolerance(_ currency: CurrencyCode) -> DecimalNumber {
    tolerance[currency.code] ?? tolerance["default"]
      ?? DecimalNumber(units: 1, scale: currency.minorUnits)
  }
}
