import AcornModel
import Testing

@Suite("Schemas and invariants")
struct ValidationTests {
  @Test("every keyword the schemas use is enforced or an annotation")
  func keywordsSupported() throws {
    #expect(try Repo.schemaSet().unsupportedKeywords == [])
  }

  @Test("fixture records of every kind match their schemas and invariants")
  func fixturesValid() throws {
    let set = try Repo.schemaSet()
    let records = try Repo.fixtureRecords()
    #expect(Set(records.compactMap { Record(json: $0.value).kind }) == Set(RecordKind.allCases))
    for r in records {
      let kind = try #require(Record(json: r.value).kind)
      #expect(try set.validate(r.value, against: kind.schemaFileName) == [], "\(r.path)")
      #expect(Invariants.check(r.value, kind: kind) == [], "\(r.path)")
    }
  }

  static func fixture(_ kind: RecordKind) throws -> JSONValue {
    let found = try Repo.fixtureRecords().first { Record(json: $0.value).kind == kind }
    return try #require(found?.value)
  }

  static func set(_ value: JSONValue, _ path: String, _ new: JSONValue?) throws -> JSONValue {
    let parsed = try #require(JSONPath(dotted: path))
    return try #require(value.setting(new, at: parsed))
  }

  @Test(
    "schema violations name the field and keyword",
    arguments: [
      (
        "source.totalAmount.amount", JSONValue.string("12,50"), "source.totalAmount.amount",
        "pattern"
      ),
      ("source.totalAmount.currency", .string("euro"), "source.totalAmount.currency", "pattern"),
      ("source.invoiceDate", .string("02/08/2019"), "source.invoiceDate", "anyOf"),
      (
        "source.lines[0].invoicedEaches", .number(DecimalNumber(-1)),
        "source.lines[0].invoicedEaches", "minimum"
      ),
      ("source.surprise", .bool(true), "source.surprise", "additionalProperties"),
      ("marketplace", .string("XX"), "marketplace", "enum"),
      (
        "source.purchaseOrderNumbers[0]", .string("../x"), "source.purchaseOrderNumbers[0]",
        "pattern"
      ),
      ("workflow.assignee", .string("not an email"), "workflow.assignee", "pattern"),
    ])
  func schemaViolations(path: String, value: JSONValue, at expected: String, keyword: String) throws
  {
    let record = try Self.set(try Self.fixture(.invoice), path, value)
    let violations = try Repo.schemaSet().validate(record, against: "invoice.schema.json")
    #expect(
      violations.contains { $0.path.description == expected && $0.keyword == keyword },
      "\(violations)")
  }

  @Test("a missing required field is reported")
  func required() throws {
    let record = try Self.set(try Self.fixture(.purchaseOrder), "source.purchaseOrderNumber", nil)
    let violations = try Repo.schemaSet().validate(record, against: "purchase-order.schema.json")
    #expect(violations.map(\.keyword) == ["required"])
  }

  @Test("invoice total must equal lines + charges − allowances + tax")
  func invoiceTotal() throws {
    let record = try Self.set(
      try Self.fixture(.invoice), "source.totalAmount.amount", .string("5579.87"))
    let issues = Invariants.check(record, kind: .invoice)
    #expect(issues.map(\.code) == ["invariant.total"])
    #expect(issues.first?.message.contains("5579.88 USD") == true)
  }

  @Test("remittance payment must equal the lines paid")
  func remittanceTotal() throws {
    let record = try Self.set(
      try Self.fixture(.remittance), "source.lines[1].amountPaid.amount", .string("-279.00"))
    #expect(Invariants.check(record, kind: .remittance).map(\.code) == ["invariant.total"])
  }

  @Test("a document may not mix currencies")
  func currencies() throws {
    let record = try Self.set(
      try Self.fixture(.return), "source.lines[1].unitCost.currency", .string("USD"))
    #expect(Invariants.check(record, kind: .return).map(\.code).contains("money.currency-mismatch"))
  }

  @Test("eaches must equal cases × unit size")
  func eaches() throws {
    let record = try Self.set(
      try Self.fixture(.purchaseOrder), "source.lines[1].quantities.ordered",
      .number(DecimalNumber(2)))
    let issues = Invariants.check(record, kind: .purchaseOrder)
    #expect(issues.map(\.code) == ["invariant.eaches"])
    #expect(issues.first?.path.description == "source.lines[1].quantities.ordered")
  }

  @Test("line keys are unique")
  func duplicateLines() throws {
    let record = try Self.set(
      try Self.fixture(.shipment), "source.lines[1].itemSequenceNumber", .string("1"))
    #expect(Invariants.check(record, kind: .shipment).map(\.code) == ["invariant.duplicate-line"])
  }

  @Test("credit note total = lines + tax")
  func creditNote() throws {
    let record = try Self.set(
      try Self.fixture(.creditNote), "source.taxTotal.amount", .string("11.40"))
    #expect(Invariants.check(record, kind: .creditNote).map(\.code) == ["invariant.total"])
  }

  @Test("approved return quantity may not exceed the request")
  func returnQuantity() throws {
    let record = try Self.set(
      try Self.fixture(.return), "source.lines[1].approvedQuantity", .number(DecimalNumber(5)))
    #expect(Invariants.check(record, kind: .return).map(\.code) == ["invariant.quantity"])
  }
}

