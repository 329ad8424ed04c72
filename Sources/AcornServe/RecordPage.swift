import AcornMerge
import AcornModel
import AcornOutbound
import AcornReconcile
import AcornReport
import AcornWorkspace

/// One record: its workflow and the actions on it (lifecycle moves the person may make, note,
/// assignee, follow-up date), its open conflicts side by side with their resolution forms, the
/// documents it is linked to, its source as Amazon sent it, and its history.
extension WebApp {
  func recordPage(_ query: String, _ p: Page) throws(WorkspaceError) -> String {
    let entry = try workspace.findRecord(query)
    let record = try workspace.readRecord(entry)
    let id = record.id ?? entry.id
    let base = "/records/" + urlEncode(id)
    let workflow = record.workflow ?? .object([:])
    var h =
      "<p class=\"muted\">\(esc(record.kind?.rawValue ?? "?")) · \(esc(entry.marketplace)) · <code>\(esc(entry.path))</code></p>"

    // Workflow and its actions.
    h += "<section id=\"workflow\"><h2>\(p.t("Workflow", "流程"))</h2><div class=\"grid2\"><div>"
    h += "<table data-table=\"workflow\"><tbody>"
    for (key, value) in (workflow.objectValue ?? [:]).sorted(by: { $0.key < $1.key })
    where key != "notes" {
      h +=
        "<tr><th>\(esc(key))</th><td data-field=\"workflow.\(esc(key))\">\(esc(RecordText.value(value)))</td></tr>"
    }
    h += "</tbody></table></div><div>"
    let moves = try workspace.moves(for: record, by: config.person.email)
    h += p.flash(for: "move")
    if moves.isEmpty {
      h += "<p class=\"muted\">\(p.t("No lifecycle moves from here.", "当前状态没有可执行的流转。"))</p>"
    }
    for (field, group) in Dictionary(grouping: moves, by: \.field).sorted(by: { $0.key < $1.key }) {
      let from = group.first?.from ?? ""
      h +=
        "<p>\(esc(field)): <strong data-state=\"\(esc(from))\">\(esc(from))</strong> →</p><div class=\"moves\">"
      for m in group {
        if let refusal = m.refusal {
          h +=
            "<form><button type=\"button\" disabled data-move=\"\(esc(m.to))\">\(esc(m.to))</button><span class=\"refused\">\(esc(refusal))</span></form>"
        } else {
          h += p.form(
            base + "/move",
            "<input type=\"hidden\" name=\"field\" value=\"\(esc(m.field))\"><input type=\"hidden\" name=\"to\" value=\"\(esc(m.to))\"><button type=\"submit\" data-move=\"\(esc(m.to))\">\(esc(m.to))</button>"
          )
        }
      }
      h += "</div>"
    }
    let team = try workspace.rules().team.members
    let assignee = workflow["assignee"]?.stringValue ?? ""
    h += p.flash(for: "assignee")
    if team.isEmpty {
      h += p.form(
        base + "/assign",
        "<label>\(p.t("Assignee", "负责人")) <input type=\"email\" name=\"assignee\" value=\"\(esc(assignee))\"></label><button type=\"submit\" class=\"secondary\" data-action=\"assign\">\(p.t("Assign", "指派"))</button>"
      )
    } else {
      let options =
        "<option value=\"\">\(p.t("nobody", "无"))</option>"
        + team.map {
          "<option value=\"\(esc($0.email))\"\($0.email == assignee.lowercased() ? " selected" : "")>\(esc($0.name)) (\(esc($0.roles.sorted().joined(separator: ", "))))</option>"
        }.joined()
      h += p.form(
        base + "/assign",
        "<label>\(p.t("Assignee", "负责人")) <select name=\"assignee\">\(options)</select></label><button type=\"submit\" class=\"secondary\" data-action=\"assign\">\(p.t("Assign", "指派"))</button>"
      )
    }
    h += p.flash(for: "followUpDate")
    h += p.form(
      base + "/follow-up",
      "<label>\(p.t("Follow up on", "跟进日期")) <input type=\"date\" name=\"date\" value=\"\(esc(workflow["followUpDate"]?.stringValue ?? ""))\"></label><button type=\"submit\" class=\"secondary\" data-action=\"follow-up\">\(p.t("Set", "设置"))</button>"
    )
    h += p.flash(for: "note")
    h += p.form(
      base + "/note",
      "<label>\(p.t("Note", "备注")) <textarea name=\"text\" rows=\"2\" cols=\"40\" required></textarea></label><button type=\"submit\" class=\"secondary\" data-action=\"note\">\(p.t("Add note", "添加备注"))</button>"
    )
    h += linkForms(record, base, p)
    h += "</div></div>"
    let notes = workflow["notes"]?.arrayValue ?? []
    if !notes.isEmpty {
      h += "<h3>\(p.t("Notes", "备注"))</h3><ul class=\"notes\">"
      for n in notes {
        h +=
          "<li><span class=\"muted\">\(esc(n["at"]?.stringValue ?? "")) \(esc(n["author"]?.stringValue ?? ""))</span> \(esc(n["text"]?.stringValue ?? ""))</li>"
      }
      h += "</ul>"
    }
    h += "</section>\n"

    // Conflicts, side by side.
    let conflicts = (record.json["conflicts"]?.arrayValue ?? []).compactMap(Conflict.init(json:))
    if !conflicts.isEmpty {
      h += "<section id=\"conflicts\"><h2>\(p.t("Conflicts", "冲突"))</h2>"
      for c in conflicts {
        h +=
          "<div class=\"conflict\" data-conflict=\"\(esc(c.field))\"><h3><code>\(esc(c.field))</code></h3><p class=\"muted\">\(esc(c.reason))</p>"
        h += p.flash(for: "conflict:" + c.field)
        h +=
          "<table class=\"conflict\"><thead><tr><th>\(p.t("Base", "共同祖先"))</th><th>\(p.t("Ours", "我方"))</th><th>\(p.t("Theirs", "对方"))</th></tr></thead><tbody><tr>"
        for side in [c.base, c.ours, c.theirs] {
          h += "<td>\(esc(side.map(RecordText.value) ?? "—"))</td>"
        }
        h += "</tr></tbody></table>"
        let hidden = "<input type=\"hidden\" name=\"field\" value=\"\(esc(c.field))\">"
        h += p.form(
          base + "/resolve",
          hidden
            + "<input type=\"hidden\" name=\"choice\" value=\"ours\"><button type=\"submit\" data-resolve=\"ours\">\(p.t("Keep ours", "采用我方")): \(esc(c.ours.map(RecordText.value) ?? "—"))</button>"
        )
        h += p.form(
          base + "/resolve",
          hidden
            + "<input type=\"hidden\" name=\"choice\" value=\"theirs\"><button type=\"submit\" data-resolve=\"theirs\">\(p.t("Take theirs", "采用对方")): \(esc(c.theirs.map(RecordText.value) ?? "—"))</button>"
        )
        h += p.form(
          base + "/resolve",
          hidden
            + "<input type=\"hidden\" name=\"choice\" value=\"value\"><label>\(p.t("Or a value", "或填写取值")) <input name=\"value\" required></label><button type=\"submit\" class=\"secondary\" data-resolve=\"value\">\(p.t("Use this value", "使用此值"))</button>"
        )
        h += "</div>"
      }
      h += "</section>\n"
    }

    // Linked documents.
    let analysis = try analysis()
    let links = linkedDocuments(record, analysis)
    h += "<section id=\"links\"><h2>\(p.t("Linked documents", "关联单据"))</h2>"
    if links.isEmpty {
      h += "<p class=\"empty\">\(p.t("No linked documents.", "没有关联单据。"))</p>"
    } else {
      h += "<table data-table=\"links\"><tbody>"
      for l in links {
        h +=
          "<tr><th>\(esc(p.t(l.en, l.zh)))</th><td>\(l.id.map { recordLink($0, l.label) } ?? esc(l.label))</td><td class=\"n\">\(l.amount.map(money) ?? "")</td></tr>"
      }
      h += "</tbody></table>"
    }
    h += "</section>\n"

    if let view = OutboundView(record) {
      h += outboundSection(record, view, p)
      h +=
        "<section id=\"source\"><h2>\(p.t("The document (as it will be sent)", "单据（将发送的内容）"))</h2>"
    } else {
      h += "<section id=\"source\"><h2>\(p.t("Source (as Amazon sent it)", "来源数据（亚马逊原始）"))</h2>"
    }
    h += "<pre>\(esc(CanonicalJSON.string(record.source ?? .object([:]))))</pre></section>\n"
    h += "<section id=\"history\"><h2>\(p.t("History", "历史"))</h2>"
    h += historyList(try workspace.log(recordPath: entry.path, limit: 30), p)
    h += "</section>"
    let title =
      "\(record.kind.map { $0.rawValue.prefix(1).uppercased() + $0.rawValue.dropFirst() } ?? "Record") \(id)"
    return p.layout(title: title, body: h)
  }

