import AcornGit
import AcornModel
import Foundation

/// `acorn set`: the team's edits to `workflow`, checked against the schema and the lifecycles.
extension Workspace {
  public struct SetResult: Sendable {
    public var id: String
    public var path: String
    public var changes: [FieldChange]
    public var commit: ObjectID?
  }

  /// Timestamps in records: UTC, seconds, `Z`.
  public static func timestamp(_ date: Date) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime]
    formatter.timeZone = TimeZone(identifier: "UTC")
    return formatter.string(from: date)
  }

  /// Applies `FIELD=VALUE` assignments (dotted `workflow.…` paths; an empty value removes the
  /// field) and an optional note to a record; validates the result; writes it; commits one commit
  /// unless `commit` is false. Refusals (source fields, unknown fields, illegal transitions, an
  /// invalid result) change nothing.
  public func set(
    _ query: String, assignments: [(field: String, value: String)], note: String?, message: String?,
    commit: Bool, author: Signature, now: Date
  ) throws(WorkspaceError) -> SetResult {
    let lock = try WorkspaceLock.acquire(self)
    defer { lock.release() }
    return try setLocked(
      query, assignments: assignments, note: note, message: message, commit: commit,
      author: author, now: now)
  }

  /// `set` for a caller that holds the workspace lock (reconcile --apply).
  func setLocked(
    _ query: String, assignments: [(field: String, value: String)], note: String?, message: String?,
    commit: Bool, author: Signature, now: Date
  ) throws(WorkspaceError) -> SetResult {
    let entry = try findRecord(query)
    let original = try readRecord(entry)
    guard let kind = original.kind, let id = original.id else {
      throw WorkspaceError(
        "record.kind", "\(entry.path) has no valid kind or id; fix it first (acorn validate)")
    }
    let rules = try rules()
    let schemas = rules.schemas
    let lifecycleSet: LifecycleSet? = rules.lifecycles
    var json = original.json

    for (field, text) in assignments {
      guard let path = JSONPath(dotted: field), case .key(let top) = path.components.first else {
        throw WorkspaceError(
          "set.field", "\"\(field)\" is not a field path (e.g. workflow.state)", refusal: true)
      }
      guard top == "workflow", path.components.count > 1 else {
        let why =
          top == "source"
          ? "source fields are Amazon's side and are written only by sync and import"
          : "only workflow fields can be set"
        throw WorkspaceError("set.read-only", "cannot set \(field): \(why)", refusal: true)
      }
      guard let schema = schemas.subschema(at: path, in: kind.schemaFileName) else {
        let known =
          (schemas.subschema(at: JSONPath([.key("workflow")]), in: kind.schemaFileName)?[
            "properties"]?
          .objectValue?.keys.sorted() ?? []).map { "workflow." + $0 }
        throw WorkspaceError(
          "set.unknown-field",
          "\(kind.withArticle) has no field \(field) (fields: \(known.joined(separator: ", ")))",
          refusal: true)
      }
      let value: JSONValue? =
        text.isEmpty ? nil : try Self.coerce(text, schema: schema, field: field)
      for lifecycle in lifecycleSet?.applying(to: kind) ?? [] where lifecycle.field == path {
        let from = json[path]?.stringValue ?? lifecycle.initial
        guard let to = value?.stringValue else {
          throw WorkspaceError(
            "lifecycle.transition",
            "\(field) cannot be removed; it follows the \(lifecycle.name) lifecycle", refusal: true)
        }
        if let refusal = Self.illegalMove(id: id, lifecycle: lifecycle, from: from, to: to) {
          throw refusal
        }
      }
      guard let updated = json.setting(value, at: path) else {
        throw WorkspaceError("set.field", "cannot set \(field) on \(id)", refusal: true)
      }
      json = updated
    }
    if let note, !note.isEmpty {
      let entry: JSONValue = .object([
        "at": .string(Self.timestamp(now)), "author": .string(author.email), "text": .string(note),
      ])
      let notesPath = JSONPath([.key("workflow"), .key("notes")])
      let notes = (json[notesPath]?.arrayValue ?? []) + [entry]
      json = json.setting(.array(notes), at: notesPath) ?? json
    }
    let record = Record(json: json)
    let changes = RecordDiff.changes(from: original.json, to: record.json)
    if changes.isEmpty {
      return SetResult(id: id, path: entry.path, changes: [], commit: nil)
    }
    var ids: [String: String] = [:]
    let problems = validateRecord(
      bytes: record.canonicalBytes, at: entry.path, schemas: schemas, lifecycles: lifecycleSet,
      marketplaces: [], ids: &ids
    ).filter { $0.severity == .error }
    if !problems.isEmpty {
      let list = problems.map { "\($0.path ?? "$"): \($0.message)" }.joined(separator: "; ")
      throw WorkspaceError("set.invalid", "refusing the change to \(id): \(list)", refusal: true)
    }
    let forbidden = roleProblems(
      id: id, kind: kind, old: original.json, new: record.json, author: author, rules: rules)
    if !forbidden.isEmpty {
      throw WorkspaceError("role.forbidden", forbidden.joined(separator: "; "), refusal: true)
    }
    try Self.refuseCredentials([(entry.path, record.canonicalBytes)])
    let rel = try write(record)
    var commitID: ObjectID?
    if commit {
      let summary = assignments.map { "\($0.field)=\($0.value)" }.joined(separator: " ")
      let subject =
        message
        ?? "Set \(id)\(summary.isEmpty ? "" : " " + summary)\(note.map { _ in summary.isEmpty ? " note" : " (note)" } ?? "")"
      let body = note.map { "\n\n" + $0 } ?? ""
      commitID = try self.commit(
        paths: Array(Set([rel, entry.path])), message: subject + body + "\n", author: author)
    }
    return SetResult(id: id, path: rel, changes: changes, commit: commitID)
  }

  /// Reads a command-line value as the schema's type: text for strings, numbers exactly,
  /// `true`/`false`, `AMOUNT CUR` for money, comma-separated lists for id sets, JSON otherwise.
  static func coerce(_ text: String, schema: JSONValue, field: String) throws(WorkspaceError)
    -> JSONValue
  {
    func bad(_ expected: String) -> WorkspaceError {
      WorkspaceError("set.value", "\(field) takes \(expected), not \"\(text)\"", refusal: true)
    }
    if schema["properties"]?["amount"] != nil && schema["properties"]?["currency"] != nil {
      let parts = text.split(separator: " ").map(String.init)
      guard parts.count == 2, let money = try? Money(parts[0], parts[1].uppercased()) else {
        throw bad("money as AMOUNT CURRENCY (e.g. 280.00 USD)")
      }
      return .object([
        "amount": .string(money.amountText), "currency": .string(money.currency.code),
      ])
    }
    switch schema["type"]?.stringValue {
    case "string": return .string(text)
    case "integer", "number":
      guard let n = try? DecimalNumber(parsing: text) else { throw bad("a number") }
      return .number(n)
    case "boolean":
      switch text.lowercased() {
      case "true", "yes": return .bool(true)
      case "false", "no": return .bool(false)
      default: throw bad("true or false")
      }
    case "array"
    where schema["items"]?["$ref"] != nil || schema["items"]?["type"]?.stringValue == "string":
      if text.hasPrefix("[") { break }
      return .array(
        text.split(separator: ",").map { .string($0.trimmingCharacters(in: .whitespaces)) })
    default: break
    }
    guard let parsed = try? JSONParser.parse(text) else { throw bad("a JSON value") }
    return parsed
  }

  /// The refusal for a lifecycle move that the rules do not allow, or nil when it is legal.
  static func illegalMove(id: String, lifecycle: Lifecycle, from: String, to: String)
    -> WorkspaceError?
  {
    guard to != from && !lifecycle.isReachable(from: from, to: to) else { return nil }
    let next = lifecycle.next(from)
    let allowed =
      next.isEmpty
      ? "\(from) is terminal: no further states"
      : "allowed next states: \(next.joined(separator: ", "))"
    return WorkspaceError(
      "lifecycle.transition",
      "cannot move \(id) \(lifecycle.field) from \(from) to \(to) in the \(lifecycle.name) lifecycle; \(allowed)",
      refusal: true)
  }
}

