import AcornHTTP
import AcornModel
import AcornSync
import Crypto
import Foundation
import Testing

/// A stand-in for the five platforms on 127.0.0.1, checking each body and signature the way the
/// platform documents it, and counting what it accepted.
final class PlatformListener: @unchecked Sendable {
  let lock = NSLock()
  var accepted: [String: [String]] = [:]  // channel path → message texts
  var rejected: [String] = []
  var failNext: Set<String> = []
  let dingSecret = "SEC-ding-test-secret"
  let feishuSecret = "feishu-test-secret"
  let hookSecret = "hook-test-secret"
  var server: WebhookPeer?

  static func hmac(_ key: String, _ message: [UInt8]) -> [UInt8] {
    Array(
      HMAC<Crypto.SHA256>.authenticationCode(
        for: message, using: SymmetricKey(data: Array(key.utf8))))
  }

  static func query(_ url: String) -> [String: String] {
    var out: [String: String] = [:]
    for pair in (url.split(separator: "?").dropFirst().first ?? "").split(separator: "&") {
      let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
      if kv.count == 2 { out[kv[0]] = kv[1].removingPercentEncoding ?? kv[1] }
    }
    return out
  }

  func handle(_ r: HTTPRequest) -> HTTPResponse {
    let path = String(r.url.split(separator: "?").first ?? "")
    let json = try? JSONParser.parse(r.body).value
    func reply(_ body: String, status: Int = 200) -> HTTPResponse {
      HTTPResponse(status: status, body: Array(body.utf8))
    }
    lock.lock()
    defer { lock.unlock() }
    if failNext.remove(path) != nil { return reply("{\"error\": \"down\"}", status: 503) }
    var text: String?
    switch path {
    case "/cgi-bin/webhook/send":  // WeCom: key in the URL, markdown content
      guard Self.query(r.url)["key"] == "wecom-key", json?["msgtype"] == .string("markdown") else {
        rejected.append(path)
        return reply("{\"errcode\": 93000, \"errmsg\": \"invalid webhook url\"}")
      }
      text = json?["markdown"]?["content"]?.stringValue
    case "/robot/send":  // DingTalk: timestamp (ms) and sign in the URL
      let q = Self.query(r.url)
      let ts = q["timestamp"] ?? ""
      let expected = Data(Self.hmac(dingSecret, Array("\(ts)\n\(dingSecret)".utf8)))
        .base64EncodedString()
      let fresh =
        Int64(ts).map { abs(Double($0) / 1000 - Date().timeIntervalSince1970) < 3600 } ?? false
      guard q["access_token"] == "ding-token", q["sign"] == expected, fresh,
        json?["msgtype"] == .string("markdown")
      else {
        rejected.append(path)
        return reply("{\"errcode\": 310000, \"errmsg\": \"sign not match\"}")
      }
      text = json?["markdown"]?["text"]?.stringValue
    case "/open-apis/bot/v2/hook/feishu-token":  // Feishu: timestamp (s) and sign in the body
      let ts = json?["timestamp"]?.stringValue ?? ""
      let expected = Data(Self.hmac("\(ts)\n\(feishuSecret)", [])).base64EncodedString()
      guard json?["sign"]?.stringValue == expected, json?["msg_type"] == .string("text") else {
        rejected.append(path)
        return reply(
          "{\"code\": 19021, \"msg\": \"sign match fail or timestamp is not within one hour from current time\"}"
        )
      }
      text = json?["content"]?["text"]?.stringValue
    case "/services/T000/B000/XXXX":  // Slack
      text = json?["text"]?.stringValue
    case "/hook":  // generic: X-Acorn-Signature over the body
      let expected =
        "sha256=" + Self.hmac(hookSecret, r.body).map { String(format: "%02x", $0) }.joined()
      guard r.headers["x-acorn-signature"] == expected else {
        rejected.append(path)
        return reply("{\"error\": \"bad signature\"}", status: 401)
      }
      text = json?["text"]?.stringValue
    default:
      return reply("{}", status: 404)
    }
    accepted[path, default: []].append(text ?? "")
    return reply(
      path == "/services/T000/B000/XXXX"
        ? "ok" : "{\"errcode\": 0, \"code\": 0, \"errmsg\": \"ok\"}")
  }

  func start() throws -> UInt16 {
    let s = WebhookPeer { [unowned self] r in self.handle(r) }
    server = s
    return try s.start()
  }

  func count(_ path: String) -> Int {
    lock.lock()
    defer { lock.unlock() }
    return accepted[path]?.count ?? 0
  }

  deinit { server?.stop() }
}

@Suite("acorn alerts --notify")
struct NotifyCLITests {
  static let channels = """
    notifications:
      - {name: ops-wecom, type: wecom, urlEnv: T_WECOM_URL, lang: zh-CN}
      - {name: finance-ding, type: dingtalk, urlEnv: T_DING_URL, secretEnv: T_DING_SECRET, lang: zh-CN}
      - {name: feishu, type: feishu, urlEnv: T_FEISHU_URL, secretEnv: T_FEISHU_SECRET}
      - {name: slack, type: slack, urlEnv: T_SLACK_URL}
      - {name: hook, type: webhook, urlEnv: T_HOOK_URL, secretEnv: T_HOOK_SECRET, minLevel: error}
    """

