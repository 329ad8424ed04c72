import AcornGit
import AcornModel
import Foundation

/// `acorn match`: people's decisions where the reconciler could not link documents by their
/// numbers — a payment line or a deduction to an invoice, a deduction or credit note to a return.
/// Links are workflow sets merged by union; each match is one commit, made through `acorn set`'s
/// checks.
extension Workspace {
  public enum MatchTarget: Sendable, Equatable {
    case invoice(String)
    case `return`(String)
  }

  public struct MatchResult: Sendable {
    public var id: String
    public var field: String
    public var commit: ObjectID?
    public var description: String
  }

  public func match(
    _ query: String, line: Int?, to target: MatchTarget, remove: Bool, author: Signature,
    now: Date
  ) throws(WorkspaceError) -> MatchResult {
    let lock = try WorkspaceLock.acquire(self)
    defer { lock.release() }
    let entry = try findRecord(query)
    let record = try readRecord(entry)
    guard let kind = record.kind, let id = record.id else {
      throw WorkspaceError("record.kind", "\(entry.path) has no valid kind or id")
    }
    func refusal(_ message: String) -> WorkspaceError {
      WorkspaceError("match.invalid", message, refusal: true)
    }
    // The record linked to must exist and be of the right kind.
    let targetID: String
    let targetKind: RecordKind
    switch target {
    case .invoice(let q):
      let t = try findRecord(q)
      guard t.kind == RecordKind.invoice.rawValue else {
        throw refusal("\(t.id) is a \(t.kind), not an invoice")
      }
      (targetID, targetKind) = (t.id, .invoice)
    case .return(let q):
      let t = try findRecord(q)
      guard t.kind == RecordKind.return.rawValue else {
        throw refusal("\(t.id) is a \(t.kind), not a return")
      }
      (targetID, targetKind) = (t.id, .return)
    }
    let workflow = record.json["workflow"]
    var field: String
    var value: JSONValue
    var what: String
    switch (kind, targetKind) {
    case (.remittance, .invoice):
      guard let line else {
        throw refusal("a payment is matched line by line: give --line N (acorn show \(id))")
      }
      let lines = record.json["source"]?["lines"]?.arrayValue ?? []
      guard
        lines.enumerated().contains(where: { i, l in (l["lineNumber"]?.intValue ?? i + 1) == line })
      else {
        throw refusal("\(id) has no line \(line) (lines 1…\(lines.count))")
      }
      field = "workflow.lineMatches"
      var matches = (workflow?["lineMatches"]?.arrayValue ?? []).filter {
        $0["lineNumber"]?.intValue != line
      }
      if !remove {
        matches.append(
          .object(["lineNumber": .number(DecimalNumber(line)), "invoiceId": .string(targetID)]))
      }
      matches.sort { ($0["lineNumber"]?.intValue ?? 0) < ($1["lineNumber"]?.intValue ?? 0) }
      value = .array(matches)
      what = "\(id) line \(line) \(remove ? "unmatched from" : "→") \(targetID)"
    case (.deduction, _), (.creditNote, .return):
      field =
        kind == .creditNote
        ? "workflow.returnIds"
        : targetKind == .invoice ? "workflow.invoiceIds" : "workflow.returnIds"
      let key = String(field.dropFirst("workflow.".count))
      var set = Set((workflow?[key]?.arrayValue ?? []).compactMap(\.stringValue))
      if remove { set.remove(targetID) } else { set.insert(targetID) }
      value = .array(set.sorted().map(JSONValue.string))
      what = "\(id) \(remove ? "unmatched from" : "→") \(targetID)"
    default:
      throw refusal(
        "cannot match \(kind.withArticle) to \(targetKind.withArticle): match a payment line or a deduction to an invoice, a deduction or credit note to a return"
      )
    }
    let result = try setLocked(
      entry.id, assignments: [(field, CanonicalJSON.compact(value, limit: .max))], note: nil,
      message: "Match \(what)", commit: true, author: author, now: now)
    return MatchResult(id: id, field: field, commit: result.commit, description: what)
  }
}
