import AcornModel
import Foundation
import Testing

@testable import AcornExport
@testable import AcornSandbox

/// The writers, over the sandbox vendor's journal: every format balances voucher by voucher, in
/// its own terms, and gives the same bytes twice.
@Suite("export formats")
struct WritersTests {
  static let plan: AccountPlan = {
    // The test plan, with the accounts the sandbox's deduction types need.
    guard
      case .object(var o) = try? JSONParser.parse(Array(JournalTests.planJSON.utf8)).value,
      case .object(var accounts)? = o["accounts"], case .array(var postings)? = o["postings"]
    else { fatalError("test plan") }
    for (role, ledger) in [
      ("coop", "Expenses:Coop"), ("price-claims", "Expenses:PriceClaims"),
      ("price-protection", "Expenses:PriceProtection"),
    ] {
      accounts[role] = .object(["ledger": .string(ledger), "code": .string("66" + role.prefix(2))])
    }
    for (match, debit, credit) in [
      ("coop", "coop", "receivable"), ("price-claim", "price-claims", "receivable"),
      ("provision-reversal", "receivable", "provisions"),
      ("shortage-claim-revised", "shortages", "receivable"),
      ("price-protection", "price-protection", "receivable"), ("other", "suspense", "receivable"),
    ] {
      postings.append(
        .object(["match": .string(match), "debit": .string(debit), "credit": .string(credit)]))
    }
    o["accounts"] = .object(accounts)
    o["postings"] = .array(postings)
    guard let plan = try? AccountPlan(.object(o)) else { fatalError("test plan") }
    return plan
  }()

  static let vouchers: [Voucher] = {
    let us = Marketplace.all[0]
    let records = SandboxVendor(seed: 8).records(
      marketplace: us, start: CivilDate.daysFromCivil(2026, 6, 1),
      asOf: CivilDate.daysFromCivil(2026, 10, 31))
    return (try? JournalBuilder(plan: plan).vouchers(records)) ?? []
  }()

  @Test("the sandbox's journal: invoices, payments, credit notes; every voucher balances")
  func sandboxJournal() throws {
    let kinds = Set(Self.vouchers.map(\.kind))
    #expect(kinds.isSuperset(of: ["invoice", "remittance", "credit-note"]))
    #expect(Self.vouchers.count > 50)
    for v in Self.vouchers { try JournalBuilder.checkBalanced(v) }
    let roles = Set(Self.vouchers.flatMap { $0.lines.map(\.account.role) })
    #expect(roles.isSuperset(of: ["bank", "receivable", "sales", "terms-discount", "shortages"]))
  }

