import AcornGit
import AcornModel
import Foundation

/// Loading many new records at once (`acorn sandbox generate`): written without a flush per file,
/// stored as packfiles, entered in the git index from what was just written, and committed once.
extension Workspace {
  /// Objects held in memory before they are written as a pack: bounds a bulk load's memory.
  static let packEvery = 100_000

  /// What a bulk load wrote.
  public struct BulkLoad: Sendable {
    public var commit: ObjectID
    public var records: Int
  }

  /// Writes every record of every batch (none may exist yet: a record file already there, or two
  /// records at one path, is refused with EEXIST) and commits them all in one commit on HEAD.
  /// Each batch's blobs are kept in memory and stored as a packfile (one per batch, or per
  /// 100,000 records), so no more than a batch's records and bytes are held at once. The index is written before the branch moves: killed
  /// before, the records are uncommitted files in the working tree (`acorn status` shows them).
  /// Credentials are refused as for every commit, before a batch's files are written. `asSync`:
  /// the records are Amazon's (as a sync brings them), so the commit is also on the sync branch —
  /// which starts there, or moves there from HEAD.
  public func loadNew(
    batches: some Sequence<[Record]>, message: String, author: Signature, asSync: Bool = false
  ) throws(WorkspaceError) -> BulkLoad {
    let repo = try repository()
    do {
      try repo.beginPackedWrites()
      let head = try repo.resolveCommit("HEAD")
      let baseTree = try head.map { id throws(GitError) in try repo.treeID(ofCommit: id) }
      var changes: [String: ObjectID?] = [:]
      var entries: [Repository.IndexEntry] = []
      var count = 0
      for batch in batches {
        var files: [(path: String, bytes: [UInt8])] = []
        files.reserveCapacity(batch.count)
        for record in batch {
          let placed: RecordPath
          do { placed = try record.expectedPath() } catch {
            throw WorkspaceError(error.code, "cannot place record \(record.id ?? "?"): \(error)")
          }
          files.append((placed.relativePath, record.canonicalBytes))
        }
        try Self.refuseCredentials(files)
        var made: Set<String> = []
        for (rel, bytes) in files {
          let full = try writablePath(rel)
          let dir = (full as NSString).deletingLastPathComponent
          if made.insert(dir).inserted { try FileSystem.makeDirectories(dir) }
          let status = try FileSystem.writeNew(bytes, to: full)
          let blob = try repo.writeBlob(bytes)
          changes[rel] = blob
          entries.append(.init(path: rel, blob: blob, status: status))
          if entries.count % Self.packEvery == 0 { try repo.writePack() }
        }
        count += files.count
        try repo.writePack()
        progress?(ProgressReport("writing", done: count))
      }
      let tree = try repo.updateTree(base: baseTree, changes: changes)
      try repo.writePack()
      try repo.addToIndex(entries)
      // A handle of its own for the commit: this one's writes go to memory.
      let committer = try repository()
      let commit = try committer.commit(
        tree: tree, parents: head.map { [$0] } ?? [], message: message, author: author)
      if asSync {
        // What a first sync does: its branch starts where the records came in.
        let sync = "refs/heads/\(Self.syncBranch)"
        let at = try committer.referenceTarget(sync)
        if at == nil || at == head {
          try committer.setReference(sync, to: commit, message: "acorn: \(count) records")
        }
      }
      return BulkLoad(commit: commit, records: count)
    } catch let error as WorkspaceError {
      throw error
    } catch let error as FileSystemError {
      throw WorkspaceError("record.write", "cannot write records", cause: error)
    } catch {
      throw WorkspaceError("git.commit", "cannot commit the records", cause: error)
    }
  }

  /// One commit of a history series: the record as it is after the commit, why, and by whom.
  public struct SeriesCommit: Sendable {
    public var record: Record
    public var message: String
    public var author: Signature

    public init(record: Record, message: String, author: Signature) {
      self.record = record
      self.message = message
      self.author = author
    }
  }

  /// Makes `count` commits on HEAD, one record each (`commit(i)` says which and how), as a team
  /// does over months: a history for `log`, `blame` and `validate --history` to read. The
  /// objects are packed (a pack per thousand commits) and the branch moves once, at the end, after the
  /// changed files are written and entered in the index. Returns the last commit.
  public func commitSeries(
    count: Int, _ commit: (Int) -> SeriesCommit
  ) throws(WorkspaceError) -> ObjectID? {
    guard count > 0 else { return nil }
    let repo = try repository()
    do {
      guard let head = try repo.resolveCommit("HEAD"), let branch = try repo.currentBranch()
      else {
        throw WorkspaceError("git.unborn", "the history series needs a first commit")
      }
      try repo.beginPackedWrites()
      var parent = head
      var tree = try repo.treeID(ofCommit: head)
      var latest: [String: [UInt8]] = [:]
      for i in 0..<count {
        let next = commit(i)
        let placed: RecordPath
        do { placed = try next.record.expectedPath() } catch {
          throw WorkspaceError(error.code, "cannot place record \(next.record.id ?? "?"): \(error)")
        }
        let bytes = next.record.canonicalBytes
        try Self.refuseCredentials([(placed.relativePath, bytes)])
        let blob = try repo.writeBlob(bytes)
        tree = try repo.updateTree(base: tree, changes: [placed.relativePath: blob])
        parent = try repo.commit(
          tree: tree, parents: [parent], message: next.message, author: next.author,
          updating: nil)
        latest[placed.relativePath] = bytes
        if (i + 1) % 1000 == 0 {
          // Each commit rewrites the trees on its path (a month folder of a large workspace is
          // hundreds of kilobytes): packed every thousand commits, memory stays bounded.
          try repo.writePack()
          progress?(ProgressReport("committing", done: i + 1, of: count))
        }
      }
      try repo.writePack()
      for (rel, bytes) in latest.sorted(by: { $0.key < $1.key }) {
        try FileSystem.writeAtomically(bytes, to: try writablePath(rel))
      }
      try repo.syncIndex(paths: latest.keys.sorted())
      let target = branch.hasPrefix("refs/") ? branch : "refs/heads/\(branch)"
      try repo.setReference(target, to: parent, message: "acorn: \(count) commits")
      return parent
    } catch let error as WorkspaceError {
      throw error
    } catch let error as FileSystemError {
      throw WorkspaceError("record.write", "cannot write records", cause: error)
    } catch {
      throw WorkspaceError("git.commit", "cannot commit the series", cause: error)
    }
  }
}
