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

  @Test("acorn --version names the commit the binary was built from")
  func version() throws {
    let version = try CLI.run(["--version"], in: Self.root)
    #expect(version.status == 0)
    let match = version.stdout.firstMatch(of: /^0\.1\.0 \(commit ([0-9a-f]{12})(-dirty)?\)\n$/)
    #expect(match != nil, "\(version.stdout)")
    // The stamp is a commit of this repository's history: HEAD in CI, which builds a clean
    // checkout; an ancestor of HEAD when the binary was built before the latest commit.
    if let match {
      let full = try HistoryCLITests.gitRun(
        ["rev-parse", "--verify", "-q", "\(match.1)^{commit}"], in: Self.root)
      #expect(full.count == 41, "\(match.1) is not a commit here")
      let log = try HistoryCLITests.gitRun(["log", "--format=%H"], in: Self.root)
      #expect(log.contains(String(full.dropLast())), "\(match.1) is not in HEAD's history")
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

extension CLIDocsTests {
  @Test("the guides and quickstarts use only commands and options the binary has")
  func guidesCommandsExist() throws {
    let commands = Set(try Self.commands())
    var helps: [String: String] = [:]
    var checked = 0
    for file in ["docs/guides.md", "docs/quickstart.md", "docs/outbound.md", "README.md"] {
      let text = try String(contentsOfFile: Self.root + "/" + file, encoding: .utf8)
      var inCode = false
      for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
        let line = raw.trimmingCharacters(in: .whitespaces)
        if line.hasPrefix("```") {
          inCode.toggle()
          continue
        }
        guard inCode else { continue }
        let code = line.hasPrefix("#") ? String(line.drop { $0 == "#" || $0 == " " }) : line
        guard code.hasPrefix("acorn ") else { continue }
        let words =
          code.split(separator: "#").first.map { $0.split(separator: " ").map(String.init) } ?? []
        guard words.count > 1 else { continue }
        let command = words[1]
        #expect(commands.contains(command), "\(file): acorn \(command) is no command")
        // Subcommands (draft ack, sandbox serve) have their own options.
        var path = [command]
        if words.count > 2, ["draft", "sandbox"].contains(command) { path.append(words[2]) }
        let key = path.joined(separator: " ")
        if helps[key] == nil { helps[key] = try CLI.run(path + ["--help"], in: Self.root).stdout }
        let help = helps[key] ?? ""
        for w in words where w.hasPrefix("--") {
          let option = String(w.split(separator: "=").first ?? "")
          #expect(help.contains(option), "\(file): acorn \(key) has no option \(option)")
          checked += 1
        }
      }
    }
    #expect(checked > 20)
  }
}
