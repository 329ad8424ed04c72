import AcornModel
import AcornWorkspace
import ArgumentParser
import Foundation

struct ValidateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "validate",
    abstract: "Check settings, rules, schemas and every record; report all findings at once.",
    discussion: """
      Exit 0 when no errors (warnings are shown), 1 when there are findings of severity error \
      (or any finding with --strict), 2 when the workspace cannot be used.
      """)

  enum Format: String, ExpressibleByArgument, CaseIterable {
    case text, json, github
  }

  @Argument(help: "Workspace folder (default: the current folder, or -C).")
  var path: String?

  @OptionGroup var workspaceOptions: WorkspaceOptions

  @Flag(help: "Same as --format json: one document {\"findings\": [...]}.")
  var json = false

  @Option(help: "Output: text, json, or github (workflow annotations ::error file=…,line=…::…).")
  var format: Format = .text

  @Flag(help: "Fail (exit 1) on warnings too.")
  var strict = false

  @Option(
    help:
      "Also check the policy over history: REV..REV, all, or new (the commits since the last clean run)."
  )
  var history: String?

  @Flag(help: "Check only what is staged for the next git commit (the pre-commit hook).")
  var staged = false

  func run() throws {
    var workspace = try Workspace(at: path ?? workspaceOptions.workspace)
    workspace.progress = Terminal.ProgressLine.onTerminal()?.handler
    var findings =
      staged
      ? try workspace.validateStaged(
        indexFile: ProcessInfo.processInfo.environment["GIT_INDEX_FILE"])
      : workspace.validate()
    if let history {
      let (found, commits) = try workspace.validateHistory(history)
      findings += found
      if format == .text && !json {
        Terminal.errorLine("history: \(commits) commit\(commits == 1 ? "" : "s") checked")
      }
    }
    switch json ? .json : format {
    case .json:
      Terminal.outBytes(
        CanonicalJSON.bytes(.object(["findings": .array(findings.map(FindingRendering.json))])))
    case .github:
      for finding in findings { Terminal.out(FindingRendering.github(finding)) }
      Terminal.out(FindingRendering.summary(findings, files: workspace.recordFiles().count))
    case .text:
      for finding in findings { Terminal.out(FindingRendering.text(finding)) }
      Terminal.out(FindingRendering.summary(findings, files: workspace.recordFiles().count))
    }
    let failing = findings.contains { $0.severity == .error || strict }
    if failing { throw ExitCode(1) }
  }
}

/// How findings look on a terminal, in JSON and as GitHub workflow annotations.
enum FindingRendering {
  static func text(_ f: Finding) -> String {
    let place = [f.file, f.line.map(String.init)].compactMap { $0 }.joined(separator: ":")
    let severity = Terminal.paint(f.severity.rawValue, f.severity == .error ? .red : .yellow)
    let path = f.path.map { " \($0):" } ?? ""
    return "\(place.isEmpty ? "" : place + ": ")\(severity)[\(f.code)]\(path) \(f.message)"
  }

  static func json(_ f: Finding) -> JSONValue {
    var o: [String: JSONValue] = [
      "code": .string(f.code), "severity": .string(f.severity.rawValue),
      "message": .string(f.message),
    ]
    if let file = f.file { o["file"] = .string(file) }
    if let line = f.line { o["line"] = .number(DecimalNumber(line)) }
    if let path = f.path { o["path"] = .string(path) }
    return .object(o)
  }

  /// `::error file=F,line=L,title=CODE::MESSAGE`, escaped as the workflow-command format requires.
  static func github(_ f: Finding) -> String {
    func data(_ s: String) -> String {
      s.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\r", with: "%0D")
        .replacingOccurrences(of: "\n", with: "%0A")
    }
    func property(_ s: String) -> String {
      data(s).replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: ",", with: "%2C")
    }
    var props: [String] = []
    if let file = f.file { props.append("file=\(property(file))") }
    if let line = f.line { props.append("line=\(line)") }
    props.append("title=\(property(f.code))")
    let message = (f.path.map { "\($0): " } ?? "") + f.message
    return
      "::\(f.severity == .error ? "error" : "warning") \(props.joined(separator: ","))::\(data(message))"
  }

  static func summary(_ findings: [Finding], files: Int) -> String {
    let errors = findings.filter { $0.severity == .error }.count
    let warnings = findings.count - errors
    if findings.isEmpty { return "ok: \(files) record file\(files == 1 ? "" : "s"), no findings" }
    return
      "\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s") (\(files) record file\(files == 1 ? "" : "s"))"
  }
}
