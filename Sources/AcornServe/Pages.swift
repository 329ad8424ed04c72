import AcornAlerts
import AcornMerge
import AcornModel
import AcornOutbound
import AcornReconcile
import AcornReport
import AcornWorkspace

/// The pages: each reads the workspace (the index, refreshed incrementally, and the analysis the
/// report uses) and renders HTML on the server.
extension WebApp {
  // MARK: dashboard

  func dashboard(_ p: Page) throws(WorkspaceError) -> String {
    let a = try analysis()
    let r = a.reconciliation
    let month = String(CivilDate.string(r.asOf).prefix(7))
    let owed = try totals(r.invoices.map(\.open).filter { !$0.isNegative && !$0.isZero })
    let taken = try totals(
      r.deductions.filter { String(CivilDate.string($0.date).prefix(7)) == month }.map {
        -$0.amount
      })
    let recoverable = try totals(a.report.deductions.map(\.recoverable).filter { !$0.isZero })
    let overdueReturns = r.returns.filter { $0.status == "late" }
    let conflicts = try workspace.openConflicts()
    func amounts(_ list: [Money]) -> String {
      list.isEmpty
        ? "<span class=\"big\">0</span>"
        : list.map { "<div class=\"big\">\(money($0))</div>" }.joined()
    }
    var h = toolbar(p)
    h +=
      "<p class=\"muted\">\(p.t("As of", "截至")) <time data-asof>\(CivilDate.string(r.asOf))</time></p>"
    h += "<div class=\"cards\">"
    h +=
      "<div class=\"card\" data-card=\"owed\"><h3>\(p.t("Amazon owes", "亚马逊应付"))</h3>\(amounts(owed))<a href=\"/reconciliation#invoices\">\(p.t("Invoice ledger", "发票台账"))</a></div>"
    h +=
      "<div class=\"card\" data-card=\"taken\"><h3>\(p.t("Deducted in \(month)", "\(month) 扣款"))</h3>\(amounts(taken))<a href=\"/reconciliation#deductions\">\(p.t("Deductions", "扣款明细"))</a></div>"
    h +=
      "<div class=\"card\" data-card=\"recoverable\"><h3>\(p.t("Recoverable deductions", "可追回扣款"))</h3>\(amounts(recoverable))<a href=\"/reconciliation#deductions\">\(p.t("Disputable deductions", "可申诉扣款"))</a></div>"
    h +=
      "<div class=\"card\" data-card=\"alerts\"><h3>\(p.t("Open alerts", "未处理提醒"))</h3><div class=\"big\">\(a.alerts.count)</div><a href=\"#alerts\">\(p.t("See below", "见下方"))</a></div>"
    h +=
      "<div class=\"card\" data-card=\"overdue-refunds\"><h3>\(p.t("Refunds waiting past 30 days", "超过 30 天未退款"))</h3><div class=\"big\">\(overdueReturns.count)</div><a href=\"/reconciliation#returns\">\(p.t("Returns waiting for credit", "待贷记退货"))</a></div>"
    h +=
      "<div class=\"card\" data-card=\"conflicts\"><h3>\(p.t("Conflicts to resolve", "待解决冲突"))</h3><div class=\"big\">\(conflicts.count)</div><a href=\"/conflicts\">\(p.t("Conflicts", "冲突"))</a></div>"
    // Acknowledgements, ASNs and invoices to review, send, or correct.
    let outbound = a.records.compactMap(OutboundView.init).filter {
      [.draft, .approved, .failed].contains($0.state)
    }
    h +=
      "<div class=\"card\" data-card=\"outbound\"><h3>\(p.t("Documents for Amazon to finish", "待完成的外发单据"))</h3><div class=\"big\">\(outbound.count)</div><a href=\"/records?kind=outbound\">\(p.t("Acknowledgements, ASNs, invoices", "确认、发货通知、发票"))</a></div>"
    h += "</div>\n"
    h += "<section id=\"alerts\"><h2>\(p.t("What needs a decision", "待决事项"))</h2>"
    if a.alerts.isEmpty {
      h += "<p class=\"empty\">\(p.t("No open alerts.", "没有未处理的提醒。"))</p>"
    } else {
      h +=
        "<table data-table=\"alerts\"><thead><tr><th>\(p.t("Level", "级别"))</th><th>\(p.t("Days left", "剩余天数"))</th><th>\(p.t("Due", "截止"))</th><th>\(p.t("Amount", "金额"))</th><th>\(p.t("What", "内容"))</th><th>\(p.t("Records", "记录"))</th></tr></thead><tbody>"
      for alert in a.alerts {
        h +=
          "<tr data-alert=\"\(esc(alert.rule))\"><td><span class=\"pill \(alert.level.rawValue)\">\(esc(level(alert.level.rawValue, p)))</span></td>"
        h += "<td class=\"n\">\(alert.daysLeft.map(String.init) ?? "")</td>"
        h += "<td>\(alert.dueDate.map(CivilDate.string) ?? "")</td>"
        h += "<td class=\"n\">\(alert.amount.map(money) ?? "")</td>"
        h += "<td>\(esc(p.lang == .en ? alert.en : alert.zh))</td>"
        h +=
          "<td>\(alert.records.prefix(5).map { recordLink($0) }.joined(separator: " "))</td></tr>"
      }
      h += "</tbody></table>"
    }
    h += "</section>\n"
    h += "<section id=\"overdue\"><h2>\(p.t("Overdue refunds", "逾期退款"))</h2>"
    h += returnsTable(overdueReturns, p)
    h += "</section>\n"
    h += a.report.sectionsHTML(p.lang, only: ["cash", "ageing", "deductions", "refunds", "sync"])
    return p.layout(title: p.t("Dashboard", "总览"), body: h)
  }

