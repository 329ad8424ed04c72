import Foundation

/// `.acorn/lock`: one writer at a time. The lock is an exclusive `flock(2)` on the file, held for
/// as long as the descriptor is open: the kernel releases it when the holder exits or is killed,
/// so there is no stale lock to take over and no race between two waiters that both find a dead
/// holder. The file itself is never removed (removing it would let a second writer lock a new
/// file while the first still holds the old one); it holds the holder's pid, for messages only.
/// A second writer waits up to `timeout`, then fails with a message naming the holder.
public final class WorkspaceLock {
  public let path: String
  private var fd: Int32 = -1

  init(path: String) { self.path = path }

  /// Acquires the lock of `workspace`, polling until `timeout` seconds have passed.
  public static func acquire(_ workspace: Workspace, timeout: Double = 3) throws(WorkspaceError)
    -> WorkspaceLock
  {
    let folder = workspace.path(".acorn")
    try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let lock = WorkspaceLock(path: folder + "/lock")
    let fd = open(lock.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    guard fd >= 0 else {
      let code = errno
      throw WorkspaceError(
        "workspace.lock",
        "cannot open \(lock.path): \(String(cString: strerror(code))) (errno \(code))")
    }
    let deadline = Date().addingTimeInterval(timeout)
    while flock(fd, LOCK_EX | LOCK_NB) != 0 {
      let code = errno
      guard code == EWOULDBLOCK || code == EINTR else {
        close(fd)
        throw WorkspaceError(
          "workspace.lock",
          "cannot lock \(lock.path): \(String(cString: strerror(code))) (errno \(code))")
      }
      if Date() >= deadline {
        let holder = (try? FileSystem.read(lock.path)).map {
          String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        close(fd)
        throw WorkspaceError(
          "workspace.locked",
          "another acorn process\(holder.map { $0.isEmpty ? "" : " (pid \($0))" } ?? "") is writing to this workspace; try again when it has finished"
        )
      }
      usleep(20_000)
    }
    lock.fd = fd
    // The holder's pid, for the message another writer shows; the lock is the flock, not this.
    let text = "\(getpid())\n"
    _ = ftruncate(fd, 0)
    _ = text.withCString { pwrite(fd, $0, strlen($0), 0) }
    // What a killed writer left: temporary files and a killed fetch's ref locks are removed, and
    // a fast-forward or a merge killed while writing its files is finished, before anything
    // else changes.
    FileSystem.removeStrayTemporaries(under: workspace.root)
    workspace.removeFetchLeftovers()
    do {
      try workspace.completeInterruptedFastForward()
      workspace.clearConcludedMerge()
      try workspace.completeInterruptedMerge()
      try workspace.refreshStaleReconciliation()
    } catch {
      lock.release()
      throw error
    }
    return lock
  }

  public func release() {
    guard fd >= 0 else { return }
    _ = ftruncate(fd, 0)
    flock(fd, LOCK_UN)
    close(fd)
    fd = -1
  }

  deinit { release() }
}
