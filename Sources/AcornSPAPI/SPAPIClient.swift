import AcornModel
import Foundation

/// An error from Amazon (with its `code`, `message`, `details` and `x-amzn-RequestId`) or from
/// getting there.
public enum SPAPIError: Error, Sendable, Equatable, CustomStringConvertible {
  case api(
    status: Int, code: String, message: String, details: String?, requestId: String?,
    operation: String)
  case auth(String)
  case transport(String)
  case timeout(String)
  case malformed(operation: String, detail: String)
  case exhausted(operation: String, attempts: Int, last: String)

  public var description: String {
    switch self {
    case .api(let status, let code, let message, let details, let requestId, let operation):
      return "\(operation): HTTP \(status) \(code): \(message)"
        + (details.map { $0.isEmpty ? "" : " (\($0))" } ?? "")
        + (requestId.map { " [x-amzn-RequestId \($0)]" } ?? "")
    case .auth(let m): return "LWA authorization failed: \(m)"
    case .transport(let m): return "network error: \(m)"
    case .timeout(let u): return "timed out waiting for \(u)"
    case .malformed(let op, let d): return "\(op): response is not the JSON Amazon documents: \(d)"
    case .exhausted(let op, let n, let last):
      return "\(op): gave up after \(n) attempts (last: \(last))"
    }
  }
}

/// LWA credentials. They live in the environment or a per-user file, never in the workspace.
public struct LWACredentials: Sendable {
  public var clientId: String
  public var clientSecret: String
  public var refreshToken: String

  public init(clientId: String, clientSecret: String, refreshToken: String) {
    self.clientId = clientId
    self.clientSecret = clientSecret
    self.refreshToken = refreshToken
  }
}

/// A token bucket for one operation: `rate` tokens a second up to `burst`.
struct TokenBucket {
  var rate: Double
  var burst: Double
  var tokens: Double
  var updated: Double

  init(rate: Double, burst: Double, now: Double) {
    self.rate = rate
    self.burst = burst
    tokens = burst
    updated = now
  }

  /// Seconds to wait before a request may go; takes the token.
  mutating func take(now: Double) -> Double {
    tokens = min(burst, tokens + (now - updated) * rate)
    updated = now
    if tokens >= 1 {
      tokens -= 1
      return 0
    }
    let wait = (1 - tokens) / max(rate, 0.0001)
    tokens -= 1
    return wait
  }
}

/// The Selling Partner API client: LWA tokens cached until shortly before expiry and refreshed
/// once on a 403 that says the token expired; per-operation token buckets seeded from the
/// documented rate and burst and updated from `x-amzn-RateLimit-Limit`; 429 and 5xx retried with
/// capped exponential backoff and full jitter, honouring `Retry-After`, a bounded number of times;
/// 400/403/404 not retried; every error carries Amazon's code, message, details and request id.
public final class SPAPIClient: @unchecked Sendable {
  public struct Configuration: Sendable {
    /// `https://sellingpartnerapi-na.amazon.com`, or a test server.
    public var endpoint: String
    public var tokenEndpoint: String
    public var userAgent: String
    public var maxAttempts: Int
    public var backoffBase: Double
    public var backoffCap: Double
    public var timeout: Double

    public init(
      endpoint: String, tokenEndpoint: String = "https://api.amazon.com/auth/o2/token",
      userAgent: String = "Acorn/0.1 (Language=Swift; Platform=Linux)", maxAttempts: Int = 6,
      backoffBase: Double = 0.5, backoffCap: Double = 30, timeout: Double = 30
    ) {
      self.endpoint = endpoint
      self.tokenEndpoint = tokenEndpoint
      self.userAgent = userAgent
      self.maxAttempts = maxAttempts
      self.backoffBase = backoffBase
      self.backoffCap = backoffCap
      self.timeout = timeout
    }

    /// The production host of a region.
    public static func host(_ region: Marketplace.Region) -> String {
      switch region {
      case .na: "https://sellingpartnerapi-na.amazon.com"
      case .eu: "https://sellingpartnerapi-eu.amazon.com"
      case .fe: "https://sellingpartnerapi-fe.amazon.com"
      }
    }
  }

  /// Counters for progress and the benchmark.
  public struct Stats: Sendable {
    public var requests = 0
    public var throttled = 0
    public var retries = 0
    public var tokenRefreshes = 0
    public var waited = 0.0
  }

  /// Requests are paced at this share of the limit Amazon states.
  static let margin = 0.95