  func level(_ level: String, _ p: Page) -> String {
    switch level {
    case "critical": p.t("critical", "紧急")
    case "error": p.t("error", "错误")
    case "warning": p.t("warning", "警告")
    case "info": p.t("info", "提示")
    default: level
    }
  }

  /// Amounts summed per currency, exactly (an overflow is an error, never a wrong total).
  func totals(_ items: [Money]) throws(WorkspaceError) -> [Money] {
    var sums: [CurrencyCode: Money] = [:]
    do {
      for m in items { sums[m.currency] = try (sums[m.currency] ?? .zero(m.currency)) + m }
    } catch {
      throw WorkspaceError("money.overflow", "cannot add the amounts: \(error)")
    }
    return sums.keys.sorted().compactMap { sums[$0] }
  }

  func returnsTable(_ returns: [ReturnAssessment], _ p: Page) -> String {
    guard !returns.isEmpty else {
      return "<p class=\"empty\">\(p.t("Nothing waiting.", "没有待处理的退货。"))</p>"
    }
    var h =
      "<table data-table=\"returns\"><thead><tr><th>\(p.t("Return", "退货"))</th><th>\(p.t("Marketplace", "站点"))</th><th>\(p.t("Notice", "通知日"))</th><th>\(p.t("Credit due", "贷记截止"))</th><th>\(p.t("Approved refund", "批准退款"))</th><th>\(p.t("Credited", "已贷记"))</th><th>\(p.t("State", "状态"))</th><th>\(p.t("Status", "对账结果"))</th></tr></thead><tbody>"
    for r in returns {
      h +=
        "<tr data-return=\"\(esc(r.id))\"><td>\(recordLink(r.id, r.returnId))</td><td>\(esc(r.marketplace))</td>"
      h += "<td>\(CivilDate.string(r.noticeDate))</td><td>\(CivilDate.string(r.creditDueDate))</td>"
      h +=
        "<td class=\"n\">\(r.approvedRefund.map(money) ?? "")</td><td class=\"n\">\(r.credited.map(money) ?? "")</td>"
      h +=
        "<td>\(esc(r.state ?? ""))</td><td><span class=\"pill \(esc(r.status))\">\(esc(r.status))</span></td></tr>"
    }
    return h + "</tbody></table>"
  }

  // MARK: lists

