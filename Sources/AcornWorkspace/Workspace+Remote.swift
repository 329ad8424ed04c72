import AcornGit
import AcornModel
import Foundation

/// `acorn clone`, `acorn pull`, `acorn push` through libgit2.
extension Workspace {
  /// Clones a workspace and sets up Acorn's git drivers in the clone. Checks out `branch`, else
  /// the remote's default branch — or `main` when the remote's HEAD names a branch that does not
  /// exist (a `git init --bare` remote still saying `master`). A clone that fails removes what it
  /// created, so the same command can be run again.
  public static func clone(
    from given: String, to target: String, branch: String? = nil, executable: String
  ) throws(WorkspaceError) -> Workspace {
    let absolute = absolute(target)
    // A relative path is read from here, and the clone remembers it whole, as git clone does
    // (the clone's pulls and pushes would read it from the clone's own folder).
    let url =
      Repository.absoluteLocal(given, base: FileManager.default.currentDirectoryPath) ?? given
    let existed = FileSystem.exists(absolute)
    if existed, !((try? FileManager.default.contentsOfDirectory(atPath: absolute)) ?? []).isEmpty {
      throw WorkspaceError(
        "clone.exists", "\(target) exists and is not empty; choose a new or empty folder")
    }
    // A local path (no scheme, not user@host:path) that does not exist: say so, rather than
    // libgit2's "unsupported URL protocol".
    if !url.contains("://"), !url.contains(":") || url.hasPrefix("/") || url.hasPrefix("."),
      !FileSystem.exists(url)
    {
      throw WorkspaceError(
        "clone.failed", "cannot clone \(given): there is no repository at that path")
    }
    func cleanUp() {
      if existed {
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: absolute)) ?? [] {
          try? FileManager.default.removeItem(atPath: absolute + "/" + entry)
        }
      } else {
        try? FileManager.default.removeItem(atPath: absolute)
      }
    }
    do throws(GitError) {
      do {
        let repo = try Repository.clone(from: url, to: absolute, branch: branch)
        if branch == nil && repo.isHeadUnborn() {
          cleanUp()
          try cloneBranch(url, absolute, "main")
        }
      } catch  where error.code == -3 {
        // libgit2 1.5 cannot clone when the remote's HEAD names no branch (a `git init --bare`
        // remote still saying master), even with a branch to check out: clone by hand.
        cleanUp()
        try cloneBranch(url, absolute, branch ?? "main")
      }
    } catch {
      cleanUp()
      let hint =
        branch != nil && error.message.lowercased().contains("reference")
        ? " (does the remote have a branch \(branch ?? "")?)" : ""
      throw WorkspaceError(
        "clone.failed", "cannot clone \(given): \(error.message)\(hint)", cause: error)
    }
    guard FileSystem.exists(absolute + "/" + settingsFile) else {
      cleanUp()
      throw WorkspaceError(
        "clone.not-a-workspace",
        "\(url)\(branch.map { " (branch \($0))" } ?? "") has no \(settingsFile): not an Acorn workspace, or not its branch (try --branch main); nothing was left behind"
      )
    }
    let workspace = try Workspace(at: absolute)
    // The team's vendor-central comes along, so this clone's first sync continues its cursor.
    if let repo = try? workspace.repository(), let current = try? repo.currentBranch() {
      _ = workspace.adoptSyncBranch(repo, remote: "origin", current: current)
    }
    do { try workspace.configureDrivers(executable: executable) } catch {
      cleanUp()
      throw error
    }
    return workspace
  }

  /// A clone made step by step: a new repository on `branch`, `origin`, a fetch, the branch at
  /// the remote's tip (tracking it) and a checkout.
  static func cloneBranch(_ url: String, _ path: String, _ branch: String) throws(GitError) {
    let repo = try Repository.create(at: path, initialBranch: branch)
    try repo.addRemote("origin", url: url)
    try repo.fetch(remote: "origin")
    guard let tip = try repo.referenceTarget("refs/remotes/origin/\(branch)") else {
      throw GitError(
        code: -3, operation: "clone", message: "the remote has no branch \(branch)")
    }
    try repo.setReference("refs/heads/\(branch)", to: tip, message: "clone: from origin")
    try repo.fastForward(to: tip, message: "clone: from origin")
    try repo.setConfig("branch.\(branch).remote", "origin")
    try repo.setConfig("branch.\(branch).merge", "refs/heads/\(branch)")
  }

  /// Registers the `acorn` diff driver (textconv) in the repository's config, so `git diff` and
  /// `git log -p` show records field by field.
  public func configureDrivers(executable: String) throws(WorkspaceError) {
    let repo = try repository()
    do {
      for (key, value) in Self.driverConfig(executable: executable) {
        try repo.setConfig(key, value)
      }
    } catch {
      throw WorkspaceError("git.config", "cannot configure the acorn diff driver", cause: error)
    }
    try installHooks(executable: executable)
  }

  /// `.git/hooks/pre-commit`: `acorn validate --staged`, so a plain `git commit` cannot add a
  /// credential or an invalid record either. An existing hook that is not Acorn's is left alone.
  public func installHooks(executable: String) throws(WorkspaceError) {
    let hook = path(".git/hooks/pre-commit")
    if let existing = try? String(contentsOfFile: hook, encoding: .utf8),
      !existing.contains("acorn validate --staged") && !existing.contains("validate --staged")
    {
      return
    }
    let script =
      "#!/bin/sh\n# Installed by acorn: plain git commits are checked as acorn commits are.\nexec \(Self.shellQuote(executable)) validate --staged\n"
    do {
      try FileSystem.writeAtomically(Array(script.utf8), to: hook)
      guard chmod(hook, 0o755) == 0 else {
        throw FileSystemError(operation: "chmod", path: hook, errno: errno)
      }
    } catch {
      throw WorkspaceError("git.hook", "cannot install the pre-commit hook", cause: error)
    }
  }

  /// What `git commit` is about to record, checked: no staged file holds a credential, and every
  /// staged record passes `acorn validate`'s checks of one record.
  public func validateStaged(indexFile: String? = nil) throws(WorkspaceError) -> [Finding] {
    let repo = try repository()
    var findings: [Finding] = []
    do {
      let rules = try? rules()
      var ids: [String: String] = [:]
      for change in try repo.stagedChanges(indexFile: indexFile) {
        guard let blob = change.newBlob else { continue }
        let bytes = try repo.blob(blob)
        for hit in CredentialScanner.scan(bytes) {
          findings.append(
            Finding(
              code: hit.code, file: change.path, line: hit.line,
              message: "\(hit.masked): \(hit.message)"))
        }
        if Self.isRecordPath(change.path), let rules {
          findings += validateRecord(
            bytes: bytes, at: change.path, schemas: rules.schemas, lifecycles: rules.lifecycles,
            marketplaces: [], ids: &ids)
        }
      }
    } catch {
      throw WorkspaceError("git.index", "cannot read the staged changes", cause: error)
    }
    return findings.sorted()
  }

  /// The git configuration that wires Acorn's drivers: `diff=acorn` and `merge=acorn`.
  public static func driverConfig(executable: String) -> [(String, String)] {
    let acorn = shellQuote(executable)
    return [
      ("diff.acorn.textconv", "\(acorn) diff-driver"),
      ("diff.acorn.cachetextconv", "true"),
      ("merge.acorn.name", "Acorn record-aware merge"),
      ("merge.acorn.driver", "\(acorn) merge-driver %O %A %B %P"),
      // git 2.39 asks how to reconcile a divergent `git pull` (or rebases, which swaps ours and
      // theirs in the merge driver): a plain pull merges, through Acorn's driver.
      ("pull.rebase", "false"),
    ]
  }

  static func shellQuote(_ s: String) -> String {
    if s.allSatisfy({ $0.isLetter || $0.isNumber || "/._-".contains($0) }) { return s }
    return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
  }

  public enum PullOutcome: Sendable, Equatable {
    case upToDate
    case fastForwarded(from: ObjectID?, to: ObjectID)
    case aheadOfRemote(Int)
    case merged(MergeReport)

    public static func == (a: PullOutcome, b: PullOutcome) -> Bool {
      switch (a, b) {
      case (.upToDate, .upToDate): return true
      case (.fastForwarded(let f1, let t1), .fastForwarded(let f2, let t2)):
        return f1 == f2 && t1 == t2
      case (.aheadOfRemote(let x), .aheadOfRemote(let y)): return x == y
      case (.merged(let x), .merged(let y)): return x.outcome == y.outcome
      default: return false
      }
    }
  }

  /// The remote and branch to pull from or push to: the given ones, else the branch's upstream,
  /// else `origin` and the current branch.
  func remoteAndBranch(_ remote: String?, _ branch: String?, _ repo: Repository)
    throws(WorkspaceError) -> (String, String, String)
  {
    do {
      guard let current = try repo.currentBranch() else {
        throw WorkspaceError("git.detached", "HEAD is detached; check out a branch first")
      }
      let up = try repo.upstream(of: current)
      let r = remote ?? up?.remote ?? "origin"
      guard try repo.remoteURL(r) != nil else {
        throw WorkspaceError(
          "git.remote", "no remote named \(r); add one with git remote add \(r) URL")
      }
      return (r, branch ?? (remote == nil ? up?.branch : nil) ?? current, current)
    } catch let error as WorkspaceError {
      throw error
    } catch {
      throw WorkspaceError("git.remote", "cannot read the remote configuration", cause: error)
    }
  }

  /// Fetches and brings the current branch up to date: a fast-forward, or a record-aware merge
  /// when both sides have new commits (conflicts as in `merge`).
  public func pull(
    remote: String? = nil, branch: String? = nil, allowConflicts: Bool = false, author: Signature,
    note: (String) -> Void = { _ in }
  ) throws(WorkspaceError) -> PullOutcome {
    let lock = try WorkspaceLock.acquire(self)
    defer { lock.release() }
    let repo = try repository()
    let (remoteName, remoteBranch, current) = try remoteAndBranch(remote, branch, repo)
    do {
      try fetchMarked(repo, remote: remoteName)
    } catch {
      throw WorkspaceError(
        "pull.fetch", "cannot fetch from \(remoteName): \(error.message)", cause: error)
    }
    if let message = adoptSyncBranch(repo, remote: remoteName, current: current) {
      note(message)
    }
    do {
      guard let theirs = try repo.referenceTarget("refs/remotes/\(remoteName)/\(remoteBranch)")
      else {
        throw WorkspaceError("pull.no-branch", "\(remoteName) has no branch \(remoteBranch)")
      }
      if try repo.upstream(of: current) == nil {
        try repo.setConfig("branch.\(current).remote", remoteName)
        try repo.setConfig("branch.\(current).merge", "refs/heads/\(remoteBranch)")
      }
      guard let ours = try repo.resolveCommit("HEAD") else {
        try fastForward(repo, to: theirs, message: "pull: fast-forward")
        _ = try commitRefreshedReconciliation(author: author, reason: "pulling")
        return .fastForwarded(from: nil, to: theirs)
      }
      if try ours == theirs || repo.isAncestor(theirs, of: ours) {
        let (ahead, _) = try repo.aheadBehind(ours, theirs)
        return ahead == 0 ? .upToDate : .aheadOfRemote(ahead)
      }
      if try repo.isAncestor(ours, of: theirs) {
        do {
          try fastForward(repo, to: theirs, message: "pull: fast-forward")
        } catch {
          throw WorkspaceError(
            "pull.dirty",
            "cannot fast-forward: uncommitted changes would be overwritten; commit them first (acorn commit -m …)",
            cause: error)
        }
        _ = try commitRefreshedReconciliation(author: author, reason: "pulling")
        return .fastForwarded(from: ours, to: theirs)
      }
      return .merged(
        try merge(
          "\(remoteName)/\(remoteBranch)", allowConflicts: allowConflicts, author: author,
          lock: false))
    } catch let error as WorkspaceError {
      throw error
    } catch {
      throw WorkspaceError("pull.failed", "cannot update \(current)", cause: error)
    }
  }

  /// Pushes the current branch (to the same name, or `branch`) and records the upstream; then
  /// `vendor-central`, when it has commits the remote lacks, so teammates' syncs continue from it
  /// and a server's history check knows the sync commits. `notes` says what happened to it.
  public func push(remote: String? = nil, branch: String? = nil) throws(WorkspaceError) -> (
    remote: String, branch: String, notes: [String]
  ) {
    let repo = try repository()
    let (remoteName, remoteBranch, current) = try remoteAndBranch(remote, branch, repo)
    try refuseOutgoingCredentials(repo, remote: remoteName, branch: remoteBranch)
    let syncTip =
      current == Self.syncBranch
      ? nil : try? repo.referenceTarget("refs/heads/\(Self.syncBranch)")
    if let syncTip {
      try refuseOutgoingCredentials(
        repo, remote: remoteName, branch: Self.syncBranch, tip: syncTip)
    }
    do {
      try repo.push(remote: remoteName, refspec: "refs/heads/\(current):refs/heads/\(remoteBranch)")
    } catch {
      let hint =
        error.message.contains("rejected") || error.message.contains("fast") ? " (pull first)" : ""
      throw WorkspaceError(
        "push.failed",
        "cannot push \(current) to \(remoteName)/\(remoteBranch): \(error.message)\(hint)",
        cause: error)
    }
    do {
      if try repo.upstream(of: current) == nil {
        try repo.setConfig("branch.\(current).remote", remoteName)
        try repo.setConfig("branch.\(current).merge", "refs/heads/\(remoteBranch)")
      }
      // What we pushed is now the remote's branch: record it as git does, without a round trip.
      if let head = try repo.resolveCommit("HEAD") {
        try repo.setReference(
          "refs/remotes/\(remoteName)/\(remoteBranch)", to: head, message: "push")
      }
    } catch {
      throw WorkspaceError("push.upstream", "pushed, but cannot record the upstream", cause: error)
    }
    var notes: [String] = []
    if let syncTip, let note = pushSyncBranch(repo, remote: remoteName, tip: syncTip) {
      notes.append(note)
    }
    return (remoteName, remoteBranch, notes)
  }

  /// Pushes `vendor-central` (fast-forward only). A rejection is a note, not a failure: the work
  /// branch is already published, and two syncs made at once need a pull first.
  func pushSyncBranch(_ repo: Repository, remote: String, tip: ObjectID) -> String? {
    let branch = Self.syncBranch
    let tracking = "refs/remotes/\(remote)/\(branch)"
    if (try? repo.referenceTarget(tracking)) == tip { return nil }
    do {
      try repo.push(remote: remote, refspec: "refs/heads/\(branch):refs/heads/\(branch)")
      try? repo.setReference(tracking, to: tip, message: "push")
      return "pushed \(branch) (\(tip.short)) to \(remote)"
    } catch {
      return
        "\(branch) not pushed: \(error.message) — a teammate synced too; run acorn pull, then acorn push"
    }
  }

  /// After a fetch: the local `vendor-central` moves forward to the remote's when it is behind (or
  /// absent), so the next sync continues from the team's cursor. A diverged one is left as it is
  /// and reported.
  func adoptSyncBranch(_ repo: Repository, remote: String, current: String) -> String? {
    let branch = Self.syncBranch
    guard current != branch,
      let theirs = try? repo.referenceTarget("refs/remotes/\(remote)/\(branch)")
    else { return nil }
    do {
      let ref = "refs/heads/\(branch)"
      if let mine = try repo.referenceTarget(ref) {
        if try mine == theirs || repo.isAncestor(theirs, of: mine) { return nil }
        guard try repo.isAncestor(mine, of: theirs) else {
          return
            "\(branch) has diverged from \(remote)/\(branch) (two syncs at once); merge them on"
            + " that branch — git switch \(branch) && git merge \(remote)/\(branch) && git switch"
            + " \(current) — then acorn push"
        }
      }
      try repo.setReference(ref, to: theirs, message: "pull: fast-forward \(branch)")
      return "\(branch) now at \(theirs.short) (\(remote)/\(branch))"
    } catch {
      return "cannot update \(branch) from \(remote): \(error)"
    }
  }

  /// Every file a commit about to be pushed adds or changes is scanned for credentials (a plain
  /// `git commit` bypasses acorn's own check); a push that would publish one is refused.
  func refuseOutgoingCredentials(
    _ repo: Repository, remote: String, branch: String, tip: ObjectID? = nil
  ) throws(WorkspaceError) {
    do {
      guard let head = try tip ?? repo.resolveCommit("HEAD") else { return }
      let known = try repo.referenceTarget("refs/remotes/\(remote)/\(branch)")
      var files: [(path: String, bytes: [UInt8])] = []
      var seen: Set<ObjectID> = []
      for commit in try repo.history(from: head, hiding: known) {
        let info = try repo.commitInfo(commit)
        let parentTree = try info.parents.first.map { p throws(GitError) in
          try repo.treeID(ofCommit: p)
        }
        for change in try repo.diffTrees(parentTree, try repo.treeID(ofCommit: commit)) {
          guard let blob = change.newBlob, seen.insert(blob).inserted else { continue }
          files.append(("\(commit.short) \(change.path)", try repo.blob(blob)))
        }
      }
      try Self.refuseCredentials(files)
    } catch let error as WorkspaceError {
      throw WorkspaceError(
        "push.credential",
        error.message.replacingOccurrences(of: "refusing to commit", with: "refusing to push")
          + "\n  rewrite those commits without the secret (and rotate it) before pushing",
        refusal: true)
    } catch {
      throw WorkspaceError("push.scan", "cannot read the commits to push", cause: error)
    }
  }
}

