import AcornModel

/// GBK, which older Yonyou and Kingdee import tools read, through `Iconv` (AcornModel). A
/// character GBK cannot encode is an error naming it, never a silent `?`.
public enum GBK {
  public static func encode(_ text: String) throws(ExportError) -> [UInt8] {
    try convert(Array(text.utf8), from: "UTF-8", to: "GBK")
  }

  public static func decode(_ bytes: [UInt8]) throws(ExportError) -> String {
    String(decoding: try convert(bytes, from: "GBK", to: "UTF-8"), as: UTF8.self)
  }

  static func convert(_ input: [UInt8], from: String, to: String) throws(ExportError) -> [UInt8] {
    switch Iconv.convert(input, from: from, to: to) {
    case .success(let bytes): return bytes
    case .failure(.unsupported):
      throw ExportError("export.encoding", "this system cannot convert \(from) to \(to)")
    case .failure(.invalid(let at)):
      let what =
        from == "UTF-8"
        ? String(decoding: input[at...].prefix(4), as: UTF8.self).unicodeScalars.first.map {
          "\"\($0)\" (U+\(String($0.value, radix: 16, uppercase: true)))"
        } : nil
      throw ExportError(
        "export.encoding",
        "\(what ?? "the byte") at offset \(at) cannot be converted from \(from) to \(to)")
    }
  }
}
