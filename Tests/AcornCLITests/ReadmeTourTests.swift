import Foundation
import Testing

/// Every command of the README's tour, run as printed (from a copy of the repository's examples),
/// in order: none may fail beyond what its comment says (exit 1 where findings are expected).
@Suite("the README's tour")
struct ReadmeTourTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().path

  /// The commands of the first ```sh block after "## A short tour".
  static func tour() throws -> [String] {
    let readme = try String(contentsOfFile: root + "/README.md", encoding: .utf8)
    guard let start = readme.range(of: "## A short tour"),
      let open = readme.range(of: "```sh\n", range: start.upperBound..<readme.endIndex),
      let close = readme.range(of: "```", range: open.upperBound..<readme.endIndex)
    else { return [] }
    return readme[open.upperBound..<close.lowerBound].split(separator: "\n").map(String.init)
      .filter { !$0.hasPrefix("#") && !$0.trimmingCharacters(in: .whitespaces).isEmpty }
  }

  @Test("every command of the tour works as printed", .timeLimit(.minutes(5)))
  func tourRuns() throws {
    let lines = try Self.tour()
    #expect(lines.count > 25)
    let dir = Folder()
    try FileManager.default.copyItem(
      atPath: Self.root + "/examples", toPath: dir.path + "/examples")
    var cwd = dir.path
    var ran = 0
    for line in lines {
      if line.hasPrefix("swift build") || line.hasPrefix("alias ") { continue }
      if line.hasPrefix("cd ") {
        cwd += "/" + line.dropFirst(3).trimmingCharacters(in: .whitespaces)
        continue
      }
      // "acorn …" runs the binary under test; the comment says whether exit 1 is expected.
      let comment = line.range(of: "  # ").map { String(line[$0.upperBound...]) } ?? ""
      let command = line.range(of: "  # ").map { String(line[..<$0.lowerBound]) } ?? line
      let script = "acorn() { \"\(CLI.binary)\" \"$@\"; }\n" + command
      let (status, output) = try Self.sh(script, in: cwd)
      let allowed: Set<Int32> =
        comment.contains("exit 1") || comment.contains("exit 0 clean") ? [0, 1] : [0]
      #expect(allowed.contains(status), "\(command) → exit \(status)\n\(output)")
      ran += 1
    }
    #expect(ran > 25)
    // What the tour claims, checked.
    let ws = dir.path + "/books"
    #expect(FileManager.default.fileExists(atPath: ws + "/report.html"))
    #expect(FileManager.default.fileExists(atPath: ws + "/凭证.xlsx"))
    let (_, remote) = try Self.sh("git rev-parse main", in: dir.path + "/remote.git")
    let (_, head) = try Self.sh("git rev-parse HEAD", in: ws)
    #expect(remote == head)
    let (_, state) = try Self.sh(
      "\"\(CLI.binary)\" query \"SELECT state FROM returns WHERE id = 'RET-US-RUS2608A01'\" --csv",
      in: ws)
    #expect(state.contains("authorized"))
  }

  static func sh(_ script: String, in dir: String) throws -> (Int32, String) {
    try Tools.run(
      ["sh", "-c", script], in: dir,
      environment: [
        "NO_COLOR": "1", "ACORN_AUTHOR_NAME": "Tour", "ACORN_AUTHOR_EMAIL": "tour@example.com",
      ])
  }
}
