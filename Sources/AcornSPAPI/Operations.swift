import AcornModel

/// The read operations Acorn syncs from: vendor orders, order status, shipments, and the 2026
/// finance APIs (Invoices 2026-06-25, Remittance 2026-03-17). Date ranges are split into the
/// windows Amazon allows (7 days for orders, 90 days for finance); pages are followed by their token
/// until absent, tolerating empty pages and pages Amazon repeats.
extension SPAPIClient {
  /// `[from, to)` in windows of at most `days` days, as UTC timestamps.
  public static func windows(from: Double, to: Double, days: Double) -> [(String, String)] {
    var out: [(String, String)] = []
    var start = from
    while start < to {
      let end = min(to, start + days * 86_400)
      out.append((timestamp(start), timestamp(end)))
      start = end
    }
    return out
  }

  /// Follows a token through pages; `items` picks the documents of a page, `next` its token.
  /// Documents seen before (a repeated page) are not added twice; empty pages are followed; a
  /// token that keeps coming back (a loop) is cut after three returns.
  func paged(
    _ operation: String, path: String, query: [(String, String)], tokenName: String = "nextToken",
    items: (JSONValue) -> [JSONValue], next: (JSONValue) -> String?, key: (JSONValue) -> String
  ) throws(SPAPIError) -> [JSONValue] {
    var out: [JSONValue] = []
    var seen: Set<String> = []
    var tokens: Set<String> = []
    var token: String?
    repeat {
      let page = try get(
        operation, path: path, query: query + (token.map { [(tokenName, $0)] } ?? []))
      for item in items(page) where seen.insert(key(item)).inserted { out.append(item) }
      token = next(page).flatMap { $0.isEmpty ? nil : $0 }
      if let t = token, !tokens.insert(t).inserted { break }
    } while token != nil
    return out
  }

  /// getPurchaseOrders: POs created in `[from, to)` — or, with `changed`, changed in it
  /// (`changedAfter`/`changedBefore`) — in 7-day windows, with details.
  public func purchaseOrders(createdFrom from: Double, to: Double, changed: Bool = false)
    throws(SPAPIError)
    -> [JSONValue]
  {
    var out: [JSONValue] = []
    var seen: Set<String> = []
    let (a, b) = changed ? ("changedAfter", "changedBefore") : ("createdAfter", "createdBefore")
    for (after, before) in Self.windows(from: from, to: to, days: 7) {
      let orders = try paged(
        "getPurchaseOrders", path: "/vendor/orders/v1/purchaseOrders",
        query: [(a, after), (b, before), ("includeDetails", "true"), ("limit", "100")],
        items: { $0["payload"]?["orders"]?.arrayValue ?? [] },
        next: { $0["payload"]?["pagination"]?["nextToken"]?.stringValue },
        key: { $0["purchaseOrderNumber"]?.stringValue ?? CanonicalJSON.compact($0) })
      for o in orders where seen.insert(o["purchaseOrderNumber"]?.stringValue ?? "").inserted {
        out.append(o)
      }
    }
    return out
  }

  /// getPurchaseOrder.
  public func purchaseOrder(_ number: String) throws(SPAPIError) -> JSONValue? {
    try get(
      "getPurchaseOrder", path: "/vendor/orders/v1/purchaseOrders/\(Self.percentEncode(number))",
      query: [])["payload"]
  }

  /// getPurchaseOrdersStatus: acknowledged and received quantities of POs created in `[from, to)` —
  /// or, with `updated`, updated in it — in 7-day windows.
  public func purchaseOrderStatuses(from: Double, to: Double, updated: Bool = false)
    throws(SPAPIError) -> [JSONValue]
  {
    var out: [JSONValue] = []
    let (a, b) = updated ? ("updatedAfter", "updatedBefore") : ("createdAfter", "createdBefore")
    for (after, before) in Self.windows(from: from, to: to, days: 7) {
      out += try paged(
        "getPurchaseOrdersStatus", path: "/vendor/orders/v1/purchaseOrdersStatus",
        query: [(a, after), (b, before), ("limit", "100")],
        items: { $0["payload"]?["ordersStatus"]?.arrayValue ?? [] },
        next: { $0["payload"]?["pagination"]?["nextToken"]?.stringValue },
        key: { $0["purchaseOrderNumber"]?.stringValue ?? CanonicalJSON.compact($0) })
    }
    return out
  }

