import AcornGit
import AcornModel
import AcornReconcile
import Foundation

/// A record that differs between two states of the workspace, field by field.
public struct RecordChange: Sendable, Hashable {
  public enum Change: String, Sendable, Codable {
    case added, modified, deleted
  }

  public var id: String
  public var kind: String?
  public var marketplace: String?
  public var path: String
  public var change: Change
  public var fields: [FieldChange]
}

/// A non-record file that differs (settings, rules, schemas, reconciliation results).
public struct FileChange: Sendable, Hashable {
  public var path: String
  public var change: RecordChange.Change
  /// For reconciliation results: what changed, as business sentences.
  public var sentences: [String] = []
}

/// What changed between two states: records field by field, other files by path.
public struct WorkspaceDiff: Sendable {
  public var records: [RecordChange]
  public var files: [FileChange]

  public var isEmpty: Bool { records.isEmpty && files.isEmpty }
}

/// One commit in `acorn log`.
public struct LogEntry: Sendable {
  public var commit: Repository.CommitInfo
  public var diff: WorkspaceDiff
}

/// Who last changed one field, for `acorn blame`.
public struct BlameLine: Sendable {
  public var field: String
  public var value: JSONValue
  /// nil when the field's current value is not committed yet.
  public var commit: Repository.CommitInfo?
}

extension Workspace {
  /// The bytes of `rel` in `tree`, or nil when absent.
  func content(_ rel: String, in tree: ObjectID?, _ repo: Repository) throws(GitError) -> [UInt8]? {
    guard let tree, let blob = try repo.blobID(atPath: rel, inTree: tree) else { return nil }
    return try repo.blob(blob)
  }

  /// A record change from two versions of one file.
  static func recordChange(path rel: String, old: [UInt8]?, new: [UInt8]?) -> RecordChange {
    func parse(_ bytes: [UInt8]?) -> (JSONValue?, String?) {
      guard let bytes else { return (nil, nil) }
      do { return (try JSONParser.parse(bytes).value, nil) } catch { return (nil, "\(error)") }
    }
    let (oldValue, oldError) = parse(old)
    let (newValue, newError) = parse(new)
    let change: RecordChange.Change = old == nil ? .added : (new == nil ? .deleted : .modified)
    var fields = RecordDiff.changes(from: oldValue, to: newValue)
    if let problem = newError ?? oldError {
      fields = [FieldChange(field: "$", old: nil, new: .string("not valid JSON: \(problem)"))]
    }
    let value = newValue ?? oldValue
    let name = String((rel.split(separator: "/").last ?? "").dropLast(5))
    let id = value?["id"]?.stringValue ?? RecordFileName.decode(name) ?? name
    return RecordChange(
      id: id, kind: value?["kind"]?.stringValue, marketplace: value?["marketplace"]?.stringValue,
      path: rel,
      change: change, fields: fields)
  }

  static func isRecordPath(_ rel: String) -> Bool {
    rel.hasPrefix(recordsFolder + "/") && rel.hasSuffix(".json")
  }

  /// Differences between two commits' trees, or between a commit and the working tree (`to` nil).
  /// `from` nil compares against the empty tree.
  /// `status`: the working tree's changes when the caller has them already (one walk of the
  /// working tree per command; `acorn status` needs them four times).
  public func diff(from: ObjectID?, to: ObjectID?, status: [Repository.StatusEntry]? = nil)
    throws(WorkspaceError) -> WorkspaceDiff
  {
    let repo = try repository()
    do {
      let oldTree = try from.map { id throws(GitError) in try repo.treeID(ofCommit: id) }
      var paths: [String: (old: [UInt8]?, new: [UInt8]?)] = [:]
      if let to {
        let newTree = try repo.treeID(ofCommit: to)
        for change in try repo.diffTrees(oldTree, newTree) {
          paths[change.path] = (
            try change.oldBlob.map { b throws(GitError) in try repo.blob(b) },
            try change.newBlob.map { b throws(GitError) in try repo.blob(b) }
          )
        }
      } else {
        let head = try repo.resolveCommit("HEAD")
        let headTree = try head.map { id throws(GitError) in try repo.treeID(ofCommit: id) }
        var candidates = Set(try repo.diffTrees(oldTree, headTree).map(\.path))
        candidates.formUnion(try (status ?? repo.status()).map(\.path))
        for rel in candidates {
          let old = try content(rel, in: oldTree, repo)
          let new = FileSystem.exists(path(rel)) ? try? FileSystem.read(path(rel)) : nil
          if old != new { paths[rel] = (old, new) }
        }
      }
      var records: [RecordChange] = []
      var files: [FileChange] = []
      for (rel, versions) in paths.sorted(by: { $0.key < $1.key }) {
        if Self.isRecordPath(rel) {
          let change = Self.recordChange(path: rel, old: versions.old, new: versions.new)
          if change.change != .modified || !change.fields.isEmpty { records.append(change) }
        } else {
          var file = FileChange(
            path: rel,
            change: versions.old == nil ? .added : (versions.new == nil ? .deleted : .modified))
          if Self.isReconciliationPath(rel) {
            file.sentences = ReconcileDiff.sentences(
              old: versions.old.flatMap { try? JSONParser.parse($0).value },
              new: versions.new.flatMap { try? JSONParser.parse($0).value })
          }
          files.append(file)
        }
      }
      return WorkspaceDiff(
        records: records.sorted { ($0.id, $0.path) < ($1.id, $1.path) }, files: files)
    } catch {
      throw WorkspaceError("git.diff", "cannot compare the revisions", cause: error)
    }
  }

