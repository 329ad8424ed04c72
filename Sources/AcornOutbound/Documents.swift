import AcornModel

/// The three documents a vendor sends Amazon, kept as `outbound` records (docs/outbound.md).
public enum OutboundType: String, Sendable, CaseIterable, Codable {
  case acknowledgement
  case shipmentConfirmation = "shipment-confirmation"
  case invoice

  /// The prefix of the document key: `ACK-<PO>`, `ASN-<shipment id>`, `INV-<invoice number>`.
  public var keyPrefix: String {
    switch self {
    case .acknowledgement: "ACK"
    case .shipmentConfirmation: "ASN"
    case .invoice: "INV"
    }
  }

  /// The SP-API operation that sends it, its path, and the request's list property.
  public var operation: (name: String, path: String, list: String) {
    switch self {
    case .acknowledgement:
      ("submitAcknowledgement", "/vendor/orders/v1/acknowledgements", "acknowledgements")
    case .shipmentConfirmation:
      (
        "SubmitShipmentConfirmations", "/vendor/shipping/v1/shipmentConfirmations",
        "shipmentConfirmations"
      )
    case .invoice: ("submitInvoices", "/vendor/payments/v1/invoices", "invoices")
    }
  }

  /// The X12 4010 transaction set that carries it.
  public var x12Set: String {
    switch self {
    case .acknowledgement: "855"
    case .shipmentConfirmation: "856"
    case .invoice: "810"
    }
  }

  public var title: String {
    switch self {
    case .acknowledgement: "purchase order acknowledgement"
    case .shipmentConfirmation: "shipment confirmation (ASN)"
    case .invoice: "invoice"
    }
  }

  public var titleZh: String {
    switch self {
    case .acknowledgement: "采购订单确认"
    case .shipmentConfirmation: "发货通知（ASN）"
    case .invoice: "发票"
    }
  }
}

/// Workflow states of an outbound document (`rules/lifecycles.yaml`, lifecycle `outbound`).
public enum OutboundState: String, Sendable, CaseIterable {
  case draft, approved, submitted, accepted, failed, cancelled

  /// A document in one of these states was handed to Amazon (or is on its way) and is never sent
  /// again.
  public var isSent: Bool { self == .submitted || self == .accepted || self == .failed }
}

/// Why a draft cannot be made or sent: a code and a sentence naming the line and the numbers.
public struct OutboundError: Error, Sendable, Equatable, CustomStringConvertible {
  public var code: String
  public var message: String

  public init(_ code: String, _ message: String) {
    self.code = code
    self.message = message
  }

  public var description: String { message }
}

/// A read-only view of an outbound record.
public struct OutboundView: Sendable, Hashable {
  public var id: String
  public var marketplace: String
  public var type: OutboundType
  public var key: String
  public var revision: Int
  public var created: String
  public var state: OutboundState
  public var purchaseOrderNumbers: [String]
  /// The business number: the PO (acknowledgement), shipment id (ASN) or invoice number.
  public var number: String
  public var transactionId: String?
  public var status: String?
  /// An attempt began (committed before the request) and its outcome is not known.
  public var inFlight: Bool

  public init?(_ record: Record) {
    let s = record.json["source"]
    let w = record.json["workflow"]
    guard record.kind == .outbound, let id = record.id,
      let m = record.json["marketplace"]?.stringValue,
      let type = s?["documentType"]?.stringValue.flatMap(OutboundType.init(rawValue:)),
      let key = s?["documentKey"]?.stringValue, let created = s?["createdDate"]?.stringValue
    else { return nil }
    self.id = id
    marketplace = m
    self.type = type
    self.key = key
    revision = s?["revision"]?.intValue ?? 1
    self.created = created
    state = w?["state"]?.stringValue.flatMap(OutboundState.init(rawValue:)) ?? .draft
    purchaseOrderNumbers = RecordViews.strings(s?["purchaseOrderNumbers"])
    switch type {
    case .acknowledgement: number = s?["purchaseOrderNumber"]?.stringValue ?? ""
    case .shipmentConfirmation: number = s?["shipmentIdentifier"]?.stringValue ?? ""
    case .invoice: number = s?["invoiceNumber"]?.stringValue ?? ""
    }
    let sub = w?["submission"]
    transactionId = sub?["transactionId"]?.stringValue
    status = sub?["status"]?.stringValue
    inFlight = sub?["attemptStartedAt"] != nil && transactionId == nil && state == .approved
  }

  /// `ACK-2JK3S9VC`, and `ACK-2JK3S9VC-R2` for the second revision.
  public static func key(_ type: OutboundType, number: String, revision: Int) -> String {
    "\(type.keyPrefix)-\(number)" + (revision > 1 ? "-R\(revision)" : "")
  }
}

/// A line of a document in eaches, with what it refers to on the purchase order.
struct POLineRef: Hashable {
  var po: String
  var line: String
}

enum Quantities {
  /// `{"amount": n, "unitOfMeasure": "Eaches", "unitSize": 1}`.
  static func eaches(_ n: Int) -> JSONValue {
    .object([
      "amount": .number(DecimalNumber(n)), "unitOfMeasure": .string("Eaches"),
      "unitSize": .number(DecimalNumber(1)),
    ])
  }

  static func int(_ n: Int) -> JSONValue { .number(DecimalNumber(n)) }
}
