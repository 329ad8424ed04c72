import AcornModel
import Foundation
import Synchronization
import Testing

@Suite("Parallel")
struct ParallelTests {
  /// Three threads that each wait for the other two: only side by side do they all arrive.
  final class Rendezvous: Sendable {
    let arrived = Atomic<Int>(0)
    let parties: Int
    init(_ parties: Int) { self.parties = parties }

    /// Arrives and waits (up to ten seconds) for the others; true when all arrived.
    func meet() -> Bool {
      arrived.add(1, ordering: .sequentiallyConsistent)
      let deadline = Date().addingTimeInterval(10)
      while arrived.load(ordering: .sequentiallyConsistent) < parties {
        if Date() > deadline { return false }
        usleep(1_000)
      }
      return true
    }
  }

  @Test("both nests: a pair inside a pair runs side by side with the outer second side")
  func bothNests() {
    let meeting = Rendezvous(3)
    let (inner, outer) = Parallel.both {
      Parallel.both {
        meeting.meet()
      } _: {
        meeting.meet()
      }
    } _: {
      meeting.meet()
    }
    #expect(inner.0 && inner.1 && outer)
  }

  @Test("both returns each side's result, whatever finishes first")
  func bothResults() {
    let (a, b) = Parallel.both { () -> [Int] in
      usleep(20_000)
      return Array(0..<1000)
    } _: {
      "second"
    }
    #expect(a == Array(0..<1000))
    #expect(b == "second")
  }

  @Test("start runs its work beside the caller's; value waits for it, and reads again")
  func startRunsBeside() {
    let meeting = Rendezvous(2)
    let started = Parallel.start { meeting.meet() }
    // Only if the started work runs while this thread waits do both arrive.
    #expect(meeting.meet())
    #expect(started.value)
    #expect(started.value)
    let slow = Parallel.start { () -> [Int] in
      usleep(20_000)
      return Array(0..<10)
    }
    #expect(slow.value == Array(0..<10))
  }

  @Test(
    "start lets its work go before value returns: a closure made from a non-escaping one is no longer held (withoutActuallyEscaping's check)"
  )
  func startLetsGo() {
    for _ in 0..<50 {
      let gone = Weak()
      do {
        let token = Token()
        gone.object = token
        let started = Parallel.start { [token] in token.id >= 0 }
        #expect(started.value)
      }
      // The thread may still be ending; what it ran must already be let go.
      #expect(gone.object == nil)
    }
    // The way CanonicalJSON hands its output on: this traps if the closure is still held.
    var out: [Int] = []
    let append: (Int) -> Void = { out.append($0) }
    for i in 0..<50 {
      withoutActuallyEscaping(append) { append in
        let box = Box(append)
        let (_, _) = Parallel.both {
          ()
        } _: {
          box.call(i)
        }
      }
    }
    #expect(out == Array(0..<50))
  }

  final class Token: Sendable { let id = 1 }
  final class Weak: @unchecked Sendable { weak var object: Token? }
  struct Box: @unchecked Sendable {
    let call: (Int) -> Void
    init(_ call: @escaping (Int) -> Void) { self.call = call }
  }

  /// Counts the instances alive, so a test sees every element destroyed exactly once.
  final class Tracked: Sendable {
    static let alive = Atomic<Int>(0)
    let value: Int
    init(_ value: Int) {
      self.value = value
      Self.alive.add(1, ordering: .sequentiallyConsistent)
    }
    deinit { Self.alive.subtract(1, ordering: .sequentiallyConsistent) }
  }

  @Test("array: every part fills its own range in place; the result is one pass's array")
  func arrayInOrder() {
    for count in [0, 1, 4_095, 4_096, 10_001] {
      let (elements, results) = Parallel.array(count) { range, put in
        for i in range { put(i * 3) }
        return range.count
      }
      #expect(elements == (0..<count).map { $0 * 3 })
      #expect(results.reduce(0, +) == count)
    }
  }

  @Test("array: a part stopping short gives nil and destroys what the parts had put")
  func arrayStopsShort() {
    let before = Tracked.alive.load(ordering: .sequentiallyConsistent)
    do {
      let (elements, results) = Parallel.array(20_000) { range, put -> String? in
        for i in range {
          if i == 15_000 { return "stopped at \(i)" }
          put(Tracked(i))
        }
        return nil
      }
      #expect(elements == nil)
      #expect(results.compactMap { $0 } == ["stopped at 15000"])
    }
    #expect(Tracked.alive.load(ordering: .sequentiallyConsistent) == before)
    do {
      let (elements, _) = Parallel.array(20_000) { range, put in
        for i in range { put(Tracked(i)) }
      }
      #expect(elements?.map(\.value) == Array(0..<20_000))
    }
    #expect(Tracked.alive.load(ordering: .sequentiallyConsistent) == before)
  }
}

@Suite("Parallel.release")
struct ParallelReleaseTests {
  /// Signals when it is destroyed, saying whether that was on the thread that made it.
  final class Marker: @unchecked Sendable {
    let done: DispatchSemaphore
    let maker = pthread_self()
    let onMaker: UnsafeMutablePointer<Bool>
    init(_ done: DispatchSemaphore, _ onMaker: UnsafeMutablePointer<Bool>) {
      self.done = done
      self.onMaker = onMaker
    }
    deinit {
      onMaker.pointee = pthread_equal(maker, pthread_self()) != 0
      done.signal()
    }
  }

  @Test("a value handed to release is destroyed, on a thread other than the caller's")
  func destroyedElsewhere() {
    let done = DispatchSemaphore(value: 0)
    let onMaker = UnsafeMutablePointer<Bool>.allocate(capacity: 1)
    defer { onMaker.deallocate() }
    onMaker.pointee = true
    Parallel.release([Marker(done, onMaker)])
    #expect(done.wait(timeout: .now() + 10) == .success)
    #expect(onMaker.pointee == false)
  }
}
