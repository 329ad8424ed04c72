import AcornModel
import Foundation
import Testing

/// `acorn draft`, `acorn submit` and `acorn export --format x12` as a user runs them, against
/// `acorn sandbox serve` in its own process: each document sent exactly once, whatever is lost on
/// the way.
@Suite("Outbound documents through the CLI", .serialized)
struct OutboundCLITests {
  static let credentials = [
    "ACORN_LWA_CLIENT_ID": "client", "ACORN_LWA_CLIENT_SECRET": "secret",
    "ACORN_LWA_REFRESH_TOKEN": "Atzr|test",
  ]

  /// A workspace synced from the sandbox vendor the server serves (seed 5, 1–20 May 2026):
  /// EDNT9QZK is a new PO, AEAEPUD4 acknowledged and not shipped.
  static func workspace(_ dir: Folder, _ name: String = "ws") throws -> String {
    #expect(
      try CLI.run(["init", name, "--marketplace", "US", "--vendor-code", "SBX01"], in: dir.path)
        .status == 0)
    let ws = dir.path + "/" + name
    let sync = try CLI.run(
      ["sync", "--seed", "5", "--since", "2026-05-01", "--until", "2026-05-20"], in: ws)
    #expect(sync.status == 0, "\(sync.stderr)")
    return ws
  }

  static func acorn(_ args: [String], _ ws: String) throws -> CLI.Result {
    try CLI.run(args, in: ws, environment: credentials)
  }

  static func submit(_ ws: String, _ url: String, _ extra: [String]) throws -> CLI.Result {
    try acorn(
      ["submit", "--endpoint", url, "--token-endpoint", url + "/auth/o2/token", "--wait", "5"]
        + extra, ws)
  }

  static func port(_ url: String) -> Int { Int(url.split(separator: ":").last ?? "") ?? 0 }

  /// How many times the sandbox received each document.
  static func received(_ url: String) throws -> [String: Int] {
    let r = try RawHTTP.send(port(url), "GET", "/sandbox/stats")
    let json = try JSONParser.parse(Array(r.body.utf8)).value
    return (json["received"]?.objectValue ?? [:]).compactMapValues(\.intValue)
  }

  static func record(_ ws: String, _ id: String) throws -> JSONValue {
    let r = try CLI.run(["show", id, "--json"], in: ws)
    #expect(r.status == 0, "\(r.stderr)")
    return try JSONParser.parse(Array(r.stdout.utf8)).value
  }

  static func approve(_ ws: String, _ ids: [String]) throws {
    for id in ids {
      let r = try CLI.run(["set", id, "workflow.state=approved"], in: ws)
      #expect(r.status == 0, "\(r.stderr)")
    }
  }

  static func headCount(_ ws: String) throws -> Int {
    try CLI.run(["log", "--json"], in: ws).stdout.components(separatedBy: "\"commit\"").count
  }

  @Test(
    "draft, approve and submit each kind against acorn sandbox serve: accepted once, never sent again; X12 control numbers never reused"
  )
  func draftApproveSubmit() throws {
    let dir = Folder()
    let ws = try Self.workspace(dir)
    let (server, url) = try SyncCLITests.serve([])
    defer { server.terminate() }
    let ack = try Self.acorn(
      [
        "draft", "ack", "EDNT9QZK", "2=accepted:100,rejected:8:TemporarilyUnavailable",
        "--accept-all",
      ],
      ws)
    #expect(ack.status == 0, "\(ack.stderr)")
    #expect(ack.stdout.contains("OUT-US-ACK-EDNT9QZK"))
    // A draft is not sent.
    let early = try Self.submit(ws, url, ["OUT-US-ACK-EDNT9QZK"])
    #expect(early.status == 1)
    #expect(early.stdout.contains("approves it first"))
    #expect(try Self.received(url).isEmpty)
    let asn = try Self.acorn(
      [
        "draft", "asn", "EDNT9QZK", "--carrier", "UPSN", "--tracking", "PRO-55", "--ship-date",
        "2026-05-19", "--carton", "1=18,2=50", "--carton", "2=50,3=72",
      ], ws)
    #expect(asn.status == 0, "\(asn.stderr)")
    let asnID = "OUT-US-ASN-EDNT9QZK-1"
    let shipped = try Self.record(ws, asnID)["source"]?["lines"]?.arrayValue?.map {
      $0["shippedEaches"]?.intValue ?? 0
    }
    #expect(shipped == [18, 100, 72])
    let inv = try Self.acorn(
      ["draft", "invoice", "--from-asn", asnID, "--number", "SBX-INV-9001", "--json"], ws)
    #expect(inv.status == 0, "\(inv.stderr)")
    let invRecord = try JSONParser.parse(Array(inv.stdout.utf8)).value
    #expect(invRecord["id"] == .string("OUT-US-INV-SBX-INV-9001"))
    let ids = ["OUT-US-ACK-EDNT9QZK", asnID, "OUT-US-INV-SBX-INV-9001"]
    // A draft is reviewed like any change.
    let review = try CLI.run(["diff", "--markdown", "HEAD~3", "HEAD"], in: ws)
    #expect(review.status == 0)
    for id in ids { #expect(review.stdout.contains(id), "the review shows \(id)") }
    // X12 refuses drafts; approved documents get increasing control numbers, committed.
    #expect(try Self.acorn(["export", "--format", "x12", "--set", "856", asnID], ws).status == 1)
    try Self.approve(ws, ids)
    #expect(try Self.acorn(["export", "--format", "x12", "--set", "855", asnID], ws).status == 1)
    for n in 1...2 {
      let x = try Self.acorn(
        ["export", "--format", "x12", "--set", "856", asnID, "--out", dir.path + "/asn\(n).edi"], ws
      )
      #expect(x.status == 0, "\(x.stderr)")
      let text = try String(contentsOfFile: dir.path + "/asn\(n).edi", encoding: .utf8)
      #expect(text.contains("*U*00401*00000000\(n)*0*P*>~"))
    }
    let control = try JSONParser.parse(
      Array(try Data(contentsOf: URL(fileURLWithPath: ws + "/outbound/x12-control.json")))
    ).value
    #expect(control["lastInterchangeControlNumber"]?.intValue == 2)
    #expect(try CLI.run(["status", "--json"], in: ws).stdout.contains("x12-control") == false)
    // The X12 reads back through acorn import as the same shipment.
    #expect(
      try CLI.run(["init", "edi", "--marketplace", "US"], in: dir.path).status == 0)
    let imported = try CLI.run(
      ["import", "--format", "x12", dir.path + "/asn1.edi", "--json"], in: dir.path + "/edi")
    #expect(imported.status == 0, "\(imported.stderr)")
    let shipment = try Self.record(dir.path + "/edi", "ASN-US-EDNT9QZK-1")
    #expect(
      shipment["source"]?["lines"]?.arrayValue?.reduce(0) {
        $0 + ($1["shippedEaches"]?.intValue ?? 0)
      } == 190)
    // Sent: each accepted once.
    let sent = try Self.submit(ws, url, ["--approved"])
    #expect(sent.status == 0, "\(sent.stdout)\(sent.stderr)")
    #expect(sent.stdout.components(separatedBy: "accepted").count - 1 >= 3, "\(sent.stdout)")
    let once = ["ack:EDNT9QZK": 1, "asn:EDNT9QZK-1": 1, "invoice:SBX-INV-9001": 1]
    #expect(try Self.received(url) == once)
    for id in ids {
      let r = try Self.record(ws, id)
      #expect(r["workflow"]?["state"] == .string("accepted"), "\(id)")
      #expect(r["workflow"]?["submission"]?["transactionId"]?.stringValue?.isEmpty == false)
    }
    // Again: nothing goes out, by id or --approved.
    #expect(try Self.submit(ws, url, ["--approved"]).stdout.contains("Nothing to send"))
    let again = try Self.submit(ws, url, [asnID])
    #expect(again.stdout.contains("accepted by Amazon already"))
    #expect(try Self.received(url) == once)
    #expect(try CLI.run(["validate"], in: ws).status == 0)
    let status = try JSONParser.parse(Array(try CLI.run(["status", "--json"], in: ws).stdout.utf8))
      .value
    #expect(status["outbound"]?.arrayValue?.isEmpty == true)
  }

  @Test(
    "every request body acorn submit sends validates against Amazon's model for its operation",
    .enabled(
      if: FileManager.default.fileExists(atPath: CLIDocsTests.root + "/../shared/reference"),
      "../shared/reference is absent"))
  func bodiesMatchModels() throws {
    let dir = Folder()
    let ws = try Self.workspace(dir)
    #expect(try Self.acorn(["draft", "ack", "EDNT9QZK", "--accept-all"], ws).status == 0)
    #expect(try Self.acorn(["draft", "asn", "AEAEPUD4", "--cartons", "2"], ws).status == 0)
    #expect(
      try Self.acorn(["draft", "invoice", "--from-asn", "OUT-US-ASN-AEAEPUD4-1"], ws).status == 0)
    try Self.approve(ws, ["OUT-US-ACK-EDNT9QZK", "OUT-US-ASN-AEAEPUD4-1", "OUT-US-INV-AEAEPUD4"])
    let dry = try Self.submit(ws, "http://127.0.0.1:9", ["--approved", "--dry-run", "--json"])
    #expect(dry.status == 0, "\(dry.stderr)")
    let docs = try JSONParser.parse(Array(dry.stdout.utf8)).value["documents"]?.arrayValue ?? []
    #expect(docs.count == 3)
    let models = CLIDocsTests.root + "/../shared/reference/vendor-central/models/"
    let definitions = [
      "acknowledgement": ("vendorOrders.json", "SubmitAcknowledgementRequest"),
      "shipment-confirmation": ("vendorShipments.json", "SubmitShipmentConfirmationsRequest"),
      "invoice": ("vendorInvoices.json", "SubmitInvoicesRequest"),
    ]
    for doc in docs {
      let (file, definition) = try #require(definitions[doc["type"]?.stringValue ?? ""])
      let model = try JSONParser.parse(
        Array(try Data(contentsOf: URL(fileURLWithPath: models + file)))
      ).value
      let set = JSONSchemaSet(schemas: [
        file: model,
        "request.json": .object(["$ref": .string("\(file)#/definitions/\(definition)")]),
      ])
      let body = try #require(doc["request"])
      let problems = try set.validate(body, against: "request.json")
      #expect(problems.isEmpty, "\(definition): \(problems.map { "\($0.path) \($0.message)" })")
    }
    // Unsent after the goods left: the ASN window has passed; drafts waiting are listed too.
    let alerts = try CLI.run(["alerts", "--json", "--as-of", "2027-01-05"], in: ws)
    #expect(
      alerts.stdout.contains("asn-not-sent:OUT-US-ASN-AEAEPUD4-1"), "\(alerts.stdout.prefix(400))")
    #expect(alerts.stdout.contains("outbound-waiting:OUT-US-INV-AEAEPUD4"))
    let status = try CLI.run(["status"], in: ws).stdout
    #expect(
      status.contains(
        "OUT-US-ASN-AEAEPUD4-1  shipment-confirmation  approved — acorn submit sends it"))
    // A dry run sends nothing and commits nothing.
    #expect(
      try Self.record(ws, "OUT-US-ACK-EDNT9QZK")["workflow"]?["submission"] == nil)
  }

  @Test(
    "a lost answer and a 500 after Amazon took the document: settled by asking Amazon, sent exactly once"
  )
  func lostAnswers() throws {
    let dir = Folder()
    let ws = try Self.workspace(dir)
    #expect(try Self.acorn(["draft", "ack", "EDNT9QZK", "--accept-all"], ws).status == 0)
    #expect(try Self.acorn(["draft", "asn", "AEAEPUD4"], ws).status == 0)
    try Self.approve(ws, ["OUT-US-ACK-EDNT9QZK", "OUT-US-ASN-AEAEPUD4-1"])
    let (lossy, url) = try SyncCLITests.serve(["--faults", "lost=1"])
    defer { lossy.terminate() }
    let sent = try Self.submit(ws, url, ["--approved"])
    #expect(sent.status == 0, "\(sent.stdout)\(sent.stderr)")
    #expect(sent.stdout.components(separatedBy: "recovered").count - 1 == 2, "\(sent.stdout)")
    #expect(try Self.received(url) == ["ack:EDNT9QZK": 1, "asn:AEAEPUD4-1": 1])
    let asn = try Self.record(ws, "OUT-US-ASN-AEAEPUD4-1")
    #expect(asn["workflow"]?["state"] == .string("accepted"))
    #expect(
      asn["workflow"]?["submission"]?["recovery"]?.stringValue?.contains("GetShipmentDetails")
        == true)
    // The invoice for that ASN, sent to a server that answers 500 after taking it.
    #expect(
      try Self.acorn(
        ["draft", "invoice", "--from-asn", "OUT-US-ASN-AEAEPUD4-1", "--number", "SBX-INV-500"], ws
      ).status == 0)
    try Self.approve(ws, ["OUT-US-INV-SBX-INV-500"])
    let (failing, url500) = try SyncCLITests.serve(["--faults", "accept-500=1"])
    defer { failing.terminate() }
    let five = try Self.submit(ws, url500, ["OUT-US-INV-SBX-INV-500"])
    #expect(five.status == 0, "\(five.stdout)\(five.stderr)")
    #expect(five.stdout.contains("recovered"))
    #expect(try Self.received(url500) == ["invoice:SBX-INV-500": 1])
    // Asked again, nothing is sent anywhere.
    _ = try Self.submit(ws, url500, ["--approved"])
    _ = try Self.submit(ws, url, ["--approved"])
    #expect(try Self.received(url500) == ["invoice:SBX-INV-500": 1])
    #expect(try Self.received(url) == ["ack:EDNT9QZK": 1, "asn:AEAEPUD4-1": 1])
    #expect(try CLI.run(["validate"], in: ws).status == 0)
  }

  @Test("killed between the request and the commit: the rerun asks Amazon and does not send again")
  func killedMidSubmit() throws {
    let dir = Folder()
    let ws = try Self.workspace(dir)
    #expect(try Self.acorn(["draft", "asn", "AEAEPUD4"], ws).status == 0)
    let id = "OUT-US-ASN-AEAEPUD4-1"
    try Self.approve(ws, [id])
    let (slow, url) = try SyncCLITests.serve(["--faults", "accept-slow=1"])
    defer { slow.terminate() }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CLI.binary)
    process.arguments = [
      "submit", "-C", ws, id, "--endpoint", url, "--token-endpoint", url + "/auth/o2/token",
    ]
    var env = ProcessInfo.processInfo.environment
    for (k, v) in Self.credentials { env[k] = v }
    env["ACORN_AUTHOR_NAME"] = "Kill"
    env["ACORN_AUTHOR_EMAIL"] = "kill@example.com"
    process.environment = env
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    // Amazon has the ASN; the answer is 3 s late; the process dies before it can commit.
    var arrived = false
    for _ in 0..<100 where !arrived {
      usleep(50_000)
      arrived = (try? Self.received(url)["asn:AEAEPUD4-1"]) == 1
    }
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    #expect(arrived, "the ASN never reached the sandbox")
    #expect(process.terminationReason == .uncaughtSignal, "submit finished before it was killed")
    let left = try Self.record(ws, id)["workflow"]
    #expect(left?["state"] == .string("approved"))
    #expect(left?["submission"]?["attemptStartedAt"] != nil)
    #expect(left?["submission"]?["transactionId"] == nil)
    #expect(try CLI.run(["status"], in: ws).stdout.contains("answer lost"))
    #expect(try CLI.run(["validate"], in: ws).status == 0)
    let rerun = try Self.submit(ws, url, [id])
    #expect(rerun.status == 0, "\(rerun.stdout)\(rerun.stderr)")
    #expect(rerun.stdout.contains("recovered"))
    #expect(try Self.received(url) == ["asn:AEAEPUD4-1": 1])
    #expect(try Self.record(ws, id)["workflow"]?["state"] == .string("accepted"))
  }

  @Test(
    "invalid drafts are refused with the reason and change nothing; Amazon's Failure is recorded and alerted"
  )
  func refusals() throws {
    let dir = Folder()
    let ws = try Self.workspace(dir)
    let before = try Self.headCount(ws)
    let sums = try Self.acorn(["draft", "ack", "EDNT9QZK", "1=accepted:10", "--accept-all"], ws)
    #expect(sums.status == 1)
    #expect(sums.stderr.contains("not the 18 ordered"), "\(sums.stderr)")
    let missing = try Self.acorn(["draft", "ack", "EDNT9QZK", "1=accepted:18"], ws)
    #expect(missing.status == 1)
    #expect(missing.stderr.contains("missing line as rejected"))
    let notAcked = try Self.acorn(["draft", "asn", "EDNT9QZK"], ws)
    #expect(notAcked.status == 1)
    #expect(notAcked.stderr.contains("nothing open to ship"))
    let over = try Self.acorn(["draft", "asn", "AEAEPUD4", "--ship", "1=61"], ws)
    #expect(over.status == 1)
    #expect(over.stderr.contains("only 60 were accepted"), "\(over.stderr)")
    let cartons = try Self.acorn(["draft", "asn", "AEAEPUD4", "--carton", "1=60"], ws)
    #expect(cartons.status == 1)
    #expect(cartons.stderr.contains("the cartons hold"), "\(cartons.stderr)")
    let unshipped = try Self.acorn(["draft", "invoice", "AEAEPUD4"], ws)
    #expect(unshipped.status == 1)
    #expect(unshipped.stderr.contains("nothing to invoice"))
    #expect(try Self.headCount(ws) == before)
    // A cost other than the PO's.
    #expect(try Self.acorn(["draft", "asn", "AEAEPUD4"], ws).status == 0)
    let cost = try Self.acorn(
      ["draft", "invoice", "--from-asn", "OUT-US-ASN-AEAEPUD4-1", "--cost", "1=999.99"], ws)
    #expect(cost.status == 1)
    #expect(cost.stderr.contains("differs from the purchase order's"), "\(cost.stderr)")
    // An invoice number Amazon already has: accepted as a transaction, then Failure.
    let taken = try #require(
      FileManager.default.subpaths(atPath: ws + "/records/US/invoice")?.first {
        $0.hasSuffix(".json")
      })
    let number =
      try Self.record(
        ws,
        String(taken.split(separator: "/").last ?? "").replacingOccurrences(of: ".json", with: ""))[
        "source"]?["invoiceNumber"]?.stringValue ?? ""
    #expect(!number.isEmpty)
    #expect(
      try Self.acorn(
        ["draft", "invoice", "--from-asn", "OUT-US-ASN-AEAEPUD4-1", "--number", number], ws
      ).status == 0)
    try Self.approve(ws, ["OUT-US-ASN-AEAEPUD4-1", "OUT-US-INV-\(number)"])
    let (server, url) = try SyncCLITests.serve([])
    defer { server.terminate() }
    let sent = try Self.submit(ws, url, ["--approved"])
    #expect(sent.status == 1, "\(sent.stdout)")
    #expect(sent.stdout.contains("DUPLICATE_INVOICE"), "\(sent.stdout)")
    let failed = try Self.record(ws, "OUT-US-INV-\(number)")["workflow"]
    #expect(failed?["state"] == .string("failed"))
    #expect(
      failed?["submission"]?["errors"]?.arrayValue?.first?["code"] == .string("DUPLICATE_INVOICE"))
    // As of tomorrow: the failed document's alert runs from the day it was drafted (today, by
    // the clock — a fixed date here stopped matching once the calendar passed it).
    let tomorrow = CivilDate.string(Int(Date().timeIntervalSince1970 / 86_400) + 1)
    let alerts = try CLI.run(["alerts", "--json", "--as-of", tomorrow], in: ws)
    #expect(alerts.stdout.contains("outbound-failed:OUT-US-INV-\(number)"))
    // A failed document is not sent again; a corrected one takes a new number.
    #expect(try Self.submit(ws, url, ["OUT-US-INV-\(number)"]).stdout.contains("draft it again"))
    #expect(try Self.received(url)["invoice:\(number)"] == 1)
  }

  @Test(
    "two teammates drafting offline merge like any records: other documents merge, the same one differently conflicts"
  )
  func teammatesMerge() throws {
    let dir = Folder()
    let ws = try Self.workspace(dir)
    let git = { (args: [String]) throws -> Int32 in
      let p = Process()
      p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
      p.arguments = ["git", "-C", ws] + args
      p.standardOutput = FileHandle.nullDevice
      p.standardError = FileHandle.nullDevice
      try p.run()
      p.waitUntilExit()
      return p.terminationStatus
    }
    #expect(try git(["branch", "alice"]) == 0)
    #expect(try Self.acorn(["draft", "ack", "EDNT9QZK", "--accept-all"], ws).status == 0)
    #expect(try git(["checkout", "-q", "alice"]) == 0)
    #expect(
      try Self.acorn(
        ["draft", "ack", "EDNT9QZK", "1=rejected:18:ObsoleteProduct", "--accept-all"], ws
      ).status == 0)
    #expect(try Self.acorn(["draft", "asn", "AEAEPUD4"], ws).status == 0)
    #expect(try git(["checkout", "-q", "main"]) == 0)
    let merge = try CLI.run(["merge", "alice", "--allow-conflicts"], in: ws)
    #expect(merge.status != 2, "\(merge.stderr)")
    let conflicts = try JSONParser.parse(
      Array(try CLI.run(["conflicts", "--json"], in: ws).stdout.utf8)
    ).value
    let text = CanonicalJSON.compact(conflicts, limit: .max)
    #expect(text.contains("OUT-US-ACK-EDNT9QZK"), "\(text)")
    #expect(!text.contains("OUT-US-ASN-AEAEPUD4-1"))
    // Alice's ASN came over untouched.
    #expect(try Self.record(ws, "OUT-US-ASN-AEAEPUD4-1")["workflow"]?["state"] == .string("draft"))
  }

  @Test("a new PO is due for acknowledgement; an acknowledgement sent from Acorn answers it")
  func acknowledgementDeadline() throws {
    let dir = Folder()
    let ws = try Self.workspace(dir)
    let due = try CLI.run(["alerts", "--json", "--as-of", "2026-05-20"], in: ws)
    #expect(due.stdout.contains("po-acknowledgement-due:PO-US-EDNT9QZK"))
    #expect(try Self.acorn(["draft", "ack", "EDNT9QZK", "--accept-all"], ws).status == 0)
    try Self.approve(ws, ["OUT-US-ACK-EDNT9QZK"])
    let (server, url) = try SyncCLITests.serve([])
    defer { server.terminate() }
    #expect(try Self.submit(ws, url, ["--approved"]).status == 0)
    let after = try CLI.run(["alerts", "--json", "--as-of", "2026-05-20"], in: ws)
    #expect(!after.stdout.contains("po-acknowledgement-due:PO-US-EDNT9QZK"))
  }
}