  /// An outbound document for review: its lines as Amazon will read them, its checks against
  /// the purchase orders as they are now, Amazon's answer once sent, and the request itself.
  func outboundSection(_ record: Record, _ v: OutboundView, _ p: Page) -> String {
    let s = record.json["source"]
    var h =
      "<section id=\"document\"><h2>\(esc(p.t(v.type.title.capitalized, v.type.titleZh)))</h2>"
    let lines = s?["lines"]?.arrayValue ?? []
    let columns: [(String, String, String)]
    switch v.type {
    case .acknowledgement:
      columns = [
        ("itemSequenceNumber", "Line", "行"), ("vendorProductIdentifier", "SKU", "SKU"),
        ("orderedEaches", "Ordered", "订购"), ("acceptedEaches", "Accepted", "接受"),
        ("backorderedEaches", "Backordered", "延期"), ("rejectedEaches", "Rejected", "拒绝"),
        ("rejectionReason", "Reason", "原因"), ("netCost", "Net cost", "净成本"),
      ]
    case .shipmentConfirmation:
      columns = [
        ("itemSequenceNumber", "Line", "行"), ("purchaseOrderNumber", "PO", "采购单"),
        ("purchaseOrderLine", "PO line", "采购单行"), ("vendorProductIdentifier", "SKU", "SKU"),
        ("shippedEaches", "Shipped", "发货"),
      ]
    case .invoice:
      columns = [
        ("itemSequenceNumber", "Line", "行"), ("purchaseOrderNumber", "PO", "采购单"),
        ("vendorProductIdentifier", "SKU", "SKU"), ("invoicedEaches", "Quantity", "数量"),
        ("netCost", "Net cost", "净成本"),
      ]
    }
    h += "<table data-table=\"document-lines\"><thead><tr>"
    h += columns.map { "<th>\(esc(p.t($0.1, $0.2)))</th>" }.joined() + "</tr></thead><tbody>"
    for l in lines {
      h +=
        "<tr>"
        + columns.map { c in
          let value = l[c.0]
          let text = RecordViews.money(value).map(money) ?? esc(value.map(RecordText.value) ?? "")
          return "<td>\(text)</td>"
        }.joined() + "</tr>"
    }
    h += "</tbody></table>"
    if let total = RecordViews.money(s?["totalAmount"]) {
      h += "<p>\(p.t("Total", "合计")): <strong data-total>\(money(total))</strong></p>"
    }
    // Still right against the purchase orders as synced now?
    if !v.state.isSent, v.state != .cancelled, let market = Marketplace(v.marketplace) {
      do {
        try Drafting.check(
          record, context: try workspace.outboundContext(marketplace: market, now: config.now()))
        h +=
          "<p class=\"ok\" data-check=\"ok\">\(p.t("Checked against the purchase orders: it adds up.", "已与采购单核对：数量和金额一致。"))</p>"
      } catch let e as OutboundError {
        h += "<p class=\"refused\" data-check=\"refused\">\(esc(e.message))</p>"
      } catch {
        h += "<p class=\"refused\" data-check=\"refused\">\(esc("\(error)"))</p>"
      }
    }
    if let sub = record.json["workflow"]?["submission"] {
      h += "<h3>\(p.t("Sent to Amazon", "发送给亚马逊"))</h3><table data-table=\"submission\"><tbody>"
      for (k, en, zh) in [
        ("transactionId", "Transaction", "交易号"), ("status", "Amazon's status", "亚马逊状态"),
        ("submittedAt", "Sent", "发送时间"), ("submittedBy", "By", "发送人"),
        ("checkedAt", "Last asked", "最近查询"), ("recovery", "Answer lost, settled by", "应答丢失，处理方式"),
      ] {
        if let x = sub[k]?.stringValue {
          h += "<tr><th>\(esc(p.t(en, zh)))</th><td>\(esc(x))</td></tr>"
        }
      }
      for e in sub["errors"]?.arrayValue ?? [] {
        h +=
          "<tr><th>\(p.t("Error", "错误"))</th><td class=\"refused\">\(esc(e["code"]?.stringValue ?? "")): \(esc(e["message"]?.stringValue ?? ""))</td></tr>"
      }
      h += "</tbody></table>"
    } else if v.state == .approved {
      h +=
        "<p class=\"muted\">\(p.t("Approved: acorn submit sends it, exactly once.", "已批准：acorn submit 会发送它，且只发送一次。"))</p>"
    }
    if let request = try? RequestBodies.request(for: record) {
      h +=
        "<details><summary>\(esc(p.t("The request Amazon receives", "亚马逊收到的请求"))) (\(esc(request.operation)))</summary><pre>\(esc(CanonicalJSON.string(request.body)))</pre></details>"
    }
    return h + "</section>\n"
  }

