import AcornModel
import AcornSPAPI
import Foundation

/// `acorn sandbox serve`: the sandbox vendor's documents at the SP-API paths and the LWA token
/// path, enforcing Amazon's rules (7-day order windows, 90-day finance windows, known marketplace
/// ids, token expiry) and rate limits (token buckets, 429 with `x-amzn-RateLimit-Limit`), with
/// injectable faults. A sync against it yields the same records as `--source sandbox` for the kinds
/// the SP-API carries (orders, shipments, invoices, remittances and their deductions).
public final class SandboxServer: @unchecked Sendable {
  /// `429=0.2,500=0.1,503=0.05,slow=0.05,truncate=0.05,empty-page=0.1,repeat-page=0.1,expire-token=1`:
  /// the probability of each fault per API request (expire-token: per issued token).
  public struct Faults: Sendable {
    public var rates: [String: Double] = [:]

    public init() {}

    public static let kinds: Set<String> = [
      "429", "500", "503", "slow", "truncate", "empty-page", "repeat-page", "expire-token",
      "lost", "accept-500", "accept-slow", "lag",
    ]

    public init(_ spec: String) throws(SPAPIError) {
      for part in spec.split(separator: ",") {
        let kv = part.split(separator: "=", maxSplits: 1).map(String.init)
        guard Faults.kinds.contains(kv[0]), let rate = kv.count == 2 ? Double(kv[1]) : 1,
          (0...1).contains(rate)
        else {
          throw .malformed(
            operation: "--faults",
            detail:
              "\(part): expected KIND=PROBABILITY with KIND one of \(Faults.kinds.sorted().joined(separator: ", "))"
          )
        }
        rates[kv[0]] = rate
      }
    }
  }

  let records: [Record]
  let faults: Faults
  let rate: Double
  let burst: Double
  let tokenLifetime: Int
  let pageSize: Int
  let lock = NSLock()
  var buckets: [String: (tokens: Double, updated: Double)] = [:]
  var tokens: [String: (expires: Double, expireOnce: Bool)] = [:]
  var counter: UInt64 = 0
  /// Documents vendors sent (SandboxOutbound.swift).
  var outbound = SandboxOutboundState()
  /// A token refreshed after an expiry is good: the fault models early expiry, not a broken LWA.
  var justExpired = false
  var seed: UInt64
  public private(set) var served = 0
  public private(set) var throttled = 0
  /// Per operation: requests answered, 429s, first and last time (for the benchmark).
  var opStats: [String: (count: Int, throttled: Int, first: Double, last: Double)] = [:]
  var opTimes: [String: [Double]] = [:]

  public init(
    vendor: SandboxVendor, marketplaces: [Marketplace], start: Int, asOf: Int,
    faults: Faults = Faults(),
    rate: Double = 10, burst: Double = 10, tokenLifetime: Int = 3600, pageSize: Int = 10
  ) {
    records = marketplaces.flatMap { vendor.records(marketplace: $0, start: start, asOf: asOf) }
    self.faults = faults
    self.rate = rate
    self.burst = burst
    self.tokenLifetime = tokenLifetime
    self.pageSize = pageSize
    self.seed = vendor.seed
  }

  func chance(_ kind: String) -> Bool {
    guard let p = faults.rates[kind], p > 0 else { return false }
    counter &+= 1
    var rng = Rng(seed, kind, Int(truncatingIfNeeded: counter))
    return rng.chance(p)
  }

  static func error(
    _ status: Int, _ code: String, _ message: String, details: String? = nil,
    headers: [String: String] = [:]
  ) -> HTTPResponse {
    var error: [String: JSONValue] = ["code": .string(code), "message": .string(message)]
    if let details { error["details"] = .string(details) }
    let body = CanonicalJSON.bytes(.object(["errors": .array([.object(error)])]))
    return HTTPResponse(
      status: status,
      headers: headers.merging(["x-amzn-requestid": UUID().uuidString]) { a, _ in a }, body: body)
  }

  static func ok(_ value: JSONValue, rate: Double) -> HTTPResponse {
    HTTPResponse(
      status: 200,
      headers: ["x-amzn-requestid": UUID().uuidString, "x-amzn-ratelimit-limit": String(rate)],
      body: CanonicalJSON.bytes(value))
  }

