import AcornModel
import Foundation
import Testing

@Suite("Text")
struct TextTests {
  @Test(
    "trimmingSpaces trims what CharacterSet.whitespaces names, nothing else",
    arguments: [
      "", " ", "\t", "abc", " abc ", "\tUS00001 ", "\u{00A0}1.234,56\u{00A0}", "\u{3000}東京\u{3000}",
      "\u{2009}12 €\u{202F}", " a b ", "\nline\n", "é ", " é", "\u{200B}x",
    ])
  func matchesFoundation(text: String) {
    #expect(text.trimmingSpaces() == text.trimmingCharacters(in: .whitespaces))
  }

  @Test("trimmingSpaces agrees with Foundation on random strings of spaces and letters")
  func randomAgreement() {
    let alphabet: [Character] = [
      " ", "\t", "\n", "\u{00A0}", "\u{3000}", "\u{2003}", "\u{200B}", "\u{FEFF}", "\u{1680}", "a",
      "1", "é", "中", "-",
    ]
    var rng = SplitMix(seed: 42)
    for _ in 0..<2_000 {
      let s = String(
        (0..<Int.random(in: 0...8, using: &rng)).map { _ in
          alphabet[Int.random(in: 0..<alphabet.count, using: &rng)]
        })
      #expect(
        s.trimmingSpaces() == s.trimmingCharacters(in: .whitespaces), "\(Array(s.unicodeScalars))")
    }
  }
}
