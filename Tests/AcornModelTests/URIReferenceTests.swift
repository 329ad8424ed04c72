import Testing

@testable import AcornModel

/// RFC 3986 appendix B's split and §5.4's resolution examples: what `$id` and `$ref` rest on.
struct URIReferenceTests {
  typealias Parts = (
    scheme: String?, authority: String?, path: String, query: String?, fragment: String?
  )

  static let splits: [(String, Parts)] = [
    (
      "https://acorn.example/schemas/invoice.schema.json#/$defs/money",
      ("https", "acorn.example", "/schemas/invoice.schema.json", nil, "/$defs/money")
    ),
    ("http://a/b/c/d;p?q", ("http", "a", "/b/c/d;p", "q", nil)),
    ("common.schema.json#/$defs/date", (nil, nil, "common.schema.json", nil, "/$defs/date")),
    ("#anchor", (nil, nil, "", nil, "anchor")),
    ("", (nil, nil, "", nil, nil)),
    ("urn:uuid:deadbeef-1234", ("urn", nil, "uuid:deadbeef-1234", nil, nil)),
    ("//host/only", (nil, "host", "/only", nil, nil)),
    ("//host", (nil, "host", "", nil, nil)),
    // Not a scheme: starts with a digit, is empty, or holds a slash before the colon.
    ("1a:b", (nil, nil, "1a:b", nil, nil)),
    (":x", (nil, nil, ":x", nil, nil)),
    ("a/b:c", (nil, nil, "a/b:c", nil, nil)),
    ("x+y-z.w:rest", ("x+y-z.w", nil, "rest", nil, nil)),
    // A query may hold `#`-free text with `:` and `/`; the fragment comes off first.
    ("a?b:c/d#e?f", (nil, nil, "a", "b:c/d", "e?f")),
    // Non-ASCII text is kept whole around the ASCII delimiters.
    (
      "https://exämple.cn/发票/schema.json?键=值#片段",
      ("https", "exämple.cn", "/发票/schema.json", "键=值", "片段")
    ),
  ]

  @Test("splits by the generic syntax, scanning bytes (ASCII delimiters, any text between)")
  func split() {
    for (text, expected) in Self.splits {
      let uri = URIReference(text)
      #expect(uri.scheme == expected.scheme, "\(text)")
      #expect(uri.authority == expected.authority, "\(text)")
      #expect(uri.path == expected.path, "\(text)")
      #expect(uri.query == expected.query, "\(text)")
      #expect(uri.fragment == expected.fragment, "\(text)")
      #expect(uri.text == text || text == "", "\(text)")
    }
  }

  @Test("resolves RFC 3986 §5.4's normal and abnormal examples against http://a/b/c/d;p?q")
  func resolve() {
    let base = URIReference("http://a/b/c/d;p?q")
    let cases: [(String, String)] = [
      ("g:h", "g:h"), ("g", "http://a/b/c/g"), ("./g", "http://a/b/c/g"),
      ("g/", "http://a/b/c/g/"), ("/g", "http://a/g"), ("//g", "http://g"),
      ("?y", "http://a/b/c/d;p?y"), ("g?y", "http://a/b/c/g?y"), ("#s", "http://a/b/c/d;p?q#s"),
      ("g#s", "http://a/b/c/g#s"), ("g?y#s", "http://a/b/c/g?y#s"), (";x", "http://a/b/c/;x"),
      ("g;x", "http://a/b/c/g;x"), ("", "http://a/b/c/d;p?q"), (".", "http://a/b/c/"),
      ("./", "http://a/b/c/"), ("..", "http://a/b/"), ("../", "http://a/b/"),
      ("../g", "http://a/b/g"), ("../..", "http://a/"), ("../../g", "http://a/g"),
      ("../../../g", "http://a/g"), ("/./g", "http://a/g"), ("/../g", "http://a/g"),
      ("g.", "http://a/b/c/g."), (".g", "http://a/b/c/.g"), ("g..", "http://a/b/c/g.."),
      ("./../g", "http://a/b/g"), ("./g/.", "http://a/b/c/g/"), ("g/./h", "http://a/b/c/g/h"),
      ("g/../h", "http://a/b/c/h"), ("g;x=1/./y", "http://a/b/c/g;x=1/y"),
      ("g;x=1/../y", "http://a/b/c/y"),
    ]
    for (reference, target) in cases {
      #expect(URIReference(reference).resolved(against: base).text == target, "\(reference)")
    }
  }

  @Test("percent-decodes a fragment only where asked")
  func decoded() {
    #expect(URIReference("a.json#/$defs/a%20b").decodedFragment == "/$defs/a b")
    #expect(URIReference("a.json#/plain").decodedFragment == "/plain")
    #expect(URIReference("a.json").decodedFragment == nil)
  }
}
