import AcornKillPoints
import CLibGit2

/// The one C boundary to libgit2. Handles are `final class`es that free in `deinit`; no
/// `OpaquePointer` leaves this module; every failing call becomes a `GitError` that carries
/// libgit2's code and `git_error_last()` message, read right after the call on the same thread.
/// Handles are not `Sendable`: use a repository from one task at a time.

/// An error from libgit2, or from this wrapper's own checks.
public struct GitError: Error, Sendable, CustomStringConvertible {
  /// libgit2's return code (`GIT_ENOTFOUND` = -3, `GIT_EEXISTS` = -4 …), or -1 for the wrapper's own.
  public let code: Int32
  /// libgit2's error class (`GIT_ERROR_OS`, `GIT_ERROR_REFERENCE` …), or 0.
  public let errorClass: Int32
  /// What was being done, e.g. `git_repository_open(/path)`.
  public let operation: String
  public let message: String

  public static let notFound: Int32 = -3
  public static let exists: Int32 = -4

  public var isNotFound: Bool { code == Self.notFound }

  public var description: String { "\(operation): \(message) (libgit2 error \(code))" }

  public init(code: Int32, errorClass: Int32 = 0, operation: String, message: String) {
    self.code = code
    self.errorClass = errorClass
    self.operation = operation
    self.message = message
  }
}

/// Runs a libgit2 call and turns a negative result into a `GitError`, reading the thread's last
/// error immediately.
@discardableResult
func check(_ operation: @autoclosure () -> String, _ result: Int32) throws(GitError) -> Int32 {
  guard result < 0 else { return result }
  var message = "unknown error"
  var klass: Int32 = 0
  if let last = git_error_last() {
    if let text = last.pointee.message { message = String(cString: text) }
    klass = last.pointee.klass
  }
  throw GitError(code: result, errorClass: klass, operation: operation(), message: message)
}

/// The handle a successful libgit2 call wrote to its out-parameter.
func produced<T>(_ value: T?, _ operation: String) throws(GitError) -> T {
  guard let value else {
    throw GitError(
      code: -1, operation: operation, message: "libgit2 returned success but no object")
  }
  return value
}

/// libgit2 is initialised once per process, before the first handle.
enum LibGit2 {
  static let initialized: Bool = {
    git_libgit2_init()
    // Objects read are not hashed again to check their ids, as git itself reads them (zlib's
    // checksum still catches a damaged loose object; `git fsck` checks ids): libgit2's SHA-1
    // with collision detection made every read cost a second pass over the bytes — a third of
    // an incremental publish at a million records (docs/performance.md).
    setVerification(false)
    return true
  }()

  /// Whether objects are hashed on reading (readers that bypass libgit2 then defer to it).
  nonisolated(unsafe) static var verifying = false

  static func setVerification(_ on: Bool) {
    _ = acorn_git_set_strict_hash_verification(on ? 1 : 0)
    verifying = on
  }
}

/// A git object id (SHA-1), as a value.
public struct ObjectID: Sendable, Hashable, CustomStringConvertible, Comparable {
  public let bytes: [UInt8]

  init(_ oid: git_oid) {
    var copy = oid
    bytes = withUnsafeBytes(of: &copy.id) { Array($0) }
  }

  public init?(hex: String) {
    guard hex.utf8.count == 40 else { return nil }
    var out: [UInt8] = []
    var chars = Array(hex.utf8)
    while !chars.isEmpty {
      guard let byte = UInt8(String(decoding: chars.prefix(2), as: UTF8.self), radix: 16) else {
        return nil
      }
      out.append(byte)
      chars.removeFirst(2)
    }
    bytes = out
  }

  var raw: git_oid {
    var oid = git_oid()
    withUnsafeMutableBytes(of: &oid.id) { buffer in
      for (i, b) in bytes.enumerated() where i < buffer.count { buffer[i] = b }
    }
    return oid
  }

  public var hex: String {
    bytes.map { b in
      let s = String(b, radix: 16)
      return s.count == 1 ? "0" + s : s
    }.joined()
  }

  public var description: String { hex }
  public var short: String { String(hex.prefix(8)) }

  public static func < (a: ObjectID, b: ObjectID) -> Bool {
    a.bytes.lexicographicallyPrecedes(b.bytes)
  }
}