  /// `acorn match` as forms: what a person links where the reconciler could not — a payment line
  /// or a deduction to an invoice, a deduction or a credit note to a return.
  func linkForms(_ record: Record, _ base: String, _ p: Page) -> String {
    var targets: [(String, String)] = []
    var line = false
    switch record.kind {
    case .deduction?:
      targets = [
        ("invoice", p.t("Link to invoice", "关联发票")), ("return", p.t("Link to return", "关联退货")),
      ]
    case .creditNote?: targets = [("return", p.t("Link to return", "关联退货"))]
    case .remittance?:
      targets = [("invoice", p.t("Link a payment line to invoice", "将付款行关联到发票"))]
      line = true
    default: return ""
    }
    var h = p.flash(for: "link")
    for (to, label) in targets {
      let lineField =
        line
        ? "<label>\(p.t("Line", "行号")) <input name=\"line\" inputmode=\"numeric\" size=\"3\" required></label>"
        : ""
      h += p.form(
        base + "/link",
        "<input type=\"hidden\" name=\"to\" value=\"\(to)\">\(lineField)<label>\(esc(label)) <input name=\"ref\" required placeholder=\"\(to == "invoice" ? "INV-…" : "RET-…")\"></label><button type=\"submit\" class=\"secondary\" data-action=\"link-\(to)\">\(p.t("Link", "关联"))</button>"
      )
    }
    return h
  }

