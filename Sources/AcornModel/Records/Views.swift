/// Typed, read-only views of the records reconciliation reads: the field names of each kind in
/// one place (the schemas in `schemas/` are the full definition). A view is built from a
/// record's JSON and never changes it; a record that lacks what a view needs gives nil.
public enum RecordViews {
  public static func money(_ v: JSONValue?) -> Money? {
    guard let text = v?["amount"]?.stringValue ?? v?["amount"]?.decimalValue?.formatted(),
      let code = v?["currency"]?.stringValue, let currency = CurrencyCode(code),
      let amount = try? DecimalNumber(parsing: text)
    else { return nil }
    return Money(amount, currency)
  }

  public static func day(_ v: JSONValue?) -> Int? {
    v?.stringValue.flatMap { CivilDate.day(String($0.prefix(10))) }
  }

  public static func strings(_ v: JSONValue?) -> [String] {
    (v?.arrayValue ?? []).compactMap(\.stringValue)
  }
}

public struct InvoiceView: Sendable, Hashable {
  public struct Line: Sendable, Hashable {
    public var sequence: String
    public var purchaseOrderNumber: String?
    public var asin: String?
    public var sku: String?
    public var eaches: Int
    public var netCost: Money?
  }

  public var id: String
  public var marketplace: String
  public var number: String
  public var date: Int
  /// Amazon's due date, when it gives one.
  public var dueDate: Int?
  public var total: Money
  public var status: String?
  public var discountPercent: DecimalNumber?
  public var discountDays: Int?
  public var netDays: Int?
  public var purchaseOrderNumbers: [String]
  public var lines: [Line]

  public init?(_ record: Record) {
    let s = record.json["source"]
    guard record.kind == .invoice, let id = record.id,
      let m = record.json["marketplace"]?.stringValue,
      let number = s?["invoiceNumber"]?.stringValue, let date = RecordViews.day(s?["invoiceDate"]),
      let total = RecordViews.money(s?["totalAmount"])
    else { return nil }
    self.id = id
    marketplace = m
    self.number = number
    self.date = date
    dueDate = RecordViews.day(s?["dueDate"])
    self.total = total
    status = s?["invoiceStatus"]?.stringValue
    let terms = s?["paymentTerms"]
    discountPercent = terms?["discountPercent"]?.stringValue.flatMap {
      try? DecimalNumber(parsing: $0)
    }
    discountDays = terms?["discountDueDays"]?.intValue
    netDays = terms?["netDueDays"]?.intValue
    purchaseOrderNumbers = RecordViews.strings(s?["purchaseOrderNumbers"])
    lines = (s?["lines"]?.arrayValue ?? []).enumerated().map { i, l in
      Line(
        sequence: l["itemSequenceNumber"]?.stringValue ?? String(i + 1),
        purchaseOrderNumber: l["purchaseOrderNumber"]?.stringValue,
        asin: l["amazonProductIdentifier"]?.stringValue,
        sku: l["vendorProductIdentifier"]?.stringValue,
        eaches: l["invoicedEaches"]?.intValue
          ?? ((l["invoicedQuantity"]?["amount"]?.intValue ?? 0)
            * (l["invoicedQuantity"]?["unitSize"]?.intValue ?? 1)),
        netCost: RecordViews.money(l["netCost"]))
    }
  }

  /// When payment is due: Amazon's due date, else the invoice date plus the net days of the
  /// terms (the terms' basis is the invoice date, vendorInvoices.json), else none.
  public var due: Int? { dueDate ?? netDays.map { date + $0 } }
}

public struct RemittanceView: Sendable, Hashable {
  public struct Line: Sendable, Hashable {
    public var number: Int
    public var invoiceNumber: String
    public var classification: String
    public var base: String?
    public var amountPaid: Money
    public var invoiceAmount: Money?
    public var discount: Money?
    /// Tax withheld from the line, when the remittance says.
    public var withholding: Money? = nil
  }

  public var id: String
  public var marketplace: String
  public var paymentId: String
  public var paymentNumber: String?
  public var date: Int
  public var amount: Money
  /// Invoice-currency units per payment-currency unit, when the remittance gives one.
  public var exchangeRate: DecimalNumber?
  /// The payment in the invoices' currency, when Amazon converted it.
  public var amountInInvoiceCurrency: Money? = nil
  /// `SUCCESSFUL`, `IN_PROGRESS`, `FAILED` (absent: taken as successful).
  public var status: String? = nil
  /// Whether the money arrived: not failed and not still in progress.
  public var isSettled: Bool { status != "FAILED" && status != "IN_PROGRESS" }
  public var lines: [Line]
  /// People's decisions (`acorn match`): line number → invoice id.
  public var lineMatches: [Int: String]

