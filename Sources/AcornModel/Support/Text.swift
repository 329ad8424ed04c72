extension String {
  /// The string without leading and trailing spaces and tabs (Unicode `Zs`, U+0009 and U+200B:
  /// exactly Foundation's `CharacterSet.whitespaces`), without a trip through `NSString`: importers
  /// call this for every field of every row.
  public func trimmingSpaces() -> String {
    let utf8 = self.utf8
    if let first = utf8.first, let last = utf8.last, first > 0x20, last > 0x20, first < 0x80,
      last < 0x80
    {
      return self  // the common case: nothing to trim
    }
    let scalars = unicodeScalars
    var start = scalars.startIndex
    var end = scalars.endIndex
    while start < end, scalars[start].isSpaceOrTab { start = scalars.index(after: start) }
    while start < end, scalars[scalars.index(before: end)].isSpaceOrTab {
      end = scalars.index(before: end)
    }
    return String(scalars[start..<end])
  }
}

extension String {
  /// Whether `needle`'s UTF-8 bytes occur in the string's (a plain byte search, no locale).
  func containsBytes(_ needle: String) -> Bool {
    let h = Array(utf8)
    let n = Array(needle.utf8)
    guard !n.isEmpty else { return true }
    guard h.count >= n.count else { return false }
    for start in 0...(h.count - n.count) where h[start] == n[0] {
      if h[start..<(start + n.count)].elementsEqual(n) { return true }
    }
    return false
  }
}

extension Unicode.Scalar {
  var isSpaceOrTab: Bool {
    value == 0x09 || value == 0x20 || value == 0x200B
      || (value >= 0x80 && properties.generalCategory == .spaceSeparator)
  }
}
