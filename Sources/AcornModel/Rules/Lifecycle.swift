/// A workflow state machine from `rules/lifecycles.yaml`: states, allowed direct transitions and
/// the roles that may make them. A change is legal when the new state is reachable from the old.
public struct Lifecycle: Sendable, Hashable {
  public var name: String
  public var description: String?
  public var kinds: [RecordKind]
  /// Dotted path of the state field, e.g. `workflow.state`.
  public var field: JSONPath
  public var initial: String
  public var terminal: Set<String>
  /// Direct successors of each state.
  public var transitions: [String: [String]]
  /// Roles allowed per transition (`from` → `to`); empty or absent means anyone.
  public var roles: [Transition: [String]]
  /// Roles that apply to a transition only for records whose fields have given values (`when:`):
  /// ops approves acknowledgements, finance invoices.
  public var conditionalRoles: [Transition: [RoleCondition]] = [:]

  public struct RoleCondition: Sendable, Hashable {
    /// Dotted field path → the values it must have (any of them).
    public var when: [String: [String]]
    public var roles: [String]

    public init(when: [String: [String]], roles: [String]) {
      self.when = when
      self.roles = roles
    }

    public func matches(_ record: JSONValue) -> Bool {
      when.allSatisfy { path, values in
        guard let p = JSONPath(dotted: path), let v = record[p]?.stringValue else { return false }
        return values.contains(v)
      }
    }
  }

  /// The roles a transition needs for this record (nil: every condition counts); empty means
  /// anyone.
  public func roles(_ t: Transition, record: JSONValue?) -> [String] {
    let conditional = (conditionalRoles[t] ?? []).filter { c in record.map(c.matches) ?? true }
    return (roles[t] ?? []) + conditional.flatMap(\.roles)
  }

  public struct Transition: Sendable, Hashable {
    public var from: String
    public var to: String

    public init(from: String, to: String) {
      self.from = from
      self.to = to
    }
  }

  public init(
    name: String, description: String? = nil, kinds: [RecordKind], field: JSONPath, initial: String,
    terminal: Set<String>, transitions: [String: [String]], roles: [Transition: [String]]
  ) {
    self.name = name
    self.description = description
    self.kinds = kinds
    self.field = field
    self.initial = initial
    self.terminal = terminal
    self.transitions = transitions
    self.roles = roles
  }

  /// Every state named anywhere in the lifecycle, sorted.
  public var states: [String] {
    var all: Set<String> = [initial]
    all.formUnion(terminal)
    for (from, tos) in transitions {
      all.insert(from)
      all.formUnion(tos)
    }
    return all.sorted()
  }

  /// Direct successors of `state`, sorted.
  public func next(_ state: String) -> [String] {
    (transitions[state] ?? []).sorted()
  }

  /// Whether `to` can be reached from `from` in one or more transitions.
  public func isReachable(from: String, to: String) -> Bool {
    var seen: Set<String> = []
    var stack = transitions[from] ?? []
    while let s = stack.popLast() {
      if s == to { return true }
      if seen.insert(s).inserted { stack.append(contentsOf: transitions[s] ?? []) }
    }
    return false
  }

  /// States reachable from `state` (excluding itself unless on a cycle), sorted.
  public func reachable(from state: String) -> [String] {
    var seen: Set<String> = []
    var stack = transitions[state] ?? []
    while let s = stack.popLast() {
      if seen.insert(s).inserted { stack.append(contentsOf: transitions[s] ?? []) }
    }
    return seen.sorted()
  }

  /// A cycle as a list of states (first == last), or nil when the graph is acyclic.
  public func cycle() -> [String]? {
    enum Mark { case visiting, done }
    var marks: [String: Mark] = [:]
    var stack: [String] = []
    func visit(_ s: String) -> [String]? {
      if marks[s] == .done { return nil }
      if marks[s] == .visiting {
        let start = stack.firstIndex(of: s) ?? 0
        return Array(stack[start...]) + [s]
      }
      marks[s] = .visiting
      stack.append(s)
      for t in next(s) {
        if let c = visit(t) { return c }
      }
      stack.removeLast()
      marks[s] = .done
      return nil
    }
    for s in states {
      if let c = visit(s) { return c }
    }
    return nil
  }

