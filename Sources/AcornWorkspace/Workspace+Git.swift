import AcornGit
import AcornModel
import Foundation

/// The workspace's repository: writing records and committing them through libgit2.
extension Workspace {
  public func repository() throws(WorkspaceError) -> Repository {
    let repo: Repository
    do { repo = try Repository.open(at: root) } catch {
      throw WorkspaceError("git.open", "\(root) is not a git repository", cause: error)
    }
    // Acorn's commits are signed exactly when git's would be: commit.gpgsign with gpg.format=ssh.
    if (try? repo.configString("commit.gpgsign"))??.lowercased() == "true",
      (try? repo.configString("gpg.format"))??.lowercased() == "ssh",
      let key = (try? repo.configString("user.signingkey")) ?? nil
    {
      repo.signer = { content throws(GitError) in try Self.sshSign(content, key: key) }
    }
    return repo
  }

  /// Writes a record's canonical bytes where it belongs; returns its relative path.
  @discardableResult
  public func write(_ record: Record) throws(WorkspaceError) -> String {
    let placed: RecordPath
    do { placed = try record.expectedPath() } catch {
      throw WorkspaceError(error.code, "cannot place record \(record.id ?? "?"): \(error)")
    }
    let rel = placed.relativePath
    do { try FileSystem.writeAtomically(record.canonicalBytes, to: try writablePath(rel)) } catch {
      throw WorkspaceError("record.write", "cannot write \(rel)", cause: error)
    }
    return rel
  }

  /// Commits the current content of `paths` (files that no longer exist are removed) on top of
  /// HEAD (and `extraParents`, for a merge), writing only the blobs and trees on those paths; keeps the index in step so `git status`
  /// is clean. Returns nil, and makes no commit, when the tree would not change.
  public func commit(
    paths: [String], message: String, author: Signature, extraParents: [ObjectID] = []
  ) throws(WorkspaceError) -> ObjectID? {
    let repo = try repository()
    do {
      let head = try repo.resolveCommit("HEAD")
      let baseTree = try head.map { id throws(GitError) in try repo.treeID(ofCommit: id) }
      var changes: [String: ObjectID?] = [:]
      var contents: [(path: String, bytes: [UInt8])] = []
      for rel in Set(paths).sorted() {
        if FileSystem.exists(path(rel)) {
          contents.append((rel, try FileSystem.read(path(rel))))
        } else {
          changes[rel] = .some(nil)
        }
      }
      try Self.refuseCredentials(contents)
      for (rel, bytes) in contents { changes[rel] = try repo.writeBlob(bytes) }
      let tree = try repo.updateTree(base: baseTree, changes: changes)
      // The index first, then the branch: killed in between, the changes are staged and the
      // next commit (or merge) makes them; the other order would leave HEAD ahead of an index
      // that looks like the changes were undone.
      try repo.syncIndex(paths: Array(changes.keys).sorted())
      var commit: ObjectID?
      // A merge commit records the merged branch even when the tree did not change.
      if tree != baseTree || !extraParents.isEmpty {
        commit = try repo.commit(
          tree: tree, parents: (head.map { [$0] } ?? []) + extraParents, message: message,
          author: author)
      }
      return commit
    } catch let error as WorkspaceError {
      throw error
    } catch {
      throw WorkspaceError("git.commit", "cannot commit", cause: error)
    }
  }

  /// No commit may carry a credential: refuses (exit 1) naming each file and line, with the
  /// secret masked. Every command that commits goes through here or through the sync engine,
  /// which calls it for the blobs it writes.
  public static func refuseCredentials(_ files: [(path: String, bytes: [UInt8])])
    throws(WorkspaceError)
  {
    var found: [String] = []
    for (rel, bytes) in files {
      for hit in CredentialScanner.scan(bytes) {
        found.append("\(rel):\(hit.line): \(hit.masked) — \(hit.message)")
      }
    }
    guard !found.isEmpty else { return }
    throw WorkspaceError(
      "commit.credential",
      "refusing to commit: \(found.count == 1 ? "a credential" : "\(found.count) credentials") would be committed\n  "
        + found.joined(separator: "\n  "), refusal: true)
  }
}
