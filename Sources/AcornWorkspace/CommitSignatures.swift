import AcornGit
import AcornModel
import Foundation

/// What a commit's signature says about its author, checked as git does with `gpg.format=ssh`:
/// `ssh-keygen -Y verify` against an allowed-signers file built from `team.yaml`'s keys.
public enum SignatureStatus: String, Sendable, Hashable {
  /// Signed with the key registered for the commit's author.
  case verified
  /// No signature.
  case unsigned
  /// Signed, but its author has no key in `team.yaml` (or is not a member).
  case unknownKey = "unknown-key"
  /// Signed, but not by the author's registered key: someone else's key, or a signature that does
  /// not match the commit's content.
  case forged
  /// `ssh-keygen` is not available, or the signature is not an SSH one.
  case notChecked = "not-checked"
}

/// Runs `ssh-keygen` with `input` on stdin: its exit status (127: not installed), stdout and
/// stderr. The one place acorn starts an external program.
func sshKeygen(_ arguments: [String], input: [UInt8]) throws -> (
  status: Int32, output: Data, errors: String
) {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
  process.arguments = ["ssh-keygen"] + arguments
  let stdin = Pipe()
  let stdout = Pipe()
  let stderr = Pipe()
  process.standardInput = stdin
  process.standardOutput = stdout
  process.standardError = stderr
  try process.run()
  stdin.fileHandleForWriting.write(Data(input))
  try? stdin.fileHandleForWriting.close()
  // stderr is read on its own thread so that neither pipe can fill up and stall the other.
  final class Box: @unchecked Sendable { var data = Data() }
  let errors = Box()
  let read = DispatchSemaphore(value: 0)
  Thread {
    errors.data = stderr.fileHandleForReading.readDataToEndOfFile()
    read.signal()
  }.start()
  let output = stdout.fileHandleForReading.readDataToEndOfFile()
  read.wait()
  process.waitUntilExit()
  return (process.terminationStatus, output, String(decoding: errors.data, as: UTF8.self))
}

extension Workspace {
  /// Signs a commit's content as git does with `gpg.format=ssh`: `ssh-keygen -Y sign -n git -f KEY`
  /// (a key file, `~` expanded; a `.pub` file signs through the ssh agent).
  static func sshSign(_ content: [UInt8], key: String) throws(GitError) -> String {
    let path = key.hasPrefix("~/") ? NSHomeDirectory() + key.dropFirst(1) : key
    func failure(_ message: String) -> GitError {
      GitError(code: -1, operation: "ssh-keygen -Y sign", message: message)
    }
    guard !key.hasPrefix("key::"), FileManager.default.fileExists(atPath: path) else {
      throw failure("user.signingkey \(key) is not a key file acorn can sign with")
    }
    let run: (status: Int32, output: Data, errors: String)
    do { run = try sshKeygen(["-Y", "sign", "-n", "git", "-f", path], input: content) } catch {
      throw failure("cannot run ssh-keygen: \(error)")
    }
    guard run.status == 0, !run.output.isEmpty else {
      throw failure(
        "signing with \(key) failed: "
          + run.errors.trimmingCharacters(in: .whitespacesAndNewlines))
    }
    let signature = run.output
    return String(decoding: signature, as: UTF8.self)
  }

  /// Verifies `id`'s signature against `team` (the keys in force). `ssh-keygen` runs only for
  /// signed commits of authors with a registered key.
  func signatureStatus(_ repo: Repository, _ id: ObjectID, author: String, team: Team)
    throws(GitError) -> SignatureStatus
  {
    guard let signed = try repo.commitSignature(id) else { return .unsigned }
    guard String(decoding: signed.signature, as: UTF8.self).hasPrefix("-----BEGIN SSH SIGNATURE")
    else { return .notChecked }
    guard let key = team.member(author)?.signingKey else { return .unknownKey }
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
      "acorn-verify-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: scratch) }
    do {
      try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
      let principal = author.lowercased()
      try Data("\(principal) namespaces=\"git\" \(key)\n".utf8).write(
        to: scratch.appendingPathComponent("allowed"))
      try Data(signed.signature).write(to: scratch.appendingPathComponent("sig"))
      let run = try sshKeygen(
        [
          "-Y", "verify", "-f", scratch.appendingPathComponent("allowed").path, "-I", principal,
          "-n", "git", "-s", scratch.appendingPathComponent("sig").path,
        ], input: signed.signedData)
      // env exits 127 when ssh-keygen is missing.
      if run.status == 127 { return .notChecked }
      return run.status == 0 ? .verified : .forged
    } catch {
      return .notChecked
    }
  }
}
