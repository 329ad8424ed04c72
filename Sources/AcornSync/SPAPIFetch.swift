import AcornModel
import AcornSPAPI
import Foundation

/// One SP-API sync's reads: every operation over the range, normalized into records, PO line
/// quantities filled in from shipments and invoices, each record placed in its marketplace.
enum SPAPIFetch {
  /// Vendor orders carry no marketplace id. A PO goes to the marketplace of the country Amazon
  /// ships it to (`shipToParty`, else `buyingParty`, address country code); without an address,
  /// to the one configured marketplace in its currency. Several marketplaces sharing the
  /// currency (EUR: DE, FR, IT, ES, NL) and no address: the first by code, whatever the order of
  /// `acorn.yaml`, and the caller says so. Its shipments go with it.
  static func marketplace(forOrder order: JSONValue, _ marketplaces: [Marketplace]) -> (
    Marketplace?, guessed: Bool
  ) {
    let details = order["orderDetails"]
    for party in ["shipToParty", "buyingParty"] {
      if let country = details?[party]?["address"]?["countryCode"]?.stringValue,
        let m = Marketplace.of(country: country)
      {
        return (m, false)
      }
    }
    let currency = details?["items"]?.arrayValue?.first?["netCost"]?["currencyCode"]?.stringValue
    let candidates = marketplaces.filter { $0.currency.code == currency }.sorted()
    if candidates.count == 1 { return (candidates[0], false) }
    return (candidates.first ?? marketplaces.sorted().first, true)
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
    // Each operation has its own rate limit, so the five are read side by side, one thread
    // each; the results are combined below in a fixed order, so the records do not depend on
    // which answer came first.
    progress(
      "sp-api: purchase orders, statuses, shipments, invoices and remittances, side by side")
    let parts = Parts()
    let markets = marketplaces
    let jobs: [@Sendable () throws -> Void] = [
      {
        var orders = try client.purchaseOrders(createdFrom: from, to: to)
        if let since = changedSince {
          let known = Set(orders.compactMap { $0["purchaseOrderNumber"]?.stringValue })
          orders += try client.purchaseOrders(createdFrom: since, to: to, changed: true).filter {
            !known.contains($0["purchaseOrderNumber"]?.stringValue ?? "")
          }
        }
        parts.orders = orders
      },
      {
        var statuses = try client.purchaseOrderStatuses(from: from, to: to)
        if let since = changedSince {
          let known = Set(statuses.compactMap { $0["purchaseOrderNumber"]?.stringValue })
          statuses += try client.purchaseOrderStatuses(from: since, to: to, updated: true).filter {
            !known.contains($0["purchaseOrderNumber"]?.stringValue ?? "")
          }
        }
        parts.statuses = statuses
      },
      { parts.shipments = try client.shipments(from: from, to: to) },
      {
        var all: [[(JSONValue, [JSONValue])]] = []
        for m in markets {
          var invoices = try client.invoices(marketplaceId: m.marketplaceId, from: from, to: to)
          if let since = changedSince {
            invoices += try client.invoices(
              marketplaceId: m.marketplaceId, from: since - invoiceLookback * 86_400, to: from,
              modifiedAfter: since)
          }
          all.append(invoices)
        }
        parts.invoices = all
      },
      {
        var all: [[(JSONValue, [JSONValue])]] = []
        for m in markets {
          all.append(try client.remittances(marketplaceId: m.marketplaceId, from: from, to: to))
        }
        parts.remittances = all
      },
    ]
    // Threads of their own, not a pool sized to the cores: the reads spend their time waiting.
    let failures = Failures(count: jobs.count)
    let group = DispatchGroup()
    for (i, job) in jobs.enumerated() {
      group.enter()
      Thread {
        defer { group.leave() }
        do { try job() } catch {
          failures.set(i, error as? SPAPIError ?? .transport("\(error)"))
        }
      }.start()
    }
    group.wait()
    if let error = failures.first { throw error }
    let orders = parts.orders
    let statuses = parts.statuses
    let statusByPO = Dictionary(
      statuses.map { ($0["purchaseOrderNumber"]?.stringValue ?? "", $0) },
      uniquingKeysWith: { a, _ in a })
    var poMarket: [String: Marketplace] = [:]
    var regional: [Record] = []
    var guessed: [String] = []
    for o in orders {
      guard let number = o["purchaseOrderNumber"]?.stringValue else { continue }
      let (found, wasGuessed) = marketplace(forOrder: o, marketplaces)
      guard let m = found,
        let r = SPAPINormalizer.purchaseOrder(o, status: statusByPO[number], marketplace: m)
      else { continue }
      if wasGuessed { guessed.append(number) }
      poMarket[number] = m
      regional.append(r)
    }
    if !guessed.isEmpty {
      progress(
        "warning: \(guessed.count) purchase orders (\(guessed.prefix(3).joined(separator: ", "))\(guessed.count > 3 ? ", …" : "")) name no ship-to country and share their currency with several marketplaces; placed in the first by code"
      )
    }
    for s in parts.shipments {
      let po = s["purchaseOrders"]?.arrayValue?.first?["purchaseOrderNumber"]?.stringValue ?? ""
      guard let m = poMarket[po] ?? marketplaces.first,
        let r = SPAPINormalizer.shipment(s, marketplace: m)
      else { continue }
      regional.append(r)
    }
    for (i, m) in marketplaces.enumerated() {
      for (header, items) in parts.invoices[i] {
        if let r = SPAPINormalizer.invoice(header: header, items: items, marketplace: m) {
          regional.append(r)
        }
      }
      for (header, items) in parts.remittances[i] {
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

  /// What the side-by-side reads bring back; each read writes its own property, and all are read
  /// only after every thread has finished (the group's wait returns).
  final class Parts: @unchecked Sendable {
    var orders: [JSONValue] = []
    var statuses: [JSONValue] = []
    var shipments: [JSONValue] = []
    var invoices: [[(JSONValue, [JSONValue])]] = []
    var remittances: [[(JSONValue, [JSONValue])]] = []
  }

  /// The reads' errors; the first in the reads' order is the one reported.
  final class Failures: @unchecked Sendable {
    let lock = NSLock()
    var errors: [SPAPIError?]

    init(count: Int) { errors = Array(repeating: nil, count: count) }

    func set(_ i: Int, _ error: SPAPIError) { lock.withLock { errors[i] = error } }

    var first: SPAPIError? { lock.withLock { errors.compactMap { $0 }.first } }
  }
}
