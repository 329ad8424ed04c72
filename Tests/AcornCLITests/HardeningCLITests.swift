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

  @Test("a keyword outside JSON Schema 2020-12, or a malformed one, is an error and stops set")
  func schemaKeywordsFailClosed() throws {
    let dir = Folder()
    let ws = try HistoryCLITests.committed(dir)
    let schema = ws + "/schemas/return.schema.json"
    try Self.edit(schema) {
      $0.replacingOccurrences(
        of: "\"additionalProperties\": false",
        with:
          "\"additionalProperties\": false,\n  \"dependencies\": {\"workflow\": [\"source\"]}",
        options: [], range: $0.range(of: "\"additionalProperties\": false", options: .backwards))
    }
    let validate = try CLI.run(["validate", "--json"], in: ws)
    #expect(validate.status == 1)
    let findings =
      try JSONParser.parse(Array(validate.stdout.utf8)).value["findings"]?.arrayValue ?? []
    let unsupported = findings.first { $0["code"] == .string("schema.unsupported-keyword") }
    #expect(unsupported?["severity"] == .string("error"))
    #expect(unsupported?["file"] == .string("schemas/return.schema.json"))
    #expect(unsupported?["path"] == .string("dependencies"))
    // The line of the keyword itself (the file parsed again for its lines only on a problem).
    let edited = try String(contentsOfFile: schema, encoding: .utf8)
    let line = edited.components(separatedBy: "\n").firstIndex { $0.contains("\"dependencies\"") }
    #expect(unsupported?["line"]?.intValue == line.map { $0 + 1 })
    let set = try CLI.run(["set", "RET-DE-R-DE-000123", "workflow.state=received"], in: ws)
    #expect(set.status == 2)
    #expect(set.stderr.contains("dependencies"))

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

  @Test(
    "a team's if/then rule in a schema is enforced by set and validate (docs/record-format.md)")
  func conditionalSchemaRule() throws {
    let dir = Folder()
    let ws = try HistoryCLITests.committed(dir)
    try Self.edit(ws + "/schemas/deduction.schema.json") {
      $0.replacingOccurrences(
        of: "\"additionalProperties\": false",
        with: """
          "if": {"properties": {"workflow": {"properties": {"state": {"const": "disputed"}}}}},
            "then": {"properties": {"workflow": {"required": ["disputeCaseIds"]}}},
            "additionalProperties": false
          """,
        options: [], range: $0.range(of: "\"additionalProperties\": false", options: .backwards))
    }
    let id = "DED-US-INV-2019-0815SC"
    #expect(try CLI.run(["validate"], in: ws).status == 0)
    let refused = try CLI.run(["set", id, "workflow.state=disputed"], in: ws)
    #expect(refused.status == 1, "\(refused.stdout)\(refused.stderr)")
    #expect(refused.stderr.contains("disputeCaseIds"), "\(refused.stderr)")
    let set = try CLI.run(
      ["set", id, "workflow.state=disputed", "workflow.disputeCaseIds=C-1"], in: ws)
    #expect(set.status == 0, "\(set.stderr)")
    #expect(try CLI.run(["validate"], in: ws).status == 0)
    // The same rule catches a hand edit that drops the case id.
    let file = ws + "/records/US/deduction/2019-10/\(id).json"
    let record = try JSONParser.parse(Array(try String(contentsOfFile: file, encoding: .utf8).utf8))
      .value
    let edited = try #require(
      record.setting(nil, at: JSONPath([.key("workflow"), .key("disputeCaseIds")])))
    #expect(edited != record)
    try CanonicalJSON.string(edited).write(toFile: file, atomically: true, encoding: .utf8)
    let validate = try CLI.run(["validate"], in: ws)
    #expect(validate.status == 1, "\(validate.stdout)")
    #expect(validate.stdout.contains("disputeCaseIds"), "\(validate.stdout)")
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

extension HardeningCLITests {
  @Test(
    "a plain git pull without Acorn's drivers: status, conflicts, validate and resolve say what git left and how to fix it"
  )
  func plainGitConflicts() throws {
    let dir = Folder()
    let ws = try HistoryCLITests.committed(dir)
    _ = try HistoryCLITests.gitRun(
      ["init", "--bare", "-q", dir.path + "/remote.git"], in: dir.path)
    _ = try HistoryCLITests.gitRun(["remote", "add", "origin", dir.path + "/remote.git"], in: ws)
    #expect(try CLI.run(["push"], in: ws).status == 0)
    // A teammate's plain git clone: no merge driver configured.
    _ = try HistoryCLITests.gitRun(
      ["clone", "-q", "-b", "main", dir.path + "/remote.git", dir.path + "/mate"], in: dir.path)
    let mate = dir.path + "/mate"
    let rel = "records/DE/return/2026-10/RET-DE-R-DE-000123.json"
    try Self.edit(mate + "/" + rel) {
      $0.replacingOccurrences(of: "wang.fang@example.com", with: "li.na@example.com")
    }
    _ = try HistoryCLITests.gitRun(["commit", "-qam", "assign li"], in: mate)
    _ = try HistoryCLITests.gitRun(["push", "-q", "origin", "main"], in: mate)
    let assign = try CLI.run(
      ["set", "RET-DE-R-DE-000123", "workflow.assignee=zhao.lei@example.com"], in: ws)
    #expect(assign.status == 0, "\(assign.stderr)")
    // Plain git without Acorn's driver (a clone whose attributes route records to git's own line
    // merge): conflict markers in the record file.
    try FileManager.default.createDirectory(
      atPath: ws + "/.git/info", withIntermediateDirectories: true)
    try "records/** merge=text\n".write(
      toFile: ws + "/.git/info/attributes", atomically: true, encoding: .utf8)
    _ = try HistoryCLITests.gitRun(["pull", "--no-rebase", "-q", "origin", "main"], in: ws)
    let text = try String(contentsOfFile: ws + "/" + rel, encoding: .utf8)
    try #require(text.contains("<<<<<<<"))

    let status = try CLI.run(["status"], in: ws)
    #expect(status.status == 0, "\(status.stderr)")
    #expect(status.stdout.contains("A merge is in progress."))
    #expect(status.stdout.contains("unmerged: \(rel)"))
    #expect(status.stdout.contains("git merge --abort"))
    let conflicts = try CLI.run(["conflicts"], in: ws)
    #expect(conflicts.status == 1)
    #expect(conflicts.stdout.contains("\(rel): unmerged by git"))
    #expect(conflicts.stdout.contains("acorn doctor --fix"))
    let validate = try CLI.run(["validate"], in: ws)
    #expect(validate.status == 1)
    #expect(validate.stdout.contains("error[git.unmerged]"))
    #expect(validate.stdout.contains("error[git.conflict-markers]"))
    let resolve = try CLI.run(
      ["resolve", "RET-DE-R-DE-000123", "--field", "workflow.assignee", "--ours"], in: ws)
    #expect(resolve.status != 0)
    #expect(resolve.stderr.contains("conflict markers"))
    #expect(!resolve.stderr.contains("JSON syntax"))

    // The way out the messages give works.
    _ = try HistoryCLITests.gitRun(["merge", "--abort"], in: ws)
    try FileManager.default.removeItem(atPath: ws + "/.git/info/attributes")
    let doctor = try CLI.run(["doctor", "--fix"], in: ws)
    #expect(doctor.status == 0, "\(doctor.stdout)\(doctor.stderr)")
    #expect(try HistoryCLITests.gitRun(["config", "pull.rebase"], in: ws) == "false\n")
    let pull = try CLI.run(["pull", "--allow-conflicts"], in: ws)
    #expect(pull.status == 1, "\(pull.stdout)\(pull.stderr)")  // merged, with a conflict to settle
    let after = try CLI.run(["conflicts", "--json"], in: ws)
    let doc = try JSONParser.parse(Array(after.stdout.utf8)).value
    #expect(doc["conflicts"]?.arrayValue?.first?["field"] == .string("workflow.assignee"))
    #expect(doc["unmerged"] == .array([]))
  }

  @Test("a record file that does not parse stays visible: query, conflicts and status say so")
  func brokenFilesVisible() throws {
    let dir = Folder()
    let ws = try HistoryCLITests.committed(dir)
    let rel = "records/US/invoice/2019-08/INV-US-INV-2019-0815.json"
    try "{\"kind\": \"invoice\",".write(toFile: ws + "/" + rel, atomically: true, encoding: .utf8)
    let query = try CLI.run(["query", "SELECT count(*) AS n FROM invoices", "--csv"], in: ws)
    #expect(query.status == 0, "\(query.stderr)")
    #expect(query.stderr.contains("1 record file does not parse"))
    #expect(query.stderr.contains(rel))
    let conflicts = try CLI.run(["conflicts"], in: ws)
    #expect(conflicts.stderr.contains(rel))
    let status = try CLI.run(["status", "--json"], in: ws)
    let doc = try JSONParser.parse(Array(status.stdout.utf8)).value
    #expect(doc["brokenFiles"] == .array([.string(rel)]))
  }

  @Test(
    "clone of a bare remote whose HEAD is unborn checks out main; --branch; a failed clone leaves nothing"
  )
  func cloneBareRemote() throws {
    let dir = Folder()
    let ws = try HistoryCLITests.committed(dir)
    _ = try HistoryCLITests.gitRun(
      ["init", "--bare", "-q", "-b", "master", dir.path + "/remote.git"], in: dir.path)
    _ = try HistoryCLITests.gitRun(["remote", "add", "origin", dir.path + "/remote.git"], in: ws)
    #expect(try CLI.run(["push"], in: ws).status == 0)
    let missing = try CLI.run(
      ["clone", "--branch", "nope", dir.path + "/remote.git", "copy"], in: dir.path)
    #expect(missing.status == 2)
    #expect(!FileManager.default.fileExists(atPath: dir.path + "/copy"))
    let cloned = try CLI.run(["clone", dir.path + "/remote.git", "copy"], in: dir.path)
    #expect(cloned.status == 0, "\(cloned.stderr)")
    #expect(FileManager.default.fileExists(atPath: dir.path + "/copy/acorn.yaml"))
    let branch = try CLI.run(
      ["clone", "--branch", "main", dir.path + "/remote.git", "copy2"], in: dir.path)
    #expect(branch.status == 0, "\(branch.stderr)")
    #expect(try CLI.run(["validate"], in: dir.path + "/copy2").status == 0)
  }
}

/// Hand-made X12 for the CLI tests (never third-party samples).
enum HandX12 {
  static let isa =
    "ISA*00*          *00*          *ZZ*SENDERID       *ZZ*RECEIVERID     *260114*1200*U*00401*000000001*0*P*>"

  static func interchange(_ type: String, _ body: [String], terminator t: String = "~") -> String {
    let st = ["ST*\(type)*0001"] + body + ["SE*\(body.count + 2)*0001"]
    let all = [isa, "GS*IN*S*R*20260114*1200*7*X*004010"] + st + ["GE*1*7", "IEA*1*000000001"]
    return all.map { $0 + t }.joined()
  }

  static func invoice(po: String, number: String = "INV-9") -> String {
    interchange(
      "810",
      [
        "BIG*20260110*\(number)*20260101*\(po)", "IT1*1*2*EA*10.00**VN*SKU1", "TDS*2000",
      ])
  }
}

extension HardeningCLITests {
  @Test("import of a folder imports its files; a missing path exits 2; nothing crashes")
  func importFolder() throws {
    let dir = Folder()
    #expect(try CLI.run(["init", "ws", "--marketplace", "US"], in: dir.path).status == 0)
    let ws = dir.path + "/ws"
    let folder = dir.path + "/edi/2026"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    try HandX12.invoice(po: "PO123", number: "INV-1").write(
      toFile: folder + "/a.edi", atomically: true, encoding: .utf8)
    try HandX12.invoice(po: "PO124", number: "INV-2").write(
      toFile: dir.path + "/edi/b.edi", atomically: true, encoding: .utf8)
    let result = try CLI.run(["import", dir.path + "/edi", "--json"], in: ws)
    #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    let doc = try JSONParser.parse(Array(result.stdout.utf8)).value
    #expect(doc["new"] == .number(DecimalNumber(2)))
    #expect(doc["files"]?.arrayValue?.count == 2)
    let missing = try CLI.run(["import", dir.path + "/nope.edi"], in: ws)
    #expect(missing.status == 2, "\(missing.stderr)")
    #expect(missing.stderr.contains("nope.edi"))
    let empty = dir.path + "/empty"
    try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
    let none = try CLI.run(["import", empty, "--json"], in: ws)
    #expect(none.status == 2)
    let noneDoc = try JSONParser.parse(Array(none.stdout.utf8)).value
    #expect(noneDoc["error"]?["code"] == .string("import.unreadable"))
    // A file that opens but cannot be read (the kernel answers EIO) is an operational error, 2,
    // not a finding in its content.
    let unreadable = try CLI.run(["import", "/proc/self/mem"], in: ws)
    #expect(unreadable.status == 2, "\(unreadable.stderr)")
    #expect(
      unreadable.stderr.contains("/proc/self/mem: cannot read the file: Input/output error"),
      "\(unreadable.stderr)")
  }

  @Test(
    "an import checks every record as validate would, before writing anything; --json always prints one document"
  )
  func importValidatesFirst() throws {
    let dir = Folder()
    #expect(try CLI.run(["init", "ws", "--marketplace", "US"], in: dir.path).status == 0)
    let ws = dir.path + "/ws"
    let good = dir.path + "/good.edi"
    let bad = dir.path + "/bad.edi"
    try HandX12.invoice(po: "PO123", number: "INV-1").write(
      toFile: good, atomically: true, encoding: .utf8)
    try HandX12.invoice(po: "PO 12/3", number: "INV-2").write(
      toFile: bad, atomically: true, encoding: .utf8)
    let head = try Self.head(ws)
    let result = try CLI.run(["import", good, bad, "--json"], in: ws)
    #expect(result.status == 1)
    let doc = try JSONParser.parse(Array(result.stdout.utf8)).value
    #expect(doc["imported"] == .bool(false))
    #expect(doc["error"]?["code"] == .string("import.invalid"))
    let diagnostics = doc["diagnostics"]?.arrayValue?.compactMap(\.stringValue) ?? []
    #expect(
      diagnostics.contains {
        $0.hasPrefix("\(bad) segment 3: error: INV-US-INV-2") && $0.contains("purchaseOrderNumbers")
      },
      "\(diagnostics)")
    #expect(try Self.head(ws) == head)
    // Each file's summary counts the errors the check found in its records.
    let files = doc["files"]?.arrayValue ?? []
    #expect(files.map { $0["errors"] } == [.number(DecimalNumber(0)), .number(DecimalNumber(2))])
    let text = try CLI.run(["import", good, bad], in: ws)
    #expect(text.stderr.contains("\(good): x12, 1 record, 0 errors"), "\(text.stderr)")
    #expect(text.stderr.contains("\(bad): x12, 1 record, 2 errors"), "\(text.stderr)")
    let kept = try CLI.run(["import", good, bad, "--keep-going"], in: ws)
    #expect(kept.status == 0, "\(kept.stderr)")
    #expect(try CLI.run(["validate"], in: ws).status == 0)
  }
}

