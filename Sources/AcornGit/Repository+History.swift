import AcornKillPoints
import CLibGit2

/// Commits, history and references.
extension Repository {
  /// A commit as a value.
  public struct CommitInfo: Sendable, Hashable {
    public var id: ObjectID
    public var tree: ObjectID
    public var parents: [ObjectID]
    public var author: Signature
    public var committer: Signature
    public var message: String

    /// The first line of the message.
    public var summary: String {
      String(message.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
    }
  }

  /// A commit's tree and parents only: what a walk over history needs for every commit, without
  /// reading its author and message.
  public func treeAndParents(_ id: ObjectID) throws(GitError) -> (
    tree: ObjectID, parents: [ObjectID]
  ) {
    let handle = try lookupCommit(id)
    defer { git_commit_free(handle) }
    var parents: [ObjectID] = []
    for i in 0..<git_commit_parentcount(handle) {
      if let p = git_commit_parent_id(handle, i) { parents.append(ObjectID(p.pointee)) }
    }
    return (ObjectID(git_commit_tree_id(handle).pointee), parents)
  }

  public func commitInfo(_ id: ObjectID) throws(GitError) -> CommitInfo {
    let handle = try lookupCommit(id)
    defer { git_commit_free(handle) }
    var parents: [ObjectID] = []
    for i in 0..<git_commit_parentcount(handle) {
      if let p = git_commit_parent_id(handle, i) { parents.append(ObjectID(p.pointee)) }
    }
    func signature(_ s: UnsafePointer<git_signature>?) -> Signature {
      guard let s else { return Signature(name: "", email: "", time: 0) }
      return Signature(
        name: String(cString: s.pointee.name), email: String(cString: s.pointee.email),
        time: Int64(s.pointee.when.time), offsetMinutes: Int32(s.pointee.when.offset))
    }
    return CommitInfo(
      id: id, tree: ObjectID(git_commit_tree_id(handle).pointee), parents: parents,
      author: signature(git_commit_author(handle)),
      committer: signature(git_commit_committer(handle)),
      message: git_commit_message(handle).map { String(cString: $0) } ?? "")
  }

  /// Commits reachable from `start` and not from `hiding`, newest first (topological, then time).
  public func history(from start: ObjectID, hiding: ObjectID? = nil, firstParentOnly: Bool = false)
    throws(GitError) -> [ObjectID]
  {
    var walk: OpaquePointer?
    try check("git_revwalk_new", git_revwalk_new(&walk, pointer))
    defer { git_revwalk_free(walk) }
    try check(
      "git_revwalk_sorting",
      git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL.rawValue | GIT_SORT_TIME.rawValue))
    if firstParentOnly {
      try check("git_revwalk_simplify_first_parent", git_revwalk_simplify_first_parent(walk))
    }
    var raw = start.raw
    try check("git_revwalk_push", git_revwalk_push(walk, &raw))
    if let hiding {
      var hidden = hiding.raw
      try check("git_revwalk_hide", git_revwalk_hide(walk, &hidden))
    }
    var out: [ObjectID] = []
    var oid = git_oid()
    while true {
      let result = git_revwalk_next(&oid, walk)
      if result == GIT_ITEROVER.rawValue { break }
      try check("git_revwalk_next", result)
      out.append(ObjectID(oid))
    }
    return out
  }

  /// Commits `local` has that `upstream` lacks, and the reverse.
  public func aheadBehind(_ local: ObjectID, _ upstream: ObjectID) throws(GitError) -> (
    ahead: Int, behind: Int
  ) {
    var ahead = 0
    var behind = 0
    var l = local.raw
    var u = upstream.raw
    try check("git_graph_ahead_behind", git_graph_ahead_behind(&ahead, &behind, pointer, &l, &u))
    return (ahead, behind)
  }

  /// Whether `ancestor` is reachable from `descendant` (or equal to it).
  public func isAncestor(_ ancestor: ObjectID, of descendant: ObjectID) throws(GitError) -> Bool {
    if ancestor == descendant { return true }
    var a = ancestor.raw
    var d = descendant.raw
    let result = git_graph_descendant_of(pointer, &d, &a)
    try check("git_graph_descendant_of", result)
    return result == 1
  }

  /// The merge base of two commits, or nil when they share no history.
  public func mergeBase(_ a: ObjectID, _ b: ObjectID) throws(GitError) -> ObjectID? {
    var out = git_oid()
    var x = a.raw
    var y = b.raw
    let result = git_merge_base(&out, pointer, &x, &y)
    if result == GIT_ENOTFOUND.rawValue { return nil }
    try check("git_merge_base", result)
    return ObjectID(out)
  }

  /// Points the reference `name` (e.g. `refs/heads/main`) at `target`, creating it if needed.
  public func setReference(_ name: String, to target: ObjectID, message: String) throws(GitError) {
    var raw = target.raw
    var ref: OpaquePointer?
    try check(
      "git_reference_create(\(name))", git_reference_create(&ref, pointer, name, &raw, 1, message))
    git_reference_free(ref)
    KillPoint.reached("git-ref")
  }

  /// The commit a reference points at, or nil when the reference does not exist.
  public func referenceTarget(_ name: String) throws(GitError) -> ObjectID? {
    var oid = git_oid()
    let result = git_reference_name_to_id(&oid, pointer, name)
    if result == GIT_ENOTFOUND.rawValue { return nil }
    try check("git_reference_name_to_id(\(name))", result)
    return ObjectID(oid)
  }

  /// A commit's signature (its `gpgsig` header: an SSH or PGP armored block) and the bytes it
  /// signs, or nil for an unsigned commit.
  public func commitSignature(_ id: ObjectID) throws(GitError) -> (
    signature: [UInt8], signedData: [UInt8]
  )? {
    var oid = id.raw
    var signature = git_buf()
    var signed = git_buf()
    let result = git_commit_extract_signature(&signature, &signed, pointer, &oid, nil)
    defer {
      git_buf_dispose(&signature)
      git_buf_dispose(&signed)
    }
    if result == GIT_ENOTFOUND.rawValue { return nil }
    try check("git_commit_extract_signature(\(id.short))", result)
    func bytes(_ b: git_buf) -> [UInt8] {
      guard let ptr = b.ptr else { return [] }
      return ptr.withMemoryRebound(to: UInt8.self, capacity: b.size) {
        Array(UnsafeBufferPointer(start: $0, count: b.size))
      }
    }
    return (bytes(signature), bytes(signed))
  }

  /// A configuration value from the repository's config (with global and system ones beneath it).
  public func configString(_ key: String) throws(GitError) -> String? {
    var config: OpaquePointer?
    try check("git_repository_config", git_repository_config(&config, pointer))
    defer { git_config_free(config) }
    var buffer = git_buf()
    let result = git_config_get_string_buf(&buffer, config, key)
    if result == GIT_ENOTFOUND.rawValue { return nil }
    try check("git_config_get_string_buf(\(key))", result)
    defer { git_buf_dispose(&buffer) }
    return buffer.ptr.map { String(cString: $0) }
  }

  /// Sets a value in the repository's own config (`.git/config`).
  public func setConfig(_ key: String, _ value: String) throws(GitError) {
    var config: OpaquePointer?
    try check("git_repository_config", git_repository_config(&config, pointer))
    defer { git_config_free(config) }
    var local: OpaquePointer?
    try check(
      "git_config_open_level", git_config_open_level(&local, config, GIT_CONFIG_LEVEL_LOCAL))
    defer { git_config_free(local) }
    try check("git_config_set_string(\(key))", git_config_set_string(local, key, value))
  }
}
