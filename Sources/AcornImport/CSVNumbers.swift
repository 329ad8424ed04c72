import AcornModel

/// How a file writes numbers: the decimal separator and the thousands separator. Declared
/// (`--locale`) or detected once from every amount in the file — never guessed value by value,
/// so `1.234` means the same thing on every row.
public struct NumberFormat: Sendable, Hashable, CustomStringConvertible {
  public var decimal: Character
  public var grouping: Set<Character>

  /// `1,234.56` (US, UK, China, Japan).
  public static let point = NumberFormat(
    decimal: ".", grouping: [",", " ", "\u{A0}", "\u{202F}", "'"])
  /// `1.234,56` (Germany, France, Italy, Spain …).
  public static let comma = NumberFormat(
    decimal: ",", grouping: [".", " ", "\u{A0}", "\u{202F}", "'"])

  /// `en`, `en-US`, `zh-CN`, `ja` → point; `de`, `fr`, `it`, `es`, `nl`, `pl`, `pt`… → comma.
  public init?(locale: String) {
    let language =
      locale.lowercased().split(whereSeparator: { $0 == "-" || $0 == "_" }).first
      .map(String.init) ?? ""
    switch language {
    case "en", "zh", "ja", "ko", "he", "th", "point": self = .point
    case "de", "fr", "it", "es", "nl", "pl", "pt", "sv", "da", "fi", "nb", "no", "cs", "tr", "ru",
      "comma":
      self = .comma
    default: return nil
    }
  }

  init(decimal: Character, grouping: Set<Character>) {
    self.decimal = decimal
    self.grouping = grouping
  }

  public var description: String { decimal == "." ? "1,234.56" : "1.234,56" }
}

/// Why a text is not an amount, in words for the diagnostic.
public struct NumberProblem: Error, Sendable, CustomStringConvertible, ExpressibleByStringLiteral,
  ExpressibleByStringInterpolation
{
  public var description: String
  public init(stringLiteral value: String) { description = value }
  public init(stringInterpolation: DefaultStringInterpolation) {
    description = String(stringInterpolation: stringInterpolation)
  }
}

extension CSVReader {
  /// Minus signs people and spreadsheets write: ASCII hyphen-minus, U+2212 minus, en dash.
  static let minusSigns: Set<Character> = ["-", "\u{2212}", "\u{2013}"]

  /// The amount in `raw` under `format`, or an explanation of why it is not one. Accepts a
  /// currency symbol or ISO code before or after, a leading or trailing minus (`12,30-`, as SAP
  /// and Vendor Central write), U+2212, parentheses for negatives, and thousands separators only
  /// in groups of three. Anything else is refused, never silently dropped.
  public static func amount(_ raw: String, format: NumberFormat) -> Result<
    DecimalNumber, NumberProblem
  > {
    var s = Substring(raw.trimmingSpaces())
    func trimSpaces() {
      while let f = s.first, f == " " || f == "\u{A0}" || f == "\u{202F}" { s.removeFirst() }
      while let l = s.last, l == " " || l == "\u{A0}" || l == "\u{202F}" { s.removeLast() }
    }
    trimSpaces()
    guard !s.isEmpty else { return .failure("empty") }
    var negative = false
    var signs = 0
    if s.first == "(" && s.last == ")" {
      negative = true
      signs += 1
      s = s.dropFirst().dropLast()
      trimSpaces()
    }
    // A currency symbol or code may stand on either side, with the sign inside or outside it.
    func stripCurrency() {
      for symbol in ["$", "€", "£", "¥", "￥", "₹", "zł", "kr", "R$", "C$", "A$", "Mex$"] {
        if s.hasPrefix(symbol) {
          s = s.dropFirst(symbol.count)
          trimSpaces()
        }
        if s.hasSuffix(symbol) {
          s = s.dropLast(symbol.count)
          trimSpaces()
        }
      }
      if s.count > 3, let code = CurrencyCode(String(s.prefix(3))), code.code == String(s.prefix(3))
      {
        s = s.dropFirst(3)
        trimSpaces()
      }
      if s.count > 3, let code = CurrencyCode(String(s.suffix(3))), code.code == String(s.suffix(3))
      {
        s = s.dropLast(3)
        trimSpaces()
      }
    }
    stripCurrency()
    if let f = s.first, minusSigns.contains(f) || f == "+" {
      negative = negative != minusSigns.contains(f)
      signs += 1
      s = s.dropFirst()
      trimSpaces()
    }
    stripCurrency()
    if let l = s.last, minusSigns.contains(l) || l == "+" {
      negative = negative != minusSigns.contains(l)
      signs += 1
      s = s.dropLast()
      trimSpaces()
    }
    guard signs <= 1 else { return .failure("more than one sign") }
    guard let first = s.first, first.isASCII, first.isNumber || first == format.decimal else {
      return .failure("not a number")
    }
    // Integer part with optional grouping in threes, then an optional fraction.
    var integer = ""
    var groups: [Int] = []
    var current = 0
    var separator: Character?
    var fraction: String?
    var i = s.startIndex
    while i < s.endIndex {
      let c = s[i]
      if c.isASCII && c.isNumber {
        integer.append(c)
        current += 1
      } else if c == format.decimal {
        fraction = String(s[s.index(after: i)...])
        break
      } else if format.grouping.contains(c) {
        if let separator, separator != c {
          return .failure("mixes \(separator) and \(c) as thousands separators")
        }
        separator = c
        groups.append(current)
        current = 0
      } else {
        return .failure("\"\(c)\" is not part of a number written \(format)")
      }
      i = s.index(after: i)
    }
    if !groups.isEmpty {
      groups.append(current)
      guard groups[0] >= 1 && groups[0] <= 3 && groups.dropFirst().allSatisfy({ $0 == 3 }) else {
        return .failure(
          "thousands separators must separate groups of three digits (written \(format))")
      }
    }
    if let fraction {
      guard !fraction.isEmpty, fraction.allSatisfy({ $0.isASCII && $0.isNumber }) else {
        return .failure("the part after the decimal separator is not digits")
      }
    }
    guard !integer.isEmpty || fraction != nil else { return .failure("no digits") }
    let text = (integer.isEmpty ? "0" : integer) + (fraction.map { "." + $0 } ?? "")
    guard let n = try? DecimalNumber(parsing: text) else { return .failure("not a number") }
    return .success(negative ? -n : n)
  }

