import AcornModel
import Foundation
import Testing

/// Issue: hardening. Each test plants what a user or a hostile input would, and checks that
/// Acorn refuses, names what to do, and leaves the workspace as it was.
@Suite("hardening: secrets, rewinds, rules that fail closed")
struct HardeningCLITests {
  static func head(_ ws: String) throws -> String {
    try HistoryCLITests.gitRun(["rev-parse", "HEAD"], in: ws)
  }

  static let secrets: [(file: String, text: String, masked: String)] = [
    ("ops/lwa.env", "refresh_token=Atzr|IwEBIJ8xabcdefghijklmnopqrstuvwxyz\n", "Atzr|IwEB…****"),
    (
      "ops/shell.sh", "#!/bin/sh\nexport ACORN_LWA_REFRESH_TOKEN=Atzr|IwEBIJ8xabcdefghijklmnopq\n",
      "Atzr|IwEB…****"
    ),
    ("ops/aws.ini", "[default]\naws_access_key_id=AKIAIOSFODNN7EXAMPLE\n", "AKIAIOSF…****"),
    (
      "ops/aws2.ini",
      "[default]\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
      "wJal…****"
    ),
  ]

  @Test("commit refuses every credential form with exit 1, file:line and the secret masked")
  func commitRefusesSecrets() throws {
    let dir = Folder()
    let ws = try HistoryCLITests.committed(dir)
    for secret in Self.secrets {
      let before = try Self.head(ws)
      try FileManager.default.createDirectory(
        atPath: ws + "/ops", withIntermediateDirectories: true)
      try secret.text.write(toFile: ws + "/" + secret.file, atomically: true, encoding: .utf8)
      let line = secret.text.split(separator: "\n").count
      let result = try CLI.run(["commit", "-m", "oops"], in: ws)
      #expect(result.status == 1, "\(secret.file): \(result.stdout) \(result.stderr)")
      #expect(result.stderr.contains("\(secret.file):\(line)"), "\(result.stderr)")
      #expect(result.stderr.contains(secret.masked), "\(result.stderr)")
      #expect(!result.stderr.contains("IwEBIJ8xabcdefghij"))
      #expect(!result.stderr.contains("bPxRfiCYEXAMPLEKEY"))
      #expect(try Self.head(ws) == before)
      let validate = try CLI.run(["validate"], in: ws)
      #expect(validate.status == 1)
      #expect(validate.stdout.contains(secret.masked))
      try FileManager.default.removeItem(atPath: ws + "/" + secret.file)
    }
  }

  @Test("set refuses a note holding a credential and leaves the record file untouched")
  func setRefusesSecretNote() throws {
    let dir = Folder()
    let ws = try HistoryCLITests.committed(dir)
    let before = try Self.head(ws)
    let result = try CLI.run(
      [
        "set", "RET-DE-R-DE-000123", "--note",
        "use export ACORN_LWA_REFRESH_TOKEN=Atzr|IwEBIJ8xabcdefghijklmnopq",
      ], in: ws)
    #expect(result.status == 1, "\(result.stderr)")
    #expect(result.stderr.contains("Atzr|IwEB…****"))
    #expect(try Self.head(ws) == before)
    #expect(try HistoryCLITests.gitRun(["status", "--porcelain"], in: ws) == "")
  }
}

extension HardeningCLITests {
  @Test("push refuses commits that a plain git commit filled with a credential")
  func pushRefusesSecrets() throws {
    let dir = Folder()
    let ws = try HistoryCLITests.committed(dir)
    _ = try HistoryCLITests.gitRun(
      ["init", "--bare", "-q", dir.path + "/remote.git"], in: dir.path)
    _ = try HistoryCLITests.gitRun(["remote", "add", "origin", dir.path + "/remote.git"], in: ws)
    let first = try CLI.run(["push"], in: ws)
    #expect(first.status == 0, "\(first.stderr)")
    try "aws_access_key_id=AKIAIOSFODNN7EXAMPLE\n".write(
      toFile: ws + "/keys.ini", atomically: true, encoding: .utf8)
    _ = try HistoryCLITests.gitRun(["add", "keys.ini"], in: ws)
    _ = try HistoryCLITests.gitRun(["commit", "-q", "--no-verify", "-m", "keys"], in: ws)
    let pushed = try CLI.run(["push"], in: ws)
    #expect(pushed.status == 1, "\(pushed.stdout)\(pushed.stderr)")
    #expect(pushed.stderr.contains("keys.ini:1"))
    #expect(pushed.stderr.contains("AKIAIOSF…****"))
    let remoteHead = try HistoryCLITests.gitRun(
      ["--git-dir", dir.path + "/remote.git", "rev-parse", "main"], in: dir.path)
    #expect(remoteHead != (try Self.head(ws)))
  }
}

