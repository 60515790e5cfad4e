import TestSupport
import XCTest
import XMPP

/// Random trees with hostile text (every character that needs escaping, line ends, non-ASCII)
/// are serialised, then parsed back in random chunks: the parser must give the same tree.
final class XMLRoundTripTests: XCTestCase {
  private let alphabet: [String] = ["a", "Z", "0", " ", "<", ">", "&", "'", "\"", "\r", "\n", "\r\n", "\t", "]]>", "é", "😀", "&amp;", ";", "="]
  private let namespaces = ["jabber:client", "urn:x", "http://jabber.org/protocol/chatstates", "vcard-temp", ""]

  private func text<R: RandomNumberGenerator>(_ random: inout R) -> String {
    (0..<Int.random(in: 0..<8, using: &random)).map { _ in alphabet.randomElement(using: &random)! }.joined()
  }

  private func element<R: RandomNumberGenerator>(_ random: inout R, depth: Int) -> XMLElement {
    var element = XMLElement(
      name: ["message", "body", "x", "a-b.c", "é"].randomElement(using: &random)!,
      namespace: depth == 0 ? "jabber:client" : namespaces.randomElement(using: &random)!)
    for index in 0..<Int.random(in: 0..<4, using: &random) {
      element.attributes.append(XMLAttribute(name: "k\(index)", value: text(&random)))
    }
    if Bool.random(using: &random) {
      element.attributes.append(XMLAttribute(name: "p:k", value: text(&random), namespace: "urn:p"))
    }
    var lastWasText = false
    for _ in 0..<Int.random(in: 0..<(depth < 4 ? 5 : 1), using: &random) {
      if Bool.random(using: &random) {
        element.children.append(.element(self.element(&random, depth: depth + 1)))
        lastWasText = false
      } else if !lastWasText {
        let content = text(&random)
        if !content.isEmpty {
          // Parsed text has its line ends normalised; the tree holds what a parser gives.
          element.children.append(.text(content.replacingOccurrences(of: "\r\n", with: "\n")))
          lastWasText = true
        }
      }
    }
    return element
  }

  func testRandomTreesSurviveSerialisationAndAnyChunking() throws {
    var random = SplitMix64(seed: 0x5106_0BAD)
    let header = Array(
      "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>".utf8)
    for round in 0..<300 {
      let stanzas = (0..<Int.random(in: 1..<4, using: &random)).map { _ in element(&random, depth: 0) }
      let wire = header + stanzas.flatMap { Array($0.xml().utf8) + Array(" \n".utf8) }
      var parser = XMLStreamParser()
      var events: [XMLStreamEvent] = []
      var offset = 0
      while offset < wire.count {
        let end = min(wire.count, offset + Int.random(in: 1..<64, using: &random))
        events += try parser.feed(wire[offset..<end])
        offset = end
      }
      XCTAssertEqual(events.dropFirst().map { event -> XMLElement? in
        if case .stanza(let stanza) = event { return stanza }
        return nil
      }, stanzas, "round \(round): \(String(decoding: wire, as: UTF8.self))")
    }
  }
}
