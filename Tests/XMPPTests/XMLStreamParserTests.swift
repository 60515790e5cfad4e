import TestSupport
import XCTest
import XMPP

final class XMLStreamParserTests: XCTestCase {
  /// The inputs are checked whole, byte by byte, split at every offset and glued.
  private func check(
    _ inputs: [(String, [Parsed])], maximumStanzaBytes: Int = 262_144, maximumDepth: Int = 32,
    file: StaticString = #filePath, line: UInt = #line
  ) {
    let failures = verifyDecoder(
      { ParsedStream(maximumStanzaBytes: maximumStanzaBytes, maximumDepth: maximumDepth) },
      inputs: inputs.map { (bytes($0.0), $0.1) })
    XCTAssertEqual(failures, [], file: file, line: line)
  }

  /// A stream that fails: whatever the split, the same error ends it, after a prefix of the
  /// events a whole feed would have given (a throwing feed loses what it completed).
  private func checkError(
    _ text: String, _ condition: String, maximumStanzaBytes: Int = 262_144, maximumDepth: Int = 32,
    file: StaticString = #filePath, line: UInt = #line
  ) {
    let input = bytes(text)
    var splits: [[ArraySlice<UInt8>]] = [[input[...]], input.indices.map { input[$0...$0] }]
    for offset in stride(from: 1, to: input.count, by: max(1, input.count / 200)) {
      splits.append([input[..<offset], input[offset...]])
    }
    for chunks in splits {
      var parser = XMLStreamParser(maximumStanzaBytes: maximumStanzaBytes, maximumDepth: maximumDepth)
      var thrown: XMLStreamError?
      for chunk in chunks {
        do { _ = try parser.feed(chunk) } catch {
          thrown = error
          break
        }
      }
      XCTAssertEqual(thrown?.condition, condition, "\(chunks.count) chunks", file: file, line: line)
    }
  }

  func testAStreamHeaderThenStanzasThenTheCloseComeOutWhateverTheSplit() {
    check([
      (header, [opened]),
      ("<message to='bob@slug.home' type='chat'><body>hi</body></message>", [.stanza("<message to='bob@slug.home' type='chat'><body>hi</body></message>")]),
      (" \n<presence/>\t", [.stanza("<presence/>")]),
      ("</stream:stream>", [.close]),
    ])
  }

  func testQuotedGreaterThanSignsAndSpacesInTagsAreRead() {
    check([
      (header + "<message a='>' b=\"'>\"\n></message ><presence\ttype = 'probe' />",
       [opened, .stanza("<message a='&gt;' b='&apos;&gt;'/>"), .stanza("<presence type='probe'/>")])
    ])
  }

  func testGluedStanzasInOneReadAreSeparateEvents() {
    check([
      (header + "<presence/><iq type='get' id='1'><ping xmlns='urn:xmpp:ping'/></iq><message><body>x</body></message>",
       [opened, .stanza("<presence/>"), .stanza("<iq type='get' id='1'><ping xmlns='urn:xmpp:ping'/></iq>"),
        .stanza("<message><body>x</body></message>")])
    ])
  }

  func testNamespacesAreResolvedWhateverThePrefix() throws {
    var parser = XMLStreamParser()
    let events = try parser.feed(bytes(
      "<s:stream xmlns:s='http://etherx.jabber.org/streams' xmlns='jabber:client'>"
        + "<a:auth xmlns:a='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGFsaWNl</a:auth>"
        + "<iq><query xmlns='jabber:iq:roster'><item jid='x'/></query></iq>")[...])
    guard events.count == 3, case .streamOpen(let open) = events[0], case .stanza(let auth) = events[1],
      case .stanza(let iq) = events[2]
    else { return XCTFail("\(events)") }
    XCTAssertEqual(open.namespace, "http://etherx.jabber.org/streams")
    XCTAssertEqual(auth.name, "auth")
    XCTAssertEqual(auth.namespace, "urn:ietf:params:xml:ns:xmpp-sasl")
    XCTAssertEqual(auth.attribute("mechanism"), "PLAIN")
    XCTAssertEqual(auth.text, "AGFsaWNl")
    XCTAssertEqual(iq.namespace, "jabber:client")
    XCTAssertEqual(iq.child("query", namespace: "jabber:iq:roster")?.child("item")?.namespace, "jabber:iq:roster")
    XCTAssertNil(iq.child("query", namespace: "jabber:iq:auth"))
    XCTAssertEqual(auth.xml(), "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGFsaWNl</auth>")
  }

