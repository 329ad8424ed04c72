/// The team of `team.yaml`: members by git author e-mail, with their roles. An empty team
/// enforces nothing (a new workspace); once it has members, only members may change workflow,
/// and only within their roles.
public struct Team: Sendable, Hashable {
  public struct Member: Sendable, Hashable {
    public var email: String
    public var name: String
    public var roles: Set<String>
    /// The member's SSH public key for commit signatures (`ssh-ed25519 AAAA…`), if registered.
    public var signingKey: String? = nil
  }

  public var members: [Member]

  public init(members: [Member]) { self.members = members }

  public init(json: JSONValue) {
    members = (json["members"]?.arrayValue ?? []).compactMap { m in
      guard let email = m["email"]?.stringValue else { return nil }
      return Member(
        email: email.lowercased(), name: m["name"]?.stringValue ?? email,
        roles: Set((m["roles"]?.arrayValue ?? []).compactMap(\.stringValue)),
        signingKey: m["signingKey"]?.stringValue)
    }
  }

  public var enforcesRoles: Bool { !members.isEmpty }

  public func member(_ email: String) -> Member? {
    let e = email.lowercased()
    return members.first { $0.email == e }
  }
}

extension Lifecycle {
  /// Whether `to` can be reached from `from` through transitions open to someone with `roles`
  /// (a transition with no roles is open to everyone), for `record` when the roles depend on it.
  public func isReachable(
    from: String, to: String, roles: Set<String>, record: JSONValue? = nil
  ) -> Bool {
    var seen: Set<String> = [from]
    var stack = [from]
    while let s = stack.popLast() {
      for next in transitions[s] ?? [] {
        let needed = self.roles(Transition(from: s, to: next), record: record)
        guard needed.isEmpty || !roles.isDisjoint(with: needed) else { continue }
        if next == to { return true }
        if seen.insert(next).inserted { stack.append(next) }
      }
    }
    return false
  }

  /// The roles of the transitions into `to` (what a refusal names as needed), for `record`.
  public func rolesInto(_ to: String, record: JSONValue? = nil) -> [String] {
    let into = Set(roles.keys).union(conditionalRoles.keys).filter { $0.to == to }
    return Array(Set(into.flatMap { self.roles($0, record: record) })).sorted()
  }
}

/// Which roles may edit which workflow fields (`fields:` in `rules/lifecycles.yaml`).
public struct FieldRoles: Sendable, Hashable {
  public var roles: [String: [String]]

  public init(json: JSONValue) {
    var out: [String: [String]] = [:]
    for (field, list) in json["fields"]?.objectValue ?? [:] {
      out[field] = (list.arrayValue ?? []).compactMap(\.stringValue)
    }
    roles = out
  }

  /// The roles a change of `field` needs, or nil when anyone may change it.
  public func needed(_ field: String) -> [String]? {
    var f = Substring(field)
    while true {
      if let r = roles[String(f)], !r.isEmpty { return r.sorted() }
      guard let dot = f.lastIndex(of: ".") else { return nil }
      f = f[..<dot]
    }
  }
}