  /// GetShipmentDetails: shipments created in `[from, to)`, in 7-day windows.
  public func shipments(from: Double, to: Double) throws(SPAPIError) -> [JSONValue] {
    var out: [JSONValue] = []
    for (after, before) in Self.windows(from: from, to: to, days: 7) {
      out += try paged(
        "GetShipmentDetails", path: "/vendor/shipping/v1/shipments",
        query: [("createdAfter", after), ("createdBefore", before), ("limit", "50")],
        items: { $0["payload"]?["shipments"]?.arrayValue ?? [] },
        next: { $0["payload"]?["pagination"]?["nextToken"]?.stringValue },
        key: { $0["vendorShipmentIdentifier"]?.stringValue ?? CanonicalJSON.compact($0) })
    }
    return out
  }

  /// Invoices API: headers issued in `[from, to)` (90-day windows) — only those modified after
  /// `modifiedAfter` when given (`invoicesModifiedAfter`) — then each invoice with all its line
  /// pages. Returns (header, items) pairs.
  public func invoices(
    marketplaceId: String, from: Double, to: Double, modifiedAfter: Double? = nil
  ) throws(SPAPIError) -> [(JSONValue, [JSONValue])] {
    var out: [(JSONValue, [JSONValue])] = []
    for (after, before) in Self.windows(from: from, to: to, days: 90) {
      var query = [
        ("marketplaceId", marketplaceId), ("fromIssueDate", after), ("toIssueDate", before),
      ]
      if let modifiedAfter {
        query.append(("invoicesModifiedAfter", Self.timestamp(modifiedAfter)))
      }
      let headers = try paged(
        "getInvoiceHeaders", path: "/finances/invoices/2026-06-25/invoices",
        query: query,
        items: { $0["invoices"]?.arrayValue ?? [] }, next: { $0["nextToken"]?.stringValue },
        key: {
          $0["invoiceIdentifier"]?.stringValue ?? $0["invoiceNumber"]?.stringValue
            ?? CanonicalJSON.compact($0)
        })
      for header in headers {
        guard
          let identifier = header["invoiceIdentifier"]?.stringValue
            ?? header["invoiceNumber"]?.stringValue
        else { continue }
        var full = header
        let items = try paged(
          "getInvoice",
          path: "/finances/invoices/2026-06-25/invoices/\(Self.percentEncode(identifier))",
          query: [("marketplaceId", marketplaceId)], tokenName: "nextTokenForLineItems",
          items: { page in
            if let h = page["invoiceHeader"] { full = h }
            return page["invoiceItems"]?.arrayValue ?? []
          }, next: { $0["nextTokenForLineItems"]?.stringValue },
          key: { $0["lineItemId"]?.stringValue ?? CanonicalJSON.compact($0) })
        out.append((full, items))
      }
    }
    return out
  }

  /// Remittance API: payments made in `[from, to)` (90-day windows), then each with its lines.
  public func remittances(marketplaceId: String, from: Double, to: Double) throws(SPAPIError) -> [(
    JSONValue, [JSONValue]
  )] {
    var out: [(JSONValue, [JSONValue])] = []
    for (after, before) in Self.windows(from: from, to: to, days: 90) {
      let headers = try paged(
        "getRemittanceHeaders", path: "/finances/remittances/2026-03-17/remittances",
        query: [("marketplaceId", marketplaceId), ("startDate", after), ("endDate", before)],
        items: { $0["remittances"]?.arrayValue ?? [] }, next: { $0["nextToken"]?.stringValue },
        key: { $0["uniquePaymentId"]?.stringValue ?? CanonicalJSON.compact($0) })
      for header in headers {
        guard let id = header["uniquePaymentId"]?.stringValue else { continue }
        var full = header
        let items = try paged(
          "getRemittance",
          path: "/finances/remittances/2026-03-17/remittances/\(Self.percentEncode(id))",
          query: [("marketplaceId", marketplaceId)], tokenName: "nextTokenForLineItems",
          items: { page in
            if let h = page["remittanceHeader"] { full = h }
            return page["remittanceItems"]?.arrayValue ?? []
          }, next: { $0["nextTokenForLineItems"]?.stringValue },
          key: { CanonicalJSON.compact($0, limit: .max) })
        out.append((full, items))
      }
    }
    return out
  }
}