  func testAStreamWithoutADefaultNamespaceGivesJabberClientStanzas() throws {
    var parser = XMLStreamParser()
    let events = try parser.feed(bytes("<stream:stream xmlns:stream='http://etherx.jabber.org/streams'><presence/>")[...])
    XCTAssertEqual(events.last, .stanza(XMLElement(name: "presence", namespace: "jabber:client")))
  }

  func testEscapesAreDecodedAndWrittenBack() throws {
    var parser = XMLStreamParser()
    let events = try parser.feed(bytes(
      header + "<message to='a&amp;b&apos;&quot;&#x41;&#66;'><body>1 &lt; 2 &gt; 0 &amp; &#233;&#x1F600; <![CDATA[<raw & ]]]]>x</body></message>")[...])
    guard case .stanza(let message) = events.last else { return XCTFail("\(events)") }
    XCTAssertEqual(message.attribute("to"), "a&b'\"AB")
    XCTAssertEqual(message.child("body")?.text, "1 < 2 > 0 & é😀 <raw & ]]x")
    XCTAssertEqual(message.child("body")?.children.count, 1, "text and CDATA are one node")
    XCTAssertEqual(
      message.xml(), "<message to='a&amp;b&apos;&quot;AB'><body>1 &lt; 2 &gt; 0 &amp; é😀 &lt;raw &amp; ]]x</body></message>")
  }

  func testLineEndsAndAttributeWhitespaceAreNormalisedAndSurviveARoundTrip() throws {
    var parser = XMLStreamParser()
    let events = try parser.feed(bytes(header + "<message a='x\ty\r\nz' b='&#9;&#10;&#13;'><body>l1\r\nl2\rl3&#13;</body></message>")[...])
    guard case .stanza(let message) = events.last else { return XCTFail("\(events)") }
    XCTAssertEqual(message.attribute("a"), "x y z")
    XCTAssertEqual(message.attribute("b"), "\t\n\r")
    XCTAssertEqual(message.child("body")?.text, "l1\nl2\nl3\r")
    var again = XMLStreamParser()
    let reparsed = try again.feed(bytes(header + message.xml())[...])
    XCTAssertEqual(reparsed.last, .stanza(message))
  }

  func testPrefixedAttributesKeepTheirNamespaceWhenWritten() throws {
    var parser = XMLStreamParser()
    let events = try parser.feed(bytes(header + "<message xml:lang='en' xmlns:x='urn:x' x:flag='1'/>")[...])
    guard case .stanza(let message) = events.last else { return XCTFail("\(events)") }
    XCTAssertEqual(message.attribute("xml:lang"), "en")
    XCTAssertEqual(message.attributes.last, XMLAttribute(name: "x:flag", value: "1", namespace: "urn:x"))
    XCTAssertEqual(message.xml(), "<message xml:lang='en' xmlns:x='urn:x' x:flag='1'/>")
    let built = XMLElement(name: "presence", attributes: [XMLAttribute(name: "xml:lang", value: "de")])
    XCTAssertEqual(built.xml(), "<presence xml:lang='de'/>", "a built attribute without a namespace declares nothing")
  }

  func testAStreamRestartExpectsANewHeader() throws {
    var parser = XMLStreamParser()
    let first = try parser.feed(bytes(header + "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AA==</auth>")[...])
    XCTAssertEqual(first.count, 2)
    parser.restart()
    let second = try parser.feed(bytes(header + "<iq type='set' id='b'/>")[...])
    XCTAssertEqual(second.map(parsed), [opened, .stanza("<iq type='set' id='b'/>")])
  }

  func testAStreamWithoutVersionIsOpenedAsIs() {
    check([
      ("<?xml version='1.0' encoding='UTF-8'?><stream:stream to='slug.home' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>",
       [.open("stream [to=slug.home]")])
    ])
  }

  func testWhitespaceKeepalivesAreNeverBuffered() throws {
    var parser = XMLStreamParser(maximumStanzaBytes: 200)
    _ = try parser.feed(bytes(header)[...])
    for _ in 0..<100 { XCTAssertEqual(try parser.feed(bytes(" \n ")[...]), []) }
    XCTAssertEqual(parser.bufferedCount, 0)
  }

