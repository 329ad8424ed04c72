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

extension Workspace {
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
      let process = Process()
      process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
      process.arguments = [
        "ssh-keygen", "-Y", "verify", "-f", scratch.appendingPathComponent("allowed").path,
        "-I", principal, "-n", "git", "-s", scratch.appendingPathComponent("sig").path,
      ]
      let input = Pipe()
      process.standardInput = input
      process.standardOutput = FileHandle.nullDevice
      process.standardError = FileHandle.nullDevice
      try process.run()
      input.fileHandleForWriting.write(Data(signed.signedData))
      try input.fileHandleForWriting.close()
      process.waitUntilExit()
      // env exits 127 when ssh-keygen is missing.
      if process.terminationStatus == 127 { return .notChecked }
      return process.terminationStatus == 0 ? .verified : .forged
    } catch {
      return .notChecked
    }
  }
}
