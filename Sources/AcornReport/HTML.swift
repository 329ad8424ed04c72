import AcornExport
import AcornModel

/// The report as one self-contained HTML file: no scripts, no network, no external fonts; charts
/// as inline SVG with axes, legends and labels, each with its table beneath; print-friendly.
/// Every number cell carries its exact value in `data-v` (shown grouped, e.g. 17,477.40).
extension Report {
  public func html(_ lang: ReportLanguage) -> String {
    let L = lang
    let sections = tables(lang)
    var body = ""
    let scope =
      (marketplace.map { L.t("Marketplace \($0)", "站点 \($0)") } ?? L.t("All marketplaces", "全部站点"))
      + (period.map { L.t(" · period \($0)", " · 期间 \($0)") } ?? "")
    body += "<header><h1>\(L.t("Amazon Vendor Central report", "亚马逊 Vendor Central 报告"))</h1>"
    body +=
      "<p class=\"meta\">\(esc(scope)) · \(L.t("as of", "截至")) <time>\(CivilDate.string(asOf))</time></p></header>\n"
    body += "<nav><ol>"
    for s in sections { body += "<li><a href=\"#\(s.key)\">\(esc(s.title))</a></li>" }
    body += "</ol></nav>\n"
    body += sectionsHTML(lang)
    return """
      <!DOCTYPE html>
      <html lang="\(lang.rawValue)">
      <head>
      <meta charset="utf-8">
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <title>\(L.t("Amazon Vendor Central report", "亚马逊 Vendor Central 报告")) \(CivilDate.string(asOf))</title>
      <style>
      \(Self.stylesheet)
      </style>
      </head>
      <body>
      \(body)</body>
      </html>

      """
  }

  /// The report's sections (`only` picks some by key: cash, ageing, deductions, refunds,
  /// returnRates, alerts, sync), each a `<section>` with its charts and table — what the HTML file
  /// shows, and what `acorn serve`'s dashboard embeds.
  public func sectionsHTML(_ lang: ReportLanguage, only: Set<String>? = nil) -> String {
    var body = ""
    for s in tables(lang) where only?.contains(s.key) ?? true {
      body += "<section id=\"\(s.key)\" data-section=\"\(s.key)\"><h2>\(esc(s.title))</h2>\n"
      body += charts(s.key, lang)
      if s.table.rows.isEmpty {
        body += "<p class=\"empty\">\(lang.t("Nothing to show.", "暂无数据。"))</p>"
      } else {
        body += Self.tableHTML(s.table, section: s.key)
      }
      body += "</section>\n"
    }
    return body
  }

  /// The report's CSS (system fonts with CJK fallbacks, tables, charts, print rules).
  public static let stylesheet = """
    body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans CJK SC","Noto Sans SC","PingFang SC","Microsoft YaHei",sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#1f2933;}
    h1{font-size:1.6rem;margin:0}.meta{color:#52606d;margin:.25rem 0 1rem}
    h2{font-size:1.2rem;border-bottom:2px solid #d9e2ec;padding-bottom:.3rem;margin-top:2.2rem}
    nav ol{columns:2;font-size:.9rem;color:#334e68}
    table{border-collapse:collapse;width:100%;font-size:.85rem;margin:.5rem 0 1rem}
    th,td{border-bottom:1px solid #e4e7eb;padding:.3rem .5rem;text-align:left;vertical-align:top}
    th{background:#f5f7fa;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
    svg{display:block;max-width:100%;height:auto;margin:.5rem 0}svg text{font-family:inherit}
    .empty{color:#7b8794;font-style:italic}
    @media print{body{margin:0;max-width:none}nav{display:none}section{break-inside:avoid-page}h2{break-after:avoid}}
    """

  public static func tableHTML(_ t: Table, section: String) -> String {
    var h = "<table data-table=\"\(section)\"><thead><tr>"
    for c in t.header { h += "<th>\(esc(c))</th>" }
    h += "</tr></thead><tbody>\n"
    for row in t.rows {
      h += "<tr>"
      for cell in row {
        switch cell {
        case .number(let d, let places):
          h +=
            "<td class=\"n\" data-v=\"\(d.formatted(minimumScale: places))\">\(grouped(d.formatted(minimumScale: places)))</td>"
        case .text(let s): h += "<td>\(esc(s))</td>"
        case .empty: h += "<td></td>"
        }
      }
      h += "</tr>\n"
    }
    return h + "</tbody></table>\n"
  }