  public func handle(_ request: HTTPRequest) -> HTTPResponse {
    lock.lock()
    var delay = 0.0
    let response = handleLocked(request, delay: &delay)
    lock.unlock()
    // A late answer (the accept-slow fault) waits outside the lock: other requests go on.
    if delay > 0 { usleep(useconds_t(delay * 1_000_000)) }
    return response
  }

  func handleLocked(_ request: HTTPRequest, delay: inout Double) -> HTTPResponse {
    served += 1
    let (path, query) = Self.split(request.url)
    if request.method == "POST" && path == "/auth/o2/token" { return token(request) }
    if path == "/sandbox/stats" { return Self.ok(statsJSON(), rate: rate) }
    let postOperation = Self.postOperations[path]
    guard request.method == "GET" || (request.method == "POST" && postOperation != nil) else {
      return Self.error(
        400, "InvalidInput",
        "\(request.method) \(path): only GET, and POST to the vendor document paths, are served")
    }
    guard let token = request.headers["x-amz-access-token"], let issued = tokens[token] else {
      return Self.error(403, "Unauthorized", "Access to requested resource is denied.")
    }
    if issued.expireOnce || issued.expires < Date().timeIntervalSince1970 {
      tokens[token]?.expireOnce = false
      if issued.expireOnce { tokens[token]?.expires = 0 }
      justExpired = true
      return Self.error(403, "Unauthorized", "The access token you provided has expired.")
    }
    let operation = postOperation ?? Self.operation(path)
    // Rate limit: a bucket per operation.
    let now = Date().timeIntervalSince1970
    var st = opStats[operation] ?? (0, 0, now, now)
    st.count += 1
    st.last = now
    opStats[operation] = st
    opTimes[operation, default: []].append(now)
    var bucket = buckets[operation] ?? (burst, now)
    bucket.tokens = min(burst, bucket.tokens + (now - bucket.updated) * rate)
    bucket.updated = now
    if bucket.tokens < 1 || chance("429") {
      buckets[operation] = bucket
      throttled += 1
      opStats[operation]?.throttled += 1
      return Self.error(
        429, "QuotaExceeded", "You exceeded your quota for the requested resource.",
        headers: ["x-amzn-ratelimit-limit": String(rate)])
    }
    bucket.tokens -= 1
    buckets[operation] = bucket
    if chance("500") {
      return Self.error(
        500, "InternalFailure", "We encountered an internal error. Please try again.")
    }
    if chance("503") {
      return Self.error(
        503, "ServiceUnavailable", "Temporary overloading or maintenance of the server.")
    }
    if chance("slow") { usleep(300_000) }
    if postOperation != nil {
      let (answer, wait) = receive(operation, request)
      delay = wait
      return answer
    }
    if operation == "getTransaction" { return transactionStatus(path) }
    var response = lookup(operation, path, query) ?? route(path, query, operation)
    if response.status == 200 && chance("truncate") {
      response.body = Array(response.body.prefix(response.body.count / 2))
    }
    return response
  }

  func statsJSON() -> JSONValue {
    var ops: [String: JSONValue] = [:]
    for (op, st) in opStats {
      // The sustained rate: requests after the burst, over the time they took.
      let times = opTimes[op] ?? []
      let skip = min(times.count - 1, Int(burst))
      var sustained: JSONValue = .null
      if times.count > skip + 2, let first = times.dropFirst(skip).first, let last = times.last,
        last > first
      {
        sustained = .string(String(format: "%.3f", Double(times.count - 1 - skip) / (last - first)))
      }
      ops[op] = .object([
        "requests": .number(DecimalNumber(st.count)),
        "throttled": .number(DecimalNumber(st.throttled)),
        "milliseconds": .number(DecimalNumber(Int((st.last - st.first) * 1000))),
        "sustainedPerSecond": sustained,
      ])
    }
    return .object([
      "operations": .object(ops), "rate": .string(String(rate)), "burst": .string(String(burst)),
      "received": receivedJSON,
    ])
  }

  func token(_ request: HTTPRequest) -> HTTPResponse {
    let form = Self.form(String(decoding: request.body, as: UTF8.self))
    guard form["grant_type"] == "refresh_token", let refresh = form["refresh_token"],
      !refresh.isEmpty,
      form["client_id"] != nil, form["client_secret"] != nil
    else {
      return HTTPResponse(
        status: 400,
        body: Array(
          #"{"error":"invalid_request","error_description":"refresh_token, client_id and client_secret are required"}"#
            .utf8))
    }
    counter &+= 1
    let token = "Atza|sandbox-\(counter)"
    tokens[token] = (
      Date().timeIntervalSince1970 + Double(tokenLifetime), !justExpired && chance("expire-token")
    )
    justExpired = false
    return HTTPResponse(
      status: 200,
      body: CanonicalJSON.bytes(
        .object([
          "access_token": .string(token), "token_type": .string("bearer"),
          "expires_in": .number(DecimalNumber(tokenLifetime)),
        ])))
  }

