import DHCP
import Store
import Foundation
import TestSupport
import XCTest

/// An independent decoder (python3-scapy) reads our OFFER the way we mean it.
final class ScapyCrossCheckTests: XCTestCase {
  static let python = "/usr/bin/python3"
  static let script = """
    import sys, logging
    logging.getLogger("scapy").setLevel(logging.ERROR)
    from scapy.layers.dhcp import BOOTP, DHCP
    packet = BOOTP(open(sys.argv[1], "rb").read())
    print(packet.op, hex(packet.xid), packet.flags, packet.ciaddr, packet.yiaddr, packet.siaddr,
          packet.giaddr, packet.chaddr[:packet.hlen].hex(), packet.file.rstrip(b"\\0").decode())
    for option in packet[DHCP].options:
        print(option if isinstance(option, str) else "%s=%r" % (option[0], option[1:]))
    """

  func testScapyReadsOurOffer() throws {
    let check = try ChildProcess.run(Self.python, ["-c", "import scapy.layers.dhcp"])
    guard check.status == 0 else {
      return XCTFail("scapy is missing: apt-get install -y python3-scapy (\(check.output))")
    }
    var offer = DHCPMessage(
      op: DHCPMessage.bootReply, xid: 0x3903_F326, flags: DHCPMessage.broadcastFlag,
      yiaddr: 0xC0A8_0065, siaddr: 0xC0A8_0001, chaddr: udhcpcMAC, file: Array("dongle.bin".utf8),
      messageType: .offer)
    offer.serverIdentifier = 0xC0A8_0001
    offer.leaseTime = 86400
    let settings: [(UInt8, [String], DHCPEncoding)] = [
      (1, ["255.255.255.0"], .address),
      (3, ["192.168.0.254", "192.168.0.253"], .addresses),
      (15, ["home"], .text),
      (26, ["1500"], .uint16),
      (2, ["-3600"], .int32),
    ]
    for (code, values, encoding) in settings {
      offer.options.append(try XCTUnwrap(DHCPOptionEncoder.encode(code: code, values: values, as: encoding)))
    }
    let directory = try TemporaryDirectory(prefix: "slug-dhcp")
    let path = "\(directory.path)/offer"
    try Data(offer.encode()).write(to: URL(fileURLWithPath: path))
    let result = try ChildProcess.run(Self.python, ["-c", Self.script, path])
    XCTAssertEqual(result.status, 0, result.output)
    XCTAssertEqual(
      result.output.split(separator: "\n").map(String.init),
      [
        "2 0x3903f326 B 0.0.0.0 192.168.0.101 192.168.0.1 0.0.0.0 0242ac110002 dongle.bin",
        "message-type=(2,)",
        "server_id=('192.168.0.1',)",
        "lease_time=(86400,)",
        "subnet_mask=('255.255.255.0',)",
        "router=('192.168.0.254', '192.168.0.253')",
        "domain=(b'home',)",
        "interface-mtu=(1500,)",
        // scapy reads time-offset unsigned: 2^32 - 3600.
        "time_zone=(4294963696,)",
        "end",
      ] + Array(repeating: "pad", count: 12))
  }
}
