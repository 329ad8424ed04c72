import AcornWorkspace
import Foundation

/// The long actions (sync, pull, push, reconcile) run one at a time on their own thread while
/// the browser watches `/jobs/N`: the page lists the progress lines so far and reloads itself every
/// second (a `<meta http-equiv="refresh">`, no script) until the job has ended.
final class Jobs: @unchecked Sendable {
  struct Job {
    var id: Int
    var title: String
    var lines: [String] = []
    var finished = false
    var ok = false
    var result = ""
  }

  /// What a job runs: it reports progress through `note` and returns its summary.
  typealias Work =
    @Sendable (_ note: @escaping @Sendable (String) -> Void) throws(WorkspaceError) ->
    String

  private let lock = NSLock()
  private var jobs: [Int: Job] = [:]
  private var next = 1

  /// Starts `work` unless another job is still running; the job's id, and whether it is the new
  /// one (false: the one still running).
  func start(_ title: String, _ work: @escaping Work) -> (id: Int, started: Bool) {
    let id: Int
    lock.lock()
    if let running = jobs.values.first(where: { !$0.finished }) {
      lock.unlock()
      return (running.id, false)
    }
    id = next
    next += 1
    jobs[id] = Job(id: id, title: title)
    lock.unlock()
    let thread = Thread { [self] in
      let outcome: Result<String, WorkspaceError>
      do throws(WorkspaceError) {
        outcome = .success(try work { line in self.note(id, line) })
      } catch {
        outcome = .failure(error)
      }
      lock.withLock {
        jobs[id]?.finished = true
        switch outcome {
        case .success(let s):
          jobs[id]?.ok = true
          jobs[id]?.result = s
        case .failure(let e):
          jobs[id]?.result = e.message
        }
      }
    }
    thread.start()
    return (id, true)
  }

  func note(_ id: Int, _ line: String) {
    lock.withLock { jobs[id]?.lines.append(line) }
  }

  func job(_ id: Int) -> Job? { lock.withLock { jobs[id] } }
}
