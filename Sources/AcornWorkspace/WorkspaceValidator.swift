import AcornGit
import AcornModel
import Foundation

/// `acorn validate`: every check over the whole workspace, all findings at once.
///
/// Settings and rules parse and match their schemas; lifecycles are acyclic; every record file
/// parses, matches its kind's schema, sits at the path its id, kind, marketplace and date imply,
/// has the id its key implies, obeys the invariants, uses only lifecycle states, carries no open
/// conflicts; no file holds credentials.
extension Workspace {
  /// Settings files and the schema each must match.
  static let settingsFiles: [(file: String, schema: String)] = [
    ("acorn.yaml", "acorn.schema.json"),
    ("team.yaml", "team.schema.json"),
    ("rules/lifecycles.yaml", "lifecycles.schema.json"),
    ("rules/deadlines.yaml", "deadlines.schema.json"),
    ("rules/accounts.yaml", "accounts.schema.json"),
    ("rules/reconcile.yaml", "reconcile.schema.json"),
    ("rules/alerts.yaml", "alerts.schema.json"),
  ]

  /// Settings files a workspace may lack (defaults apply).
  static let optionalSettings: Set<String> = ["rules/reconcile.yaml", "rules/alerts.yaml"]

  public static let schemasFolder = "schemas"

  /// Loads `schemas/*.schema.json`; unreadable schema files, and schemas that use what the
  /// validator does not implement, malformed keyword values or looping references, become
  /// error findings with file, line and JSON path.
  func loadSchemas(into findings: inout [Finding]) -> JSONSchemaSet {
    var schemas: [String: JSONValue] = [:]
    var files: [String: [UInt8]] = [:]
    let folder = path(Self.schemasFolder)
    for name in FileSystem.files(under: folder) where name.hasSuffix(".schema.json") {
      let rel = Self.schemasFolder + "/" + name
      do {
        // Without the line of every value (a map of every path, hashed): a schema's lines are
        // looked up only for its problems, from the file parsed again.
        let bytes = try FileSystem.read(folder + "/" + name)
        schemas[name] = try JSONParser.parse(bytes).value
        files[name] = bytes
      } catch let error as JSONParseError {
        findings.append(
          Finding(code: "json.syntax", file: rel, line: error.line, message: error.message))
      } catch {
        findings.append(
          Finding(code: "schema.unreadable", file: rel, message: "cannot read the schema: \(error)")
        )
      }
    }
    let set = JSONSchemaSet(schemas: schemas)
    var parsedFiles: [String: JSONParser.Parsed] = [:]
    for problem in set.problems {
      if parsedFiles[problem.file] == nil, let bytes = files[problem.file] {
        parsedFiles[problem.file] = try? JSONParser.parse(bytes, recordLines: true)
      }
      findings.append(
        Finding(
          code: problem.code, file: Self.schemasFolder + "/" + problem.file,
          line: parsedFiles[problem.file]?.line(of: problem.path),
          path: problem.path == .root ? nil : problem.path.description, message: problem.message))
    }
    return set
  }

  /// The settings, schemas and lifecycles every command that changes records relies on.
  public struct Rules: Sendable {
    public var settings: JSONValue
    public var schemas: JSONSchemaSet
    public var lifecycles: LifecycleSet
    public var team: Team = Team(members: [])
    public var fieldRoles: FieldRoles = FieldRoles(json: .object([:]))
  }

