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

  public static func read(path: String, format: Format?, marketplace: Marketplace, keepGoing: Bool)
    -> FileResult
  {
    guard let handle = FileHandle(forReadingAtPath: path) else {
      return FileResult(
        file: path, format: format, records: [],
        diagnostics: [ImportDiagnostic(file: path, position: nil, "cannot read the file")])
    }
    defer { try? handle.close() }
    // The first 64 KiB decide the format; X12 is then read in chunks, never whole.
    let head = [UInt8](handle.readData(ofLength: 65_536))
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
      var first: [UInt8]? = head
      let envelope = reader.read({
        if let chunk = first {
          first = nil
          return chunk.isEmpty ? nil : chunk
        }
        let next = handle.readData(ofLength: 65_536)
        return next.isEmpty ? nil : [UInt8](next)
      }) { set in
        if let ack = POAcknowledgement.read(set) { acks.append(ack) }
        let (r, d) = X12Mappings.map(set, marketplace: marketplace, file: path)
        if d.contains(where: { $0.severity == .error }) && keepGoing {
          diagnostics += d
        } else {
          records += r
          diagnostics += d
        }
      }
      return FileResult(
        file: path, format: format, records: records, diagnostics: envelope + diagnostics,
        acknowledgements: acks)
    case .vcReturnsCSV, .vcChargebacksCSV, .vcCoopCSV, .vcRemittanceCSV:
      return readCSV(
        format, head + [UInt8](handle.readDataToEndOfFile()), path: path, marketplace: marketplace,
        keepGoing: keepGoing)
    }
  }

  static func readCSV(
    _ format: Format, _ bytes: [UInt8], path: String, marketplace: Marketplace, keepGoing: Bool
  ) -> FileResult {
    switch format {
    case .x12:  // read above, in chunks
      return FileResult(file: path, format: format, records: [], diagnostics: [])
    case .vcReturnsCSV:
      let (records, diagnostics) = ReturnsCSV.records(
        bytes, file: path, marketplace: marketplace, keepGoing: keepGoing)
      return FileResult(file: path, format: format, records: records, diagnostics: diagnostics)
    case .vcChargebacksCSV, .vcCoopCSV:
      let (records, diagnostics) = DeductionCSV.records(
        bytes, kind: format == .vcCoopCSV ? .coop : .chargebacks, file: path,
        marketplace: marketplace, keepGoing: keepGoing)
      return FileResult(file: path, format: format, records: records, diagnostics: diagnostics)
    case .vcRemittanceCSV:
      let (records, diagnostics) = RemittanceCSV.records(
        bytes, file: path, marketplace: marketplace, keepGoing: keepGoing)
      return FileResult(file: path, format: format, records: records, diagnostics: diagnostics)
    }
  }
}
