import AcornModel
import Foundation
import Testing

@Suite("Huge pages")
struct HugePagesTests {
  /// The flags of the mapping holding `address`, from `/proc/self/smaps`.
  static func mappingFlags(_ address: UInt) -> [String]? {
    // Read to its end (the file's size says 0, which a whole-file read takes at its word).
    guard let data = FileHandle(forReadingAtPath: "/proc/self/smaps")?.readDataToEndOfFile()
    else { return nil }
    let text = String(decoding: data, as: UTF8.self)
    var inside = false
    for line in text.split(separator: "\n") {
      let fields = line.split(separator: " ", omittingEmptySubsequences: true)
      if let range = fields.first, range.contains("-"), !range.hasSuffix(":") {
        let ends = range.split(separator: "-").compactMap { UInt($0, radix: 16) }
        inside = ends.count == 2 && ends[0] <= address && address < ends[1]
      } else if inside, fields.first == "VmFlags:" {
        return fields.dropFirst().map(String.init)
      }
    }
    return nil
  }

  @Test(
    "room reserved in huge pages is advised as such (the mapping's flags say hg) and holds its elements",
    .enabled(
      if: FileManager.default.fileExists(atPath: "/proc/self/smaps")
        && FileManager.default.fileExists(atPath: "/sys/kernel/mm/transparent_hugepage/enabled"),
      "needs Linux with transparent huge pages")
  )
  func advised() throws {
    var bytes: [UInt8] = [1, 2, 3]
    bytes.reserveCapacityInHugePages(16 << 20)
    #expect(bytes.capacity >= 16 << 20)
    #expect(bytes == [1, 2, 3])
    let middle = bytes.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) + (8 << 20) }
    let flags = try #require(Self.mappingFlags(middle))
    #expect(flags.contains("hg"), "\(flags)")
    bytes.append(contentsOf: [UInt8](repeating: 7, count: 3 << 20))
    #expect(bytes.count == (3 << 20) + 3 && bytes[2_000_000] == 7)
    // Small room is only reserved.
    var small: [Int] = []
    small.reserveCapacityInHugePages(1_000)
    #expect(small.capacity >= 1_000)
  }
}
