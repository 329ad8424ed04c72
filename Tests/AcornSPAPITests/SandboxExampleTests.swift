import AcornModel
import Foundation
import Testing

@testable import AcornSPAPI

/// Every sandbox example of the operations Acorn reads decodes and normalizes (../shared).
@Suite("Amazon's sandbox examples")
struct SandboxExampleTests {
  static var folder: String? {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    let path = url.path + "/../shared/reference/vendor-central/sandbox-examples"
    return FileManager.default.fileExists(atPath: path) ? path : nil
  }

  static func examples(_ prefix: String) throws -> [(String, JSONValue)] {
    guard let folder else { return [] }
    return try FileManager.default.contentsOfDirectory(atPath: folder).sorted().filter {
      $0.hasPrefix(prefix) && $0.contains("__200__")
    }.map { name in
      (
        name,
        try JSONParser.parse(
          [UInt8](try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name)))
        ).value
      )
    }
  }

  @Test(
    "getPurchaseOrders, getPurchaseOrder, getPurchaseOrdersStatus and GetShipmentDetails examples become records",
    .enabled(if: folder != nil, "../shared/reference/vendor-central/sandbox-examples is absent")
  )
  func vendorExamples() throws {
    let us = try #require(Marketplace("US"))
    var count = 0
    for (name, example) in try Self.examples("vendorOrders__getPurchaseOrders__") {
      let orders = example["response"]?["payload"]?["orders"]?.arrayValue ?? []
      for o in orders {
        let r = SPAPINormalizer.purchaseOrder(o, status: nil, marketplace: us)
        #expect(r != nil || o["orderDetails"] == nil, "\(name)")
        if let r {
          count += 1; #expect(Invariants.check(r.json, kind: .purchaseOrder).isEmpty, "\(name)")
        }
      }
    }
    for (name, example) in try Self.examples("vendorOrders__getPurchaseOrder__") {
      guard let o = example["response"]?["payload"] else { continue }
      #expect(SPAPINormalizer.purchaseOrder(o, status: nil, marketplace: us) != nil, "\(name)")
      count += 1
    }
    for (name, example) in try Self.examples("vendorOrders__getPurchaseOrdersStatus__") {
      for s in example["response"]?["payload"]?["ordersStatus"]?.arrayValue ?? [] {
        #expect(s["purchaseOrderNumber"]?.stringValue != nil, "\(name)")
        for item in s["itemStatus"]?.arrayValue ?? [] {
          #expect(
            SPAPINormalizer.eaches(item["orderedQuantity"]?["orderedQuantity"]) != nil
              || item["orderedQuantity"] == nil, "\(name)")
        }
        count += 1
      }
    }
    for (name, example) in try Self.examples("vendorShipments__GetShipmentDetails__") {
      for s in example["response"]?["payload"]?["shipments"]?.arrayValue ?? [] {
        #expect(SPAPINormalizer.shipment(s, marketplace: us) != nil, "\(name)")
        count += 1
      }
    }
    #expect(count > 10)
  }
}