extension HardeningCLITests {
  static func files(_ root: String) -> [String: Data] {
    var out: [String: Data] = [:]
    let walker = FileManager.default.enumerator(atPath: root)
    while let rel = walker?.nextObject() as? String {
      if rel.hasPrefix(".git") || rel.hasPrefix(".acorn") { continue }
      if let data = FileManager.default.contents(atPath: root + "/" + rel) { out[rel] = data }
    }
    return out
  }

  static func synced(_ dir: Folder, until: String = "2026-11-30") throws -> String {
    let made = try CLI.run(["init", "ws", "--marketplace", "US"], in: dir.path)
    #expect(made.status == 0, "\(made.stderr)")
    let ws = dir.path + "/ws"
    let sync = try CLI.run(["sync", "--until", until], in: ws)
    #expect(sync.status == 0, "\(sync.stderr)")
    return ws
  }

  @Test(
    "a sync never rewinds: an older --until keeps newer records and the cursor; bad ranges exit 2")
  func syncNeverRewinds() throws {
    let dir = Folder()
    let ws = try Self.synced(dir)
    let before = Self.files(ws)
    let head = try Self.head(ws)

    let swapped = try CLI.run(["sync", "--since", "2026-11-01", "--until", "2026-10-01"], in: ws)
    #expect(swapped.status == 2)
    #expect(swapped.stderr.contains("--since 2026-11-01 is after --until 2026-10-01"))

    let older = try CLI.run(["sync", "--until", "2026-10-01", "--json"], in: ws)
    #expect(older.status == 0, "\(older.stderr)")
    let doc = try JSONParser.parse(older.stdout)
    let market = doc["marketplaces"]?.arrayValue?.first
    #expect(market?["changed"] == .number(DecimalNumber(0)))
    #expect((market?["older"]?.intValue ?? 0) > 0)
    #expect(Self.files(ws) == before)
    #expect(try Self.head(ws) == head)
    let cursor = try JSONParser.parse(try FileSystemRead.bytes(ws + "/sync/sandbox.json")).value
    #expect(cursor["marketplaces"]?["US"]?["until"] == .string("2026-11-30"))
    // Every record says when Amazon's data in it was observed.
    let invoice = try #require(before.keys.first { $0.contains("/invoice/") })
    let record = try JSONParser.parse(try FileSystemRead.bytes(ws + "/" + invoice)).value
    #expect(record["provenance"]?["observedOn"]?.stringValue != nil)
  }

  @Test("--since is honoured, a future --until is today, impossible dates are refused")
  func syncDates() throws {
    let dir = Folder()
    let made = try CLI.run(["init", "ws", "--marketplace", "US"], in: dir.path)
    #expect(made.status == 0)
    let ws = dir.path + "/ws"
    let since = try CLI.run(["sync", "--since", "2026-10-15", "--until", "2026-10-31"], in: ws)
    #expect(since.status == 0, "\(since.stderr)")
    #expect(since.stdout.contains("2026-10-15…2026-10-31"))
    let cursor = try JSONParser.parse(try FileSystemRead.bytes(ws + "/sync/sandbox.json")).value
    #expect(cursor["marketplaces"]?["US"]?["since"] == .string("2026-10-15"))
    for bad in ["2026-02-30", "2025-02-29", "2026-13-01", "2026-4-01"] {
      let result = try CLI.run(["sync", "--until", bad], in: ws)
      #expect(result.status == 2, "\(bad)")
      #expect(result.stderr.contains("calendar date"), "\(bad): \(result.stderr)")
    }
    let leap = try CLI.run(["sync", "--since", "2024-02-29", "--until", "2024-03-01"], in: ws)
    #expect(leap.status == 0, "\(leap.stderr)")
    let future = try CLI.run(["sync", "--until", "2999-01-01"], in: ws)
    #expect(future.status == 0, "\(future.stderr)")
    #expect(future.stderr.contains("is in the future; syncing as of today"))
  }

