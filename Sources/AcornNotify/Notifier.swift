import AcornAlerts
import AcornHTTP
import AcornModel
import Crypto
import Foundation

/// A notification channel from `acorn.yaml` with its secrets resolved (from the environment or a
/// 0600 credentials file, never from the workspace).
public struct Channel: Sendable, Hashable {
  public enum Kind: String, Sendable, CaseIterable {
    case wecom, dingtalk, feishu, slack, webhook
  }

  public var name: String
  public var kind: Kind
  /// `en` or `zh-CN`.
  public var lang: String
  public var minLevel: AlertLevel
  /// The webhook URL (for WeCom, DingTalk and Feishu its key or token is itself a secret).
  public var url: String
  /// The signing secret: DingTalk's and Feishu's signature modes, the generic webhook's HMAC.
  public var secret: String?

  public init(
    name: String, kind: Kind, lang: String = "en", minLevel: AlertLevel = .warning, url: String,
    secret: String? = nil
  ) {
    self.name = name
    self.kind = kind
    self.lang = lang
    self.minLevel = minLevel
    self.url = url
    self.secret = secret
  }
}

/// A message template (`templates/notify.<lang>.md`): a line holding `{{alert}}` is repeated per
/// alert with `{{level}}`, `{{text}}`, `{{due}}`, `{{daysLeft}}`, `{{rule}}`, `{{marketplace}}`;
/// elsewhere `{{count}}`, `{{asOf}}` and `{{workspace}}`.
public struct MessageTemplate: Sendable, Hashable {
  public var text: String

  public init(_ text: String) { self.text = text }

  public static let english = MessageTemplate(
    """
    **Acorn: {{count}} alert(s) for {{workspace}}** (as of {{asOf}})
    {{alert}}- **{{level}}** {{text}}
    """)
  public static let chinese = MessageTemplate(
    """
    **Acorn：{{workspace}} 有 {{count}} 条提醒**（截至 {{asOf}}）
    {{alert}}- **{{level}}** {{text}}
    """)

  public func render(_ alerts: [Alert], lang: String, asOf: String, workspace: String) -> String {
    var out: [String] = []
    for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
      if line.contains("{{alert}}") {
        let pattern = line.replacingOccurrences(of: "{{alert}}", with: "")
        for a in alerts {
          let zh = lang.hasPrefix("zh")
          out.append(
            pattern.replacingOccurrences(of: "{{level}}", with: a.level.rawValue)
              .replacingOccurrences(of: "{{text}}", with: zh ? a.zh : a.en)
              .replacingOccurrences(of: "{{due}}", with: a.dueDate.map(CivilDate.string) ?? "")
              .replacingOccurrences(of: "{{daysLeft}}", with: a.daysLeft.map(String.init) ?? "")
              .replacingOccurrences(of: "{{rule}}", with: a.rule)
              .replacingOccurrences(of: "{{marketplace}}", with: a.marketplace))
        }
      } else {
        out.append(
          line.replacingOccurrences(of: "{{count}}", with: String(alerts.count))
            .replacingOccurrences(of: "{{asOf}}", with: asOf)
            .replacingOccurrences(of: "{{workspace}}", with: workspace))
      }
    }
    while out.last?.isEmpty == true { out.removeLast() }
    return out.joined(separator: "\n")
  }
}

/// Builds each platform's webhook request, in its own documented format and signature mode.
/// Pure: the time is passed in (signatures depend on it).
public enum Notifier {
  static func json(_ v: JSONValue) -> [UInt8] { CanonicalJSON.bytes(v) }

  static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
    Array(HMAC<Crypto.SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
  }

  static func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

  static func percentEncode(_ s: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
  }

  /// DingTalk's signed mode: `sign = urlencode(base64(HMAC-SHA256(key: secret, "timestamp\nsecret")))`,
  /// timestamp in milliseconds, both added to the URL.
  public static func dingTalkSignature(secret: String, timestampMillis: Int64) -> String {
    base64(
      hmacSHA256(key: Array(secret.utf8), message: Array("\(timestampMillis)\n\(secret)".utf8)))
  }

  /// Feishu's signed mode: `sign = base64(HMAC-SHA256(key: "timestamp\nsecret", empty message))`,
  /// timestamp in seconds, both in the body.
  public static func feishuSignature(secret: String, timestampSeconds: Int64) -> String {
    base64(hmacSHA256(key: Array("\(timestampSeconds)\n\(secret)".utf8), message: []))
  }