extension OutboundCLITests {
  /// A workspace as an older Acorn made it, before outbound documents: no outbound schema, no
  /// `outbound` among the kinds of its schemas or `draft` among the origins, no `when` on
  /// transitions, no outbound lifecycle or deadlines. Synced from the sandbox, committed.
  static func olderWorkspace(_ dir: Folder) throws -> String {
    let ws = try workspace(dir, "older")
    try FileManager.default.removeItem(atPath: ws + "/schemas/outbound.schema.json")
    func older(_ v: JSONValue, _ values: Set<String>, _ keys: Set<String>) -> JSONValue {
      switch v {
      case .object(let o):
        var out: [String: JSONValue] = [:]
        for (k, x) in o where !(keys.contains(k) && x.objectValue?["description"] != nil) {
          out[k] =
            k == "enum"
            ? .array((x.arrayValue ?? []).filter { !values.contains($0.stringValue ?? "") })
            : older(x, values, keys)
        }
        return .object(out)
      case .array(let a): return .array(a.map { older($0, values, keys) })
      default: return v
      }
    }
    for (file, values, keys) in [
      ("lifecycles", Set(["outbound"]), Set(["when"])), ("deadlines", Set(["outbound"]), []),
      ("common", Set(["draft"]), Set<String>()),
    ] {
      let path = ws + "/schemas/\(file).schema.json"
      let schema = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        .value
      try Data(CanonicalJSON.bytes(older(schema, values, keys))).write(
        to: URL(fileURLWithPath: path))
    }
    let rules = ws + "/rules/lifecycles.yaml"
    var text = try String(contentsOfFile: rules, encoding: .utf8)
    let start = try #require(text.range(of: "\n  outbound:\n"))
    let end = try #require(text.range(of: "\n\n", range: start.upperBound..<text.endIndex))
    text.removeSubrange(text.index(after: start.lowerBound)..<end.upperBound)
    try text.write(toFile: rules, atomically: true, encoding: .utf8)
    let deadlines = ws + "/rules/deadlines.yaml"
    let d = try String(contentsOfFile: deadlines, encoding: .utf8)
    let cut = try #require(d.range(of: "\n  - id: po-acknowledgement-due"))
    try (String(d[..<cut.lowerBound]) + "\n").write(
      toFile: deadlines, atomically: true, encoding: .utf8)
    let commit = try CLI.run(["commit", "-m", "As an older Acorn made it"], in: ws)
    #expect(commit.status == 0, "\(commit.stderr)")
    #expect(try CLI.run(["validate"], in: ws).status == 0)
    return ws
  }

