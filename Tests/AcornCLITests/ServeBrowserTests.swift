import Foundation
import Testing

/// A person at a browser: Selenium (PyPI) drives Debian's chromium through chromium-driver,
/// headless, against `acorn serve` on a workspace whose two clones disagree about a return.
@Suite("acorn serve in a real browser", .serialized)
struct ServeBrowserTests {
  /// The clicks, in Python: dashboard in both languages, a return moved from authorized to
  /// received, the conflict resolved side by side; no console errors on any page; screenshots.
  static let script = #"""
    import json, sys
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    base, out, moved, conflicted = sys.argv[1:5]
    options = webdriver.ChromeOptions()
    for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--window-size=1280,1600", "--lang=en-US"]:
        options.add_argument(a)
    options.binary_location = "/usr/bin/chromium"
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(60)
    driver.implicitly_wait(10)
    problems = []
    def css(selector):
        return driver.find_element(By.CSS_SELECTOR, selector)
    def click(selector):
        # Click, then wait for the next page to replace this one (a form's POST and its redirect).
        page = driver.find_element(By.TAG_NAME, "html")
        css(selector).click()
        WebDriverWait(driver, 30).until(expected_conditions.staleness_of(page))
    def check(what, ok):
        if not ok:
            problems.append(what)
    def console(page):
        for entry in driver.get_log("browser"):
            if entry["level"] == "SEVERE":
                problems.append(f"{page}: console error {entry['message']}")
    def shot(name):
        driver.save_screenshot(f"{out}/web-{name}.png")
    try:
        driver.get(base + "/")
        check("dashboard title", driver.title.startswith("Dashboard"))
        check("owed card", "Amazon owes" in css("[data-card=owed]").text)
        check("charts", len(driver.find_elements(By.TAG_NAME, "svg")) >= 3)
        console("dashboard")
        shot("dashboard-en")
        click("a[data-lang='zh-CN']")
        check("dashboard in Chinese", "亚马逊应付" in css("[data-card=owed]").text and driver.title.startswith("总览"))
        console("dashboard zh-CN")
        shot("dashboard-zh-CN")
        click("a[data-nav=records]")
        check("language kept across pages", "记录" in driver.title)
        click("a[data-lang=en]")

        # Find the return through the list's filters, open it, move it forward by clicking.
        driver.get(base + "/records?kind=return&state=authorized")
        click(f"a[data-record='{moved}']")
        check("return starts authorized", css("[data-state]").text == "authorized")
        click("button[data-move=received]")
        flash = css("[data-flash]")
        check(f"move confirmed ({flash.text})", flash.get_attribute("data-flash") == "ok" and "received" in flash.text)
        check("return now received", css("[data-state]").text == "received")
        check("history shows the move", "workflow.state: authorized → received" in css("#history").text)
        console("record")
        shot("record")

        # The conflict the two clones made: see it, open it, take their side.
        click("a[data-nav=conflicts]")
        check("one conflict listed", css("[data-conflicts]").get_attribute("data-conflicts") == "1")
        shot("conflicts")
        click(f"a[data-record='{conflicted}']")
        block = css("[data-conflict='workflow.state']")
        check("base/ours/theirs side by side", "notified" in block.text and "rejected" in block.text and "authorized" in block.text)
        shot("conflict")
        click("button[data-resolve=theirs]")
        flash = css("[data-flash]")
        check(f"resolution confirmed ({flash.text})", flash.get_attribute("data-flash") == "ok")
        check("conflict gone from the record", "data-conflict=" not in driver.page_source)
        check("their state taken", css("[data-state]").text == "authorized")
        driver.get(base + "/conflicts")
        check("no conflicts left", css("[data-conflicts]").get_attribute("data-conflicts") == "0")

        for page in ["/reconciliation", "/history", "/records?q=" + moved[-6:]]:
            driver.get(base + page)
            console(page)
            if page == "/reconciliation":
                shot("reconciliation")
        check("search finds the return", bool(driver.find_elements(By.CSS_SELECTOR, f"a[data-record='{moved}']")))
    finally:
        driver.quit()
    print(json.dumps(problems, ensure_ascii=False))
    sys.exit(1 if problems else 0)
    """#

  @Test(
    "in headless Chromium: the dashboard in both languages, a return moved from authorized to received by clicking, a lifecycle conflict from two clones resolved; commits and acorn validate afterwards",
    .enabled(
      if: Tools.has("chromium") && Tools.has("chromedriver") && Tools.python("selenium"),
      "needs Debian's chromium and chromium-driver and PyPI selenium"),
    .timeLimit(.minutes(8)))
  func clicks() throws {
    let dir = Folder()
    let ws = try ExportCLITests.sandbox(dir)
    let returns = try ServeCLITests.returns(ws)
    let (moved, conflicted) = (returns[0], returns[1])
    #expect(try CLI.run(["set", moved, "workflow.state=authorized"], in: ws).status == 0)

    // Two clones of one remote disagree about the same return: one authorizes, one rejects.
    #expect(try ServeCLITests.git(["clone", "-q", "--bare", ws, "remote.git"], in: dir.path) == "")
    for clone in ["ops", "service"] {
      let r = try CLI.run(["clone", dir.path + "/remote.git", clone], in: dir.path)
      #expect(r.status == 0, "\(r.stderr)")
    }
    let ops = dir.path + "/ops"
    let service = dir.path + "/service"
    #expect(try CLI.run(["set", conflicted, "workflow.state=authorized"], in: ops).status == 0)
    #expect(try CLI.run(["push"], in: ops).status == 0)
    #expect(try CLI.run(["set", conflicted, "workflow.state=rejected"], in: service).status == 0)
    let pulled = try CLI.run(["pull", "--allow-conflicts"], in: service)
    #expect(pulled.status == 1, "\(pulled.stdout)\(pulled.stderr)")
    #expect(try CLI.run(["conflicts"], in: service).stdout.contains("workflow.state"))

    let served = try Served(service, name: "Zhang Wei", email: "zhang.wei@example.com")
    let script = dir.path + "/clicks.py"
    try Self.script.write(toFile: script, atomically: true, encoding: .utf8)
    let (status, output) = try Tools.run(
      ["python3", script, served.base, ReportCLITests.outputFolder, moved, conflicted])
    #expect(status == 0, "\(output)")
    #expect(output.contains("[]"))

    // What the clicks made: two commits by the person, a valid and clean workspace.
    let log = try ServeCLITests.git(["log", "-2", "--format=%an|%s"], in: service)
    let lines = log.split(separator: "\n").map(String.init)
    #expect(lines.count == 2)
    #expect(lines.last == "Zhang Wei|Set \(moved) workflow.state=received")
    #expect(lines.first?.hasPrefix("Zhang Wei|") == true)
    #expect(lines.first?.contains(conflicted) == true)
    #expect(try CLI.run(["validate"], in: service).status == 0)
    #expect(try ServeCLITests.git(["status", "--porcelain"], in: service) == "")
    #expect(
      try CLI.run(["show", conflicted, "--json"], in: service).stdout.contains(
        "\"state\": \"authorized\""))
    #expect(!(try CLI.run(["conflicts"], in: service).stdout.contains("workflow.state")))
  }
}
