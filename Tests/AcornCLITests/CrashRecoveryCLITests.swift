import AcornModel
import Foundation
import Testing

/// Kills at the kill points (`ACORN_KILL_AT`) of real commands, and what the next command or
/// `acorn doctor --fix` makes of what they left. The crash harness (`reliability/crash`) runs the
/// same over hundreds of points; these pin the cases it found.
@Suite("crash recovery: what a killed command leaves is finished by the next one")
struct CrashRecoveryCLITests {
  /// The kill points a command passes, in order (its labels), from a traced run on a copy.
  static func trace(_ args: [String], in ws: String, copyTo copy: String) throws -> [String] {
    try FileManager.default.copyItem(atPath: ws, toPath: copy)
    let file = copy + ".trace"
    let traced = try CLI.run(args + ["-C", copy], in: ws, environment: ["ACORN_KILL_TRACE": file])
    #expect(traced.status == 0, "\(traced.stderr)")
    let text = try String(contentsOfFile: file, encoding: .utf8)
    return text.split(separator: "\n").map { String($0.split(separator: " ").last ?? "") }
  }

  static func head(_ ws: String) throws -> String {
    try HistoryCLITests.gitRun(["rev-parse", "HEAD^{tree}"], in: ws)
  }

  static func status(_ ws: String) throws -> String {
    try HistoryCLITests.gitRun(["status", "--porcelain"], in: ws)
  }

  /// A committed workspace with a branch `other` ahead of main by one record edit.
  static func branched(_ dir: Folder) throws -> String {
    let ws = try HistoryCLITests.committed(dir)
    _ = try HistoryCLITests.gitRun(["checkout", "-q", "-b", "other"], in: ws)
    let set = try CLI.run(["set", "RET-DE-R-DE-000123", "workflow.state=received"], in: ws)
    #expect(set.status == 0, "\(set.stderr)")
    _ = try HistoryCLITests.gitRun(["checkout", "-q", "main"], in: ws)
    return ws
  }

  @Test(
    "a fast-forward killed after writing the files, before moving the branch: doctor names it, doctor --fix and the next command finish it"
  )
  func fastForward() throws {
    let dir = Folder()
    let ws = try Self.branched(dir)
    let labels = try Self.trace(["merge", "other"], in: ws, copyTo: dir.path + "/traced")
    let expected = try Self.head(dir.path + "/traced")
    // The last file the checkout writes: the branch has not moved yet.
    let point = try #require(labels.lastIndex(of: "git-checkout-file")) + 1
    let killed = try CLI.run(
      ["merge", "other"], in: ws, environment: ["ACORN_KILL_AT": String(point)])
    #expect(killed.status == SIGKILL, "killed by its kill point, status \(killed.status)")
    #expect(try !Self.status(ws).isEmpty, "the kill left the working tree ahead of the branch")
    let doctor = try CLI.run(["doctor"], in: ws)
    #expect(doctor.status == 1)
    #expect(doctor.stdout.contains("a fast-forward was interrupted"), "\(doctor.stdout)")
    #expect(try CLI.run(["doctor", "--fix"], in: ws).status == 0)
    #expect(try Self.status(ws).isEmpty)
    #expect(try Self.head(ws) == expected)
    #expect(try CLI.run(["validate"], in: ws).status == 0)
    // Killed again the same way, a plain rerun of the merge finishes it too.
    let dir2 = Folder()
    let ws2 = try Self.branched(dir2)
    _ = try CLI.run(["merge", "other"], in: ws2, environment: ["ACORN_KILL_AT": String(point)])
    let rerun = try CLI.run(["merge", "other"], in: ws2)
    #expect(rerun.status == 0, "\(rerun.stderr)")
    #expect(try Self.status(ws2).isEmpty)
    #expect(try Self.head(ws2) == expected)
  }

  @Test("a merge killed before its commit is concluded by running the same merge again")
  func mergeRerun() throws {
    let dir = Folder()
    let ws = try Self.branched(dir)
    // Diverge main so the merge is a real three-way merge with a commit.
    let set = try CLI.run(
      ["set", "DED-US-INV-2019-0815SC", "workflow.assignee=ops@example.com"], in: ws)
    #expect(set.status == 0, "\(set.stderr)")
    let labels = try Self.trace(["merge", "other"], in: ws, copyTo: dir.path + "/traced")
    let expected = try Self.head(dir.path + "/traced")
    for label in ["git-commit-start", "git-commit"] {
      let copy = dir.path + "/" + label
      try FileManager.default.copyItem(atPath: ws, toPath: copy)
      let point = try #require(labels.lastIndex(of: label)) + 1
      _ = try CLI.run(["merge", "other"], in: copy, environment: ["ACORN_KILL_AT": String(point)])
      let rerun = try CLI.run(["merge", "other"], in: copy)
      #expect(rerun.status == 0, "\(label): \(rerun.stderr)")
      #expect(try Self.status(copy).isEmpty, "\(label)")
      #expect(try Self.head(copy) == expected, "\(label)")
      #expect(!FileManager.default.fileExists(atPath: copy + "/.git/MERGE_HEAD"), "\(label)")
      let parents = try HistoryCLITests.gitRun(
        ["rev-list", "--parents", "-n", "1", "HEAD"], in: copy)
      #expect(parents.split(separator: " ").count == 3, "\(label): one merge commit, two parents")
    }
  }