  /// Loads settings (`acorn.yaml`), schemas and `rules/lifecycles.yaml` and fails closed: when
  /// any does not parse, does not match its schema, or uses what Acorn does not implement, the
  /// command must not run on a guess (exit 2, with the findings and `acorn validate` to see all).
  public func rules() throws(WorkspaceError) -> Rules {
    var findings: [Finding] = []
    let schemas = loadSchemas(into: &findings)
    let settings = loadSetting(Self.settingsFile, schema: "acorn.schema.json", schemas, &findings)
    let lifecycleJSON = loadSetting(
      "rules/lifecycles.yaml", schema: "lifecycles.schema.json", schemas, &findings)
    var lifecycles: LifecycleSet?
    if let lifecycleJSON {
      lifecycles = LifecycleSet(json: lifecycleJSON)
      if lifecycles == nil {
        findings.append(
          Finding(
            code: "lifecycle.structure", file: "rules/lifecycles.yaml",
            message: "does not describe lifecycles (see workspace-template/rules/lifecycles.yaml)"))
      }
      for lifecycle in lifecycles?.lifecycles.values.sorted(by: { $0.name < $1.name }) ?? [] {
        for problem in lifecycle.problems() {
          findings.append(
            Finding(
              code: "lifecycle.structure", file: "rules/lifecycles.yaml",
              path: "lifecycles.\(lifecycle.name)", message: problem))
        }
      }
    }
    let team = loadSetting("team.yaml", schema: "team.schema.json", schemas, &findings)
    let errors = findings.filter { $0.severity == .error }.sorted()
    guard errors.isEmpty, let settings, let lifecycles, let lifecycleJSON else {
      throw Self.rulesError(errors)
    }
    return Rules(
      settings: settings, schemas: schemas, lifecycles: lifecycles,
      team: team.map(Team.init(json:)) ?? Team(members: []),
      fieldRoles: FieldRoles(json: lifecycleJSON))
  }

  static func rulesError(_ errors: [Finding]) -> WorkspaceError {
    let shown = errors.prefix(8).map { f in
      "\(f.file ?? "")\(f.line.map { ":\($0)" } ?? "")\(f.path.map { " \($0)" } ?? ""): \(f.message) [\(f.code)]"
    }
    return WorkspaceError(
      "workspace.rules",
      "refusing to run: the workspace's settings, rules or schemas do not load, and Acorn will not guess what they mean\n  "
        + shown.joined(separator: "\n  ") + (errors.count > 8 ? "\n  …" : "")
        + "\n  fix them (acorn validate lists every finding) and run the command again")
  }

  /// One settings file parsed and checked against its schema (unchecked when `schemas` is
  /// nil); nil (with findings) when it does not load.
  func loadSetting(
    _ file: String, schema: String, _ schemas: JSONSchemaSet?, _ findings: inout [Finding]
  ) -> JSONValue? {
    guard let bytes = try? FileSystem.read(path(file)) else {
      findings.append(
        Finding(
          code: "settings.missing", file: file,
          message: "\(file) is missing or unreadable; every workspace needs it"))
      return nil
    }
    guard let text = String(validating: bytes, as: UTF8.self) else {
      findings.append(
        Finding(code: "settings.encoding", file: file, message: "\(file) is not UTF-8 text"))
      return nil
    }
    let parsed: JSONParser.Parsed
    do { parsed = try YAMLDocument.parse(text) } catch {
      findings.append(
        Finding(code: "yaml.syntax", file: file, line: error.line, message: error.message))
      return nil
    }
    // Without schemas, read unchecked (a caller that knows these bytes were checked before).
    guard let schemas else { return parsed.value }
    let problems = schemaFindings(parsed, schemas: schemas, schemaName: schema, file: file)
    findings += problems
    return problems.contains { $0.severity == .error } ? nil : parsed.value
  }

  /// `acorn.yaml` as JSON; refuses (exit 2) when it is missing, malformed or off its schema.
  public func settings() throws(WorkspaceError) -> JSONValue {
    var findings: [Finding] = []
    let schemas = loadSchemas(into: &findings)
    guard
      let value = loadSetting(Self.settingsFile, schema: "acorn.schema.json", schemas, &findings)
    else {
      throw Self.rulesError(findings.filter { $0.severity == .error }.sorted())
    }
    return value
  }

  public func validate() -> [Finding] { validate(only: nil) }

