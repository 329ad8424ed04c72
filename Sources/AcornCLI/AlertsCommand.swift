import AcornAlerts
import AcornHTTP
import AcornModel
import AcornSync
import AcornWorkspace
import ArgumentParser
import Foundation

struct AlertsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "alerts",
    abstract: "Open alerts: deadlines closing or passed, anomalies, sync health.",
    discussion: """
      Every open alert with its level, days left (negative: overdue), the records and amounts \
      involved, the rule and its provenance, in English or Chinese. Rules: rules/deadlines.yaml and \
      rules/alerts.yaml (docs/alerts.md). --fail-on warning|error exits 1 when any alert is at or \
      above that level, for CI.
      """)

  enum Level: String, ExpressibleByArgument, CaseIterable {
    case warning, error
  }

  @OptionGroup var workspaceOptions: WorkspaceOptions
  @OptionGroup var output: OutputOptions

  @Option(
    name: .customLong("as-of"),
    help: "The day alerts are computed for (YYYY-MM-DD; default today, UTC).")
  var asOf: String?

  @Option(help: "Only this marketplace.") var marketplace: Marketplace?

  @Option(
    name: .customLong("fail-on"), help: "Exit 1 when an alert is at or above: warning or error.")
  var failOn: Level?

  @Option(
    help:
      "Language of the lines: en or zh-CN (the sentences, the days left or overdue, the rule source and the total)."
  )
  var lang: String = "en"

  @Flag(help: "Post new alerts to the channels of acorn.yaml (docs/alerts.md).") var notify = false

  @Option(help: "Per-user credentials file (default ~/.config/acorn/credentials.json, mode 0600).")
  var credentials: String?

  func validate() throws {
    if let asOf, CivilDate.day(asOf) == nil {
      throw ValidationError("--as-of takes a calendar date YYYY-MM-DD that exists, not \"\(asOf)\"")
    }
    if !["en", "zh-CN", "zh"].contains(lang) {
      throw ValidationError("--lang takes en or zh-CN, not \"\(lang)\"")
    }
  }

  static func json(_ a: Alert) -> JSONValue {
    var o: [String: JSONValue] = [
      "id": .string(a.id), "rule": .string(a.rule), "level": .string(a.level.rawValue),
      "marketplace": .string(a.marketplace), "records": .array(a.records.map(JSONValue.string)),
      "en": .string(a.en), "zh": .string(a.zh),
      "dueDate": a.dueDate.map { .string(CivilDate.string($0)) } ?? .null,
      "daysLeft": a.daysLeft.map { .number(DecimalNumber($0)) } ?? .null,
      "amount": a.amount.map { .string($0.amountText) } ?? .null,
      "currency": (a.amount?.currency.code).map(JSONValue.string) ?? .null,
      "measured": a.measured.map(JSONValue.string) ?? .null,
    ]
    if let p = a.provenance {
      var po: [String: JSONValue] = [
        "source": .string(p.source), "retrieved": .string(p.retrieved),
      ]
      if let c = p.confidence { po["confidence"] = .string(c) }
      if let n = p.note { po["note"] = .string(n) }
      o["provenance"] = .object(po)
    }
    return .object(o)
  }

  func run() throws {
    let workspace = try Workspace(at: workspaceOptions.workspace)
    if let note = marketplace?.absenceNote(in: workspace) { Terminal.errorLine(note) }
    let day = asOf.flatMap(CivilDate.day) ?? Int(Date().timeIntervalSince1970 / 86_400)
    let alerts = try workspace.alerts(
      Workspace.AlertOptions(asOf: day, marketplace: marketplace?.code))
    var outcomes: [Workspace.NotifyOutcome] = []
    if notify {
      let channels = try workspace.notificationChannels(
        environment: ProcessInfo.processInfo.environment,
        credentials: try Credentials.file(credentials, workspace: workspace)?.json)
      outcomes = try workspace.notify(
        alerts, channels: channels, transport: URLSessionTransport(), asOf: day,
        author: Author.signature(workspace), now: Date())
      for o in outcomes {
        if let e = o.error {
          Terminal.errorLine("notify \(o.channel): failed, will retry on the next run: \(e)")
        } else if !output.json {
          Terminal.errorLine(
            "notify \(o.channel): \(o.sent.count) new alert\(o.sent.count == 1 ? "" : "s") sent")
        }
      }
    }
    if output.json {
      var doc: [String: JSONValue] = [
        "asOf": .string(CivilDate.string(day)), "alerts": .array(alerts.map(Self.json)),
      ]
      if notify {
        doc["notifications"] = .array(
          outcomes.map { o in
            .object([
              "channel": .string(o.channel), "sent": .array(o.sent.map(JSONValue.string)),
              "error": o.error.map(JSONValue.string) ?? .null,
            ])
          })
      }
      Terminal.outBytes(CanonicalJSON.bytes(.object(doc)))
    } else if alerts.isEmpty {
      Terminal.out(
        lang.hasPrefix("zh")
          ? "截至 \(CivilDate.string(day)) 没有未结提醒。"
          : "No open alerts as of \(CivilDate.string(day)).")
    } else {
      let zh = lang.hasPrefix("zh")
      for a in alerts {
        let when =
          a.daysLeft.map {
            zh
              ? ($0 < 0 ? "逾期 \(-$0) 天" : "剩 \($0) 天")
              : ($0 < 0 ? "\(-$0)d overdue" : "\($0)d left")
          } ?? "-"
        Terminal.out("\(a.level.rawValue)  \(when)  [\(a.rule)] \(zh ? a.zh : a.en)")
        if let p = a.provenance {
          let confidence = p.confidence.map { ", \($0)" } ?? ""
          Terminal.out(
            zh
              ? "    规则来源：\(p.source)（查阅于 \(p.retrieved)\(confidence)）"
              : "    rule source: \(p.source) (read \(p.retrieved)\(confidence))")
        }
      }
      let counts = AlertLevel.allCases.reversed().compactMap { l -> String? in
        let n = alerts.filter { $0.level == l }.count
        return n == 0 ? nil : "\(n) \(l.rawValue)"
      }
      Terminal.out(
        zh
          ? "截至 \(CivilDate.string(day)) 共 \(alerts.count) 条未结提醒：\(counts.joined(separator: "，"))"
          : "\(alerts.count) open alerts as of \(CivilDate.string(day)): \(counts.joined(separator: ", "))"
      )
    }
    if let failOn {
      let threshold: AlertLevel = failOn == .error ? .error : .warning
      if alerts.contains(where: { $0.level >= threshold }) { throw ExitCode(1) }
    }
  }
}
