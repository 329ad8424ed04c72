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

  static func records(
    _ client: SPAPIClient, marketplaces: [Marketplace], from: Double, to: Double,
    progress: (String) -> Void
  ) throws(SPAPIError) -> [String: [Record]] {
    var out: [String: [Record]] = [:]
    progress("sp-api: purchase orders")
    let orders = try client.purchaseOrders(createdFrom: from, to: to)
    let statuses = try client.purchaseOrderStatuses(from: from, to: to)
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
      for (header, items) in try client.invoices(marketplaceId: m.marketplaceId, from: from, to: to)
      {
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
    for r in SPAPINormalizer.enrich(regional) {
      out[r.marketplace?.code ?? "", default: []].append(r)
    }
    return out
  }
}