extension HardeningCLITests {
  @Test(
    "sync --marketplace M refuses a marketplace acorn.yaml does not list; validate warns once per marketplace and vendor code"
  )
  func marketplaceSettings() throws {
    let dir = Folder()
    let ws = try Self.synced(dir, until: "2026-09-30")
    let head = try Self.head(ws)
    let fr = try CLI.run(["sync", "--marketplace", "FR", "--until", "2026-09-30"], in: ws)
    #expect(fr.status == 2)
    #expect(fr.stderr.contains("FR is not in acorn.yaml (marketplaces: [US])"), "\(fr.stderr)")
    #expect(fr.stderr.contains("marketplaces: [US, FR]"))
    #expect(try Self.head(ws) == head)
    // Settings that disagree with many records: one warning each.
    try Self.edit(ws + "/acorn.yaml") {
      $0.replacingOccurrences(of: "marketplaces: [US]", with: "marketplaces: [DE]")
        .replacingOccurrences(of: "vendorCodes: []", with: "vendorCodes: [OTHER1]")
    }
    let validate = try CLI.run(["validate", "--json"], in: ws)
    let findings =
      try JSONParser.parse(Array(validate.stdout.utf8)).value["findings"]?.arrayValue ?? []
    let market = findings.filter { $0["code"] == .string("settings.marketplace") }
    #expect(market.count == 1)
    #expect(market.first?["message"]?.stringValue?.contains("in marketplace US") == true)
    #expect(findings.filter { $0["code"] == .string("settings.vendor-code") }.count == 1)
  }