  struct Link {
    var en: String
    var zh: String
    var label: String
    var id: String?
    var amount: Money?
  }

  /// The documents a record is tied to, from its reconciliation: an invoice's payments and
  /// deductions, a deduction's invoice and payment, a return's credit notes and deductions, a
  /// credit note's returns, a payment's invoices and deductions, a PO's invoices and shipments.
  func linkedDocuments(_ record: Record, _ a: Workspace.Analysis) -> [Link] {
    guard let id = record.id, let kind = record.kind else { return [] }
    var byKey: [String: String] = [:]
    var ids: Set<String> = []
    for r in a.records {
      guard let rid = r.id else { continue }
      ids.insert(rid)
      if let key = r.key, byKey[key] == nil { byKey[key] = rid }
    }
    func find(_ ref: String) -> String? { ids.contains(ref) ? ref : byKey[ref] }
    let r = a.reconciliation
    let invoiceByNumber = Dictionary(
      r.invoices.map { ($0.invoiceNumber, $0.id) }, uniquingKeysWith: { a, _ in a })
    var out: [Link] = []
    switch kind {
    case .outbound:
      for po in RecordViews.strings(record.json["source"]?["purchaseOrderNumbers"]) {
        out.append(
          Link(
            en: "Purchase order", zh: "采购单", label: po,
            id: find(
              Record.makeID(
                kind: .purchaseOrder,
                marketplace: Marketplace(record.marketplace?.code ?? "US") ?? Marketplace.all[0],
                key: po))))
      }
    case .invoice:
      if let l = r.invoices.first(where: { $0.id == id }) {
        for e in l.payments {
          out.append(
            Link(
              en: "Payment", zh: "付款", label: e.paymentId, id: find(e.paymentId), amount: e.amount))
        }
        for e in l.deductions {
          out.append(
            Link(
              en: "Deduction (\(e.type))", zh: "扣款（\(e.type)）", label: e.reference,
              id: find(e.reference), amount: e.amount))
        }
      }
    case .deduction:
      if let d = r.deductions.first(where: { $0.id == id }) {
        if let n = d.invoiceNumber {
          out.append(Link(en: "Invoice", zh: "发票", label: n, id: invoiceByNumber[n] ?? find(n)))
        }
        if let pay = d.paymentId {
          out.append(Link(en: "Payment", zh: "付款", label: pay, id: find(pay)))
        }
        for po in d.purchaseOrderNumbers {
          out.append(Link(en: "Purchase order", zh: "采购单", label: po, id: find(po)))
        }
      }
      for ret in r.returns where ret.deductionIds.contains(id) {
        out.append(
          Link(en: "Return", zh: "退货", label: ret.returnId, id: ret.id, amount: ret.approvedRefund))
      }
    case .return:
      if let ret = r.returns.first(where: { $0.id == id }) {
        for c in ret.creditNoteIds {
          out.append(Link(en: "Credit note", zh: "贷项通知单", label: c, id: find(c)))
        }
        for d in ret.deductionIds {
          out.append(Link(en: "Deduction", zh: "扣款", label: d, id: find(d)))
        }
      }
    case .creditNote:
      for ret in r.returns
      where ret.creditNoteIds.contains(id) || ret.creditNoteIds.contains(record.key ?? "\u{0}") {
        out.append(
          Link(en: "Return", zh: "退货", label: ret.returnId, id: ret.id, amount: ret.approvedRefund))
      }
    case .remittance:
      let key = record.key ?? ""
      for l in r.invoices {
        for e in l.payments where e.paymentId == key || e.paymentId == id {
          out.append(
            Link(en: "Invoice paid", zh: "已付发票", label: l.invoiceNumber, id: l.id, amount: e.amount)
          )
        }
      }
      for d in r.deductions where d.paymentId == key || d.paymentId == id {
        out.append(
          Link(
            en: "Deduction (\(d.type))", zh: "扣款（\(d.type)）", label: d.number, id: d.id,
            amount: d.amount))
      }
    case .purchaseOrder:
      if let m = r.purchaseOrders.first(where: { $0.id == id }) {
        for n in m.invoiceNumbers {
          out.append(Link(en: "Invoice", zh: "发票", label: n, id: invoiceByNumber[n] ?? find(n)))
        }
        for s in m.shipmentIds {
          out.append(Link(en: "Shipment", zh: "发货", label: s, id: find(s)))
        }
      }
    default:
      break
    }
    return out
  }
}
