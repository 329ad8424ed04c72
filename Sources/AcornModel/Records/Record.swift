/// A record: one JSON object a file, with `id`, `kind`, `marketplace`, `schemaVersion`, `source`
/// (what Amazon or an import says), `workflow` (what the team says), `provenance` and, after a
/// merge that could not decide, `conflicts`. The schema in `schemas/<kind>.schema.json` is the
/// full definition; this type gives typed access to the envelope and the canonical bytes.
public struct Record: Sendable, Hashable {
  public var json: JSONValue

  public static let schemaVersion = 1

  public init(json: JSONValue) { self.json = json }

  /// A new record with an empty workflow. The id derives from the kind, marketplace and key.
  public init(
    kind: RecordKind, marketplace: Marketplace, source: [String: JSONValue],
    workflow: [String: JSONValue] = [:], provenance: [String: JSONValue]
  ) throws(RecordError) {
    guard let key = source[kind.keyField]?.stringValue else {
      throw .missingKey(kind: kind, field: kind.keyField)
    }
    json = .object([
      "id": .string(Self.makeID(kind: kind, marketplace: marketplace, key: key)),
      "kind": .string(kind.rawValue),
      "marketplace": .string(marketplace.code),
      "schemaVersion": .number(DecimalNumber(Self.schemaVersion)),
      "source": .object(source),
      "workflow": .object(workflow),
      "provenance": .object(provenance),
    ])
  }

  /// `<PREFIX>-<MKT>-<key>`, e.g. `PO-US-2JK3S9VC`, `INV-DE-INV-2026-00142`.
  public static func makeID(kind: RecordKind, marketplace: Marketplace, key: String) -> String {
    "\(kind.idPrefix)-\(marketplace.code)-\(key)"
  }

  public var id: String? { json["id"]?.stringValue }
  public var kind: RecordKind? { json["kind"]?.stringValue.flatMap(RecordKind.init(rawValue:)) }
  public var marketplace: Marketplace? {
    json["marketplace"]?.stringValue.flatMap(Marketplace.init)
  }
  public var source: JSONValue? { json["source"] }
  public var workflow: JSONValue? { json["workflow"] }

  /// Amazon's key for the document (`source.<kind.keyField>`).
  public var key: String? {
    guard let kind else { return nil }
    return json["source"]?[kind.keyField]?.stringValue
  }

  /// The id this record's kind, marketplace and key imply.
  public var expectedID: String? {
    guard let kind, let marketplace, let key else { return nil }
    return Self.makeID(kind: kind, marketplace: marketplace, key: key)
  }

  /// Where the record belongs, from its id, kind, marketplace and date.
  public func expectedPath() throws(RecordError) -> RecordPath {
    guard let kindText = json["kind"]?.stringValue else { throw .missingField("kind") }
    guard let kind = RecordKind(rawValue: kindText) else { throw .unknownKind(kindText) }
    guard let code = json["marketplace"]?.stringValue else { throw .missingField("marketplace") }
    guard let marketplace = Marketplace(code), marketplace.code == code else {
      throw .unknownMarketplace(code)
    }
    guard let id else { throw .missingField("id") }
    let dateField = "source.\(kind.dateField)"
    guard let date = json["source"]?[kind.dateField]?.stringValue else {
      throw .missingField(dateField)
    }
    guard let month = RecordPath.month(ofDate: date) else { throw .invalidDate(dateField, date) }
    return RecordPath(marketplace: marketplace, kind: kind, month: month, id: id)
  }

  /// The file bytes: canonical JSON, with line arrays in their defined order.
  public var canonicalBytes: [UInt8] { CanonicalJSON.bytes(RecordOrder.normalized(json)) }
}

/// Why a record could not be built or placed.
public enum RecordError: Error, Sendable, Equatable, CustomStringConvertible {
  case missingField(String)
  case missingKey(kind: RecordKind, field: String)
  case unknownKind(String)
  case unknownMarketplace(String)
  case invalidDate(String, String)

  public var code: String {
    switch self {
    case .missingField, .missingKey: "record.missing-field"
    case .unknownKind: "record.kind"
    case .unknownMarketplace: "record.marketplace"
    case .invalidDate: "record.date"
    }
  }

