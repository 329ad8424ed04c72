import AcornGit
import AcornModel
import AcornOutbound
import AcornSPAPI
import AcornWorkspace
import Foundation

/// `acorn submit`: approved outbound documents sent to Amazon exactly once (docs/outbound.md).
///
/// For each document, under the workspace lock from the first request to the last commit:
/// 1. an attempt is committed (`workflow.submission.attemptStartedAt` and the body's SHA-256)
///    *before* the request, so a crash afterwards leaves a trace;
/// 2. Amazon's transaction id is committed (state `submitted`) before success is reported;
/// 3. `getTransaction` is polled and `Success` (`accepted`) or `Failure` (`failed`, with Amazon's
///    errors) committed.
/// A document with a transaction id is never sent again. An attempt whose answer was lost (a
/// kill, a dropped connection, a 500) is settled by asking Amazon: an acknowledgement through
/// getPurchaseOrdersStatus (resent if Amazon does not show it: a later acknowledgement replaces
/// an earlier one, so a resend is harmless), an ASN through GetShipmentDetails, an invoice
/// through getInvoice; an ASN or invoice Amazon does not show is not resent without `force`.
public struct Submitter {
  public struct Options: Sendable {
    public var queries: [String] = []
    /// Every approved document, in-flight attempt and submitted one still processing.
    public var approved = false
    public var dryRun = false
    public var force = false
    /// Seconds to keep asking getTransaction for a final status.
    public var wait: Double = 10

    public init() {}
  }

  public struct Entry: Sendable {
    public var id: String
    public var type: OutboundType
    /// sent, accepted, failed, processing, recovered, refused, rejected, unknown, dry-run, skipped
    public var outcome: String
    public var transactionId: String?
    public var message: String
    public var body: JSONValue?
    public var errors: [JSONValue] = []
  }

  let workspace: Workspace
  let client: SPAPIClient
  let author: Signature
  let clock: any SPAPIClock
  let note: (String) -> Void

  public init(
    workspace: Workspace, client: SPAPIClient, author: Signature,
    clock: any SPAPIClock = SystemClock(), note: @escaping (String) -> Void = { _ in }
  ) {
    self.workspace = workspace
    self.client = client
    self.author = author
    self.clock = clock
    self.note = note
  }

  var now: Date { Date(timeIntervalSince1970: clock.now()) }

  public func run(_ options: Options) throws -> [Entry] {
    try workspace.withLock {
      var targets: [Record] = []
      if options.approved {
        targets = try workspace.outboundDocuments(states: [.approved, .submitted]).filter {
          guard let v = OutboundView($0) else { return false }
          return v.state == .approved || v.status == nil || v.status == "Processing"
        }
      }
      for q in options.queries {
        let r = try workspace.readRecord(try workspace.findRecord(q))
        guard OutboundView(r) != nil else {
          throw WorkspaceError(
            "submit.kind", "\(r.id ?? q) is not an outbound document (acorn draft makes them)",
            refusal: true)
        }
        if !targets.contains(where: { $0.id == r.id }) { targets.append(r) }
      }
      var out: [Entry] = []
      for r in targets.sorted(by: { ($0.id ?? "") < ($1.id ?? "") }) {
        out.append(try one(r, options))
      }
      return out
    }
  }