  public init?(_ record: Record) {
    let s = record.json["source"]
    guard record.kind == .remittance, let id = record.id,
      let m = record.json["marketplace"]?.stringValue,
      let paymentId = s?["uniquePaymentId"]?.stringValue,
      let date = RecordViews.day(s?["paymentDate"]),
      let amount = RecordViews.money(s?["paymentAmount"])
    else { return nil }
    self.id = id
    marketplace = m
    self.paymentId = paymentId
    paymentNumber = s?["paymentNumber"]?.stringValue
    self.date = date
    self.amount = amount
    exchangeRate = s?["exchangeRate"]?.stringValue.flatMap { try? DecimalNumber(parsing: $0) }
    amountInInvoiceCurrency = RecordViews.money(s?["paymentAmountInInvoiceCurrency"])
    status = s?["remittanceStatus"]?.stringValue
    lines = (s?["lines"]?.arrayValue ?? []).enumerated().compactMap { i, l in
      guard let number = l["invoiceNumber"]?.stringValue,
        let paid = RecordViews.money(l["amountPaid"])
      else { return nil }
      return Line(
        number: l["lineNumber"]?.intValue ?? i + 1, invoiceNumber: number,
        classification: l["classification"]?.stringValue ?? "other",
        base: l["baseInvoiceNumber"]?.stringValue, amountPaid: paid,
        invoiceAmount: RecordViews.money(l["invoiceAmount"]),
        discount: RecordViews.money(l["discountTaken"]),
        withholding: RecordViews.money(l["withholdingAmount"]))
    }
    var matches: [Int: String] = [:]
    for m in record.json["workflow"]?["lineMatches"]?.arrayValue ?? [] {
      if let n = m["lineNumber"]?.intValue, let inv = m["invoiceId"]?.stringValue {
        matches[n] = inv
      }
    }
    lineMatches = matches
  }
}

public struct DeductionView: Sendable, Hashable {
  public var id: String
  public var marketplace: String
  public var number: String
  public var type: String
  public var date: Int
  public var amount: Money
  public var base: String?
  public var paymentId: String?
  public var chargebackType: String?
  public var description: String?
  public var purchaseOrderNumbers: [String]
  public var state: String?
  /// The day Amazon decided the dispute (`workflow.decision.decidedOn`).
  public var decidedOn: Int?
  public var disputeAttempts: Int
  /// People's decisions (`acorn match`): the invoices and returns it belongs to.
  public var invoiceIds: [String]
  public var returnIds: [String]

  public init?(_ record: Record) {
    let s = record.json["source"]
    guard record.kind == .deduction, let id = record.id,
      let m = record.json["marketplace"]?.stringValue,
      let number = s?["deductionNumber"]?.stringValue, let type = s?["deductionType"]?.stringValue,
      let date = RecordViews.day(s?["deductionDate"]), let amount = RecordViews.money(s?["amount"])
    else { return nil }
    self.id = id
    marketplace = m
    self.number = number
    self.type = type
    self.date = date
    self.amount = amount
    base = s?["baseInvoiceNumber"]?.stringValue
    paymentId = s?["uniquePaymentId"]?.stringValue
    chargebackType = s?["chargebackType"]?.stringValue
    description = s?["description"]?.stringValue
    purchaseOrderNumbers = RecordViews.strings(s?["purchaseOrderNumbers"])
    let w = record.json["workflow"]
    state = w?["state"]?.stringValue
    decidedOn = RecordViews.day(w?["decision"]?["decidedOn"])
    disputeAttempts = w?["disputeAttempts"]?.intValue ?? 0
    invoiceIds = RecordViews.strings(w?["invoiceIds"])
    returnIds = RecordViews.strings(w?["returnIds"])
  }
}

public struct PurchaseOrderView: Sendable, Hashable {
  public struct Line: Sendable, Hashable {
    public var sequence: String
    public var asin: String?
    public var sku: String?
    public var ordered: Int
    public var accepted: Int?
    public var shipped: Int?
    public var received: Int?
    public var invoiced: Int?
    public var netCost: Money?
    public var acknowledgedCost: Money?
  }

  public var id: String
  public var marketplace: String
  public var number: String
  public var date: Int
  public var lines: [Line]

  public init?(_ record: Record) {
    let s = record.json["source"]
    guard record.kind == .purchaseOrder, let id = record.id,
      let m = record.json["marketplace"]?.stringValue,
      let number = s?["purchaseOrderNumber"]?.stringValue,
      let date = RecordViews.day(s?["purchaseOrderDate"])
    else { return nil }
    self.id = id
    marketplace = m
    self.number = number
    self.date = date
    lines = (s?["lines"]?.arrayValue ?? []).enumerated().map { i, l in
      let q = l["quantities"]
      let ordered =
        q?["ordered"]?.intValue
        ?? ((l["orderedQuantity"]?["amount"]?.intValue ?? 0)
          * (l["orderedQuantity"]?["unitSize"]?.intValue ?? 1))
      return Line(
        sequence: l["itemSequenceNumber"]?.stringValue ?? String(i + 1),
        asin: l["amazonProductIdentifier"]?.stringValue,
        sku: l["vendorProductIdentifier"]?.stringValue,
        ordered: ordered, accepted: q?["accepted"]?.intValue, shipped: q?["shipped"]?.intValue,
        received: q?["received"]?.intValue, invoiced: q?["invoiced"]?.intValue,
        netCost: RecordViews.money(l["netCost"]),
        acknowledgedCost: RecordViews.money(l["acknowledgedNetCost"]))
    }
  }
}

