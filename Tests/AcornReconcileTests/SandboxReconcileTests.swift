import AcornModel
import AcornReconcile
import Testing

@testable import AcornSandbox

/// Reconciliation of the built-in sandbox vendor, whose discrepancies are injected on purpose:
/// short receipts (→ shortage claims), higher invoice costs (→ price claims), chargebacks, and
/// returns that never get their credit. Each must be found, and nothing else reported.
@Suite("reconcile the sandbox vendor")
struct SandboxReconcileTests {
  static let us = Marketplace.all[0]
  static let start = CivilDate.daysFromCivil(2026, 6, 1)
  static let asOf = CivilDate.daysFromCivil(2026, 10, 31)

  static let records: [Record] = SandboxVendor(seed: 8).records(
    marketplace: us, start: start, asOf: asOf)

  static let computed = Result { () throws(ReconcileError) -> ReconcileResult in
    try Reconciler(lifecycles: LifecycleSet(lifecycles: [:])).run(records, asOf: asOf)
  }
  static var result: ReconcileResult {
    get throws { try computed.get() }
  }

  static func int(_ v: JSONValue?) -> Int? { v?.intValue }

  @Test(
    "every invoice's ledger balances to the cent; paid ones are paid, with or without deductions")
  func ledgersBalance() throws {
    let invoices = Self.records.filter { $0.kind == .invoice }
    #expect(try Self.result.invoices.count == invoices.count)
    #expect(invoices.count > 20)
    for l in try Self.result.invoices {
      // invoiced − discount − deductions + reversals − paid = open, recomputed here.
      var deducted = Money.zero(l.currency)
      var reversed = Money.zero(l.currency)
      for e in l.deductions {
        if e.amount.isNegative {
          deducted = try deducted + (-e.amount)
        } else {
          reversed = try reversed + e.amount
        }
      }
      let open = try l.invoiced - l.discount - deducted + reversed - l.paid
      #expect(open == l.open, "\(l.invoiceNumber)")
      let status = invoices.first { $0.id == l.id }?.json["source"]?["invoiceStatus"]?.stringValue
      if status == "PAID" {
        #expect(l.open.isZero, "\(l.invoiceNumber) open \(l.open)")
        #expect(
          ["paid", "paid-with-deductions"].contains(l.status), "\(l.invoiceNumber) \(l.status)")
      } else {
        #expect(l.status == "unpaid", "\(l.invoiceNumber) \(l.status)")
      }
    }
    #expect(try Self.result.invoices.contains { $0.status == "paid-with-deductions" })
  }

  @Test(
    "every injected short receipt is an expected shortage and an ASN-accuracy risk, and nothing else"
  )
  func shortages() throws {
    var expected: Set<String> = []
    for po in Self.records where po.kind == .purchaseOrder {
      for line in po.json["source"]?["lines"]?.arrayValue ?? [] {
        let q = line["quantities"]
        if let inv = Self.int(q?["invoiced"]), let rec = Self.int(q?["received"]), inv > rec {
          expected.insert("\(po.id ?? "")#\(line["itemSequenceNumber"]?.stringValue ?? "")")
        }
      }
    }
    #expect(!expected.isEmpty)
    var found: Set<String> = []
    for po in try Self.result.purchaseOrders {
      for l in po.lines where l.expectedShortage != nil { found.insert("\(po.id)#\(l.sequence)") }
    }
    #expect(found == expected)
    let findings = try Self.result.findings
    #expect(findings.filter { $0.code == "po.expected-shortage" }.count == expected.count)
    #expect(findings.filter { $0.code == "po.asn-accuracy" }.count == expected.count)
  }

  @Test(
    "every shortage claim is linked to its invoice with the evidence, and its verdict follows it")
  func shortageClaims() throws {
    let claims = try Self.result.deductions.filter { $0.type == "shortage-claim" }
    #expect(!claims.isEmpty)
    for c in claims {
      #expect(c.invoiceNumber != nil)
      #expect(c.evidence?.received != nil)
      // The sandbox ships what it invoices; Amazon received less: proof of delivery decides.
      #expect(c.verdict == "needs-evidence", "\(c.number): \(c.reason)")
      #expect((c.evidence?.shipped ?? 0) > (c.evidence?.received ?? 0))
    }
    for r in try Self.result.deductions where r.type == "shortage-claim-reversal" {
      #expect(r.verdict == "reversal")
      let original = claims.first { $0.invoiceNumber == r.invoiceNumber }
      #expect(original?.net?.isZero == true, "\(r.number) nets its claim to zero")
    }
  }

  @Test("price claims follow a higher invoiced cost; chargebacks are all listed")
  func priceClaimsAndChargebacks() throws {
    let priceClaims = try Self.result.deductions.filter { $0.type == "price-claim" }
    #expect(!priceClaims.isEmpty)
    #expect(priceClaims.allSatisfy { $0.verdict == "valid" })
    let variances = try Self.result.findings.filter { $0.code == "po.price-variance" }
    #expect(variances.count >= priceClaims.count)
    let chargebacks = Self.records.filter {
      $0.kind == .deduction && $0.json["source"]?["deductionType"] == .string("chargeback")
    }
    #expect(!chargebacks.isEmpty)
    #expect(
      try Self.result.deductions.filter { $0.type == "chargeback" }.count == chargebacks.count)
  }

  @Test("every return that never got its credit is late after 30 days; credited ones match")
  func returns() throws {
    var late: Set<String> = []
    for r in Self.records where r.kind == .return {
      let s = r.json["source"]
      let notice =
        s?["noticeDate"]?.stringValue.flatMap { CivilDate.day(String($0.prefix(10))) } ?? 0
      let approved = s?["totalApprovedRefund"]?["amount"]?.stringValue
      let credited = r.json["workflow"]?["creditNoteIds"] != nil
      if !credited, approved != nil, approved != "0.00", Self.asOf > notice + 30 {
        late.insert(r.id ?? "")
      }
    }
    #expect(!late.isEmpty, "the sandbox injects returns that are never credited")
    let found = Set(
      try Self.result.findings.filter { $0.code == "return.credit-late" }.flatMap(\.records))
    #expect(found == late)
    #expect(try !Self.result.findings.contains { $0.code == "return.credit-different" })
    #expect(try Self.result.returns.contains { $0.status == "credited" })
  }

  @Test(
    "nothing else is reported: no unbalanced payment, unmatched line, double payment or unlinked claim"
  )
  func nothingElse() throws {
    let codes = Set(try Self.result.findings.filter { $0.severity != .info }.map(\.code))
    #expect(
      codes.isSubset(of: [
        "po.expected-shortage", "po.asn-accuracy", "po.price-variance", "return.credit-late",
      ]), "\(codes)")
  }

  @Test("the same records give the same bytes")
  func deterministic() throws {
    let again = try Reconciler(lifecycles: LifecycleSet(lifecycles: [:])).run(
      Self.records.reversed(), asOf: Self.asOf)
    #expect(CanonicalJSON.bytes(again.json) == CanonicalJSON.bytes(try Self.result.json))
    #expect(try Self.result.files.keys.allSatisfy { $0.hasPrefix("reconciliation/US/2026-") })
  }
}

/// Reading the workspace in parts: the reconciler fed views built part by part and merged in any
/// order gives the result (bytes of its JSON) of one run over the records.
@Suite("reconcile from views read in parts")
struct ReconcileInputTests {
  @Test("parts merged in reverse order give the same result and the same latest day")
  func partsInAnyOrder() throws {
    let records = SandboxReconcileTests.records
    #expect(records.count > 100)
    let whole = try Reconciler(lifecycles: LifecycleSet(lifecycles: [:])).run(
      records, asOf: SandboxReconcileTests.asOf)
    var parts = [ReconcileInput(), ReconcileInput(), ReconcileInput()]
    for (i, r) in records.enumerated() { parts[i % 3].add(r) }
    var input = ReconcileInput()
    for p in parts.reversed() { input.merge(p) }
    #expect(input.latestDay == Reconciler.latestDay(records))
    #expect(input.invoices.count == records.filter { $0.kind == .invoice }.count)
    let fromParts = try Reconciler(lifecycles: LifecycleSet(lifecycles: [:])).run(
      input, asOf: SandboxReconcileTests.asOf)
    #expect(CanonicalJSON.bytes(fromParts.json) == CanonicalJSON.bytes(whole.json))
  }
}
