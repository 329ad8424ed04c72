import AcornAlerts
import AcornGit
import AcornHTTP
import AcornModel
import AcornNotify
import Foundation

/// `acorn alerts --notify`: new alerts posted to the channels of `acorn.yaml`. What each channel
/// was sent is committed under `alerts/sent/<channel>/` (one file per alert, the same bytes on
/// every clone, so teammates' files merge without conflict): a teammate who has pulled does not
/// send it again, and a failed post is sent on the next run.
extension Workspace {
  public static let sentFolder = "alerts/sent"

  public struct NotifyOutcome: Sendable {
    public var channel: String
    public var sent: [String]
    /// The error when the post failed (the alerts stay unsent, for the next run).
    public var error: String?
  }

  /// The configured channels with their URL and secret from the environment, else from the
  /// per-user credentials file's `notifications` section (`{name: {url, secret}}`).
  public func notificationChannels(environment: [String: String], credentials: JSONValue?)
    throws(WorkspaceError) -> [Channel]
  {
    let settings = try settings()
    var out: [Channel] = []
    for c in settings["notifications"]?.arrayValue ?? [] {
      guard let name = c["name"]?.stringValue,
        let kind = c["type"]?.stringValue.flatMap(Channel.Kind.init(rawValue:))
      else { continue }
      let stored = credentials?["notifications"]?[name]
      guard
        let url = c["urlEnv"]?.stringValue.flatMap({ environment[$0] })
          ?? stored?["url"]?.stringValue
      else {
        throw WorkspaceError(
          "notify.no-url",
          "channel \(name): no webhook URL; set \(c["urlEnv"]?.stringValue ?? "its urlEnv variable") or add notifications.\(name).url to the credentials file (mode 0600)"
        )
      }
      let secret =
        c["secretEnv"]?.stringValue.flatMap({ environment[$0] }) ?? stored?["secret"]?.stringValue
      out.append(
        Channel(
          name: name, kind: kind, lang: c["lang"]?.stringValue ?? "en",
          minLevel: c["minLevel"]?.stringValue.flatMap(AlertLevel.init(rawValue:)) ?? .warning,
          url: url, secret: secret))
    }
    return out
  }

  func template(_ lang: String) -> MessageTemplate {
    let rel = "templates/notify.\(lang).md"
    if let bytes = try? FileSystem.read(path(rel)),
      let text = String(validating: bytes, as: UTF8.self)
    {
      return MessageTemplate(text)
    }
    return lang.hasPrefix("zh") ? .chinese : .english
  }

  static func sentPath(channel: String, alert: String) -> String {
    let digest = String(AcornModel.SHA256.hex(Array(alert.utf8)).prefix(24))
    return "\(sentFolder)/\(channel)/\(digest).json"
  }

  /// Posts each channel's new alerts (at or above its level, not yet in `alerts/sent/`), records
  /// the ones accepted, and commits the records in one commit. A failing channel never stops the
  /// others.
  public func notify(
    _ alerts: [Alert], channels: [Channel], transport: any HTTPTransport, asOf: Int,
    author: Signature, now: Date
  ) throws(WorkspaceError) -> [NotifyOutcome] {
    let lock = try WorkspaceLock.acquire(self)
    defer { lock.release() }
    var outcomes: [NotifyOutcome] = []
    var written: [String] = []
    let name = (root as NSString).lastPathComponent
    for channel in channels {
      let fresh = alerts.filter {
        $0.level >= channel.minLevel
          && !FileSystem.exists(path(Self.sentPath(channel: channel.name, alert: $0.id)))
      }
      guard !fresh.isEmpty else {
        outcomes.append(NotifyOutcome(channel: channel.name, sent: [], error: nil))
        continue
      }
      let request = Notifier.request(
        channel, alerts: fresh, template: template(channel.lang), asOf: CivilDate.string(asOf),
        workspace: name, now: now)
      var failure: String?
      do {
        let response = try transport.send(request, timeout: 15)
        failure = Notifier.accepted(channel, response)
      } catch {
        failure = "\(error)"
      }
      if let failure {
        outcomes.append(NotifyOutcome(channel: channel.name, sent: [], error: failure))
        continue
      }
      for a in fresh {
        let rel = Self.sentPath(channel: channel.name, alert: a.id)
        let record: JSONValue = .object([
          "alert": .string(a.id), "channel": .string(channel.name), "rule": .string(a.rule),
        ])
        do {
          try FileSystem.writeAtomically(CanonicalJSON.bytes(record), to: try writablePath(rel))
        } catch {
          throw WorkspaceError("notify.write", "cannot record what was sent", cause: error)
        }
        written.append(rel)
      }
      outcomes.append(NotifyOutcome(channel: channel.name, sent: fresh.map(\.id), error: nil))
    }
    if !written.isEmpty {
      let summary = outcomes.filter { !$0.sent.isEmpty }.map { "\($0.channel): \($0.sent.count)" }
        .joined(separator: ", ")
      _ = try commit(paths: written, message: "Notify new alerts (\(summary))\n", author: author)
    }
    return outcomes
  }
}
