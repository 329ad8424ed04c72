import AcornModel
import AcornSPAPI
import AcornWorkspace
import Foundation

/// Where SP-API credentials come from (docs/sp-api.md): the environment
/// (`ACORN_LWA_CLIENT_ID`, `ACORN_LWA_CLIENT_SECRET`, `ACORN_LWA_REFRESH_TOKEN`), else a per-user
/// file (`--credentials`, `ACORN_CREDENTIALS_FILE`, `~/.config/acorn/credentials.json`) readable
/// only by its owner and outside the workspace. The caller passes the environment in.
public enum Credentials {
  /// The per-user credentials file, parsed, after its checks (not in the workspace, mode 0600);
  /// nil when there is none.
  public static func file(
    _ file: String?, workspace: Workspace,
    environment env: [String: String] = ProcessInfo.processInfo.environment
  ) throws(WorkspaceError) -> (path: String, json: JSONValue)? {
    let home = env["HOME"] ?? NSHomeDirectory()
    let path = file ?? env["ACORN_CREDENTIALS_FILE"] ?? (home + "/.config/acorn/credentials.json")
    guard FileManager.default.fileExists(atPath: path) else { return nil }
    let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
    if absolute.hasPrefix(workspace.root + "/") {
      throw WorkspaceError(
        "credentials.in-workspace",
        "\(path) is inside the workspace; credentials must never be committed: move it to ~/.config/acorn/"
      )
    }
    var info = stat()
    guard stat(absolute, &info) == 0 else {
      throw WorkspaceError("credentials.read", "cannot read \(path)")
    }
    if info.st_mode & 0o077 != 0 {
      throw WorkspaceError(
        "credentials.permissions",
        "\(path) is readable by others (mode \(String(info.st_mode & 0o777, radix: 8))); run chmod 600 \(path)"
      )
    }
    guard let data = FileManager.default.contents(atPath: absolute),
      let json = try? JSONParser.parse([UInt8](data)).value
    else {
      throw WorkspaceError("credentials.format", "\(path) is not JSON")
    }
    return (path, json)
  }

  public static func load(
    file: String?, workspace: Workspace,
    environment env: [String: String] = ProcessInfo.processInfo.environment
  ) throws(WorkspaceError) -> LWACredentials {
    if let id = env["ACORN_LWA_CLIENT_ID"], let secret = env["ACORN_LWA_CLIENT_SECRET"],
      let refresh = env["ACORN_LWA_REFRESH_TOKEN"]
    {
      return LWACredentials(clientId: id, clientSecret: secret, refreshToken: refresh)
    }
    guard let (path, json) = try Self.file(file, workspace: workspace, environment: env) else {
      let home = env["HOME"] ?? NSHomeDirectory()
      let path = file ?? env["ACORN_CREDENTIALS_FILE"] ?? (home + "/.config/acorn/credentials.json")
      throw WorkspaceError(
        "credentials.missing",
        "no SP-API credentials: set ACORN_LWA_CLIENT_ID, ACORN_LWA_CLIENT_SECRET and ACORN_LWA_REFRESH_TOKEN, or write them to \(path) (mode 0600); see docs/sp-api.md"
      )
    }
    guard let id = json["clientId"]?.stringValue, let secret = json["clientSecret"]?.stringValue,
      let refresh = json["refreshToken"]?.stringValue
    else {
      throw WorkspaceError(
        "credentials.format",
        "\(path) must be JSON {\"clientId\", \"clientSecret\", \"refreshToken\"}")
    }
    return LWACredentials(clientId: id, clientSecret: secret, refreshToken: refresh)
  }
}
