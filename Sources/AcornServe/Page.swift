import AcornExport
import AcornModel
import AcornReport

/// One page being rendered: its language, the session's CSRF token, the person, the flash message
/// of the last action, and the shared layout (navigation, language switch, styles). No scripts:
/// every page reads and every form posts without JavaScript.
struct Page {
  var lang: ReportLanguage
  var csrf: String
  var person: WebApp.Person
  var path: String
  var query: [String: String]
  var flash: Sessions.Flash?

  func t(_ en: String, _ zh: String) -> String { lang.t(en, zh) }

  /// The page's own address, for forms to come back to.
  var here: String {
    let q = query.filter { $0.key != "lang" }.sorted { $0.key < $1.key }
      .map { "\(urlEncode($0.key))=\(urlEncode($0.value))" }.joined(separator: "&")
    return path + (q.isEmpty ? "" : "?" + q)
  }

  func layout(title: String, body: String, refresh: Bool = false) -> String {
    let other: ReportLanguage = lang == .en ? .zh : .en
    let switchQuery =
      (query.filter { $0.key != "lang" }.sorted { $0.key < $1.key }
        .map { "\(urlEncode($0.key))=\(urlEncode($0.value))&" }.joined()) + "lang=\(other.rawValue)"
    let nav: [(String, String, String)] = [
      ("/", t("Dashboard", "总览"), "dashboard"),
      ("/records", t("Records", "记录"), "records"),
      ("/reconciliation", t("Reconciliation", "对账"), "reconciliation"),
      ("/conflicts", t("Conflicts", "冲突"), "conflicts"),
      ("/history", t("History", "历史"), "history"),
    ]
    var links = ""
    for (href, label, key) in nav {
      let current =
        (href == "/" && path == "/") || (href != "/" && path.hasPrefix(href))
        ? " aria-current=\"page\"" : ""
      links += "<a href=\"\(href)\" data-nav=\"\(key)\"\(current)>\(esc(label))</a>"
    }
    var flashHTML = ""
    if let flash, flash.field == nil {
      flashHTML = flashBox(flash)
    }
    return """
      <!DOCTYPE html>
      <html lang="\(lang.rawValue)">
      <head>
      <meta charset="utf-8">
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <title>\(esc(title)) · Acorn</title>
      <link rel="icon" href="/favicon.svg" type="image/svg+xml">\(refresh ? "\n<meta http-equiv=\"refresh\" content=\"1\">" : "")
      <style>
      \(Report.stylesheet)
      \(Self.stylesheet)
      </style>
      </head>
      <body>
      <header class="top"><a class="brand" href="/">Acorn</a><nav class="main">\(links)</nav>
      <span class="who" title="\(esc(t("Commits are made as", "提交作者")))">\(esc(person.name)) &lt;\(esc(person.email))&gt;</span>
      <a class="lang" href="\(esc(path))?\(esc(switchQuery))" hreflang="\(other.rawValue)" data-lang="\(other.rawValue)">\(other == .zh ? "中文" : "English")</a></header>
      <main>
      <h1>\(esc(title))</h1>
      \(flashHTML)\(body)
      </main>
      </body>
      </html>

      """
  }

  func flashBox(_ flash: Sessions.Flash) -> String {
    "<p class=\"flash \(flash.ok ? "ok" : "error")\" role=\"\(flash.ok ? "status" : "alert")\" data-flash=\"\(flash.ok ? "ok" : "error")\">\(esc(flash.text))</p>\n"
  }

  /// The flash of an action on `field`, shown next to its form.
  func flash(for field: String) -> String {
    guard let flash, flash.field == field else { return "" }
    return flashBox(flash)
  }

  /// A POST form with the CSRF token and where to come back to.
  func form(_ action: String, _ inner: String, attributes: String = "") -> String {
    "<form method=\"post\" action=\"\(esc(action))\"\(attributes)><input type=\"hidden\" name=\"csrf\" value=\"\(csrf)\"><input type=\"hidden\" name=\"back\" value=\"\(esc(here))\">\(inner)</form>"
  }

