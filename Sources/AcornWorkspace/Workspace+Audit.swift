import AcornGit
import AcornModel
import Foundation

/// `acorn audit`: every change to money and lifecycle fields, with the commit, its author and
/// their roles at the time, and when — what an external auditor asks for.
extension Workspace {
  public struct AuditRow: Sendable, Hashable {
    public var time: String
    public var commit: String
    public var author: String
    public var email: String
    /// The author's roles in the `team.yaml` of the commit's parent (empty: not a member).
    public var roles: [String]
    /// The commit's signature against the keys team.yaml registers now: `verified`, `unsigned`,
    /// `unknown-key`, `forged` or `not-checked` (see `SignatureStatus`).
    public var signature: String
    public var record: String
    public var field: String
    public var old: String
    public var new: String
    public var message: String
  }

  public func audit(since: Int?, until: Int?, record: String?) throws(WorkspaceError) -> [AuditRow]
  {
    let repo = try repository()
    do {
      guard let head = try repo.resolveCommit("HEAD") else { return [] }
      var rows: [AuditRow] = []
      let keys = try rulesIn(repo, try repo.treeID(ofCommit: head)).team
      for id in try repo.history(from: head).reversed() {
        let info = try repo.commitInfo(id)
        let day = Int(info.author.time / 86_400)
        if let since, day < since { continue }
        if let until, day > until { continue }
        let parentTree = try info.parents.first.map { p throws(GitError) in
          try repo.treeID(ofCommit: p)
        }
        let (lifecycles, team, _) = try rulesIn(repo, parentTree)
        var signature: SignatureStatus?
        let lifecycleFields = Set(
          (lifecycles?.lifecycles.values.map { $0.field.description }) ?? [])
        for c in try repo.diffTrees(parentTree, info.tree) where Self.isRecordPath(c.path) {
          let change = Self.recordChange(
            path: c.path, old: try c.oldBlob.map { b throws(GitError) in try repo.blob(b) },
            new: try c.newBlob.map { b throws(GitError) in try repo.blob(b) })
          if let record, change.id != record { continue }
          for f in change.fields {
            let isMoney =
              f.old.map(Money.isMoneyObject) == true || f.new.map(Money.isMoneyObject) == true
            guard isMoney || lifecycleFields.contains(f.field) else { continue }
            if signature == nil {
              signature = try signatureStatus(repo, id, author: info.author.email, team: keys)
            }
            rows.append(
              AuditRow(
                time: Self.timestamp(Date(timeIntervalSince1970: Double(info.author.time))),
                commit: id.hex, author: info.author.name, email: info.author.email,
                roles: team.member(info.author.email)?.roles.sorted() ?? [],
                signature: (signature ?? .notChecked).rawValue,
                record: change.id, field: f.field, old: f.old.map(RecordText.value) ?? "",
                new: f.new.map(RecordText.value) ?? "", message: info.summary))
          }
        }
      }
      return rows
    } catch {
      throw WorkspaceError("audit.read", "cannot read the history", cause: error)
    }
  }
}
