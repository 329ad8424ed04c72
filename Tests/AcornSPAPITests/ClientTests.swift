import AcornModel
import Foundation
import Testing

@testable import AcornSPAPI

/// A virtual clock: sleeping advances time instantly and is recorded.
final class VirtualClock: SPAPIClock, @unchecked Sendable {
  var t: Double = 1_790_000_000
  var slept: [Double] = []
  func now() -> Double { t }
  func sleep(_ seconds: Double) {
    slept.append(seconds)
    t += seconds
  }
}

/// Answers requests from a script, recording them.
final class ScriptedTransport: HTTPTransport, @unchecked Sendable {
  var handler: (HTTPRequest) -> HTTPResponse
  var requests: [HTTPRequest] = []
  init(_ handler: @escaping (HTTPRequest) -> HTTPResponse) { self.handler = handler }
  func send(_ request: HTTPRequest, timeout: Double) throws -> HTTPResponse {
    requests.append(request)
    return handler(request)
  }
  var apiRequests: [HTTPRequest] { requests.filter { !$0.url.contains("/auth/o2/token") } }
  var tokenRequests: [HTTPRequest] { requests.filter { $0.url.contains("/auth/o2/token") } }
}

func json(_ text: String, status: Int = 200, headers: [String: String] = [:]) -> HTTPResponse {
  HTTPResponse(status: status, headers: headers, body: Array(text.utf8))
}