  /// `validate()` with the record files limited to `only` (what a commit changes): the others
  /// are what HEAD holds, so only their ids (from their file names) are taken, for the
  /// duplicate-id check; settings, rules and the workspace-wide checks run in full. Credentials
  /// are looked for in the files of `only` alone.
  public func validate(only: Set<String>?) -> [Finding] {
    var findings: [Finding] = []
    let schemas = loadSchemas(into: &findings)
    if FileSystem.exists(mergeWritingPath) {
      findings.append(
        Finding(
          code: "merge.interrupted", file: ".git/ACORN_MERGE_TREE",
          message:
            "a merge was interrupted while writing its files; the next acorn command that changes the workspace (e.g. acorn commit) finishes them"
        ))
    }

    // Settings and rules.
    var settings: [String: JSONValue] = [:]
    for (file, schemaName) in Self.settingsFiles {
      guard FileSystem.exists(path(file)) else {
        // Added after the first workspaces were made: optional, its defaults apply.
        if Self.optionalSettings.contains(file) { continue }
        findings.append(
          Finding(
            code: "settings.missing", file: file,
            message: "\(file) is missing; every workspace needs it (see workspace-template/)"))
        continue
      }
      guard let bytes = try? FileSystem.read(path(file)),
        let text = String(validating: bytes, as: UTF8.self)
      else {
        findings.append(
          Finding(code: "settings.encoding", file: file, message: "\(file) is not UTF-8 text"))
        continue
      }
      let parsed: JSONParser.Parsed
      do {
        parsed = try YAMLDocument.parse(text)
      } catch {
        findings.append(
          Finding(code: "yaml.syntax", file: file, line: error.line, message: error.message))
        continue
      }
      settings[file] = parsed.value
      findings += schemaFindings(parsed, schemas: schemas, schemaName: schemaName, file: file)
    }
    var lifecycleSet: LifecycleSet?
    if let json = settings["rules/lifecycles.yaml"], let set = LifecycleSet(json: json) {
      lifecycleSet = set
      for lifecycle in set.lifecycles.values.sorted(by: { $0.name < $1.name }) {
        for problem in lifecycle.problems() {
          findings.append(
            Finding(
              code: problem.contains("cycle") ? "lifecycle.cycle" : "lifecycle.structure",
              file: "rules/lifecycles.yaml", path: "lifecycles.\(lifecycle.name)", message: problem)
          )
        }
      }
    }
    let configured = Set(
      (settings["acorn.yaml"]?["marketplaces"]?.arrayValue ?? []).compactMap(\.stringValue))

    // Records.
    let vendorCodes = Set(
      (settings["acorn.yaml"]?["vendorCodes"]?.arrayValue ?? []).compactMap(\.stringValue))
    var unlistedMarkets: [String: (count: Int, first: String)] = [:]
    var unlistedVendors: [String: (count: Int, first: String)] = [:]
    var idFiles: [String: String] = [:]
    var folded = FoldedPaths()
    let files = recordFiles()
    // Each file is read, parsed and checked on every core, in parts; what depends on the other
    // files (duplicate ids, case collisions, the settings' tallies) is settled after, in file
    // order, so the findings are those of one pass.
    let lifecycles = lifecycleSet
    let checked = Self.checkInParts(files, only: only, progress: progress) { rel in
      let seen = SeenValue()
      let bytes: [UInt8]
      do { bytes = try FileSystem.read(self.path(rel)) } catch {
        return (
          [Finding(code: "record.unreadable", file: rel, message: "cannot read: \(error)")], seen
        )
      }
      var noIDs: [String: String] = [:]
      var out = self.validateRecord(
        bytes: bytes, at: rel, schemas: schemas, lifecycles: lifecycles,
        marketplaces: configured, ids: &noIDs, seen: seen)
      for hit in CredentialScanner.scan(bytes) {
        out.append(
          Finding(
            code: hit.code, file: rel, line: hit.line, message: "\(hit.masked): \(hit.message)"))
      }
      // Only what the checks across files need is kept, not the record's value.
      seen.vendorCodes = seen.value.map(Self.vendorCodes) ?? []
      seen.value = nil
      return (out, seen)
    }
    if let only {
      // The files not checked stand for their ids by name (HEAD was checked); only the ids of
      // the files checked can be duplicates now, so only those are kept (at a million files,
      // every name's id was most of a commit's memory).
      let checkedIDs = Set(checked.lazy.compactMap { $0?.1.id })
      for rel in files where !only.contains(rel) && rel.hasSuffix(".json") {
        let name = String((rel.split(separator: "/").last ?? "").dropLast(5))
        if let id = RecordFileName.decode(name), checkedIDs.contains(id), idFiles[id] == nil {
          idFiles[id] = rel
        }
      }
    }
    for (k, (rel, result)) in zip(files, checked).enumerated() {
      if let other = folded.first(files, k) {
        findings.append(
          Finding(
            code: "record.case-collision", file: rel,
            message:
              "differs from \(other) only by case; the two would be one file on macOS and Windows"))
      }
      guard rel.hasSuffix(".json") else {
        findings.append(
          Finding(
            code: "workspace.stray-file", severity: .warning, file: rel,
            message: "not a record file (records/ holds only <id>.json files)"))
        continue
      }
      guard let (fileFindings, seen) = result else { continue }
      findings += fileFindings
      if let id = seen.id {
        if let other = idFiles[id] {
          findings.append(
            Finding(
              code: "record.duplicate-id", file: rel, line: seen.idLine, path: "id",
              message: "id \(id) is also used by \(other)"))
        } else {
          idFiles[id] = rel
        }
      }
      // Settings the records disagree with: one warning each, not one per file.
      let market = rel.split(separator: "/").dropFirst().first.map(String.init) ?? ""
      if !configured.isEmpty, !market.isEmpty, !configured.contains(market) {
        unlistedMarkets[market, default: (0, rel)].count += 1
      }
      if !vendorCodes.isEmpty {
        for code in seen.vendorCodes where !vendorCodes.contains(code) {
          unlistedVendors[code, default: (0, rel)].count += 1
        }
      }
    }
    for (market, seen) in unlistedMarkets.sorted(by: { $0.key < $1.key }) {
      findings.append(
        Finding(
          code: "settings.marketplace", severity: .warning, file: seen.first,
          message:
            "\(seen.count) record\(seen.count == 1 ? "" : "s") in marketplace \(market), which acorn.yaml does not list (marketplaces: [\(configured.sorted().joined(separator: ", "))]); add it there, or remove the records"
        ))
    }
    for (code, seen) in unlistedVendors.sorted(by: { $0.key < $1.key }) {
      findings.append(
        Finding(
          code: "settings.vendor-code", severity: .warning, file: seen.first,
          message:
            "\(seen.count) record\(seen.count == 1 ? "" : "s") name vendor code \(code), which acorn.yaml does not list (vendorCodes: [\(vendorCodes.sorted().joined(separator: ", "))]); add it there if it is yours"
        ))
    }

    if FileSystem.exists(reconciliationStalePath) {
      findings.append(
        Finding(
          code: "reconciliation.stale", severity: .warning, file: Self.reconciliationFolder,
          message:
            "a merge outside acorn kept one side of the reconciliation files; the next acorn command that writes (or acorn reconcile) recomputes them"
        ))
    }
    // What a plain git merge or rebase left behind.
    if let leftovers = try? gitLeftovers() {
      for rel in leftovers.unmerged {
        findings.append(
          Finding(
            code: "git.unmerged", file: rel,
            message:
              "git left this file unmerged (\(leftovers.operation ?? "merge") in progress); \(GitLeftovers.fix)"
          ))
      }
      for (rel, line) in leftovers.markers where !rel.hasPrefix(Self.recordsFolder + "/") {
        findings.append(
          Finding(
            code: "git.conflict-markers", file: rel, line: line,
            message: "holds git conflict markers; \(GitLeftovers.fix)"))
      }
    }

    // A workspace holds regular files only: a symbolic link can lead outside it (and git would
    // commit the link, not the record behind it); a socket or pipe is no data.
    for entry in FileSystem.irregularEntries(under: root, skipping: [".git", ".acorn"]) {
      findings.append(
        Finding(
          code: "workspace.not-regular-file", file: entry.path,
          message: entry.linkTarget.map {
            "is a symbolic link (to \($0)); a workspace holds regular files only, so it is neither read nor written through — replace it with the file or folder it points to"
          } ?? "is not a regular file (a socket, pipe or device); remove it"))
    }
    // Credentials anywhere in the working tree.
    // (Record files were scanned as they were checked.)
    for rel in FileSystem.files(under: root, skipping: [".git", ".acorn"])
    where !rel.hasPrefix(Self.recordsFolder + "/") || !rel.hasSuffix(".json") {
      guard let bytes = try? FileSystem.read(path(rel)) else { continue }
      for hit in CredentialScanner.scan(bytes) {
        findings.append(
          Finding(
            code: hit.code, file: rel, line: hit.line, message: "\(hit.masked): \(hit.message)"))
      }
    }
    // Open conflicts block a protected branch (acorn.yaml protectedBranches); elsewhere they warn.
    let protected = Set(
      (settings["acorn.yaml"]?["protectedBranches"]?.arrayValue ?? []).compactMap(\.stringValue))
    let branch = (try? repository())?.currentBranchName()
    if let branch, !protected.contains(branch) {
      findings = findings.map { f in
        var f = f
        if f.code == "conflict.open" {
          f.severity = .warning
          f.message += " (branch \(branch) is not protected)"
        }
        return f
      }
    }
    return findings.sorted()
  }

