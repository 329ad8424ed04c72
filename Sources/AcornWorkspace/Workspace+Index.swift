import AcornGit
import AcornIndex
import AcornModel
import Foundation

/// Keeping `.acorn/index.sqlite` in step with the files, incrementally from git's tree diff.
extension Workspace {
  public struct IndexReport: Sendable {
    public enum Mode: String, Sendable {
      case rebuilt, incremental, upToDate = "up-to-date"
    }
    public var mode: Mode
    /// Record files read and written into the index by this update.
    public var changedPaths: Int
    /// Records in the index when this update counted them (a rebuild counts what it wrote);
    /// nil otherwise — `indexedRecordCount()` counts them (a scan every command that only
    /// brought the index up to date had paid: 5 ms at 120,000 records).
    public var records: Int?
    /// Why the index was rebuilt, when it was.
    public var reason: String?
  }

  public var indexPath: String { path(".acorn/index.sqlite") }

  /// The marketplaces the workspace holds records of: the folders under `records/` that hold
  /// something, sorted.
  public func recordMarketplaces() -> [String] {
    let root = path("records")
    return FileSystem.names(in: root).filter {
      !$0.hasPrefix(".") && FileSystem.isDirectory(root + "/" + $0)
        && !FileSystem.names(in: root + "/" + $0).isEmpty
    }.sorted()
  }

  /// How many records the index holds (read as it is: `updateIndex` first for an up-to-date
  /// count).
  public func indexedRecordCount() throws(WorkspaceError) -> Int {
    do { return try RecordIndex(readOnlyAt: indexPath).count() } catch {
      throw WorkspaceError("index.unavailable", "cannot count the index's records", cause: error)
    }
  }

  /// Brings the index up to date: rebuilt from all files when asked, missing, corrupt, of another
  /// version or of a commit no longer in history; otherwise updated from the paths changed between
  /// the indexed commit and HEAD, the uncommitted changes, and the paths indexed dirty last time.
  @discardableResult
  /// `status`: the working tree's changes when the caller walked it already.
  public func updateIndex(rebuild force: Bool = false, status: [Repository.StatusEntry]? = nil)
    throws(WorkspaceError) -> IndexReport
  {
    // One index writer at a time (readers of the workspace do not take the workspace lock).
    let lock = try IndexLock(path: path(".acorn/index.lock"))
    defer { lock.release() }
    do {
      return try updateIndexOnce(rebuild: force, status: status)
    } catch  where error.code == "index.damaged" {
      // Damage found while reading or writing: the index is never trusted, so start again.
      removeIndexFiles()
      return try updateIndexOnce(
        rebuild: true, reason: "damaged index: \(error.cause ?? error.message)")
    }
  }

  func removeIndexFiles() {
    for suffix in ["", "-wal", "-shm", "-journal"] {
      try? FileManager.default.removeItem(atPath: indexPath + suffix)
    }
  }