  static func operation(_ path: String) -> String {
    if path.hasPrefix("/vendor/transactions/v1/transactions/") { return "getTransaction" }
    if path.hasPrefix("/vendor/orders/v1/purchaseOrdersStatus") { return "getPurchaseOrdersStatus" }
    if path.hasPrefix("/vendor/orders/v1/purchaseOrders/") { return "getPurchaseOrder" }
    if path.hasPrefix("/vendor/orders/v1/purchaseOrders") { return "getPurchaseOrders" }
    if path.hasPrefix("/vendor/shipping/v1/shipments") { return "GetShipmentDetails" }
    if path.hasPrefix("/finances/invoices/2026-06-25/invoices/") { return "getInvoice" }
    if path.hasPrefix("/finances/invoices/2026-06-25/invoices") { return "getInvoiceHeaders" }
    if path.hasPrefix("/finances/remittances/2026-03-17/remittances/") { return "getRemittance" }
    if path.hasPrefix("/finances/remittances/2026-03-17/remittances") {
      return "getRemittanceHeaders"
    }
    return "unknown"
  }

  static func split(_ url: String) -> (String, [String: String]) {
    var target = url
    if let r = target.range(of: "://") {
      target = String(target[r.upperBound...])
      target = target.firstIndex(of: "/").map { String(target[$0...]) } ?? "/"
    }
    let parts = target.split(separator: "?", maxSplits: 1).map(String.init)
    return (parts[0], parts.count > 1 ? form(parts[1]) : [:])
  }

  static func form(_ text: String) -> [String: String] {
    var out: [String: String] = [:]
    for pair in text.split(separator: "&") {
      let kv = pair.split(separator: "=", maxSplits: 1).map {
        String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
      }
      out[kv[0]] = kv.count > 1 ? kv[1] : ""
    }
    return out
  }

  static func seconds(_ text: String?) -> Double? {
    guard let text else { return nil }
    return CivilDate.seconds(text).map(Double.init)
  }

  static func secondsOfDate(_ text: String?) -> Double? {
    guard let text, let day = CivilDate.day(String(text.prefix(10))) else { return nil }
    return seconds(text) ?? Double(day) * 86_400
  }

