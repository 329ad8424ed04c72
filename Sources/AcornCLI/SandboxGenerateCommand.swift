import AcornGit
import AcornModel
import AcornSandbox
import AcornWorkspace
import ArgumentParser
import Foundation

struct SandboxGenerateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "generate",
    abstract: "Write a large vendor's workspace: N sandbox records of every kind, committed once.",
    discussion: """
      For benchmarks and load tests. The records are the sandbox vendor's (purchase orders, \
      acknowledgements, shipments, invoices, remittances netting deductions, returns and credit \
      notes) over the two years before --as-of, at the volume that makes exactly N, in several \
      marketplaces; the same options give the same records. PATH must be new, empty, or a \
      workspace without records. The files are written without a flush each (a killed run \
      leaves uncommitted files: start again in a new folder) and committed as one commit whose \
      objects are a packfile per marketplace (or per 100,000 records). --history C then adds C small commits by seven \
      team members, each changing the assignee and follow-up date of one record, for log, blame \
      and validate --history.
      """)

  @Option(help: "How many records.") var records: Int
  @Option(help: "Sandbox seed.") var seed: UInt64 = 42
  @Option(
    name: .customLong("marketplace"),
    help: "Marketplaces (repeatable; default US UK DE FR CA JP).")
  var marketplaces: [Marketplace] = []
  @Option(name: .customLong("as-of"), help: "Data as of (YYYY-MM-DD; default today).")
  var asOf: String?
  @Option(help: "Small commits to add after the records (a team's history).") var history = 0
  @Argument(help: "Folder of the workspace (created when missing).") var path: String

  mutating func validate() throws {
    guard records >= 0 else { throw ValidationError("--records must be 0 or more") }
    guard history >= 0 else { throw ValidationError("--history must be 0 or more") }
    if let asOf, CivilDate.day(asOf) == nil {
      throw ValidationError("--as-of \"\(asOf)\" is not a date (YYYY-MM-DD)")
    }
    var seen: Set<String> = []
    marketplaces = marketplaces.filter { seen.insert($0.code).inserted }
  }

  func run() throws {
    let environment = ProcessInfo.processInfo.environment
    let now = Date()
    let day = asOf.flatMap(CivilDate.day) ?? Int(now.timeIntervalSince1970 / 86_400)
    let generator = SandboxGenerator(
      records: records, seed: seed, marketplaces: marketplaces, asOf: day)
    var workspace = try open(generator.marketplaces, environment, now)
    workspace.progress = Terminal.ProgressLine.onTerminal()?.handler
    let author = Workspace.author(
      environment: environment, configured: try workspace.repository().configuredIdentity(),
      now: now)
    let firsts = FirstRecords(limit: min(records, 1000))
    let load = try workspace.loadNew(
      batches: generator.batches().lazy.map { batch in
        firsts.take(batch)
        return batch
      },
      message:
        "sandbox: \(generator.records) generated records (seed \(seed), volume \(generator.vendor.volume), \(generator.marketplaces.map(\.code).joined(separator: " ")), as of \(CivilDate.string(day)))",
      author: author, asSync: true)
    Terminal.out(
      "Generated \(load.records) records in \(workspace.root) (commit \(load.commit.short))")
    guard history > 0, !firsts.records.isEmpty else { return }
    let working = firsts
    let last = try workspace.commitSeries(count: history) { i in
      let member = i % 7
      let record = working.edit(i % working.records.count) { workflow in
        workflow["assignee"] = .string("ops-\(member)@example.com")
        workflow["followUpDate"] = .string(CivilDate.string(day + 1 + i % 60))
      }
      return .init(
        record: record, message: "assign \(record.id ?? "?") to ops-\(member)",
        author: Signature(
          name: "Ops \(member)", email: "ops-\(member)@example.com",
          time: author.time + Int64(60 * (i + 1))))
    }
    Terminal.out("Added \(history) commits (last \(last?.short ?? "-"))")
  }

  /// The workspace at `path`: created when the folder is missing or empty; an existing one must
  /// have no records yet.
  func open(_ markets: [Marketplace], _ environment: [String: String], _ now: Date) throws
    -> Workspace
  {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
    if entries.isEmpty {
      let (workspace, _) = try Workspace.initialize(
        at: path, options: .init(marketplaces: markets),
        author: { repo in
          Workspace.author(
            environment: environment, configured: repo.configuredIdentity(), now: now)
        })
      try workspace.configureDrivers(executable: Author.executable)
      return workspace
    }
    let workspace = try Workspace(at: path)
    guard workspace.recordFiles().isEmpty else {
      throw WorkspaceError(
        "generate.not-empty",
        "\(workspace.root) already has records; generate into a new or empty folder",
        refusal: true)
    }
    return workspace
  }

  /// The first records generated, kept to be edited by the history series.
  final class FirstRecords: @unchecked Sendable {
    let limit: Int
    var records: [Record] = []

    init(limit: Int) { self.limit = limit }

    func take(_ batch: [Record]) {
      guard records.count < limit else { return }
      records += batch.prefix(limit - records.count)
    }

    /// Record `i` with its workflow changed; the change is kept for the next edit.
    func edit(_ i: Int, _ change: (inout [String: JSONValue]) -> Void) -> Record {
      var record = records[i]
      if case .object(var members) = record.json {
        var workflow = members["workflow"]?.objectValue ?? [:]
        change(&workflow)
        members["workflow"] = .object(workflow)
        record.json = .object(members)
      }
      records[i] = record
      return record
    }
  }
}
