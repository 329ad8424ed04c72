import Foundation

/// Kill points: the places in Acorn's durable steps — a file renamed into place, a file removed,
/// a git object or reference written, the git index written, a checkout, an index transaction
/// committed — where the crash harness (`reliability/crash`) stops the process dead, to prove a
/// kill at any of them leaves the workspace valid and a rerun converges.
///
/// Off unless the environment asks; then:
/// - `ACORN_KILL_AT=N`: the process sends itself SIGKILL when it reaches the Nth kill point
///   (counting from 1), exactly as an outside `kill -9` would stop it there;
/// - `ACORN_KILL_TRACE=FILE`: every kill point reached is appended to FILE (`N label`), so the
///   harness knows how many points a command passes and what they are.
///
/// The checks are on the real code paths: no step exists for the tests' sake. With neither
/// variable set, `reached` is one load of a constant and a branch.
public enum KillPoint {
  struct Settings: Sendable {
    var killAt: Int?
    var trace: String?
  }

  static let settings: Settings? = {
    let env = ProcessInfo.processInfo.environment
    let killAt = env["ACORN_KILL_AT"].flatMap(Int.init)
    let trace = env["ACORN_KILL_TRACE"].flatMap { $0.isEmpty ? nil : $0 }
    return killAt == nil && trace == nil ? nil : Settings(killAt: killAt, trace: trace)
  }()

  private static let counter = Counter()

  final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func next() -> Int {
      lock.lock()
      defer { lock.unlock() }
      value += 1
      return value
    }
  }

  /// Marks a kill point. `label` names the step (`rename`, `git-ref`, …) for the trace.
  @inline(__always)
  public static func reached(_ label: StaticString) {
    guard let settings else { return }
    hit(label, settings)
  }

  private static func hit(_ label: StaticString, _ settings: Settings) {
    let n = counter.next()
    if let trace = settings.trace {
      let line = Array("\(n) \(label)\n".utf8)
      let fd = open(trace, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
      if fd >= 0 {
        _ = line.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
        close(fd)
      }
    }
    if n == settings.killAt {
      kill(getpid(), SIGKILL)
    }
  }
}
