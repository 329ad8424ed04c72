import AcornModel

/// A finding's or verdict's sentence, in English and Simplified Chinese.
public struct Sentence: Sendable, Hashable {
  public var en: String
  public var zh: String

  init(_ en: String, _ zh: String) {
    self.en = en
    self.zh = zh
  }

  static func units(_ n: Int) -> String { n == 1 ? "1 unit" : "\(n) units" }

  static func unreadable(_ path: String, _ reason: String) -> Sentence {
    Sentence(
      "Record file \(path) cannot be read (\(reason)): it is left out of the reconciliation until it is fixed (acorn validate).",
      "记录文件 \(path) 无法读取（\(reason)）：修复之前不计入对账（acorn validate）。")
  }

  static func unbalanced(_ payment: String, lines: Money, payment amount: Money) -> Sentence {
    Sentence(
      "Payment \(payment): its lines add up to \(lines), the payment is \(amount).",
      "付款 \(payment)：明细合计 \(lines)，付款金额为 \(amount)。")
  }
  static func staleMatch(_ payment: String, line: Int, invoice: String) -> Sentence {
    Sentence(
      "Payment \(payment) line \(line) is matched to \(invoice), which is not in the workspace; match it again (acorn match).",
      "付款 \(payment) 第 \(line) 行被匹配到 \(invoice)，但工作区中没有该记录；请重新匹配（acorn match）。")
  }
  static func staleDeductionMatch(_ deduction: String, invoice: String) -> Sentence {
    Sentence(
      "Deduction \(deduction) is matched to \(invoice), which is not in the workspace.",
      "扣款 \(deduction) 被匹配到 \(invoice)，但工作区中没有该记录。")
  }
  static func staleReturnMatch(_ ret: String, _ note: String) -> Sentence {
    Sentence(
      "Return \(ret) is linked to \(note), which is not in the workspace.",
      "退货 \(ret) 关联了 \(note)，但工作区中没有该记录。")
  }
  static func unmatched(_ invoice: String, payment: String, amount: Money) -> Sentence {
    Sentence(
      "Payment \(payment) pays \(amount) for invoice \(invoice), which is not in the workspace: sync or import it, or match the line (acorn match).",
      "付款 \(payment) 为发票 \(invoice) 支付了 \(amount)，但工作区中没有该发票：请同步或导入，或手动匹配（acorn match）。")
  }
  static func currency(_ invoice: String, payment: String, paid: Money, invoiced: CurrencyCode)
    -> Sentence
  {
    Sentence(
      "Payment \(payment) pays invoice \(invoice) in \(paid.currency) but the invoice is in \(invoiced), and the remittance gives no exchange rate.",
      "付款 \(payment) 以 \(paid.currency) 支付发票 \(invoice)，但发票币种为 \(invoiced)，且汇款单未提供汇率。")
  }
  static func rounding(_ invoice: String, _ amount: Money) -> Sentence {
    Sentence(
      "Invoice \(invoice) is settled but for \(amount), within the rounding tolerance.",
      "发票 \(invoice) 已结清，差额 \(amount) 在舍入容差之内。")
  }
  static func paidTwice(_ invoice: String, payments: [String]) -> Sentence {
    let list = payments.joined(separator: ", ")
    return Sentence(
      "Invoice \(invoice) is paid more than once (payments \(list)).",
      "发票 \(invoice) 被重复支付（付款 \(list)）。")
  }
  static func overpaid(_ invoice: String, _ amount: Money) -> Sentence {
    Sentence(
      "Invoice \(invoice) is overpaid by \(amount).", "发票 \(invoice) 多付了 \(amount)。")
  }
  static func pastDue(_ invoice: String, days: Int, open: Money) -> Sentence {
    Sentence(
      "Invoice \(invoice) is \(days) days past due with \(open) open.",
      "发票 \(invoice) 已逾期 \(days) 天，未付 \(open)。")
  }
  /// A purchase order's line as a sentence names it: "PO1 line 2 (B0ASIN)", "PO1 第 2 行（B0ASIN）".
  struct OrderLine {
    var order: String
    var sequence: String
    var asin: String?

    var en: String { "\(order) line \(sequence)\(asin.map { " (\($0))" } ?? "")" }
    var zh: String { "\(order) 第 \(sequence) 行\(asin.map { "（\($0)）" } ?? "")" }
  }