  @Test("an 850 whose ship-to is in France becomes an FR purchase order")
  func x12ShipToCountry() throws {
    let dir = Folder()
    #expect(
      try CLI.run(["init", "ws", "--marketplace", "DE", "--marketplace", "FR"], in: dir.path).status
        == 0)
    let ws = dir.path + "/ws"
    let file = dir.path + "/po.edi"
    try HandX12.interchange(
      "850",
      [
        "BEG*00*SA*PO777**20260110", "N1*ST*Amazon CDG7*92*CDG7", "N4*Paris**75001*FR",
        "PO1*1*5*EA*10.00**VN*SKU1",
      ]
    ).write(toFile: file, atomically: true, encoding: .utf8)
    let result = try CLI.run(["import", file], in: ws)
    #expect(result.status == 0, "\(result.stderr)")
    let listed = try CLI.run(["list", "--kind", "purchase-order", "--json"], in: ws)
    #expect(listed.stdout.contains("PO-FR-PO777"), "\(listed.stdout)")
  }
}

extension HardeningCLITests {
  @Test(
    "an imported line that only ends like a claim is flagged for a person, not made a deduction")
  func ambiguousClaimImport() throws {
    let dir = Folder()
    #expect(try CLI.run(["init", "ws", "--marketplace", "US"], in: dir.path).status == 0)
    let ws = dir.path + "/ws"
    let csv = dir.path + "/pay.csv"
    try """
    Payment Number,Payment Date,Invoice Number,Amount Paid,Currency
    900,2026-01-14,US1000,100.00,USD
    900,2026-01-14,US1000SC,-5.00,USD
    900,2026-01-14,DISC,-7.00,USD
    """.write(toFile: csv, atomically: true, encoding: .utf8)
    let result = try CLI.run(["import", csv], in: ws)
    #expect(result.status == 0, "\(result.stderr)")
    let deductions = try CLI.run(["list", "--kind", "deduction", "--json"], in: ws).stdout
    #expect(deductions.contains("DED-US-US1000SC"))
    #expect(!deductions.contains("DISC"))
    let pay = try CLI.run(["show", "PAY-US-900", "--json"], in: ws).stdout
    #expect(pay.contains("DISC ends like a shortage claim of invoice DI"), "\(pay)")
    #expect(try CLI.run(["validate"], in: ws).status == 0)
  }
}