/// Who made a commit, and when (seconds since 1970, minutes east of UTC).
public struct Signature: Sendable, Hashable {
  public var name: String
  public var email: String
  public var time: Int64
  public var offsetMinutes: Int32

  public init(name: String, email: String, time: Int64, offsetMinutes: Int32 = 0) {
    self.name = name
    self.email = email
    self.time = time
    self.offsetMinutes = offsetMinutes
  }
}

/// An open repository.
public final class Repository {
  /// Whether objects read from now on, by every handle of the process, are hashed to check that
  /// their content is what their id says (off by default, as git reads them). A check that
  /// vouches for history (`acorn validate --history`) turns it on for its run.
  public static func verifyObjectIDs(_ on: Bool) {
    _ = LibGit2.initialized
    LibGit2.setVerification(on)
  }

  let pointer: OpaquePointer
  /// The working directory, with a trailing `/`; nil for a bare repository.
  public let workdir: String?
  /// Signs a commit's content (returns the armored signature for its `gpgsig` header); when set,
  /// every commit this handle creates is signed.
  public var signer: ((_ content: [UInt8]) throws(GitError) -> String)?
  /// While bulk writes are on (`beginPackedWrites`), the in-memory backend that receives them.
  var mempack: UnsafeMutablePointer<git_odb_backend>?
  /// The objects written to `mempack` since the last pack.
  var pending: [git_oid] = []

  init(pointer: OpaquePointer) {
    self.pointer = pointer
    workdir = git_repository_workdir(pointer).map { String(cString: $0) }
  }

  deinit { git_repository_free(pointer) }

  /// Opens the repository at `path` (the working directory or the `.git` folder).
  public static func open(at path: String) throws(GitError) -> Repository {
    _ = LibGit2.initialized
    var raw: OpaquePointer?
    try check(
      "git_repository_open_ext(\(path))",
      git_repository_open_ext(&raw, path, UInt32(GIT_REPOSITORY_OPEN_NO_SEARCH.rawValue), nil))
    return Repository(pointer: try produced(raw, "git_repository_open_ext"))
  }

  /// Creates a repository at `path` whose HEAD points at `initialBranch`; refuses to reinitialise
  /// an existing one.
  public static func create(at path: String, initialBranch: String, bare: Bool = false)
    throws(GitError) -> Repository
  {
    _ = LibGit2.initialized
    var options = git_repository_init_options()
    try check(
      "git_repository_init_options_init",
      git_repository_init_options_init(&options, UInt32(GIT_REPOSITORY_INIT_OPTIONS_VERSION)))
    options.flags = GIT_REPOSITORY_INIT_MKPATH.rawValue | GIT_REPOSITORY_INIT_NO_REINIT.rawValue
    if bare { options.flags |= GIT_REPOSITORY_INIT_BARE.rawValue }
    var raw: OpaquePointer?
    let result = initialBranch.withCString { head -> Int32 in
      options.initial_head = head
      return git_repository_init_ext(&raw, path, &options)
    }
    try check("git_repository_init_ext(\(path))", result)
    return Repository(pointer: try produced(raw, "git_repository_open_ext"))
  }

  /// Writes `data` as a blob.
  public func writeBlob(_ data: [UInt8]) throws(GitError) -> ObjectID {
    var oid = git_oid()
    let result = data.withUnsafeBytes { buffer in
      git_blob_create_from_buffer(&oid, pointer, buffer.baseAddress, buffer.count)
    }
    try check("git_blob_create_from_buffer", result)
    KillPoint.reached("git-blob")
    return written(oid)
  }

  /// The content of a blob.
  public func blob(_ id: ObjectID) throws(GitError) -> [UInt8] {
    var raw = id.raw
    var blob: OpaquePointer?
    try check("git_blob_lookup(\(id.short))", git_blob_lookup(&blob, pointer, &raw))
    defer { git_blob_free(blob) }
    let size = Int(git_blob_rawsize(blob))
    guard size > 0, let content = git_blob_rawcontent(blob) else { return [] }
    return Array(UnsafeRawBufferPointer(start: content, count: size))
  }

  /// Writes a tree for a set of files, given as `/`-separated paths and blob ids.
  public func writeTree(files: [String: ObjectID]) throws(GitError) -> ObjectID {
    var root = TreeNode()
    for (path, id) in files {
      let parts = path.split(separator: "/").map(String.init)
      guard Repository.isSafePath(path) else {
        throw GitError(
          code: -1, operation: "writeTree", message: "refusing unsafe path \"\(path)\"")
      }
      root.insert(parts[...], id)
    }
    return try write(root)
  }