  func route(_ path: String, _ query: [String: String], _ operation: String) -> HTTPResponse {
    switch operation {
    case "getPurchaseOrders", "getPurchaseOrdersStatus", "GetShipmentDetails":
      // Created in a window, or (orders and their status) changed in one: changedAfter / updatedAfter.
      let changedKey = operation == "getPurchaseOrdersStatus" ? "updated" : "changed"
      let byChange = query["\(changedKey)After"] != nil && operation != "GetShipmentDetails"
      let afterKey = byChange ? "\(changedKey)After" : "createdAfter"
      let beforeKey = byChange ? "\(changedKey)Before" : "createdBefore"
      guard let after = Self.seconds(query[afterKey]), let before = Self.seconds(query[beforeKey])
      else {
        return Self.error(
          400, "InvalidInput", "\(afterKey) and \(beforeKey) are required ISO 8601 date-times")
      }
      guard before > after, before - after <= 7 * 86_400 else {
        return Self.error(
          400, "InvalidInput",
          "The date range between \(afterKey) and \(beforeKey) must not exceed 7 days.")
      }
      let kind: RecordKind = operation == "GetShipmentDetails" ? .shipment : .purchaseOrder
      let docs = records.filter { $0.kind == kind }.filter { r in
        let field = byChange ? "purchaseOrderStateChangedDate" : kind.dateField
        let date = Self.seconds(r.json["source"]?[field]?.stringValue) ?? -1
        return date >= after && date < before
      }.sorted { ($0.key ?? "") < ($1.key ?? "") }
      let rendered: [JSONValue]
      switch operation {
      case "getPurchaseOrders": rendered = docs.map(SandboxRendering.order)
      case "getPurchaseOrdersStatus": rendered = docs.map(SandboxRendering.orderStatus)
      default: rendered = docs.map(SandboxRendering.shipment)
      }
      let key =
        operation == "GetShipmentDetails"
        ? "shipments" : operation == "getPurchaseOrders" ? "orders" : "ordersStatus"
      let (page, next) = self.page(rendered, token: query["nextToken"])
      var payload: [String: JSONValue] = [key: .array(page)]
      if let next { payload["pagination"] = .object(["nextToken": .string(next)]) }
      return Self.ok(.object(["payload": .object(payload)]), rate: rate)
    case "getPurchaseOrder":
      let number = String(path.split(separator: "/").last ?? "")
      guard let po = records.first(where: { $0.kind == .purchaseOrder && $0.key == number }) else {
        return Self.error(404, "NotFound", "The requested purchase order was not found.")
      }
      return Self.ok(.object(["payload": SandboxRendering.order(po)]), rate: rate)
    case "getInvoiceHeaders", "getRemittanceHeaders":
      guard let marketplace = query["marketplaceId"].flatMap({ Marketplace($0) }),
        marketplace.marketplaceId == query["marketplaceId"]
      else {
        return Self.error(
          400, "InvalidInput", "marketplaceId is required and must be a valid marketplace id")
      }
      let isInvoice = operation == "getInvoiceHeaders"
      let from = Self.secondsOfDate(query[isInvoice ? "fromIssueDate" : "startDate"]) ?? 0
      let to = Self.secondsOfDate(query[isInvoice ? "toIssueDate" : "endDate"]) ?? 0
      guard to > from, to - from <= 90 * 86_400 else {
        return Self.error(400, "InvalidInput", "The date range must be at most 90 days.")
      }
      var modifiedAfter: Double?
      if isInvoice, let text = query["invoicesModifiedAfter"] {
        guard let seconds = Self.seconds(text) else {
          return Self.error(
            400, "InvalidInput", "invoicesModifiedAfter must be an ISO 8601 date-time")
        }
        modifiedAfter = seconds
      }
      let kind: RecordKind = isInvoice ? .invoice : .remittance
      let docs = records.filter { $0.kind == kind && $0.marketplace == marketplace }.filter { r in
        let date = Self.secondsOfDate(r.json["source"]?[kind.dateField]?.stringValue) ?? 0
        if let modifiedAfter, SandboxRendering.invoiceModified(r) < modifiedAfter { return false }
        return date >= from && date < to
      }.sorted { ($0.key ?? "") < ($1.key ?? "") }
      let rendered = docs.map {
        isInvoice ? SandboxRendering.invoiceHeader($0) : SandboxRendering.remittanceHeader($0)
      }
      let (page, next) = self.page(rendered, token: query["nextToken"])
      var body: [String: JSONValue] = [isInvoice ? "invoices" : "remittances": .array(page)]
      if let next { body["nextToken"] = .string(next) }
      return Self.ok(.object(body), rate: rate)
    case "getInvoice", "getRemittance":
      guard let marketplace = query["marketplaceId"].flatMap({ Marketplace($0) }) else {
        return Self.error(400, "InvalidInput", "marketplaceId is required")
      }
      let isInvoice = operation == "getInvoice"
      let id = (String(path.split(separator: "/").last ?? "")).removingPercentEncoding ?? ""
      let kind: RecordKind = isInvoice ? .invoice : .remittance
      guard
        let doc = records.first(where: {
          $0.kind == kind && $0.marketplace == marketplace && $0.key == id
        })
      else {
        return Self.error(
          404, "NotFound", "The requested \(isInvoice ? "invoice" : "remittance") was not found.")
      }
      let items =
        isInvoice ? SandboxRendering.invoiceItems(doc) : SandboxRendering.remittanceItems(doc)
      let (page, next) = self.page(
        items, token: query["nextTokenForLineItems"], size: max(2, pageSize / 3))
      var body: [String: JSONValue] = [
        isInvoice ? "invoiceHeader" : "remittanceHeader": isInvoice
          ? SandboxRendering.invoiceHeader(doc) : SandboxRendering.remittanceHeader(doc),
        isInvoice ? "invoiceItems" : "remittanceItems": .array(page),
      ]
      if let next { body["nextTokenForLineItems"] = .string(next) }
      return Self.ok(.object(body), rate: rate)
    default:
      return Self.error(404, "NotFound", "No such operation: \(path)")
    }
  }