  @Test("set refuses a date the calendar does not have; validate finds one written by hand")
  func impossibleDates() throws {
    let dir = Folder()
    let ws = try HistoryCLITests.committed(dir)
    let feb30 = try CLI.run(
      ["set", "DED-US-INV-2019-0815SC", "workflow.followUpDate=2026-02-30"], in: ws)
    #expect(feb30.status == 1, "\(feb30.stdout)\(feb30.stderr)")
    #expect(feb30.stderr.contains("not a real calendar date"))
    let leap = try CLI.run(
      ["set", "DED-US-INV-2019-0815SC", "workflow.followUpDate=2028-02-29"], in: ws)
    #expect(leap.status == 0, "\(leap.stderr)")
    let rel = try #require(Self.files(ws).keys.first { $0.contains("DED-US-INV-2019-0815SC") })
    let text = try String(contentsOfFile: ws + "/" + rel, encoding: .utf8)
    try text.replacingOccurrences(of: "2028-02-29", with: "2027-02-29").write(
      toFile: ws + "/" + rel, atomically: true, encoding: .utf8)
    let validate = try CLI.run(["validate"], in: ws)
    #expect(validate.status == 1)
    #expect(validate.stdout.contains("error[schema.format] workflow.followUpDate"))
  }
}

enum FileSystemRead {
  static func bytes(_ path: String) throws -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw CocoaError(.fileReadNoSuchFile)
    }
    return [UInt8](data)
  }
}

extension HardeningCLITests {
  static func edit(_ file: String, _ transform: (String) -> String) throws {
    let text = try String(contentsOfFile: file, encoding: .utf8)
    let changed = transform(text)
    #expect(changed != text, "the edit of \(file) changed nothing")
    try changed.write(toFile: file, atomically: true, encoding: .utf8)
  }

  @Test(
    "a malformed lifecycles.yaml or acorn.yaml stops set, resolve and sync (exit 2), nothing changes"
  )
  func malformedRulesFailClosed() throws {
    let dir = Folder()
    let ws = try HistoryCLITests.committed(dir)
    try Self.edit(ws + "/rules/lifecycles.yaml") { $0 + "\n  broken: [unclosed\n" }
    _ = try HistoryCLITests.gitRun(["commit", "-qam", "hand edit"], in: ws)
    let head = try Self.head(ws)
    let set = try CLI.run(["set", "RET-DE-R-DE-000123", "workflow.state=settled"], in: ws)
    #expect(set.status == 2, "\(set.stdout)\(set.stderr)")
    #expect(set.stderr.contains("rules/lifecycles.yaml"))
    #expect(set.stderr.contains("acorn validate"))
    #expect(try Self.head(ws) == head)
    #expect(try HistoryCLITests.gitRun(["status", "--porcelain"], in: ws) == "")

    _ = try HistoryCLITests.gitRun(["checkout", "HEAD~1", "--", "rules/lifecycles.yaml"], in: ws)
    try Self.edit(ws + "/acorn.yaml") {
      $0.replacingOccurrences(of: "marketplaces:", with: "marketplaces: {")
    }
    let sync = try CLI.run(["sync", "--until", "2026-10-01"], in: ws)
    #expect(sync.status == 2, "\(sync.stdout)\(sync.stderr)")
    #expect(sync.stderr.contains("acorn.yaml"))
    #expect(try Self.head(ws) == head)
  }

