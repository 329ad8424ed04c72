import AcornGit
import AcornModel
import AcornReport
import AcornWorkspace
import Foundation

/// The web workspace: every page reads the workspace afresh (so a CLI command or a pull shows
/// without a restart); every action is the engine call the CLI makes, committed with the person's
/// name. Requests in, responses out; `WebServer` puts it on a socket.
public final class WebApp: Sendable {
  public struct Person: Sendable, Hashable {
    public var name: String
    public var email: String

    public init(name: String, email: String) {
      self.name = name
      self.email = email
    }
  }

  public struct Configuration: Sendable {
    public var workspace: Workspace
    /// Who acts: the commits' author, and whose roles apply.
    public var person: Person
    public var language: ReportLanguage
    /// The address and port the server listens on (for the Host and Origin checks).
    public var host: String
    public var port: Int
    /// The day the pages measure on (ages, days left); nil: the latest day the records speak of.
    public var asOf: Int?
    public var now: @Sendable () -> Date
    /// How "Sync with Vendor Central" syncs (the CLI's sync with the options `serve` was given),
    /// or nil when serve was started without a sync source: then the button is not offered.
    public var sync: SyncAction?

    public init(
      workspace: Workspace, person: Person, language: ReportLanguage = .en,
      host: String = "127.0.0.1", port: Int, asOf: Int? = nil,
      now: @escaping @Sendable () -> Date = { Date() }, sync: SyncAction? = nil
    ) {
      self.sync = sync
      self.workspace = workspace
      self.person = person
      self.language = language
      self.host = host
      self.port = port
      self.asOf = asOf
      self.now = now
    }
  }

  /// A sync run for the page: the author, and a sink for progress lines; returns the summary.
  public typealias SyncAction =
    @Sendable (
      _ author: Signature, _ note: @escaping @Sendable (String) -> Void
    ) throws -> String

  let config: Configuration
  let jobs = Jobs()
  let guardrail: RequestGuard
  let sessions = Sessions()

  public init(_ config: Configuration) {
    self.config = config
    self.guardrail = RequestGuard(host: config.host, port: config.port)
  }

  var workspace: Workspace { config.workspace }

  /// Answers one request.
  public func handle(_ request: WebRequest) -> WebResponse {
    if let problem = guardrail.hostProblem(request) {
      return .text("Refused: \(problem).", status: 421)
    }
    let (sid, session, isNew) = sessions.session(request.cookie("acorn_session"))
    var extra: [(String, String)] = []
    if isNew {
      extra.append(("Set-Cookie", "acorn_session=\(sid); Path=/; HttpOnly; SameSite=Strict"))
    }
    var lang = session.lang.flatMap(ReportLanguage.init(rawValue:)) ?? config.language
    if let asked = request.query["lang"].flatMap(ReportLanguage.init(rawValue:)) {
      lang = asked
      sessions.update(sid) { $0.lang = asked.rawValue }
    }
    var response: WebResponse
    if request.method == "POST" {
      response = post(request, sid: sid, csrf: session.csrf, isNew: isNew, lang: lang)
    } else if request.method == "GET" || request.method == "HEAD" {
      let page = Page(
        lang: lang, csrf: session.csrf, person: config.person, path: request.path,
        query: request.query, flash: sessions.takeFlash(sid))
      response = get(request, page: page)
      if request.method == "HEAD" { response.body = [] }
    } else {
      response = .text("Method \(request.method) is not allowed.", status: 405)
      response.headers.append(("Allow", "GET, HEAD, POST"))
    }
    response.headers += extra
    return response
  }

  // MARK: pages

