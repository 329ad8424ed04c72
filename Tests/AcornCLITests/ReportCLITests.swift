import AcornModel
import Foundation
import Testing

@Suite("acorn report")
struct ReportCLITests {
  /// Where tests leave files for people to look at (screenshots): .build/test-output.
  static let outputFolder: String = {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
    let dir = root.appendingPathComponent(".build/test-output").path
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
  }()

  /// The check run on Chromium's rendered DOM: every section present, and each number in the
  /// page's tables equal to the JSON report's.
  static let compare = #"""
    import html.parser, json, sys
    dom = open(sys.argv[1], encoding="utf-8").read()
    data = json.load(open(sys.argv[2], encoding="utf-8"))
    class P(html.parser.HTMLParser):
        def __init__(self):
            super().__init__(); self.tables = {}; self.cur = None; self.row = None; self.cell = None
            self.sections = []; self.svgs = 0
        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "section": self.sections.append(a.get("id"))
            if tag == "svg": self.svgs += 1
            if tag == "table": self.cur = self.tables.setdefault(a.get("data-table"), [])
            if tag == "tr" and self.cur is not None: self.row = []
            if tag == "td" and self.row is not None: self.cell = a.get("data-v"); self.text = ""; self.row.append(None)
        def handle_data(self, d):
            if self.cell is not None or (self.row is not None and self.row and self.row[-1] is None): self.text = getattr(self, "text", "") + d
        def handle_endtag(self, tag):
            if tag == "td" and self.row is not None:
                self.row[-1] = self.cell if self.cell is not None else self.text; self.cell = None
            if tag == "tr" and self.row:
                self.cur.append(self.row); self.row = None
            if tag == "table": self.cur = None
    p = P(); p.feed(dom)
    problems = []
    def check(name, got, want):
        if got != want: problems.append(f"{name}: page {got!r} != json {want!r}")
    want = ["cash", "ageing", "deductions", "refunds", "returnRates", "alerts", "sync"]
    check("sections", p.sections, want)
    for i, c in enumerate(data["cash"]):
        check(f"cash[{i}]", p.tables["cash"][i], [c["month"], c["currency"], c["invoiced"], c["collected"]])
    for i, a in enumerate(data["ageing"]):
        b = a["buckets"]
        check(f"ageing[{i}]", p.tables["ageing"][i][:6], [a["currency"], b["0-30"], b["31-60"], b["61-90"], b["90+"], a["total"]])
    for i, d in enumerate(data["deductions"]):
        row = p.tables["deductions"][i]
        check(f"deductions[{i}]", [row[1], row[2], row[3], row[7]], [d["currency"], str(d["count"]), d["amount"], d["recoverable"]])
    for i, r in enumerate(data["refunds"]):
        row = p.tables["refunds"][i]
        check(f"refunds[{i}]", [row[0], row[2], row[4]], [r["state"], str(r["count"]), str(r["overdue"])])
    for i, r in enumerate(data["returnRates"]):
        row = p.tables["returnRates"][i]
        check(f"returnRates[{i}]", [row[0], row[2], row[3], row[4] or None], [r["asin"], str(r["invoicedUnits"]), str(r["returnedUnits"]), r["rate"]])
    for i, r in enumerate(data["alerts"]):
        row = p.tables.get("alerts", [])[i]
        check(f"alerts[{i}]", [row[4] or None, row[5] or None], [None if r["daysLeft"] is None else str(r["daysLeft"]), r["amount"]["amount"] if r["amount"] else None])
    for i, s in enumerate(data["sync"]):
        row = p.tables["sync"][i]
        check(f"sync[{i}]", [row[0], row[1], row[3] or None], [s["source"], s["marketplace"], None if s["daysSince"] is None else str(s["daysSince"])])
    if p.svgs < 5: problems.append(f"only {p.svgs} charts")
    print("\n".join(problems) if problems else f"ok: {sum(len(t) for t in p.tables.values())} rows, {p.svgs} charts")
    sys.exit(1 if problems else 0)
    """#

  @Test(
    "the HTML report in headless Chromium: no console errors, every section, the page's numbers equal the JSON's; screenshots in .build/test-output",
    .enabled(if: Tools.has("chromium"), "needs Debian's chromium (and fonts-noto-cjk)"),
    .timeLimit(.minutes(5)))
  func chromium() throws {
    let dir = Folder()
    let ws = try ExportCLITests.sandbox(dir)
    for lang in ["en", "zh-CN"] {
      let page = dir.path + "/report-\(lang).html"
      let made = try CLI.run(["report", "--lang", lang, "--out", page], in: ws)
      #expect(made.status == 0, "\(made.stderr)")
      let json = try CLI.run(["report", "--format", "json"], in: ws)
      #expect(json.status == 0, "\(json.stderr)")
      try json.stdout.write(toFile: dir.path + "/report.json", atomically: true, encoding: .utf8)
      let flags =
        "--headless --no-sandbox --disable-gpu --no-first-run --hide-scrollbars --enable-logging=stderr --v=0"
      let (status, _) = try Tools.run([
        "sh", "-c",
        "timeout 120 chromium \(flags) --dump-dom 'file://\(page)' > '\(dir.path)/dom.html' 2> '\(dir.path)/console.txt'",
      ])
      #expect(status == 0)
      let console = (try? String(contentsOfFile: dir.path + "/console.txt", encoding: .utf8)) ?? ""
      let errors = console.split(separator: "\n").filter {
        $0.contains("CONSOLE") || $0.contains("Uncaught") || $0.contains("net::ERR")
      }
      #expect(errors.isEmpty, "\(errors)")
      let (ok, output) = try Tools.run([
        "python3", "-c", Self.compare, dir.path + "/dom.html", dir.path + "/report.json",
      ])
      #expect(ok == 0, "\(output)")
      #expect(output.hasPrefix("ok: "), "\(output)")
      let shot = Self.outputFolder + "/report-\(lang).png"
      try? FileManager.default.removeItem(atPath: shot)
      let (shotStatus, shotLog) = try Tools.run([
        "sh", "-c",
        "timeout 120 chromium \(flags) --window-size=1200,5200 --screenshot='\(shot)' 'file://\(page)' 2>&1",
      ])
      #expect(shotStatus == 0, "\(shotLog)")
      #expect(FileManager.default.fileExists(atPath: shot))
    }
  }

  @Test(
    "csv, json and xlsx carry the report's numbers; --format from --out's extension; bad options exit 2"
  )
  func formats() throws {
    let dir = Folder()
    let ws = try ExportCLITests.sandbox(dir, until: "2026-07-31")
    let json = try CLI.run(["report", "--format", "json", "--marketplace", "US"], in: ws)
    #expect(json.status == 0, "\(json.stderr)")
    let doc = try JSONParser.parse(Array(json.stdout.utf8)).value
    let first = try #require(doc["cash"]?.arrayValue?.first)
    let invoiced = try #require(first["invoiced"]?.stringValue)
    let csv = try CLI.run(["report", "--format", "csv", "--marketplace", "US"], in: ws)
    #expect(csv.stdout.hasPrefix("section,row,column,value\r\n"))
    #expect(csv.stdout.contains("cash,1,Invoiced,\(invoiced)\r\n"))
    let xlsx = dir.path + "/r.xlsx"
    let wrote = try CLI.run(["report", "--marketplace", "US", "--out", xlsx], in: ws)
    #expect(wrote.status == 0, "\(wrote.stderr)")
    let bytes = try #require(FileManager.default.contents(atPath: xlsx))
    #expect(bytes.prefix(2) == Data([0x50, 0x4B]))
    #expect(try CLI.run(["report", "--format", "xlsx"], in: ws).status == 2)
    #expect(try CLI.run(["report", "--period", "2026-13"], in: ws).status == 2)
    let html = try CLI.run(["report", "--period", "2026-07"], in: ws)
    #expect(html.stdout.hasPrefix("<!DOCTYPE html>"))
    #expect(html.stdout.contains("as of <time>2026-07-31</time>"))
  }
}
