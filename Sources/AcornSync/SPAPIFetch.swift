import AcornModel
import AcornSPAPI

/// One SP-API sync's reads: every operation over the range, normalized into records, PO line
/// quantities filled in from shipments and invoices, each record placed in its marketplace.
enum SPAPIFetch {
  /// Vendor orders carry no marketplace id: a PO goes to the configured marketplace whose currency
  /// its costs are in (the first such, for EUR shared by several), its shipments with it.
  static func marketplace(forCurrency code: String?, _ marketplaces: [Marketplace]) -> Marketplace?
  {
    marketplaces.first { $0.currency.code == code } ?? marketplaces.first
  }
  /// Days of issue dates searched, on an incremental run, for older invoices modified since the
  /// last one (`invoicesModifiedAfter`): an invoice's status moves until it is paid, ~30–60 days.
  static let invoiceLookback = 180.0

  /// Everything from `from`; or, with `changedSince` (an incremental run), what was created since
  /// then plus the orders, statuses and older invoices changed since then.
  /// `existing` (the sync branch's orders, shipments and invoices) completes PO quantities.
  static func records(
    _ client: SPAPIClient, marketplaces: [Marketplace], from: Double, to: Double,
    changedSince: Double? = nil,
    existing: [Record] = [], progress: (String) -> Void
  ) throws(SPAPIError) -> [String: [Record]] {
    var out: [String: [Record]] = [:]
    let from = max(from, changedSince ?? from)
    progress("sp-api: purchase orders")
    var orders = try client.purchaseOrders(createdFrom: from, to: to)
    var statuses = try client.purchaseOrderStatuses(from: from, to: to)
    if let since = changedSince {
      let known = Set(orders.compactMap { $0["purchaseOrderNumber"]?.stringValue })
      orders += try client.purchaseOrders(createdFrom: since, to: to, changed: true).filter {
        !known.contains($0["purchaseOrderNumber"]?.stringValue ?? "")
      }
      let knownStatus = Set(statuses.compactMap { $0["purchaseOrderNumber"]?.stringValue })
      statuses += try client.purchaseOrderStatuses(from: since, to: to, updated: true).filter {
        !knownStatus.contains($0["purchaseOrderNumber"]?.stringValue ?? "")
      }
    }
    let statusByPO = Dictionary(
      statuses.map { ($0["purchaseOrderNumber"]?.stringValue ?? "", $0) },
      uniquingKeysWith: { a, _ in a })
    var poMarket: [String: Marketplace] = [:]
    var regional: [Record] = []
    for o in orders {
      guard let number = o["purchaseOrderNumber"]?.stringValue else { continue }
      let currency = o["orderDetails"]?["items"]?.arrayValue?.first?["netCost"]?["currencyCode"]?
        .stringValue
      guard let m = marketplace(forCurrency: currency, marketplaces),
        let r = SPAPINormalizer.purchaseOrder(o, status: statusByPO[number], marketplace: m)
      else { continue }
      poMarket[number] = m
      regional.append(r)
    }
    progress("sp-api: shipments")
    for s in try client.shipments(from: from, to: to) {
      let po = s["purchaseOrders"]?.arrayValue?.first?["purchaseOrderNumber"]?.stringValue ?? ""
      guard let m = poMarket[po] ?? marketplaces.first,
        let r = SPAPINormalizer.shipment(s, marketplace: m)
      else { continue }
      regional.append(r)
    }
    for m in marketplaces {
      progress("sp-api \(m.code): invoices")
      var invoices = try client.invoices(marketplaceId: m.marketplaceId, from: from, to: to)
      if let since = changedSince {
        invoices += try client.invoices(
          marketplaceId: m.marketplaceId, from: since - invoiceLookback * 86_400, to: from,
          modifiedAfter: since)
      }
      for (header, items) in invoices {
        if let r = SPAPINormalizer.invoice(header: header, items: items, marketplace: m) {
          regional.append(r)
        }
      }
      progress("sp-api \(m.code): remittances")
      for (header, items) in try client.remittances(
        marketplaceId: m.marketplaceId, from: from, to: to)
      {
        regional += SPAPINormalizer.remittance(header: header, items: items, marketplace: m)
      }
    }
    // PO quantities from every shipment and invoice, fetched now or already on the sync branch;
    // a PO not fetched again is rewritten only when those quantities moved.
    let fetchedIDs = Set(regional.compactMap(\.id))
    let carried = existing.filter { !fetchedIDs.contains($0.id ?? "") }
    let enriched = SPAPINormalizer.enrich(regional + carried)
    for r in enriched where fetchedIDs.contains(r.id ?? "") || r.kind == .purchaseOrder {
      out[r.marketplace?.code ?? "", default: []].append(r)
    }
    return out
  }
}