extension Workspace {
  /// `.acorn/fetching`: present while a fetch runs under the workspace lock. Found by the next
  /// holder of the lock, it says the fetch was killed, so the ref lock files it had taken
  /// (libgit2 writes `<ref>.lock` and renames it into place) are its leftovers.
  var fetchMarkerPath: String { path(".acorn/fetching") }

  func fetchMarked(_ repo: Repository, remote: String) throws(GitError) {
    try? FileSystem.writeAtomically(Array("\(getpid())\n".utf8), to: fetchMarkerPath)
    defer { try? FileSystem.remove(fetchMarkerPath) }
    try repo.fetch(remote: remote)
  }

  /// Removes the ref lock files a killed fetch left (`refs/remotes/**.lock`, `packed-refs.lock`,
  /// `FETCH_HEAD.lock`); the caller holds the workspace lock, so no acorn fetch is running.
  /// Returns how many were removed.
  @discardableResult
  func removeFetchLeftovers() -> Int {
    guard FileSystem.exists(fetchMarkerPath) else { return 0 }
    let git = path(".git/")
    var removed = 0
    for name in ["packed-refs.lock", "FETCH_HEAD.lock"] where unlink(git + name) == 0 {
      removed += 1
    }
    for rel in FileSystem.files(under: git + "refs/remotes") where rel.hasSuffix(".lock") {
      if unlink(git + "refs/remotes/" + rel) == 0 { removed += 1 }
    }
    try? FileSystem.remove(fetchMarkerPath)
    return removed
  }
}
