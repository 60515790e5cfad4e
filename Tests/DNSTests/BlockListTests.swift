import DNS
import XCTest

/// The dns-blocks index (the shared hash, the writer and the reader) and the answers the
/// responder gives for a blocked name, a name below it and a local name that is also listed.
final class BlockListTests: XCTestCase {
  /// Keeps the index bytes alive while a reader points into them.
  final class MappedIndex {
    let bytes: UnsafeMutableRawBufferPointer
    init(_ file: [UInt8]) {
      bytes = .allocate(byteCount: file.count, alignment: 8)
      bytes.copyBytes(from: file)
    }
    deinit { bytes.deallocate() }
    var reader: BlockIndex.Reader? { BlockIndex.Reader(UnsafeRawBufferPointer(bytes)) }
  }

  func testTheHashIsFNV1aOfTheLowercaseWireNameWithItsTerminatingZero() {
    // FNV-1a 64 of "\u{3}ads\u{7}example\u{0}", computed independently.
    var expected: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in wire("ads.example") { expected = (expected ^ UInt64(byte)) &* 0x100_0000_01b3 }
    XCTAssertEqual(BlockIndex.hash(wireName: wire("ADS.Example")), expected)
    XCTAssertEqual(BlockIndex.hash(wireName: [UInt8]()), 0xcbf2_9ce4_8422_2325)
  }

  func testTheFileHasTheMagicTheCountAndAPowerOfTwoTableAtLeastTwiceAsLarge() {
    let file = BlockIndex.file(names: ["a.example", "B.example.", "a.example", "a..b"])
    XCTAssertEqual(Array(file.prefix(8)), Array("SLUGBLK1".utf8))
    XCTAssertEqual(Array(file[8..<16]), [2, 0, 0, 0, 0, 0, 0, 0])
    XCTAssertEqual(Array(file[16..<24]), [4, 0, 0, 0, 0, 0, 0, 0])
    XCTAssertEqual(file.count, 24 + 4 * 8)
    XCTAssertEqual(MappedIndex(file).reader?.count, 2)
  }

  func testAListedNameAndEveryNameBelowItAreBlockedButNotItsParentsOrNeighbours() throws {
    let index = MappedIndex(BlockIndex.file(names: ["ads.example", "tracker.test"]))
    let reader = try XCTUnwrap(index.reader)
    func suffix(_ name: String) -> Int? {
      let bytes = wire(name)
      return reader.blockedSuffix(bytes, 0..<bytes.count)
    }
    XCTAssertEqual(suffix("ads.example"), 0)
    XCTAssertEqual(suffix("AdS.ExAmPlE"), 0)
    XCTAssertEqual(suffix("x.y.ads.example"), 4)
    XCTAssertNil(suffix("example"))
    XCTAssertNil(suffix("bads.example"))
    XCTAssertNil(suffix("ads.example.org"))
    XCTAssertEqual(suffix("cdn.tracker.test"), 4)
  }

  func testAMalformedIndexIsRefusedAndAFullTableCannotSpin() {
    let good = BlockIndex.file(names: ["ads.example"])
    XCTAssertNil(MappedIndex(Array(good.dropLast())).reader, "short")
    XCTAssertNil(MappedIndex([UInt8](repeating: 0, count: 40)).reader, "no magic")
    var oddSize = good
    oddSize[16] = 3
    XCTAssertNil(MappedIndex(oddSize).reader, "table size not a power of two")
    // Count 1, size 2, both slots taken by other hashes: a lookup must still end.
    let full = Array("SLUGBLK1".utf8) + le(1) + le(2) + le(7) + le(9)
    let reader = MappedIndex(full).reader
    XCTAssertNotNil(reader)
    XCTAssertFalse(reader!.contains(hash: 5))
  }

  func testABlockedNameAnswersNXDOMAINWithItsSOAAndRANotAA() throws {
    let index = MappedIndex(BlockIndex.file(names: ["ads.example"]))
    let blocks = BlockList(index: try XCTUnwrap(index.reader), answer: .nxdomain)
    let reply = Responder.respond(
      to: query("x.ads.example", QType.a)[...], zone: Fixture.zone, transport: .udp(maximum: 65535), blocks: blocks)
    XCTAssertEqual(
      reply,
      hex("1234 8183 0001 0000 0001 0000") + wire("x.ads.example") + hex("0001 0001")
        + hex("c00e 0006 0001 0000003c 002c") + wire("slug.home") + [10] + Array("hostmaster".utf8) + hex("c00e")
        + hex("00000001 00000e10 00000258 00015180 0000003c"))
  }

  func testTheNullAnswerIsTheUnspecifiedAddressForAAndAAAAAndNODATAOtherwise() throws {
    let index = MappedIndex(BlockIndex.file(names: ["ads.example"]))
    let blocks = BlockList(index: try XCTUnwrap(index.reader), answer: .null)
    func ask(_ type: UInt16) -> [UInt8]? {
      Responder.respond(to: query("ads.example", type)[...], zone: Fixture.zone, transport: .tcp, blocks: blocks)
    }
    let question = wire("ads.example")
    XCTAssertEqual(
      ask(QType.a), hex("1234 8180 0001 0001 0000 0000") + question + hex("0001 0001 c00c 0001 0001 0000003c 0004 00000000"))
    XCTAssertEqual(
      ask(QType.aaaa),
      hex("1234 8180 0001 0001 0000 0000") + question + hex("001c 0001 c00c 001c 0001 0000003c 0010")
        + [UInt8](repeating: 0, count: 16))
    let mx = try XCTUnwrap(ask(QType.mx))
    XCTAssertEqual(Array(mx.prefix(12)), hex("1234 8180 0001 0000 0001 0000"))
  }

  func testLocalNamesWinOverTheBlockList() throws {
    let index = MappedIndex(BlockIndex.file(names: ["home", "example.org", "168.192.in-addr.arpa"]))
    let blocks = BlockList(index: try XCTUnwrap(index.reader), answer: .nxdomain)
    for message in [
      query("nas.home", QType.a), query("nope.home", QType.a), query("box.example.org", QType.a),
      query("1.0.168.192.in-addr.arpa", QType.ptr),
    ] {
      XCTAssertEqual(
        Responder.respond(to: message[...], zone: Fixture.zone, transport: .tcp, blocks: blocks), respond(message, transport: .tcp))
    }
  }

  func testPrivateReverseZonesAndSpecialNamesAreLocalNXDOMAINNeverRefusedOrForwarded() throws {
    for name in [
      "9.9.9.10.in-addr.arpa", "1.1.20.172.in-addr.arpa", "9.9.254.169.in-addr.arpa", "1.2.0.192.in-addr.arpa",
      "4.3.2.1.d.f.ip6.arpa", "foo.localhost", "x.invalid", "printer.home.arpa",
    ] {
      // With forwarding on, a name outside the local zones would come back as nil (forward it).
      let reply = try XCTUnwrap(respond(query(name, QType.ptr), recursionAvailable: true), "\(name) was forwarded")
      XCTAssertEqual(reply[3] & 0x0F, 3, name)
      XCTAssertEqual(reply[2] & 0x04, 0x04, "\(name): authoritative")
      XCTAssertEqual(Array(reply[8..<10]), [0, 1], "\(name): the zone's SOA")
    }
    // 172.32/16 is public: still outside.
    XCTAssertEqual(respond(query("1.1.32.172.in-addr.arpa", QType.ptr))?[3], 0x05)
  }

  private func le(_ value: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
}