  private struct TreeNode {
    var blobs: [String: ObjectID] = [:]
    var trees: [String: TreeNode] = [:]

    mutating func insert(_ parts: ArraySlice<String>, _ id: ObjectID) {
      guard let name = parts.first else { return }
      if parts.count == 1 {
        blobs[name] = id
      } else {
        trees[name, default: TreeNode()].insert(parts.dropFirst(), id)
      }
    }
  }

  private func write(_ node: TreeNode) throws(GitError) -> ObjectID {
    var builder: OpaquePointer?
    try check("git_treebuilder_new", git_treebuilder_new(&builder, pointer, nil))
    defer { git_treebuilder_free(builder) }
    for (name, id) in node.blobs {
      var raw = id.raw
      try check(
        "git_treebuilder_insert(\(name))",
        git_treebuilder_insert(nil, builder, name, &raw, GIT_FILEMODE_BLOB))
    }
    for (name, child) in node.trees {
      var raw = try write(child).raw
      try check(
        "git_treebuilder_insert(\(name)/)",
        git_treebuilder_insert(nil, builder, name, &raw, GIT_FILEMODE_TREE))
    }
    var oid = git_oid()
    try check("git_treebuilder_write", git_treebuilder_write(&oid, builder))
    return written(oid)
  }

  /// The commit a reference or revision expression names, or nil when it does not exist.
  public func resolveCommit(_ revision: String) throws(GitError) -> ObjectID? {
    var object: OpaquePointer?
    let result = git_revparse_single(&object, pointer, revision + "^{commit}")
    if result == GIT_ENOTFOUND.rawValue { return nil }
    try check("git_revparse_single(\(revision))", result)
    defer { git_object_free(object) }
    return ObjectID(git_object_id(object).pointee)
  }

  /// The tree of a commit.
  public func treeID(ofCommit commit: ObjectID) throws(GitError) -> ObjectID {
    let handle = try lookupCommit(commit)
    defer { git_commit_free(handle) }
    return ObjectID(git_commit_tree_id(handle).pointee)
  }

  func lookupCommit(_ id: ObjectID) throws(GitError) -> OpaquePointer {
    var raw = id.raw
    var commit: OpaquePointer?
    try check("git_commit_lookup(\(id.short))", git_commit_lookup(&commit, pointer, &raw))
    return try produced(commit, "git_commit_lookup")
  }

  /// Creates a commit of `tree` on `parents` and moves `reference` (e.g. `HEAD`) to it.
  public func commit(
    tree: ObjectID, parents: [ObjectID], message: String, author: Signature,
    committer: Signature? = nil,
    updating reference: String? = "HEAD"
  ) throws(GitError) -> ObjectID {
    var treeRaw = tree.raw
    var treeHandle: OpaquePointer?
    try check("git_tree_lookup(\(tree.short))", git_tree_lookup(&treeHandle, pointer, &treeRaw))
    defer { git_tree_free(treeHandle) }
    var parentHandles: [OpaquePointer?] = []
    defer { for p in parentHandles { git_commit_free(p) } }
    for p in parents { parentHandles.append(try lookupCommit(p)) }
    let authorSig = try makeSignature(author)
    defer { git_signature_free(authorSig) }
    let committerSig = try makeSignature(committer ?? author)
    defer { git_signature_free(committerSig) }
    var oid = git_oid()
    KillPoint.reached("git-commit-start")
    if let signer {
      var content = git_buf()
      defer { git_buf_dispose(&content) }
      let built = parentHandles.withUnsafeMutableBufferPointer { buffer in
        git_commit_create_buffer(
          &content, pointer, authorSig, committerSig, "UTF-8", message, treeHandle,
          buffer.count, buffer.baseAddress)
      }
      try check("git_commit_create_buffer", built)
      guard let bytes = content.ptr else {
        throw GitError(code: -1, operation: "git_commit_create_buffer", message: "no content")
      }
      let text = String(cString: bytes)
      var target = reference
      if reference == "HEAD", let branch = try currentBranch() {
        target = branch.hasPrefix("refs/") ? branch : "refs/heads/\(branch)"
      }
      // As git_commit_create: the reference must still be at the first parent.
      if let target, try referenceTarget(target) != parents.first {
        throw GitError(
          code: GIT_EMODIFIED.rawValue, operation: "commit",
          message: "\(target) moved while the commit was being made")
      }
      let signature = try signer(Array(text.utf8))
      try check(
        "git_commit_create_with_signature",
        git_commit_create_with_signature(&oid, pointer, text, signature, "gpgsig"))
      let id = written(oid)
      if let target {
        // What git_commit_create does for an unsigned commit: move the branch HEAD names.
        try setReference(target, to: id, message: "commit: \(message.prefix { $0 != "\n" })")
      }
      return id
    }
    let result = parentHandles.withUnsafeMutableBufferPointer { buffer in
      git_commit_create(
        &oid, pointer, reference, authorSig, committerSig, "UTF-8", message, treeHandle,
        buffer.count,
        buffer.baseAddress)
    }
    try check("git_commit_create", result)
    KillPoint.reached("git-commit")
    return written(oid)
  }

