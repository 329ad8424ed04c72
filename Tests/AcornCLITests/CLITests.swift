import AcornModel
import Foundation
import Testing

/// End-to-end: the built `acorn` binary, run as a user would, checked by exit code and output.
enum CLI {
  static let binary: String = {
    let runner = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    var candidates = [runner.appendingPathComponent("acorn").path]
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    candidates.append(url.path + "/.build/debug/acorn")
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[1]
  }()

  static let fixtures: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path + "/Tests/Fixtures/records"
  }()

  struct Result {
    var status: Int32
    var stdout: String
    var stderr: String
  }

  /// `acorn ARGS` in `dir`; `via` runs it through another program first (`["/bin/bash", "-c",
  /// "ulimit …; exec \"$0\" \"$@\""]`, a Python wrapper), which gets the binary and ARGS after its own.
  static func run(
    _ args: [String], in dir: String, environment: [String: String] = [:], via: [String] = []
  ) throws -> Result {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: via.first ?? binary)
    process.arguments = via.isEmpty ? args : Array(via.dropFirst()) + [binary] + args
    process.currentDirectoryURL = URL(fileURLWithPath: dir)
    var env = ProcessInfo.processInfo.environment
    env["NO_COLOR"] = "1"
    env["ACORN_AUTHOR_NAME"] = "CLI Test"
    env["ACORN_AUTHOR_EMAIL"] = "cli@example.com"
    for key in ["ACORN_LWA_CLIENT_ID", "ACORN_LWA_CLIENT_SECRET", "ACORN_LWA_REFRESH_TOKEN"] {
      env.removeValue(forKey: key)
    }
    for (k, v) in environment { env[k] = v }
    process.environment = env
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Result(
      status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
      stderr: String(decoding: e, as: UTF8.self))
  }
}

final class Folder {
  let path: String
  init() {
    path = NSTemporaryDirectory() + "acorn-cli-\(UUID().uuidString.prefix(8))"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }
  deinit { try? FileManager.default.removeItem(atPath: path) }
}

@Suite("acorn CLI")
struct CLITests {
  @Test("init then validate, as a new user would: exit 0")
  func initAndValidate() throws {
    let dir = Folder()
    let made = try CLI.run(
      ["init", "ws", "--vendor-code", "acme1", "--marketplace", "US", "--marketplace", "de"],
      in: dir.path)
    #expect(made.status == 0, "\(made.stderr)")
    #expect(made.stdout.contains("Initialized Acorn workspace"))
    let checked = try CLI.run(["validate", "ws"], in: dir.path)
    #expect(checked.status == 0)
    #expect(checked.stdout.contains("no findings"))
    let again = try CLI.run(["init", "ws"], in: dir.path)
    #expect(again.status == 2)
    #expect(again.stderr.contains("already an Acorn workspace"))
  }

  @Test("usage errors exit 2")
  func usage() throws {
    let dir = Folder()
    #expect(try CLI.run(["init", "ws", "--marketplace", "XX"], in: dir.path).status == 2)
    #expect(try CLI.run(["init", "ws", "--vendor-code", "no spaces"], in: dir.path).status == 2)
    #expect(try CLI.run(["frobnicate"], in: dir.path).status == 2)
    #expect(try CLI.run(["validate", "nowhere"], in: dir.path).status == 2)
    #expect(try CLI.run(["list"], in: dir.path).status == 2)
  }

  static func populated(_ dir: Folder) throws -> String {
    let made = try CLI.run(
      ["init", "ws", "--marketplace", "US", "--marketplace", "DE"], in: dir.path)
    #expect(made.status == 0)
    let ws = dir.path + "/ws"
    try FileManager.default.copyItem(atPath: CLI.fixtures, toPath: ws + "/records")
    return ws
  }

