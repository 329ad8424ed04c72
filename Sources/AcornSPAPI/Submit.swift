import AcornModel
import Foundation

/// Sending documents: the vendor POSTs (`submitAcknowledgement`, `SubmitShipmentConfirmations`,
/// `submitInvoices`), `getTransaction`, and the reads that tell whether Amazon already has a
/// document whose answer was lost.
///
/// A POST is not safe to repeat blindly, so its outcomes are told apart: 202 with a transaction
/// id is `accepted`; a 4xx is `rejected` (Amazon refused it; nothing was processed); 429 and 503
/// are retried (Amazon throttled or was unavailable before processing); a 500, a timeout, a
/// dropped connection or an unreadable 202 are `unknown` — Amazon may have the document, and
/// only the caller, who knows the document, can find out.
extension SPAPIClient {
  public enum PostOutcome: Sendable, Equatable {
    case accepted(transactionId: String, requestId: String?)
    case rejected(SPAPIError)
    case unknown(String)
  }

  public func post(_ operation: String, path: String, body: [UInt8]) throws(SPAPIError)
    -> PostOutcome
  {
    let url = configuration.endpoint + path
    var refreshed = false
    var last = ""
    for attempt in 0..<configuration.maxAttempts {
      pace(operation)
      let used = try token(force: false)
      let request = HTTPRequest(
        method: "POST", url: url,
        headers: [
          "x-amz-access-token": used, "user-agent": configuration.userAgent,
          "x-amz-date": Self.timestamp(clock.now()).replacingOccurrences(of: "-", with: "")
            .replacingOccurrences(of: ":", with: ""),
          "accept": "application/json", "content-type": "application/json",
        ], body: body)
      count { $0.requests += 1 }
      let response: HTTPResponse
      do {
        response = try transport.send(request, timeout: configuration.timeout)
      } catch {
        // The request may have arrived: never resend on a guess.
        return .unknown("\(operation): no answer (\(error))")
      }
      adoptLimit(response, operation)
      let requestId = response.headers["x-amzn-requestid"]
      switch response.status {
      case 200..<300:
        guard let json = try? JSONParser.parse(response.body).value,
          let id = json["payload"]?["transactionId"]?.stringValue
            ?? json["transactionId"]?
            .stringValue, !id.isEmpty
        else {
          return .unknown(
            "\(operation): HTTP \(response.status) without a readable transaction id")
        }
        return .accepted(transactionId: id, requestId: requestId)
      case 429, 503:
        let throttled = response.status == 429
        count {
          if throttled { $0.throttled += 1 }
          $0.retries += 1
        }
        last = "HTTP \(response.status)"
        clock.sleep(backoff(attempt, retryAfter: response.headers["retry-after"]))
        continue
      case 500...599:
        return .unknown(
          "\(operation): HTTP \(response.status)"
            + (requestId.map { " [x-amzn-RequestId \($0)]" } ?? ""))
      default:
        let error = Self.apiError(response, operation: operation, requestId: requestId)
        if response.status == 403, !refreshed,
          case .api(_, _, let message, let details, _, _) = error,
          (message + (details ?? "")).lowercased().contains("expired")
        {
          refreshed = true
          _ = try token(force: true, replacing: used)
          continue
        }
        return .rejected(error)
      }
    }
    throw .exhausted(operation: operation, attempts: configuration.maxAttempts, last: last)
  }

  /// Amazon's processing status of a transaction.
  public struct TransactionStatus: Sendable, Equatable {
    public var transactionId: String
    /// `Processing`, `Success` or `Failure`.
    public var status: String
    public var errors: [JSONValue]
  }

  public func transaction(_ id: String) throws(SPAPIError) -> TransactionStatus {
    let json = try get(
      "getTransaction", path: "/vendor/transactions/v1/transactions/\(Self.percentEncode(id))",
      query: [])
    guard let t = json["payload"]?["transactionStatus"],
      let status = t["status"]?.stringValue,
      ["Processing", "Success", "Failure"].contains(status)
    else {
      throw .malformed(operation: "getTransaction", detail: "no transactionStatus.status")
    }
    return TransactionStatus(
      transactionId: t["transactionId"]?.stringValue ?? id, status: status,
      errors: t["errors"]?.arrayValue ?? [])
  }

  /// getPurchaseOrdersStatus for one PO: its items' acknowledgement status, by line.
  public func acknowledgementStatus(purchaseOrderNumber po: String) throws(SPAPIError)
    -> [String: JSONValue]?
  {
    let json = try get(
      "getPurchaseOrdersStatus", path: "/vendor/orders/v1/purchaseOrdersStatus",
      query: [("purchaseOrderNumber", po)])
    guard
      let order = (json["payload"]?["ordersStatus"]?.arrayValue ?? []).first(where: {
        $0["purchaseOrderNumber"]?.stringValue == po
      })
    else { return nil }
    var out: [String: JSONValue] = [:]
    for item in order["itemStatus"]?.arrayValue ?? [] {
      if let seq = item["itemSequenceNumber"]?.stringValue, let ack = item["acknowledgementStatus"]
      {
        out[seq] = ack
      }
    }
    return out
  }

  /// GetShipmentDetails for one shipment id: whether Amazon has it.
  public func hasShipment(_ identifier: String) throws(SPAPIError) -> Bool {
    let json = try get(
      "GetShipmentDetails", path: "/vendor/shipping/v1/shipments",
      query: [("vendorShipmentIdentifier", identifier)])
    return (json["payload"]?["shipments"]?.arrayValue ?? []).contains {
      $0["vendorShipmentIdentifier"]?.stringValue == identifier
    }
  }

  /// getInvoice (finances 2026-06-25): whether Amazon has an invoice number; 404 is no.
  public func hasInvoice(_ number: String, marketplaceId: String) throws(SPAPIError) -> Bool {
    do {
      _ = try get(
        "getInvoice", path: "/finances/invoices/2026-06-25/invoices/\(Self.percentEncode(number))",
        query: [("marketplaceId", marketplaceId)])
      return true
    } catch {
      if case .api(404, _, _, _, _, _) = error { return false }
      throw error
    }
  }
}