  static func environment(_ port: UInt16, _ l: PlatformListener) -> [String: String] {
    let base = "http://127.0.0.1:\(port)"
    return [
      "T_WECOM_URL": base + "/cgi-bin/webhook/send?key=wecom-key",
      "T_DING_URL": base + "/robot/send?access_token=ding-token", "T_DING_SECRET": l.dingSecret,
      "T_FEISHU_URL": base + "/open-apis/bot/v2/hook/feishu-token",
      "T_FEISHU_SECRET": l.feishuSecret,
      "T_SLACK_URL": base + "/services/T000/B000/XXXX", "T_HOOK_URL": base + "/hook",
      "T_HOOK_SECRET": l.hookSecret,
    ]
  }

  @Test(
    "every platform accepts its signed post; only new alerts are sent; a failed channel is retried; no duplicates after a pull"
  )
  func notify() throws {
    let listener = PlatformListener()
    let port = try listener.start()
    let env = Self.environment(port, listener)
    let dir = Folder()
    let ws = try HistoryCLITests.committed(dir)
    try HardeningCLITests.edit(ws + "/acorn.yaml") {
      $0.replacingOccurrences(of: "notifications: []", with: Self.channels)
    }
    #expect(try CLI.run(["commit", "-m", "channels"], in: ws).status == 0)
    _ = try HistoryCLITests.gitRun(
      ["init", "--bare", "-q", dir.path + "/remote.git"], in: dir.path)
    _ = try HistoryCLITests.gitRun(["remote", "add", "origin", dir.path + "/remote.git"], in: ws)
    #expect(try CLI.run(["push"], in: ws).status == 0)
    #expect(try CLI.run(["clone", dir.path + "/remote.git", "mate"], in: dir.path).status == 0)

    listener.lock.lock()
    listener.failNext = ["/services/T000/B000/XXXX"]
    listener.lock.unlock()
    // 2019-11-01: the fixture's shortage claim is one day past its window (an error).
    let first = try CLI.run(
      ["alerts", "--as-of", "2019-11-01", "--notify", "--json"], in: ws, environment: env)
    #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
    #expect(listener.rejected.isEmpty, "\(listener.rejected)")
    for path in [
      "/cgi-bin/webhook/send", "/robot/send", "/open-apis/bot/v2/hook/feishu-token", "/hook",
    ] {
      #expect(listener.count(path) == 1, "\(path)")
    }
    #expect(listener.count("/services/T000/B000/XXXX") == 0)
    #expect(first.stderr.contains("notify slack: failed, will retry on the next run"))
    let wecomText = listener.accepted["/cgi-bin/webhook/send"]?.first ?? ""
    #expect(wecomText.contains("DED-US-INV-2019-0815SC"))
    #expect(wecomText.contains("已逾期 1 天"))
    #expect(
      listener.accepted["/open-apis/bot/v2/hook/feishu-token"]?.first?.contains("overdue by 1 day")
        == true)
    let sent = try HistoryCLITests.gitRun(["ls-files", "alerts/sent"], in: ws)
    #expect(sent.contains("alerts/sent/ops-wecom/"))
    #expect(!sent.contains("alerts/sent/slack/"))
    #expect(try HistoryCLITests.gitRun(["status", "--porcelain"], in: ws) == "")

    // The next run sends nothing new, and retries the channel that failed.
    let second = try CLI.run(
      ["alerts", "--as-of", "2019-11-01", "--notify"], in: ws, environment: env)
    #expect(second.status == 0)
    #expect(listener.count("/services/T000/B000/XXXX") == 1)
    #expect(listener.count("/cgi-bin/webhook/send") == 1)

    // A teammate who pulled does not send them again.
    #expect(try CLI.run(["push"], in: ws).status == 0)
    let mate = dir.path + "/mate"
    #expect(try CLI.run(["pull"], in: mate).status == 0)
    let third = try CLI.run(
      ["alerts", "--as-of", "2019-11-01", "--notify"], in: mate, environment: env)
    #expect(third.status == 0, "\(third.stderr)")
    for path in [
      "/cgi-bin/webhook/send", "/robot/send", "/open-apis/bot/v2/hook/feishu-token", "/hook",
      "/services/T000/B000/XXXX",
    ] {
      #expect(listener.count(path) == 1, "\(path) after the pull")
    }
    // A wrong secret is refused by the platform, reported, and not recorded as sent.
    var wrong = env
    wrong["T_DING_SECRET"] = "not-the-secret"
    // 2021-09-01: the two-year cap on the same claim opens: a new alert.
    let bad = try CLI.run(
      ["alerts", "--as-of", "2021-09-01", "--notify"], in: mate, environment: wrong)
    #expect(bad.stderr.contains("notify finance-ding: failed"))
    #expect(bad.stderr.contains("sign not match"))
  }

  @Test(
    "a channel with no URL configured is refused with what to set; secrets never enter the workspace"
  )
  func missingURL() throws {
    let dir = Folder()
    let ws = try HistoryCLITests.committed(dir)
    try HardeningCLITests.edit(ws + "/acorn.yaml") {
      $0.replacingOccurrences(of: "notifications: []", with: Self.channels)
    }
    let result = try CLI.run(["alerts", "--as-of", "2019-11-01", "--notify"], in: ws)
    #expect(result.status == 2)
    #expect(result.stderr.contains("T_WECOM_URL"))
  }
}
