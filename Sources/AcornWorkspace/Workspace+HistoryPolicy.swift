import AcornGit
import AcornModel
import Foundation

/// `acorn validate --history`: the policy checked over every commit, not only the last state —
/// who made each lifecycle move and field edit and whether their role allowed it (under the
/// rules and team in force in the commit's parent), that `source` changed only in sync and import
/// commits, that `team.yaml` and `rules/` changed only by an admin, that no commit added a
/// credential, and that no merge left conflicts on a protected branch.
extension Workspace {
  var historyVerifiedPath: String { path(".acorn/history-verified") }

  /// `range`: `A..B`, `all`, or `new` (since the last run that found no error; all the first time).
  public func validateHistory(_ range: String) throws(WorkspaceError) -> (
    findings: [Finding], commits: Int
  ) {
    let repo = try repository()
    // Every object this run reads is hashed against its id: a file replaced inside
    // .git/objects under the id of another is an error here, not content vouched for.
    Repository.verifyObjectIDs(true)
    defer { Repository.verifyObjectIDs(false) }
    do {
      guard let head = try repo.resolveCommit("HEAD") else { return ([], 0) }
      var start: ObjectID? = nil
      var end = head
      if range == "new" {
        if let text = try? String(contentsOfFile: historyVerifiedPath, encoding: .utf8),
          let id = ObjectID(hex: text.trimmingCharacters(in: .whitespacesAndNewlines)),
          (try? repo.commitInfo(id)) != nil,
          try repo.isAncestor(id, of: head) || id == head
        {
          start = id
        }
      } else if range != "all" {
        let parts = range.components(separatedBy: "..")
        guard parts.count == 2, let a = try repo.resolveCommit(parts[0]),
          let b = try repo.resolveCommit(parts[1].isEmpty ? "HEAD" : parts[1])
        else {
          throw WorkspaceError(
            "history.range", "--history takes REV..REV, all or new, not \"\(range)\"")
        }
        (start, end) = (a, b)
      }
      let commits = try repo.history(from: end, hiding: start).reversed()
      let syncCommits: Set<ObjectID> = try {
        guard let sync = try repo.referenceTarget("refs/heads/\(Self.syncBranch)") else {
          return []
        }
        return Set(try repo.history(from: sync))
      }()
      let protected = Set(
        ((try? settings())?["protectedBranches"]?.arrayValue ?? []).compactMap(\.stringValue))
      var protectedLine: Set<ObjectID> = []
      for branch in protected {
        if let tip = try repo.referenceTarget("refs/heads/\(branch)") {
          protectedLine.formUnion(try repo.history(from: tip, firstParentOnly: true))
        }
      }
      var findings: [Finding] = []
      let requireSigned = (try? settings())?["requireSignedCommits"] == .bool(true)
      // Signatures are checked against the keys registered now (the range's end).
      let keys = try rulesIn(repo, try repo.treeID(ofCommit: end)).team
      for id in commits {
        findings += try checkCommit(
          repo, id, isSync: syncCommits.contains(id), onProtected: protectedLine.contains(id))
        if requireSigned {
          let author = try repo.commitInfo(id).author.email
          let status = try signatureStatus(repo, id, author: author, team: keys)
          if let message = Self.signatureProblem(status) {
            findings.append(
              Finding(
                code: "history.\(status.rawValue)",
                message: "commit \(id.short) by \(author): \(message)"))
          }
        }
      }
      // Only a run that checked everything up to `end` (all, or new from the last mark) may move
      // the mark; a clean REV..REV range says nothing about the commits before it.
      if range == "all" || range == "new", !findings.contains(where: { $0.severity == .error }) {
        try? FileSystem.writeAtomically(Array((end.hex + "\n").utf8), to: historyVerifiedPath)
      }
      return (findings.sorted(), commits.count)
    } catch let error as WorkspaceError {
      throw error
    } catch {
      throw WorkspaceError("history.read", "cannot read the history", cause: error)
    }
  }

  /// What `requireSignedCommits` says of a signature status, or nil when it is fine.
  static func signatureProblem(_ status: SignatureStatus) -> String? {
    switch status {
    case .verified: nil
    case .unsigned:
      "not signed, and acorn.yaml requires signed commits (git commit -S with gpg.format=ssh)"
    case .unknownKey:
      "signed, but team.yaml registers no signingKey for this author"
    case .forged:
      "the signature is not by the key team.yaml registers for this author (forged or altered)"
    case .notChecked:
      "the signature could not be checked (ssh-keygen missing, or not an SSH signature)"
    }
  }

  /// The rules and team in force in a tree (a commit's parent).
  func rulesIn(_ repo: Repository, _ tree: ObjectID?) throws(GitError) -> (
    lifecycles: LifecycleSet?, team: Team, fields: FieldRoles
  ) {
    func yaml(_ rel: String) throws(GitError) -> JSONValue? {
      guard let tree, let blob = try repo.blobID(atPath: rel, inTree: tree),
        let text = String(validating: try repo.blob(blob), as: UTF8.self)
      else { return nil }
      return try? YAMLDocument.parse(text).value
    }
    let lifecycles = try yaml("rules/lifecycles.yaml")
    return (
      lifecycles.flatMap(LifecycleSet.init(json:)),
      try yaml("team.yaml").map(Team.init(json:)) ?? Team(members: []),
      FieldRoles(json: lifecycles ?? .object([:]))
    )
  }

