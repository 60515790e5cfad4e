import Store
import XCTest

final class DNSCommandTests: StoreCommandTestCase {
  func testAddedHostsAreListedInOrder() throws {
    succeed("dns", "add", "nas.home", "192.168.0.2")
    succeed("dns", "add", "nas.home", "2001:db8::2")
    succeed("dns", "add", "files.home.", "192.168.0.2")
    XCTAssertEqual(
      succeed("dns", "list"),
      "NAME        ADDRESS\nnas.home    192.168.0.2\nnas.home    2001:db8::2\nfiles.home  192.168.0.2\n")
    let json = try jsonList("dns", "list")
    XCTAssertEqual(json.map { $0["name"] as? String }, ["nas.home", "nas.home", "files.home"])
    XCTAssertEqual(json.map { $0["address"] as? String }, ["192.168.0.2", "2001:db8::2", "192.168.0.2"])
  }

  func testRemovingOneAddressKeepsTheOthers() throws {
    succeed("dns", "add", "nas.home", "192.168.0.2")
    succeed("dns", "add", "nas.home", "192.168.0.3")
    succeed("dns", "rm", "nas.home", "192.168.0.2")
    XCTAssertEqual(try jsonList("dns", "list").map { $0["address"] as? String }, ["192.168.0.3"])
    succeed("dns", "rm", "NAS.home")
    XCTAssertEqual(try jsonList("dns", "list").count, 0)
    XCTAssertTrue(fail(65, "dns", "rm", "nas.home").contains("nas.home"))
  }

  func testDuplicatesAndInvalidValuesAreRefusedNamingTheValue() {
    succeed("dns", "add", "nas.home", "192.168.0.2")
    XCTAssertTrue(fail(65, "dns", "add", "NAS.home", "192.168.0.2").contains("192.168.0.2"))
    XCTAssertTrue(fail(65, "dns", "add", "bad..name", "192.168.0.9").contains("'bad..name'"))
    XCTAssertTrue(fail(65, "dns", "add", "ok.home", "192.168.0.256").contains("'192.168.0.256'"))
    fail(64, "dns", "add", "only-a-name")
  }

  func testSLUGDBIsUsedWithoutDb() throws {
    setenv("SLUG_DB", database, 1)
    defer { unsetenv("SLUG_DB") }
    XCTAssertEqual(slugctl(["dns", "add", "env.home", "10.0.0.1"]).status, 0)
    XCTAssertEqual(try openStore().dnsAddresses(of: HostName("env.home")!).map(\.description), ["10.0.0.1"])
  }
}
