import AcornKillPoints
import CLibGit2
import Foundation

/// Remotes: clone, fetch, push, and moving the working tree forward.
extension Repository {
  /// Which transports this libgit2 was built with.
  public static var supportsHTTPS: Bool {
    _ = LibGit2.initialized
    return git_libgit2_features() & Int32(GIT_FEATURE_HTTPS.rawValue) != 0
  }

  public static var supportsSSH: Bool {
    _ = LibGit2.initialized
    return git_libgit2_features() & Int32(GIT_FEATURE_SSH.rawValue) != 0
  }

  /// Refuses URLs whose transport this libgit2 lacks, with a message that says so.
  static func checkTransport(_ url: String) throws(GitError) {
    let lower = url.lowercased()
    if (lower.hasPrefix("https://") || lower.hasPrefix("http://")) && !supportsHTTPS {
      throw GitError(
        code: -1, operation: "transport",
        message: "this libgit2 was built without HTTPS support; use file://, a path or git://")
    }
    let scpLike = !lower.contains("://") && lower.contains("@") && lower.contains(":")
    if (lower.hasPrefix("ssh://") || scpLike) && !supportsSSH {
      throw GitError(
        code: -1, operation: "transport",
        message:
          "this libgit2 was built without SSH support (libssh2); use file://, a path or git://")
    }
  }

  /// Clones `url` into `path` and checks out `branch`, or the remote's default branch.
  public static func clone(from url: String, to path: String, branch: String? = nil)
    throws(GitError) -> Repository
  {
    _ = LibGit2.initialized
    try checkTransport(url)
    var options = git_clone_options()
    try check(
      "git_clone_options_init", git_clone_options_init(&options, UInt32(GIT_CLONE_OPTIONS_VERSION)))
    var raw: OpaquePointer?
    let result: Int32 =
      if let branch {
        branch.withCString { name in
          options.checkout_branch = name
          return git_clone(&raw, url, path, &options)
        }
      } else {
        git_clone(&raw, url, path, &options)
      }
    try check("git_clone(\(url))", result)
    return Repository(pointer: try produced(raw, "git_clone"))
  }

  /// Whether HEAD names a branch with no commit yet (a bare repository whose HEAD still says
  /// `master` while only `main` was pushed, say).
  public func isHeadUnborn() -> Bool { git_repository_head_unborn(pointer) == 1 }

  /// The URL of a remote, or nil when there is no such remote.
  public func remoteURL(_ name: String) throws(GitError) -> String? {
    var remote: OpaquePointer?
    let result = git_remote_lookup(&remote, pointer, name)
    if result == GIT_ENOTFOUND.rawValue { return nil }
    try check("git_remote_lookup(\(name))", result)
    defer { git_remote_free(remote) }
    return git_remote_url(remote).map { String(cString: $0) }
  }

  /// Adds a remote with the default fetch refspec.
  public func addRemote(_ name: String, url: String) throws(GitError) {
    var remote: OpaquePointer?
    try check("git_remote_create(\(name))", git_remote_create(&remote, pointer, name, url))
    git_remote_free(remote)
  }

  /// A local path that is relative (not a URL, not `host:path`, not absolute), made absolute
  /// from `base` — or nil for anything else.
  public static func absoluteLocal(_ url: String, base: String) -> String? {
    guard !url.isEmpty, !url.hasPrefix("/"), !url.hasPrefix("~"), !url.contains("://") else {
      return nil
    }
    // scp-like `host:path` (a colon before any slash).
    if let colon = url.firstIndex(of: ":"), !url[..<colon].contains("/") { return nil }
    return URL(fileURLWithPath: url, relativeTo: URL(fileURLWithPath: base, isDirectory: true))
      .standardizedFileURL.path
  }

  /// A remote looked up by name, a relative path in its URL read from the top of the working
  /// tree as git reads it (`git -C WS push` runs there); libgit2 read it from the process's
  /// directory, which for `acorn -C WS` is elsewhere ("unsupported URL protocol").
  func lookupRemote(_ name: String) throws(GitError) -> OpaquePointer? {
    var remote: OpaquePointer?
    try check("git_remote_lookup(\(name))", git_remote_lookup(&remote, pointer, name))
    let base = workdir ?? gitDirectory
    do throws(GitError) {
      if let url = git_remote_url(remote).map({ String(cString: $0) }),
        let absolute = Self.absoluteLocal(url, base: base)
      {
        try check("git_remote_set_instance_url", git_remote_set_instance_url(remote, absolute))
      }
      if let url = git_remote_pushurl(remote).map({ String(cString: $0) }),
        let absolute = Self.absoluteLocal(url, base: base)
      {
        try check(
          "git_remote_set_instance_pushurl", git_remote_set_instance_pushurl(remote, absolute))
      }
    } catch {
      git_remote_free(remote)
      throw error
    }
    return remote
  }