  public var description: String {
    switch self {
    case .missingField(let f): "field \(f) is missing"
    case .missingKey(let kind, let f): "\(kind.withArticle) needs source.\(f)"
    case .unknownKind(let k):
      "unknown kind \"\(k)\" (expected one of \(RecordKind.allCases.map(\.rawValue).joined(separator: ", ")))"
    case .unknownMarketplace(let m):
      "unknown marketplace \"\(m)\" (expected one of \(Marketplace.all.map(\.code).joined(separator: " ")))"
    case .invalidDate(let f, let v): "\(f) \"\(v)\" is not an ISO 8601 date"
    }
  }
}

/// The defined order of arrays in records: lines by sequence number (numerically when both are
/// numbers), remittance and return lines by line number, sets sorted, notes and evidence by time.
public enum RecordOrder {
  static let lineKeys = ["itemSequenceNumber", "lineNumber"]
  static let setFields: Set<String> = [
    "purchaseOrderNumbers", "vendorCodes", "payeeCodes", "creditNoteIds", "deductionIds",
    "returnIds", "disputeCaseIds", "shortageInvoiceIds", "shipmentIds", "agreementIds",
    "uniquePaymentIds",
  ]
  static let logFields: Set<String> = ["notes", "evidence"]

  public static func normalized(_ value: JSONValue) -> JSONValue {
    guard case .object(var members) = value else { return value }
    for part in ["source", "workflow"] {
      if let inner = members[part] { members[part] = normalizeObject(inner) }
    }
    return .object(members)
  }

  static func normalizeObject(_ value: JSONValue) -> JSONValue {
    switch value {
    case .object(let members):
      var out: [String: JSONValue] = [:]
      for (key, child) in members {
        var child = normalizeObject(child)
        if case .array(let items) = child {
          if key == "lines" {
            child = .array(items.sorted(by: lineOrder))
          } else if key == "cartons" {
            child = .array(
              items.sorted {
                ($0["cartonIdentifier"]?.stringValue ?? "")
                  < ($1["cartonIdentifier"]?.stringValue ?? "")
              })
          } else if setFields.contains(key) {
            let strings = items.compactMap(\.stringValue)
            if strings.count == items.count {
              child = .array(strings.sorted(by: CanonicalJSON.keyPrecedes).map(JSONValue.string))
            }
          } else if logFields.contains(key) {
            child = .array(items.sorted(by: logOrder))
          }
        }
        out[key] = child
      }
      return .object(out)
    case .array(let items):
      return .array(items.map(normalizeObject))
    default:
      return value
    }
  }

  /// Lines by sequence or line number: numeric when both are whole numbers, else by text.
  public static func lineOrder(_ a: JSONValue, _ b: JSONValue) -> Bool {
    func key(_ v: JSONValue) -> (Int?, String) {
      for k in lineKeys {
        if let n = v[k]?.intValue { return (n, String(n)) }
        if let s = v[k]?.stringValue { return (Int(s), s) }
      }
      return (nil, CanonicalJSON.compact(v, limit: 10_000))
    }
    let (na, sa) = key(a)
    let (nb, sb) = key(b)
    if let na, let nb, na != nb { return na < nb }
    if sa != sb { return CanonicalJSON.keyPrecedes(sa, sb) }
    return CanonicalJSON.keyPrecedes(
      CanonicalJSON.compact(a, limit: 10_000), CanonicalJSON.compact(b, limit: 10_000))
  }

  /// Notes and evidence: by time, then author, then the whole entry.
  public static func logOrder(_ a: JSONValue, _ b: JSONValue) -> Bool {
    let ka = (a["at"]?.stringValue ?? "", a["author"]?.stringValue ?? "")
    let kb = (b["at"]?.stringValue ?? "", b["author"]?.stringValue ?? "")
    if ka != kb { return ka < kb }
    return CanonicalJSON.keyPrecedes(
      CanonicalJSON.compact(a, limit: 10_000), CanonicalJSON.compact(b, limit: 10_000))
  }
}
