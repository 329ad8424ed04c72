/// Finds secrets that must never enter a workspace: LWA refresh tokens (`Atzr|…`), LWA client
/// secrets (`amzn1.oa2-cs.v1.…`), LWA access tokens and AWS access keys. Pure: bytes in,
/// findings out; the secret itself is never repeated in a message.
public enum CredentialScanner {
  public struct Hit: Sendable, Hashable {
    public var code: String
    public var line: Int
    public var message: String
  }

  struct Pattern: Sendable {
    let code: String
    let prefix: [UInt8]
    let what: String
    /// Bytes allowed after the prefix, and how many must follow for a hit.
    let minTail: Int
    let tail: @Sendable (UInt8) -> Bool
  }

  static func isTokenByte(_ b: UInt8) -> Bool {
    (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 45 || b == 95
      || b == 43
      || b == 47 || b == 61 || b == 124 || b == 46
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
      if b == UInt8(ascii: "A") || b == UInt8(ascii: "a") {
        for p in patterns where i + p.prefix.count <= n && bytes[i] == p.prefix[0] {
          guard bytes[i..<(i + p.prefix.count)].elementsEqual(p.prefix) else { continue }
          // A token starts at a word boundary.
          if i > 0 && (isTokenByte(bytes[i - 1]) && bytes[i - 1] != 0x2E) { continue }
          var j = i + p.prefix.count
          while j < n && p.tail(bytes[j]) { j += 1 }
          if j - (i + p.prefix.count) >= p.minTail {
            hits.append(
              Hit(
                code: p.code, line: line,
                message:
                  "\(p.what) is stored here; credentials belong in environment variables or a per-user file with mode 0600, never in the workspace (remove it and rotate it)"
              ))
            i = j
            continue scanning
          }
        }
      }
      i += 1
    }
    return hits
  }
}