  func updateIndexOnce(
    rebuild force: Bool, reason forced: String? = nil, status: [Repository.StatusEntry]? = nil
  ) throws(WorkspaceError) -> IndexReport {
    try? FileManager.default.createDirectory(
      atPath: path(".acorn"), withIntermediateDirectories: true)
    let repo = try repository()
    var reason: String? = forced ?? (force ? "asked for" : nil)
    let index: RecordIndex
    do {
      if !FileSystem.exists(indexPath) && reason == nil { reason = "no index yet" }
      index = try RecordIndex(path: indexPath)
    } catch .unusable(let why) {
      reason = why
      removeIndexFiles()
      do { index = try RecordIndex(path: indexPath) } catch {
        throw WorkspaceError("index.open", "cannot create the index at \(indexPath)", cause: error)
      }
    } catch {
      // Busy, locked, I/O: the files may be open elsewhere and are kept.
      throw WorkspaceError(
        "index.unavailable", "the index at \(indexPath) cannot be opened now; try again",
        cause: error)
    }
    do {
      let head = try repo.resolveCommit("HEAD")
      let headTree = try head.map { id throws(GitError) in try repo.treeID(ofCommit: id) }
      let dirtyNow = try (status ?? repo.status()).map(\.path).filter(Self.isRecordPath)
      let state = try index.state()
      var previousTree: ObjectID?
      if reason == nil {
        if let commit = state.commit, let id = ObjectID(hex: commit),
          (try? repo.commitInfo(id)) != nil
        {
          previousTree = try repo.treeID(ofCommit: id)
        } else if try state.commit != nil || index.count() > 0 {
          reason = "indexed commit \(state.commit ?? "?") is not in this repository's history"
        } else {
          reason = "empty index"
        }
      }
      if let reason {
        let newState = RecordIndex.State(commit: head?.hex, dirtyPaths: dirtyNow)
        // Files are read and parsed on a second thread, a batch ahead of the inserts on this
        // one, in path order; at most a few batches are in memory at any size.
        let files = recordFiles().filter { $0.hasSuffix(".json") }
        var indexed = 0
        let batches = Pipeline(count: files.count, batch: 256) { range in
          files[range].compactMap { rel -> RecordIndex.Change? in
            switch self.readForIndex(rel) {
            case .record(let value): return .upsert(path: rel, record: value)
            case .broken(let why): return .broken(path: rel, error: why)
            case .missing: return nil
            }
          }
        }
        defer { batches.cancel() }
        var done = 0
        let changes = batches.lazy.flatMap { batch -> [RecordIndex.Change] in
          self.progress?(ProgressReport("indexing", done: done, of: files.count))
          done += batch.count
          indexed += batch.reduce(0) { n, c in if case .upsert = c { n + 1 } else { n } }
          return batch
        }
        try index.rebuild(changes, state: newState)
        return IndexReport(
          mode: .rebuilt, changedPaths: indexed, records: indexed, reason: reason)
      }
      let committed = Set(
        try repo.diffTrees(previousTree, headTree).map(\.path).filter(Self.isRecordPath))
      let dirty = Set(dirtyNow)
      var paths = committed.union(dirty)
      paths.formUnion(state.dirtyPaths)
      var changes: [RecordIndex.Change] = []
      var digests: [String: String] = [:]
      // Read and parsed on both cores, taken in path order; a file's bytes are kept only when
      // it is dirty (for its digest), so a large update holds no more than the parsed records.
      progress?(ProgressReport("indexing", done: 0, of: paths.count))
      let sorted = paths.sorted()
      let workspace = self
      let read = Parallel.map(sorted, minimum: 128) { rel -> ([UInt8]?, IndexedFile) in
        do throws(FileSystemError) {
          let bytes = try FileSystem.read(workspace.path(rel))
          return (dirty.contains(rel) ? bytes : nil, workspace.indexed(bytes))
        } catch {
          return (nil, error.isMissing ? .missing : .broken("cannot read: \(error)"))
        }
      }
      for (rel, (bytes, file)) in zip(sorted, read) {
        if dirty.contains(rel) {
          // A dirty file indexed as it is now, when HEAD did not change it, is skipped: repeated
          // commands over the same uncommitted edits do not write them again.
          let digest: String
          switch (bytes, file) {
          case (let bytes?, _): digest = SHA256.hex(bytes)
          case (nil, .missing): digest = "missing"
          case (nil, .broken(let why)): digest = "unreadable: " + why
          case (nil, .record): digest = "unreadable"
          }
          digests[rel] = digest
          if !committed.contains(rel) && state.dirtyDigests[rel] == digest { continue }
        }
        switch file {
        case .record(let value): changes.append(.upsert(path: rel, record: value))
        case .broken(let why): changes.append(.broken(path: rel, error: why))
        case .missing: changes.append(.delete(path: rel))
        }
      }
      let newState = RecordIndex.State(
        commit: head?.hex, dirtyPaths: dirtyNow, dirtyDigests: digests)
      if changes.isEmpty && state.commit == newState.commit
        && Set(state.dirtyPaths) == dirty && state.dirtyDigests == digests
      {
        return IndexReport(
          mode: .upToDate, changedPaths: 0, records: nil, reason: nil)
      }
      try index.apply(changes, state: newState)
      return IndexReport(
        mode: .incremental, changedPaths: changes.count, records: nil, reason: nil)
    } catch let error as WorkspaceError {
      throw error
    } catch let error as IndexError {
      if case .unusable = error {
        throw WorkspaceError("index.damaged", "cannot update the index", cause: error)
      }
      throw WorkspaceError(
        "index.unavailable", "cannot update the index now; try again", cause: error)
    } catch {
      throw WorkspaceError("index.update", "cannot update the index", cause: error)
    }
  }

  enum IndexedFile: Sendable {
    case record(JSONValue)
    case broken(String)
    case missing
  }

  /// What the index holds for a path: the record, a broken file (with why), or nothing.
  func readForIndex(_ rel: String) -> IndexedFile {
    let bytes: [UInt8]
    do { bytes = try FileSystem.read(path(rel)) } catch {
      return error.isMissing ? .missing : .broken("cannot read: \(error)")
    }
    return indexed(bytes)
  }

  /// What the index holds for a file's bytes.
  func indexed(_ bytes: [UInt8]) -> IndexedFile { Self.indexedFile(bytes) }

  /// A record file's bytes as the index (and every fold over the records) takes them: a JSON
  /// object, or why not.
  static func indexedFile(_ bytes: [UInt8]) -> IndexedFile {
    if let markers = Self.conflictMarkerLine(bytes) {
      return .broken("git conflict markers at line \(markers)")
    }
    do {
      let parsed = try JSONParser.parse(bytes)
      guard case .object = parsed.value else { return .broken("not a JSON object") }
      return .record(parsed.value)
    } catch {
      return .broken("line \(error.line): \(error.message)")
    }
  }

