import AcornModel
import AcornWorkspace
import ArgumentParser
import Foundation

struct DiffDriverCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "diff-driver",
    abstract: "Print a record as field: value lines (git's textconv for diff=acorn).",
    discussion:
      "Set up by acorn init / acorn clone: git config diff.acorn.textconv \"acorn diff-driver\".",
    shouldDisplay: false)

  @Argument(help: "The file git hands over.")
  var file: String

  func run() throws {
    let bytes: [UInt8]
    do { bytes = try readFile(file) } catch {
      throw WorkspaceError("diff-driver.read", "cannot read \(file)", cause: error)
    }
    guard let value = try? JSONParser.parse(bytes).value else {
      Terminal.outBytes(bytes)  // not a record: show it as it is
      return
    }
    for line in RecordText.lines(value) { Terminal.out(line) }
  }
}