  @Test("Kingdee rows: per voucher Σ 借方 = Σ 贷方, numbered from 1, customer on receivable lines")
  func kingdee() throws {
    let t = Writers.kingdee(Self.vouchers, plan: Self.plan)
    #expect(t.header.prefix(13) == Writers.kingdeeHeader.prefix(13))
    var byVoucher: [String: (DecimalNumber, DecimalNumber)] = [:]
    for row in t.rows {
      guard case .number(let debit, _) = row[8], case .number(let credit, _) = row[9] else {
        Issue.record("amount cells")
        continue
      }
      let key = row[2].text
      let (d, c) = byVoucher[key] ?? (.zero, .zero)
      byVoucher[key] = (try d + debit, try c + credit)
      if row[6].text == "1122.01" { #expect(row[13].text == "AMZ-US") }
      #expect(row[8].text.hasSuffix(".00") || row[8].text.split(separator: ".").last?.count == 2)
    }
    #expect(byVoucher.count == Self.vouchers.count)
    for (k, (d, c)) in byVoucher { #expect(d == c, "voucher \(k)") }
    #expect(t.rows.first?[2].text == "1")
    #expect(t.rows.first?[4].text == "1")
  }

  @Test(
    "Yonyou: the V800 header, 18 fields a line, one 业务号 a voucher that balances, GBK round-trips")
  func yonyou() throws {
    let text = Writers.yonyou(Self.vouchers, plan: Self.plan)
    let lines = text.split(separator: "\r\n", omittingEmptySubsequences: true)
    #expect(lines.first == "填制凭证,V800")
    var sums: [String: DecimalNumber] = [:]
    for l in lines.dropFirst() {
      let f = l.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
      #expect(f.count == 18, "\(l)")
      #expect(f[4].count <= 60)
      let d = try DecimalNumber(parsing: f[6])
      let c = try DecimalNumber(parsing: f[7])
      #expect(d.isZero != c.isZero, "exactly one side: \(l)")
      sums[f[2]] = try (sums[f[2]] ?? .zero) + d - c
    }
    #expect(sums.count == Self.vouchers.count)
    #expect(sums.values.allSatisfy { $0.isZero })
    let gbk = try GBK.encode(text)
    #expect(gbk != Array(text.utf8))
    let decoded = try GBK.decode(gbk)
    #expect(decoded == text)
    // 发 is B7 A2 in GBK.
    let fa = try GBK.encode("发")
    #expect(fa == [0xB7, 0xA2])
    #expect {
      try GBK.encode("ok 🌰")
    } throws: { error in "\(error)".contains("U+1F330") }
  }

  @Test("QuickBooks IIF: TRNS/SPL/ENDTRNS, splits sum to zero, MM/DD/YY dates")
  func iif() throws {
    let text = Writers.quickbooksIIF(Self.vouchers, plan: Self.plan)
    let lines = text.components(separatedBy: "\r\n").filter { !$0.isEmpty }
    #expect(lines[0].hasPrefix("!TRNS\tTRNSID\tTRNSTYPE\tDATE\tACCNT"))
    #expect(lines[2] == "!ENDTRNS")
    var total = DecimalNumber.zero
    var transactions = 0
    for l in lines.dropFirst(3) {
      let f = l.components(separatedBy: "\t")
      if f[0] == "ENDTRNS" {
        #expect(total.isZero)
        total = .zero
        transactions += 1
        continue
      }
      #expect(f.count == 10)
      #expect(f[3].range(of: #"^\d\d/\d\d/\d\d$"#, options: .regularExpression) != nil)
      total = try total + DecimalNumber(parsing: f[7])
    }
    #expect(transactions == Self.vouchers.count)
  }

  @Test(
    "Xero: a journal never splits across files, at most 300 lines a file, amounts sum to zero per journal"
  )
  func xero() throws {
    let tables = Writers.xero(Self.vouchers, plan: Self.plan, maxLines: 20)
    #expect(tables.count > 1)
    var seen: Set<String> = []
    for t in tables {
      #expect(t.rows.count <= 20)
      var sums: [String: DecimalNumber] = [:]
      for r in t.rows {
        guard case .number(let a, _) = r[5] else { continue }
        sums[r[0].text] = try (sums[r[0].text] ?? .zero) + a
      }
      for (k, s) in sums {
        #expect(s.isZero, "\(k)")
        #expect(!seen.contains(k), "\(k) split across files")
      }
      seen.formUnion(sums.keys)
    }
    #expect(seen.count == Self.vouchers.count)
    #expect(Writers.xero(Self.vouchers, plan: Self.plan).allSatisfy { $0.rows.count <= 300 })
  }

  @Test("CSV quoting and the xlsx container: same tables, same bytes; cells escaped")
  func tables() throws {
    let t = Table(
      name: "T", header: ["a", "b"],
      rows: [[.text("x, \"y\""), .number(DecimalNumber(units: 1050, scale: 2), places: 2)]])
    #expect(t.csv() == "a,b\r\n\"x, \"\"y\"\"\",10.50\r\n")
    let one = try XLSX.workbook([t])
    let two = try XLSX.workbook([t])
    #expect(one == two)
    #expect(one.prefix(2) == [0x50, 0x4B])  // PK
    #expect(XLSX.column(0) == "A")
    #expect(XLSX.column(25) == "Z")
    #expect(XLSX.column(26) == "AA")
    #expect(XLSX.escape("a<b&\u{1}") == "a&lt;b&amp;")
  }
}