  func testABigStanzaDoesNotLeaveABigBufferBehind() throws {
    var parser = XMLStreamParser()
    _ = try parser.feed(bytes(header)[...])
    let big = bytes("<message><body>" + String(repeating: "x", count: 200_000) + "</body></message>")
    _ = try parser.feed(big[..<150_000])
    XCTAssertGreaterThan(parser.bufferCapacity, 150_000)
    XCTAssertEqual(try parser.feed(big[150_000...]).count, 1)
    XCTAssertLessThanOrEqual(parser.bufferCapacity, 16384)
  }

  func testHostileInputsGetTheRightStreamError() {
    checkError(header + "<!DOCTYPE lolz [<!ENTITY lol 'lol'><!ENTITY lol2 '&lol;&lol;'>]><x>&lol2;</x>", "restricted-xml")
    checkError("<?xml version='1.0'?><!DOCTYPE stream [<!ENTITY a 'b'>]><stream:stream>", "restricted-xml")
    checkError(header + "<message><!-- hi --></message>", "restricted-xml")
    checkError(header + "<?php echo 1 ?>", "restricted-xml")
    checkError("<?xml version='1.0'?><?xml version='1.0'?>", "restricted-xml")
    checkError("<?xml-stylesheet href='a'?>", "restricted-xml")
    checkError(header + "<message>&nbsp;</message>", "restricted-xml")
    checkError(header + "<message>&amp</message>", "not-well-formed")
    checkError(header + "<message>&#0;</message>", "not-well-formed")
    checkError(header + "<message>&#xD800;</message>", "not-well-formed")
    checkError(header + "<message>\u{1}</message>", "not-well-formed")
    checkError(header + "<message></presence>", "not-well-formed")
    checkError(header + "<message a='1' a='2'/>", "not-well-formed")
    checkError(header + "<message xmlns:p='u' xmlns:q='u' p:a='1' q:a='2'/>", "not-well-formed")
    checkError(header + "<message a='<'/>", "not-well-formed")
    checkError(header + "<message a=1/>", "not-well-formed")
    checkError(header + "<foo:message/>", "not-well-formed")
    checkError(header + "<message foo:a='1'/>", "not-well-formed")
    checkError(header + "<1message/>", "not-well-formed")
    checkError(header + "hello", "bad-format")
    checkError(header + "</stream:stream><presence/>", "not-well-formed")
    checkError("<stream xmlns='jabber:client'>", "invalid-namespace")
    checkError("<?xml version='1.0' encoding='ISO-8859-1'?>", "unsupported-encoding")
    checkError(header + "<message>\u{FFFF}</message>", "not-well-formed")
  }

  func testAfterAnErrorEveryFeedThrowsItAgain() {
    var parser = XMLStreamParser()
    XCTAssertThrowsError(try parser.feed(bytes(header + "<message><!-- x -->")[...]))
    for next in ["</message>", "", "<presence/>"] {
      XCTAssertThrowsError(try parser.feed(bytes(next)[...])) { XCTAssertEqual(($0 as? XMLStreamError)?.condition, "restricted-xml") }
    }
  }