  /// One page from an offset token (`p<offset>.<n>`: tokens never repeat), with the faults that vex
  /// real clients: an empty page that still points on, or the previous page served again.
  func page(_ items: [JSONValue], token: String?, size: Int? = nil) -> ([JSONValue], String?) {
    let size = size ?? pageSize
    let offset = token.flatMap { Int($0.dropFirst().split(separator: ".").first ?? "") } ?? 0
    counter &+= 1
    let nonce = counter
    if token != nil && chance("empty-page") { return ([], "p\(offset).\(nonce)") }
    if offset >= size && chance("repeat-page") {
      // The previous page again; its token leads back to where the client was.
      return (Array(items.dropFirst(offset - size).prefix(size)), "p\(offset).\(nonce)")
    }
    let slice = Array(items.dropFirst(offset).prefix(size))
    let end = offset + slice.count
    return (slice, end < items.count ? "p\(end).\(nonce)" : nil)
  }
}

/// Records rendered back into Amazon's wire shapes (vendor APIs: decimal strings; finance APIs:
/// JSON numbers), the inverse of `SPAPINormalizer` for what the sandbox generates.
enum SandboxRendering {
  static func vendorMoney(_ m: JSONValue?) -> JSONValue? {
    guard let m, let amount = m["amount"], let currency = m["currency"] else { return nil }
    return .object(["amount": amount, "currencyCode": currency])
  }

  static func financeMoney(_ m: JSONValue?) -> JSONValue? {
    guard let m, let text = m["amount"]?.stringValue, let d = try? DecimalNumber(parsing: text),
      let currency = m["currency"]
    else { return nil }
    return .object(["currencyAmount": .number(d), "currencyCode": currency])
  }

  static func put(_ o: inout [String: JSONValue], _ k: String, _ v: JSONValue?) {
    if let v { o[k] = v }
  }

  static func order(_ r: Record) -> JSONValue {
    let s = r.json["source"] ?? .null
    let items: [JSONValue] = (s["lines"]?.arrayValue ?? []).map { l in
      var o: [String: JSONValue] = ["itemSequenceNumber": l["itemSequenceNumber"] ?? .null]
      put(&o, "amazonProductIdentifier", l["amazonProductIdentifier"])
      put(&o, "vendorProductIdentifier", l["vendorProductIdentifier"])
      put(&o, "orderedQuantity", l["orderedQuantity"])
      put(&o, "isBackOrderAllowed", l["isBackOrderAllowed"])
      put(&o, "netCost", vendorMoney(l["netCost"]))
      put(&o, "listPrice", vendorMoney(l["listPrice"]))
      return .object(o)
    }
    var details: [String: JSONValue] = [
      "purchaseOrderDate": s["purchaseOrderDate"] ?? .null, "items": .array(items),
    ]
    for k in [
      "purchaseOrderType", "purchaseOrderChangedDate", "purchaseOrderStateChangedDate",
      "paymentMethod", "dealCode", "buyingParty", "sellingParty", "shipToParty", "billToParty",
    ] {
      put(&details, k, s[k])
    }
    for k in ["shipWindow", "deliveryWindow"] {
      if let w = s[k], let a = w["start"]?.stringValue, let b = w["end"]?.stringValue {
        details[k] = .string("\(a)--\(b)")
      }
    }
    return .object([
      "purchaseOrderNumber": s["purchaseOrderNumber"] ?? .null,
      "purchaseOrderState": s["purchaseOrderState"] ?? .null,
      "orderDetails": .object(details),
    ])
  }

  static func eaches(_ n: Int) -> JSONValue {
    .object([
      "amount": .number(DecimalNumber(n)), "unitOfMeasure": .string("Eaches"),
      "unitSize": .number(DecimalNumber(1)),
    ])
  }

