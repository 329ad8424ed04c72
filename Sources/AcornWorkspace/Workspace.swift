import AcornGit
import AcornModel
import Foundation

/// A workspace folder: settings, rules, schemas and records in a git repository.
public struct Workspace: Sendable {
  /// Absolute path of the workspace root, without a trailing `/`.
  public let root: String
  /// Where long operations (validate, index, merge, reconcile) report how far they are; nil for
  /// none. Copies of the workspace (a sync's engine, say) report to the same place.
  public var progress: ProgressHandler?

  public static let settingsFile = "acorn.yaml"

  /// Opens the workspace at `path`; fails when it has no `acorn.yaml`.
  /// The workspace at `path` or, as git does, the nearest folder above it that is one — so every
  /// command works from any subfolder of a workspace.
  public init(at path: String) throws(WorkspaceError) {
    let absolute = Workspace.absolute(path)
    guard FileSystem.isDirectory(absolute) else {
      throw WorkspaceError("workspace.missing", "\(path) does not exist or is not a folder")
    }
    var candidate = absolute
    while !FileSystem.exists(candidate + "/" + Self.settingsFile) {
      let parent = (candidate as NSString).deletingLastPathComponent
      guard parent != candidate, !parent.isEmpty else {
        throw WorkspaceError(
          "workspace.not-a-workspace",
          "\(path) is not in an Acorn workspace (no \(Self.settingsFile) there or in any folder above); create one with `acorn init`"
        )
      }
      candidate = parent
    }
    root = candidate
  }

  static func absolute(_ path: String) -> String {
    let url = URL(
      fileURLWithPath: path,
      relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
    var p = url.standardizedFileURL.path
    while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
    return p
  }

  public func path(_ relative: String) -> String { root + "/" + relative }

  /// The full path to write `relative` at, refused when a folder on the way is a symbolic link
  /// (which could lead outside the workspace).
  func writablePath(_ relative: String) throws(FileSystemError) -> String {
    if let link = FileSystem.passesThroughLink(root: root, relative: relative) {
      throw FileSystemError(
        operation:
          "refusing to write through the symbolic link \(link) (it may lead outside the workspace): write",
        path: relative, errno: ELOOP)
    }
    return path(relative)
  }

  /// Who a commit is by: `ACORN_AUTHOR_NAME`/`ACORN_AUTHOR_EMAIL`, else git config, else the
  /// login name at `localhost`.
  public static func author(
    environment: [String: String], configured: (name: String, email: String)?, now: Date
  ) -> Signature {
    let fallbackUser = environment["USER"] ?? environment["LOGNAME"] ?? "acorn"
    let name = environment["ACORN_AUTHOR_NAME"] ?? configured?.name ?? fallbackUser
    let email =
      environment["ACORN_AUTHOR_EMAIL"] ?? configured?.email ?? "\(fallbackUser)@localhost"
    return Signature(
      name: name, email: email, time: Int64(now.timeIntervalSince1970.rounded(.down)))
  }
}

/// Creating a workspace from the template.
extension Workspace {
  public struct InitOptions: Sendable {
    public var vendorCodes: [String]
    public var marketplaces: [Marketplace]

    public init(vendorCodes: [String] = [], marketplaces: [Marketplace] = []) {
      self.vendorCodes = vendorCodes
      self.marketplaces = marketplaces
    }
  }

  /// The template files with the options applied to `acorn.yaml`; no options, no change.
  public static func templateFiles(_ options: InitOptions) -> [(path: String, content: String)] {
    TemplateFiles.all.map { file in
      guard file.path == settingsFile else { return file }
      var lines = file.content.split(separator: "\n", omittingEmptySubsequences: false).map(
        String.init)
      for (i, line) in lines.enumerated() {
        if line.hasPrefix("vendorCodes:") && !options.vendorCodes.isEmpty {
          lines[i] = "vendorCodes: [\(options.vendorCodes.joined(separator: ", "))]"
        }
        if line.hasPrefix("marketplaces:") && !options.marketplaces.isEmpty {
          lines[i] = "marketplaces: [\(options.marketplaces.map(\.code).joined(separator: ", "))]"
        }
      }
      return (file.path, lines.joined(separator: "\n"))
    }
  }

  /// Creates a workspace at `path`: the template's files, a git repository on `main` and a first
  /// commit holding exactly those files. Refuses a folder that already has files in it; on
  /// failure removes what it created.
  @discardableResult
  public static func initialize(
    at path: String, options: InitOptions, author: (Repository) -> Signature
  ) throws(WorkspaceError) -> (workspace: Workspace, commit: ObjectID) {
    let root = absolute(path)
    let fm = FileManager.default
    let existed = FileSystem.exists(root)
    if existed {
      guard FileSystem.isDirectory(root) else {
        throw WorkspaceError("init.exists", "\(path) exists and is not a folder")
      }
      if FileSystem.exists(root + "/" + settingsFile) {
        throw WorkspaceError(
          "init.exists", "\(path) is already an Acorn workspace; refusing to overwrite it")
      }
      let entries = (try? fm.contentsOfDirectory(atPath: root)) ?? []
      if !entries.isEmpty {
        throw WorkspaceError(
          "init.not-empty",
          "\(path) is not empty (\(entries.sorted().prefix(3).joined(separator: ", "))\(entries.count > 3 ? ", …" : "")); choose a new or empty folder"
        )
      }
    }
    func cleanUp() {
      if existed {
        for entry in (try? fm.contentsOfDirectory(atPath: root)) ?? [] {
          try? fm.removeItem(atPath: root + "/" + entry)
        }
      } else {
        try? fm.removeItem(atPath: root)
      }
    }
    do {
      let repo = try Repository.create(at: root, initialBranch: "main")
      var blobs: [String: ObjectID] = [:]
      for file in templateFiles(options) {
        let bytes = Array(file.content.utf8)
        try FileSystem.writeAtomically(bytes, to: root + "/" + file.path)
        blobs[file.path] = try repo.writeBlob(bytes)
      }
      let tree = try repo.writeTree(files: blobs)
      let commit = try repo.commit(
        tree: tree, parents: [], message: "Initialize Acorn workspace\n", author: author(repo))
      try repo.resetIndex(to: tree)
      return (try Workspace(at: root), commit)
    } catch let error as WorkspaceError {
      cleanUp()
      throw error
    } catch {
      cleanUp()
      throw WorkspaceError("init.failed", "could not create the workspace at \(path)", cause: error)
    }
  }
}