@Suite("Credentials")
struct CredentialTests {
  @Test("LWA refresh tokens, client secrets, access tokens and AWS keys are found, by line")
  func found() {
    let text = """
      ok: line
      refresh: "Atzr|IwEBIJ8x-abcdefghijklmnopqrstuvwxyz0123456789"
      secret = amzn1.oa2-cs.v1.0123456789abcdef0123456789abcdef
      access Atza|IwEBIA0123456789abcdefghijklmnop
      key AKIAABCDEFGHIJKLMNOP
      """
    let hits = CredentialScanner.scan(Array(text.utf8))
    #expect(
      hits.map(\.code) == [
        "credential.lwa-refresh-token", "credential.lwa-client-secret",
        "credential.lwa-access-token", "credential.aws-access-key",
      ])
    #expect(hits.map(\.line) == [2, 3, 4, 5])
    #expect(!hits.contains { $0.message.contains("IwEB") })
    #expect(hits.first?.masked == "Atzr|IwEB…****")
  }

  @Test(
    "KEY=value, export, JSON, YAML and INI forms: `=`, `:`, quotes, brackets, commas alike",
    arguments: [
      ("refresh_token=Atzr|IwEBIJ8xabcdefghijklmnopqrstuvwxyz", "credential.lwa-refresh-token"),
      (
        "export ACORN_LWA_REFRESH_TOKEN=Atzr|IwEBIJ8xabcdefghijklmnopqrstuvwxyz",
        "credential.lwa-refresh-token"
      ),
      (
        "{\"refresh_token\":\"Atzr|IwEBIJ8xabcdefghijklmnopqrstuvwxyz\"}",
        "credential.lwa-refresh-token"
      ),
      ("tokens: [Atzr|IwEBIJ8xabcdefghijklmnopqrstuvwxyz, x]", "credential.lwa-refresh-token"),
      ("a,Atza|IwEBIA0123456789abcdefghijklmnop", "credential.lwa-access-token"),
      ("client_secret:amzn1.oa2-cs.v1.0123456789abcdef0123", "credential.lwa-client-secret"),
      ("aws_access_key_id=AKIAIOSFODNN7EXAMPLE", "credential.aws-access-key"),
      (
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "credential.aws-secret-key"
      ),
      (
        "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "credential.aws-secret-key"
      ),
      (
        "\"SecretAccessKey\": \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\"",
        "credential.aws-secret-key"
      ),
    ])
  func assignmentForms(text: String, code: String) {
    let hits = CredentialScanner.scan(Array(text.utf8))
    #expect(hits.map(\.code) == [code], "\(text)")
    #expect(hits.first?.masked.hasSuffix("…****") == true)
    #expect(hits.first.map { !text.contains($0.masked) } == true)
  }

  @Test("an AWS secret key needs its name and exactly 40 base64 characters")
  func awsSecretLookAlikes() {
    for text in [
      "aws_secret_access_key = short", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEYX",
      "my_aws_secret_access_key_note is documented",
    ] {
      #expect(CredentialScanner.scan(Array(text.utf8)) == [], "\(text)")
    }
  }

  @Test("look-alikes are not credentials")
  func notFound() {
    let text =
      "Atzr| is the prefix; amzn1.oa2-cs is a prefix too; AKIA123; XAtzr|abcdefghijklmnopqrstuvwxyz"
    #expect(CredentialScanner.scan(Array(text.utf8)) == [])
  }
}

@Suite("Lifecycles")
struct LifecycleTests {
  static func refund() -> Lifecycle {
    Lifecycle(
      name: "refund", kinds: [.return], field: JSONPath(dotted: "workflow.state") ?? .root,
      initial: "notified",
      terminal: ["rejected", "settled", "written-off"],
      transitions: [
        "notified": ["authorized", "rejected"], "authorized": ["received", "written-off"],
        "received": ["credit-issued", "disputed", "written-off"],
        "disputed": ["credit-issued", "written-off"],
        "credit-issued": ["settled"],
      ], roles: [:])
  }

  @Test("reachability follows the transitions")
  func reachability() {
    let l = Self.refund()
    #expect(l.isReachable(from: "notified", to: "settled"))
    #expect(l.isReachable(from: "received", to: "settled"))
    #expect(!l.isReachable(from: "settled", to: "notified"))
    #expect(!l.isReachable(from: "written-off", to: "settled"))
    #expect(!l.isReachable(from: "rejected", to: "authorized"))
    #expect(l.next("received") == ["credit-issued", "disputed", "written-off"])
    #expect(l.problems() == [])
  }

