/// Finds secrets that must never enter a workspace: LWA refresh tokens (`Atzr|…`), LWA client
/// secrets (`amzn1.oa2-cs.v1.…`), LWA access tokens, AWS access key ids and AWS secret access
/// keys (`aws_secret_access_key = …`). Pure: bytes in, findings out; a finding carries the secret
/// masked (`Atzr|IwEB…****`), never whole.
///
/// A token starts at a boundary: the start of the text or any byte that is not a letter or a
/// digit — `=`, `:`, quotes, brackets, commas, `|` and white space alike — so `KEY=Atzr|…`,
/// `export ACORN_LWA_REFRESH_TOKEN=Atzr|…` and `"refresh_token":"Atzr|…"` are all found.
public enum CredentialScanner {
  public struct Hit: Sendable, Hashable {
    public var code: String
    public var line: Int
    public var message: String
    /// The secret's first characters and `…****`: enough for a person to find it, not to use it.
    public var masked: String
  }

  struct Pattern: Sendable {
    let code: String
    let prefix: [UInt8]
    let what: String
    /// Bytes allowed after the prefix, and how many must follow for a hit.
    let minTail: Int
    let tail: @Sendable (UInt8) -> Bool
  }

  static func isAlphanumeric(_ b: UInt8) -> Bool {
    (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122)
  }

  /// Characters of LWA tokens and secrets (base64 and URL-safe base64, `|`, `.`).
  static func isTokenByte(_ b: UInt8) -> Bool {
    isAlphanumeric(b) || b == 45 || b == 95 || b == 43 || b == 47 || b == 61 || b == 124 || b == 46
  }

  /// Characters of an AWS secret access key (base64).
  static func isBase64Byte(_ b: UInt8) -> Bool {
    isAlphanumeric(b) || b == 43 || b == 47
  }

  static let patterns: [Pattern] = [
    Pattern(
      code: "credential.lwa-refresh-token", prefix: Array("Atzr|".utf8),
      what: "an LWA refresh token (Atzr|…)", minTail: 20, tail: isTokenByte),
    Pattern(
      code: "credential.lwa-access-token", prefix: Array("Atza|".utf8),
      what: "an LWA access token (Atza|…)", minTail: 20, tail: isTokenByte),
    Pattern(
      code: "credential.lwa-client-secret", prefix: Array("amzn1.oa2-cs.".utf8),
      what: "an LWA client secret (amzn1.oa2-cs…)", minTail: 16, tail: isTokenByte),
    Pattern(
      code: "credential.aws-access-key", prefix: Array("AKIA".utf8),
      what: "an AWS access key id (AKIA…)", minTail: 16,
      tail: { ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) }),
  ]

  /// Names under which AWS secret access keys are written (compared without case, `-`, `_`).
  static let secretKeyNames: [[UInt8]] = ["awssecretaccesskey", "secretaccesskey"].map {
    Array($0.utf8)
  }

  static let advice =
    "credentials belong in environment variables or a per-user file with mode 0600, never in the workspace (remove it and rotate it)"

  static func mask(_ bytes: ArraySlice<UInt8>, keep: Int) -> String {
    String(decoding: bytes.prefix(keep), as: UTF8.self) + "…****"
  }

  public static func scan(_ bytes: [UInt8]) -> [Hit] {
    var hits: [Hit] = []
    var line = 1
    var i = 0
    let n = bytes.count
    scanning: while i < n {
      let b = bytes[i]
      if b == 0x0A {
        line += 1
        i += 1
        continue
      }
      let atBoundary = i == 0 || !isAlphanumeric(bytes[i - 1])
      if atBoundary && (b == UInt8(ascii: "A") || b == UInt8(ascii: "a")) {
        for p in patterns where i + p.prefix.count <= n && bytes[i] == p.prefix[0] {
          guard bytes[i..<(i + p.prefix.count)].elementsEqual(p.prefix) else { continue }
          var j = i + p.prefix.count
          while j < n && p.tail(bytes[j]) { j += 1 }
          if j - (i + p.prefix.count) >= p.minTail {
            hits.append(
              Hit(
                code: p.code, line: line, message: "\(p.what) is stored here; \(advice)",
                masked: mask(bytes[i..<j], keep: p.prefix.count + 4)))
            i = j
            continue scanning
          }
        }
      }
      if atBoundary, b | 0x20 == UInt8(ascii: "a") || b | 0x20 == UInt8(ascii: "s"),
        let (start, end) = secretKeyValue(bytes, at: i)
      {
        hits.append(
          Hit(
            code: "credential.aws-secret-key", line: line,
            message: "an AWS secret access key is stored here; \(advice)",
            masked: mask(bytes[start..<end], keep: 4)))
        i = end
        continue
      }
      i += 1
    }
    return hits
  }

  /// `aws_secret_access_key = VALUE` (also `AWS_SECRET_ACCESS_KEY=`, `"SecretAccessKey": "…"`,
  /// `secret-access-key:`): the range of a 40-character base64 value after the name.
  static func secretKeyValue(_ bytes: [UInt8], at start: Int) -> (Int, Int)? {
    var i = start
    var name: [UInt8] = []
    while i < bytes.count, name.count < 24 {
      let c = bytes[i]
      if c == UInt8(ascii: "_") || c == UInt8(ascii: "-") {
        i += 1
        continue
      }
      guard isAlphanumeric(c) else { break }
      name.append(c | (c >= 65 && c <= 90 ? 0x20 : 0))
      i += 1
    }
    guard secretKeyNames.contains(name) else { return nil }
    // Separators: quotes, spaces, `=` or `:` (at least one `=` or `:`).
    var sawAssignment = false
    while i < bytes.count {
      let c = bytes[i]
      if c == UInt8(ascii: "=") || c == UInt8(ascii: ":") {
        sawAssignment = true
      } else if !(c == 0x20 || c == 0x09 || c == 0x22 || c == 0x27) {
        break
      }
      i += 1
    }
    guard sawAssignment else { return nil }
    var j = i
    while j < bytes.count && isBase64Byte(bytes[j]) { j += 1 }
    return j - i == 40 ? (i, j) : nil
  }
}