/// Roles (the audit issue, first part): enforced once team.yaml lists members.
@Suite("roles")
struct RoleCLITests {
  static func team(_ ws: String) throws {
    try HardeningCLITests.edit(ws + "/team.yaml") {
      $0.replacingOccurrences(
        of: "members: []",
        with: """
          members:
            - {email: li.na@example.com, name: Li Na, roles: [finance]}
            - {email: wang.fang@example.com, name: Wang Fang, roles: [ops, service]}
          """)
    }
    #expect(try CLI.run(["commit", "-m", "team"], in: ws).status == 0)
  }

  static let ops = [
    "ACORN_AUTHOR_EMAIL": "wang.fang@example.com", "ACORN_AUTHOR_NAME": "Wang Fang",
  ]
  static let finance = ["ACORN_AUTHOR_EMAIL": "li.na@example.com", "ACORN_AUTHOR_NAME": "Li Na"]

  @Test("set refuses moves and fields outside the author's roles, naming the role; commit too")
  func set() throws {
    let dir = Folder()
    let ws = try HistoryCLITests.committed(dir)
    try Self.team(ws)
    let head = try HardeningCLITests.head(ws)
    // Ops may receive a return; only finance may write it off or issue the credit.
    let writeOff = try CLI.run(
      ["set", "RET-DE-R-DE-000123", "workflow.state=written-off"], in: ws, environment: Self.ops)
    #expect(writeOff.status == 1)
    #expect(writeOff.stderr.contains("needs the role finance"), "\(writeOff.stderr)")
    #expect(try HardeningCLITests.head(ws) == head)
    let outsider = try CLI.run(["set", "RET-DE-R-DE-000123", "workflow.state=received"], in: ws)
    #expect(outsider.status == 1)
    #expect(outsider.stderr.contains("cli@example.com is not a member in team.yaml"))
    #expect(
      try CLI.run(
        ["set", "RET-DE-R-DE-000123", "workflow.state=received"], in: ws, environment: Self.ops
      ).status == 0)
    #expect(
      try CLI.run(
        ["set", "RET-DE-R-DE-000123", "workflow.state=credit-issued"], in: ws,
        environment: Self.finance
      ).status == 0)
    let decision = try CLI.run(
      ["set", "DED-US-INV-2019-0815SC", "workflow.expectedRecovery=250.00 USD"], in: ws,
      environment: Self.ops)
    #expect(decision.status == 1)
    #expect(decision.stderr.contains("workflow.expectedRecovery needs the role finance"))
    // A hand edit by ops of a finance-only move is refused at commit.
    let rel = "records/DE/return/2026-10/RET-DE-R-DE-000123.json"
    try HardeningCLITests.edit(ws + "/" + rel) {
      $0.replacingOccurrences(of: "\"state\": \"credit-issued\"", with: "\"state\": \"settled\"")
    }
    let commit = try CLI.run(["commit", "-m", "settle"], in: ws, environment: Self.ops)
    #expect(commit.status == 1)
    #expect(commit.stderr.contains("needs the role finance"))
    #expect(try CLI.run(["commit", "-m", "settle"], in: ws, environment: Self.finance).status == 0)
  }
}

extension RoleCLITests {
  @Test("the state a resolution produces is a move by the person who resolves")
  func resolve() throws {
    let dir = Folder()
    let ws = try HistoryCLITests.committed(dir)
    try Self.team(ws)
    _ = try HistoryCLITests.gitRun(["branch", "finance"], in: ws)
    // settled on main, written-off on the finance branch: two branches of the lifecycle.
    for (state, who) in [
      ("received", Self.ops), ("credit-issued", Self.finance), ("settled", Self.finance),
    ] {
      #expect(
        try CLI.run(
          ["set", "RET-DE-R-DE-000123", "workflow.state=\(state)"], in: ws, environment: who
        )
        .status == 0)
    }
    _ = try HistoryCLITests.gitRun(["checkout", "-q", "finance"], in: ws)
    #expect(
      try CLI.run(
        ["set", "RET-DE-R-DE-000123", "workflow.state=written-off"], in: ws,
        environment: Self.finance
      ).status == 0)
    _ = try HistoryCLITests.gitRun(["checkout", "-q", "main"], in: ws)
    let merged = try CLI.run(
      ["merge", "finance", "--allow-conflicts"], in: ws, environment: Self.ops)
    #expect(merged.status == 1, "\(merged.stdout)\(merged.stderr)")
    let byOps = try CLI.run(
      ["resolve", "RET-DE-R-DE-000123", "--field", "workflow.state", "--theirs"], in: ws,
      environment: Self.ops)
    #expect(byOps.status == 1, "\(byOps.stdout)\(byOps.stderr)")
    #expect(byOps.stderr.contains("needs the role finance"))
    let byFinance = try CLI.run(
      ["resolve", "RET-DE-R-DE-000123", "--field", "workflow.state", "--theirs"], in: ws,
      environment: Self.finance)
    #expect(byFinance.status == 0, "\(byFinance.stderr)")
  }
}