  /// The acorn in the browser tab.
  static let icon = """
    <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><path d="M6 13c0-5 4.5-8 10-8s10 3 10 8z" fill="#6b4f2a"/><path d="M16 2v4" stroke="#6b4f2a" stroke-width="2"/><path d="M8 13h16c0 8-4 15-8 16-4-1-8-8-8-16z" fill="#c58b3d"/></svg>
    """

  static let stylesheet = """
    body{max-width:1200px;margin:0 auto;padding:0 1rem 3rem}
    header.top{display:flex;flex-wrap:wrap;gap:1rem;align-items:center;border-bottom:1px solid #d9e2ec;padding:.7rem 0;margin-bottom:1rem}
    .brand{font-weight:700;font-size:1.2rem;color:#2f6f3e;text-decoration:none}
    nav.main{display:flex;gap:.9rem;flex-wrap:wrap}nav.main a{color:#334e68;text-decoration:none;padding:.2rem .1rem}
    nav.main a[aria-current]{border-bottom:2px solid #2f6f3e;color:#102a43;font-weight:600}
    .who{margin-left:auto;color:#52606d;font-size:.85rem}.lang{font-size:.85rem}
    h1{font-size:1.5rem;margin:.3rem 0 1rem}
    .cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(210px,1fr));gap:.8rem;margin-bottom:1rem}
    .card{border:1px solid #d9e2ec;border-radius:8px;padding:.8rem 1rem;background:#fbfcfd}
    .card h3{margin:0 0 .4rem;font-size:.85rem;color:#52606d;font-weight:600}
    .card .big{font-size:1.25rem;font-weight:700;font-variant-numeric:tabular-nums}
    .card a{font-size:.8rem}
    .flash{padding:.6rem .8rem;border-radius:6px;margin:.5rem 0 1rem}
    .flash.ok{background:#e3f9e5;border:1px solid #91d8a1}.flash.error{background:#ffe3e3;border:1px solid #f29b9b}
    form{display:inline-flex;flex-wrap:wrap;gap:.4rem;align-items:center;margin:.2rem .4rem .2rem 0}
    input,select,textarea,button{font:inherit;font-size:.9rem}
    button{background:#2f6f3e;color:#fff;border:0;border-radius:5px;padding:.35rem .8rem;cursor:pointer}
    button.secondary{background:#e4e7eb;color:#1f2933}button[disabled]{background:#cbd2d9;color:#616e7c;cursor:not-allowed}
    .refused{font-size:.8rem;color:#8a2c0d}
    .pill{display:inline-block;padding:.05rem .5rem;border-radius:999px;background:#e4e7eb;font-size:.8rem}
    .pill.late,.pill.overdue,.pill.error,.pill.critical{background:#ffe3e3;color:#8a1c1c}.pill.warning{background:#fff3c4}
    .grid2{display:grid;grid-template-columns:1fr 1fr;gap:1rem}@media(max-width:800px){.grid2{grid-template-columns:1fr}}
    pre{background:#f5f7fa;padding:.7rem;overflow:auto;font-size:.8rem;border-radius:6px}
    .filters{margin-bottom:.8rem}.muted{color:#7b8794}.toolbar{margin-bottom:.6rem}
    table.conflict td{font-family:ui-monospace,monospace;font-size:.8rem}
    .history li{margin-bottom:.6rem}.history ul{margin:.2rem 0;padding-left:1.2rem;font-family:ui-monospace,monospace;font-size:.8rem}
    """
}

func esc(_ s: String) -> String { XLSX.escape(s) }

/// A money amount for a page: grouped digits and the currency code.
func money(_ m: Money) -> String {
  "<span class=\"money\" data-v=\"\(m.amountText)\" data-currency=\"\(m.currency.code)\">\(grouped(m.amountText)) \(m.currency.code)</span>"
}

/// A link to a record's page.
func recordLink(_ id: String, _ label: String? = nil) -> String {
  "<a href=\"/records/\(urlEncode(id))\" data-record=\"\(esc(id))\">\(esc(label ?? id))</a>"
}