  /// Resolves a revision (`HEAD~2`, a branch, a commit id) to a commit.
  public func resolve(_ revision: String) throws(WorkspaceError) -> ObjectID {
    do {
      guard let id = try repository().resolveCommit(revision) else {
        throw WorkspaceError("git.revision", "unknown revision \(revision)")
      }
      return id
    } catch let error as WorkspaceError {
      throw error
    } catch {
      throw WorkspaceError("git.revision", "cannot resolve \(revision)", cause: error)
    }
  }

  /// History of the workspace (newest first), or of one record's file when `recordPath` is given.
  public func log(recordPath: String? = nil, limit: Int? = nil) throws(WorkspaceError) -> [LogEntry]
  {
    let repo = try repository()
    do {
      guard let head = try repo.resolveCommit("HEAD") else { return [] }
      var out: [LogEntry] = []
      // The record's blob is compared with the first parent's along its path, a level at a time
      // (no deeper than the first subtree both share); author and message are read only for
      // commits that changed the record.
      let changes = recordPath.map { Repository.PathHistory(repo, path: $0) }
      for id in try repo.history(from: head) {
        if let limit, out.count >= limit { break }
        if let recordPath, let changes {
          let (changed, now, before) = try changes.change(at: id)
          if !changed { continue }
          let info = try repo.commitInfo(id)
          let change = Self.recordChange(
            path: recordPath, old: try before.map { b throws(GitError) in try repo.blob(b) },
            new: try now.map { b throws(GitError) in try repo.blob(b) })
          out.append(LogEntry(commit: info, diff: WorkspaceDiff(records: [change], files: [])))
        } else {
          let info = try repo.commitInfo(id)
          out.append(LogEntry(commit: info, diff: try diff(from: info.parents.first, to: id)))
        }
      }
      return out
    } catch let error as WorkspaceError {
      throw error
    } catch {
      throw WorkspaceError("git.log", "cannot read the history", cause: error)
    }
  }

  /// For every field of the record at HEAD, the commit that last changed it (first-parent history).
  public func blame(recordPath rel: String) throws(WorkspaceError) -> [BlameLine] {
    let repo = try repository()
    do {
      guard let head = try repo.resolveCommit("HEAD") else { return [] }
      var versions: [(Repository.CommitInfo, JSONValue)] = []
      // The commits of the first-parent line that changed the record, newest first, then its
      // versions oldest first.
      let changed = try Repository.PathHistory(repo, path: rel).firstParentChanges(from: head)
      for (id, blob) in changed.reversed() {
        let info = try repo.commitInfo(id)
        if let blob, let value = try? JSONParser.parse(try repo.blob(blob)).value {
          versions.append((info, value))
        } else {
          versions.append((info, .null))
        }
      }
      var last: [String: (JSONValue, Repository.CommitInfo)] = [:]
      for (info, value) in versions {
        var current: [String: (JSONValue, Repository.CommitInfo)] = [:]
        for (field, leaf) in RecordDiff.leaves(value) {
          if let seen = last[field], seen.0 == leaf {
            current[field] = seen
          } else {
            current[field] = (leaf, info)
          }
        }
        last = current
      }
      let onDisk = (try? FileSystem.read(path(rel))).flatMap { try? JSONParser.parse($0).value }
      let fields =
        onDisk.map { RecordDiff.leaves($0) }
        ?? last.map { ($0.key, $0.value.0) }.sorted { $0.0 < $1.0 }
      return fields.map { field, value in
        if let committed = last[field], committed.0 == value {
          return BlameLine(field: field, value: value, commit: committed.1)
        }
        return BlameLine(field: field, value: value, commit: nil)
      }
    } catch {
      throw WorkspaceError("git.blame", "cannot read the history of \(rel)", cause: error)
    }
  }
}
