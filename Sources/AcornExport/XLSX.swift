import AcornModel
import Foundation
import ZIPFoundation

/// A minimal Office Open XML workbook (.xlsx): one sheet per table, inline strings, exact numbers
/// written as their decimal text, a bold header row. The zip is built in memory by ZIPFoundation
/// with a fixed entry date, so the same tables always give the same bytes.
public enum XLSX {
  public static func workbook(_ tables: [Table]) throws(ExportError) -> [UInt8] {
    var files: [(String, String)] = []
    let sheets = tables.enumerated().map { (i, t) in (i + 1, t) }
    files.append(
      (
        "[Content_Types].xml",
        """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
        <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
        <Default Extension="xml" ContentType="application/xml"/>\
        <Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
        <Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\
        \(sheets.map { n, _ in "<Override PartName=\"/xl/worksheets/sheet\(n).xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>" }.joined())\
        </Types>
        """
      ))
    files.append(
      (
        "_rels/.rels",
        """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
        <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>\
        </Relationships>
        """
      ))
    files.append(
      (
        "xl/workbook.xml",
        """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
        <sheets>\(sheets.map { n, t in "<sheet name=\"\(escape(sheetName(t.name, n)))\" sheetId=\"\(n)\" r:id=\"rId\(n)\"/>" }.joined())</sheets>\
        </workbook>
        """
      ))
    files.append(
      (
        "xl/_rels/workbook.xml.rels",
        """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
        \(sheets.map { n, _ in "<Relationship Id=\"rId\(n)\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet\(n).xml\"/>" }.joined())\
        <Relationship Id="rId\(sheets.count + 1)" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>\
        </Relationships>
        """
      ))
    files.append(
      (
        "xl/styles.xml",
        """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
        <fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>\
        <fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>\
        <borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
        <cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
        <cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>\
        <cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>\
        </styleSheet>
        """
      ))
    for (n, t) in sheets { files.append(("xl/worksheets/sheet\(n).xml", sheet(t))) }
    return try zip(files)
  }

  static func sheet(_ t: Table) -> String {
    var xml = """
      <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
      <worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
      """
    let rows = [t.header.map(Table.Cell.text)] + t.rows
    for (r, row) in rows.enumerated() {
      xml += "<row r=\"\(r + 1)\">"
      for (c, cell) in row.enumerated() {
        let ref = column(c) + String(r + 1)
        let style = r == 0 ? " s=\"1\"" : ""
        switch cell {
        case .text(let s):
          xml +=
            "<c r=\"\(ref)\" t=\"inlineStr\"\(style)><is><t xml:space=\"preserve\">\(escape(s))</t></is></c>"
        case .number(let d, _):
          xml += "<c r=\"\(ref)\"\(style)><v>\(d.formatted())</v></c>"
        case .empty:
          continue
        }
      }
      xml += "</row>"
    }
    return xml + "</sheetData></worksheet>"
  }

  /// A, B, … Z, AA, AB, …
  static func column(_ index: Int) -> String {
    var n = index + 1
    var s = ""
    while n > 0 {
      let r = (n - 1) % 26
      s = String(UnicodeScalar(UInt8(65 + r))) + s
      n = (n - 1) / 26
    }
    return s
  }

  /// Sheet names: at most 31 characters, none of `[]:*?/\`.
  static func sheetName(_ name: String, _ n: Int) -> String {
    let cleaned = String(name.filter { !"[]:*?/\\".contains($0) }.prefix(31))
    return cleaned.isEmpty ? "Sheet\(n)" : cleaned
  }

  /// Text for XML or HTML content and attribute values: `& < > "` escaped, and the control
  /// characters XML 1.0 forbids dropped (the report's HTML uses it too).
  public static func escape(_ s: String) -> String {
    var out = ""
    for ch in s.unicodeScalars {
      switch ch {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      default:
        // XML 1.0 forbids most control characters.
        if ch.value < 0x20 && ch != "\t" && ch != "\n" && ch != "\r" { continue }
        out.unicodeScalars.append(ch)
      }
    }
    return out
  }

  /// The zip container: deflated entries, all dated 1980-01-01 so the bytes never depend on when.
  static func zip(_ files: [(String, String)]) throws(ExportError) -> [UInt8] {
    do {
      let archive = try Archive(accessMode: .create)
      let epoch = Date(timeIntervalSince1970: 315_532_800)  // 1980-01-01, the zip epoch
      for (path, text) in files {
        let data = Data(text.utf8)
        try archive.addEntry(
          with: path, type: .file, uncompressedSize: Int64(data.count), modificationDate: epoch,
          compressionMethod: .deflate
        ) { position, size in
          data.subdata(in: Int(position)..<Int(position) + size)
        }
      }
      guard let data = archive.data else {
        throw ExportError("export.xlsx", "the workbook could not be assembled")
      }
      return [UInt8](data)
    } catch let e as ExportError {
      throw e
    } catch {
      throw ExportError("export.xlsx", "cannot build the workbook: \(error)", cause: error)
    }
  }
}