  func testBadUTF8IsRefused() {
    for bad: [UInt8] in [[0xFF], [0xC0, 0x80], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xC3]] {
      for chunks in [[bytes(header + "<message>") + bad + bytes("</message>")], [bytes(header + "<message a='") + bad, bytes("'/>")]] {
        var parser = XMLStreamParser()
        var condition: String?
        for chunk in chunks {
          do { _ = try parser.feed(chunk[...]) } catch {
            condition = error.condition
            break
          }
        }
        XCTAssertEqual(condition, "unsupported-encoding", "\(bad)")
      }
    }
  }

  func testDeepNestingIsAPolicyViolation() {
    let depth31 = String(repeating: "<a>", count: 31) + String(repeating: "</a>", count: 31)
    check([(header + depth31, [opened, .stanza(String(repeating: "<a>", count: 30) + "<a/>" + String(repeating: "</a>", count: 30))])])
    checkError(header + String(repeating: "<a>", count: 32), "policy-violation")
    checkError(header + String(repeating: "<a>", count: 100_000), "policy-violation", maximumDepth: 32)
  }

  func testOversizedStanzasAndHugeAttributesAreAPolicyViolation() {
    let stanza = "<message><body>" + String(repeating: "x", count: 168) + "</body></message>"
    XCTAssertEqual(stanza.utf8.count, 200)
    check([(header + stanza, [opened, .stanza(stanza)])], maximumStanzaBytes: 200)
    checkError(header + "<message><body>" + String(repeating: "x", count: 169) + "</body></message>", "policy-violation", maximumStanzaBytes: 200)
    checkError(header + "<message a='" + String(repeating: "x", count: 300_000) + "'/>", "policy-violation")
    checkError(header + "<message a='" + String(repeating: "x", count: 300_000), "policy-violation")
    checkError("<stream:stream to='" + String(repeating: "x", count: 300), "policy-violation", maximumStanzaBytes: 100)
  }

  func testAnErrorNearTheSizeLimitDoesNotDependOnTheSplit() {
    // A comment or PI whose first bytes cross the limit: one at a time, the size check comes first.
    for length in 180..<200 {
      for markup in ["<!--", "<?pi?>", "<!DOCTYPE"] {
        let input = bytes(header + "<message>" + String(repeating: "x", count: length) + markup)
        var conditions: [String] = []
        for chunks in [[input[...]], input.indices.map { input[$0...$0] }] {
          var parser = XMLStreamParser(maximumStanzaBytes: 200)
          for chunk in chunks {
            do { _ = try parser.feed(chunk) } catch {
              conditions.append(error.condition)
              break
            }
          }
        }
        XCTAssertEqual(conditions.count, 2)
        XCTAssertEqual(conditions.first, conditions.last, "\(length) \(markup)")
      }
    }
  }

  func testManyNamespaceDeclarationsAreAPolicyViolation() {
    let declarations = (0..<70).map { " xmlns:p\($0)='urn:\($0)'" }.joined()
    checkError(header + "<message" + declarations + "/>", "policy-violation")
    let nested = (0..<70).map { "<x xmlns:p\($0)='urn:\($0)'>" }.joined()
    checkError(header + "<message>" + nested, "policy-violation", maximumDepth: 100)
  }

  func testAlternatingTextAndCDATAIsOneTextNodeWithoutQuadraticCopying() throws {
    var parser = XMLStreamParser()
    let pieces = String(repeating: "ab<![CDATA[c]]>", count: 15_000)
    let events = try parser.feed(bytes(header + "<message><body>" + pieces + "</body></message>")[...])
    guard case .stanza(let message)? = events.last, let body = message.child("body") else { return XCTFail("\(events)") }
    XCTAssertEqual(body.children.count, 1)
    XCTAssertEqual(body.text.utf8.count, 45_000)
  }

  func testSerialisationWritesNamespacesOnlyWhereTheyChange() {
    let iq = XMLElement(
      name: "iq", attributes: [XMLAttribute(name: "type", value: "result"), XMLAttribute(name: "id", value: "a'b")],
      children: [
        .element(XMLElement(name: "query", namespace: "jabber:iq:roster", children: [
          .element(XMLElement(name: "item", namespace: "jabber:iq:roster", attributes: [XMLAttribute(name: "jid", value: "bob@x")],
            children: [.element(XMLElement(name: "group", namespace: "jabber:iq:roster", children: [.text("<home>")]))]))
        ]))
      ])
    XCTAssertEqual(
      iq.xml(),
      "<iq type='result' id='a&apos;b'><query xmlns='jabber:iq:roster'><item jid='bob@x'><group>&lt;home&gt;</group></item></query></iq>")
    XCTAssertEqual(iq.xml(parentNamespace: "jabber:server").prefix(33), "<iq xmlns='jabber:client' type='r")
  }

  func testEscapingHelpers() {
    XCTAssertEqual(XMLEscape.text("a<b>&\"'"), "a&lt;b&gt;&amp;\"'")
    XCTAssertEqual(XMLEscape.attribute("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&apos;")
    XCTAssertEqual(XMLEscape.text("plain"), "plain")
  }

  func testSetAttributeReplacesAddsAndRemoves() {
    var element = XMLElement(name: "message", attributes: [XMLAttribute(name: "to", value: "a"), XMLAttribute(name: "id", value: "1")])
    element.setAttribute("to", "b")
    element.setAttribute("from", "c")
    element.setAttribute("id", nil)
    XCTAssertEqual(element.xml(), "<message to='b' from='c'/>")
  }
}