  // MARK: charts

  func charts(_ key: String, _ L: ReportLanguage) -> String {
    switch key {
    case "cash":
      return Set(cash.map(\.currency)).sorted().map { c in
        let rows = cash.filter { $0.currency == c }
        return Chart.bars(
          title: L.t("Invoiced and collected per month", "每月开票与回款") + " (\(c.code))",
          categories: rows.map(\.month), unit: c.code,
          series: [
            (L.t("Invoiced", "开票金额"), "#3e7cb1", rows.map(\.invoiced.amount)),
            (L.t("Collected", "回款金额"), "#2f9e6e", rows.map(\.collected.amount)),
          ], id: "cash-\(c.code)", minimumScale: c.minorUnits)
      }.joined()
    case "ageing":
      return ageing.map { a in
        Chart.bars(
          title: L.t("Open receivables by age", "应收账款账龄") + " (\(a.currency.code))",
          categories: Ageing.buckets.map { L.t("\($0) days", "\($0) 天") }, unit: a.currency.code,
          series: [(L.t("Open", "未收"), "#d9822b", a.amounts.map(\.amount))],
          id: "ageing-\(a.currency.code)", minimumScale: a.currency.minorUnits)
      }.joined()
    case "deductions":
      return Set(deductions.map(\.currency)).sorted().map { c in
        let rows = deductions.filter { $0.currency == c }
        let names = rows.map {
          L == .en ? DeductionClassifier.name($0.type).en : DeductionClassifier.name($0.type).zh
        }
        return Chart.bars(
          title: L.t("Deductions by type", "各类扣款") + " (\(c.code))", categories: names,
          unit: c.code,
          series: [
            (L.t("Amount", "金额"), "#9b5de5", rows.map(\.amount.amount)),
            (L.t("Recoverable", "可追回"), "#2f9e6e", rows.map(\.recoverable.amount)),
          ], id: "deductions-\(c.code)", minimumScale: c.minorUnits)
      }.joined()
    case "refunds":
      var counts: [(String, Int, Int)] = []
      for r in refunds {
        if let i = counts.firstIndex(where: { $0.0 == r.state }) {
          counts[i].1 += r.count
          counts[i].2 += r.overdue
        } else {
          counts.append((r.state, r.count, r.overdue))
        }
      }
      guard !counts.isEmpty else { return "" }
      return Chart.bars(
        title: L.t("Returns by refund state", "各退款状态的退货数"), categories: counts.map(\.0),
        unit: L.t("returns", "笔"), unitOfOne: L.t("return", "笔"),
        series: [
          (L.t("Returns", "退货数"), "#3e7cb1", counts.map { DecimalNumber($0.1) }),
          (L.t("Credit overdue", "贷项逾期"), "#c92a2a", counts.map { DecimalNumber($0.2) }),
        ], id: "refunds")
    case "returnRates":
      // The five ASINs with the most units returned.
      var returned: [String: Int] = [:]
      for r in returnRates { returned[r.asin, default: 0] += r.returnedUnits }
      let top = returned.filter { $0.value > 0 }.sorted { ($1.value, $0.key) < ($0.value, $1.key) }
        .prefix(5).map(\.key)
      let months = Array(Set(returnRates.map(\.month))).sorted()
      guard !top.isEmpty, !months.isEmpty else { return "" }
      let colours = ["#3e7cb1", "#d9822b", "#2f9e6e", "#9b5de5", "#c92a2a"]
      let series = top.enumerated().map { i, asin in
        (
          asin, colours[i % colours.count],
          months.map { m in
            returnRates.first { $0.asin == asin && $0.month == m }?.rate.map {
              (try? $0 * DecimalNumber(100)) ?? $0
            }
          }
        )
      }
      return Chart.lines(
        title: L.t("Return rate of the five most-returned ASINs (%)", "退货最多的五个 ASIN 的退货率（%）"),
        categories: months, unit: "%", series: series, id: "return-rates")
    default:
      return ""
    }
  }
}

func esc(_ s: String) -> String { XLSX.escape(s) }

