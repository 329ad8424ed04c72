import AcornModel

/// Outbound documents as X12 4010 transaction sets for vendors who trade through an EDI
/// provider: 855 (acknowledgement), 856 (ASN) and 810 (invoice), in one ISA/GS interchange.
/// Pure: the control number and the clock's reading are passed in (the workspace keeps the
/// counter so a number is never reused). Acorn's own X12 importer reads the files back to the
/// same business content (tested).
public enum X12Writer {
  public struct Envelope: Sendable {
    /// ISA06 / GS02 (the vendor's EDI id) and ISA08 / GS03 (Amazon's), with ISA05/07 `ZZ`.
    public var sender: String
    public var receiver: String
    /// ISA13 and GS06.
    public var control: Int
    /// `YYYY-MM-DDTHH:MM:SSZ`.
    public var now: String
    /// ISA15: `P` production or `T` test.
    public var usage: String

    public init(sender: String, receiver: String, control: Int, now: String, usage: String = "P") {
      self.sender = sender
      self.receiver = receiver
      self.control = control
      self.now = now
      self.usage = usage
    }
  }

  static let terminator = "~\n"

  public static func interchange(_ records: [Record], envelope e: Envelope) throws(OutboundError)
    -> String
  {
    let views = records.compactMap(OutboundView.init)
    guard views.count == records.count, let type = views.first?.type,
      views.allSatisfy({ $0.type == type })
    else {
      throw OutboundError(
        "x12.mixed", "one X12 export holds one kind of outbound document (855, 856 or 810)")
    }
    guard (1...999_999_999).contains(e.control) else {
      throw OutboundError("x12.control", "control number \(e.control) is not 1…999999999")
    }
    let digits = e.now.filter(\.isNumber)
    let ymd = String(digits.prefix(8))
    let hm = String(digits.dropFirst(8).prefix(4))
    let control9 = pad(String(e.control), 9, "0", left: true)
    var out = "ISA*00*" + pad("", 10) + "*00*" + pad("", 10) + "*ZZ*" + pad(e.sender, 15)
    out += "*ZZ*" + pad(e.receiver, 15) + "*" + String(ymd.dropFirst(2)) + "*" + hm
    out += "*U*00401*" + control9 + "*0*" + e.usage + "*>" + terminator
    let function: String
    switch type {
    case .acknowledgement: function = "PR"
    case .shipmentConfirmation: function = "SH"
    case .invoice: function = "IN"
    }
    out +=
      "GS*\(function)*\(e.sender)*\(e.receiver)*\(ymd)*\(hm)*\(e.control)*X*004010"
      + terminator
    for (i, r) in records.enumerated() {
      let st = pad(String(i + 1), 4, "0", left: true)
      var segments: [String]
      let s = r.json["source"] ?? .object([:])
      switch type {
      case .acknowledgement: segments = ack(s)
      case .shipmentConfirmation: segments = asn(s)
      case .invoice: segments = try invoice(s)
      }
      segments.insert("ST*\(type.x12Set)*\(st)", at: 0)
      segments.append("SE*\(segments.count + 1)*\(st)")
      out += segments.map { $0 + terminator }.joined()
    }
    out += "GE*\(records.count)*\(e.control)" + terminator
    out += "IEA*1*\(control9)" + terminator
    return out
  }

  static func pad(_ s: String, _ n: Int, _ c: Character = " ", left: Bool = false) -> String {
    let t = String(s.prefix(n))
    let fill = String(repeating: c, count: n - t.count)
    return left ? fill + t : t + fill
  }

  /// Element text: the delimiters `*`, `~`, `>` and line breaks cannot appear in a value.
  static func clean(_ s: String?) -> String {
    String((s ?? "").map { "*~>\n\r".contains($0) ? " " : $0 })
  }

  static func date(_ s: JSONValue?) -> String {
    String((s?.stringValue ?? "").filter(\.isNumber).prefix(8))
  }

  static func ids(_ l: JSONValue, po: Bool = false) -> String {
    var parts: [String] = []
    if let v = l["vendorProductIdentifier"]?.stringValue { parts += ["VP", clean(v)] }
    if let a = l["amazonProductIdentifier"]?.stringValue { parts += ["BP", clean(a)] }
    if po, let p = l["purchaseOrderNumber"]?.stringValue { parts += ["PO", clean(p)] }
    return parts.joined(separator: "*")
  }

  static func ack(_ s: JSONValue) -> [String] {
    let lines = s["lines"]?.arrayValue ?? []
    let changed = lines.contains {
      ($0["acceptedEaches"]?.intValue ?? 0) != ($0["orderedEaches"]?.intValue ?? -1)
    }
    // BAK02: AD acknowledged without change, AC with detail and change.
    var out = [
      "BAK*00*\(changed ? "AC" : "AD")*\(clean(s["purchaseOrderNumber"]?.stringValue))*\(date(s["acknowledgementDate"]))"
    ]
    for l in lines {
      let price = RecordViews.money(l["netCost"])
      out.append(
        "PO1*\(clean(l["itemSequenceNumber"]?.stringValue))*\(l["orderedEaches"]?.intValue ?? 0)*EA*\(price?.amountText ?? "")**\(ids(l))"
      )
      // ACK01 (X12 587): IA accepted, IB backordered, IR rejected.
      for (field, code) in [
        ("acceptedEaches", "IA"), ("backorderedEaches", "IB"), ("rejectedEaches", "IR"),
      ] {
        if let n = l[field]?.intValue, n > 0 { out.append("ACK*\(code)*\(n)*EA") }
      }
    }
    out.append("CTT*\(lines.count)")
    return out
  }