  /// The vendor codes a record names: `source.vendorCode`, `source.sellingParty.partyId`,
  /// `source.vendorCodes`.
  static func vendorCodes(in record: JSONValue) -> [String] {
    let source = record["source"]
    var out: [String] = []
    if let c = source?["vendorCode"]?.stringValue { out.append(c) }
    if let c = source?["sellingParty"]?["partyId"]?.stringValue { out.append(c) }
    out += (source?["vendorCodes"]?.arrayValue ?? []).compactMap(\.stringValue)
    return out
  }

  func schemaFindings(
    _ parsed: JSONParser.Parsed, schemas: JSONSchemaSet, schemaName: String, file: String
  ) -> [Finding] {
    do {
      return try schemas.validate(parsed.value, against: schemaName).map { v in
        Finding(
          code: "schema.\(v.keyword)", file: file, line: parsed.line(of: v.path),
          path: v.path.description, message: v.message)
      }
    } catch .referenceCycle {
      // Reported once, at the schema (schema.ref-cycle); not again for every file it would check.
      return []
    } catch {
      return [
        Finding(
          code: "schema.unavailable", file: file,
          message: "cannot check against \(schemaName): \(error)")
      ]
    }
  }

  /// The parsed record a check saw, for checks across files (no second parse).
  /// What a record file's check saw, for the checks across files: its value (dropped once its
  /// vendor codes are taken), its id and the line of its `id`.
  final class SeenValue: @unchecked Sendable {
    var value: JSONValue?
    var id: String?
    var idLine: Int?
    var vendorCodes: [String] = []
  }

