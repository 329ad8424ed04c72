import AcornModel
import AcornOutbound
import AcornWorkspace
import ArgumentParser

struct StatusCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "status",
    abstract:
      "Branch, ahead/behind its remote, uncommitted record changes by field, last sync, open conflicts."
  )

  @OptionGroup var workspaceOptions: WorkspaceOptions
  @OptionGroup var output: OutputOptions

  func run() throws {
    let workspace = try Workspace(at: workspaceOptions.workspace)
    let s = try workspace.status()
    if output.json {
      var o: [String: JSONValue] = [
        "changes": Render.json(s.changes), "openConflicts": .number(DecimalNumber(s.openConflicts)),
        "outbound": .array(
          s.outbound.map { v in
            .object([
              "id": .string(v.id), "type": .string(v.type.rawValue),
              "state": .string(v.state.rawValue), "inFlight": .bool(v.inFlight),
              "transactionId": v.transactionId.map(JSONValue.string) ?? .null,
              "status": v.status.map(JSONValue.string) ?? .null,
            ])
          }),
        "lastSync": .array(
          s.lastSync.map { state in
            var e: [String: JSONValue] = [
              "source": .string(state.source), "marketplace": .string(state.marketplace),
            ]
            if let t = state.lastRun { e["lastRun"] = .string(t) }
            if let t = state.lastAttempt { e["lastAttempt"] = .string(t) }
            if let t = state.lastError { e["lastError"] = .string(t) }
            if let n = state.requests { e["requests"] = .number(DecimalNumber(n)) }
            if let n = state.throttled { e["throttled"] = .number(DecimalNumber(n)) }
            if let n = state.written { e["written"] = .number(DecimalNumber(n)) }
            return .object(e)
          }),
      ]
      o["operationInProgress"] = s.leftovers.operation.map(JSONValue.string) ?? .null
      o["unmerged"] = .array(s.leftovers.unmerged.map(JSONValue.string))
      o["conflictMarkers"] = .array(
        s.leftovers.markers.map {
          .object(["path": .string($0.path), "line": .number(DecimalNumber($0.line))])
        })
      o["brokenFiles"] = .array(s.brokenFiles.map(JSONValue.string))
      o["branch"] = s.branch.map(JSONValue.string) ?? .null
      o["head"] = s.head.map { .string($0.hex) } ?? .null
      o["upstream"] = s.upstream.map(JSONValue.string) ?? .null
      if let a = s.ahead { o["ahead"] = .number(DecimalNumber(a)) }
      if let b = s.behind { o["behind"] = .number(DecimalNumber(b)) }
      Terminal.outBytes(CanonicalJSON.bytes(.object(o)))
      return
    }
    var line = "On branch \(s.branch ?? "(detached HEAD)")"
    if let up = s.upstream {
      line += ", tracking \(up)"
      if let a = s.ahead, let b = s.behind { line += " (\(a) ahead, \(b) behind)" }
    }
    Terminal.out(line)
    if let operation = s.leftovers.operation {
      Terminal.out("A \(operation) is in progress.")
    }
    if s.leftovers.blocks {
      let unmerged = s.leftovers.unmerged.map { "  unmerged: \($0)" }
      let markers = s.leftovers.markers.map { "  conflict markers: \($0.path):\($0.line)" }
      for l in unmerged + markers { Terminal.out(l) }
      Terminal.out("To fix: \(Workspace.GitLeftovers.fix).")
    }
    if !s.brokenFiles.isEmpty {
      Terminal.out(
        "Broken record files (they do not parse; see acorn validate): \(s.brokenFiles.joined(separator: ", "))"
      )
    }
    if s.changes.isEmpty {
      Terminal.out("No uncommitted changes.")
    } else {
      Terminal.out("Uncommitted changes: \(Render.summary(s.changes))")
      for l in Render.text(s.changes, indent: "  ") { Terminal.out(l) }
    }
    if s.lastSync.isEmpty {
      Terminal.out("Last sync: never")
    } else {
      for state in s.lastSync {
        var details: [String] = []
        if let a = state.lastAttempt { details.append("last attempt \(a)") }
        if let w = state.written { details.append("\(w) records written") }
        if let r = state.requests { details.append("\(r) requests") }
        if let t = state.throttled { details.append("\(t) throttled") }
        Terminal.out(
          "Last sync: \(state.source) \(state.marketplace) \(state.lastRun ?? "never")"
            + (details.isEmpty ? "" : " (\(details.joined(separator: ", ")))"))
        if let e = state.lastError { Terminal.out("  last error: \(e)") }
      }
    }
    Terminal.out("Open conflicts: \(s.openConflicts)")
    if !s.outbound.isEmpty {
      Terminal.out("Outbound documents waiting:")
      for v in s.outbound { Terminal.out("  " + Self.outboundLine(v)) }
    }
  }

  /// `OUT-US-ACK-2T82M9NU  acknowledgement  approved — answer lost; acorn submit asks Amazon`.
  static func outboundLine(_ v: OutboundView) -> String {
    let what: String
    switch v.state {
    case .draft: what = "draft — to review and approve"
    case .approved:
      what =
        v.inFlight
        ? "approved, answer lost — acorn submit asks Amazon" : "approved — acorn submit sends it"
    case .submitted:
      what = "submitted, Amazon \(v.status ?? "processing") — acorn submit --approved asks again"
    case .failed: what = "failed at Amazon — correct and draft again"
    default: what = v.state.rawValue
    }
    return "\(v.id)  \(v.type.rawValue)  \(what)"
  }
}