extension RoleCLITests {
  static func plainCommit(_ ws: String, _ message: String, author: String) throws {
    _ = try HistoryCLITests.gitRun(["add", "-A"], in: ws)
    _ = try HistoryCLITests.gitRun(
      [
        "-c", "user.name=X", "-c", "user.email=\(author)", "commit", "-q", "--no-verify",
        "--author", "\(author.split(separator: "@").first ?? "x") <\(author)>", "-m", message,
      ], in: ws)
  }

  @Test(
    "validate --history finds every forbidden change with its commit and author, and none of the allowed"
  )
  func history() throws {
    let dir = Folder()
    #expect(try CLI.run(["init", "ws", "--marketplace", "US"], in: dir.path).status == 0)
    let ws = dir.path + "/ws"
    #expect(try CLI.run(["sync", "--until", "2026-10-31"], in: ws).status == 0)
    try HardeningCLITests.edit(ws + "/team.yaml") {
      $0.replacingOccurrences(
        of: "members: []",
        with: """
          members:
            - {email: li.na@example.com, name: Li Na, roles: [finance, admin]}
            - {email: wang.fang@example.com, name: Wang Fang, roles: [ops, service]}
          """)
    }
    #expect(try CLI.run(["commit", "-m", "team"], in: ws).status == 0)
    let list = try JSONParser.parse(
      Array(try CLI.run(["list", "--kind", "return", "--json"], in: ws).stdout.utf8)
    ).value
    let returns = (list["records"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue }
    try #require(returns.count >= 3)
    // Allowed: ops authorizes a return through acorn.
    #expect(
      try CLI.run(["set", returns[0], "workflow.state=authorized"], in: ws, environment: Self.ops)
        .status == 0)
    let clean = try CLI.run(["validate", "--history", "all", "--json"], in: ws)
    #expect(clean.status == 0, "\(clean.stdout)")
    func path(_ id: String) -> String {
      (list["records"]?.arrayValue ?? []).first { $0["id"]?.stringValue == id }?["path"]?
        .stringValue ?? ""
    }
    // Forbidden, through plain git: ops writes a return off (finance only) …
    try HardeningCLITests.edit(ws + "/" + path(returns[1])) {
      $0.replacingOccurrences(of: "\"state\": \"notified\"", with: "\"state\": \"rejected\"")
    }
    try Self.plainCommit(ws, "reject", author: "wang.fang@example.com")
    try HardeningCLITests.edit(ws + "/" + path(returns[0])) {
      $0.replacingOccurrences(of: "\"state\": \"authorized\"", with: "\"state\": \"written-off\"")
    }
    try Self.plainCommit(ws, "write off", author: "wang.fang@example.com")
    // … an outsider moves one, ops edits Amazon's side and the rules, someone commits a secret.
    try HardeningCLITests.edit(ws + "/" + path(returns[2])) {
      $0.replacingOccurrences(of: "\"state\": \"notified\"", with: "\"state\": \"authorized\"")
    }
    try Self.plainCommit(ws, "outsider", author: "eve@example.com")
    try HardeningCLITests.edit(ws + "/" + path(returns[2])) {
      $0.replacingOccurrences(of: "\"status\": \"", with: "\"status\": \"X")
    }
    try Self.plainCommit(ws, "source", author: "li.na@example.com")
    try HardeningCLITests.edit(ws + "/rules/deadlines.yaml") { $0 + "\n" }
    try Self.plainCommit(ws, "rules", author: "wang.fang@example.com")
    try "refresh_token=Atzr|IwEBIJ8xabcdefghijklmnopqrstuvwxyz\n".write(
      toFile: ws + "/notes.txt", atomically: true, encoding: .utf8)
    try Self.plainCommit(ws, "secret", author: "li.na@example.com")
    _ = try HistoryCLITests.gitRun(["rm", "-q", "notes.txt"], in: ws)
    try Self.plainCommit(ws, "remove it", author: "li.na@example.com")

    let result = try CLI.run(["validate", "--history", "all", "--json"], in: ws)
    #expect(result.status == 1)
    let findings =
      (try JSONParser.parse(Array(result.stdout.utf8)).value["findings"]?.arrayValue ?? [])
      .filter { $0["code"]?.stringValue?.hasPrefix("history.") == true }
    let codes = findings.compactMap { $0["code"]?.stringValue }.sorted()
    #expect(
      codes == [
        "history.credential", "history.not-a-member", "history.role", "history.rules-by-non-admin",
        "history.source-by-hand",
      ], "\(codes)")
    let role =
      findings.first { $0["code"] == .string("history.role") }?["message"]?.stringValue ?? ""
    #expect(role.contains("by wang.fang@example.com"))
    #expect(role.contains("from authorized to written-off, which needs the role finance"))
    let log = try HistoryCLITests.gitRun(["log", "--format=%h %s"], in: ws)
    let writeOff =
      log.split(separator: "\n").first { $0.hasSuffix(" write off") }?.split(separator: " ").first
      ?? "?"
    #expect(role.contains("commit \(writeOff)"), "\(role) vs \(log)")
    // Rejecting a notified return is ops' to do: no finding for it.
    #expect(!findings.contains { ($0["message"]?.stringValue ?? "").contains("to rejected") })
    let range = try CLI.run(["validate", "--history", "HEAD~1..HEAD"], in: ws)
    #expect(range.stderr.contains("history: 1 commit checked"))
  }

  @Test(
    "validate --history hashes what it reads: a file replaced inside .git/objects under another's id is an error, not content it vouches for (other commands read objects as git does)"
  )
  func historyChecksObjectIDs() throws {
    let dir = Folder()
    #expect(try CLI.run(["init", "ws", "--marketplace", "US"], in: dir.path).status == 0)
    let ws = dir.path + "/ws"
    try "hello\n".write(toFile: ws + "/a.txt", atomically: true, encoding: .utf8)
    try "world\n".write(toFile: ws + "/b.txt", atomically: true, encoding: .utf8)
    try Self.plainCommit(ws, "notes", author: "li.na@example.com")
    #expect(try CLI.run(["validate", "--history", "all"], in: ws).status == 0)
    // a.txt's loose object replaced by b.txt's: the same length, another content.
    func object(_ path: String) throws -> String {
      let id = try HistoryCLITests.gitRun(["rev-parse", "HEAD:" + path], in: ws)
        .trimmingCharacters(in: .whitespacesAndNewlines)
      return ws + "/.git/objects/\(id.prefix(2))/\(id.dropFirst(2))"
    }
    let a = try object("a.txt")
    let b = try object("b.txt")
    try #require(
      FileManager.default.fileExists(atPath: a) && FileManager.default.fileExists(atPath: b))
    try FileManager.default.removeItem(atPath: a)
    try FileManager.default.copyItem(atPath: b, toPath: a)
    let result = try CLI.run(["validate", "--history", "all"], in: ws)
    #expect(result.status != 0)
    #expect(result.stderr.contains("cannot read the history"), "\(result.stderr)")
    #expect(result.stderr.contains("mismatch"), "\(result.stderr)")
  }

  @Test("validate --history new checks only the commits since the last clean full run")
  func historyNew() throws {
    let dir = Folder()
    #expect(try CLI.run(["init", "ws", "--marketplace", "US"], in: dir.path).status == 0)
    let ws = dir.path + "/ws"
    let first = try CLI.run(["validate", "--history", "new"], in: ws)
    #expect(first.status == 0 && first.stderr.contains("history: 1 commit checked"), "\(first)")
    for n in 1...3 {
      try HardeningCLITests.edit(ws + "/team.yaml") { $0 + "# note \(n)\n" }
      #expect(try CLI.run(["commit", "-m", "note \(n)"], in: ws).status == 0)
    }
    // A clean partial range does not move the mark past commits it did not check.
    #expect(try CLI.run(["validate", "--history", "HEAD~1..HEAD"], in: ws).status == 0)
    let second = try CLI.run(["validate", "--history", "new"], in: ws)
    #expect(second.stderr.contains("history: 3 commits checked"), "\(second.stderr)")
    let third = try CLI.run(["validate", "--history", "new"], in: ws)
    #expect(third.stderr.contains("history: 0 commits checked"), "\(third.stderr)")
  }
}