  func recordList(_ p: Page) throws(WorkspaceError) -> String {
    let kindText = p.query["kind"] ?? ""
    let kind = kindText.isEmpty ? nil : RecordKind(rawValue: kindText)
    let text = p.query["q"]?.trimmingCharacters(in: .whitespaces) ?? ""
    let state = p.query["state"] ?? ""
    let marketplace = p.query["marketplace"] ?? ""
    var clauses: [String] = []
    var args: [String] = []
    if !kindText.isEmpty {
      // A kind that is none (a link typed by hand) filters to nothing, and says so, rather
      // than showing every record under a filter that was asked for.
      clauses.append("kind = ?")
      args.append(kindText)
    }
    if !state.isEmpty {
      clauses.append("state = ?")
      args.append(state)
    }
    if !marketplace.isEmpty {
      clauses.append("marketplace = ?")
      args.append(marketplace)
    }
    if p.query["conflicts"] == "1" { clauses.append("conflicts > 0") }
    if !text.isEmpty {
      clauses.append("(id LIKE ? ESCAPE '\\' OR key LIKE ? ESCAPE '\\' OR json LIKE ? ESCAPE '\\')")
      let pattern =
        "%"
        + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(
          of: "%", with: "\\%"
        )
        .replacingOccurrences(of: "_", with: "\\_") + "%"
      args += [pattern, pattern, pattern]
    }
    let filter = clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")
    let limit = 500
    let rows = try workspace.query(
      "SELECT id, kind, marketplace, month, state, conflicts FROM records\(filter) ORDER BY kind, id LIMIT \(limit + 1)",
      arguments: args
    ).rows
    let kinds = try workspace.query("SELECT DISTINCT kind FROM records ORDER BY kind").rows
      .compactMap { $0.first?.stringValue }
    let states = try workspace.query(
      "SELECT DISTINCT state FROM records WHERE state IS NOT NULL\(kind == nil ? "" : " AND kind = ?") ORDER BY state",
      arguments: kind.map { [$0.rawValue] } ?? []
    ).rows.compactMap { $0.first?.stringValue }
    let markets = try workspace.query(
      "SELECT DISTINCT marketplace FROM records WHERE marketplace IS NOT NULL ORDER BY marketplace"
    ).rows.compactMap { $0.first?.stringValue }
    func options(_ values: [String], _ chosen: String, all: String) -> String {
      "<option value=\"\">\(esc(all))</option>"
        + values.map {
          "<option value=\"\(esc($0))\"\($0 == chosen ? " selected" : "")>\(esc($0))</option>"
        }.joined()
    }
    var h = ""
    if !kindText.isEmpty && kind == nil {
      let known = RecordKind.allCases.map(\.rawValue).joined(separator: ", ")
      h +=
        "<p class=\"error\" role=\"alert\" data-unknown-kind>"
        + p.t(
          "There is no record kind “\(esc(kindText))”; the kinds are \(known).",
          "没有“\(esc(kindText))”这种记录类型；类型有：\(known)。") + "</p>"
    }
    h += "<form method=\"get\" action=\"/records\" class=\"filters\" role=\"search\">"
    h +=
      "<label>\(p.t("Kind", "类型")) <select name=\"kind\">\(options(kinds, kind?.rawValue ?? "", all: p.t("all", "全部")))</select></label>"
    h +=
      "<label>\(p.t("State", "状态")) <select name=\"state\">\(options(states, state, all: p.t("any", "任意")))</select></label>"
    h +=
      "<label>\(p.t("Marketplace", "站点")) <select name=\"marketplace\">\(options(markets, marketplace, all: p.t("all", "全部")))</select></label>"
    h +=
      "<label>\(p.t("Search", "搜索")) <input type=\"search\" name=\"q\" value=\"\(esc(text))\" placeholder=\"\(p.t("id, PO, invoice, ASIN…", "编号、采购单、发票、ASIN…"))\"></label>"
    h += "<button type=\"submit\">\(p.t("Show", "筛选"))</button></form>"
    let shown = rows.prefix(limit)
    h +=
      "<p class=\"muted\" data-count=\"\(shown.count)\">\(rows.count > limit ? p.t("First \(limit) records", "前 \(limit) 条记录") : p.t("\(shown.count) records", "\(shown.count) 条记录"))</p>"
    if !shown.isEmpty {
      h +=
        "<table data-table=\"records\"><thead><tr><th>\(p.t("Record", "记录"))</th><th>\(p.t("Kind", "类型"))</th><th>\(p.t("Marketplace", "站点"))</th><th>\(p.t("Month", "月份"))</th><th>\(p.t("State", "状态"))</th><th></th></tr></thead><tbody>"
      for row in shown {
        let id = row[0].stringValue ?? ""
        let conflicted = (row[5].intValue ?? 0) > 0
        h += "<tr><td>\(recordLink(id))</td><td>\(esc(row[1].stringValue ?? ""))</td>"
        h += "<td>\(esc(row[2].stringValue ?? ""))</td><td>\(esc(row[3].stringValue ?? ""))</td>"
        h += "<td>\(esc(row[4].stringValue ?? ""))</td>"
        h +=
          "<td>\(conflicted ? "<span class=\"pill error\" data-conflicted>\(p.t("conflict", "冲突"))</span>" : "")</td></tr>"
      }
      h += "</tbody></table>"
    }
    let title =
      kind.map { p.t("Records: \($0.rawValue)", "记录：\($0.rawValue)") } ?? p.t("Records", "记录")
    return p.layout(title: title, body: h)
  }

  // MARK: reconciliation

  func reconciliationPage(_ p: Page) throws(WorkspaceError) -> String {
    let a = try analysis()
    let r = a.reconciliation
    var h = p.form(
      "/actions/reconcile",
      "<button type=\"submit\" data-action=\"reconcile\">\(p.t("Reconcile and commit the results", "对账并提交结果"))</button>"
    )
    h += "<section id=\"invoices\"><h2>\(p.t("Invoice ledger", "发票台账"))</h2>"
    let open = r.invoices.filter { $0.status != "paid" }
    h +=
      "<p class=\"muted\">\(p.t("\(open.count) of \(r.invoices.count) invoices not fully paid", "\(r.invoices.count) 张发票中 \(open.count) 张未结清"))</p>"
    h +=
      "<table data-table=\"invoice-ledger\"><thead><tr><th>\(p.t("Invoice", "发票"))</th><th>\(p.t("Marketplace", "站点"))</th><th>\(p.t("Date", "日期"))</th><th>\(p.t("Due", "到期"))</th><th>\(p.t("Invoiced", "开票"))</th><th>\(p.t("Deducted", "扣款"))</th><th>\(p.t("Paid", "已付"))</th><th>\(p.t("Open", "未结"))</th><th>\(p.t("Status", "状态"))</th><th>\(p.t("Days past due", "逾期天数"))</th></tr></thead><tbody>"
    for l in r.invoices.sorted(by: {
      ($0.status == "paid" ? 1 : 0, $0.invoiceDate, $0.id) < (
        $1.status == "paid" ? 1 : 0, $1.invoiceDate, $1.id
      )
    }) {
      let deducted = try totals(l.deductions.map(\.amount)).map(money).joined(separator: "<br>")
      h +=
        "<tr data-invoice=\"\(esc(l.id))\"><td>\(recordLink(l.id, l.invoiceNumber))</td><td>\(esc(l.marketplace))</td>"
      h +=
        "<td>\(CivilDate.string(l.invoiceDate))</td><td>\(l.dueDate.map(CivilDate.string) ?? "")</td>"
      h += "<td class=\"n\">\(money(l.invoiced))</td><td class=\"n\">\(deducted)</td>"
      h += "<td class=\"n\">\(money(l.paid))</td><td class=\"n\">\(money(l.open))</td>"
      h +=
        "<td><span class=\"pill\">\(esc(l.status))</span></td><td class=\"n\">\(l.daysPastDue.map(String.init) ?? "")</td></tr>"
    }
    h += "</tbody></table></section>\n"
    h += "<section id=\"deductions\"><h2>\(p.t("Deductions and their evidence", "扣款及证据"))</h2>"
    h +=
      "<table data-table=\"deductions\"><thead><tr><th>\(p.t("Deduction", "扣款"))</th><th>\(p.t("Type", "类型"))</th><th>\(p.t("Date", "日期"))</th><th>\(p.t("Amount", "金额"))</th><th>\(p.t("Verdict", "判断"))</th><th>\(p.t("Why", "依据"))</th><th>\(p.t("Evidence", "证据"))</th><th>\(p.t("State", "状态"))</th></tr></thead><tbody>"
    let order = ["disputable": 0, "needs-evidence": 1]
    for d in r.deductions.sorted(by: {
      (order[$0.verdict] ?? 2, $0.date, $0.id) < (order[$1.verdict] ?? 2, $1.date, $1.id)
    }) {
      var evidence: [String] = []
      if let e = d.evidence {
        if let s = e.shipped { evidence.append(p.t("shipped \(s)", "发货 \(s)")) }
        if let s = e.received { evidence.append(p.t("received \(s)", "收货 \(s)")) }
        if let s = e.invoiced { evidence.append(p.t("invoiced \(s)", "开票 \(s)")) }
        if let c = e.carrier { evidence.append(p.t("carrier \(c)", "承运商 \(c)")) }
        if let t = e.tracking { evidence.append(p.t("tracking \(t)", "运单号 \(t)")) }
        evidence += e.shipmentIds.map { recordLink($0) }
      }
      h +=
        "<tr data-deduction=\"\(esc(d.id))\" data-verdict=\"\(esc(d.verdict))\"><td>\(recordLink(d.id, d.number))</td><td>\(esc(d.type))</td>"
      h += "<td>\(CivilDate.string(d.date))</td><td class=\"n\">\(money(d.amount))</td>"
      h +=
        "<td><span class=\"pill\">\(esc(d.verdict))</span></td><td>\(esc(p.lang == .en ? d.reason : d.reasonZh))</td>"
      h +=
        "<td>\(evidence.map { $0.hasPrefix("<a") ? $0 : esc($0) }.joined(separator: ", "))</td><td>\(esc(d.state ?? ""))</td></tr>"
    }
    h += "</tbody></table></section>\n"
    h += "<section id=\"returns\"><h2>\(p.t("Returns waiting for their credit", "等待贷记的退货"))</h2>"
    h += returnsTable(
      r.returns.filter {
        $0.status == "waiting" || $0.status == "late" || $0.status == "different"
      }, p)
    h += "</section>\n"
    h += "<section id=\"findings\"><h2>\(p.t("Findings", "发现"))</h2>"
    if r.findings.isEmpty {
      h += "<p class=\"empty\">\(p.t("Nothing found.", "没有发现。"))</p>"
    } else {
      h += "<ul>"
      for f in r.findings.filter({ $0.severity != .info }).prefix(200) {
        h +=
          "<li><span class=\"pill \(f.severity.rawValue)\">\(f.severity.rawValue)</span> \(esc(p.lang == .en ? f.en : f.zh)) \(f.records.prefix(4).map { recordLink($0) }.joined(separator: " "))</li>"
      }
      h += "</ul>"
    }
    h += "</section>"
    return p.layout(title: p.t("Reconciliation", "对账"), body: h)
  }

  // MARK: conflicts

  func conflictsPage(_ p: Page) throws(WorkspaceError) -> String {
    let open = try workspace.openConflicts()
    var h = ""
    h += p.flash(for: "conclude-merge")
    if workspace.mergeInProgress() != nil {
      h +=
        "<p class=\"flash error\" data-merge=\"in-progress\">\(p.t("A merge is in progress: resolve the conflicts, then conclude it.", "合并进行中：请先解决冲突，然后完成合并。"))</p>"
      h += p.form(
        "/actions/conclude-merge",
        "<button type=\"submit\" data-action=\"conclude-merge\">\(p.t("Conclude the merge", "完成合并"))</button>"
      )
    }
    if open.isEmpty {
      h += "<p class=\"empty\" data-conflicts=\"0\">\(p.t("No open conflicts.", "没有未解决的冲突。"))</p>"
    } else {
      h +=
        "<p data-conflicts=\"\(open.count)\">\(p.t("\(open.count) open conflicts. Each is settled on its record's page.", "共 \(open.count) 个冲突，请在各记录页面处理。"))</p>"
      h +=
        "<table data-table=\"conflicts\"><thead><tr><th>\(p.t("Record", "记录"))</th><th>\(p.t("Field", "字段"))</th><th>\(p.t("Base", "共同祖先"))</th><th>\(p.t("Ours", "我方"))</th><th>\(p.t("Theirs", "对方"))</th><th>\(p.t("Why", "原因"))</th></tr></thead><tbody>"
      for c in open {
        h += "<tr><td>\(recordLink(c.id))</td><td>\(esc(c.conflict.field))</td>"
        h +=
          "<td>\(esc(c.conflict.base.map(RecordText.value) ?? "—"))</td><td>\(esc(c.conflict.ours.map(RecordText.value) ?? "—"))</td>"
        h +=
          "<td>\(esc(c.conflict.theirs.map(RecordText.value) ?? "—"))</td><td>\(esc(c.conflict.reason))</td></tr>"
      }
      h += "</tbody></table>"
    }
    return p.layout(title: p.t("Conflicts", "冲突"), body: h)
  }

  // MARK: jobs

  /// The buttons for the long actions; each starts a job and shows its progress page.
  func toolbar(_ p: Page) -> String {
    var h = "<div class=\"toolbar\">"
    var actions: [(String, String)] = []
    if config.sync != nil {
      actions.append(("sync", p.t("Sync with Vendor Central", "与 Vendor Central 同步")))
    }
    actions += [
      ("pull", p.t("Pull from teammates", "拉取同事的更改")),
      ("push", p.t("Push to teammates", "推送给同事")),
      ("reconcile", p.t("Reconcile", "对账")),
    ]
    for (name, label) in actions {
      h += p.form(
        "/actions/\(name)",
        "<button type=\"submit\" class=\"secondary\" data-action=\"\(name)\">\(esc(label))</button>"
      )
    }
    return h + "</div>"
  }

  func jobPage(_ job: Jobs.Job, _ p: Page) -> String {
    var h = ""
    if job.finished {
      h +=
        "<p class=\"flash \(job.ok ? "ok" : "error")\" role=\"\(job.ok ? "status" : "alert")\" data-job=\"\(job.ok ? "done" : "failed")\">\(esc(job.result))</p>"
    } else {
      h +=
        "<p data-job=\"running\">\(p.t("Running… this page refreshes every second.", "运行中……本页每秒刷新。"))</p>"
    }
    h += "<pre data-job-log>\(esc(job.lines.suffix(200).joined(separator: "\n")))</pre>"
    h +=
      "<p><a href=\"/\">\(p.t("Back to the dashboard", "返回总览"))</a> · <a href=\"/conflicts\">\(p.t("Conflicts", "冲突"))</a> · <a href=\"/history\">\(p.t("History", "历史"))</a></p>"
    return p.layout(title: job.title, body: h, refresh: !job.finished)
  }

  // MARK: history

  func historyPage(_ p: Page) throws(WorkspaceError) -> String {
    let entries = try workspace.log(limit: 50)
    return p.layout(title: p.t("History", "历史"), body: toolbar(p) + historyList(entries, p))
  }

  func historyList(_ entries: [LogEntry], _ p: Page) -> String {
    guard !entries.isEmpty else {
      return "<p class=\"empty\">\(p.t("No commits yet.", "暂无提交。"))</p>"
    }
    var h = "<ol class=\"history\">"
    for e in entries {
      let c = e.commit
      h +=
        "<li data-commit=\"\(c.id.hex)\"><strong>\(esc(c.summary))</strong><br><span class=\"muted\">\(c.id.short) · \(esc(c.author.name)) &lt;\(esc(c.author.email))&gt; · \(CivilDate.string(Int(c.author.time / 86_400)))</span>"
      var lines: [String] = []
      for change in e.diff.records.prefix(20) {
        for field in change.fields.prefix(12) {
          lines.append("\(change.id) \(field.text)")
        }
      }
      for file in e.diff.files.prefix(10) {
        lines.append(file.sentences.first ?? "\(file.path) \(file.change.rawValue)")
      }
      if !lines.isEmpty { h += "<ul>" + lines.map { "<li>\(esc($0))</li>" }.joined() + "</ul>" }
      h += "</li>"
    }
    return h + "</ol>"
  }
}
