import DNS
import Foundation
import TestSupport
import XCTest

/// An independent decoder (python3-dnspython) reads our replies as we mean them.
final class DNSPythonCrossCheckTests: XCTestCase {
  static let python = "/usr/bin/python3"
  static let script = """
    import sys, dns.message, dns.rcode, dns.flags
    for path in sys.argv[1:]:
        reply = dns.message.from_wire(open(path, "rb").read())
        print(path.rsplit("/", 1)[1], dns.rcode.to_text(reply.rcode()), dns.flags.to_text(reply.flags),
              "edns=%d" % reply.edns, "|", " ; ".join(str(rrset) for rrset in reply.answer + reply.authority))
    """

  func testDNSPythonReadsOurReplies() throws {
    let check = try ChildProcess.run(Self.python, ["-c", "import dns.message"])
    guard check.status == 0 else {
      return XCTFail("dnspython is missing: apt-get install -y python3-dnspython (\(check.output))")
    }
    var crowded = Fixture.zone
    for host in 0..<40 { crowded.add(name: "many.home", ipv4: 0x0A01_0000 + UInt32(host)) }
    let cases: [(name: String, reply: [UInt8]?)] = [
      ("a", respond(query("NaS.home", QType.a))),
      ("aaaa", respond(query("nas.home", QType.aaaa, payloadSize: 1232))),
      ("ptr4", respond(query("1.0.168.192.in-addr.arpa", QType.ptr))),
      ("ptr6", respond(query("1." + String(repeating: "0.", count: 29) + "d.f.ip6.arpa", QType.ptr))),
      ("nodata", respond(query("nas.home", QType.mx))),
      ("nxdomain", respond(query("nope.home", QType.a, payloadSize: 4096))),
      ("refused", respond(query("www.example.com", QType.a))),
      ("soa", respond(query("home", QType.soa))),
      ("tc", respond(query("many.home", QType.a), zone: crowded)),
    ]
    let directory = try TemporaryDirectory(prefix: "slug-dns")
    var paths: [String] = []
    for (name, reply) in cases {
      let path = "\(directory.path)/\(name)"
      try Data(try XCTUnwrap(reply, name)).write(to: URL(fileURLWithPath: path))
      paths.append(path)
    }
    let result = try ChildProcess.run(Self.python, ["-c", Self.script] + paths)
    XCTAssertEqual(result.status, 0, result.output)
    let soa = "home. 60 IN SOA slug.home. hostmaster.home. 1 3600 600 86400 60"
    XCTAssertEqual(
      result.output.split(separator: "\n").map(String.init),
      [
        "a NOERROR QR AA RD edns=-1 | NaS.home. 60 IN A 192.168.0.1",
        "aaaa NOERROR QR AA RD edns=0 | nas.home. 60 IN AAAA fd00::1",
        "ptr4 NOERROR QR AA RD edns=-1 | 1.0.168.192.in-addr.arpa. 60 IN PTR slug.home.",
        "ptr6 NOERROR QR AA RD edns=-1 | 1." + String(repeating: "0.", count: 29)
          + "d.f.ip6.arpa. 60 IN PTR nas.home.",
        "nodata NOERROR QR AA RD edns=-1 | \(soa)",
        "nxdomain NXDOMAIN QR AA RD edns=0 | \(soa)",
        "refused REFUSED QR RD edns=-1 | ",
        "soa NOERROR QR AA RD edns=-1 | \(soa)",
        "tc NOERROR QR AA TC RD edns=-1 | ",
      ])
  }
}
