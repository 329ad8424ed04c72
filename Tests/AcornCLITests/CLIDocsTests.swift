import Foundation
import Testing

/// docs/cli.md is the reference people read; these keep it true to the binary.
@Suite("docs/cli.md and shell completion")
struct CLIDocsTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().path

  /// The commands `acorn --help` lists.
  static func commands() throws -> [String] {
    let help = try CLI.run(["--help"], in: root).stdout
    let part = try #require(help.components(separatedBy: "SUBCOMMANDS:").last)
    return part.split(separator: "\n").compactMap { line in
      guard line.hasPrefix("  "), !line.hasPrefix("   ") else { return nil }
      guard let name = line.split(separator: " ").first.map(String.init),
        name.allSatisfy({ $0.isLowercase || $0 == "-" })
      else { return nil }
      return name
    }
  }

  @Test("every command of acorn --help has a section in docs/cli.md naming each of its options")
  func everyOptionDocumented() throws {
    let doc = try String(contentsOfFile: Self.root + "/docs/cli.md", encoding: .utf8)
    let sections = doc.components(separatedBy: "\n## ")
    let commands = try Self.commands()
    #expect(commands.contains("serve") && commands.contains("report") && commands.count > 25)
    for command in commands {
      let mine = sections.filter {
        $0.hasPrefix("`")
          && ($0.contains("`acorn \(command) ") || $0.contains("`acorn \(command)`"))
      }
      #expect(!mine.isEmpty, "docs/cli.md has no section for acorn \(command)")
      let text = mine.joined(separator: "\n")
      let help = try CLI.run([command, "--help"], in: Self.root).stdout
      let options = help.components(separatedBy: "OPTIONS:").last ?? ""
      for line in options.split(separator: "\n") where line.hasPrefix("  -") {
        // "  -m, --message <message>": one of its names must be in the section (-C/--workspace,
        // --help and --version are documented once, at the top).
        let names = line.split(separator: " ").map {
          String($0).trimmingCharacters(in: CharacterSet(charactersIn: ","))
        }.filter { $0.hasPrefix("-") }
        if names.contains(where: { ["--workspace", "--help", "--version"].contains($0) }) {
          continue
        }
        #expect(
          names.contains { text.contains($0) },
          "docs/cli.md's section for acorn \(command) does not mention \(names.joined(separator: "/"))"
        )
      }
    }
  }

  @Test("completion scripts for bash, zsh and fish name every command; bash's parses")
  func completion() throws {
    let commands = try Self.commands()
    for shell in ["bash", "zsh", "fish"] {
      let r = try CLI.run(["--generate-completion-script", shell], in: Self.root)
      #expect(r.status == 0)
      for command in commands where !command.hasSuffix("-driver") {
        #expect(r.stdout.contains(command), "\(shell) completion lacks \(command)")
      }
      if shell == "bash" {
        let (status, output) = try Tools.run(["bash", "-n"], stdin: Array(r.stdout.utf8))
        #expect(status == 0, "\(output)")
      }
    }
  }
}
