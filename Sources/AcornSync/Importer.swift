import AcornImport
import AcornModel
import Foundation

/// Reads import files into records: format detected from content unless given; every diagnostic
/// names the file, the line or segment, and the field.
public enum Importer {
  public enum Format: String, Sendable, CaseIterable {
    case x12
    case vcRemittanceCSV = "vc-remittance-csv"
    case vcReturnsCSV = "vc-returns-csv"
    case vcChargebacksCSV = "vc-chargebacks-csv"
    case vcCoopCSV = "vc-coop-csv"
  }

  public struct FileResult: Sendable {
    public var file: String
    public var format: Format?
    public var records: [Record]
    public var diagnostics: [ImportDiagnostic]
    public var acknowledgements: [POAcknowledgement] = []
    /// Where each record came from in the file (record id → ST segment number), when known.
    public var positions: [String: Int] = [:]
    /// Why the file could not be read at all (a folder, no permission, an I/O error), if so: an
    /// operational error, not a finding in its content.
    public var unreadable: String?
  }

  /// The files an import argument names: a file as it is; a folder, every regular file below it
  /// (recursively, hidden files and folders skipped), sorted. Throws a message for a path that
  /// does not exist or a folder with no files.
  public static func expand(_ argument: String) throws(ImportDiagnostic) -> [String] {
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: argument, isDirectory: &isDir) else {
      throw ImportDiagnostic(file: argument, position: nil, "no such file or folder")
    }
    guard isDir.boolValue else { return [argument] }
    var out: [String] = []
    let walker = FileManager.default.enumerator(atPath: argument)
    while let rel = walker?.nextObject() as? String {
      let name = (rel as NSString).lastPathComponent
      if name.hasPrefix(".") {
        walker?.skipDescendants()
        continue
      }
      if let type = walker?.fileAttributes?[.type] as? FileAttributeType, type == .typeRegular {
        out.append((argument.hasSuffix("/") ? argument : argument + "/") + rel)
      }
    }
    guard !out.isEmpty else {
      throw ImportDiagnostic(file: argument, position: nil, "the folder holds no files to import")
    }
    return out.sorted()
  }

  public static func detect(_ bytes: [UInt8]) -> Format? {
    var start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
    while start < bytes.count && (bytes[start] == 10 || bytes[start] == 13 || bytes[start] == 32) {
      start += 1
    }
    if bytes.count >= start + 3 && bytes[start..<(start + 3)].elementsEqual(Array("ISA".utf8)) {
      return .x12
    }
    if bytes.count >= start + 4 && bytes[start..<(start + 2)].elementsEqual(Array("ST".utf8))
      && !(bytes[start + 2] >= 48 && bytes[start + 2] <= 122)
    {
      return .x12
    }
    if let text = CSVReader.decode(Array(bytes.prefix(4096))) ?? CSVReader.decode(bytes),
      let header = CSVReader.rows(String(text.prefix { $0 != "\n" })).first
    {
      func norm(_ s: String) -> String {
        s.lowercased().filter {
          !$0.isWhitespace && $0 != "#" && $0 != "_" && $0 != "." && $0 != "-"
        }
      }
      let keys = Set(header.fields.map(norm))
      func has(_ names: [String]?) -> Bool { !keys.isDisjoint(with: Set((names ?? []).map(norm))) }
      if has(RemittanceCSV.headers["amountPaid"]) && has(RemittanceCSV.headers["paymentNumber"]) {
        return .vcRemittanceCSV
      }
      if has(ReturnsCSV.headers["requested"]) { return .vcReturnsCSV }
      if has(DeductionCSV.coopHeaders["agreement"]) { return .vcCoopCSV }
      if has(DeductionCSV.chargebackHeaders["type"]) || has(["Chargeback Amount", "Chargeback ID"])
      {
        return .vcChargebacksCSV
      }
    }
    return nil
  }

  /// The largest CSV export read (X12 is streamed and has no size limit of its own).
  public static let maxCSVBytes = 256 << 20

  public static func read(
    path: String, format: Format?, marketplace: Marketplace, keepGoing: Bool,
    numberFormat: NumberFormat? = nil
  ) -> FileResult {
    func unreadable(_ why: String) -> FileResult {
      var result = FileResult(
        file: path, format: format, records: [],
        diagnostics: [ImportDiagnostic(file: path, position: nil, "cannot read the file: \(why)")])
      result.unreadable = why
      return result
    }
    var isDir: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
      return unreadable("it is a folder (import its files, or name the folder to import them all)")
    }
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return unreadable(String(cString: strerror(errno))) }
    defer { close(fd) }
    var readError: String?
    func chunk(_ count: Int) -> [UInt8] {
      var out = [UInt8](repeating: 0, count: count)
      var filled = 0
      while filled < count {
        let n = out.withUnsafeMutableBytes { raw in
          raw.baseAddress.map { Foundation.read(fd, $0 + filled, count - filled) } ?? 0
        }
        if n < 0 {
          if errno == EINTR { continue }
          readError = "\(String(cString: strerror(errno))) (errno \(errno))"
          return []
        }
        if n == 0 { break }
        filled += n
      }
      out.removeSubrange(filled...)
      return out
    }
    // The first 64 KiB decide the format; X12 is then read in chunks, never whole.
    let head = chunk(65_536)
    if let readError { return unreadable(readError) }
    guard let format = format ?? detect(head) else {
      return FileResult(
        file: path, format: nil, records: [],
        diagnostics: [
          ImportDiagnostic(
            file: path, position: 1, kind: "line",
            "unrecognised format: neither X12 (ISA…) nor a Vendor Central remittance, returns, chargebacks or co-op export; give --format"
          )
        ])
    }
    switch format {
    case .x12:
      var reader = X12Reader(file: path)
      var records: [Record] = []
      var diagnostics: [ImportDiagnostic] = []
      var acks: [POAcknowledgement] = []
      var positions: [String: Int] = [:]
      var first: [UInt8]? = head
      let envelope = reader.read({
        if let chunk = first {
          first = nil
          return chunk.isEmpty ? nil : chunk
        }
        let next = chunk(65_536)
        return next.isEmpty ? nil : next
      }) { set in
        if let ack = POAcknowledgement.read(set) { acks.append(ack) }
        let (r, d) = X12Mappings.map(set, marketplace: marketplace, file: path)
        if d.contains(where: { $0.severity == .error }) && keepGoing {
          diagnostics += d
        } else {
          records += r
          diagnostics += d
          for record in r {
            if let id = record.id, let st = set.segments.first?.number { positions[id] = st }
          }
        }
      }
      if let readError { return unreadable(readError) }
      var result = FileResult(
        file: path, format: format, records: records, diagnostics: envelope + diagnostics,
        acknowledgements: acks)
      result.positions = positions
      return result
    case .vcReturnsCSV, .vcChargebacksCSV, .vcCoopCSV, .vcRemittanceCSV:
      // A CSV export is read whole (a payment's lines are grouped across rows), so its size is
      // capped: Vendor Central's largest exports are tens of megabytes.
      let tooLarge = FileResult(
        file: path, format: format, records: [],
        diagnostics: [
          ImportDiagnostic(
            file: path, position: nil,
            "the file is larger than \(maxCSVBytes >> 20) MiB, far beyond any Vendor Central export; nothing was read — export a shorter date range (or several files)"
          )
        ])
      var st = stat()
      if fstat(fd, &st) == 0, Int(st.st_size) > maxCSVBytes { return tooLarge }
      var bytes = head
      while true {
        let next = chunk(1 << 20)
        if next.isEmpty { break }
        bytes += next
        if bytes.count > maxCSVBytes { return tooLarge }
      }
      if let readError { return unreadable(readError) }
      return readCSV(
        format, bytes, path: path, marketplace: marketplace, keepGoing: keepGoing,
        numberFormat: numberFormat)
    }
  }

  static func readCSV(
    _ format: Format, _ bytes: [UInt8], path: String, marketplace: Marketplace, keepGoing: Bool,
    numberFormat: NumberFormat? = nil
  ) -> FileResult {
    switch format {
    case .x12:  // read above, in chunks
      return FileResult(file: path, format: format, records: [], diagnostics: [])
    case .vcReturnsCSV:
      let (records, diagnostics) = ReturnsCSV.records(
        bytes, file: path, marketplace: marketplace, keepGoing: keepGoing,
        numberFormat: numberFormat)
      return FileResult(file: path, format: format, records: records, diagnostics: diagnostics)
    case .vcChargebacksCSV, .vcCoopCSV:
      let (records, diagnostics) = DeductionCSV.records(
        bytes, kind: format == .vcCoopCSV ? .coop : .chargebacks, file: path,
        marketplace: marketplace, keepGoing: keepGoing, numberFormat: numberFormat)
      return FileResult(file: path, format: format, records: records, diagnostics: diagnostics)
    case .vcRemittanceCSV:
      let (records, diagnostics) = RemittanceCSV.records(
        bytes, file: path, marketplace: marketplace, keepGoing: keepGoing,
        numberFormat: numberFormat)
      return FileResult(file: path, format: format, records: records, diagnostics: diagnostics)
    }
  }
}