/// `1234567.80` → `1,234,567.80`.
public func grouped(_ text: String) -> String {
  let negative = text.hasPrefix("-")
  let body = negative ? String(text.dropFirst()) : text
  let parts = body.split(separator: ".", maxSplits: 1)
  let int = Array(parts.first ?? "")
  var out = ""
  for (i, c) in int.enumerated() {
    if i > 0 && (int.count - i) % 3 == 0 { out.append(",") }
    out.append(c)
  }
  if parts.count == 2 { out += "." + parts[1] }
  return (negative ? "-" : "") + out
}

/// Inline SVG charts. Geometry is computed in floating point (pixels only); every value shown is
/// the exact decimal text, carried in `data-v`.
enum Chart {
  static let width = 760.0
  static let height = 300.0
  static let left = 78.0
  static let right = 16.0
  static let top = 44.0
  static let bottom = 88.0

  static func double(_ d: DecimalNumber) -> Double { Double(d.formatted()) ?? 0 }

  /// A round step for about five ticks up to `maximum`.
  static func ticks(_ maximum: Double) -> [Double] {
    guard maximum > 0 else { return [0, 1] }
    let raw = maximum / 5
    var magnitude = 1.0
    while magnitude * 10 <= raw { magnitude *= 10 }
    while magnitude > raw { magnitude /= 10 }
    let step = [1.0, 2.0, 2.5, 5.0, 10.0].map { $0 * magnitude }.first { $0 >= raw } ?? raw
    var out: [Double] = []
    var v = 0.0
    while v < maximum + step * 0.999 {
      out.append(v)
      v += step
    }
    return out
  }

  static func label(_ v: Double) -> String {
    let a = abs(v)
    if a >= 1_000_000 { return trim(v / 1_000_000) + "M" }
    if a >= 10_000 { return trim(v / 1_000) + "k" }
    return trim(v)
  }

  static func trim(_ v: Double) -> String {
    let r = (v * 100).rounded() / 100
    return r == r.rounded() ? String(Int(r)) : String(r)
  }

  static func frame(_ title: String, _ id: String, _ ticks: [Double], unit: String) -> (
    String, (Double) -> Double
  ) {
    let plotH = height - top - bottom
    let maxV = ticks.last ?? 1
    let y = { (v: Double) in top + plotH - (maxV == 0 ? 0 : v / maxV * plotH) }
    var s =
      "<svg id=\"\(id)\" role=\"img\" aria-label=\"\(esc(title))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" xmlns=\"http://www.w3.org/2000/svg\">"
    s += "<title>\(esc(title))</title>"
    s +=
      "<text x=\"\(left)\" y=\"18\" font-size=\"14\" font-weight=\"600\" fill=\"#1f2933\">\(esc(title))</text>"
    for t in ticks {
      let yy = y(t)
      s +=
        "<line x1=\"\(left)\" x2=\"\(width - right)\" y1=\"\(f(yy))\" y2=\"\(f(yy))\" stroke=\"#e4e7eb\"/>"
      s +=
        "<text x=\"\(left - 6)\" y=\"\(f(yy + 4))\" font-size=\"11\" text-anchor=\"end\" fill=\"#52606d\">\(label(t))</text>"
    }
    s +=
      "<line x1=\"\(left)\" x2=\"\(left)\" y1=\"\(top)\" y2=\"\(height - bottom)\" stroke=\"#7b8794\"/>"
    s +=
      "<line x1=\"\(left)\" x2=\"\(width - right)\" y1=\"\(height - bottom)\" y2=\"\(height - bottom)\" stroke=\"#7b8794\"/>"
    s +=
      "<text x=\"14\" y=\"\(f(top + plotH / 2))\" font-size=\"11\" fill=\"#52606d\" transform=\"rotate(-90 14 \(f(top + plotH / 2)))\" text-anchor=\"middle\">\(esc(unit))</text>"
    return (s, y)
  }