  static func orderStatus(_ r: Record) -> JSONValue {
    let s = r.json["source"] ?? .null
    let items: [JSONValue] = (s["lines"]?.arrayValue ?? []).map { l in
      let q = l["quantities"] ?? .null
      var o: [String: JSONValue] = ["itemSequenceNumber": l["itemSequenceNumber"] ?? .null]
      put(&o, "buyerProductIdentifier", l["amazonProductIdentifier"])
      put(&o, "vendorProductIdentifier", l["vendorProductIdentifier"])
      put(&o, "netCost", vendorMoney(l["acknowledgedNetCost"] ?? l["netCost"]))
      o["orderedQuantity"] = .object(["orderedQuantity": eaches(q["ordered"]?.intValue ?? 0)])
      if let accepted = q["accepted"]?.intValue {
        let codes = [
          "Accepted": "ACCEPTED", "PartiallyAccepted": "PARTIALLY_ACCEPTED", "Rejected": "REJECTED",
        ]
        var ack: [String: JSONValue] = ["acceptedQuantity": eaches(accepted)]
        put(
          &ack, "confirmationStatus",
          l["acknowledgementCode"]?.stringValue.flatMap { codes[$0] }.map(JSONValue.string))
        if let rejected = q["rejected"]?.intValue { ack["rejectedQuantity"] = eaches(rejected) }
        o["acknowledgementStatus"] = .object(ack)
      }
      if let received = q["received"]?.intValue {
        o["receivingStatus"] = .object([
          "receiveStatus": .string("RECEIVED"), "receivedQuantity": eaches(received),
        ])
      }
      return .object(o)
    }
    var out: [String: JSONValue] = [
      "purchaseOrderNumber": s["purchaseOrderNumber"] ?? .null,
      "purchaseOrderDate": s["purchaseOrderDate"] ?? .null,
      "itemStatus": .array(items),
    ]
    for k in ["purchaseOrderStatus", "sellingParty", "shipToParty"] { put(&out, k, s[k]) }
    return .object(out)
  }

  static func shipment(_ r: Record) -> JSONValue {
    let s = r.json["source"] ?? .null
    var byPO: [String: [JSONValue]] = [:]
    for l in s["lines"]?.arrayValue ?? [] {
      var item: [String: JSONValue] = [
        "itemSequenceNumber": l["itemSequenceNumber"] ?? .null,
        "shippedQuantity": l["shippedQuantity"] ?? .null,
      ]
      put(&item, "buyerProductIdentifier", l["amazonProductIdentifier"])
      put(&item, "vendorProductIdentifier", l["vendorProductIdentifier"])
      byPO[l["purchaseOrderNumber"]?.stringValue ?? "", default: []].append(.object(item))
    }
    var out: [String: JSONValue] = [
      "vendorShipmentIdentifier": s["shipmentIdentifier"] ?? .null,
      "transactionType": .string("New"),
      "transactionDate": s["shipmentDate"] ?? .null,
      "shipmentConfirmDate": s["shipmentDate"] ?? .null,
      "purchaseOrders": .array(
        byPO.keys.sorted().map {
          .object(["purchaseOrderNumber": .string($0), "items": .array(byPO[$0] ?? [])])
        }),
    ]
    put(&out, "currentShipmentStatus", s["shipmentStatus"])
    put(&out, "shipmentType", s["shipmentType"])
    put(&out, "buyerReferenceNumber", s["amazonReferenceNumber"])
    for k in ["sellingParty", "shipFromParty", "shipToParty"] { put(&out, k, s[k]) }
    return .object(out)
  }

  /// When the sandbox vendor last changed an invoice: the day it was paid, else the day it was
  /// issued (seconds since 1970).
  static func invoiceModified(_ r: Record) -> Double {
    let s = r.json["source"]
    guard let issued = s?["invoiceDate"]?.stringValue.flatMap(CivilDate.day) else { return 0 }
    let paid = s?["invoiceStatus"]?.stringValue == "PAID"
    return Double(paid ? SandboxVendor.paymentDay(forInvoiceDay: issued) : issued) * 86_400
  }

  static func invoiceHeader(_ r: Record) -> JSONValue {
    let s = r.json["source"] ?? .null
    var out: [String: JSONValue] = [
      "invoiceNumber": s["invoiceNumber"] ?? .null,
      "invoiceIdentifier": s["invoiceNumber"] ?? .null, "invoiceType": .string("AP_INVENTORY"),
      "issueDate": .string((s["invoiceDate"]?.stringValue ?? "") + "T00:00:00Z"),
      "creationDate": .string((s["invoiceDate"]?.stringValue ?? "") + "T00:00:00Z"),
      "lastUpdatedDate": .string(
        SandboxVendor.time(Int(invoiceModified(r) / 86_400), 0)),
      "payer": .object(["partnerId": .string("AMAZON"), "partnerType": .string("AMAZON")]),
    ]
    put(&out, "invoiceStatus", s["invoiceStatus"])
    put(&out, "invoiceAmount", financeMoney(s["totalAmount"]))
    if let due = s["dueDate"]?.stringValue { out["dueDate"] = .string(due + "T00:00:00Z") }
    put(&out, "paymentTerms", s["paymentTerms"]?["text"])
    if let payee = s["remitToParty"]?["partyId"] {
      out["payee"] = .object(["partnerId": payee, "partnerType": .string("VENDOR")])
    }
    if let pos = s["purchaseOrderNumbers"] {
      out["relatedIdentifiers"] = .array([
        .object([
          "relatedIdentifierName": .string("PURCHASE_ORDER_IDS"), "relatedIdentifierValue": pos,
        ])
      ])
    }
    return .object(out)
  }