  @Test("findings exit 1, in text, JSON and GitHub annotations")
  func findings() throws {
    let dir = Folder()
    let ws = try Self.populated(dir)
    let file = "records/US/invoice/2019-08/INV-US-INV-2019-0815.json"
    let text = try String(contentsOfFile: ws + "/" + file, encoding: .utf8)
    try text.replacingOccurrences(of: "\"5579.88\"", with: "\"5579.99\"").write(
      toFile: ws + "/" + file, atomically: true, encoding: .utf8)

    let plain = try CLI.run(["validate"], in: ws)
    #expect(plain.status == 1)
    #expect(plain.stdout.contains("\(file):"))
    #expect(plain.stdout.contains("error[invariant.total] source.totalAmount:"))

    let json = try CLI.run(["validate", "--json"], in: ws)
    #expect(json.status == 1)
    let doc = try JSONParser.parse(json.stdout)
    let findings = try #require(doc["findings"]?.arrayValue)
    #expect(doc.objectValue?.keys.sorted() == ["findings"])
    #expect(findings.count == 1)
    #expect(findings.first?["code"] == .string("invariant.total"))
    #expect(findings.first?["file"] == .string(file))
    #expect(findings.first?["line"]?.intValue != nil)
    #expect(findings.first?["path"] == .string("source.totalAmount"))

    let github = try CLI.run(["validate", "--format", "github"], in: ws)
    #expect(github.stdout.hasPrefix("::error file=\(file),line="))
    #expect(github.stdout.contains(",title=invariant.total::source.totalAmount%3A") == false)
    #expect(
      github.stdout.contains(
        ",title=invariant.total::source.totalAmount: totalAmount is 5579.99 USD"))
  }

  @Test("warnings alone exit 0, and 1 with --strict")
  func strict() throws {
    let dir = Folder()
    let ws = try Self.populated(dir)
    try "x".write(toFile: ws + "/records/US/stray.txt", atomically: true, encoding: .utf8)
    #expect(try CLI.run(["validate"], in: ws).status == 0)
    #expect(try CLI.run(["validate", "--strict"], in: ws).status == 1)
  }

  @Test("list filters and prints JSON; show --json prints exactly the record")
  func listAndShow() throws {
    let dir = Folder()
    let ws = try Self.populated(dir)
    let list = try CLI.run(["list", "-C", ws, "--kind", "deduction", "--json"], in: dir.path)
    #expect(list.status == 0)
    let records = try JSONParser.parse(list.stdout)["records"]?.arrayValue
    #expect(records?.count == 1)
    #expect(records?.first?["id"] == .string("DED-US-INV-2019-0815SC"))
    #expect(
      records?.first?["path"] == .string("records/US/deduction/2019-10/DED-US-INV-2019-0815SC.json")
    )

    let byMarket = try CLI.run(["list", "--marketplace", "DE"], in: ws)
    #expect(byMarket.stdout.split(separator: "\n").count == 2)
    // Columns padded to the widest id and kind, one line each, no colour into a pipe.
    let lines = try CLI.run(["list", "--kind", "deduction"], in: ws).stdout
    #expect(
      lines
        == "DED-US-INV-2019-0815SC  deduction  US  records/US/deduction/2019-10/DED-US-INV-2019-0815SC.json\n"
    )
    let rows = byMarket.stdout.split(separator: "\n").map { $0.split(separator: " ").count }
    #expect(rows == [4, 4])

    let show = try CLI.run(["show", "PO-US-4Z32PABC", "--json"], in: ws)
    let onDisk = try String(
      contentsOfFile: ws + "/records/US/purchase-order/2019-07/PO-US-4Z32PABC.json", encoding: .utf8
    )
    #expect(show.stdout == onDisk)

    let human = try CLI.run(["show", "4Z32PABC"], in: ws)
    #expect(human.stdout.contains("source.lines[#1].netCost: 140.00 USD"))
    #expect(human.stdout.contains("workflow.assignee: li.wei@example.com"))

    let missing = try CLI.run(["show", "NOPE"], in: ws)
    #expect(missing.status == 2)
    #expect(missing.stderr.contains("no record with id NOPE"))
  }
}

@Suite("acorn validate: each kind of bad input exits 1 with a clear finding")
struct BadInputTests {
  static let invoice = "records/US/invoice/2019-08/INV-US-INV-2019-0815.json"

  static let cases: [(String, String, String)] = [
    ("malformed JSON", "\"invoiceNumber\": \"INV-2019-0815\",", "json.syntax"),
    ("invalid money", "\"amount\": \"5579.88\"", "schema.pattern"),
    ("planted credential", "\"invoiceStatus\": \"PAID\"", "credential.lwa-refresh-token"),
    ("hostile id", "\"id\": \"INV-US-INV-2019-0815\"", "record.id"),
  ]

  @Test("bad input", arguments: cases.indices)
  func bad(index: Int) throws {
    let (what, target, code) = Self.cases[index]
    let dir = Folder()
    let ws = try CLITests.populated(dir)
    let path = ws + "/" + Self.invoice
    let text = try String(contentsOfFile: path, encoding: .utf8)
    let replacement: String
    switch code {
    case "json.syntax": replacement = "\"invoiceNumber\" \"INV-2019-0815\","
    case "schema.pattern": replacement = "\"amount\": \"5.579,88\""
    case "credential.lwa-refresh-token":
      replacement =
        "\"invoiceStatus\": \"PAID\",\n    \"x\": \"Atzr|IwEBIPlantedToken0123456789abcdef\""
    default: replacement = "\"id\": \"INV-US-../../../CON\""
    }
    #expect(text.contains(target))
    try text.replacingOccurrences(of: target, with: replacement).write(
      toFile: path, atomically: true, encoding: .utf8)
    let result = try CLI.run(["validate", "--json"], in: ws)
    #expect(result.status == 1, "\(what)")
    let findings = try JSONParser.parse(result.stdout)["findings"]?.arrayValue ?? []
    #expect(
      findings.contains { $0["code"] == .string(code) && $0["file"] == .string(Self.invoice) },
      "\(what): \(result.stdout)")
  }
}