  /// Structural problems: cycles, terminal states with exits, states not reachable from initial.
  public func problems() -> [String] {
    var out: [String] = []
    if let c = cycle() {
      out.append(
        "lifecycle \"\(name)\" has a cycle: \(c.joined(separator: " -> ")); lifecycles must be acyclic"
      )
    }
    for t in terminal.sorted() where !(transitions[t] ?? []).isEmpty {
      out.append("lifecycle \"\(name)\": terminal state \"\(t)\" has transitions out of it")
    }
    let reachableFromInitial = Set(reachable(from: initial)).union([initial])
    for s in states where !reachableFromInitial.contains(s) {
      out.append("lifecycle \"\(name)\": state \"\(s)\" cannot be reached from \"\(initial)\"")
    }
    for s in states where !terminal.contains(s) && (transitions[s] ?? []).isEmpty {
      out.append(
        "lifecycle \"\(name)\": state \"\(s)\" has no way out but is not listed as terminal")
    }
    return out
  }
}

/// The lifecycles of a workspace, parsed from the JSON form of `rules/lifecycles.yaml`.
public struct LifecycleSet: Sendable, Hashable {
  public var lifecycles: [String: Lifecycle]

  public init(lifecycles: [String: Lifecycle]) { self.lifecycles = lifecycles }

  /// Reads a document already checked against `lifecycles.schema.json`; returns nil for shapes
  /// that schema rejects.
  public init?(json: JSONValue) {
    guard let all = json["lifecycles"]?.objectValue else { return nil }
    var out: [String: Lifecycle] = [:]
    for (name, body) in all {
      guard let fieldText = body["field"]?.stringValue, let field = JSONPath(dotted: fieldText),
        let initial = body["initial"]?.stringValue,
        let transitionList = body["transitions"]?.arrayValue
      else { return nil }
      var transitions: [String: [String]] = [:]
      var roles: [Lifecycle.Transition: [String]] = [:]
      var conditional: [Lifecycle.Transition: [Lifecycle.RoleCondition]] = [:]
      for t in transitionList {
        guard let from = t["from"]?.stringValue, let tos = t["to"]?.arrayValue else { return nil }
        var when: [String: [String]] = [:]
        for (path, v) in t["when"]?.objectValue ?? [:] {
          when[path] = v.stringValue.map { [$0] } ?? (v.arrayValue ?? []).compactMap(\.stringValue)
        }
        for to in tos.compactMap(\.stringValue) {
          if !(transitions[from] ?? []).contains(to) { transitions[from, default: []].append(to) }
          let r = (t["roles"]?.arrayValue ?? []).compactMap(\.stringValue)
          if !when.isEmpty {
            conditional[.init(from: from, to: to), default: []].append(
              Lifecycle.RoleCondition(when: when, roles: r))
          } else if !r.isEmpty {
            roles[.init(from: from, to: to), default: []].append(contentsOf: r)
          }
        }
      }
      out[name] = Lifecycle(
        name: name, description: body["description"]?.stringValue,
        kinds: (body["kinds"]?.arrayValue ?? []).compactMap {
          $0.stringValue.flatMap(RecordKind.init(rawValue:))
        },
        field: field, initial: initial,
        terminal: Set((body["terminal"]?.arrayValue ?? []).compactMap(\.stringValue)),
        transitions: transitions, roles: roles)
      out[name]?.conditionalRoles = conditional
    }
    self.lifecycles = out
  }

  /// Lifecycles whose field lives in records of `kind`, by name.
  public func applying(to kind: RecordKind) -> [Lifecycle] {
    lifecycles.values.filter { $0.kinds.contains(kind) }.sorted { $0.name < $1.name }
  }
}
