import CLibc
import DNS
import Foundation
import Store
import XCTest

/// slugctl dns domain, upstream and block: what they store, what they refuse, and the index
/// file every change to the block list rewrites.
final class DNSBlockCommandTests: StoreCommandTestCase {
  var indexPath: String { directory.path + "/dns-blocks" }

  func testTheDomainIsSetShownAndClearedAndAnInvalidOneRefused() throws {
    XCTAssertEqual(succeed("dns", "domain"), "none set\n")
    succeed("dns", "domain", "Home.Arpa.")
    XCTAssertEqual(succeed("dns", "domain"), "home.arpa\n")
    XCTAssertEqual(try openStore().dnsData(now: 0).lanDomain?.text, "home.arpa")
    XCTAssertTrue(fail(65, "dns", "domain", "bad..name").contains("'bad..name'"))
    fail(64, "dns", "domain", "lan", "--clear")
    succeed("dns", "domain", "--clear")
    XCTAssertNil(try openStore().dnsDomain())
  }

  func testUpstreamsAreValidatedAndKeptInOrder() throws {
    XCTAssertTrue(succeed("dns", "upstream").contains("/etc/resolv.conf"))
    succeed("dns", "upstream", "192.0.2.53", "[2001:db8::53]:5353", "198.51.100.1:5300", "2001:db8::1")
    XCTAssertEqual(succeed("dns", "upstream"), "192.0.2.53\n[2001:db8::53]:5353\n198.51.100.1:5300\n2001:db8::1\n")
    for bad in ["192.0.2.1:0", "192.0.2.1:70000", "2001:db8::1:53x", "resolver.example", "[192.0.2.1]:53"] {
      XCTAssertTrue(fail(65, "dns", "upstream", bad).contains("'\(bad)'"), bad)
    }
    XCTAssertEqual(try openStore().dnsUpstreams().count, 4, "a refused list leaves the old one")
    succeed("dns", "upstream", "--clear")
    XCTAssertEqual(try openStore().setting(SettingKey.dnsUpstreams), nil)
  }

  func testAddingAndRemovingBlocksCountsAndRewritesTheIndex() throws {
    XCTAssertEqual(succeed("dns", "block", "add", "Ads.Example", "tracker.test."), "2 added, 0 already present\n")
    XCTAssertEqual(succeed("dns", "block", "add", "ads.example", "more.test"), "1 added, 1 already present\n")
    XCTAssertEqual(succeed("dns", "block", "list"), "ads.example\nmore.test\ntracker.test\n")
    XCTAssertEqual(try readIndex(), BlockIndex.file(names: ["ads.example", "more.test", "tracker.test"]))
    XCTAssertTrue(fail(65, "dns", "block", "rm", "ads.example", "never.test").contains("never.test"))
    XCTAssertEqual(try openStore().dnsBlockCount(), 3, "nothing removed when one name is not listed")
    succeed("dns", "block", "rm", "ADS.example", "more.test")
    XCTAssertEqual(try readIndex(), BlockIndex.file(names: ["tracker.test"]))
    XCTAssertTrue(fail(65, "dns", "block", "add", "ok.test", "not_valid-.test").contains("not_valid-.test"))
  }

  func testImportReadsHostsFilesDomainListsAndDnsmasqLinesAndNamesWhatItRefused() throws {
    let list = directory.path + "/list.txt"
    try """
      # a published list
      127.0.0.1 localhost
      127.0.0.1\tlocalhost.localdomain
      255.255.255.255 broadcasthost
      ::1 localhost ip6-localhost ip6-loopback
      fe80::1%lo0 localhost
      0.0.0.0 ads.example  # trailing comment
      0.0.0.0 a.tracker.test b.tracker.test
      :: v6ads.example
      plain.example
      ADS.example
      address=/dnsmasq.example/0.0.0.0
      server=/other.example/
      ||adblock.example^
      *.wild.example
      0.0.0.0 bad..name
      192.168.1.5 nas
      10.0.0.1
      0.0.0.0 1.2.3.4
      address=/broken.example

      """.write(toFile: list, atomically: true, encoding: .utf8)
    let result = run("dns", "block", "import", list)
    XCTAssertEqual(result.status, 0, result.error)
    XCTAssertEqual(
      result.output,
      "\(list): 14 names read, 9 added, 1 already present, 4 refused, 8 hosts-file entries skipped\n")
    XCTAssertEqual(
      result.error,
      """
      \(list):16: 'bad..name' is not a domain name
      \(list):18: '10.0.0.1' is an address with no name
      \(list):19: '1.2.3.4' is an address, not a name
      \(list):20: 'address=/broken.example' has no closing '/'

      """)
    XCTAssertEqual(
      try openStore().dnsBlocks(),
      ["a.tracker.test", "adblock.example", "ads.example", "b.tracker.test", "dnsmasq.example", "other.example",
       "plain.example", "v6ads.example", "wild.example"].sorted())
    XCTAssertEqual(try readIndex(), BlockIndex.file(names: try openStore().dnsBlocks()))
  }