  /// Fetches from a remote, updating `refs/remotes/<name>/*`.
  public func fetch(remote name: String) throws(GitError) {
    let remote = try lookupRemote(name)
    defer { git_remote_free(remote) }
    if let url = git_remote_url(remote) { try Self.checkTransport(String(cString: url)) }
    var options = git_fetch_options()
    try check(
      "git_fetch_options_init", git_fetch_options_init(&options, UInt32(GIT_FETCH_OPTIONS_VERSION)))
    try check("git_remote_fetch(\(name))", git_remote_fetch(remote, nil, &options, nil))
  }

  /// Pushes `refspec` (e.g. `refs/heads/main:refs/heads/main`); a rejected update (not a fast
  /// forward, or refused by the server) is an error naming the reference and the reason.
  public func push(remote name: String, refspec: String) throws(GitError) {
    let remote = try lookupRemote(name)
    defer { git_remote_free(remote) }
    if let url = git_remote_pushurl(remote) ?? git_remote_url(remote) {
      try Self.checkTransport(String(cString: url))
    }
    var options = git_push_options()
    try check(
      "git_push_options_init", git_push_options_init(&options, UInt32(GIT_PUSH_OPTIONS_VERSION)))
    let rejections = PushRejections()
    let box = Unmanaged.passRetained(rejections)
    defer { box.release() }
    options.callbacks.payload = box.toOpaque()
    options.callbacks.push_update_reference = { refname, status, payload in
      guard let status, let payload else { return 0 }
      let box = Unmanaged<PushRejections>.fromOpaque(payload).takeUnretainedValue()
      box.items.append((refname.map { String(cString: $0) } ?? "?", String(cString: status)))
      return 0
    }
    let result = refspec.withCString { spec -> Int32 in
      var strings: [UnsafeMutablePointer<CChar>?] = [UnsafeMutablePointer(mutating: spec)]
      return strings.withUnsafeMutableBufferPointer { buffer in
        var array = git_strarray(strings: buffer.baseAddress, count: 1)
        return git_remote_push(remote, &array, &options)
      }
    }
    try check("git_remote_push(\(name) \(refspec))", result)
    if let (ref, reason) = rejections.items.first {
      throw GitError(
        code: -1, operation: "git_remote_push(\(name))", message: "\(ref) was rejected: \(reason)")
    }
  }

  /// Moves the current branch to `target` and updates the working tree and index to it, refusing
  /// (and changing nothing) when that would overwrite uncommitted work.
  public func fastForward(to target: ObjectID, message: String) throws(GitError) {
    let handle = try lookupCommit(target)
    defer { git_commit_free(handle) }
    var options = git_checkout_options()
    try check(
      "git_checkout_options_init",
      git_checkout_options_init(&options, UInt32(GIT_CHECKOUT_OPTIONS_VERSION)))
    options.checkout_strategy = GIT_CHECKOUT_SAFE.rawValue
    // Each file the checkout writes is a kill point (libgit2 reports it as it goes).
    options.progress_cb = { _, _, _, _ in KillPoint.reached("git-checkout-file") }
    try check("git_checkout_tree", git_checkout_tree(pointer, handle, &options))
    KillPoint.reached("git-checkout")
    var head: OpaquePointer?
    try check("git_reference_lookup(HEAD)", git_reference_lookup(&head, pointer, "HEAD"))
    defer { git_reference_free(head) }
    var resolved: OpaquePointer?
    try check("git_reference_resolve", git_reference_resolve(&resolved, head))
    defer { git_reference_free(resolved) }
    var raw = target.raw
    var updated: OpaquePointer?
    try check(
      "git_reference_set_target", git_reference_set_target(&updated, resolved, &raw, message))
    git_reference_free(updated)
    KillPoint.reached("git-ref")
  }

  /// The upstream of a local branch (`origin/main`), as remote name and remote branch, from config.
  public func upstream(of branch: String) throws(GitError) -> (remote: String, branch: String)? {
    guard let remote = try configString("branch.\(branch).remote"),
      let merge = try configString("branch.\(branch).merge")
    else { return nil }
    let name = merge.hasPrefix("refs/heads/") ? String(merge.dropFirst("refs/heads/".count)) : merge
    return (remote, name)
  }
}

/// Collects push rejections reported by libgit2's callback.
final class PushRejections {
  var items: [(String, String)] = []
}
