/// Views built from something other than a record's JSON — the index's columns, say — so a
/// reader that never parses the files (the index-driven ledger) feeds the same pure code.
extension InvoiceView {
  public init(
    id: String, marketplace: String, number: String, date: Int, dueDate: Int?, total: Money,
    status: String? = nil, netDays: Int? = nil, purchaseOrderNumbers: [String] = []
  ) {
    self.id = id
    self.marketplace = marketplace
    self.number = number
    self.date = date
    self.dueDate = dueDate
    self.total = total
    self.status = status
    discountPercent = nil
    discountDays = nil
    self.netDays = netDays
    self.purchaseOrderNumbers = purchaseOrderNumbers
    lines = []
  }
}

extension RemittanceView.Line {
  public init(
    line number: Int, invoiceNumber: String, classification: String, base: String?,
    amountPaid: Money, invoiceAmount: Money?, discount: Money?
  ) {
    self.number = number
    self.invoiceNumber = invoiceNumber
    self.classification = classification
    self.base = base
    self.amountPaid = amountPaid
    self.invoiceAmount = invoiceAmount
    self.discount = discount
  }
}

extension RemittanceView {
  public init(
    id: String, marketplace: String, paymentId: String, paymentNumber: String?, date: Int,
    amount: Money, exchangeRate: DecimalNumber?, lines: [Line], lineMatches: [Int: String]
  ) {
    self.id = id
    self.marketplace = marketplace
    self.paymentId = paymentId
    self.paymentNumber = paymentNumber
    self.date = date
    self.amount = amount
    self.exchangeRate = exchangeRate
    self.lines = lines
    self.lineMatches = lineMatches
  }
}

extension CreditNoteView {
  public init(
    id: String, marketplace: String, number: String, debitNoteNumber: String?, total: Money
  ) {
    self.id = id
    self.marketplace = marketplace
    self.number = number
    noteType = nil
    issueDate = nil
    self.total = total
    net = total
    self.debitNoteNumber = debitNoteNumber
    returnsReference = nil
    referenceInvoiceNumber = nil
    returnIds = []
  }
}