  func one(_ record: Record, _ options: Options) throws -> Entry {
    guard let v = OutboundView(record) else {
      throw WorkspaceError("submit.kind", "not an outbound document")
    }
    func entry(_ outcome: String, _ message: String) -> Entry {
      Entry(
        id: v.id, type: v.type, outcome: outcome, transactionId: v.transactionId,
        message: message)
    }
    switch v.state {
    case .draft:
      return entry(
        "refused",
        "\(v.id) is a draft; a teammate approves it first (acorn set \(v.id) workflow.state=approved)"
      )
    case .cancelled: return entry("skipped", "\(v.id) is cancelled")
    case .accepted: return entry("skipped", "\(v.id) was accepted by Amazon already")
    case .failed:
      return entry(
        "skipped", "\(v.id) failed at Amazon; correct it and draft it again (a new revision)")
    case .submitted:
      guard let id = v.transactionId else {
        return entry(
          "skipped",
          "\(v.id) is marked submitted without a transaction id (settled by hand); not sent again")
      }
      if options.dryRun { return entry("dry-run", "would ask Amazon about transaction \(id)") }
      return try poll(record, transactionId: id, wait: options.wait)
    case .approved: break
    }
    // Approved: still right against the purchase orders?
    guard let market = Marketplace(v.marketplace) else {
      return entry("refused", "\(v.id) has no known marketplace")
    }
    let context = try workspace.outboundContext(marketplace: market, now: now)
    do { try Drafting.check(record, context: context) } catch {
      return entry("refused", error.message)
    }
    let request: RequestBodies.Request
    do { request = try RequestBodies.request(for: record) } catch {
      return entry("refused", error.message)
    }
    if options.dryRun {
      var e = entry("dry-run", "would send \(request.operation) (\(request.bytes.count) bytes)")
      e.body = request.body
      return e
    }
    var attempts = record.json["workflow"]?["submission"]?["attempts"]?.intValue ?? 0
    if v.inFlight {
      note("\(v.id): an earlier attempt's answer was lost; asking Amazon")
      if let recovered = try recover(record, v) { return recovered }
      if v.type != .acknowledgement && !options.force {
        return entry(
          "unknown",
          "\(v.id): an earlier request may have reached Amazon, and Amazon does not show the \(v.type.title) yet (Vendor Central can take 15–30 minutes). Not sent again: run acorn submit \(v.id) later to ask again; only if Vendor Central does not show \(v.number) after that, send it with --force"
        )
      }
    }
    // 1. The attempt, committed before the request.
    attempts += 1
    var submission: [String: JSONValue] = [
      "attemptStartedAt": .string(Workspace.timestamp(now)),
      "requestSha256": .string(SHA256.hex(request.bytes)),
      "attempts": .number(DecimalNumber(attempts)),
    ]
    _ = try workspace.updateOutbound(
      v.id, [("workflow.submission", .object(submission))],
      message: "Send \(v.type.title) \(v.number) (\(v.id)): attempt \(attempts)", author: author,
      now: now)
    note("\(v.id): \(request.operation)")
    let outcome: SPAPIClient.PostOutcome
    do {
      outcome = try client.post(request.operation, path: request.path, body: request.bytes)
    } catch {
      // Throttled or unavailable every time: Amazon processed nothing; the attempt stays.
      submission["attemptStartedAt"] = nil
      _ = try workspace.updateOutbound(
        v.id, [("workflow.submission", .object(submission))],
        message: "Not sent: \(v.id) (\(error))", author: author, now: now)
      return entry("unknown", "\(v.id): not sent — \(error); try again later")
    }
    switch outcome {
    case .accepted(let transactionId, _):
      // 2. The transaction id, committed before success is reported.
      submission["transactionId"] = .string(transactionId)
      submission["submittedAt"] = .string(Workspace.timestamp(now))
      submission["submittedBy"] = .string(author.email)
      submission["status"] = .string("Processing")
      var updated = record
      _ = try workspace.updateOutbound(
        v.id,
        [("workflow.submission", .object(submission)), ("workflow.state", .string("submitted"))],
        message: "Sent \(v.type.title) \(v.number) (\(v.id)): transaction \(transactionId)",
        author: author, now: now)
      updated = try workspace.readRecord(try workspace.findRecord(v.id))
      return try poll(updated, transactionId: transactionId, wait: options.wait)
    case .rejected(let error):
      var errors: [JSONValue] = []
      if case .api(let status, let code, let message, let details, _, _) = error {
        var e: [String: JSONValue] = [
          "code": .string(code), "message": .string("HTTP \(status): \(message)"),
        ]
        if let details, !details.isEmpty { e["details"] = .string(details) }
        errors.append(.object(e))
      } else {
        errors.append(
          .object(["code": .string("Refused"), "message": .string(error.description)]))
      }
      submission["attemptStartedAt"] = nil
      submission["status"] = .string("Failure")
      submission["errors"] = .array(errors)
      _ = try workspace.updateOutbound(
        v.id,
        [("workflow.submission", .object(submission)), ("workflow.state", .string("failed"))],
        message: "Amazon refused \(v.type.title) \(v.number) (\(v.id)): \(error)",
        author: author, now: now)
      var e = entry("rejected", "\(v.id): Amazon refused the request — \(error)")
      e.errors = errors
      return e
    case .unknown(let why):
      note("\(v.id): \(why); asking Amazon whether it has the document")
      let fresh = try workspace.readRecord(try workspace.findRecord(v.id))
      if let settled = try recover(fresh, OutboundView(fresh) ?? v) { return settled }
      return entry(
        "unknown",
        "\(v.id): \(why). The request may have reached Amazon; it is not sent again. Run acorn submit \(v.id) later: Acorn asks Amazon before sending anything"
      )
    }
  }