  /// The generic webhook's `X-Acorn-Signature: sha256=<hex HMAC-SHA256(secret, body)>`.
  public static func webhookSignature(secret: String, body: [UInt8]) -> String {
    "sha256="
      + hmacSHA256(key: Array(secret.utf8), message: body).map {
        String($0, radix: 16).leftPadded(2)
      }.joined()
  }

  public static func request(
    _ channel: Channel, alerts: [Alert], template: MessageTemplate, asOf: String, workspace: String,
    now: Date
  ) -> HTTPRequest {
    let text = template.render(alerts, lang: channel.lang, asOf: asOf, workspace: workspace)
    let title = channel.lang.hasPrefix("zh") ? "Acorn 提醒" : "Acorn alerts"
    let headers = ["content-type": "application/json; charset=utf-8"]
    switch channel.kind {
    case .wecom:
      return HTTPRequest(
        method: "POST", url: channel.url, headers: headers,
        body: json(
          .object(["msgtype": .string("markdown"), "markdown": .object(["content": .string(text)])])
        ))
    case .dingtalk:
      var url = channel.url
      if let secret = channel.secret {
        let ts = Int64((now.timeIntervalSince1970 * 1000).rounded(.down))
        let sign = dingTalkSignature(secret: secret, timestampMillis: ts)
        url += (url.contains("?") ? "&" : "?") + "timestamp=\(ts)&sign=\(percentEncode(sign))"
      }
      return HTTPRequest(
        method: "POST", url: url, headers: headers,
        body: json(
          .object([
            "msgtype": .string("markdown"),
            "markdown": .object(["title": .string(title), "text": .string(text)]),
          ])))
    case .feishu:
      var body: [String: JSONValue] = [
        "msg_type": .string("text"), "content": .object(["text": .string(text)]),
      ]
      if let secret = channel.secret {
        let ts = Int64(now.timeIntervalSince1970.rounded(.down))
        body["timestamp"] = .string(String(ts))
        body["sign"] = .string(feishuSignature(secret: secret, timestampSeconds: ts))
      }
      return HTTPRequest(
        method: "POST", url: channel.url, headers: headers, body: json(.object(body)))
    case .slack:
      return HTTPRequest(
        method: "POST", url: channel.url, headers: headers,
        body: json(.object(["text": .string(text.replacingOccurrences(of: "**", with: "*"))])))
    case .webhook:
      let body = json(
        .object([
          "asOf": .string(asOf), "workspace": .string(workspace), "text": .string(text),
          "alerts": .array(
            alerts.map { a in
              .object([
                "id": .string(a.id), "rule": .string(a.rule), "level": .string(a.level.rawValue),
                "marketplace": .string(a.marketplace), "en": .string(a.en), "zh": .string(a.zh),
                "daysLeft": a.daysLeft.map { .number(DecimalNumber($0)) } ?? .null,
                "records": .array(a.records.map(JSONValue.string)),
              ])
            }),
        ]))
      var h = headers
      if let secret = channel.secret {
        h["x-acorn-signature"] = webhookSignature(secret: secret, body: body)
      }
      return HTTPRequest(method: "POST", url: channel.url, headers: h, body: body)
    }
  }

  /// Whether the platform accepted the post: HTTP 2xx, and for WeCom and DingTalk `errcode` 0,
  /// for Feishu `code` (or `StatusCode`) 0 — they answer 200 with an error in the body.
  public static func accepted(_ channel: Channel, _ response: HTTPResponse) -> String? {
    guard (200..<300).contains(response.status) else {
      return
        "HTTP \(response.status): \(String(decoding: response.body.prefix(200), as: UTF8.self))"
    }
    guard let body = try? JSONParser.parse(response.body).value else { return nil }
    switch channel.kind {
    case .wecom, .dingtalk:
      if let code = body["errcode"]?.intValue, code != 0 {
        return "errcode \(code): \(body["errmsg"]?.stringValue ?? "")"
      }
    case .feishu:
      if let code = body["code"]?.intValue ?? body["StatusCode"]?.intValue, code != 0 {
        return
          "code \(code): \(body["msg"]?.stringValue ?? body["StatusMessage"]?.stringValue ?? "")"
      }
    default: break
    }
    return nil
  }
}

extension String {
  func leftPadded(_ width: Int) -> String {
    count >= width ? self : String(repeating: "0", count: width - count) + self
  }
}
