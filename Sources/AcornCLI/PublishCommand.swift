import AcornModel
import AcornWorkspace
import ArgumentParser
import Foundation

struct PublishCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "publish",
    abstract:
      "Publish the workspace to PostgreSQL for BI tools, incrementally and in one transaction.",
    discussion: """
      Writes the index's tables (records, lines, links), the reconciliation (invoice_ledger, \
      deduction_assessments, return_credits) and the open alerts into a PostgreSQL schema, each row \
      with a workspace column; then only what changed since the commit last published. URL as libpq \
      understands it; the password from PGPASSWORD, ~/.pgpass or a service file — never the \
      workspace. Refuses a rewound branch unless --full. Docs: docs/postgres.md.
      """)

  @OptionGroup var workspaceOptions: WorkspaceOptions
  @OptionGroup var output: OutputOptions

  @Option(help: "PostgreSQL connection (postgresql://user@host:port/db or key=value pairs).")
  var postgres: String

  @Option(help: "Schema to publish into.") var schema: String = "acorn"

  @Option(help: "Name of this workspace in the workspace column (default: its folder's name).")
  var name: String?

  @Flag(help: "Replace everything published for this workspace.") var full = false

  func run() throws {
    let workspace = try Workspace(at: workspaceOptions.workspace)
    let outcome = try workspace.publish(
      Workspace.PublishOptions(
        url: postgres, schema: schema, full: full, name: name, engine: BuildStamp.commit),
      now: Date())
    if output.json {
      Terminal.outBytes(
        CanonicalJSON.bytes(
          .object([
            "mode": .string(outcome.mode.rawValue), "workspace": .string(outcome.workspace),
            "commit": .string(outcome.commit),
            "changedPaths": .number(DecimalNumber(outcome.changedPaths)),
            "rows": .object(outcome.rows.mapValues { .number(DecimalNumber($0)) }),
            "derivedRecomputed": .bool(outcome.derivedRecomputed),
            "derived": .string(outcome.derived.rawValue),
            "derivedFrom": outcome.derivedFrom.map { .number(DecimalNumber($0)) } ?? .null,
          ])))
      return
    }
    switch outcome.mode {
    case .upToDate:
      Terminal.out(
        "\(outcome.workspace) is published up to \(outcome.commit.prefix(8)); nothing to do.")
    case .full, .incremental:
      let total = outcome.rows.values.reduce(0, +)
      Terminal.out(
        "Published \(outcome.workspace) at \(outcome.commit.prefix(8)) into schema \(schema) (\(outcome.mode.rawValue): \(outcome.changedPaths) record files, \(total) rows)"
      )
    }
  }
}
