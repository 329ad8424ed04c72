import AcornModel

/// What `acorn sandbox serve` checks a vendor POST against: the request definitions of Amazon's
/// models (`vendorOrders.json` SubmitAcknowledgementRequest, `vendorShipments.json`
/// SubmitShipmentConfirmationsRequest, `vendorInvoices.json` SubmitInvoicesRequest) restated as
/// JSON Schema — required properties, types, enumerations, the `Decimal` pattern and date-times —
/// so the sandbox runs without the model files. A test holds them to Amazon's models: every body
/// Acorn sends validates against both, and bodies the models refuse are refused here too.
enum SandboxRequestSchemas {
  static let text = #"""
    {
      "$defs": {
        "decimal": {"type": "string", "pattern": "^-?(0|([1-9]\\d*))(\\.\\d+)?([eE][+-]?\\d+)?$"},
        "dateTime": {"type": "string", "format": "date-time"},
        "money": {
          "type": "object",
          "properties": {
            "currencyCode": {"type": "string", "maxLength": 3},
            "amount": {"$ref": "#/$defs/decimal"},
            "unitOfMeasure": {"type": "string", "enum": ["POUNDS", "OUNCES", "GRAMS", "KILOGRAMS"]}
          }
        },
        "orderQuantity": {
          "type": "object",
          "properties": {
            "amount": {"type": "integer"},
            "unitOfMeasure": {"type": "string", "enum": ["Cases", "Eaches"]},
            "unitSize": {"type": "integer"}
          }
        },
        "quantity": {
          "type": "object",
          "required": ["amount", "unitOfMeasure"],
          "properties": {
            "amount": {"type": "integer"},
            "unitOfMeasure": {"type": "string", "enum": ["Cases", "Eaches"]},
            "unitSize": {"type": "integer"}
          }
        },
        "party": {
          "type": "object",
          "required": ["partyId"],
          "properties": {
            "partyId": {"type": "string"},
            "address": {
              "type": "object",
              "required": ["name", "addressLine1", "countryCode"],
              "properties": {"countryCode": {"type": "string", "maxLength": 2}}
            }
          }
        },
        "acknowledgement": {
          "type": "object",
          "required": ["purchaseOrderNumber", "sellingParty", "acknowledgementDate", "items"],
          "properties": {
            "purchaseOrderNumber": {"type": "string"},
            "sellingParty": {"$ref": "#/$defs/party"},
            "acknowledgementDate": {"$ref": "#/$defs/dateTime"},
            "items": {
              "type": "array",
              "items": {
                "type": "object",
                "required": ["orderedQuantity", "itemAcknowledgements"],
                "properties": {
                  "itemSequenceNumber": {"type": "string"},
                  "amazonProductIdentifier": {"type": "string"},
                  "vendorProductIdentifier": {"type": "string"},
                  "orderedQuantity": {"$ref": "#/$defs/orderQuantity"},
                  "netCost": {"$ref": "#/$defs/money"},
                  "listPrice": {"$ref": "#/$defs/money"},
                  "discountMultiplier": {"type": "string"},
                  "itemAcknowledgements": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "required": ["acknowledgementCode", "acknowledgedQuantity"],
                      "properties": {
                        "acknowledgementCode": {"type": "string", "enum": ["Accepted", "Backordered", "Rejected"]},
                        "acknowledgedQuantity": {"$ref": "#/$defs/orderQuantity"},
                        "scheduledShipDate": {"$ref": "#/$defs/dateTime"},
                        "scheduledDeliveryDate": {"$ref": "#/$defs/dateTime"},
                        "rejectionReason": {"type": "string", "enum": ["TemporarilyUnavailable", "InvalidProductIdentifier", "ObsoleteProduct"]}
                      }
                    }
                  }
                }
              }
            }
          }
        },
        "shipmentConfirmation": {
          "type": "object",
          "required": ["shipmentIdentifier", "shipmentConfirmationType", "shipmentConfirmationDate", "sellingParty", "shipFromParty", "shipToParty", "shippedItems"],
          "properties": {
            "shipmentIdentifier": {"type": "string"},
            "shipmentConfirmationType": {"type": "string", "enum": ["Original", "Replace"]},
            "shipmentType": {"type": "string", "enum": ["TruckLoad", "LessThanTruckLoad", "SmallParcel"]},
            "shipmentStructure": {"type": "string", "enum": ["PalletizedAssortmentCase", "LooseAssortmentCase", "PalletOfItems", "PalletizedStandardCase", "LooseStandardCase", "MasterPallet", "MasterCase"]},
            "transportationDetails": {
              "type": "object",
              "properties": {
                "carrierScac": {"type": "string"},
                "carrierShipmentReferenceNumber": {"type": "string"},
                "transportationMode": {"type": "string", "enum": ["Road", "Air", "Ocean"]},
                "billOfLadingNumber": {"type": "string"}
              }
            },
            "amazonReferenceNumber": {"type": "string"},
            "shipmentConfirmationDate": {"$ref": "#/$defs/dateTime"},
            "shippedDate": {"$ref": "#/$defs/dateTime"},
            "estimatedDeliveryDate": {"$ref": "#/$defs/dateTime"},
            "sellingParty": {"$ref": "#/$defs/party"},
            "shipFromParty": {"$ref": "#/$defs/party"},
            "shipToParty": {"$ref": "#/$defs/party"},
            "shipmentMeasurements": {
              "type": "object",
              "properties": {"cartonCount": {"type": "integer"}, "palletCount": {"type": "integer"}}
            },
            "shippedItems": {
              "type": "array",
              "items": {
                "type": "object",
                "required": ["itemSequenceNumber", "shippedQuantity"],
                "properties": {
                  "itemSequenceNumber": {"type": "string"},
                  "amazonProductIdentifier": {"type": "string"},
                  "vendorProductIdentifier": {"type": "string"},
                  "shippedQuantity": {"$ref": "#/$defs/quantity"},
                  "itemDetails": {"type": "object", "properties": {"purchaseOrderNumber": {"type": "string"}}}
                }
              }
            },
            "cartons": {
              "type": "array",
              "items": {
                "type": "object",
                "required": ["cartonSequenceNumber", "items"],
                "properties": {
                  "cartonIdentifiers": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "required": ["containerIdentificationType", "containerIdentificationNumber"],
                      "properties": {"containerIdentificationType": {"type": "string", "enum": ["SSCC", "AMZNCC", "GTIN", "BPS", "CID"]}}
                    }
                  },
                  "cartonSequenceNumber": {"type": "string"},
                  "trackingNumber": {"type": "string"},
                  "items": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "required": ["itemReference", "shippedQuantity"],
                      "properties": {"itemReference": {"type": "string"}, "shippedQuantity": {"$ref": "#/$defs/quantity"}}
                    }
                  }
                }
              }
            }
          }
        },
        "invoice": {
          "type": "object",
          "required": ["invoiceType", "id", "date", "remitToParty", "invoiceTotal"],
          "properties": {
            "invoiceType": {"type": "string", "enum": ["Invoice", "CreditNote"]},
            "id": {"type": "string"},
            "referenceNumber": {"type": "string"},
            "date": {"$ref": "#/$defs/dateTime"},
            "remitToParty": {"$ref": "#/$defs/party"},
            "shipToParty": {"$ref": "#/$defs/party"},
            "shipFromParty": {"$ref": "#/$defs/party"},
            "billToParty": {"$ref": "#/$defs/party"},
            "paymentTerms": {
              "type": "object",
              "properties": {
                "type": {"type": "string", "enum": ["Basic", "EndOfMonth", "FixedDate", "Proximo", "PaymentDueUponReceiptOfInvoice", "LetterofCredit"]},
                "discountPercent": {"$ref": "#/$defs/decimal"},
                "discountDueDays": {"type": "number"},
                "netDueDays": {"type": "number"}
              }
            },
            "invoiceTotal": {"$ref": "#/$defs/money"},
            "additionalDetails": {
              "type": "array",
              "items": {
                "type": "object",
                "required": ["type", "detail"],
                "properties": {"type": {"type": "string", "enum": ["SUR", "OCR", "CartonCount"]}, "detail": {"type": "string"}}
              }
            },
            "items": {
              "type": "array",
              "items": {
                "type": "object",
                "required": ["itemSequenceNumber", "invoicedQuantity", "netCost"],
                "properties": {
                  "itemSequenceNumber": {"type": "integer"},
                  "amazonProductIdentifier": {"type": "string"},
                  "vendorProductIdentifier": {"type": "string"},
                  "invoicedQuantity": {"$ref": "#/$defs/quantity"},
                  "netCost": {"$ref": "#/$defs/money"},
                  "purchaseOrderNumber": {"type": "string"}
                }
              }
            }
          }
        }
      }
    }
    """#

  /// One schema per operation: the definitions above, with the operation's request at the root.
  static let set: JSONSchemaSet = {
    let root = (try? JSONParser.parse(Array(text.utf8)).value) ?? .object([:])
    var schemas: [String: JSONValue] = [:]
    for (name, list, def) in [
      ("submitAcknowledgement", "acknowledgements", "acknowledgement"),
      ("SubmitShipmentConfirmations", "shipmentConfirmations", "shipmentConfirmation"),
      ("submitInvoices", "invoices", "invoice"),
    ] {
      schemas[name] = .object([
        "$defs": root["$defs"] ?? .object([:]), "type": .string("object"),
        "required": .array([.string(list)]),
        "properties": .object([
          list: .object([
            "type": .string("array"), "minItems": .number(DecimalNumber(1)),
            "items": .object(["$ref": .string("#/$defs/\(def)")]),
          ])
        ]),
      ])
    }
    return JSONSchemaSet(schemas: schemas)
  }()

  /// What is wrong with a request body for `operation`, as Amazon words it; empty when valid.
  static func violations(_ body: JSONValue, operation: String) -> [String] {
    guard let found = try? set.validate(body, against: operation) else {
      return ["the sandbox has no request schema for \(operation)"]
    }
    return found.map { "\($0.path): \($0.message)" }
  }
}
