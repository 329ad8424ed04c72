import AcornExport
import AcornModel

/// The report's words in English and Simplified Chinese.
public enum ReportLanguage: String, Sendable, CaseIterable {
  case en
  case zh = "zh-CN"

  public func t(_ en: String, _ zh: String) -> String { self == .en ? en : zh }
}

extension Report {
  // MARK: tables — the one place each section's numbers are laid out

  /// Every section as a table (header in the report's language, exact numbers), in page order.
  /// HTML, CSV and xlsx are all written from these, so they carry the same numbers.
  public func tables(_ lang: ReportLanguage) -> [(key: String, title: String, table: Table)] {
    let L = lang
    var out: [(String, String, Table)] = []
    out.append(
      (
        "cash", L.t("Cash collected vs invoiced", "回款与开票"),
        Table(
          name: L.t("Cash", "回款"),
          header: [
            L.t("Month", "月份"), L.t("Currency", "币种"), L.t("Invoiced", "开票金额"),
            L.t("Collected", "回款金额"),
          ],
          rows: cash.map {
            [.text($0.month), .text($0.currency.code), amount($0.invoiced), amount($0.collected)]
          })
      ))
    out.append(
      (
        "ageing", L.t("Open receivables ageing (days since invoice)", "应收账款账龄（自开票日起天数）"),
        Table(
          name: L.t("Ageing", "账龄"),
          header: [L.t("Currency", "币种")] + Ageing.buckets.map { L.t("\($0) days", "\($0) 天") }
            + [L.t("Total", "合计"), L.t("Open invoices", "未结发票数")],
          rows: ageing.map { a in
            [.text(a.currency.code)] + a.amounts.map(amount) + [
              amount(a.total), .number(DecimalNumber(a.invoices.reduce(0, +))),
            ]
          })
      ))
    out.append(
      (
        "deductions", L.t("Deductions by type, verdict and state", "扣款：类型、判定与状态"),
        Table(
          name: L.t("Deductions", "扣款"),
          header: [
            L.t("Type", "类型"), L.t("Currency", "币种"), L.t("Count", "笔数"), L.t("Amount", "金额"),
            L.t("Disputable", "可申诉"), L.t("Valid", "成立"), L.t("Needs evidence", "需补证据"),
            L.t("Recoverable", "可追回"), L.t("States", "状态"),
          ],
          rows: deductions.map { d in
            let name = DeductionClassifier.name(d.type)
            return [
              .text(L == .en ? name.en : name.zh), .text(d.currency.code),
              .number(DecimalNumber(d.count)), amount(d.amount),
              amount(d.verdicts["disputable"]?.amount ?? .zero(d.currency)),
              amount(d.verdicts["valid"]?.amount ?? .zero(d.currency)),
              amount(d.verdicts["needs-evidence"]?.amount ?? .zero(d.currency)),
              amount(d.recoverable),
              .text(
                d.states.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(
                  separator: ", ")),
            ]
          })
      ))
    out.append(
      (
        "refunds", L.t("Refund pipeline", "退款流程"),
        Table(
          name: L.t("Refunds", "退款"),
          header: [
            L.t("State", "状态"), L.t("Currency", "币种"), L.t("Returns", "退货数"),
            L.t("Approved refund", "批准退款"), L.t("Credit overdue", "贷项逾期"),
          ],
          rows: refunds.map {
            [
              .text($0.state), .text($0.currency?.code ?? ""), .number(DecimalNumber($0.count)),
              $0.approvedRefund.map(amount) ?? .empty, .number(DecimalNumber($0.overdue)),
            ]
          })
      ))
    out.append(
      (
        "returnRates", L.t("Return rate per ASIN", "各 ASIN 退货率"),
        Table(
          name: L.t("Return rates", "退货率"),
          header: [
            "ASIN", L.t("Month", "月份"), L.t("Units invoiced", "开票数量"),
            L.t("Units returned", "退货数量"),
            L.t("Return rate", "退货率"),
          ],
          rows: returnRates.map {
            [
              .text($0.asin), .text($0.month), .number(DecimalNumber($0.invoicedUnits)),
              .number(DecimalNumber($0.returnedUnits)),
              $0.rate.map { .number($0, places: 4) } ?? .empty,
            ]
          })
      ))
    out.append(
      (
        "alerts", L.t("Open alerts", "待处理提醒"),
        Table(
          name: L.t("Alerts", "提醒"),
          header: [
            L.t("Level", "级别"), L.t("Rule", "规则"), L.t("Marketplace", "站点"), L.t("Due", "截止日"),
            L.t("Days left", "剩余天数"), L.t("Amount", "金额"), L.t("Currency", "币种"), L.t("What", "内容"),
          ],
          rows: alerts.map {
            [
              .text($0.level), .text($0.rule), .text($0.marketplace),
              .text($0.dueDate.map(CivilDate.string) ?? ""),
              $0.daysLeft.map { .number(DecimalNumber($0)) } ?? .empty,
              $0.amount.map(amount) ?? .empty, .text($0.amount?.currency.code ?? ""),
              .text(L == .en ? $0.en : $0.zh),
            ]
          })
      ))
    out.append(
      (
        "sync", L.t("Sync health", "同步状态"),
        Table(
          name: L.t("Sync", "同步"),
          header: [
            L.t("Source", "来源"), L.t("Marketplace", "站点"), L.t("Last success", "上次成功"),
            L.t("Days since", "距今天数"), L.t("Last error", "最近错误"),
          ],
          rows: sync.map {
            [
              .text($0.source), .text($0.marketplace),
              .text($0.lastSuccess.map(CivilDate.string) ?? ""),
              $0.daysSince.map { .number(DecimalNumber($0)) } ?? .empty, .text($0.lastError ?? ""),
            ]
          })
      ))
    return out
  }