  private func makeSignature(_ s: Signature) throws(GitError) -> UnsafeMutablePointer<git_signature>
  {
    var sig: UnsafeMutablePointer<git_signature>?
    try check(
      "git_signature_new(\(s.email))",
      git_signature_new(&sig, s.name, s.email, git_time_t(s.time), Int32(s.offsetMinutes)))
    return try produced(sig, "git_signature_new")
  }

  /// The default signature from git config (`user.name`, `user.email`), or nil when unset.
  public func configuredIdentity() -> (name: String, email: String)? {
    var sig: UnsafeMutablePointer<git_signature>?
    guard git_signature_default(&sig, pointer) == 0, let sig else { return nil }
    defer { git_signature_free(sig) }
    return (String(cString: sig.pointee.name), String(cString: sig.pointee.email))
  }

  /// Makes the index match `tree` and writes it, so `git status` sees the working tree clean when
  /// the files on disk hold the same content.
  public func resetIndex(to tree: ObjectID) throws(GitError) {
    var index: OpaquePointer?
    try check("git_repository_index", git_repository_index(&index, pointer))
    defer { git_index_free(index) }
    var raw = tree.raw
    var treeHandle: OpaquePointer?
    try check("git_tree_lookup(\(tree.short))", git_tree_lookup(&treeHandle, pointer, &raw))
    defer { git_tree_free(treeHandle) }
    try check("git_index_read_tree", git_index_read_tree(index, treeHandle))
    try check("git_index_write", git_index_write(index))
    KillPoint.reached("git-index")
  }

  /// The branch HEAD points at (`main`), or nil when HEAD is detached.
  public func currentBranch() throws(GitError) -> String? {
    var ref: OpaquePointer?
    let result = git_reference_lookup(&ref, pointer, "HEAD")
    try check("git_reference_lookup(HEAD)", result)
    defer { git_reference_free(ref) }
    guard git_reference_type(ref) == GIT_REFERENCE_SYMBOLIC,
      let target = git_reference_symbolic_target(ref)
    else {
      return nil
    }
    let name = String(cString: target)
    return name.hasPrefix("refs/heads/") ? String(name.dropFirst("refs/heads/".count)) : name
  }

  /// The current branch's name, or nil (detached HEAD, or an error).
  public func currentBranchName() -> String? {
    (try? currentBranch()) ?? nil
  }

  /// Files of a commit's tree: path → blob id, recursively.
  public func files(inTree tree: ObjectID) throws(GitError) -> [String: ObjectID] {
    var raw = tree.raw
    var handle: OpaquePointer?
    try check("git_tree_lookup(\(tree.short))", git_tree_lookup(&handle, pointer, &raw))
    defer { git_tree_free(handle) }
    var out: [String: ObjectID] = [:]
    let count = git_tree_entrycount(handle)
    for i in 0..<count {
      guard let entry = git_tree_entry_byindex(handle, i) else { continue }
      let name = String(cString: git_tree_entry_name(entry))
      let id = ObjectID(git_tree_entry_id(entry).pointee)
      switch git_tree_entry_type(entry) {
      case GIT_OBJECT_TREE:
        for (path, blob) in try files(inTree: id) { out[name + "/" + path] = blob }
      case GIT_OBJECT_BLOB:
        out[name] = id
      default:
        continue
      }
    }
    return out
  }
}