  @Test(
    "a workspace made before outbound documents is brought up to date by its first draft, in the same commit; only an admin may do it once roles apply"
  )
  func olderWorkspace() throws {
    let dir = Folder()
    let ws = try Self.olderWorkspace(dir)
    #expect(!FileManager.default.fileExists(atPath: ws + "/schemas/outbound.schema.json"))
    let po = "EDNT9QZK"
    // Roles apply: a non-admin's draft would change schemas and rules; refused, nothing written.
    let team = try String(contentsOfFile: ws + "/team.yaml", encoding: .utf8)
    try
      (team.replacingOccurrences(of: "members: []", with: "")
      + "\nmembers:\n  - {email: ops@example.com, name: Ops, roles: [ops]}\n  - {email: fin@example.com, name: Fin, roles: [finance]}\n  - {email: cli@example.com, name: Admin, roles: [admin, ops, finance]}\n")
      .write(toFile: ws + "/team.yaml", atomically: true, encoding: .utf8)
    #expect(try CLI.run(["commit", "-m", "team"], in: ws).status == 0)
    let refused = try CLI.run(
      ["draft", "ack", po, "--accept-all"], in: ws,
      environment: ["ACORN_AUTHOR_EMAIL": "ops@example.com"])
    #expect(refused.status == 1)
    #expect(refused.stderr.contains("only an admin"), "\(refused.stderr)")
    #expect(try ServeCLITests.git(["status", "--porcelain"], in: ws).isEmpty)
    #expect(!FileManager.default.fileExists(atPath: ws + "/schemas/outbound.schema.json"))
    let drafted = try CLI.run(["draft", "ack", po, "--accept-all"], in: ws)
    #expect(drafted.status == 0, "\(drafted.stderr)")
    for file in [
      "rules/lifecycles.yaml", "schemas/lifecycles.schema.json", "schemas/common.schema.json",
      "schemas/deadlines.schema.json", "schemas/outbound.schema.json",
    ] {
      #expect(drafted.stdout.contains("brought \(file) up to date"), "\(file)")
    }
    #expect(FileManager.default.fileExists(atPath: ws + "/schemas/outbound.schema.json"))
    let validate = try CLI.run(["validate", "--history", "HEAD~1..HEAD"], in: ws)
    #expect(validate.status == 0, "\(validate.stdout)\(validate.stderr)")
    // One commit holds the draft and what it needed; the working tree is clean.
    let show = try ServeCLITests.git(["show", "--stat", "--format=%s", "HEAD"], in: ws)
    #expect(show.contains("schemas/outbound.schema.json") && show.contains("OUT-US-ACK-\(po)"))
    #expect(try ServeCLITests.git(["status", "--porcelain"], in: ws).isEmpty)
    // Roles by document type: ops acknowledges and ships, finance invoices.
    let finance = try CLI.run(
      ["set", "OUT-US-ACK-\(po)", "workflow.state=approved"], in: ws,
      environment: ["ACORN_AUTHOR_EMAIL": "fin@example.com"])
    #expect(finance.status == 1)
    #expect(finance.stderr.contains("needs the role ops"), "\(finance.stderr)")
    let approve = try CLI.run(
      ["set", "OUT-US-ACK-\(po)", "workflow.state=approved"], in: ws,
      environment: ["ACORN_AUTHOR_EMAIL": "ops@example.com"])
    #expect(approve.status == 0, "\(approve.stderr)")
  }
}