  func amount(_ m: Money) -> Table.Cell {
    .number(m.amount, places: m.currency.minorUnits)
  }

  // MARK: JSON

  public var json: JSONValue {
    func money(_ m: Money) -> JSONValue { .string(m.amountText) }
    return .object([
      "asOf": .string(CivilDate.string(asOf)),
      "marketplace": marketplace.map(JSONValue.string) ?? .null,
      "period": period.map(JSONValue.string) ?? .null,
      "cash": .array(
        cash.map {
          .object([
            "month": .string($0.month), "currency": .string($0.currency.code),
            "invoiced": money($0.invoiced), "collected": money($0.collected),
          ])
        }),
      "ageing": .array(
        ageing.map { a in
          .object([
            "currency": .string(a.currency.code),
            "buckets": .object(
              Dictionary(uniqueKeysWithValues: zip(Ageing.buckets, a.amounts.map(money)))),
            "invoices": .object(
              Dictionary(
                uniqueKeysWithValues: zip(
                  Ageing.buckets, a.invoices.map { JSONValue.number(DecimalNumber($0)) }))),
            "total": money(a.total),
          ])
        }),
      "deductions": .array(
        deductions.map { d in
          .object([
            "type": .string(d.type), "currency": .string(d.currency.code),
            "count": .number(DecimalNumber(d.count)), "amount": money(d.amount),
            "verdicts": .object(
              d.verdicts.mapValues {
                .object(["count": .number(DecimalNumber($0.count)), "amount": money($0.amount)])
              }),
            "states": .object(d.states.mapValues { .number(DecimalNumber($0)) }),
            "recoverable": money(d.recoverable),
          ])
        }),
      "refunds": .array(
        refunds.map {
          .object([
            "state": .string($0.state), "currency": $0.currency.map { .string($0.code) } ?? .null,
            "count": .number(DecimalNumber($0.count)),
            "approvedRefund": $0.approvedRefund.map(money) ?? .null,
            "overdue": .number(DecimalNumber($0.overdue)),
          ])
        }),
      "returnRates": .array(
        returnRates.map {
          .object([
            "asin": .string($0.asin), "month": .string($0.month),
            "invoicedUnits": .number(DecimalNumber($0.invoicedUnits)),
            "returnedUnits": .number(DecimalNumber($0.returnedUnits)),
            "rate": $0.rate.map { .string($0.formatted(minimumScale: 4)) } ?? .null,
          ])
        }),
      "alerts": .array(
        alerts.map {
          .object([
            "level": .string($0.level), "rule": .string($0.rule),
            "marketplace": .string($0.marketplace),
            "dueDate": $0.dueDate.map { .string(CivilDate.string($0)) } ?? .null,
            "daysLeft": $0.daysLeft.map { .number(DecimalNumber($0)) } ?? .null,
            "amount": $0.amount.map { $0.json } ?? .null, "en": .string($0.en),
            "zh": .string($0.zh),
          ])
        }),
      "sync": .array(
        sync.map {
          .object([
            "source": .string($0.source), "marketplace": .string($0.marketplace),
            "lastSuccess": $0.lastSuccess.map { .string(CivilDate.string($0)) } ?? .null,
            "daysSince": $0.daysSince.map { .number(DecimalNumber($0)) } ?? .null,
            "lastError": $0.lastError.map(JSONValue.string) ?? .null,
          ])
        }),
    ])
  }

  // MARK: CSV and xlsx

  /// One tidy CSV of every section: section, column and value per cell, so a pivot table can
  /// take it whole (`row` keeps each table's rows together).
  public func csv(_ lang: ReportLanguage) -> String {
    var rows: [[Table.Cell]] = []
    for (key, _, table) in tables(lang) {
      for (i, row) in table.rows.enumerated() {
        for (c, cell) in row.enumerated() where cell != .empty {
          rows.append([.text(key), .number(DecimalNumber(i + 1)), .text(table.header[c]), cell])
        }
      }
    }
    return Table(name: "report", header: ["section", "row", "column", "value"], rows: rows).csv(
      bom: lang == .zh)
  }

  public func xlsx(_ lang: ReportLanguage) throws(ExportError) -> [UInt8] {
    try XLSX.workbook(tables(lang).map(\.table))
  }
}
