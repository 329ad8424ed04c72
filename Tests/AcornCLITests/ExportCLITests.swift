import AcornModel
import Foundation
import Testing

/// Whether a tool the tests hand output to is installed (CI installs them: .ci/run).
enum Tools {
  static func has(_ command: String) -> Bool {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/sh")
    p.arguments = ["-c", "command -v \(command) >/dev/null 2>&1"]
    try? p.run()
    p.waitUntilExit()
    return p.terminationStatus == 0
  }

  static func python(_ module: String) -> Bool {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", "-c", "import \(module)"]
    p.standardError = FileHandle.nullDevice
    try? p.run()
    p.waitUntilExit()
    return p.terminationStatus == 0
  }

  /// Runs a program (found on PATH), in `dir` when given, with extra environment; its status and
  /// its output (stdout and stderr together).
  static func run(
    _ args: [String], stdin: [UInt8]? = nil, in dir: String? = nil,
    environment: [String: String] = [:]
  ) throws -> (Int32, String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = args
    if let dir { p.currentDirectoryURL = URL(fileURLWithPath: dir) }
    if !environment.isEmpty {
      p.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    }
    let out = Pipe()
    p.standardOutput = out
    p.standardError = out
    let input = Pipe()
    if stdin != nil { p.standardInput = input }
    try p.run()
    if let stdin {
      input.fileHandleForWriting.write(Data(stdin))
      try input.fileHandleForWriting.close()
    }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
  }
}

@Suite("acorn export")
struct ExportCLITests {
  /// The sandbox vendor in US, DE and JP, synced to the end of August 2026.
  static func sandbox(_ dir: Folder, until: String = "2026-08-31") throws -> String {
    let made = try CLI.run(
      ["init", "ws", "--marketplace", "US", "--marketplace", "DE", "--marketplace", "JP"],
      in: dir.path)
    #expect(made.status == 0, "\(made.stderr)")
    let ws = dir.path + "/ws"
    let sync = try CLI.run(["sync", "--until", until], in: ws)
    #expect(sync.status == 0, "\(sync.stderr)")
    return ws
  }