  @Test(
    "reconciliation files a killed reconcile wrote but did not commit are committed by the rerun")
  func reconcileRerun() throws {
    let dir = Folder()
    let ws = try HistoryCLITests.committed(dir)
    let labels = try Self.trace(["reconcile"], in: ws, copyTo: dir.path + "/traced")
    let expected = try Self.head(dir.path + "/traced")
    let point = try #require(labels.firstIndex(of: "git-commit-start")) + 1
    _ = try CLI.run(["reconcile"], in: ws, environment: ["ACORN_KILL_AT": String(point)])
    #expect(try !Self.status(ws).isEmpty, "the kill left results uncommitted")
    #expect(try CLI.run(["reconcile"], in: ws).status != 2)
    #expect(try Self.status(ws).isEmpty)
    #expect(try Self.head(ws) == expected)
  }
}

@Suite("hostile environment: links out of the workspace, a full disk")
struct HostileEnvironmentCLITests {
  @Test(
    "a record that is a symbolic link out of the workspace, or a linked folder, is an error; nothing is read or written through it"
  )
  func symlinks() throws {
    let dir = Folder()
    let ws = try HistoryCLITests.committed(dir)
    let outside = dir.path + "/outside"
    try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
    let secret = outside + "/secret.json"
    try #"{"not": "a record"}"#.write(toFile: secret, atomically: true, encoding: .utf8)
    let record = ws + "/records/US/deduction/2019-10/DED-US-INV-2019-0815SC.json"
    try FileManager.default.removeItem(atPath: record)
    try FileManager.default.createSymbolicLink(atPath: record, withDestinationPath: secret)
    let validate = try CLI.run(["validate"], in: ws)
    #expect(validate.status == 1)
    #expect(
      validate.stdout.contains(
        "records/US/deduction/2019-10/DED-US-INV-2019-0815SC.json: error[workspace.not-regular-file] is a symbolic link"
      ), "\(validate.stdout)")
    let commit = try CLI.run(["commit", "-m", "x"], in: ws)
    #expect(commit.status != 0)
    #expect(commit.stderr.contains("symbolic link"), "\(commit.stderr)")
    let set = try CLI.run(
      ["set", "DED-US-INV-2019-0815SC", "workflow.assignee=a@example.com"], in: ws)
    #expect(set.status != 0)
    #expect(try String(contentsOfFile: secret, encoding: .utf8) == #"{"not": "a record"}"#)
    // A linked folder: the records behind it are neither listed nor written.
    _ = try HistoryCLITests.gitRun(["checkout", "--", "."], in: ws)
    try FileManager.default.removeItem(atPath: record)
    _ = try HistoryCLITests.gitRun(["checkout", "--", "."], in: ws)
    let folder = ws + "/records/DE/return"
    try FileManager.default.moveItem(atPath: folder, toPath: outside + "/return")
    try FileManager.default.createSymbolicLink(
      atPath: folder, withDestinationPath: outside + "/return")
    let before = try FileManager.default.subpathsOfDirectory(atPath: outside + "/return").sorted()
    let linked = try CLI.run(["validate"], in: ws)
    #expect(linked.stdout.contains("records/DE/return: error[workspace.not-regular-file]"))
    let moved = try CLI.run(["set", "RET-DE-R-DE-000123", "workflow.state=received"], in: ws)
    #expect(moved.status != 0)
    #expect(
      try FileManager.default.subpathsOfDirectory(atPath: outside + "/return").sorted() == before)
  }

  /// `acorn ARGS` under a file-size limit of `kilobytes` (as a nearly full disk refuses writes).
  static func limited(_ kilobytes: Int, _ args: [String], in dir: String) throws -> CLI.Result {
    try CLI.run(
      args, in: dir, via: ["/bin/bash", "-c", "ulimit -f \(kilobytes); exec \"$0\" \"$@\""])
  }

  @Test(
    "a write refused for lack of space mid-sync: a clear error, the work branch and its files untouched; the rerun completes",
    .disabled(
      if: CLI.binary.contains("/.build-tsan/"),
      "ThreadSanitizer's runtime cannot start under a 2 KB file-size limit (it faults mapping its shadow)"
    )
  )
  func fileSizeLimit() throws {
    let dir = Folder()
    #expect(try CLI.run(["init", "ws", "--marketplace", "US"], in: dir.path).status == 0)
    let ws = dir.path + "/ws"
    let head = try HistoryCLITests.gitRun(["rev-parse", "HEAD"], in: ws)
    let sync = ["sync", "--seed", "5", "--since", "2026-05-01", "--until", "2026-05-31"]
    let refused = try Self.limited(2, sync, in: ws)
    #expect(refused.status == 2, "\(refused.stderr)")
    #expect(refused.stderr.contains("could not all be written"), "\(refused.stderr)")
    #expect(refused.stderr.contains("nothing was changed"))
    #expect(try HistoryCLITests.gitRun(["rev-parse", "HEAD"], in: ws) == head)
    #expect(try HistoryCLITests.gitRun(["status", "--porcelain"], in: ws).isEmpty)
    #expect(!FileManager.default.fileExists(atPath: ws + "/.git/ACORN_FAST_FORWARD"))
    #expect(try CLI.run(["validate"], in: ws).status == 0)
    let rerun = try CLI.run(sync, in: ws)
    #expect(rerun.status == 0, "\(rerun.stderr)")
    #expect(try HistoryCLITests.gitRun(["status", "--porcelain"], in: ws).isEmpty)
    #expect(try HistoryCLITests.gitRun(["rev-parse", "HEAD"], in: ws) != head)
  }
}