  func get(_ request: WebRequest, page: Page) -> WebResponse {
    let parts = request.pathSegments
    do throws(WorkspaceError) {
      switch parts.first {
      case nil: return .html(try dashboard(page))
      case "favicon.svg" where parts.count == 1, "favicon.ico" where parts.count == 1:
        return WebResponse(
          status: 200,
          headers: [("Content-Type", "image/svg+xml"), ("Cache-Control", "max-age=86400")],
          body: Array(Page.icon.utf8))
      case "records" where parts.count == 1: return .html(try recordList(page))
      case "records" where parts.count == 2: return .html(try recordPage(parts[1], page))
      case "reconciliation" where parts.count == 1: return .html(try reconciliationPage(page))
      case "conflicts" where parts.count == 1: return .html(try conflictsPage(page))
      case "history" where parts.count == 1: return .html(try historyPage(page))
      case "jobs" where parts.count == 2:
        guard let job = Int(parts[1]).flatMap(jobs.job) else {
          return .html(
            page.layout(title: page.t("No such job", "没有这个任务"), body: ""), status: 404)
        }
        return .html(jobPage(job, page))
      default:
        return .html(
          page.layout(
            title: page.t("Not found", "未找到"),
            body:
              "<p>\(page.t("There is no page at", "没有这个页面：")) <code>\(esc(request.path))</code>.</p>"
          ),
          status: 404)
      }
    } catch {
      let status = error.code == "record.not-found" ? 404 : (error.isRefusal ? 400 : 500)
      return .html(
        page.layout(
          title: page.t("Cannot show this page", "无法显示此页面"),
          body: "<p class=\"error\" role=\"alert\">\(esc(error.message))</p>"), status: status)
    }
  }

  /// The analysis the pages read, as of the configured day.
  func analysis() throws(WorkspaceError) -> Workspace.Analysis {
    try workspace.analysis(Workspace.ReportOptions(asOf: config.asOf), now: config.now())
  }

  // MARK: actions