public struct ShipmentView: Sendable, Hashable {
  public struct Line: Sendable, Hashable {
    public var purchaseOrderNumber: String?
    public var sequence: String?
    public var asin: String?
    public var sku: String?
    public var eaches: Int
  }

  public var id: String
  public var marketplace: String
  public var identifier: String
  public var date: Int?
  public var status: String?
  public var carrier: String?
  public var tracking: String?
  public var purchaseOrderNumbers: [String]
  public var lines: [Line]

  public init?(_ record: Record) {
    let s = record.json["source"]
    guard record.kind == .shipment, let id = record.id,
      let m = record.json["marketplace"]?.stringValue,
      let identifier = s?["shipmentIdentifier"]?.stringValue
    else { return nil }
    self.id = id
    marketplace = m
    self.identifier = identifier
    date = RecordViews.day(s?["shipmentDate"])
    status = s?["shipmentStatus"]?.stringValue
    let t = s?["transportation"]
    carrier = t?["carrierScac"]?.stringValue
    tracking =
      t?["carrierShipmentReferenceNumber"]?.stringValue ?? t?["billOfLadingNumber"]?.stringValue
    purchaseOrderNumbers = RecordViews.strings(s?["purchaseOrderNumbers"])
    lines = (s?["lines"]?.arrayValue ?? []).map { l in
      Line(
        purchaseOrderNumber: l["purchaseOrderNumber"]?.stringValue,
        sequence: l["itemSequenceNumber"]?.stringValue,
        asin: l["amazonProductIdentifier"]?.stringValue,
        sku: l["vendorProductIdentifier"]?.stringValue,
        eaches: l["shippedEaches"]?.intValue
          ?? ((l["shippedQuantity"]?["amount"]?.intValue ?? 0)
            * (l["shippedQuantity"]?["unitSize"]?.intValue ?? 1)))
    }
  }
}

public struct ReturnView: Sendable, Hashable {
  public struct Line: Sendable, Hashable {
    public var asin: String?
    /// Units approved, else requested.
    public var units: Int
  }

  public var id: String
  public var marketplace: String
  public var returnId: String
  public var noticeDate: Int
  public var status: String?
  public var approvedRefund: Money?
  public var requestedRefund: Money?
  public var state: String?
  public var creditNoteIds: [String]
  public var deductionIds: [String]
  public var lines: [Line]

  public init?(_ record: Record) {
    let s = record.json["source"]
    guard record.kind == .return, let id = record.id,
      let m = record.json["marketplace"]?.stringValue,
      let returnId = s?["returnId"]?.stringValue, let notice = RecordViews.day(s?["noticeDate"])
    else { return nil }
    self.id = id
    marketplace = m
    self.returnId = returnId
    noticeDate = notice
    status = s?["status"]?.stringValue
    approvedRefund = RecordViews.money(s?["totalApprovedRefund"])
    requestedRefund = RecordViews.money(s?["totalRequestedRefund"])
    let w = record.json["workflow"]
    state = w?["state"]?.stringValue
    creditNoteIds = RecordViews.strings(w?["creditNoteIds"])
    deductionIds = RecordViews.strings(w?["deductionIds"])
    lines = (s?["lines"]?.arrayValue ?? []).map { l in
      Line(
        asin: l["amazonProductIdentifier"]?.stringValue,
        units: l["approvedQuantity"]?.intValue ?? l["requestedQuantity"]?.intValue ?? 0)
    }
  }
}

public struct CreditNoteView: Sendable, Hashable {
  public var id: String
  public var marketplace: String
  public var number: String
  public var noteType: String?
  public var issueDate: Int?
  public var total: Money
  /// The total without tax, when the note gives its tax (a refund is approved before tax).
  public var net: Money
  public var debitNoteNumber: String?
  public var returnsReference: String?
  public var referenceInvoiceNumber: String?
  public var returnIds: [String]

  public init?(_ record: Record) {
    let s = record.json["source"]
    guard record.kind == .creditNote, let id = record.id,
      let m = record.json["marketplace"]?.stringValue,
      let number = s?["creditNoteNumber"]?.stringValue,
      let total = RecordViews.money(s?["totalAmount"])
    else { return nil }
    self.id = id
    marketplace = m
    self.number = number
    noteType = s?["noteType"]?.stringValue
    issueDate = RecordViews.day(s?["issueDate"])
    self.total = total
    if let tax = RecordViews.money(s?["taxTotal"]), tax.currency == total.currency,
      let n = try? total - tax
    {
      net = n
    } else {
      net = total
    }
    debitNoteNumber = s?["debitNoteNumber"]?.stringValue
    returnsReference = s?["returnsReferenceNumber"]?.stringValue
    referenceInvoiceNumber = s?["referenceInvoiceNumber"]?.stringValue
    returnIds = RecordViews.strings(record.json["workflow"]?["returnIds"])
  }
}