extension OutboundCLITests {
  @Test(
    "acorn serve: an outbound draft shows its lines, its check against the PO and the request; a click approves it, committed in the person's name",
    .timeLimit(.minutes(3)))
  func approveInBrowser() throws {
    let dir = Folder()
    let ws = try Self.workspace(dir)
    #expect(try Self.acorn(["draft", "asn", "AEAEPUD4", "--carrier", "UPSN"], ws).status == 0)
    let id = "OUT-US-ASN-AEAEPUD4-1"
    let served = try Served(ws, [], name: "Wang Fang", email: "wang.fang@example.com")
    let port = served.port
    let home = try RawHTTP.send(port, "GET", "/")
    #expect(home.body.contains("data-card=\"outbound\""))
    #expect(home.body.contains("<div class=\"big\">1</div><a href=\"/records?kind=outbound\">"))
    let page = try RawHTTP.send(port, "GET", "/records/\(id)")
    #expect(page.status == 200)
    #expect(page.body.contains("data-table=\"document-lines\""))
    #expect(page.body.contains("data-check=\"ok\""))
    #expect(page.body.contains("SubmitShipmentConfirmations"))
    #expect(page.body.contains("data-move=\"approved\""))
    #expect(page.body.contains("/records/PO-US-AEAEPUD4"))
    let cookie = try #require(page.cookie)
    let csrf = try #require(page.csrf)
    let r = try RawHTTP.send(
      port, "POST", "/records/\(id)/move",
      headers: ["Cookie": cookie, "Origin": "http://127.0.0.1:\(port)"],
      form: ["field": "workflow.state", "to": "approved", "csrf": csrf])
    #expect(r.status == 303)
    #expect(try Self.record(ws, id)["workflow"]?["state"] == .string("approved"))
    #expect(
      try ServeCLITests.git(["log", "-1", "--format=%an <%ae>"], in: ws)
        == "Wang Fang <wang.fang@example.com>")
    let after = try RawHTTP.send(port, "GET", "/records/\(id)", headers: ["Cookie": cookie])
    #expect(after.body.contains("acorn submit sends it"))
    // A document that no longer adds up says why on its page: the PO now ships less.
    let po =
      ws + "/"
      + (try #require(
        FileManager.default.subpaths(atPath: ws)?.first { $0.hasSuffix("PO-US-AEAEPUD4.json") }))
    var text = try String(contentsOfFile: po, encoding: .utf8)
    text = text.replacingOccurrences(of: "\"accepted\": 60", with: "\"accepted\": 10")
    try text.write(toFile: po, atomically: true, encoding: .utf8)
    let stale = try RawHTTP.send(port, "GET", "/records/\(id)", headers: ["Cookie": cookie])
    #expect(stale.body.contains("data-check=\"refused\""), "\(stale.body.prefix(0))")
  }
}

