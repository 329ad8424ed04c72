import AcornModel

/// A large vendor's workspace, for benchmarks and load tests: exactly `records` records of the
/// sandbox vendor (every kind, in its proportions) over the two years before `asOf`, in several
/// marketplaces. Pure and deterministic: the same (records, seed, marketplaces, asOf) give the same
/// records.
///
/// The volume is the sandbox vendor's drawn `volume` times a day, chosen so the marketplaces
/// together make a little more than asked; each marketplace is then thinned evenly to its share
/// (a few percent of documents dropped here and there, so some payment lines find no invoice — as
/// in a real account with a gap in its history).
public struct SandboxGenerator: Sendable {
  public let records: Int
  public let marketplaces: [Marketplace]
  public let vendor: SandboxVendor
  public let start: Int
  public let asOf: Int
  /// Each marketplace's share of `records`, in the order of `marketplaces`.
  public let quotas: [Int]

  /// The default marketplaces: where a cross-border brand sells most.
  public static let defaultMarketplaces = ["US", "UK", "DE", "FR", "CA", "JP"].compactMap {
    Marketplace($0)
  }

  public init(
    records: Int, seed: UInt64, marketplaces: [Marketplace] = SandboxGenerator.defaultMarketplaces,
    asOf: Int, days: Int = 730
  ) {
    let records = max(0, records)
    let marketplaces = marketplaces.isEmpty ? Self.defaultMarketplaces : marketplaces
    func counts(_ vendor: SandboxVendor, _ start: Int) -> [Int] {
      marketplaces.map { vendor.records(marketplace: $0, start: start, asOf: asOf).count }
    }
    var start = asOf - days + 1
    var small = counts(SandboxVendor(seed: seed), start)
    var total = max(1, small.reduce(0, +))
    var volume = 1
    // 5 % more than asked, so thinning (never padding) makes the count exact.
    let wanted = records + (records * 5 + 99) / 100
    if wanted < total {
      // Fewer days; the first weeks make fewer records (nothing is paid yet), so widen until
      // there are enough.
      var span = max(30, days * wanted / total)
      while true {
        start = asOf - span + 1
        small = counts(SandboxVendor(seed: seed), start)
        total = max(1, small.reduce(0, +))
        if total >= wanted || span >= days { break }
        span = min(days, span * 3 / 2)
      }
    } else {
      // Orders and returns grow with the volume; the weekly payments and their fees do not: a
      // count at volume 2 gives the growth per unit of volume.
      // A count at volume 2 gives the growth per unit of volume; for a large volume, one at
      // volume 8 gives it again with a seventh of the noise (each slot is a random draw).
      let one = small
      var step = 1
      var more = counts(SandboxVendor(seed: seed, volume: 2), start)
      var growth = max(1, more.reduce(0, +) - total)
      volume = 1 + max(0, (wanted - total + growth - 1) / growth)
      if volume > 8 {
        step = 7
        more = counts(SandboxVendor(seed: seed, volume: 8), start)
        growth = max(1, (more.reduce(0, +) - total) / step)
        volume = 1 + max(0, (wanted - total + growth - 1) / growth)
      }
      small = zip(one, more).map { o, m in o + (volume - 1) * (m - o) / step }
      total = max(1, small.reduce(0, +))
    }
    var quotas = small.map { records * $0 / total }
    var rest = records - quotas.reduce(0, +)
    var i = 0
    while rest > 0 && !quotas.isEmpty {
      quotas[i % quotas.count] += 1
      rest -= 1
      i += 1
    }
    self.records = records
    self.marketplaces = marketplaces
    self.vendor = SandboxVendor(seed: seed, volume: volume)
    self.start = start
    self.asOf = asOf
    self.quotas = quotas
  }

  /// One batch of records per marketplace, made when asked for: only one marketplace's records
  /// are in memory at a time. A marketplace that drew fewer than its share passes the shortfall
  /// on to the next.
  public func batches() -> some Sequence<[Record]> {
    AnySequence { () -> AnyIterator<[Record]> in
      var index = 0
      var carry = 0
      return AnyIterator { () -> [Record]? in
        guard index < marketplaces.count else { return nil }
        defer { index += 1 }
        let all = vendor.records(marketplace: marketplaces[index], start: start, asOf: asOf)
        let share = quotas[index] + carry
        let keep = min(share, all.count)
        carry = share - keep
        guard keep < all.count else { return all }
        // Evenly spread: the j-th kept record is the ⌊j·n/keep⌋-th drawn.
        return (0..<keep).map { all[$0 * all.count / keep] }
      }
    }
  }
}
