/// The kinds of record a workspace holds (DESIGN.md §2, docs/record-format.md).
public enum RecordKind: String, CaseIterable, Sendable, Codable, Comparable {
  case purchaseOrder = "purchase-order"
  case shipment
  case invoice
  case remittance
  case `return`
  case creditNote = "credit-note"
  case deduction
  /// A document the vendor sends Amazon (acknowledgement, ASN, invoice): drafted, approved, submitted.
  case outbound

  /// The prefix of record ids of this kind (`PO-US-2JK3S9VC`).
  public var idPrefix: String {
    switch self {
    case .purchaseOrder: "PO"
    case .shipment: "ASN"
    case .invoice: "INV"
    case .remittance: "PAY"
    case .return: "RET"
    case .creditNote: "CN"
    case .deduction: "DED"
    case .outbound: "OUT"
    }
  }

  /// The `source` field holding Amazon's key for the document, from which the id derives.
  public var keyField: String {
    switch self {
    case .purchaseOrder: "purchaseOrderNumber"
    case .shipment: "shipmentIdentifier"
    case .invoice: "invoiceNumber"
    case .remittance: "uniquePaymentId"
    case .return: "returnId"
    case .creditNote: "creditNoteNumber"
    case .deduction: "deductionNumber"
    case .outbound: "documentKey"
    }
  }

  /// The `source` date that places the record in its `YYYY-MM` shard.
  public var dateField: String {
    switch self {
    case .purchaseOrder: "purchaseOrderDate"
    case .shipment: "shipmentDate"
    case .invoice: "invoiceDate"
    case .remittance: "paymentDate"
    case .return: "noticeDate"
    case .creditNote: "issueDate"
    case .deduction: "deductionDate"
    case .outbound: "createdDate"
    }
  }

  public var schemaFileName: String { "\(rawValue).schema.json" }

  public static func < (a: RecordKind, b: RecordKind) -> Bool {
    (allCases.firstIndex(of: a) ?? 0) < (allCases.firstIndex(of: b) ?? 0)
  }
}

extension RecordKind {
  /// The kind with its article, for sentences: "an invoice", "a return".
  public var withArticle: String {
    (rawValue.first.map { "aeiou".contains($0) } ?? false ? "an " : "a ") + rawValue
  }
}