extension HardeningCLITests {
  @Test(
    "acorn init installs a pre-commit hook: a plain git commit of a credential or an invalid record is refused"
  )
  func preCommitHook() throws {
    let dir = Folder()
    let ws = try HistoryCLITests.committed(dir)
    #expect(
      FileManager.default.isExecutableFile(atPath: ws + "/.git/hooks/pre-commit"))
    try "aws_access_key_id=AKIAIOSFODNN7EXAMPLE\n".write(
      toFile: ws + "/keys.ini", atomically: true, encoding: .utf8)
    _ = try HistoryCLITests.gitRun(["add", "keys.ini"], in: ws)
    let head = try Self.head(ws)
    _ = try HistoryCLITests.gitRun(["commit", "-q", "-m", "keys"], in: ws)
    #expect(try Self.head(ws) == head, "the hook let a credential through")
    let staged = try CLI.run(["validate", "--staged"], in: ws)
    #expect(staged.status == 1)
    #expect(staged.stdout.contains("AKIAIOSF…****"))
    _ = try HistoryCLITests.gitRun(["rm", "-q", "--cached", "keys.ini"], in: ws)
    try FileManager.default.removeItem(atPath: ws + "/keys.ini")
    let rel = "records/US/invoice/2019-08/INV-US-INV-2019-0815.json"
    try Self.edit(ws + "/" + rel) {
      $0.replacingOccurrences(of: "\"5579.88\"", with: "\"5579.99\"")
    }
    _ = try HistoryCLITests.gitRun(["commit", "-q", "-am", "total"], in: ws)
    #expect(try Self.head(ws) == head, "the hook let an invalid record through")
    _ = try HistoryCLITests.gitRun(["checkout", "--", rel], in: ws)
    #expect(try CLI.run(["validate", "--staged"], in: ws).status == 0)
  }
}