  /// `check` of every file to be validated (`.json` files, those in `only` when given) on every
  /// core, in parts of consecutive files; nil for the others. Results in `files`' order.
  /// The first of the files whose paths differ only by case, found by the lowercased path's
  /// hash (a word per file, not a second copy of every path): a hash shared by different paths
  /// is settled by the paths themselves.
  struct FoldedPaths {
    var byHash: [Int: Int] = [:]
    var sharedHash: [String: String] = [:]

    /// The earlier file `files[k]` differs from only by case, or nil (then it is the first).
    mutating func first(_ files: [String], _ k: Int) -> String? {
      let lower = files[k].lowercased()
      let hash = lower.hashValue
      guard let earlier = byHash[hash] else {
        byHash[hash] = k
        return nil
      }
      if files[earlier].lowercased() == lower { return files[earlier] }
      if let other = sharedHash[lower] { return other }
      sharedHash[lower] = files[k]
      return nil
    }
  }

  static func checkInParts(
    _ files: [String], only: Set<String>?, progress: ProgressHandler?,
    _ check: @Sendable (String) -> ([Finding], SeenValue)
  ) -> [([Finding], SeenValue)?] {
    let done = Counter()
    progress?(ProgressReport("validating", done: 0, of: files.count))
    return Parallel.parts(files.count, minimum: 512) { range in
      var out: [([Finding], SeenValue)?] = []
      out.reserveCapacity(range.count)
      for rel in files[range] {
        if rel.hasSuffix(".json") && (only?.contains(rel) ?? true) {
          out.append(check(rel))
        } else {
          out.append(nil)
        }
        let n = done.add(1)
        if n % 256 == 0 { progress?(ProgressReport("validating", done: n, of: files.count)) }
      }
      return out
    }.flatMap { $0 }
  }

