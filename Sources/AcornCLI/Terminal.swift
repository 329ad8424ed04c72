import AcornModel
import Foundation

/// Writing to stdout and stderr, with colour only on a terminal and never when `NO_COLOR` is set.
enum Terminal {
  static let environment = ProcessInfo.processInfo.environment

  static func colourEnabled(fd: Int32) -> Bool {
    isatty(fd) == 1 && environment["NO_COLOR"] == nil && environment["TERM"] != "dumb"
  }

  static func out(_ text: String) {
    ProgressLine.shared.finish()
    FileHandle.standardOutput.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
  }

  /// Bytes to stdout as they are (documents of tens of megabytes: not copied into `Data`). A
  /// closed pipe or a full disk ends the writing; the exit code is the command's.
  static func outBytes(_ bytes: [UInt8]) {
    ProgressLine.shared.finish()
    bytes.withUnsafeBytes { buffer in
      guard let base = buffer.baseAddress else { return }
      var offset = 0
      while offset < buffer.count {
        let n = write(1, base + offset, buffer.count - offset)
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else { return }
        offset += n
      }
    }
  }

  static func errorLine(_ text: String) {
    ProgressLine.shared.finish()
    FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
  }

  /// A status line rewritten in place on a terminal (stderr).
  static func progress(_ text: String) {
    FileHandle.standardError.write(Data(("\r\u{1B}[K" + text).utf8))
  }

  static func error(_ message: String, code: String? = nil) {
    let label = paint("error", .red, fd: 2)
    errorLine("\(label): \(message)" + (code.map { " [\($0)]" } ?? ""))
  }

  enum Colour: String {
    case red = "31"
    case yellow = "33"
    case green = "32"
    case dim = "2"
    case bold = "1"
  }

  /// Whether stdout and stderr take colour, asked once (`isatty` is a system call).
  static let colourOut = colourEnabled(fd: 1)
  static let colourErr = colourEnabled(fd: 2)

  static func paint(_ text: String, _ colour: Colour, fd: Int32 = 1) -> String {
    let enabled = fd == 1 ? colourOut : fd == 2 ? colourErr : colourEnabled(fd: fd)
    return enabled ? "\u{1B}[\(colour.rawValue)m\(text)\u{1B}[0m" : text
  }
}

extension Terminal {
  /// One status line on stderr, rewritten in place at most ten times a second and only when stderr
  /// is a terminal: `validating 12,345/100,000 records (8,120/s)`. Any output through `Terminal`
  /// clears it first (`finish()`), so the command's own lines start clean.
  final class ProgressLine: @unchecked Sendable {
    static let shared = ProgressLine()

    private let lock = NSLock()
    private var lastDraw = 0.0
    private var phase = ""
    private var phaseStart = 0.0
    private var drawn = false

    /// A progress line when stderr is a terminal (and `TERM` is not dumb), else nil.
    static func onTerminal() -> ProgressLine? {
      isatty(2) == 1 && Terminal.environment["TERM"] != "dumb" ? shared : nil
    }

    static func now() -> Double {
      var t = timespec()
      clock_gettime(CLOCK_MONOTONIC, &t)
      return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    var handler: ProgressHandler { { [self] report in self.report(report) } }

    func report(_ r: ProgressReport) {
      lock.lock()
      defer { lock.unlock() }
      let now = Self.now()
      if r.phase != phase {
        phase = r.phase
        phaseStart = now
      }
      guard now - lastDraw >= 0.1 else { return }
      lastDraw = now
      let elapsed = now - phaseStart
      let rate = elapsed >= 0.5 ? " (\(Self.grouped(Int(Double(r.done) / elapsed)))/s)" : ""
      draw(
        "\(r.phase) \(Self.grouped(r.done))\(r.total.map { "/" + Self.grouped($0) } ?? "") \(r.unit)\(rate)"
      )
    }

    /// A free-form status (sync's requests and pacing), throttled like reports.
    func note(_ text: String) {
      lock.lock()
      defer { lock.unlock() }
      let now = Self.now()
      guard now - lastDraw >= 0.1 else { return }
      lastDraw = now
      draw(text)
    }

    private func draw(_ text: String) {
      drawn = true
      Terminal.progress(text)
    }

    func finish() {
      lock.lock()
      defer { lock.unlock() }
      phase = ""
      if drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
      drawn = false
    }

    /// 12345 → "12,345".
    static func grouped(_ n: Int) -> String {
      let digits = Array(String(abs(n)))
      var out = ""
      for (i, d) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(d)
      }
      return (n < 0 ? "-" : "") + out
    }
  }
}

/// Record files that do not parse are missing from every answer the index gives: say so.
enum BrokenFiles {
  static func warn(_ broken: [(path: String, error: String)]) {
    guard !broken.isEmpty else { return }
    Terminal.errorLine(
      "warning: \(broken.count) record file\(broken.count == 1 ? " does" : "s do") not parse and \(broken.count == 1 ? "is" : "are") missing from this answer (acorn validate shows why):"
    )
    for (path, error) in broken.prefix(10) { Terminal.errorLine("  \(path): \(error)") }
    if broken.count > 10 { Terminal.errorLine("  …") }
  }
}

extension Terminal {
  /// A server runs until Ctrl-C or a TERM: make sure neither is blocked (a parent may have
  /// started us with them blocked, and the mask is inherited).
  static func unblockStopSignals() {
    var stops = sigset_t()
    sigemptyset(&stops)
    for s in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&stops, s) }
    pthread_sigmask(SIG_UNBLOCK, &stops, nil)
  }
}