  @Test("a cycle is found and reported")
  func cycle() {
    var l = Self.refund()
    l.transitions["settled"] = ["received"]
    l.terminal.remove("settled")
    #expect(l.cycle() != nil)
    #expect(l.problems().contains { $0.contains("cycle") })
  }

  @Test("a terminal state with exits and an unreachable state are reported")
  func structure() {
    var l = Self.refund()
    l.transitions["rejected"] = ["settled"]
    l.transitions["orphan"] = ["settled"]
    let problems = l.problems()
    #expect(problems.contains { $0.contains("terminal state \"rejected\"") })
    #expect(problems.contains { $0.contains("\"orphan\" cannot be reached") })
  }
}

@Suite("Deduction classifier against known invoices")
struct ClassifierReviewTests {
  @Test("a suffix is a claim only against a known invoice or when the line's type says so")
  func confirm() {
    let known: Set<String> = ["INV-100", "ABCSC"]
    func c(_ n: String, type: String? = nil) -> (String, String?, Bool) {
      let (cls, base) = DeductionClassifier.classify(n)
      let r = DeductionClassifier.confirm(
        number: n, classification: cls, base: base, lineType: type, knownInvoices: known)
      return (r.classification, r.base, r.ambiguity != nil)
    }
    #expect(c("INV-100SC") == ("shortage-claim", "INV-100", false))
    #expect(c("INV-100PC") == ("price-claim", "INV-100", false))
    #expect(c("INV-100SCR") == ("shortage-claim-reversal", "INV-100", false))
    #expect(c("DISC") == ("other", nil, true))  // ends in SC, no invoice DI
    #expect(c("ABCSC") == ("invoice", nil, false))  // an invoice whose number ends in SC
    #expect(c("XYZPC") == ("other", nil, true))
    #expect(c("XYZPC", type: "Standard") == ("invoice", nil, false))
    #expect(c("XYZSC", type: "ShortageClaim") == ("shortage-claim", "XYZ", false))
    #expect(c("1234567VCBSINV") == ("chargeback", nil, false))  // a pattern, not a guess
  }

  @Test("review: ambiguous lines become other with the reason; their deductions are left out")
  func review() throws {
    let us = try #require(Marketplace("US"))
    let lines: [JSONValue] = [
      .object([
        "lineNumber": .number(DecimalNumber(1)), "invoiceNumber": .string("INV-7"),
        "classification": .string("invoice"),
        "amountPaid": .object(["amount": .string("10.00"), "currency": .string("USD")]),
      ]),
      .object([
        "lineNumber": .number(DecimalNumber(2)), "invoiceNumber": .string("INV-7SC"),
        "classification": .string("shortage-claim"), "baseInvoiceNumber": .string("INV-7"),
        "amountPaid": .object(["amount": .string("-1.00"), "currency": .string("USD")]),
      ]),
      .object([
        "lineNumber": .number(DecimalNumber(3)), "invoiceNumber": .string("MISCPC"),
        "classification": .string("price-claim"), "baseInvoiceNumber": .string("MISC"),
        "amountPaid": .object(["amount": .string("-2.00"), "currency": .string("USD")]),
      ]),
    ]
    let pay = try Record(
      kind: .remittance, marketplace: us,
      source: [
        "uniquePaymentId": .string("P1"), "paymentDate": .string("2026-01-14"),
        "paymentAmount": .object(["amount": .string("7.00"), "currency": .string("USD")]),
        "lines": .array(lines),
      ], provenance: ["origin": .string("manual")])
    func deduction(_ n: String) throws -> Record {
      try Record(
        kind: .deduction, marketplace: us,
        source: [
          "deductionNumber": .string(n), "deductionType": .string("price-claim"),
          "deductionDate": .string("2026-01-14"),
          "amount": .object(["amount": .string("-2.00"), "currency": .string("USD")]),
        ], provenance: ["origin": .string("manual")])
    }
    let out = DeductionClassifier.review(
      [pay, try deduction("INV-7SC"), try deduction("MISCPC")], knownInvoices: [])
    #expect(out.count == 2)
    #expect(!out.contains { $0.json["source"]?["deductionNumber"] == .string("MISCPC") })
    let reviewed = out.first { $0.kind == .remittance }?.json["source"]?["lines"]?.arrayValue ?? []
    #expect(
      reviewed.map { $0["classification"]?.stringValue } == ["invoice", "shortage-claim", "other"])
    #expect(reviewed[2]["ambiguity"]?.stringValue?.contains("no invoice MISC") == true)
    #expect(reviewed[2]["baseInvoiceNumber"] == nil)
  }
}