extension OutboundCLITests {
  @Test(
    "Amazon does not show a lost ASN yet: not resent, and saying why; --force sends it again; throttled POSTs are retried, never doubled"
  )
  func lagAndForce() throws {
    let dir = Folder()
    let ws = try Self.workspace(dir)
    #expect(try Self.acorn(["draft", "asn", "AEAEPUD4"], ws).status == 0)
    let id = "OUT-US-ASN-AEAEPUD4-1"
    try Self.approve(ws, [id])
    let (server, url) = try SyncCLITests.serve(["--faults", "lost=1,lag=1"])
    defer { server.terminate() }
    let first = try Self.submit(ws, url, [id])
    #expect(first.status == 1, "\(first.stderr)")
    #expect(first.stdout.contains("unknown"), "\(first.stdout)")
    #expect(first.stdout.contains("not sent again"), "\(first.stdout)")
    let again = try Self.submit(ws, url, ["--approved"])
    #expect(again.stdout.contains("--force"), "\(again.stdout)")
    #expect(try Self.received(url) == ["asn:AEAEPUD4-1": 1])
    #expect(try CLI.run(["status"], in: ws).stdout.contains("answer lost"))
    let forced = try Self.submit(ws, url, [id, "--force"])
    #expect(forced.status == 1, "\(forced.stderr)")
    #expect(try Self.received(url) == ["asn:AEAEPUD4-1": 2])
    let r = try Self.record(ws, id)
    #expect(r["workflow"]?["submission"]?["attempts"]?.intValue == 2)
    // Throttling answers 429 before Amazon takes anything: retried until accepted, once.
    #expect(
      try Self.acorn(["draft", "invoice", "--from-asn", id, "--number", "SBX-INV-429"], ws).status
        == 0)
    try Self.approve(ws, ["OUT-US-INV-SBX-INV-429"])
    let (busy, busyURL) = try SyncCLITests.serve(["--faults", "429=0.5"])
    defer { busy.terminate() }
    let sent = try Self.submit(ws, busyURL, ["OUT-US-INV-SBX-INV-429"])
    #expect(sent.status == 0, "\(sent.stdout)\(sent.stderr)")
    #expect(try Self.received(busyURL) == ["invoice:SBX-INV-429": 1])
  }
}