  static func invoiceItems(_ r: Record) -> [JSONValue] {
    (r.json["source"]?["lines"]?.arrayValue ?? []).map { l in
      var ids: [JSONValue] = []
      for (name, key) in [("ASIN", "amazonProductIdentifier"), ("SKU", "vendorProductIdentifier")] {
        if let v = l[key] {
          ids.append(.object(["itemIdentifierName": .string(name), "itemIdentifierValue": v]))
        }
      }
      var o: [String: JSONValue] = [
        "lineItemId": l["itemSequenceNumber"] ?? .null, "quantity": l["invoicedEaches"] ?? .null,
        "lineItemContext": .object([
          "lineItemType": .string("GOODS"), "itemIdentifiers": .array(ids),
        ]),
      ]
      if let po = l["purchaseOrderNumber"] {
        o["relatedItemIdentifiers"] = .array([
          .object([
            "relatedIdentifierName": .string("PURCHASE_ORDER_IDS"),
            "relatedIdentifierValue": .array([po]),
          ])
        ])
      }
      put(&o, "unitCost", financeMoney(l["netCost"]))
      if let cost = l["netCost"], let qty = l["invoicedEaches"]?.intValue,
        let text = cost["amount"]?.stringValue,
        let code = cost["currency"]?.stringValue, let m = try? Money(text, code),
        let total = try? m.times(qty)
      {
        o["totalAmount"] = financeMoney(total.json)
      }
      return .object(o)
    }
  }

  static func remittanceHeader(_ r: Record) -> JSONValue {
    let s = r.json["source"] ?? .null
    var out: [String: JSONValue] = [
      "uniquePaymentId": s["uniquePaymentId"] ?? .null, "paymentDate": s["paymentDate"] ?? .null,
      "lineItemCount": .number(DecimalNumber(s["lines"]?.arrayValue?.count ?? 0)),
      "exchangeRate": .number(DecimalNumber(1)),
    ]
    put(&out, "paymentAmount", financeMoney(s["paymentAmount"]))
    for k in ["paymentNumber", "paymentMethod", "remittanceStatus", "countryCode"] {
      put(&out, k, s[k])
    }
    if let vendors = s["vendorCodes"] {
      out["relatedIdentifiers"] = .array([
        .object([
          "relatedIdentifierName": .string("VENDOR_CODE"), "relatedIdentifierValue": vendors,
        ])
      ])
    }
    return .object(out)
  }

  static func remittanceItems(_ r: Record) -> [JSONValue] {
    (r.json["source"]?["lines"]?.arrayValue ?? []).map { l in
      var o: [String: JSONValue] = ["invoiceNumber": l["invoiceNumber"] ?? .null]
      if let date = l["invoiceDate"]?.stringValue {
        o["invoiceIssueDate"] = .string(date + "T00:00:00Z")
      }
      put(&o, "description", l["description"])
      put(&o, "totalAmount", financeMoney(l["invoiceAmount"]))
      put(&o, "netAmountPaid", financeMoney(l["amountPaid"]))
      if let amount = financeMoney(l["invoiceAmount"]) {
        o["totalAmountBreakdown"] = .array([
          .object(["breakdownType": .string("InvoiceAmount"), "breakdownAmount": amount])
        ])
      }
      var paid: [JSONValue] = []
      if let p = financeMoney(l["amountPaid"]) {
        paid.append(.object(["breakdownType": .string("AmountPaid"), "breakdownAmount": p]))
      }
      if let d = financeMoney(l["discountTaken"]) {
        paid.append(
          .object(["breakdownType": .string("TermsDiscountTaken"), "breakdownAmount": d]))
      }
      o["netAmountPaidBreakdown"] = .array(paid)
      return .object(o)
    }
  }
}
