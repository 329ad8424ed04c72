import AcornModel
import Foundation
import Testing

@Suite("acorn alerts")
struct AlertsCLITests {
  @Test(
    "deadlines from the template's rules, with provenance; --fail-on exit codes; --json; Chinese")
  func alerts() throws {
    let dir = Folder()
    let ws = try HistoryCLITests.committed(dir)
    // The fixture's shortage claim (2019-10-01, detected): due 2019-10-31, alert from 2019-10-21.
    let quiet = try CLI.run(["alerts", "--as-of", "2019-10-20", "--fail-on", "warning"], in: ws)
    #expect(quiet.stdout.contains("shortage-dispute-window") == false, "\(quiet.stdout)")
    let closing = try CLI.run(
      ["alerts", "--as-of", "2019-10-21", "--json", "--fail-on", "error"], in: ws)
    #expect(closing.status == 0, "\(closing.stdout)")
    let doc = try JSONParser.parse(Array(closing.stdout.utf8)).value
    let alert = try #require(
      doc["alerts"]?.arrayValue?.first { $0["rule"] == .string("shortage-dispute-window") })
    #expect(alert["daysLeft"] == .number(DecimalNumber(10)))
    #expect(alert["level"] == .string("warning"))
    #expect(alert["amount"] == .string("280.00"))
    #expect(alert["provenance"]?["source"]?.stringValue?.contains("supplypike") == true)
    #expect(alert["zh"]?.stringValue?.contains("还剩 10 天") == true)
    let warn = try CLI.run(["alerts", "--as-of", "2019-10-21", "--fail-on", "warning"], in: ws)
    #expect(warn.status == 1)
    let overdue = try CLI.run(["alerts", "--as-of", "2019-11-01", "--fail-on", "error"], in: ws)
    #expect(overdue.status == 1)
    #expect(
      overdue.stdout.contains("error  1d overdue  [shortage-dispute-window]"), "\(overdue.stdout)")
    let chinese = try CLI.run(["alerts", "--as-of", "2019-11-01", "--lang", "zh-CN"], in: ws)
    #expect(chinese.stdout.contains("已逾期 1 天"))
    // The whole line in Chinese, not only the sentence.
    #expect(
      chinese.stdout.contains("error  逾期 1 天  [shortage-dispute-window]"), "\(chinese.stdout)")
    #expect(chinese.stdout.contains("    规则来源：") && !chinese.stdout.contains("rule source"))
    #expect(chinese.stdout.contains("截至 2019-11-01 共 "))
    #expect(try CLI.run(["init", "empty", "--marketplace", "US"], in: dir.path).status == 0)
    let none = try CLI.run(
      ["alerts", "--as-of", "2026-01-01", "--lang", "zh-CN"], in: dir.path + "/empty")
    #expect(none.stdout == "截至 2026-01-01 没有未结提醒。\n", "\(none.stdout)")
  }

  @Test(
    "a record file that cannot be read alerts as an error of its own, and fails --fail-on error")
  func unreadable() throws {
    let dir = Folder()
    let ws = try HistoryCLITests.committed(dir)
    let quiet = try CLI.run(["alerts", "--as-of", "2019-10-01", "--json"], in: ws)
    #expect(!quiet.stdout.contains("record-unreadable"))
    let path = try #require(
      try CLI.run(["query", "SELECT path FROM invoices ORDER BY path LIMIT 1", "--csv"], in: ws)
        .stdout.split(whereSeparator: \.isNewline).last.map(String.init))
    try "<<<<<<< ours\n{}\n=======\n{}\n>>>>>>> theirs\n".write(
      toFile: ws + "/" + path, atomically: true, encoding: .utf8)
    let loud = try CLI.run(["alerts", "--as-of", "2019-10-01", "--fail-on", "error"], in: ws)
    #expect(loud.status == 1)
    #expect(
      loud.stdout.contains(
        "error  -  [record-unreadable] Record file \(path) cannot be read (git conflict markers at line 1)"
      ),
      "\(loud.stdout)")
  }

  @Test("a sync that stopped working alerts; status shows the last sync")
  func syncHealth() throws {
    let dir = Folder()
    #expect(try CLI.run(["init", "ws", "--marketplace", "US"], in: dir.path).status == 0)
    let ws = dir.path + "/ws"
    #expect(try CLI.run(["sync", "--until", "2026-10-01"], in: ws).status == 0)
    let fresh = try CLI.run(["alerts", "--as-of", "2026-10-03", "--json"], in: ws)
    #expect(!fresh.stdout.contains("sync-health"))
    let stale = try CLI.run(["alerts", "--as-of", "2026-10-04"], in: ws)
    #expect(
      stale.stdout.contains("sandbox US has not synced successfully since 2026-10-01 (3 days)"))
  }
}

extension AlertsCLITests {
  @Test("a failed sync is recorded with its error: status shows it, alerts say it")
  func failedSync() throws {
    let dir = Folder()
    #expect(try CLI.run(["init", "ws", "--marketplace", "US"], in: dir.path).status == 0)
    let ws = dir.path + "/ws"
    let env = [
      "ACORN_LWA_CLIENT_ID": "a", "ACORN_LWA_CLIENT_SECRET": "b", "ACORN_LWA_REFRESH_TOKEN": "c",
    ]
    let failed = try CLI.run(
      [
        "sync", "--source", "sp-api", "--endpoint", "http://127.0.0.1:9", "--token-endpoint",
        "http://127.0.0.1:9/auth/o2/token", "--until", "2026-10-01",
      ], in: ws, environment: env)
    #expect(failed.status == 2)
    let status = try CLI.run(["status", "--json"], in: ws)
    let doc = try JSONParser.parse(Array(status.stdout.utf8)).value
    let state = doc["lastSync"]?.arrayValue?.first { $0["source"] == .string("sp-api") }
    #expect(state?["lastError"]?.stringValue?.contains("network error") == true, "\(status.stdout)")
    #expect(state?["lastRun"] == nil)
    let alerts = try CLI.run(["alerts", "--fail-on", "warning"], in: ws)
    #expect(alerts.status == 1)
    #expect(alerts.stdout.contains("sp-api US has never synced successfully; last error:"))
    #expect(
      !(try HistoryCLITests.gitRun(["status", "--porcelain"], in: ws)).contains("sync-health"))
  }
}