@Suite("hostile environment: gigabyte inputs, writers at once")
struct LargeInputAndConcurrencyCLITests {
  /// `acorn ARGS` run by a Python parent that reports the child's peak resident memory (KiB,
  /// `getrusage(RUSAGE_CHILDREN)`), so the measure is the acorn process's alone.
  static func measured(_ args: [String], in dir: String) throws -> (CLI.Result, peakKiB: Int) {
    let script = """
      import resource, subprocess, sys
      r = subprocess.run(sys.argv[1:], capture_output=True)
      sys.stdout.buffer.write(r.stdout)
      sys.stderr.buffer.write(r.stderr)
      sys.stderr.write("\\nPEAK-KIB %d\\n" % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
      sys.exit(r.returncode)
      """
    var result = try CLI.run(args, in: dir, via: ["/usr/bin/env", "python3", "-c", script])
    let marker = result.stderr.range(of: "\nPEAK-KIB ", options: .backwards)
    let peak = marker.flatMap {
      Int(result.stderr[$0.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines))
    }
    if let marker { result.stderr = String(result.stderr[..<marker.lowerBound]) }
    return (result, peak ?? Int.max)
  }

  /// Writes `head`, then makes the file `size` bytes long: the rest reads as NUL bytes without
  /// taking disk space (a sparse file), as a gigabyte of garbage would.
  static func gigabyte(_ path: String, head: [UInt8], size: Int = 1 << 30) throws {
    _ = FileManager.default.createFile(atPath: path, contents: Data(head))
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    try handle.truncate(atOffset: UInt64(size))
    try handle.close()
  }

  /// KiB: a quarter of the input, far above a small command's needs. Under the sanitizers
  /// (`make test-sanitize` builds into `.build-asan` / `.build-tsan`) shadow memory and ASan's
  /// 256 MiB quarantine come on top, so the bound is 768 MiB there — still below reading the
  /// gigabyte.
  static let bound =
    CLI.binary.contains("/.build-asan/") || CLI.binary.contains("/.build-tsan/")
    ? 768 * 1024 : 256 * 1024