  static func expectedShortage(_ what: OrderLine, units n: Int, amount: Money?) -> Sentence {
    return Sentence(
      "PO \(what.en): \(units(n)) invoiced but not received\(amount.map { " (\($0))" } ?? ""): expect a shortage claim.",
      "采购单 \(what.zh)：已开票但未收货 \(n) 件\(amount.map { "（\($0)）" } ?? "")：预计会有短缺索赔。")
  }
  static func asnAccuracy(_ what: OrderLine, shipped: Int, received: Int) -> Sentence {
    Sentence(
      "PO \(what.en): the ASN says \(units(shipped)) shipped, Amazon received \(received): ASN-accuracy chargeback risk.",
      "采购单 \(what.zh)：发货通知显示发货 \(shipped) 件，亚马逊收货 \(received) 件：存在 ASN 准确性罚款风险。")
  }
  static func overInvoiced(_ what: OrderLine, invoiced: Int, accepted: Int) -> Sentence {
    Sentence(
      "PO \(what.en): \(units(invoiced)) invoiced but only \(accepted) accepted.",
      "采购单 \(what.zh)：开票 \(invoiced) 件，但仅确认接受 \(accepted) 件。")
  }
  static func priceVariance(_ what: OrderLine, invoiced: Money, agreed: Money, units n: Int)
    -> Sentence
  {
    Sentence(
      "PO \(what.en): invoiced at \(invoiced) a unit, agreed cost \(agreed) (\(units(n))): price claim risk.",
      "采购单 \(what.zh)：开票单价 \(invoiced)，约定成本 \(agreed)（\(n) 件）：存在价格索赔风险。")
  }
  static func unlinked(_ number: String, base: String?) -> Sentence {
    Sentence(
      "Deduction \(number) refers to invoice \(base ?? "?"), which is not in the workspace: sync or import it, or match the deduction (acorn match).",
      "扣款 \(number) 对应的发票 \(base ?? "?") 不在工作区中：请同步或导入，或手动匹配（acorn match）。")
  }
  static func disputable(_ number: String, type: String, amount: Money, reason: Sentence)
    -> Sentence
  {
    Sentence(
      "\(number) (\(type)) can be disputed: \(amount) to recover. \(reason.en)",
      "\(number)（\(type)）可以申诉：可追回 \(amount)。\(reason.zh)")
  }
  static func reversalReason(_ base: String?) -> Sentence {
    Sentence(
      "A reversal: nets against the claim on \(base ?? "its invoice").",
      "冲回：与 \(base ?? "对应发票") 的索赔相抵。")
  }
  static func provisionReason(_ type: String) -> Sentence {
    type == "provision"
      ? Sentence(
        "A provision for receivables: temporary, reversed on a later payment.",
        "应收款准备金：临时扣款，会在之后的付款中冲回。")
      : Sentence("The reversal of a provision.", "准备金冲回。")
  }
  static func otherReason(_ type: String) -> Sentence {
    Sentence(
      "A \(type) deduction: check it against its agreement or backup report.",
      "\(type) 扣款：请对照协议或明细报告核查。")
  }
  static func noInvoice(_ base: String?) -> Sentence {
    Sentence(
      "No invoice \(base ?? "?") in the workspace to compare with.",
      "工作区中没有可对照的发票 \(base ?? "?")。")
  }
  static func noReceipts(_ invoice: String) -> Sentence {
    Sentence(
      "Amazon has not reported receipts for every line of invoice \(invoice).",
      "亚马逊尚未报告发票 \(invoice) 所有行的收货数量。")
  }
  static func receiptsCover(_ invoice: String, invoiced: Int, received: Int) -> Sentence {
    Sentence(
      "Amazon's own receipts cover what invoice \(invoice) billed (\(received) received, \(invoiced) invoiced).",
      "亚马逊自己的收货记录覆盖了发票 \(invoice) 的开票数量（收货 \(received) 件，开票 \(invoiced) 件）。")
  }
  static func shippedShort(_ invoice: String, invoiced: Int, shipped: Int) -> Sentence {
    Sentence(
      "Invoice \(invoice) billed \(units(invoiced)) but the ASNs shipped \(shipped): the claim stands.",
      "发票 \(invoice) 开票 \(invoiced) 件，但发货通知仅发货 \(shipped) 件：索赔成立。")
  }
  static func claimExceeds(claimed: Money, short: Money) -> Sentence {
    Sentence(
      "The claim is \(claimed) but the receipts show only \(short) short.",
      "索赔金额为 \(claimed)，但收货记录显示短缺仅 \(short)。")
  }
  static func podNeeded(shipped: Int, received: Int, carrier: String?, tracking: String?)
    -> Sentence
  {
    let via = [carrier, tracking].compactMap { $0 }.joined(separator: " ")
    let en = via.isEmpty ? "" : " (carrier \(via))"
    let zh = via.isEmpty ? "" : "（承运商 \(via)）"
    return Sentence(
      "The ASN shipped \(units(shipped)), Amazon received \(received): proof of delivery\(en) decides.",
      "发货通知显示发货 \(shipped) 件，亚马逊收货 \(received) 件：需要签收证明\(zh)。")
  }
  static func invoicedAbove(cost: Money, agreed: Money) -> Sentence {
    Sentence(
      "Invoiced at \(cost) a unit against an agreed \(agreed): the claim stands.",
      "开票单价 \(cost) 高于约定的 \(agreed)：索赔成立。")
  }
  static func noCosts(_ invoice: String) -> Sentence {
    Sentence(
      "The PO costs for invoice \(invoice) are not all known.",
      "发票 \(invoice) 对应的采购成本不完整。")
  }
  static func costsMatch(_ invoice: String) -> Sentence {
    Sentence(
      "Invoice \(invoice) billed the PO's agreed costs.",
      "发票 \(invoice) 按采购单约定成本开票。")
  }
  static let disputedTwice = Sentence(
    "Disputed twice already: no longer eligible.", "已申诉两次：不再符合申诉条件。")
  static func chargebackEvidence(_ kind: String) -> Sentence {
    Sentence(
      "Chargeback \(kind.isEmpty ? "" : "(\(kind)) ")needs the evidence its type asks for (confirmation screenshot, appointment, proof of delivery, label images).",
      "罚款\(kind.isEmpty ? "" : "（\(kind)）")需要对应类型的证据（确认截图、预约记录、签收证明、标签图片）。")
  }
  static let asnNoPO = Sentence(
    "An ASN-accuracy chargeback names no purchase order in the workspace.",
    "ASN 准确性罚款未关联工作区中的采购单。")
  static let noASN = Sentence(
    "No ASN was sent for the purchase order: the chargeback stands.",
    "该采购单未发送发货通知：罚款成立。")
  static func asnMatched(shipped: Int) -> Sentence {
    Sentence(
      "The ASN was sent and matches what Amazon received (\(units(shipped))).",
      "已发送发货通知，且与亚马逊收货数量一致（\(shipped) 件）。")
  }
  static func asnDiffers(shipped: Int, received: Int) -> Sentence {
    Sentence(
      "The ASN says \(units(shipped)), Amazon received \(received).",
      "发货通知为 \(shipped) 件，亚马逊收货 \(received) 件。")
  }
  static func creditDifferent(_ ret: String, credited: Money, approved: Money) -> Sentence {
    Sentence(
      "Return \(ret): credited \(credited), the approved refund is \(approved).",
      "退货 \(ret)：已贷记 \(credited)，批准的退款为 \(approved)。")
  }
  static func settledReason(_ ret: String, _ notes: [String]) -> String {
    "a remittance settles \(notes.joined(separator: ", ")) for return \(ret)"
  }
  static func creditLate(_ ret: String, days: Int, approved: Money?) -> Sentence {
    let value = approved.map { " of \($0)" } ?? ""
    let zhValue = approved.map { "（\($0)）" } ?? ""
    return Sentence(
      "Return \(ret): no credit note or deduction\(value) \(days) days after it was due (30 days after the return notice).",
      "退货 \(ret)：在退货通知 30 天的期限过后 \(days) 天，仍无贷项通知单或扣款\(zhValue)。")
  }
  static func creditWaiting(_ ret: String, daysLeft: Int) -> Sentence {
    Sentence(
      "Return \(ret): its credit is due in \(daysLeft) days.",
      "退货 \(ret)：贷项将在 \(daysLeft) 天后到期。")
  }
}
