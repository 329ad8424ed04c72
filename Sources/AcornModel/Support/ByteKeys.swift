#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Sort keys as bytes in one buffer: each key appended once (its parts joined by whatever the
/// caller appends between them), then the keys' order found by comparing bytes in place — what
/// `memcmp` order (SQLite's `BINARY` collation, `CanonicalJSON.keyPrecedes`) gives, without a
/// string per key or a retain per comparison.
public struct ByteKeys {
  var bytes: [UInt8] = []
  var bounds: [Int] = [0]

  public init(capacity: Int = 0, bytesPerKey: Int = 32) {
    bytes.reserveCapacity(capacity * bytesPerKey)
    bounds.reserveCapacity(capacity + 1)
  }

  public var count: Int { bounds.count - 1 }

  /// Appends to the key being made.
  public mutating func append(_ s: String) { bytes.append(contentsOf: s.utf8) }
  public mutating func append(_ byte: UInt8) { bytes.append(byte) }
  public mutating func append(_ b: UnsafeBufferPointer<UInt8>) { bytes.append(contentsOf: b) }

  /// Ends the key being made; the next append starts another.
  public mutating func end() { bounds.append(bytes.count) }

  /// The bytes of the key being made (since the last `end`).
  public var current: ArraySlice<UInt8> { bytes[bounds[bounds.count - 1]...] }

  /// The keys' indices in their bytes' order, equal keys in the order they were made.
  public func sortedIndices() -> [Int] {
    bytes.withUnsafeBufferPointer { b in
      bounds.withUnsafeBufferPointer { at in
        guard let base = b.baseAddress else { return Array(0..<count) }  // every key empty
        return (0..<count).sorted { i, j in
          Self.precedes(base, at[i], at[i + 1], at[j], at[j + 1])
        }
      }
    }
  }

  /// Whether the bytes `a..<aEnd` come before `b..<bEnd` (a prefix before what extends it): by
  /// `memcmp` (keys share long prefixes — marketplace, month, code — that an element-by-element
  /// comparison walked a byte at a time).
  @inline(__always)
  static func precedes(_ base: UnsafePointer<UInt8>, _ a: Int, _ aEnd: Int, _ b: Int, _ bEnd: Int)
    -> Bool
  {
    let (n, m) = (aEnd - a, bEnd - b)
    let c = memcmp(base + a, base + b, min(n, m))
    return c < 0 || (c == 0 && n < m)
  }

  /// Whether the keys are already in order (each no greater than the next).
  public func inOrder() -> Bool {
    bytes.withUnsafeBufferPointer { b in
      bounds.withUnsafeBufferPointer { at in
        guard let base = b.baseAddress else { return true }
        for k in stride(from: 1, to: count, by: 1)
        where Self.precedes(base, at[k], at[k + 1], at[k - 1], at[k]) {
          return false
        }
        return true
      }
    }
  }
}

extension Array {
  /// Rearranges the elements so that position `k` holds the element that was at `order[k]`
  /// (`order` a permutation of the indices): each cycle followed by swaps, so the elements
  /// are moved, never copied (a copy of a view retains every string it holds).
  public mutating func permute(by order: [Int]) {
    precondition(order.count == count, "one position for each element")
    var done = [Bool](repeating: false, count: count)
    withUnsafeMutableBufferPointer { all in
      for i in all.indices where !done[i] {
        var j = i
        while true {
          done[j] = true
          let k = order[j]
          if k == i { break }
          all.swapAt(j, k)
          j = k
        }
      }
    }
  }
}