  /// The one format that reads every value, decided from the values that tell (both separators,
  /// or one separator not followed by exactly three digits). Fails when the values disagree, or
  /// when they all could be either (`1,234` alone): then the file must say, with `--locale`.
  public static func detectFormat(_ values: [String]) -> Result<NumberFormat, NumberProblem> {
    var point = 0
    var comma = 0
    var ambiguous: String?
    for raw in values {
      let digits = raw.filter { $0 == "." || $0 == "," || ($0.isASCII && $0.isNumber) }
      let dots = digits.filter { $0 == "." }.count
      let commas = digits.filter { $0 == "," }.count
      switch (dots, commas) {
      case (0, 0): continue
      case (_, _) where dots > 0 && commas > 0:
        if let d = digits.lastIndex(of: "."), let c = digits.lastIndex(of: ","), d > c {
          point += 1
        } else {
          comma += 1
        }
      case (_, 0) where dots > 1: comma += 1  // 1.234.567
      case (0, _) where commas > 1: point += 1  // 1,234,567
      default:
        let sep: Character = dots == 1 ? "." : ","
        let after =
          digits.count - 1
          - (digits.lastIndex(of: sep).map { digits.distance(from: digits.startIndex, to: $0) } ?? 0)
        if after == 3 {
          ambiguous = ambiguous ?? raw
        } else if sep == "." {
          point += 1
        } else {
          comma += 1
        }
      }
    }
    if point > 0 && comma > 0 {
      return .failure(
        "the file mixes number formats (\(point) amounts written 1,234.56 and \(comma) written 1.234,56); give --locale"
      )
    }
    if comma > 0 { return .success(.comma) }
    if point > 0 { return .success(.point) }
    if let ambiguous {
      return .failure(
        "\"\(ambiguous)\" could be a thousand or a fraction and no amount in the file tells which; give --locale en (1,234.56) or --locale de (1.234,56)"
      )
    }
    return .success(.point)
  }
}

/// What an amount field of a row held.
enum AmountRead {
  case value(DecimalNumber)
  case empty
  /// Not an amount: a diagnostic was recorded.
  case invalid
}

extension HeaderMappedCSV {
  /// The number format of the amounts in `fields`: declared, or detected once from every row.
  func numberFormat(_ fields: [String], declared: NumberFormat?, file: String)
    -> Result<NumberFormat, ImportDiagnostic>
  {
    if let declared { return .success(declared) }
    let values = rows.flatMap { row in fields.map { value(row, $0) } }
    switch CSVReader.detectFormat(values) {
    case .success(let f): return .success(f)
    case .failure(let p):
      return .failure(
        ImportDiagnostic(file: file, position: nil, field: fields.first, p.description))
    }
  }

  /// An amount field of a row under the file's format; a value that does not read is a
  /// diagnostic naming the line and field, never a silently different number.
  func amount(
    _ row: (line: Int, fields: [String]), _ field: String, _ format: NumberFormat, file: String,
    into diags: inout [ImportDiagnostic]
  ) -> AmountRead {
    let raw = value(row, field)
    if raw.trimmingSpaces().isEmpty { return .empty }
    switch CSVReader.amount(raw, format: format) {
    case .success(let n): return .value(n)
    case .failure(let p):
      diags.append(
        ImportDiagnostic(
          file: file, position: row.line, kind: "line", field: field,
          "expected an amount, found \"\(raw)\" (\(p); amounts in this file are written \(format))")
      )
      return .invalid
    }
  }
}