  /// Whether Amazon has a document whose answer was lost; if so, it is recorded as accepted
  /// (with how that was found) and nothing is sent.
  func recover(_ record: Record, _ v: OutboundView) throws -> Entry? {
    let s = record.json["source"]
    var how: String?
    do {
      switch v.type {
      case .acknowledgement:
        let status = try client.acknowledgementStatus(purchaseOrderNumber: v.number) ?? [:]
        let lines = s?["lines"]?.arrayValue ?? []
        let matches =
          !lines.isEmpty
          && lines.allSatisfy { l in
            guard let seq = l["itemSequenceNumber"]?.stringValue, let ack = status[seq] else {
              return false
            }
            // Amazon's own view of a PO it has not had an acknowledgement for says UNCONFIRMED.
            guard let confirmed = ack["confirmationStatus"]?.stringValue,
              confirmed != "UNCONFIRMED"
            else { return false }
            let q = ack["acceptedQuantity"]
            let accepted = (q?["amount"]?.intValue ?? 0) * (q?["unitSize"]?.intValue ?? 1)
            return accepted == (l["acceptedEaches"]?.intValue ?? -1)
          }
        if matches {
          how = "getPurchaseOrdersStatus shows \(v.number) acknowledged with these quantities"
        }
      case .shipmentConfirmation:
        if try client.hasShipment(v.number) {
          how = "GetShipmentDetails shows shipment \(v.number)"
        }
      case .invoice:
        let market = Marketplace(v.marketplace)?.marketplaceId ?? v.marketplace
        if try client.hasInvoice(v.number, marketplaceId: market) {
          how = "getInvoice shows invoice \(v.number)"
        }
      }
    } catch {
      throw WorkspaceError(
        "submit.recovery",
        "\(v.id): cannot ask Amazon whether it has the document (\(error)); nothing was sent — try again"
      )
    }
    guard let how else { return nil }
    var submission = record.json["workflow"]?["submission"]?.objectValue ?? [:]
    submission["attemptStartedAt"] = nil
    submission["recovery"] = .string("The answer to an attempt was lost; \(how).")
    submission["status"] = .string("Success")
    submission["checkedAt"] = .string(Workspace.timestamp(now))
    _ = try workspace.updateOutbound(
      v.id,
      [("workflow.submission", .object(submission)), ("workflow.state", .string("accepted"))],
      message: "Amazon has \(v.type.title) \(v.number) (\(v.id)): \(how); not sent again",
      author: author, now: now)
    return Entry(
      id: v.id, type: v.type, outcome: "recovered", transactionId: nil,
      message: "\(v.id): Amazon already has it (\(how)); not sent again")
  }

  /// Asks getTransaction until the status is final or `wait` seconds pass; commits the answer.
  func poll(_ record: Record, transactionId: String, wait: Double) throws -> Entry {
    guard let v = OutboundView(record) else {
      throw WorkspaceError("submit.kind", "not an outbound document")
    }
    let deadline = clock.now() + max(0, wait)
    let interval = max(0.2, min(5, wait / 10))
    var status: SPAPIClient.TransactionStatus
    repeat {
      do { status = try client.transaction(transactionId) } catch {
        return Entry(
          id: v.id, type: v.type, outcome: "processing", transactionId: transactionId,
          message:
            "\(v.id): sent as transaction \(transactionId); its status is not known yet (\(error)); acorn submit --approved asks again"
        )
      }
      if status.status != "Processing" { break }
      if clock.now() + interval > deadline { break }
      clock.sleep(interval)
    } while true
    var submission = record.json["workflow"]?["submission"]?.objectValue ?? [:]
    submission["status"] = .string(status.status)
    submission["checkedAt"] = .string(Workspace.timestamp(now))
    let errors = status.errors.map { e -> JSONValue in
      var o: [String: JSONValue] = [
        "code": e["code"] ?? .string("Unknown"), "message": e["message"] ?? .string(""),
      ]
      if let d = e["details"]?.stringValue, !d.isEmpty { o["details"] = .string(d) }
      return .object(o)
    }
    if !errors.isEmpty { submission["errors"] = .array(errors) }
    var assignments: [(field: String, value: JSONValue?)] = [
      ("workflow.submission", .object(submission))
    ]
    let outcome: String
    let message: String
    switch status.status {
    case "Success":
      assignments.append(("workflow.state", .string("accepted")))
      outcome = "accepted"
      message = "\(v.id): Amazon accepted transaction \(transactionId)"
    case "Failure":
      assignments.append(("workflow.state", .string("failed")))
      outcome = "failed"
      let list = errors.map {
        "\($0["code"]?.stringValue ?? ""): \($0["message"]?.stringValue ?? "")"
      }
      message =
        "\(v.id): Amazon failed transaction \(transactionId) — \(list.joined(separator: "; "))"
    default:
      outcome = "processing"
      message =
        "\(v.id): sent as transaction \(transactionId); Amazon is still processing it (acorn submit --approved asks again)"
    }
    _ = try workspace.updateOutbound(
      v.id, assignments,
      message: "Amazon's answer for \(v.id): \(status.status) (transaction \(transactionId))",
      author: author, now: now)
    var e = Entry(
      id: v.id, type: v.type, outcome: outcome, transactionId: transactionId, message: message)
    e.errors = errors
    return e
  }
}
