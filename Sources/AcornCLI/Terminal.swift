import Foundation

/// Writing to stdout and stderr, with colour only on a terminal and never when `NO_COLOR` is set.
enum Terminal {
  static let environment = ProcessInfo.processInfo.environment

  static func colourEnabled(fd: Int32) -> Bool {
    isatty(fd) == 1 && environment["NO_COLOR"] == nil && environment["TERM"] != "dumb"
  }

  static func out(_ text: String) {
    FileHandle.standardOutput.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
  }

  static func outBytes(_ bytes: [UInt8]) {
    FileHandle.standardOutput.write(Data(bytes))
  }

  static func errorLine(_ text: String) {
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

  static func paint(_ text: String, _ colour: Colour, fd: Int32 = 1) -> String {
    colourEnabled(fd: fd) ? "\u{1B}[\(colour.rawValue)m\(text)\u{1B}[0m" : text
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
