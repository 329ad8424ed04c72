import AcornModel
import Foundation

/// A record file found in the workspace.
public struct RecordEntry: Sendable, Hashable, Codable {
  public var id: String
  public var kind: String
  public var marketplace: String
  /// Path relative to the workspace root.
  public var path: String
}

/// Finding and reading record files under `records/`.
extension Workspace {
  public static let recordsFolder = "records"

  /// Every file under `records/`, relative to the workspace root, sorted.
  public func recordFiles() -> [String] {
    FileSystem.files(under: path(Self.recordsFolder)).map { Self.recordsFolder + "/" + $0 }
  }

  /// Record entries, from their paths alone where the file name decodes to the id (no parsing),
  /// else from the file's `id`. Files that are not records are skipped (`acorn validate` reports them).
  public func listRecords(kind: RecordKind? = nil, marketplace: Marketplace? = nil) -> [RecordEntry]
  {
    var out: [RecordEntry] = []
    // Only the folders the filters name are walked: records/<MKT>/<kind>/<month>/<file>.
    var files: [String]
    if kind == nil && marketplace == nil {
      files = recordFiles()
    } else {
      files = []
      let base = path(Self.recordsFolder)
      for mkt in marketplace.map({ [$0.code] }) ?? FileSystem.names(in: base) {
        let folder = kind.map { "\(mkt)/\($0.rawValue)" } ?? mkt
        files += FileSystem.files(under: base + "/" + folder).map {
          "\(Self.recordsFolder)/\(folder)/\($0)"
        }
      }
    }
    for rel in files {
      // Split by bytes: a path of plain names needs no grapheme breaking.
      let parts = rel.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
      guard parts.count == 5, parts[4].count > 5, parts[4].suffix(5).elementsEqual(".json".utf8)
      else { continue }
      let (mkt, kindName) = (String(Substring(parts[1])), String(Substring(parts[2])))
      let name = String(Substring(parts[4].dropLast(5)))
      if let kind, kind.rawValue != kindName { continue }
      if let marketplace, marketplace.code != mkt { continue }
      var id = RecordFileName.decode(name)
      if id == nil, let bytes = try? FileSystem.read(path(rel)),
        let parsed = try? JSONParser.parse(bytes)
      {
        id = parsed.value["id"]?.stringValue
      }
      guard let id else { continue }
      out.append(RecordEntry(id: id, kind: kindName, marketplace: mkt, path: rel))
    }
    return out.sorted { ($0.kind, $0.marketplace, $0.id) < ($1.kind, $1.marketplace, $1.id) }
  }

  /// Finds a record by id, or by Amazon's key when that is unambiguous (`2JK3S9VC` for
  /// `PO-US-2JK3S9VC`).
  public func findRecord(_ query: String) throws(WorkspaceError) -> RecordEntry {
    if let entry = locate(id: query) { return entry }
    let all = listRecords()
    if let exact = all.first(where: { $0.id == query }) { return exact }
    let byKey = all.filter { entry in
      guard let kind = RecordKind(rawValue: entry.kind) else { return false }
      return entry.id == "\(kind.idPrefix)-\(entry.marketplace)-\(query)"
    }
    if byKey.count == 1 { return byKey[0] }
    if byKey.count > 1 {
      throw WorkspaceError(
        "record.ambiguous",
        "\(query) matches \(byKey.count) records: \(byKey.map(\.id).joined(separator: ", ")); give the full id"
      )
    }
    let caseInsensitive = all.filter { $0.id.lowercased() == query.lowercased() }.map(\.id)
    let hint =
      caseInsensitive.isEmpty
      ? "" : " (ids differ by case: did you mean \(caseInsensitive.joined(separator: ", "))?)"
    throw WorkspaceError("record.not-found", "no record with id \(query)\(hint)")
  }

  /// The record file of `id`, found from the id alone: its kind prefix and marketplace name the
  /// folder (`INV-US-…` → `records/US/invoice/`), so only its month folders are looked into — a
  /// few `lstat`s instead of listing every record. Nil when the id names no kind and marketplace or
  /// no file is there (the caller then searches by key).
  func locate(id: String) -> RecordEntry? {
    let parts = id.split(separator: "-", maxSplits: 2, omittingEmptySubsequences: false)
    guard parts.count == 3,
      let kind = RecordKind.allCases.first(where: { $0.idPrefix == parts[0] }),
      !parts[1].isEmpty, !parts[1].contains("/"), !parts[1].hasPrefix(".")
    else { return nil }
    let folder = "\(Self.recordsFolder)/\(parts[1])/\(kind.rawValue)"
    let name = RecordFileName.encode(id) + ".json"
    for month in FileSystem.names(in: path(folder)) where !month.hasPrefix(".") {
      let rel = "\(folder)/\(month)/\(name)"
      if FileSystem.isRegularFile(path(rel)) {
        return RecordEntry(id: id, kind: kind.rawValue, marketplace: String(parts[1]), path: rel)
      }
    }
    return nil
  }

  /// Reads and parses a record file.
  public func readRecord(_ entry: RecordEntry) throws(WorkspaceError) -> Record {
    do {
      let bytes = try FileSystem.read(path(entry.path))
      if let line = Self.conflictMarkerLine(bytes) {
        throw WorkspaceError(
          "git.conflict-markers",
          "\(entry.path) holds git conflict markers (line \(line)); \(GitLeftovers.fix)")
      }
      return Record(json: try JSONParser.parse(bytes).value)
    } catch let error as WorkspaceError {
      throw error
    } catch let error as JSONParseError {
      throw WorkspaceError("json.syntax", "\(entry.path): \(error)")
    } catch {
      throw WorkspaceError("record.read", "cannot read \(entry.path)", cause: error)
    }
  }
}