  /// Every check `acorn validate` makes of a record that is about to be written (by an import,
  /// say), as if stored where it belongs; `ids` collects ids across calls to find duplicates.
  public func check(_ record: Record, rules: Rules, ids: inout [String: String]) -> [Finding] {
    let rel = (try? record.expectedPath().relativePath) ?? "records/?/\(record.id ?? "?").json"
    let configured = Set(
      (rules.settings["marketplaces"]?.arrayValue ?? []).compactMap(\.stringValue))
    return validateRecord(
      bytes: record.canonicalBytes, at: rel, schemas: rules.schemas, lifecycles: rules.lifecycles,
      marketplaces: configured, ids: &ids)
  }

  /// Every check of one record's bytes, as if they were stored at `rel`.
  func validateRecord(
    bytes: [UInt8], at rel: String, schemas: JSONSchemaSet, lifecycles: LifecycleSet?,
    marketplaces: Set<String>, ids: inout [String: String], seen: SeenValue? = nil
  ) -> [Finding] {
    if let line = Self.conflictMarkerLine(bytes) {
      return [
        Finding(
          code: "git.conflict-markers", file: rel, line: line,
          message: "holds git conflict markers; \(GitLeftovers.fix)")
      ]
    }
    let parsed: JSONParser.Parsed
    do { parsed = try JSONParser.parse(bytes, recordLines: true) } catch {
      return [
        Finding(
          code: "json.syntax", file: rel, line: error.line,
          message: "\(error.message) (column \(error.column))")
      ]
    }
    seen?.value = parsed.value
    guard case .object = parsed.value else {
      return [
        Finding(
          code: "record.not-object", file: rel, line: 1,
          message: "a record file holds one JSON object, found \(parsed.value.typeName)")
      ]
    }
    var out: [Finding] = []
    func add(
      _ code: String, _ severity: Finding.Severity = .error, at path: JSONPath, _ message: String
    ) {
      out.append(
        Finding(
          code: code, severity: severity, file: rel, line: parsed.line(of: path),
          path: path == .root ? nil : path.description, message: message))
    }
    let record = Record(json: parsed.value)
    let folderKind = rel.split(separator: "/").dropFirst(2).first.map(String.init)
    let kind = record.kind ?? folderKind.flatMap(RecordKind.init(rawValue:))
    guard let kind else {
      add(
        "record.kind", at: JSONPath([.key("kind")]),
        "unknown or missing kind; cannot choose a schema")
      return out
    }
    let schemaFindings = schemaFindings(
      parsed, schemas: schemas, schemaName: kind.schemaFileName, file: rel)
    out += schemaFindings

    // Placement and identity.
    do {
      let expected = try record.expectedPath()
      if expected.relativePath != rel {
        add(
          "record.path", at: .root,
          "belongs at \(expected.relativePath) (from its id, kind, marketplace and \(kind.dateField))"
        )
      }
    } catch {
      add(error.code, at: .root, "cannot place the record: \(error)")
    }
    if let id = record.id {
      if let expectedID = record.expectedID, expectedID != id {
        add(
          "record.id", at: JSONPath([.key("id")]),
          "id is \(id) but its kind, marketplace and source.\(kind.keyField) make it \(expectedID)")
      }
      seen?.id = id
      seen?.idLine = parsed.line(of: JSONPath([.key("id")]))
      if let other = ids[id] {
        add("record.duplicate-id", at: JSONPath([.key("id")]), "id \(id) is also used by \(other)")
      } else {
        ids[id] = rel
      }
    }

    // Business invariants, once the shape is right (otherwise they only repeat the schema's words).
    if schemaFindings.isEmpty {
      for issue in Invariants.check(parsed.value, kind: kind) {
        add(issue.code, issue.severity, at: issue.path, issue.message)
      }
    }
    for lifecycle in lifecycles?.applying(to: kind) ?? [] {
      guard let state = parsed.value[lifecycle.field]?.stringValue else { continue }
      if !lifecycle.states.contains(state) {
        add(
          "lifecycle.state", at: lifecycle.field,
          "\"\(state)\" is not a state of the \(lifecycle.name) lifecycle (states: \(lifecycle.states.joined(separator: ", ")))"
        )
      }
    }
    for (k, conflict) in (parsed.value["conflicts"]?.arrayValue ?? []).enumerated() {
      let field = conflict["field"]?.stringValue ?? "?"
      add(
        "conflict.open", at: JSONPath([.key("conflicts"), .index(k)]),
        "open merge conflict on \(field): \(conflict["reason"]?.stringValue ?? "unresolved"); settle it with acorn resolve \(record.id ?? "ID") --field \(field)"
      )
    }
    if out.allSatisfy({ $0.severity == .warning }) && bytes != record.canonicalBytes {
      add(
        "record.noncanonical", .warning, at: .root,
        "not in canonical form (sorted keys, two-space indent, lines in sequence order, final newline); Acorn rewrites it on the next change"
      )
    }
    return out
  }