extension RoleCLITests {
  @Test(
    "audit: every money and lifecycle change with commit, author and role; CSV with a BOM keeps Chinese"
  )
  func audit() throws {
    let dir = Folder()
    let ws = try HistoryCLITests.committed(dir)
    try Self.team(ws)
    #expect(
      try CLI.run(
        ["set", "RET-DE-R-DE-000123", "workflow.state=received", "-m", "收货：DTM2 仓库"], in: ws,
        environment: Self.ops
      ).status == 0)
    #expect(
      try CLI.run(
        ["set", "DED-US-INV-2019-0815SC", "workflow.expectedRecovery=250.00 USD"], in: ws,
        environment: Self.finance
      ).status == 0)
    #expect(
      try CLI.run(
        ["set", "DED-US-INV-2019-0815SC", "workflow.assignee=li.na@example.com"], in: ws,
        environment: Self.finance
      ).status == 0)
    let json = try CLI.run(["audit", "--format", "json"], in: ws)
    let changes = try JSONParser.parse(Array(json.stdout.utf8)).value["changes"]?.arrayValue ?? []
    let state = try #require(
      changes.first {
        $0["record"] == .string("RET-DE-R-DE-000123") && $0["field"] == .string("workflow.state")
          && $0["new"] == .string("received")
      })
    #expect(state["email"] == .string("wang.fang@example.com"))
    #expect(state["roles"] == .array([.string("ops"), .string("service")]))
    #expect(state["old"] == .string("authorized"))
    #expect(state["message"] == .string("收货：DTM2 仓库"))
    let money = changes.first {
      $0["field"] == .string("workflow.expectedRecovery")
        && $0["email"] == .string("li.na@example.com")
    }
    #expect(money?["new"] == .string("250.00 USD"))
    // The assignee is neither money nor a lifecycle: not audited.
    #expect(!changes.contains { $0["field"] == .string("workflow.assignee") })
    let only = try CLI.run(["audit", "--format", "json", "--record", "RET-DE-R-DE-000123"], in: ws)
    #expect(!only.stdout.contains("DED-US-INV-2019-0815SC"))
    let csv = try CLI.run(["audit"], in: ws)
    #expect(
      csv.stdout.hasPrefix(
        "\u{FEFF}time,commit,author,email,roles,signature,record,field,old,new,message\r\n"))
    #expect(csv.stdout.contains("收货：DTM2 仓库"))
  }
}

extension RoleCLITests {
  @Test(
    "the pre-receive hook rejects a push failing policy on a real bare repository, and accepts a good one"
  )
  func preReceive() throws {
    let dir = Folder()
    let ws = try HardeningCLITests.synced(dir, until: "2026-10-31")
    try Self.team(ws)
    let list = try JSONParser.parse(
      Array(try CLI.run(["list", "--kind", "return", "--json"], in: ws).stdout.utf8)
    ).value
    let first = try #require(list["records"]?.arrayValue?.first)
    let id = try #require(first["id"]?.stringValue)
    let rel = try #require(first["path"]?.stringValue)
    #expect(
      try CLI.run(["set", id, "workflow.state=authorized"], in: ws, environment: Self.ops).status
        == 0)
    let bare = dir.path + "/server.git"
    _ = try HistoryCLITests.gitRun(["init", "--bare", "-q", bare], in: dir.path)
    let hook = bare + "/hooks/pre-receive"
    try FileManager.default.copyItem(atPath: ws + "/hooks/pre-receive", toPath: hook)
    chmod(hook, 0o755)
    _ = try HistoryCLITests.gitRun(["remote", "add", "origin", bare], in: ws)
    let env = ["ACORN": CLI.binary]
    func push() throws -> CLI.Result {
      let p = Process()
      p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
      p.arguments = ["git", "push", "-q", "origin", "main", "vendor-central"]
      p.currentDirectoryURL = URL(fileURLWithPath: ws)
      var e = ProcessInfo.processInfo.environment
      for (k, v) in env { e[k] = v }
      p.environment = e
      let err = Pipe()
      p.standardError = err
      p.standardOutput = Pipe()
      try p.run()
      let data = err.fileHandleForReading.readDataToEndOfFile()
      p.waitUntilExit()
      return CLI.Result(
        status: p.terminationStatus, stdout: "", stderr: String(decoding: data, as: UTF8.self))
    }
    let good = try push()
    #expect(good.status == 0, "\(good.stderr)")
    // Ops writes a return off by hand (finance only) and pushes with plain git.
    try HardeningCLITests.edit(ws + "/" + rel) {
      $0.replacingOccurrences(of: "\"state\": \"authorized\"", with: "\"state\": \"written-off\"")
    }
    try Self.plainCommit(ws, "write off", author: "wang.fang@example.com")
    let bad = try push()
    #expect(bad.status != 0)
    #expect(bad.stderr.contains("history.role"), "\(bad.stderr)")
    #expect(bad.stderr.contains("push to refs/heads/main refused"))
    let serverHead = try HistoryCLITests.gitRun(
      ["--git-dir", bare, "rev-parse", "main"], in: dir.path)
    #expect(serverHead != (try HardeningCLITests.head(ws)))
    // Finance does it properly: the push goes through.
    _ = try HistoryCLITests.gitRun(["reset", "-q", "--hard", "HEAD~1"], in: ws)
    #expect(
      try CLI.run(["set", id, "workflow.state=written-off"], in: ws, environment: Self.finance)
        .status == 0)
    let fixed = try push()
    #expect(fixed.status == 0, "\(fixed.stderr)")
  }
}

extension RoleCLITests {
  static let hasSSHKeygen = FileManager.default.isExecutableFile(atPath: "/usr/bin/ssh-keygen")