  func checkCommit(_ repo: Repository, _ id: ObjectID, isSync: Bool, onProtected: Bool)
    throws(GitError) -> [Finding]
  {
    let info = try repo.commitInfo(id)
    let who = "commit \(id.short) by \(info.author.email)"
    var out: [Finding] = []
    func add(_ code: String, _ file: String?, _ message: String) {
      out.append(Finding(code: code, file: file, message: "\(who): \(message)"))
    }
    let parentTree = try info.parents.first.map { p throws(GitError) in try repo.treeID(ofCommit: p)
    }
    let changes = try repo.diffTrees(parentTree, info.tree)
    // Credentials: in every file a commit adds or changes, merges included.
    for c in changes {
      guard let blob = c.newBlob else { continue }
      for hit in CredentialScanner.scan(try repo.blob(blob)) {
        out.append(
          Finding(
            code: "history.credential", file: c.path, line: hit.line,
            message: "\(who): \(hit.masked): \(hit.message)"))
      }
    }
    if info.parents.count > 1 {
      // A merge on a protected branch must not leave conflicts in its records.
      if onProtected {
        for c in changes where Self.isRecordPath(c.path) {
          guard let blob = c.newBlob,
            let value = try? JSONParser.parse(try repo.blob(blob)).value,
            !(value["conflicts"]?.arrayValue ?? []).isEmpty
          else { continue }
          add(
            "history.merge-conflicts", c.path, "a merge left open conflicts on a protected branch")
        }
      }
      return out
    }
    let (lifecycles, team, fields) = try rulesIn(repo, parentTree)
    let member = team.member(info.author.email)
    for c in changes {
      if c.path == "team.yaml" || c.path.hasPrefix("rules/") {
        if team.enforcesRoles && member?.roles.contains("admin") != true {
          add(
            "history.rules-by-non-admin", c.path,
            "changed \(c.path), which only an admin may change")
        }
        continue
      }
      guard Self.isRecordPath(c.path) else { continue }
      let old = try c.oldBlob.flatMap { b throws(GitError) in
        try? JSONParser.parse(try repo.blob(b)).value
      }
      let new = try c.newBlob.flatMap { b throws(GitError) in
        try? JSONParser.parse(try repo.blob(b)).value
      }
      let recordID = (new ?? old)?["id"]?.stringValue ?? c.path
      // Amazon's side is written only by sync and import, on the vendor-central branch (records
      // a person made, provenance origin manual, are theirs).
      let origin = (new ?? old)?["provenance"]?["origin"]?.stringValue
      let manual = origin == "manual" || origin == "draft"
      // An outbound document is the vendor's own, drafted by a person (acorn draft); once
      // approved, what it says is fixed: only a draft may change.
      if origin == "draft", let old, let new, old["source"] != new["source"],
        let state = old["workflow"]?["state"]?.stringValue, state != "draft"
      {
        add(
          "history.outbound-changed", c.path,
          "changed \(recordID)'s document after it was \(state); cancel it and draft again instead")
      }
      if !isSync && !manual && old?["source"] != new?["source"] {
        add(
          "history.source-by-hand", c.path,
          old == nil || new == nil
            ? "\(old == nil ? "added" : "deleted") \(recordID) outside a sync or import"
            : "changed \(recordID) source outside a sync or import")
      }
      guard let new, let kind = Record(json: new).kind, !isSync else { continue }
      for lifecycle in lifecycles?.applying(to: kind) ?? [] {
        let from = old?[lifecycle.field]?.stringValue ?? lifecycle.initial
        guard let to = new[lifecycle.field]?.stringValue, to != from else { continue }
        if !lifecycle.isReachable(from: from, to: to) {
          add(
            "history.transition", c.path,
            "moved \(recordID) \(lifecycle.field) from \(from) to \(to), which the \(lifecycle.name) lifecycle does not allow"
          )
        } else if team.enforcesRoles {
          if let member,
            !lifecycle.isReachable(from: from, to: to, roles: member.roles, record: new)
          {
            add(
              "history.role", c.path,
              "moved \(recordID) \(lifecycle.field) from \(from) to \(to), which needs the role \(lifecycle.rolesInto(to, record: new).joined(separator: " or ")) (has \(member.roles.sorted().joined(separator: ", ")))"
            )
          } else if member == nil {
            add(
              "history.not-a-member", c.path,
              "moved \(recordID) \(lifecycle.field) from \(from) to \(to) without being in team.yaml"
            )
          }
        }
      }
      if team.enforcesRoles, let member {
        for change in RecordDiff.changes(from: old ?? .object([:]), to: new)
        where change.field.hasPrefix("workflow.") {
          if let needed = fields.needed(change.field), member.roles.isDisjoint(with: needed) {
            add(
              "history.field-role", c.path,
              "changed \(recordID) \(change.field), which needs the role \(needed.joined(separator: " or "))"
            )
          }
        }
      }
    }
    return out
  }
}
