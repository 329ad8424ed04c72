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

  /// An array of `count` elements made in parts side by side, each part putting the elements
  /// of its own range in order, in place — no part's array is copied into the whole. `body`
  /// returns what else its part found; `elements` is nil when a part stopped short of its
  /// range (its results say why), and what was put is then destroyed.
  public static func array<T, R>(
    _ count: Int, minimum: Int = 4_096,
    _ body: @Sendable (_ range: Range<Int>, _ put: (T) -> Void) -> R
  ) -> (elements: [T]?, results: [R]) {
    var results: [R] = []
    var complete = false
    let elements = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
      let base = Slots(pointer: buffer.baseAddress)
      let made = parts(count, minimum: minimum) { range -> (R, range: Range<Int>, done: Int) in
        var next = range.lowerBound
        let result = body(range) { value in
          precondition(next < range.upperBound, "one element for each index of the range")
          guard let pointer = base.pointer else { return }
          (pointer + next).initialize(to: value)
          next += 1
        }
        return (result, range, next)
      }
      results = made.map(\.0)
      complete = made.allSatisfy { $0.done == $0.range.upperBound }
      if complete {
        initialized = count
      } else {
        for part in made where part.done > part.range.lowerBound {
          if let start = base.pointer {
            (start + part.range.lowerBound).deinitialize(count: part.done - part.range.lowerBound)
          }
        }
        initialized = 0
      }
    }
    return (complete ? elements : nil, results)
  }

  /// The start of an array's storage, handed to the parts that fill it (each its own range).
  struct Slots<T>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<T>?
  }

  /// `map` with the parts side by side.
  public static func map<E: Sendable, T>(
    _ items: [E], minimum: Int = 4_096, _ transform: @Sendable (E) -> T
  ) -> [T] {
    parts(items.count, minimum: minimum) { range in items[range].map(transform) }.flatMap { $0 }
  }

  /// Runs `a` on the caller's thread and `b` on a thread of its own, side by side, and returns
  /// both results. A thread rather than the dispatch pool: `both` nests (one side may call
  /// `both` or `parts` again), and the pool, already as wide as the cores, ran a nested pair one
  /// after the other.
  public static func both<A, B>(
    _ a: @Sendable () -> A, _ b: @escaping @Sendable () -> B
  ) -> (A, B) {
    let second = start(b)
    let first = a()
    return (first, second.value)
  }

  /// Work started on a thread of its own, for the caller to take its result later (`value`)
  /// while it does something else that cannot move to another thread (a database connection's
  /// work, say). The result must be taken: `value` waits for the thread.
  public final class Started<T>: @unchecked Sendable {
    private var result: T?
    private let done = DispatchSemaphore(value: 0)

    init(_ work: @escaping @Sendable () -> T) {
      let box = WorkBox(work)
      let thread = Thread { [self] in
        // The work is let go before the waiter is woken: a closure made from a non-escaping
        // one (`withoutActuallyEscaping`, as `CanonicalJSON` hands its output on) must not be
        // held when the waiter's block ends — the thread, still ending, had held it, and the
        // check that it did not escape failed now and then (a trap in the tests).
        var work = box.take()
        result = work?()
        work = nil
        done.signal()
      }
      thread.stackSize = 8 << 20
      thread.start()
    }

    /// The work's result, once it is done (each reader waits, then lets the next one through).
    public var value: T {
      done.wait()
      defer { done.signal() }
      guard let result else { preconditionFailure("the thread ran to its end") }
      return result
    }
  }

  /// A closure handed to a thread once: taken out (and then dropped) by the thread itself.
  final class WorkBox<T>: @unchecked Sendable {
    private var work: (@Sendable () -> T)?
    init(_ work: @escaping @Sendable () -> T) { self.work = work }
    func take() -> (@Sendable () -> T)? {
      defer { work = nil }
      return work
    }
  }

  /// Destroys `value` on a thread of its own: freeing a large structure (a hundred thousand
  /// ledgers, their strings and arrays) one allocation at a time is work the caller need not
  /// wait for — and a process that ends first leaves it to the exit.
  public static func release<T>(_ value: consuming T) {
    let box = Unmanaged.passRetained(Held(value))
    let thread = Thread { box.release() }
    thread.stackSize = 1 << 20
    thread.start()
  }

  final class Held<T>: @unchecked Sendable {
    let value: T
    init(_ value: consuming T) { self.value = value }
  }

  /// Starts `work` on a thread of its own; its result is `value` of what is returned.
  public static func start<T>(_ work: @escaping @Sendable () -> T) -> Started<T> {
    Started(work)
  }

  /// Each slot is written by one worker only and read after all of them are done.
  final class Results<T>: @unchecked Sendable {
    var values: [T?]
    init(_ n: Int) { values = Array(repeating: nil, count: n) }
    func set(_ i: Int, _ value: T) { values[i] = value }
  }
}