  @Test(
    "a 1 GB input — X12 without terminators, an endless transaction set, an oversized CSV, an oversized record — costs bounded memory and is a clear error; the workspace is untouched"
  )
  func gigabyteInputs() throws {
    let dir = Folder()
    let ws = try HistoryCLITests.committed(dir)
    let head = try HistoryCLITests.gitRun(["rev-parse", "HEAD"], in: ws)

    let garbage = dir.path + "/garbage.edi"
    try Self.gigabyte(garbage, head: Array((HandX12.isa + "~GS*IN*S*R").utf8))
    let (x12, x12Peak) = try Self.measured(["import", garbage], in: ws)
    #expect(x12.status != 0)
    #expect(x12.stderr.contains("no segment terminator in 1024 KiB"), "\(x12.stderr)")
    #expect(x12Peak < Self.bound, "peak \(x12Peak) KiB")

    var endless = HandX12.isa + "~GS*IN*S*R*20260114*1200*7*X*004010~ST*810*0001~"
    endless += String(repeating: "REF*ZZ*X~", count: 210_000)
    let flood = dir.path + "/endless.edi"
    try Self.gigabyte(flood, head: Array(endless.utf8))
    let (set, setPeak) = try Self.measured(["import", flood], in: ws)
    #expect(set.status != 0)
    #expect(set.stderr.contains("more than 200000 segments without an SE"), "\(set.stderr)")
    #expect(setPeak < Self.bound, "peak \(setPeak) KiB")

    let csv = dir.path + "/remittance.csv"
    try Self.gigabyte(
      csv,
      head: Array(
        try String(contentsOfFile: "\(CLI.fixtures)/../imports/remittance-us.csv", encoding: .utf8)
          .utf8))
    let (export, csvPeak) = try Self.measured(["import", csv], in: ws)
    #expect(export.status != 0)
    #expect(export.stderr.contains("larger than 256 MiB"), "\(export.stderr)")
    #expect(csvPeak < Self.bound, "peak \(csvPeak) KiB")
    #expect(try HistoryCLITests.gitRun(["rev-parse", "HEAD"], in: ws) == head)
    #expect(try HistoryCLITests.gitRun(["status", "--porcelain"], in: ws).isEmpty)

    // A record file grown to a gigabyte: reported by validate, refused by commit, never read.
    let record = ws + "/records/US/invoice/2019-08/INV-US-INV-2019-0815.json"
    try Self.gigabyte(record, head: Array(try String(contentsOfFile: record, encoding: .utf8).utf8))
    let (validate, validatePeak) = try Self.measured(["validate"], in: ws)
    #expect(validate.status == 1)
    #expect(
      validate.stdout.contains("INV-US-INV-2019-0815.json")
        && validate.stdout.contains("larger than 128 MiB"), "\(validate.stdout)")
    #expect(validatePeak < Self.bound, "peak \(validatePeak) KiB")
    let (commit, commitPeak) = try Self.measured(["commit", "-m", "huge"], in: ws)
    #expect(commit.status != 0)
    #expect(commit.stderr.contains("larger than 128 MiB"), "\(commit.stderr)")
    #expect(commitPeak < Self.bound, "peak \(commitPeak) KiB")
    #expect(try HistoryCLITests.gitRun(["rev-parse", "HEAD"], in: ws) == head)
  }

  @Test(
    "six acorn processes writing one workspace at once are serialized: every change that reports success is committed, nothing is lost or half-written"
  )
  func concurrentWriters() throws {
    let dir = Folder()
    let ws = try HistoryCLITests.committed(dir)
    let ids = [
      "INV-US-INV-2019-0815", "DED-US-INV-2019-0815SC", "ASN-US-SHIP-00042", "PO-US-4Z32PABC",
      "PAY-US-756473657", "RET-DE-R-DE-000123",
    ]
    var processes: [(id: String, process: Process, err: Pipe)] = []
    for (n, id) in ids.enumerated() {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: CLI.binary)
      process.arguments = ["set", id, "workflow.assignee=writer\(n)@example.com"]
      process.currentDirectoryURL = URL(fileURLWithPath: ws)
      var env = ProcessInfo.processInfo.environment
      env["ACORN_AUTHOR_NAME"] = "Writer \(n)"
      env["ACORN_AUTHOR_EMAIL"] = "writer\(n)@example.com"
      process.environment = env
      let err = Pipe()
      process.standardOutput = FileHandle.nullDevice
      process.standardError = err
      processes.append((id, process, err))
    }
    for p in processes { try p.process.run() }
    var succeeded: [(Int, String)] = []
    for (n, p) in processes.enumerated() {
      let message = String(
        decoding: p.err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
      p.process.waitUntilExit()
      if p.process.terminationStatus == 0 {
        succeeded.append((n, p.id))
      } else {
        // The only acceptable failure: waiting for the lock longer than its timeout.
        #expect(message.contains("another acorn process"), "\(p.id): \(message)")
      }
    }
    #expect(succeeded.count >= 2)
    let log = try HistoryCLITests.gitRun(["log", "--format=%ae"], in: ws)
    for (n, id) in succeeded {
      #expect(log.contains("writer\(n)@example.com"), "\(id) not in the history")
      let shown = try CLI.run(["show", id, "--json"], in: ws)
      #expect(shown.stdout.contains("writer\(n)@example.com"), "\(id): \(shown.stdout)")
    }
    #expect(try HistoryCLITests.gitRun(["status", "--porcelain"], in: ws).isEmpty)
    #expect(try HistoryCLITests.gitRun(["fsck", "--full", "--no-progress"], in: ws).isEmpty)
    #expect(try CLI.run(["validate"], in: ws).status == 0)
  }
}
