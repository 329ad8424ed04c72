@_exported import AcornHTTP
import Foundation

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// The clock and sleeper the client waits with: real time in production, virtual in tests.
public protocol SPAPIClock: Sendable {
  func now() -> Double
  func sleep(_ seconds: Double)
}

public struct SystemClock: SPAPIClock {
  public init() {}
  public func now() -> Double { Date().timeIntervalSince1970 }
  public func sleep(_ seconds: Double) {
    if seconds > 0 { usleep(useconds_t(min(seconds, 3600) * 1_000_000)) }
  }
}