  @Test("a schema keyword Acorn does not implement, or a malformed one, is an error and stops set")
  func schemaKeywordsFailClosed() throws {
    let dir = Folder()
    let ws = try HistoryCLITests.committed(dir)
    let schema = ws + "/schemas/return.schema.json"
    try Self.edit(schema) {
      $0.replacingOccurrences(
        of: "\"additionalProperties\": false",
        with:
          "\"additionalProperties\": false,\n  \"dependentRequired\": {\"workflow\": [\"source\"]}",
        options: [], range: $0.range(of: "\"additionalProperties\": false", options: .backwards))
    }
    let validate = try CLI.run(["validate", "--json"], in: ws)
    #expect(validate.status == 1)
    let findings =
      try JSONParser.parse(Array(validate.stdout.utf8)).value["findings"]?.arrayValue ?? []
    let unsupported = findings.first { $0["code"] == .string("schema.unsupported-keyword") }
    #expect(unsupported?["severity"] == .string("error"))
    #expect(unsupported?["file"] == .string("schemas/return.schema.json"))
    #expect(unsupported?["path"] == .string("dependentRequired"))
    #expect((unsupported?["line"]?.intValue ?? 0) > 1)
    let set = try CLI.run(["set", "RET-DE-R-DE-000123", "workflow.state=received"], in: ws)
    #expect(set.status == 2)
    #expect(set.stderr.contains("dependentRequired"))

    _ = try HistoryCLITests.gitRun(["checkout", "--", "schemas/return.schema.json"], in: ws)
    try Self.edit(ws + "/schemas/common.schema.json") {
      $0.replacingOccurrences(
        of: "\"type\": \"string\",\n      \"format\": \"date\",",
        with: "\"type\": \"string\",\n      \"minLength\": \"10\",\n      \"format\": \"date\",")
    }
    let malformed = try CLI.run(["validate"], in: ws)
    #expect(malformed.status == 1)
    #expect(
      malformed.stdout.contains("error[schema.malformed] [\"$defs\"].date.minLength"),
      "\(malformed.stdout)")
  }

  @Test("a $ref loop is a finding, never a crash")
  func referenceLoop() throws {
    let dir = Folder()
    let ws = try HistoryCLITests.committed(dir)
    try Self.edit(ws + "/schemas/common.schema.json") {
      $0.replacingOccurrences(
        of: "\"$defs\": {",
        with:
          "\"$defs\": {\n    \"a\": {\"$ref\": \"#/$defs/b\"},\n    \"b\": {\"allOf\": [{\"$ref\": \"common.schema.json#/$defs/a\"}]},\n    \"self\": {\"$ref\": \"#/$defs/self\"},"
      )
    }
    try Self.edit(ws + "/schemas/return.schema.json") {
      $0.replacingOccurrences(
        of: "\"$schema\"", with: "\"$ref\": \"common.schema.json#/$defs/a\",\n  \"$schema\"")
    }
    let validate = try CLI.run(["validate"], in: ws)
    #expect(validate.status == 1, "\(validate.stderr)")
    #expect(
      validate.stdout.contains("error[schema.ref-cycle] [\"$defs\"].a[\"$ref\"]"),
      "\(validate.stdout)")
    #expect(validate.stdout.contains("error[schema.ref-cycle] [\"$defs\"].self[\"$ref\"]"))
    let set = try CLI.run(["set", "RET-DE-R-DE-000123", "workflow.state=received"], in: ws)
    #expect(set.status == 2)
  }
}

extension HardeningCLITests {
  @Test("commit refuses hand edits of source and illegal lifecycle moves, as set does")
  func commitAppliesSetRules() throws {
    let dir = Folder()
    let ws = try HistoryCLITests.committed(dir)
    let rel = "records/DE/return/2026-10/RET-DE-R-DE-000123.json"
    let written = try CLI.run(["set", "RET-DE-R-DE-000123", "workflow.state=written-off"], in: ws)
    #expect(written.status == 0, "\(written.stderr)")
    let head = try Self.head(ws)

    try Self.edit(ws + "/" + rel) {
      $0.replacingOccurrences(of: "\"state\": \"written-off\"", with: "\"state\": \"notified\"")
    }
    let back = try CLI.run(["commit", "-m", "reopen"], in: ws)
    #expect(back.status == 1, "\(back.stdout)\(back.stderr)")
    #expect(back.stderr.contains("from written-off to notified"))
    #expect(back.stderr.contains("written-off is terminal"))
    #expect(try Self.head(ws) == head)
    _ = try HistoryCLITests.gitRun(["checkout", "--", rel], in: ws)

    let text = try String(contentsOfFile: ws + "/" + rel, encoding: .utf8)
    let status = try #require(text.range(of: "\"reason\": \"not our product\""))
    try text.replacingCharacters(in: status, with: "\"reason\": \"damaged\"").write(
      toFile: ws + "/" + rel, atomically: true, encoding: .utf8)
    let source = try CLI.run(["commit", "-m", "edit source"], in: ws)
    #expect(source.status == 1, "\(source.stdout)\(source.stderr)")
    #expect(
      source.stderr.contains("source.lines[#2].reason was edited by hand"), "\(source.stderr)")
    #expect(try Self.head(ws) == head)
    _ = try HistoryCLITests.gitRun(["checkout", "--", rel], in: ws)

    // A legal hand edit of workflow commits.
    try Self.edit(ws + "/" + rel) {
      $0.replacingOccurrences(of: "wang.fang@example.com", with: "li.na@example.com")
    }
    let legal = try CLI.run(["commit", "-m", "assign"], in: ws)
    #expect(legal.status == 0, "\(legal.stdout)\(legal.stderr)")
  }
}