  func testAnImportWithALineTooLongAddsNothingAndNamesTheLine() throws {
    let list = directory.path + "/long.txt"
    try ("ads.example\n" + String(repeating: "x", count: 70000) + "\n").write(toFile: list, atomically: true, encoding: .utf8)
    XCTAssertTrue(fail(65, "dns", "block", "import", list).contains("\(list):2"))
    XCTAssertEqual(try openStore().dnsBlockCount(), 0)
    XCTAssertTrue(fail(66, "dns", "block", "import", directory.path + "/missing").contains("missing"))
  }

  func testTheIndexIsReplacedNotWrittenInPlaceAndALinkThereIsRefused() throws {
    succeed("dns", "block", "add", "one.example")
    var before = stat()
    XCTAssertEqual(stat(indexPath, &before), 0)
    succeed("dns", "block", "add", "two.example")
    var after = stat()
    XCTAssertEqual(stat(indexPath, &after), 0)
    XCTAssertNotEqual(before.st_ino, after.st_ino, "a new file renamed into place")
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.contains(".tmp.") }, [])

    let target = directory.path + "/target"
    try "keep".write(toFile: target, atomically: true, encoding: .utf8)
    try FileManager.default.removeItem(atPath: indexPath)
    XCTAssertEqual(symlink(target, indexPath), 0)
    XCTAssertTrue(fail(73, "dns", "block", "add", "three.example").contains("symbolic link"))
    XCTAssertEqual(try String(contentsOfFile: target, encoding: .utf8), "keep")
  }

  func testTheIndexTakesTheStoresOwnerGroupAndReadersButNotItsWriteBits() throws {
    succeed("dns", "block", "add", "one.example")
    guard geteuid() == 0 else { throw XCTSkip("needs root to give files away") }
    XCTAssertEqual(chown(database, 0, 4242), 0)
    XCTAssertEqual(chmod(database, 0o660), 0)
    // The ACL slugctl init gives the store: the group writes, uid 4343 (slug-dns) reads.
    let acl = aclBytes(readers: [4343])
    XCTAssertEqual(acl.withUnsafeBytes { setxattr(database, "system.posix_acl_access", $0.baseAddress, $0.count, 0) }, 0)
    succeed("dns", "block", "add", "two.example")
    var status = stat()
    XCTAssertEqual(stat(indexPath, &status), 0)
    XCTAssertEqual(status.st_uid, 0)
    XCTAssertEqual(status.st_gid, 4242)
    XCTAssertEqual(status.st_mode & 0o777, 0o640, "the group reads the list, nobody but root writes it")
    var value = [UInt8](repeating: 0, count: 256)
    let length = value.withUnsafeMutableBytes { getxattr(indexPath, "system.posix_acl_access", $0.baseAddress, $0.count) }
    XCTAssertGreaterThan(length, 0)
    XCTAssertTrue(Array(value.prefix(length)).containsEntry(tag: 2, permissions: 4, id: 4343), "slug-dns reads it")
  }

  /// version 2; user_obj rw; user 4343 r; group_obj rw; mask rw; other none.
  private func aclBytes(readers: [UInt32]) -> [UInt8] {
    func entry(_ tag: UInt16, _ permissions: UInt16, _ id: UInt32) -> [UInt8] {
      withUnsafeBytes(of: tag.littleEndian, Array.init) + withUnsafeBytes(of: permissions.littleEndian, Array.init)
        + withUnsafeBytes(of: id.littleEndian, Array.init)
    }
    return withUnsafeBytes(of: UInt32(2).littleEndian, Array.init) + entry(1, 6, .max)
      + readers.flatMap { entry(2, 4, $0) } + entry(4, 6, .max) + entry(0x10, 6, .max) + entry(0x20, 0, .max)
  }

  private func readIndex() throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: indexPath))) }
}

extension [UInt8] {
  fileprivate func containsEntry(tag: UInt16, permissions: UInt16, id: UInt32) -> Bool {
    stride(from: 4, to: count - 7, by: 8).contains { offset in
      UInt16(self[offset]) | UInt16(self[offset + 1]) << 8 == tag
        && UInt16(self[offset + 2]) | UInt16(self[offset + 3]) << 8 == permissions
        && (0..<4).reduce(UInt32(0)) { $0 | UInt32(self[offset + 4 + $1]) << (8 * $1) } == id
    }
  }
}
