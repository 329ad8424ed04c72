import Foundation
import Testing

@testable import AcornModel

/// A compiled schema set is a graph with cycles (recursive `$ref`, dynamic anchors); it must still
/// be freed when the set goes, or a long-running `acorn serve` grows with every request.
@Suite("JSON Schema sets free their compiled graph")
struct SchemaMemoryTests {
  @Test("recursive references and dynamic anchors do not keep a dropped set's nodes alive")
  func freed() throws {
    let schema = try JSONParser.parse(
      Array(
        #"""
        {"$id": "https://example.com/tree", "$dynamicAnchor": "node", "type": "object",
         "properties": {"children": {"type": "array", "items": {"$dynamicRef": "#node"}},
                        "parent": {"$ref": "#"}}}
        """#.utf8)
    ).value
    weak var node: SchemaNode?
    weak var resource: SchemaResource?
    do {
      let set = JSONSchemaSet(schemas: ["tree.json": schema])
      #expect(set.problems.isEmpty)
      let value = try JSONParser.parse(
        Array(#"{"children": [{"children": []}, {"parent": {}}]}"#.utf8)
      ).value
      #expect(try set.validate(value, against: "tree.json").isEmpty)
      let root = try #require(
        set.compiler.resources.values.first { $0.resource.uri.contains("example.com/tree") })
      node = root.node
      resource = root.resource
      #expect(node != nil && resource != nil)
    }
    #expect(node == nil, "the set's nodes outlive it")
    #expect(resource == nil, "the set's resources outlive it")
  }
}