  static func legend(_ series: [(String, String)]) -> String {
    var s = ""
    var x = width - right
    for (name, colour) in series.reversed() {
      // CJK characters take about a full em; Latin ones a bit over half.
      let w = name.reduce(0.0) { $0 + ($1.isASCII ? 7.2 : 12.5) } + 26
      x -= w
      s += "<rect x=\"\(f(x))\" y=\"26\" width=\"12\" height=\"12\" fill=\"\(colour)\"/>"
      s += "<text x=\"\(f(x + 16))\" y=\"36\" font-size=\"12\" fill=\"#1f2933\">\(esc(name))</text>"
    }
    return s
  }

  static func xLabels(_ categories: [String], _ slot: Double) -> String {
    var s = ""
    let rotate = categories.count > 6 || categories.contains { $0.count > 10 }
    for (i, c) in categories.enumerated() {
      let x = left + slot * (Double(i) + 0.5)
      let y = height - bottom + 16
      s +=
        rotate
        ? "<text x=\"\(f(x))\" y=\"\(f(y))\" font-size=\"11\" fill=\"#52606d\" text-anchor=\"end\" transform=\"rotate(-35 \(f(x)) \(f(y)))\">\(esc(c))</text>"
        : "<text x=\"\(f(x))\" y=\"\(f(y))\" font-size=\"11\" fill=\"#52606d\" text-anchor=\"middle\">\(esc(c))</text>"
    }
    return s
  }

  /// `minimumScale`: the digits after the point a value's label keeps (a currency's minor units:
  /// `7,293.60 USD`, not `7,293.6`); `unitOfOne`: the unit a label of exactly 1 takes (`1
  /// return`, where the axis says `returns`).
  static func bars(
    title: String, categories: [String], unit: String, unitOfOne: String? = nil,
    series: [(String, String, [DecimalNumber])], id: String, minimumScale: Int = 0
  ) -> String {
    guard !categories.isEmpty else { return "" }
    let maxV = series.flatMap { $0.2.map(double) }.max() ?? 0
    let (head, y) = frame(title, id, ticks(max(maxV, 0)), unit: unit)
    var s = head + legend(series.map { ($0.0, $0.1) })
    let slot = (width - left - right) / Double(categories.count)
    let barW = min(36, slot * 0.8 / Double(series.count))
    for (i, _) in categories.enumerated() {
      let start = left + slot * Double(i) + (slot - barW * Double(series.count)) / 2
      for (k, (name, colour, values)) in series.enumerated() {
        let v = values[i]
        let yy = y(max(double(v), 0))
        s +=
          "<rect x=\"\(f(start + barW * Double(k)))\" y=\"\(f(yy))\" width=\"\(f(barW - 2))\" height=\"\(f(height - bottom - yy))\" fill=\"\(colour)\" data-v=\"\(v.formatted())\"><title>\(esc(categories[i])) · \(esc(name)): \(grouped(v.formatted(minimumScale: minimumScale))) \(esc(v == DecimalNumber(1) ? unitOfOne ?? unit : unit))</title></rect>"
      }
    }
    return s + xLabels(categories, slot) + "</svg>\n"
  }

  static func lines(
    title: String, categories: [String], unit: String,
    series: [(String, String, [DecimalNumber?])], id: String
  ) -> String {
    let maxV = series.flatMap { $0.2.compactMap { $0.map(double) } }.max() ?? 0
    let (head, y) = frame(title, id, ticks(max(maxV, 0)), unit: unit)
    var s = head + legend(series.map { ($0.0, $0.1) })
    let slot = (width - left - right) / Double(max(categories.count, 1))
    for (name, colour, values) in series {
      var points: [String] = []
      for (i, v) in values.enumerated() {
        guard let v else { continue }
        let x = left + slot * (Double(i) + 0.5)
        let yy = y(double(v))
        points.append("\(f(x)),\(f(yy))")
        s +=
          "<circle cx=\"\(f(x))\" cy=\"\(f(yy))\" r=\"3\" fill=\"\(colour)\" data-v=\"\(v.formatted())\"><title>\(esc(name)) \(esc(categories[i])): \(v.formatted())\(esc(unit))</title></circle>"
      }
      if points.count > 1 {
        s +=
          "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" points=\"\(points.joined(separator: " "))\"/>"
      }
    }
    return s + xLabels(categories, slot) + "</svg>\n"
  }

  static func f(_ v: Double) -> String {
    let r = (v * 10).rounded() / 10
    return r == r.rounded() ? String(Int(r)) : String(r)
  }
}