  public let configuration: Configuration
  let credentials: LWACredentials
  let transport: any HTTPTransport
  let clock: any SPAPIClock
  /// A random value in `0...ceiling` (full jitter); injectable for tests.
  let jitter: @Sendable (Double) -> Double
  var accessToken: (token: String, expires: Double)?
  var buckets: [String: TokenBucket] = [:]
  var counts = Stats() {
    didSet { onProgress?(counts) }
  }
  /// Requests, retries, throttled answers and waits so far.
  public var stats: Stats { lock.withLock { counts } }
  /// Called after every request (counts so far): the CLI shows it on a terminal.
  public var onProgress: (@Sendable (Stats) -> Void)?
  /// Guards the buckets and the counts. Operations run side by side (each has its own limit):
  /// the lock is never held while waiting for a bucket or for Amazon's answer.
  let lock = NSLock()
  /// Guards the access token, so one refresh serves every thread.
  let tokenLock = NSLock()

  /// Documented rate (requests/second) and burst per operation (SUMMARY.md, FINANCE-APIS.md).
  public static let limits: [String: (Double, Double)] = [
    "getPurchaseOrders": (10, 10), "getPurchaseOrder": (10, 10),
    "getPurchaseOrdersStatus": (10, 10),
    "GetShipmentDetails": (10, 10), "getInvoiceHeaders": (0.5, 1), "getInvoice": (0.5, 1),
    "getRemittanceHeaders": (0.5, 1), "getRemittance": (0.5, 1),
    "submitAcknowledgement": (10, 10), "SubmitShipmentConfirmations": (10, 10),
    "submitInvoices": (10, 10), "getTransaction": (10, 20),
  ]

  public init(
    configuration: Configuration, credentials: LWACredentials, transport: any HTTPTransport,
    clock: any SPAPIClock = SystemClock(),
    jitter: @escaping @Sendable (Double) -> Double = { Double.random(in: 0...$0) }
  ) {
    self.configuration = configuration
    self.credentials = credentials
    self.transport = transport
    self.clock = clock
    self.jitter = jitter
  }

  static func formEncode(_ pairs: [(String, String)]) -> [UInt8] {
    Array(pairs.map { "\(percentEncode($0.0))=\(percentEncode($0.1))" }.joined(separator: "&").utf8)
  }

  /// RFC 3986 unreserved characters stay; everything else is %-encoded (so `+`, `:` and `|` are).
  public static func percentEncode(_ s: String) -> String {
    var out = ""
    for b in s.utf8 {
      switch b {
      case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
        UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
        UInt8(ascii: "_"), UInt8(ascii: "~"):
        out.append(Character(UnicodeScalar(b)))
      default:
        out += String(format: "%%%02X", b)
      }
    }
    return out
  }

  /// Dates on the wire: UTC, `Z`, whole seconds.
  public static func timestamp(_ seconds: Double) -> String {
    CivilDate.timestamp(Int(seconds.rounded(.down)))
  }

  /// The cached access token, refreshed when less than a minute is left (or when `force`d).
  /// `replacing`: the token Amazon called expired — refreshed only if it is still the current
  /// one; another thread may have refreshed it already (one refresh serves every thread).
  func token(force: Bool = false, replacing used: String? = nil) throws(SPAPIError) -> String {
    tokenLock.lock()
    defer { tokenLock.unlock() }
    if let t = accessToken, t.expires - clock.now() > 60,
      !force || (used != nil && used != t.token)
    {
      return t.token
    }
    let body = Self.formEncode([
      ("grant_type", "refresh_token"), ("refresh_token", credentials.refreshToken),
      ("client_id", credentials.clientId), ("client_secret", credentials.clientSecret),
    ])
    let request = HTTPRequest(
      method: "POST", url: configuration.tokenEndpoint,
      headers: [
        "content-type": "application/x-www-form-urlencoded;charset=UTF-8",
        "user-agent": configuration.userAgent,
      ],
      body: body)
    let response: HTTPResponse
    do { response = try transport.send(request, timeout: configuration.timeout) } catch let e
      as SPAPIError
    { throw e } catch let e as HTTPError {
      switch e {
      case .transport(let m): throw .transport(m)
      case .timeout(let u): throw .timeout(u)
      }
    } catch {
      throw .transport("\(error)")
    }
    count { $0.tokenRefreshes += 1 }
    guard response.status == 200, let json = try? JSONParser.parse(response.body).value,
      let token = json["access_token"]?.stringValue
    else {
      let detail = (try? JSONParser.parse(response.body).value).flatMap {
        $0["error_description"]?.stringValue ?? $0["error"]?.stringValue
      }
      throw .auth("HTTP \(response.status)\(detail.map { ": \($0)" } ?? "")")
    }
    let lifetime = Double(json["expires_in"]?.intValue ?? 3600)
    accessToken = (token, clock.now() + lifetime)
    return token
  }