let tokenResponse = json(
  #"{"access_token":"Atza|test-token","token_type":"bearer","expires_in":3600}"#)

func client(_ transport: ScriptedTransport, _ clock: VirtualClock, attempts: Int = 6) -> SPAPIClient
{
  SPAPIClient(
    configuration: .init(
      endpoint: "http://127.0.0.1:1", tokenEndpoint: "http://127.0.0.1:1/auth/o2/token",
      maxAttempts: attempts),
    credentials: LWACredentials(
      clientId: "amzn1.application-oa2-client.x", clientSecret: "s", refreshToken: "Atzr|r"),
    transport: transport, clock: clock, jitter: { $0 / 2 })
}

@Suite("SP-API client")
struct ClientTests {
  @Test(
    "the LWA token is fetched once, sent as x-amz-access-token, and reused until shortly before it expires"
  )
  func tokenCache() throws {
    let clock = VirtualClock()
    let t = ScriptedTransport { r in
      r.url.contains("/auth/o2/token") ? tokenResponse : json(#"{"payload":{}}"#)
    }
    let c = client(t, clock)
    _ = try c.get("getPurchaseOrder", path: "/vendor/orders/v1/purchaseOrders/X", query: [])
    _ = try c.get("getPurchaseOrder", path: "/vendor/orders/v1/purchaseOrders/Y", query: [])
    #expect(t.tokenRequests.count == 1)
    let form = String(decoding: t.tokenRequests[0].body, as: UTF8.self)
    #expect(form.contains("grant_type=refresh_token") && form.contains("refresh_token=Atzr%7Cr"))
    #expect(
      t.apiRequests.allSatisfy {
        $0.headers["x-amz-access-token"] == "Atza|test-token" && $0.headers["user-agent"] != nil
      })
    clock.t += 3590
    _ = try c.get("getPurchaseOrder", path: "/vendor/orders/v1/purchaseOrders/Z", query: [])
    #expect(t.tokenRequests.count == 2)
  }

  @Test("a 403 saying the token expired refreshes once and retries; a second one is an error")
  func expiredToken() throws {
    let clock = VirtualClock()
    var expiredOnce = true
    let t = ScriptedTransport { r in
      if r.url.contains("/auth/o2/token") { return tokenResponse }
      if expiredOnce {
        expiredOnce = false
        return json(
          #"{"errors":[{"code":"Unauthorized","message":"The access token you provided has expired."}]}"#,
          status: 403)
      }
      return json(#"{"payload":{"purchaseOrderNumber":"X"}}"#)
    }
    let c = client(t, clock)
    #expect(
      try c.get("getPurchaseOrder", path: "/p", query: [])["payload"]?["purchaseOrderNumber"]
        == .string("X"))
    #expect(t.tokenRequests.count == 2)
    let always = ScriptedTransport { r in
      r.url.contains("/auth/o2/token")
        ? tokenResponse
        : json(#"{"errors":[{"code":"Unauthorized","message":"token expired"}]}"#, status: 403)
    }
    #expect(throws: SPAPIError.self) {
      try client(always, VirtualClock()).get("getPurchaseOrder", path: "/p", query: [])
    }
    #expect(always.apiRequests.count == 2)
  }

  @Test(
    "429 and 5xx are retried with backoff, honouring Retry-After; truncated JSON is retried too")
  func retries() throws {
    let clock = VirtualClock()
    var n = 0
    let t = ScriptedTransport { r in
      if r.url.contains("/auth/o2/token") { return tokenResponse }
      n += 1
      switch n {
      case 1:
        return json(
          #"{"errors":[{"code":"QuotaExceeded","message":"slow down"}]}"#, status: 429,
          headers: ["Retry-After": "7"])
      case 2: return json("", status: 503)
      case 3: return json(#"{"payload":{"orders":[{"purchaseOrderNu"#)
      default: return json(#"{"payload":{"ok":true}}"#)
      }
    }
    let c = client(t, clock)
    #expect(try c.get("getPurchaseOrders", path: "/p", query: [])["payload"]?["ok"] == .bool(true))
    #expect(t.apiRequests.count == 4)
    #expect(clock.slept.contains(7))  // Retry-After
    #expect(c.stats.throttled == 1 && c.stats.retries == 3)
  }

  @Test("400 and 404 are not retried; errors carry Amazon's code, message, details and request id")
  func clientErrors() throws {
    let t = ScriptedTransport { r in
      r.url.contains("/auth/o2/token")
        ? tokenResponse
        : json(
          #"{"errors":[{"code":"InvalidInput","message":"createdAfter is after createdBefore","details":"range"}]}"#,
          status: 400, headers: ["x-amzn-RequestId": "req-123"])
    }
    do {
      _ = try client(t, VirtualClock()).get("getPurchaseOrders", path: "/p", query: [])
      Issue.record("no error")
    } catch {
      #expect(
        error
          == .api(
            status: 400, code: "InvalidInput", message: "createdAfter is after createdBefore",
            details: "range", requestId: "req-123", operation: "getPurchaseOrders"))
      #expect(error.description.contains("req-123"))
    }
    #expect(t.apiRequests.count == 1)
  }

  @Test("gives up after the configured attempts")
  func exhausted() {
    let t = ScriptedTransport { r in
      r.url.contains("/auth/o2/token") ? tokenResponse : json("", status: 500)
    }
    #expect(throws: SPAPIError.self) {
      try client(t, VirtualClock(), attempts: 3).get("getInvoice", path: "/p", query: [])
    }
    #expect(t.apiRequests.count == 3)
  }

  @Test("token buckets pace requests at the documented rate and follow x-amzn-RateLimit-Limit")
  func rateLimit() throws {
    let clock = VirtualClock()
    let t = ScriptedTransport { r in
      r.url.contains("/auth/o2/token")
        ? tokenResponse : json("{}", headers: ["x-amzn-RateLimit-Limit": "5.0"])
    }
    let c = client(t, clock)
    let start = clock.t
    for _ in 0..<20 { _ = try c.get("getPurchaseOrders", path: "/p", query: []) }
    // A burst of 9 (one below the stated 10) goes at once; the header then lowers the rate to
    // 5/s, paced at 95 %: the 11 others take about 11 / 4.75 = 2.3 s.
    #expect(clock.t - start > 2.1 && clock.t - start < 2.5)
  }

  @Test("dates are UTC with Z and percent-encoded; ranges split into windows")
  func datesAndWindows() throws {
    let t = ScriptedTransport { r in
      r.url.contains("/auth/o2/token") ? tokenResponse : json(#"{"payload":{"orders":[]}}"#)
    }
    let c = client(t, VirtualClock())
    let from = 1_767_225_600.0  // 2026-01-01T00:00:00Z
    _ = try c.purchaseOrders(createdFrom: from, to: from + 20 * 86_400)
    #expect(t.apiRequests.count == 3)
    #expect(
      t.apiRequests[0].url.contains(
        "createdAfter=2026-01-01T00%3A00%3A00Z&createdBefore=2026-01-08T00%3A00%3A00Z"))
    #expect(SPAPIClient.windows(from: from, to: from + 200 * 86_400, days: 90).count == 3)
  }

  @Test("pages are followed; repeated pages and tokens add nothing twice; empty pages are fine")
  func paging() throws {
    var calls = 0
    let t = ScriptedTransport { r in
      if r.url.contains("/auth/o2/token") { return tokenResponse }
      calls += 1
      if !r.url.contains("nextToken") {
        return json(
          #"{"payload":{"orders":[{"purchaseOrderNumber":"A"}],"pagination":{"nextToken":"t1"}}}"#)
      }
      if r.url.contains("nextToken=t1") {
        return json(#"{"payload":{"orders":[],"pagination":{"nextToken":"t2"}}}"#)
      }
      if r.url.contains("nextToken=t2") {
        return json(
          #"{"payload":{"orders":[{"purchaseOrderNumber":"A"},{"purchaseOrderNumber":"B"}],"pagination":{"nextToken":"t2"}}}"#
        )
      }
      return json("{}")
    }
    let orders = try client(t, VirtualClock()).purchaseOrders(
      createdFrom: 1_767_225_600, to: 1_767_225_600 + 86_400)
    #expect(orders.compactMap { $0["purchaseOrderNumber"]?.stringValue } == ["A", "B"])
    #expect(calls == 3)
  }
}

@Suite("SP-API normalization")
struct NormalizeTests {
  @Test(
    "remittance lines are classified by invoice-number suffix, deductions linked to their base invoice",
    arguments: [
      ("INV-123", "invoice", nil), ("INV-123SC", "shortage-claim", "INV-123"),
      ("INV-123SCR", "shortage-claim-reversal", "INV-123"),
      ("INV-123SCRSC", "shortage-claim-revised", "INV-123"),
      ("INV-123PC", "price-claim", "INV-123"),
      ("1234567VCBSINV", "chargeback", nil), ("161017-PROVISION FOR RECEIVABLES", "provision", nil),
      ("161017-PROVISION FOR RECEIVABLESR", "provision-reversal", nil),
      ("161017_PROVISION_FOR_RECEIVABLES", "provision", nil),
      ("IPAPUS1234567", "price-protection", nil), ("1234-56789012", "coop", nil),
    ] as [(String, String, String?)])
  func classify(number: String, classification: String, base: String?) {
    let result = SPAPINormalizer.classify(number)
    #expect(result.classification == classification)
    #expect(result.base == base)
  }

  @Test("the Remittance API's own example: exact money from JSON numbers, one record per payment")
  func remittanceExample() throws {
    let header = try JSONParser.parse(
      #"{"paymentDate": "2026-01-14T00:00:00Z", "paymentNumber": "355522363", "uniquePaymentId": "756473657", "exchangeRate": 1.0, "paymentAmount": {"currencyCode": "EUR", "currencyAmount": 3.5}, "paymentMethod": "EFT", "remittanceStatus": "SUCCESSFUL", "lineItemCount": 1, "countryCode": "DE"}"#
    )
    let items =
      try JSONParser.parse(
        #"[{"invoiceNumber": "INV-2026-00142", "invoiceIssueDate": "2026-01-10T00:00:00Z", "withholdingAmount": {"currencyCode": "EUR", "currencyAmount": 0.0}, "totalAmount": {"currencyCode": "EUR", "currencyAmount": 3.5}, "totalAmountBreakdown": [{"breakdownType": "InvoiceAmount", "breakdownAmount": {"currencyCode": "EUR", "currencyAmount": 3.5}}], "netAmountPaid": {"currencyCode": "EUR", "currencyAmount": 3.5}, "netAmountPaidBreakdown": [{"breakdownType": "AmountPaid", "breakdownAmount": {"currencyCode": "EUR", "currencyAmount": 3.5}}, {"breakdownType": "TermsDiscountTaken", "breakdownAmount": {"currencyCode": "EUR", "currencyAmount": 0.0}}], "description": "Payment for goods received", "paymentTerms": "Net 30", "invoiceType": "Standard"}]"#
      ).arrayValue ?? []
    let records = SPAPINormalizer.remittance(
      header: header, items: items, marketplace: Marketplace("DE")!)
    #expect(records.count == 1)
    let r = try #require(records.first)
    #expect(r.id == "PAY-DE-756473657")
    #expect(
      r.json["source"]?["paymentAmount"]
        == .object(["amount": .string("3.50"), "currency": .string("EUR")]))
    #expect(
      r.json["source"]?["lines"]?[JSONPath([.index(0), .key("amountPaid"), .key("amount")])]
        == .string("3.50"))
  }
}