  static func asn(_ s: JSONValue) -> [String] {
    let created = s["createdDate"]?.stringValue ?? ""
    let hm = String(created.filter(\.isNumber).dropFirst(8).prefix(4))
    var out = [
      "BSN*\(s["shipmentConfirmationType"]?.stringValue == "Replace" ? "05" : "00")*\(clean(s["shipmentIdentifier"]?.stringValue))*\(date(s["createdDate"]))*\(hm.isEmpty ? "0000" : hm)*0001"
    ]
    var hl = 1
    out.append("HL*1**S")
    if let n = s["cartonCount"]?.intValue { out.append("TD1*CTN25*\(n)") }
    let t = s["transportation"]
    if let scac = t?["carrierScac"]?.stringValue { out.append("TD5**2*\(clean(scac))") }
    if let bol = t?["billOfLadingNumber"]?.stringValue { out.append("REF*BM*\(clean(bol))") }
    if let pro = t?["carrierShipmentReferenceNumber"]?.stringValue {
      out.append("REF*CN*\(clean(pro))")
    }
    out.append("DTM*011*\(date(s["shippedDate"]))")
    if let d = s["estimatedDeliveryDate"] { out.append("DTM*017*\(date(d))") }
    out.append("N1*ST**92*\(clean(s["shipToParty"]?["partyId"]?.stringValue))")
    out.append("N1*SF**92*\(clean(s["shipFromParty"]?["partyId"]?.stringValue))")
    let lines = s["lines"]?.arrayValue ?? []
    let cartons = s["cartons"]?.arrayValue ?? []
    let pos = RecordViews.strings(s["purchaseOrderNumbers"])
    for po in pos {
      hl += 1
      let order = hl
      out.append("HL*\(order)*1*O")
      out.append("PRF*\(clean(po))")
      let mine = lines.filter { $0["purchaseOrderNumber"]?.stringValue == po }
      let seqs = Set(mine.compactMap { $0["itemSequenceNumber"]?.stringValue })
      func item(_ l: JSONValue, _ qty: Int, parent: Int) {
        hl += 1
        out.append("HL*\(hl)*\(parent)*I")
        out.append("LIN*\(clean(l["itemSequenceNumber"]?.stringValue))*\(ids(l))")
        out.append("SN1*\(clean(l["itemSequenceNumber"]?.stringValue))*\(qty)*EA")
      }
      if cartons.isEmpty {
        for l in mine { item(l, l["shippedEaches"]?.intValue ?? 0, parent: order) }
        continue
      }
      // Pick and pack (S-O-P-I): each carton of this order with the items it holds.
      for c in cartons {
        let items = (c["items"]?.arrayValue ?? []).filter {
          seqs.contains($0["itemReference"]?.stringValue ?? "")
        }
        guard !items.isEmpty else { continue }
        hl += 1
        let pack = hl
        out.append("HL*\(pack)*\(order)*P")
        let id =
          "\(s["shipmentIdentifier"]?.stringValue ?? "")-\(c["cartonSequenceNumber"]?.stringValue ?? "")"
        out.append("MAN*GM*\(clean(id))")
        for i in items {
          guard
            let l = mine.first(where: {
              $0["itemSequenceNumber"]?.stringValue == i["itemReference"]?.stringValue
            })
          else { continue }
          item(l, i["shippedEaches"]?.intValue ?? 0, parent: pack)
        }
      }
    }
    out.append("CTT*\(hl)")
    return out
  }

  static func invoice(_ s: JSONValue) throws(OutboundError) -> [String] {
    guard let total = RecordViews.money(s["totalAmount"]) else {
      throw OutboundError("x12.total", "the invoice has no total")
    }
    let pos = RecordViews.strings(s["purchaseOrderNumbers"])
    var out = [
      "BIG*\(date(s["invoiceDate"]))*\(clean(s["invoiceNumber"]?.stringValue))**\(pos.count == 1 ? clean(pos[0]) : "")"
    ]
    out.append("CUR*SE*\(total.currency.code)")
    out.append("N1*RI**92*\(clean(s["remitToParty"]?["partyId"]?.stringValue))")
    if let to = s["shipToParty"]?["partyId"]?.stringValue { out.append("N1*ST**92*\(clean(to))") }
    if let t = s["paymentTerms"] {
      let pct = t["discountPercent"]?.stringValue ?? ""
      out.append(
        "ITD*01*3*\(pct)**\(t["discountDueDays"]?.intValue.map(String.init) ?? "")**\(t["netDueDays"]?.intValue.map(String.init) ?? "")"
      )
    }
    let lines = s["lines"]?.arrayValue ?? []
    for l in lines {
      let price = RecordViews.money(l["netCost"])
      out.append(
        "IT1*\(clean(l["itemSequenceNumber"]?.stringValue))*\(l["invoicedEaches"]?.intValue ?? 0)*EA*\(price?.amount.formatted() ?? "")**\(ids(l, po: true))"
      )
    }
    // TDS01: the total with two implied decimals.
    guard let cents = (try? total.amount * DecimalNumber(100))?.exactInt else {
      throw OutboundError("x12.total", "the total \(total) has more than two decimals")
    }
    out.append("TDS*\(cents)")
    out.append("CTT*\(lines.count)")
    return out
  }
}