  /// Record files that do not parse, from the index: they are missing from every answer the
  /// index gives, so commands that read it say so.
  public func brokenRecordFiles(refresh: Bool = true) throws(WorkspaceError) -> [(
    path: String, error: String
  )] {
    try query(
      refresh: refresh, "SELECT path, error FROM records WHERE error IS NOT NULL ORDER BY path"
    ).rows
      .compactMap { row in
        guard row.count == 2, let p = row[0].stringValue, let e = row[1].stringValue else {
          return nil
        }
        return (p, e)
      }
  }

  /// A record file's JSON, or nil when it is missing or unreadable (validate reports those).
  func readJSON(_ rel: String) -> JSONValue? {
    guard let bytes = try? FileSystem.read(path(rel)), let parsed = try? JSONParser.parse(bytes)
    else { return nil }
    guard case .object = parsed.value else { return nil }
    return parsed.value
  }

  /// Runs read-only SQL over the up-to-date index; `arguments` bind its `?` placeholders.
  public func query(_ sql: String, arguments: [String] = []) throws(WorkspaceError)
    -> RecordIndex.QueryResult
  {
    try query(refresh: true, sql, arguments: arguments)
  }

  /// `refresh: false` reads the index as it is, for a caller that brought it up to date already.
  func query(refresh: Bool, _ sql: String, arguments: [String] = []) throws(WorkspaceError)
    -> RecordIndex.QueryResult
  {
    if refresh { try updateIndex() }
    do {
      return try RecordIndex(readOnlyAt: indexPath).query(sql, arguments: arguments)
    } catch {
      throw WorkspaceError("query.failed", "\(error)", refusal: false)
    }
  }
}

/// An exclusive `flock(2)` on `.acorn/index.lock` while the index is updated; released by the
/// kernel if the process dies. A reader that reads the index through several connections at once
/// holds it shared, so no update lands between its reads.
final class IndexLock {
  private var fd: Int32

  init(path: String, shared: Bool = false, timeout: Double = 30) throws(WorkspaceError) {
    try? FileManager.default.createDirectory(
      atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    guard fd >= 0 else {
      let code = errno
      throw WorkspaceError(
        "index.lock", "cannot open \(path): \(String(cString: strerror(code))) (errno \(code))")
    }
    let deadline = Date().addingTimeInterval(timeout)
    while flock(fd, (shared ? LOCK_SH : LOCK_EX) | LOCK_NB) != 0 {
      guard errno == EWOULDBLOCK || errno == EINTR, Date() < deadline else {
        close(fd)
        fd = -1
        throw WorkspaceError(
          "index.locked", "another acorn process is updating the index; try again")
      }
      usleep(20_000)
    }
  }

  func release() {
    guard fd >= 0 else { return }
    flock(fd, LOCK_UN)
    close(fd)
    fd = -1
  }

  deinit { release() }
}

/// Work in batches on a thread of its own, a few batches ahead of the consumer, handed over in
/// order: `Pipeline(count:batch:work)` is a sequence of each batch's result. The producer waits
/// while `ahead` results are unconsumed, so memory stays bounded by a few batches.
final class Pipeline<T: Sendable>: Sequence, IteratorProtocol, @unchecked Sendable {
  private let condition = NSCondition()
  private var ready: [T] = []
  private var finished = false
  private var cancelled = false
  private let ahead: Int

  init(count: Int, batch: Int, ahead: Int = 3, _ work: @escaping @Sendable (Range<Int>) -> T) {
    self.ahead = ahead
    let thread = Thread { [self] in
      var start = 0
      while start < count {
        let result = work(start..<Swift.min(start + batch, count))
        start += batch
        condition.lock()
        while ready.count >= self.ahead && !cancelled { condition.wait() }
        if cancelled {
          condition.unlock()
          return
        }
        ready.append(result)
        condition.signal()
        condition.unlock()
      }
      condition.lock()
      finished = true
      condition.signal()
      condition.unlock()
    }
    // Parsing recurses once per level of nesting (up to the parser's limit).
    thread.stackSize = 8 << 20
    thread.start()
  }

  func next() -> T? {
    condition.lock()
    defer { condition.unlock() }
    while ready.isEmpty && !finished && !cancelled { condition.wait() }
    guard !ready.isEmpty else { return nil }
    let value = ready.removeFirst()
    condition.signal()
    return value
  }

  /// Stops the producer: a consumer that is done, or gives up early on an error, calls it (the
  /// producer's thread would otherwise wait for it for ever). `next()` then hands over what was
  /// made already, and nil.
  func cancel() {
    condition.lock()
    cancelled = true
    condition.signal()
    condition.unlock()
  }
}
