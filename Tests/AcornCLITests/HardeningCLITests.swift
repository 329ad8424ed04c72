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
