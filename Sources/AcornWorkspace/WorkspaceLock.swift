import Foundation

/// `.acorn/lock`: one writer at a time, like git's `index.lock`. The file holds the owner's pid;
/// a lock whose process is gone is taken over. A second writer waits up to `timeout`, then fails
/// with a message naming the holder.
public final class WorkspaceLock {
  public let path: String
  private var held = false

  init(path: String) { self.path = path }

  /// Acquires the lock of `workspace`, polling until `timeout` seconds have passed.
  public static func acquire(_ workspace: Workspace, timeout: Double = 3) throws(WorkspaceError)
    -> WorkspaceLock
  {
    let folder = workspace.path(".acorn")
    try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let lock = WorkspaceLock(path: folder + "/lock")
    let deadline = Date().addingTimeInterval(timeout)
    while true {
      let fd = open(lock.path, O_CREAT | O_EXCL | O_WRONLY, 0o644)
      if fd >= 0 {
        let text = "\(getpid())\n"
        _ = text.withCString { write(fd, $0, strlen($0)) }
        close(fd)
        lock.held = true
        // A merge killed while writing its files is finished before anything else changes.
        try workspace.completeInterruptedMerge()
        return lock
      }
      let holder = (try? String(contentsOfFile: lock.path, encoding: .utf8))?.trimmingCharacters(
        in: .whitespacesAndNewlines)
      if let holder, let pid = Int32(holder), pid > 0, kill(pid, 0) != 0, errno == ESRCH {
        // The holder died without releasing: take the lock over.
        unlink(lock.path)
        continue
      }
      if Date() >= deadline {
        throw WorkspaceError(
          "workspace.locked",
          "another acorn process\(holder.map { " (pid \($0))" } ?? "") is writing to this workspace; try again when it has finished, or remove \(lock.path) if no acorn is running"
        )
      }
      usleep(50_000)
    }
  }

  public func release() {
    guard held else { return }
    unlink(path)
    held = false
  }

  deinit { release() }
}
