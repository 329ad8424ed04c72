import AcornModel
import AcornReport
import AcornServe
import AcornWorkspace
import ArgumentParser
import Foundation

struct ServeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "serve",
    abstract: "The workspace in a web browser: dashboard, records, reconciliation, conflicts.",
    discussion: """
      A local web server on 127.0.0.1 for people who do not use a terminal. Every page reads the \
      workspace as it is now (changes made by the CLI or a pull show on the next page load); every \
      button is the same engine call and the same commit as the CLI, authored by the person \
      (your git identity, or --as a member of team.yaml), within that person's roles. No \
      scripts, no network: the pages work without JavaScript. Stop it with Ctrl-C. \
      See docs/web.md.
      """)

  @OptionGroup var workspaceOptions: WorkspaceOptions

  @Option(help: "Port to listen on (0 picks a free one).") var port: Int = 8421

  @Option(help: "Language of the pages: en or zh-CN (switchable on every page).")
  var lang: ReportLanguage = .en

  @Option(
    name: .customLong("as"),
    help: "Act as this member of team.yaml (e-mail); default: the workspace's git author.")
  var person: String?

  @Option(
    help: ArgumentHelp(
      "Listen on this address instead of 127.0.0.1. Anyone who can reach it can act as you.",
      valueName: "address"))
  var listen: String?

  @Option(name: .customLong("as-of"), help: "The day the pages measure on (YYYY-MM-DD).")
  var asOf: String?

  @Flag(help: "Open the dashboard in the default browser.") var open = false

  @Option(
    help: ArgumentHelp(
      "Offer \"Sync with Vendor Central\" from this source (sandbox or sp-api, with sync's defaults and your credentials file); without it the pages have no sync button.",
      valueName: "source"))
  var syncSource: SyncCommand.Source?

  func validate() throws {
    guard (0...65535).contains(port) else { throw ValidationError("--port takes 0…65535") }
    if let asOf, CivilDate.day(asOf) == nil {
      throw ValidationError("--as-of takes a calendar date YYYY-MM-DD that exists, not \"\(asOf)\"")
    }
    if let listen, let hint = Self.listenProblem(listen) { throw ValidationError(hint) }
  }

  /// Why `--listen` cannot take this text, or nil: an address with a port (`0.0.0.0:8080`,
  /// `[::1]:8080` — the port is `--port`'s; it had been bound as a host name "…:8080" and failed
  /// with an IPv6 parse error), or nothing at all.
  static func listenProblem(_ address: String) -> String? {
    if address.isEmpty { return "--listen takes an address (127.0.0.1, ::1, 0.0.0.0, a host name)" }
    let colons = address.filter { $0 == ":" }.count
    guard address.hasPrefix("[") || colons == 1 else { return nil }
    var host = address
    var port = ""
    if address.hasPrefix("["), let close = address.firstIndex(of: "]") {
      host = String(address[address.index(after: address.startIndex)..<close])
      port = String(address[close...].dropFirst().drop { $0 == ":" })
    } else if let colon = address.lastIndex(of: ":") {
      host = String(address[..<colon])
      port = String(address[address.index(after: colon)...])
    }
    return
      "--listen takes an address without a port, not \"\(address)\"; give the port with --port: --listen \(host)\(port.isEmpty ? "" : " --port \(port)")"
  }

  func run() throws {
    let workspace = try Workspace(at: workspaceOptions.workspace)
    let me = Author.signature(workspace)
    let person = try member(of: workspace) ?? WebApp.Person(name: me.name, email: me.email)
    let host = listen ?? "127.0.0.1"
    if listen != nil, !["127.0.0.1", "::1", "localhost"].contains(host) {
      Terminal.errorLine(
        "warning: listening on \(host): anyone who can reach this address can read the workspace and act as \(person.email)"
      )
    }
    let day = asOf.flatMap(CivilDate.day)
    let lang = self.lang
    let openBrowser = open
    var sync: WebApp.SyncAction?
    if let source = syncSource {
      let command = try SyncCommand.parse(["--source", source.rawValue])
      sync = { author, note in
        let report = try command.perform(workspace, author: author, note: note)
        let lines = report.markets.map { SyncCommand.summary($0, source: report.source) }
        let conflicts = report.merge?.conflicts.count ?? 0
        return
          (lines + [
            report.syncCommit.map { "vendor-central: commit \($0.short)" }
              ?? "vendor-central: nothing new"
          ] + (conflicts > 0 ? ["\(conflicts) conflicts to resolve"] : [])).joined(separator: "; ")
      }
    }
    let syncAction = sync
    Terminal.unblockStopSignals()
    let done = DispatchSemaphore(value: 0)
    let failure = ErrorBox()
    Task {
      do {
        try await WebServer.run(
          host: host, port: UInt16(port),
          makeApp: { bound in
            WebApp(
              WebApp.Configuration(
                workspace: workspace, person: person, language: lang, host: host, port: bound,
                asOf: day, sync: syncAction))
          },
          onListening: { bound in
            let shown = host.contains(":") ? "[\(host)]" : host
            let url = "http://\(shown == "127.0.0.1" ? "127.0.0.1" : shown):\(bound)/"
            Terminal.out(
              "Serving \(workspace.root) at \(url) as \(person.name) <\(person.email)> (Ctrl-C stops)"
            )
            if openBrowser { Self.openInBrowser(url) }
          })
      } catch {
        failure.error = error
      }
      done.signal()
    }
    done.wait()
    if let error = failure.error {
      throw WorkspaceError("serve.listen", "cannot serve on \(host):\(port)", cause: error)
    }
  }

  /// `--as EMAIL`: the team member of that e-mail.
  func member(of workspace: Workspace) throws -> WebApp.Person? {
    guard let wanted = person else { return nil }
    let team = try workspace.rules().team
    guard let member = team.member(wanted) else {
      let known = team.members.map(\.email).joined(separator: ", ")
      throw ValidationError(
        team.members.isEmpty
          ? "--as needs members in team.yaml; it lists none"
          : "\(wanted) is not a member of team.yaml (members: \(known))")
    }
    return WebApp.Person(name: member.name, email: member.email)
  }

  static func openInBrowser(_ url: String) {
    for opener in ["/usr/bin/xdg-open", "/usr/bin/open"]
    where FileManager.default.isExecutableFile(atPath: opener) {
      let p = Process()
      p.executableURL = URL(fileURLWithPath: opener)
      p.arguments = [url]
      try? p.run()
      return
    }
    Terminal.errorLine("no browser opener found; open \(url) yourself")
  }
}

final class ErrorBox: @unchecked Sendable {
  var error: (any Error)?
}
