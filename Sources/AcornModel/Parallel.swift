import Foundation

/// Work over a large array split in contiguous parts, one per core, run side by side; results
/// come back in order, so the outcome is the same as one pass. Small inputs run in one part on
/// the caller's thread.
public enum Parallel {
  /// Runs `body` on each part of `0..<count` and returns its results in the parts' order.
  public static func parts<T>(
    _ count: Int, minimum: Int = 4_096, _ body: @Sendable (Range<Int>) -> T
  ) -> [T] {
    let n = count < minimum ? 1 : max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))
    if n == 1 { return [body(0..<count)] }
    let results = Results<T>(n)
    DispatchQueue.concurrentPerform(iterations: n) { part in
      results.set(part, body((count * part / n)..<(count * (part + 1) / n)))
    }
    return results.values.compactMap { $0 }
  }

  /// `map` with the parts side by side.
  public static func map<E: Sendable, T>(
    _ items: [E], minimum: Int = 4_096, _ transform: @Sendable (E) -> T
  ) -> [T] {
    parts(items.count, minimum: minimum) { range in items[range].map(transform) }.flatMap { $0 }
  }

  /// Runs `a` and `b` side by side (one on the caller's thread) and returns both results.
  public static func both<A, B>(_ a: @Sendable () -> A, _ b: @Sendable () -> B) -> (A, B) {
    let first = Results<A>(1)
    let second = Results<B>(1)
    DispatchQueue.concurrentPerform(iterations: 2) { i in
      if i == 0 { first.set(0, a()) } else { second.set(0, b()) }
    }
    guard let a = first.values[0], let b = second.values[0] else {
      preconditionFailure("concurrentPerform ran every iteration")
    }
    return (a, b)
  }

  /// Each slot is written by one worker only and read after all of them are done.
  final class Results<T>: @unchecked Sendable {
    var values: [T?]
    init(_ n: Int) { values = Array(repeating: nil, count: n) }
    func set(_ i: Int, _ value: T) { values[i] = value }
  }
}