  /// What the author's roles do not allow in a change of a record's workflow: lifecycle moves
  /// through transitions of other roles, fields reserved to other roles; and, once `team.yaml`
  /// has members, any change by someone who is not one. Empty when allowed.
  func roleProblems(
    id: String, kind: RecordKind, old: JSONValue?, new: JSONValue, author: Signature, rules: Rules
  ) -> [String] {
    guard rules.team.enforcesRoles else { return [] }
    guard let member = rules.team.member(author.email) else {
      return [
        "\(author.email) is not a member in team.yaml, which lists who may change workflow; ask an admin to add you"
      ]
    }
    let mine = member.roles.sorted().joined(separator: ", ")
    var out: [String] = []
    var lifecycleFields: Set<String> = []
    for lifecycle in rules.lifecycles.applying(to: kind) {
      lifecycleFields.insert(lifecycle.field.description)
      let from = old?[lifecycle.field]?.stringValue ?? lifecycle.initial
      guard let to = new[lifecycle.field]?.stringValue, to != from else { continue }
      if !lifecycle.isReachable(from: from, to: to, roles: member.roles, record: new) {
        out.append(
          "moving \(id) \(lifecycle.field) from \(from) to \(to) needs the role \(lifecycle.rolesInto(to, record: new).joined(separator: " or ")) (\(member.email) has \(mine))"
        )
      }
    }
    for change in RecordDiff.changes(from: old ?? .object([:]), to: new)
    where change.field.hasPrefix("workflow.") && !lifecycleFields.contains(change.field) {
      if let needed = rules.fieldRoles.needed(change.field), member.roles.isDisjoint(with: needed) {
        out.append(
          "changing \(id) \(change.field) needs the role \(needed.joined(separator: " or ")) (\(member.email) has \(mine))"
        )
      }
    }
    return out
  }
}