  func post(_ request: WebRequest, sid: String, csrf: String, isNew: Bool, lang: ReportLanguage)
    -> WebResponse
  {
    if let problem = guardrail.originProblem(request) {
      return .text("Refused: \(problem).", status: 403)
    }
    guard !isNew, let token = request.form["csrf"], RequestGuard.same(token, csrf) else {
      return .text(
        "Refused: the form's security token is missing or out of date; reload the page and try again.",
        status: 403)
    }
    let parts = request.pathSegments
    // Where to come back to: a path on this server only (no other host, no header injection).
    let back = request.form["back"].flatMap { b in
      b.hasPrefix("/") && !b.hasPrefix("//") && !b.contains("\\")
        && !b.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F } ? b : nil
    }
    let f = request.form
    let L = lang
    var field: String? = nil
    let outcome: Result<String, WorkspaceError>
    do throws(WorkspaceError) {
      switch (parts.first, parts.count, parts.last) {
      case ("records", 3, "move"):
        field = "move"
        let target = f["to"] ?? ""
        let r = try workspace.set(
          parts[1], assignments: [(f["field"] ?? "workflow.state", target)],
          note: nonEmpty(f["note"]),
          message: nil, commit: true, author: signature(), now: config.now())
        outcome = .success(
          L.t("\(r.id) moved to \(target)", "\(r.id) 已变更为 \(target)") + committed(r.commit, L))
      case ("records", 3, "note"):
        field = "note"
        guard let text = nonEmpty(f["text"]) else {
          throw WorkspaceError("set.note", L.t("Write a note first.", "请先填写备注。"), refusal: true)
        }
        let r = try workspace.set(
          parts[1], assignments: [], note: text, message: nil, commit: true, author: signature(),
          now: config.now())
        outcome = .success(L.t("Note added to \(r.id)", "已为 \(r.id) 添加备注") + committed(r.commit, L))
      case ("records", 3, "assign"):
        field = "assignee"
        let who = f["assignee"] ?? ""
        let r = try workspace.set(
          parts[1], assignments: [("workflow.assignee", who)], note: nil,
          message: nil, commit: true, author: signature(), now: config.now())
        outcome = .success(
          (who.isEmpty
            ? L.t("\(r.id) unassigned", "\(r.id) 已取消指派")
            : L.t("\(r.id) assigned to \(who)", "\(r.id) 已指派给 \(who)")) + committed(r.commit, L))
      case ("records", 3, "follow-up"):
        field = "followUpDate"
        let r = try workspace.set(
          parts[1], assignments: [("workflow.followUpDate", f["date"] ?? "")], note: nil,
          message: nil, commit: true, author: signature(), now: config.now())
        outcome = .success(
          L.t("Follow-up date of \(r.id) set", "已设置 \(r.id) 的跟进日期") + committed(r.commit, L))
      case ("records", 3, "link"):
        field = "link"
        let ref = nonEmpty(f["ref"]) ?? ""
        guard !ref.isEmpty else {
          throw WorkspaceError(
            "match.invalid", L.t("Give the document to link to.", "请填写要关联的单据。"), refusal: true)
        }
        let target: Workspace.MatchTarget = f["to"] == "return" ? .return(ref) : .invoice(ref)
        let r = try workspace.match(
          parts[1], line: nonEmpty(f["line"]).flatMap { Int($0) }, to: target,
          remove: f["remove"] == "1",
          author: signature(), now: config.now())
        outcome = .success(r.description + committed(r.commit, L))
      case ("records", 3, "resolve"):
        field = "conflict:" + (f["field"] ?? "")
        let resolution: Workspace.Resolution
        switch f["choice"] {
        case "ours": resolution = .ours
        case "theirs": resolution = .theirs
        case "value": resolution = .value(f["value"] ?? "")
        default:
          throw WorkspaceError(
            "resolve.choice", L.t("Choose ours, theirs or a value.", "请选择我方、对方或填写取值。"),
            refusal: true)
        }
        let r = try workspace.resolve(
          parts[1], field: nonEmpty(f["field"]), with: resolution, author: signature())
        outcome = .success(
          L.t("Conflict on \(r.id) resolved", "\(r.id) 的冲突已解决")
            + (r.commit.map { L.t(" (commit \($0.short))", "（提交 \($0.short)）") }
              ?? L.t(" — conclude the merge with acorn commit", "——请用 acorn commit 完成合并")))
      case ("actions", 2, "conclude-merge"):
        field = "conclude-merge"
        guard workspace.mergeInProgress() != nil else {
          throw WorkspaceError(
            "merge.none", L.t("No merge is in progress.", "当前没有进行中的合并。"), refusal: true)
        }
        let open = try workspace.openConflicts()
        guard open.isEmpty else {
          throw WorkspaceError(
            "merge.conflicts",
            L.t(
              "\(open.count) conflicts are still open; resolve them first.",
              "仍有 \(open.count) 个冲突未解决，请先处理。"),
            refusal: true)
        }
        let (commit, _) = try workspace.commitAll(
          message: "Merge, conflicts resolved in acorn serve\n", author: signature())
        outcome = .success(L.t("Merge concluded", "合并已完成") + committed(commit, L))
      case ("actions", 2, let name?) where ["sync", "pull", "push", "reconcile"].contains(name):
        guard let work = job(name, apply: f["apply"] == "1", L) else {
          throw WorkspaceError(
            "serve.no-sync",
            L.t(
              "Sync is not set up for this server: start it with acorn serve --sync-source sp-api (or sandbox).",
              "此服务未配置同步：请用 acorn serve --sync-source sp-api（或 sandbox）启动。"),
            refusal: true)
        }
        let (id, started) = jobs.start(work.title, work.run)
        if !started {
          sessions.update(sid) {
            $0.flash = Sessions.Flash(
              ok: false,
              text: L.t(
                "Another task is still running; wait for it to finish.", "另一个任务仍在运行，请等待其完成。"),
              field: nil)
          }
        }
        return .redirect("/jobs/\(id)")
      default:
        return .text("There is no action at \(request.path).", status: 404)
      }
    } catch {
      outcome = .failure(error)
    }
    let flash: Sessions.Flash
    switch outcome {
    case .success(let text):
      // A settled conflict's form is gone from the page: its confirmation shows at the top.
      let place = field?.hasPrefix("conflict:") == true ? nil : field
      flash = Sessions.Flash(ok: true, text: text, field: place)
    case .failure(let error):
      flash = Sessions.Flash(ok: false, text: error.message, field: field)
    }
    sessions.update(sid) { $0.flash = flash }
    let fallback =
      parts.first == "records" && parts.count > 1 ? "/records/" + urlEncode(parts[1]) : "/"
    return .redirect(back ?? fallback)
  }

  /// The long actions, run as jobs with their progress on a page.
  func job(_ name: String, apply: Bool, _ L: ReportLanguage) -> (title: String, run: Jobs.Work)? {
    let workspace = self.workspace
    let author = signature()
    let config = self.config
    switch name {
    case "pull":
      return (
        L.t("Pull from teammates", "拉取同事的更改"),
        { note throws(WorkspaceError) in
          let outcome = try workspace.pull(allowConflicts: true, author: author, note: note)
          switch outcome {
          case .upToDate: return L.t("Already up to date.", "已是最新。")
          case .aheadOfRemote(let n):
            return L.t("Nothing new; \(n) commits here to push.", "没有新内容；本地有 \(n) 个提交待推送。")
          case .fastForwarded(_, let to):
            return L.t("Brought up to date (commit \(to.short)).", "已更新（提交 \(to.short)）。")
          case .merged(let report):
            let n = report.conflicts.count
            return L.t("Merged teammates' work", "已合并同事的更改")
              + (n == 0
                ? "."
                : L.t(": \(n) conflicts to resolve (Conflicts page).", "：\(n) 个冲突待解决（见冲突页面）。"))
          }
        }
      )
    case "push":
      return (
        L.t("Push to teammates", "推送给同事"),
        { note throws(WorkspaceError) in
          let r = try workspace.push()
          for n in r.notes { note(n) }
          return L.t("Pushed to \(r.remote)/\(r.branch).", "已推送到 \(r.remote)/\(r.branch)。")
        }
      )
    case "reconcile":
      return (
        L.t("Reconcile", "对账"),
        { note throws(WorkspaceError) in
          note(L.t("Reconciling…", "正在对账…"))
          let r = try workspace.reconcile(
            Workspace.ReconcileOptions(asOf: config.asOf, apply: apply), author: author,
            now: config.now())
          for line in Workspace.reconcileSummary(r.result).split(separator: "\n") {
            note(String(line))
          }
          return r.commit.map {
            L.t("Results committed (commit \($0.short)).", "结果已提交（提交 \($0.short)）。")
          }
            ?? L.t("Nothing changed.", "没有变化。")
        }
      )
    case "sync":
      guard let sync = config.sync else { return nil }
      return (
        L.t("Sync with Vendor Central", "与 Vendor Central 同步"),
        { note throws(WorkspaceError) in
          do {
            return try sync(author, note)
          } catch let error as WorkspaceError {
            throw error
          } catch {
            throw WorkspaceError("sync.failed", "\(error)")
          }
        }
      )
    default: return nil
    }
  }

  func signature() -> Signature {
    Signature(
      name: config.person.name, email: config.person.email,
      time: Int64(config.now().timeIntervalSince1970.rounded(.down)))
  }

  func nonEmpty(_ s: String?) -> String? {
    guard let s = s?.trimmingCharacters(in: .whitespacesAndNewlines), !s.isEmpty else { return nil }
    return s
  }

  func committed(_ commit: ObjectID?, _ L: ReportLanguage) -> String {
    commit.map { L.t(" (commit \($0.short))", "（提交 \($0.short)）") } ?? L.t(" (no change)", "（无变化）")
  }
}
