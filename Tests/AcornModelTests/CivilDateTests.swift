import AcornModel
import Foundation
import Testing

/// Calendar days and RFC 3339 times, the one date module every other module uses (sync, sandbox,
/// SP-API client, alerts). Checked against Foundation's ISO 8601 formatter as an independent oracle.
@Suite("CivilDate")
struct CivilDateTests {
  @Test("days exist only when the calendar has them")
  func days() {
    #expect(CivilDate.day("1970-01-01") == 0)
    #expect(CivilDate.day("2024-02-29") == 19_782)
    #expect(CivilDate.day("2025-02-29") == nil)
    #expect(CivilDate.day("2026-02-30") == nil)
    #expect(CivilDate.day("2000-02-29") != nil)
    #expect(CivilDate.day("1900-02-29") == nil)
    #expect(CivilDate.day("2026-1-01") == nil)
    #expect(CivilDate.day("2026-13-01") == nil)
    #expect(CivilDate.day("1969-12-31") == -1)
    for day in stride(from: -719_000, through: 2_900_000, by: 997) {  // years 0001…9909
      #expect(CivilDate.day(CivilDate.string(day)) == day)
    }
  }

  @Test("timestamps and seconds agree with Foundation's ISO 8601 formatter")
  func timestamps() {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime]
    formatter.timeZone = TimeZone(identifier: "UTC")
    var generator = SystemRandomNumberGenerator()
    var samples = [0, -1, 86_399, 86_400, -86_400, -86_401, 951_782_400, 4_102_444_799]
    for _ in 0..<500 {
      samples.append(Int.random(in: -2_000_000_000...4_000_000_000, using: &generator))
    }
    for seconds in samples {
      let text = CivilDate.timestamp(seconds)
      #expect(text == formatter.string(from: Date(timeIntervalSince1970: Double(seconds))))
      #expect(CivilDate.seconds(text) == seconds)
    }
  }

  @Test("offsets are applied, fractions dropped, malformed times refused")
  func offsets() {
    #expect(
      CivilDate.seconds("2026-11-30T08:00:00+08:00") == CivilDate.seconds("2026-11-30T00:00:00Z"))
    #expect(
      CivilDate.seconds("2026-11-29T19:00:00-05:00") == CivilDate.seconds("2026-11-30T00:00:00Z"))
    #expect(
      CivilDate.seconds("2026-11-30T00:00:00.999Z") == CivilDate.seconds("2026-11-30T00:00:00Z"))
    #expect(CivilDate.seconds("2026-11-30t00:00:00z") == CivilDate.seconds("2026-11-30T00:00:00Z"))
    for bad in [
      "2026-11-30", "2026-11-30T24:00:00Z", "2026-02-30T00:00:00Z", "2026-11-30T00:00:00",
      "2026-11-30T00:00:00+0800", "2026-11-30T00:00Z", "2026-11-30T00:00:00.Z",
    ] {
      #expect(CivilDate.seconds(bad) == nil, "\(bad)")
    }
  }
}