  @Test(
    "requireSignedCommits: validate --history verifies SSH signatures against team.yaml's keys — verified, unsigned, forged, unknown key",
    .enabled(if: hasSSHKeygen, "ssh-keygen (openssh-client) is not installed")
  )
  func signatures() throws {
    let dir = Folder()
    #expect(try CLI.run(["init", "ws", "--marketplace", "US"], in: dir.path).status == 0)
    let ws = dir.path + "/ws"
    // Throwaway keys: Li's registered one, and Mallory's that nobody registered.
    for name in ["li", "mallory"] {
      let keygen = Process()
      keygen.executableURL = URL(fileURLWithPath: "/usr/bin/ssh-keygen")
      keygen.arguments = ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", dir.path + "/" + name]
      try keygen.run()
      keygen.waitUntilExit()
      #expect(keygen.terminationStatus == 0)
    }
    let liKey = try String(contentsOfFile: dir.path + "/li.pub", encoding: .utf8)
      .trimmingCharacters(in: .whitespacesAndNewlines)
    try HardeningCLITests.edit(ws + "/team.yaml") {
      $0.replacingOccurrences(
        of: "members: []",
        with: """
          members:
            - {email: li.na@example.com, name: Li Na, roles: [finance, admin], signingKey: "\(liKey)"}
            - {email: wang.fang@example.com, name: Wang Fang, roles: [ops]}
          """)
    }
    try HardeningCLITests.edit(ws + "/acorn.yaml") { $0 + "requireSignedCommits: true\n" }
    #expect(try CLI.run(["validate"], in: ws).status == 0)
    #expect(try CLI.run(["commit", "-m", "team and signing"], in: ws).status == 0)
    let start = try HardeningCLITests.head(ws).trimmingCharacters(in: .whitespacesAndNewlines)
    func commit(_ message: String, author: String, key: String?) throws -> String {
      var args = ["-c", "user.name=X", "-c", "user.email=\(author)"]
      if let key { args += ["-c", "gpg.format=ssh", "-c", "user.signingkey=\(dir.path)/\(key)"] }
      args += [
        "commit", "-q", "--no-verify", "--allow-empty", "--author", "X <\(author)>", "-m", message,
      ]
      if key != nil { args.append("-S") }
      _ = try HistoryCLITests.gitRun(args, in: ws)
      return try HardeningCLITests.head(ws).trimmingCharacters(in: .whitespacesAndNewlines)
    }
    let good = try commit("signed by li", author: "li.na@example.com", key: "li")
    let unsigned = try commit("unsigned", author: "li.na@example.com", key: nil)
    let forged = try commit("li's name, mallory's key", author: "li.na@example.com", key: "mallory")
    let unknown = try commit("no key registered", author: "wang.fang@example.com", key: "mallory")
    #expect(Set([good, unsigned, forged, unknown]).count == 4)
    let result = try CLI.run(
      ["validate", "--history", "\(start)..HEAD", "--json"], in: ws)
    #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
    let findings =
      try JSONParser.parse(Array(result.stdout.utf8)).value["findings"]?
      .arrayValue ?? []
    func codes(_ commit: String) -> [String] {
      findings.filter { ($0["message"]?.stringValue ?? "").contains(String(commit.prefix(7))) }
        .compactMap { $0["code"]?.stringValue }.sorted()
    }
    #expect(codes(good) == [], "\(findings)")
    #expect(codes(unsigned) == ["history.unsigned"], "\(findings)")
    #expect(codes(forged) == ["history.forged"], "\(findings)")
    #expect(codes(unknown) == ["history.unknown-key"], "\(findings)")
    // Without the setting nothing is required: the same history passes.
    try HardeningCLITests.edit(ws + "/acorn.yaml") {
      $0.replacingOccurrences(of: "requireSignedCommits: true\n", with: "")
    }
    let relaxed = try CLI.run(["validate", "--history", "\(start)..HEAD"], in: ws)
    #expect(relaxed.status == 0, "\(relaxed.stdout)\(relaxed.stderr)")

    // acorn signs its own commits when git would (commit.gpgsign, gpg.format=ssh): Li's commit
    // through acorn verifies.
    for (key, value) in [
      ("commit.gpgsign", "true"), ("gpg.format", "ssh"), ("user.signingkey", dir.path + "/li"),
    ] {
      _ = try HistoryCLITests.gitRun(["config", key, value], in: ws)
    }
    let before = try HardeningCLITests.head(ws)
    try HardeningCLITests.edit(ws + "/acorn.yaml") {
      $0 + "requireSignedCommits: true  # and acorn signs its own\n"
    }
    let signed = try CLI.run(
      ["commit", "-m", "require signatures"], in: ws, environment: Self.finance)
    #expect(signed.status == 0, "\(signed.stderr)")
    #expect(try HardeningCLITests.head(ws) != before)
    let raw = try HistoryCLITests.gitRun(["cat-file", "commit", "HEAD"], in: ws)
    #expect(raw.contains("gpgsig -----BEGIN SSH SIGNATURE-----"), "\(raw)")
    #expect(try HistoryCLITests.gitRun(["status", "--porcelain"], in: ws).isEmpty)
    let last = try CLI.run(["validate", "--history", "HEAD~1..HEAD"], in: ws)
    #expect(last.status == 0, "\(last.stdout)\(last.stderr)")

    // acorn audit shows each change's signature: Li's signed move verifies, the same move by
    // Wang signed with Li's key does not pass as Wang's.
    #expect(try CLI.run(["sync", "--until", "2026-08-31"], in: ws).status == 0)
    let ids = try CLI.run(
      [
        "query",
        "SELECT id FROM deductions WHERE state = 'detected' ORDER BY id LIMIT 2", "--csv",
      ], in: ws
    ).stdout.split(whereSeparator: \.isNewline).dropFirst().map {
      $0.trimmingCharacters(in: .whitespaces)
    }
    try #require(ids.count == 2)
    #expect(
      try CLI.run(["set", ids[0], "workflow.state=in-review"], in: ws, environment: Self.finance)
        .status == 0)
    _ = try HistoryCLITests.gitRun(
      ["config", "user.signingkey", dir.path + "/mallory"], in: ws)
    #expect(
      try CLI.run(["set", ids[1], "workflow.state=in-review"], in: ws, environment: Self.finance)
        .status == 0)
    func auditSignature(_ id: String) throws -> String? {
      let audit = try CLI.run(["audit", "--record", id, "--format", "json"], in: ws)
      let rows = try JSONParser.parse(Array(audit.stdout.utf8)).value["changes"]?.arrayValue ?? []
      return rows.last { $0["field"]?.stringValue == "workflow.state" }?["signature"]?.stringValue
    }
    #expect(try auditSignature(ids[0]) == "verified")
    #expect(try auditSignature(ids[1]) == "forged")
  }
}