  @Test(
    "bean-check passes on the beancount export of the sandbox workspace",
    .enabled(if: Tools.has("bean-check"), "needs bean-check (pip install beancount)"))
  func beanCheck() throws {
    let dir = Folder()
    let ws = try Self.sandbox(dir)
    let out = dir.path + "/books.beancount"
    let r = try CLI.run(["export", "--format", "beancount", "--out", out], in: ws)
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stderr.contains("Exported "))
    let (status, output) = try Tools.run(["bean-check", out])
    #expect(status == 0, "\(output)")
    let text = try String(contentsOfFile: out, encoding: .utf8)
    #expect(text.contains("Expenses:Amazon:Shortages"))
    #expect(text.contains("Assets:Receivable:Amazon:EU"))
    // A broken entry is caught: the check is real.
    let broken = text.replacingOccurrences(
      of: "Income:Sales:Amazon          -", with: "Income:Sales:Amazon          -1")
    let (badStatus, _) = try Tools.run(["bean-check", "/dev/stdin"], stdin: Array(broken.utf8))
    #expect(badStatus != 0)
    let ledger = try CLI.run(["export", "--format", "ledger", "--marketplace", "JP"], in: ws)
    #expect(ledger.stdout.contains("    Assets:Receivable:Amazon:JP  "))
  }

  @Test(
    "the Kingdee workbook opens in openpyxl with the sheet, columns and balanced vouchers; the same period twice gives the same bytes",
    .enabled(if: Tools.python("openpyxl"), "needs openpyxl (pip install openpyxl)"))
  func kingdeeWorkbook() throws {
    let dir = Folder()
    let ws = try Self.sandbox(dir)
    let x1 = dir.path + "/k1.xlsx"
    let x2 = dir.path + "/k2.xlsx"
    let first = try CLI.run(
      ["export", "--format", "kingdee", "--period", "2026-07", "--out", x1], in: ws)
    #expect(first.status == 0, "\(first.stderr)")
    #expect(first.stderr.contains("Recorded in exports/kingdee/2026-07.json"))
    let head = try HardeningCLITests.head(ws)
    let again = try CLI.run(
      ["export", "--format", "kingdee", "--period", "2026-07", "--out", x2], in: ws)
    #expect(again.status == 0, "\(again.stderr)")
    #expect(try HardeningCLITests.head(ws) == head, "re-exporting records nothing new")
    #expect(FileManager.default.contents(atPath: x1) == FileManager.default.contents(atPath: x2))
    let script = """
      import openpyxl, sys
      from decimal import Decimal
      wb = openpyxl.load_workbook(sys.argv[1])
      ws = wb["凭证"]
      rows = list(ws.iter_rows(values_only=True))
      print("|".join(rows[0]))
      sums = {}
      for r in rows[1:]:
          d, c = sums.get(r[2], (Decimal(0), Decimal(0)))
          sums[r[2]] = (d + Decimal(str(r[8])), c + Decimal(str(r[9])))
      bad = [k for k, (d, c) in sums.items() if d != c]
      print(len(sums), "vouchers", "unbalanced:", bad, "dates:", min(r[0] for r in rows[1:]), max(r[0] for r in rows[1:]))
      """
    let (status, output) = try Tools.run(["python3", "-c", script, x1])
    #expect(status == 0, "\(output)")
    #expect(
      output.contains(
        "日期|凭证字|凭证号|附件数|分录序号|摘要|科目代码|科目名称|借方金额|贷方金额|币别|汇率|原币金额|客户|部门"))
    #expect(output.contains("unbalanced: []"), "\(output)")
    // July's export carries June's vouchers too (nothing was exported before): late arrivals.
    #expect(output.contains("dates: 2026-06-"), "\(output)")
    #expect(first.stderr.contains("from earlier months had not been exported"))
  }

  @Test(
    "periods: a voucher exported once is never exported again; a late arrival comes with the next period; GBK round-trips"
  )
  func periods() throws {
    let dir = Folder()
    let ws = try Self.sandbox(dir)
    let june = try CLI.run(["export", "--format", "csv", "--period", "2026-06"], in: ws)
    #expect(june.status == 0, "\(june.stderr)")
    let files = try HistoryCLITests.gitRun(["ls-files", "exports"], in: ws)
    #expect(files.contains("exports/csv/2026-06.json"))
    #expect(
      try HistoryCLITests.gitRun(["log", "-1", "--format=%s"], in: ws).hasPrefix(
        "Export csv 2026-06: "))
    let juneIDs = Set(Self.voucherIDs(june.stdout))
    #expect(!juneIDs.isEmpty)
    // A payment dated in June arrives after June was exported.
    let csv = dir.path + "/late.csv"
    try """
    Payment Number,Payment Date,Invoice Number,Amount Paid,Currency
    7001,2026-06-28,US-LATE-1,10.00,USD
    """.write(toFile: csv, atomically: true, encoding: .utf8)
    let imported = try CLI.run(["import", csv, "--marketplace", "US"], in: ws)
    #expect(imported.status == 0, "\(imported.stderr)")
    let juneAgain = try CLI.run(["export", "--format", "csv", "--period", "2026-06"], in: ws)
    #expect(juneAgain.stdout == june.stdout, "a recorded period re-exports the same bytes")
    let july = try CLI.run(["export", "--format", "csv", "--period", "2026-07"], in: ws)
    let julyIDs = Set(Self.voucherIDs(july.stdout))
    #expect(juneIDs.isDisjoint(with: julyIDs))
    #expect(july.stdout.contains(",2026-06-28,remittance,US,"), "the late June payment")
    #expect(july.stderr.contains("from earlier months had not been exported"))
    // Yonyou in GBK: decoded by Python's codec, it is the UTF-8 export.
    let utf8 = try CLI.run(["export", "--format", "yonyou", "--marketplace", "DE"], in: ws)
    let out = dir.path + "/u8.txt"
    let gbk = try CLI.run(
      ["export", "--format", "yonyou", "--marketplace", "DE", "--encoding", "gbk", "--out", out],
      in: ws)
    #expect(gbk.status == 0, "\(gbk.stderr)")
    let (status, decoded) = try Tools.run([
      "python3", "-c", "import sys; sys.stdout.write(open(sys.argv[1], 'rb').read().decode('gbk'))",
      out,
    ])
    #expect(status == 0)
    #expect(decoded == utf8.stdout)
    #expect(utf8.stdout.hasPrefix("填制凭证,V800\r\n"))
  }

  @Test(
    "a missing rate or unmapped classification stops the export: exit 2, the setting named, nothing recorded"
  )
  func refusals() throws {
    let dir = Folder()
    let ws = try Self.sandbox(dir, until: "2026-07-15")
    let rules = ws + "/rules/accounts.yaml"
    var text = try String(contentsOfFile: rules, encoding: .utf8)
    text = text.replacingOccurrences(of: "# ledgerCurrency: CNY", with: "ledgerCurrency: CNY")
    try text.write(toFile: rules, atomically: true, encoding: .utf8)
    let r = try CLI.run(["export", "--format", "kingdee", "--period", "2026-06"], in: ws)
    #expect(r.status == 2)
    #expect(r.stderr.contains("no rate for"))
    #expect(r.stderr.contains("[export.rate]"))
    #expect(r.stdout.isEmpty)
    #expect(!FileManager.default.fileExists(atPath: ws + "/exports/kingdee/2026-06.json"))
    let usage = try CLI.run(
      ["export", "--format", "beancount", "--out", dir.path + "/x.xlsx"], in: ws)
    #expect(usage.status == 2)
    #expect(usage.stderr.contains("only kingdee, xero and csv write .xlsx"))
    let period = try CLI.run(["export", "--format", "csv", "--period", "2026-13"], in: ws)
    #expect(period.status == 2)
  }

  static func voucherIDs(_ csv: String) -> [String] {
    csv.components(separatedBy: "\r\n").dropFirst().compactMap { line in
      line.split(separator: ",").first.map(String.init)
    }
  }
}
