import AcornGit
import AcornModel
import AcornWorkspace
import Foundation

/// Shared renderings of changes, commits and times, as text, JSON and Markdown.
enum Render {
  static func time(_ s: Signature) -> String {
    let date = Date(timeIntervalSince1970: TimeInterval(s.time))
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(secondsFromGMT: Int(s.offsetMinutes) * 60)
    formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ssxxx"
    return formatter.string(from: date)
  }

  static func json(_ change: FieldChange) -> JSONValue {
    var o: [String: JSONValue] = ["field": .string(change.field)]
    if let old = change.old { o["old"] = old }
    if let new = change.new { o["new"] = new }
    return .object(o)
  }

  static func json(_ change: RecordChange) -> JSONValue {
    var o: [String: JSONValue] = [
      "id": .string(change.id), "path": .string(change.path),
      "change": .string(change.change.rawValue),
      "fields": .array(change.fields.map(json)),
    ]
    if let kind = change.kind { o["kind"] = .string(kind) }
    if let m = change.marketplace { o["marketplace"] = .string(m) }
    return .object(o)
  }

  static func json(_ diff: WorkspaceDiff) -> JSONValue {
    .object([
      "records": .array(diff.records.map(json)),
      "files": .array(
        diff.files.map {
          var o: [String: JSONValue] = [
            "path": .string($0.path), "change": .string($0.change.rawValue),
          ]
          if !$0.sentences.isEmpty { o["sentences"] = .array($0.sentences.map(JSONValue.string)) }
          return .object(o)
        }),
    ])
  }

  static func json(_ info: Repository.CommitInfo) -> [String: JSONValue] {
    [
      "commit": .string(info.id.hex), "author": .string(info.author.name),
      "email": .string(info.author.email),
      "time": .string(time(info.author)),
      "message": .string(info.message.trimmingCharacters(in: .newlines)),
    ]
  }

  static func heading(_ change: RecordChange) -> String {
    let what = [change.kind, change.marketplace].compactMap { $0 }.joined(separator: ", ")
    return "\(change.id)\(what.isEmpty ? "" : " (\(what))") \(change.change.rawValue)"
  }

  /// Text lines for a diff: modified records field by field; added and deleted ones in a line.
  static func text(_ diff: WorkspaceDiff, indent: String = "", allFields: Bool = false) -> [String]
  {
    var out: [String] = []
    for change in diff.records {
      out.append(indent + Terminal.paint(heading(change), .bold))
      if change.change == .modified || allFields {
        for f in change.fields { out.append(indent + "  " + f.text) }
      } else {
        out.append(
          indent
            + "  \(change.fields.count) field\(change.fields.count == 1 ? "" : "s")  \(Terminal.paint(change.path, .dim))"
        )
      }
    }
    for file in diff.files {
      out.append(indent + "\(file.path) \(file.change.rawValue)")
      for s in file.sentences { out.append(indent + "  " + s) }
    }
    return out
  }

  static func summary(_ diff: WorkspaceDiff) -> String {
    let counts = Dictionary(grouping: diff.records, by: \.change).mapValues(\.count)
    let parts = [RecordChange.Change.added, .modified, .deleted].compactMap { c in
      counts[c].map { "\($0) \(c.rawValue)" }
    }
    let fields = diff.records.reduce(0) { $0 + $1.fields.count }
    let records = diff.records.count
    var text = "\(records) record\(records == 1 ? "" : "s") changed"
    if !parts.isEmpty { text += " (\(parts.joined(separator: ", ")))" }
    text += ", \(fields) field\(fields == 1 ? "" : "s")"
    if !diff.files.isEmpty {
      text += ", \(diff.files.count) other file\(diff.files.count == 1 ? "" : "s")"
    }
    return text
  }

  static func markdownCell(_ s: String) -> String {
    s.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
  }

  /// A Markdown report fit for a pull-request comment.
  static func markdown(_ diff: WorkspaceDiff, title: String) -> String {
    var out = ["### \(title)", "", summary(diff), ""]
    for change in diff.records {
      let what = [change.kind, change.marketplace].compactMap { $0 }.joined(separator: " · ")
      out.append("#### `\(change.id)` · \(what) · \(change.change.rawValue)")
      out.append("")
      out.append("| field | before | after |")
      out.append("|---|---|---|")
      for f in change.fields {
        let before = f.old.map { markdownCell(RecordText.value($0)) } ?? ""
        let after = f.new.map { markdownCell(RecordText.value($0)) } ?? ""
        out.append("| `\(f.field)` | \(before) | \(after) |")
      }
      out.append("")
    }
    for file in diff.files where !file.sentences.isEmpty {
      out.append("#### Reconciliation `\(file.path)` · \(file.change.rawValue)")
      out.append("")
      for s in file.sentences { out.append("- " + markdownCell(s)) }
      out.append("")
    }
    let others = diff.files.filter { $0.sentences.isEmpty }
    if !others.isEmpty {
      out.append(
        "Other files: "
          + others.map { "`\($0.path)` (\($0.change.rawValue))" }.joined(separator: ", "))
    }
    return out.joined(separator: "\n")
  }
}

/// The author of commits this process makes.
enum Author {
  static func signature(_ workspace: Workspace) -> Signature {
    let configured = (try? workspace.repository())?.configuredIdentity()
    return Workspace.author(
      environment: ProcessInfo.processInfo.environment, configured: configured, now: Date())
  }

  /// The running acorn, for git's driver configuration.
  static var executable: String { Bundle.main.executablePath ?? CommandLine.arguments[0] }
}

/// A file's bytes, for the git drivers (which git hands paths of temporary files).
func readFile(_ path: String) throws -> [UInt8] {
  guard let handle = FileHandle(forReadingAtPath: path) else {
    throw WorkspaceError(
      "driver.unreadable",
      "cannot read \(path): \(String(cString: strerror(errno))) (errno \(errno))")
  }
  defer { try? handle.close() }
  return [UInt8](handle.readDataToEndOfFile())
}