/// The lifecycle moves a person may make on a record: what `acorn serve` offers as buttons, and
/// the same checks `set` applies (transitions of `rules/lifecycles.yaml`, roles of `team.yaml`).
extension Workspace {
  public struct Move: Sendable, Hashable {
    public var lifecycle: String
    /// The dotted field the lifecycle moves (`workflow.state`).
    public var field: String
    public var from: String
    public var to: String
    /// Why this person may not make the move (a role the person lacks), or nil when allowed.
    public var refusal: String?
  }

  /// The direct next states of each lifecycle the record follows, each with whether `email` may
  /// make it.
  public func moves(for record: Record, by email: String) throws(WorkspaceError) -> [Move] {
    guard let kind = record.kind else { return [] }
    let rules = try rules()
    var out: [Move] = []
    for lifecycle in rules.lifecycles.applying(to: kind) {
      let from = record.json[lifecycle.field]?.stringValue ?? lifecycle.initial
      for to in lifecycle.next(from) {
        var moved = record.json
        moved = moved.setting(.string(to), at: lifecycle.field) ?? moved
        let problems = roleProblems(
          id: record.id ?? "", kind: kind, old: record.json, new: moved,
          author: Signature(name: email, email: email, time: 0), rules: rules)
        out.append(
          Move(
            lifecycle: lifecycle.name, field: lifecycle.field.description, from: from, to: to,
            refusal: problems.first))
      }
    }
    return out
  }
}