  /// Waits for the operation's bucket (its rate a little under the limit: the server's clock
  /// starts counting when the request arrives). Only taking the token holds the lock.
  func pace(_ operation: String) {
    let (rate, burst) = Self.limits[operation] ?? (1, 1)
    let wait = lock.withLock {
      var bucket =
        buckets[operation]
        ?? TokenBucket(rate: rate * Self.margin, burst: max(1, burst - 1), now: clock.now())
      let wait = bucket.take(now: clock.now())
      buckets[operation] = bucket
      if wait > 0 { counts.waited += wait }
      return wait
    }
    if wait > 0 { clock.sleep(wait) }
  }

  /// Amazon's `x-amzn-RateLimit-Limit` answer sets the operation's rate from now on.
  func adoptLimit(_ response: HTTPResponse, _ operation: String) {
    if let limit = response.headers["x-amzn-ratelimit-limit"], let newRate = Double(limit),
      newRate > 0
    {
      lock.withLock { buckets[operation]?.rate = newRate * Self.margin }
    }
  }

  /// Changes the counts under the lock (and tells `onProgress`).
  func count(_ change: (inout Stats) -> Void) {
    lock.withLock { change(&counts) }
  }

  func backoff(_ attempt: Int, retryAfter: String?) -> Double {
    if let retryAfter, let seconds = Double(retryAfter.trimmingCharacters(in: .whitespaces)),
      seconds >= 0
    {
      return min(seconds, configuration.backoffCap)
    }
    let ceiling = min(configuration.backoffCap, configuration.backoffBase * pow(2, Double(attempt)))
    return jitter(ceiling)
  }

  /// One operation: `GET endpoint + path?query`, decoded from the raw JSON text (exact numbers).
  public func get(_ operation: String, path: String, query: [(String, String)]) throws(SPAPIError)
    -> JSONValue
  {
    let queryText = query.map { "\(Self.percentEncode($0.0))=\(Self.percentEncode($0.1))" }.joined(
      separator: "&")
    let url = configuration.endpoint + path + (queryText.isEmpty ? "" : "?" + queryText)
    var refreshed = false
    var last = ""
    for attempt in 0..<configuration.maxAttempts {
      pace(operation)
      let used = try token(force: false)
      let request = HTTPRequest(
        method: "GET", url: url,
        headers: [
          "x-amz-access-token": used, "user-agent": configuration.userAgent,
          "x-amz-date": Self.timestamp(clock.now()).replacingOccurrences(of: "-", with: "")
            .replacingOccurrences(of: ":", with: ""),
          "accept": "application/json",
        ])
      count { $0.requests += 1 }
      let response: HTTPResponse
      do {
        response = try transport.send(request, timeout: configuration.timeout)
      } catch {
        last = "\(error)"
        count { $0.retries += 1 }
        clock.sleep(backoff(attempt, retryAfter: nil))
        continue
      }
      adoptLimit(response, operation)
      let requestId = response.headers["x-amzn-requestid"]
      switch response.status {
      case 200..<300:
        do { return try JSONParser.parse(response.body).value } catch {
          // A truncated or garbled body: the request is safe to repeat.
          last = "malformed JSON: \(error)"
          count { $0.retries += 1 }
          clock.sleep(backoff(attempt, retryAfter: nil))
          continue
        }
      case 429, 500...599:
        let throttled = response.status == 429
        count {
          if throttled { $0.throttled += 1 }
          $0.retries += 1
        }
        last = "HTTP \(response.status)"
        clock.sleep(backoff(attempt, retryAfter: response.headers["retry-after"]))
        continue
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
        throw error
      }
    }
    throw .exhausted(operation: operation, attempts: configuration.maxAttempts, last: last)
  }

  static func apiError(_ response: HTTPResponse, operation: String, requestId: String?)
    -> SPAPIError
  {
    let json = try? JSONParser.parse(response.body).value
    let first = json?["errors"]?.arrayValue?.first ?? json
    return .api(
      status: response.status, code: first?["code"]?.stringValue ?? "HTTP\(response.status)",
      message: first?["message"]?.stringValue
        ?? String(decoding: response.body.prefix(200), as: UTF8.self),
      details: first?["details"]?.stringValue, requestId: requestId, operation: operation)
  }
}
