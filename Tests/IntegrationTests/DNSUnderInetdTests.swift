import Foundation
import Store
import TestSupport
import XCTest

/// in.dns installed by `slugctl install`, started by a real openbsd-inetd from the lines the
/// installed slugctl generates (UDP `wait` and TCP `nowait` on one port), asked by dig and
/// dnspython, with names from `slugctl dns add` and DHCP leases put into the store.
final class DNSUnderInetdTests: XCTestCase {
  func testAnswersNamesAddressesAndErrorsFromTheStore() throws {
    let server = try DNSServerUnderInetd()
    addTeardownBlock { server.stop() }

    let nas = try server.dig("nas.home", "A")
    XCTAssertEqual(nas.status, "NOERROR", nas.output)
    XCTAssertTrue(nas.flags.contains("aa"), nas.output)
    XCTAssertFalse(nas.flags.contains("ra"), nas.output)
    XCTAssertEqual(nas.answers, ["nas.home. 60 IN A 192.168.0.2"], nas.output)

    XCTAssertEqual(try server.dig("printer.home", "AAAA").answers, ["printer.home. 60 IN AAAA 2001:db8::3"])
    // The first name added for an address answers its PTR.
    XCTAssertEqual(try server.dig("-x", "192.168.0.2").answers, ["2.0.168.192.in-addr.arpa. 60 IN PTR nas.home."])
    XCTAssertEqual(
      try server.dig("-x", "2001:db8::3").answers,
      ["3.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa. 60 IN PTR printer.home."])

    let noData = try server.dig("nas.home", "MX")
    XCTAssertEqual(noData.status, "NOERROR", noData.output)
    XCTAssertEqual(noData.answers, [], noData.output)
    XCTAssertEqual(noData.authority.map { $0.split(separator: " ").prefix(4).joined(separator: " ") }, ["home. 60 IN SOA"], noData.output)

    let unknown = try server.dig("nothere.home", "A")
    XCTAssertEqual(unknown.status, "NXDOMAIN", unknown.output)
    XCTAssertTrue(unknown.flags.contains("aa"), unknown.output)
    XCTAssertEqual(unknown.authority.count, 1, unknown.output)
    XCTAssertTrue(unknown.authority.first?.hasPrefix("home. 60 IN SOA ") ?? false, unknown.output)

    let outside = try server.dig("example.com", "A")
    XCTAssertEqual(outside.status, "REFUSED", outside.output)
    XCTAssertFalse(outside.flags.contains("aa"), outside.output)

    let apex = try server.dig("home", "SOA")
    XCTAssertEqual(apex.status, "NOERROR", apex.output)
    XCTAssertTrue(apex.answers.first?.contains(" IN SOA ns.test. hostmaster.home. ") ?? false, apex.output)
  }

  func testServesDHCPLeaseNamesBareAndInTheInterfaceDomain() throws {
    let server = try DNSServerUnderInetd()
    addTeardownBlock { server.stop() }

    XCTAssertEqual(try server.dig("laptop.home", "A").answers, ["laptop.home. 60 IN A 192.168.0.100"])
    XCTAssertEqual(try server.dig("laptop", "A").answers, ["laptop. 60 IN A 192.168.0.100"])
    XCTAssertEqual(try server.dig("tv.home", "A").answers, ["tv.home. 60 IN A 192.168.0.50"])
    XCTAssertEqual(try server.dig("-x", "192.168.0.100").answers, ["100.0.168.192.in-addr.arpa. 60 IN PTR laptop.home."])
    XCTAssertEqual(try server.dig("oldbox.home", "A").status, "NXDOMAIN", "an expired lease's name is gone")
  }

  /// Leases written before in.dhcp refused such names (or by anything else) never merge into
  /// the admin's names: those answer only their own addresses, and of two leases with one
  /// name the older keeps it.
  func testLeaseNamesNeverMergeIntoTheAdminsNamesOrEachOther() throws {
    let server = try DNSServerUnderInetd()
    addTeardownBlock { server.stop() }
    let store = try Store(path: server.database)
    let now = Int64(Date().timeIntervalSince1970)
    for (index, name) in ["nas", "laptop", "localhost", "tv", "files", "ns"].enumerated() {
      try store.putLease(
        Lease(interface: "eth0", address: IPv4Address("192.168.0.\(120 + index)")!,
              mac: MACAddress("00:11:22:33:45:0\(index)")!, hostname: HostName(name), start: now - 30,
              expiry: now + 3600, state: .active))
    }
    // Long enough for any reload schedule to have read them.
    sleep(2)
    XCTAssertEqual(try server.dig("nas.home", "A").answers, ["nas.home. 60 IN A 192.168.0.2"])
    XCTAssertEqual(try server.dig("files.home", "A").answers, ["files.home. 60 IN A 192.168.0.2"])
    XCTAssertEqual(try server.dig("laptop.home", "A").answers, ["laptop.home. 60 IN A 192.168.0.100"], "the older lease's")
    XCTAssertEqual(try server.dig("laptop", "A").answers, ["laptop. 60 IN A 192.168.0.100"])
    XCTAssertEqual(try server.dig("tv.home", "A").answers, ["tv.home. 60 IN A 192.168.0.50"], "the static lease's")
    XCTAssertEqual(try server.dig("localhost.home", "A").status, "NXDOMAIN")
    XCTAssertEqual(try server.dig("ns.home", "A").status, "NXDOMAIN", "the server's own name (ns.test)")
    XCTAssertEqual(try server.dig("-x", "192.168.0.120").status, "NXDOMAIN", "the refused lease has no name")
  }

  func testEchoesTheQuestionCaseAndAnswersEDNSWithOurPayloadSize() throws {
    let server = try DNSServerUnderInetd()
    addTeardownBlock { server.stop() }

    let withEDNS = try server.dig("nas.home", "A")
    XCTAssertTrue(withEDNS.output.contains("; EDNS: version: 0, flags:; udp: 1232"), withEDNS.output)
    let plain = try server.dig("+noedns", "nas.home", "A")
    XCTAssertFalse(plain.output.contains("OPT PSEUDOSECTION"), plain.output)
    XCTAssertEqual(plain.answers, ["nas.home. 60 IN A 192.168.0.2"], plain.output)

    let python = try server.python(
      """
      import dns.message, dns.query, dns.rcode
      query = dns.message.make_query('NaS.HoMe', 'A', use_edns=0, payload=4096)
      reply = dns.query.udp(query, '127.0.0.1', port=PORT, timeout=3)
      print(reply.question[0].name.to_text(), dns.rcode.to_text(reply.rcode()))
      print(' '.join(rrset.name.to_text() + '=' + ','.join(r.to_text() for r in rrset) for rrset in reply.answer))
      print('edns', reply.edns, reply.payload)
      """)
    XCTAssertEqual(python, "NaS.HoMe. NOERROR\nNaS.HoMe.=192.168.0.2\nedns 0 1232\n")
  }

  func testTruncatesOverUDPAndServesTheWholeAnswerOverTCP() throws {
    let server = try DNSServerUnderInetd()
    addTeardownBlock { server.stop() }
    let everyAddress = (1...40).map { "big.home. 60 IN A 10.0.1.\($0)" }.sorted()

    let truncated = try server.dig("+noedns", "+ignore", "big.home", "A")
    XCTAssertTrue(truncated.flags.contains("tc"), truncated.output)
    XCTAssertEqual(truncated.answers, [], truncated.output)

    let retried = try server.dig("+noedns", "big.home", "A")
    XCTAssertTrue(retried.output.contains("Truncated, retrying in TCP mode"), retried.output)
    XCTAssertEqual(retried.answers.sorted(), everyAddress, retried.output)

    let overTCP = try server.dig("+tcp", "big.home", "A")
    XCTAssertEqual(overTCP.answers.sorted(), everyAddress, overTCP.output)
    XCTAssertFalse(overTCP.flags.contains("tc"), overTCP.output)

    // Several framed queries on one connection, split across writes.
    let python = try server.python(
      """
      import socket, struct, dns.message
      connection = socket.create_connection(('127.0.0.1', PORT), timeout=3)
      wire = b''
      for index, name in enumerate(['nas.home', 'big.home', 'nothere.home']):
          query = dns.message.make_query(name, 'A', use_edns=False)
          query.id = index
          message = query.to_wire()
          wire += struct.pack('!H', len(message)) + message
      connection.sendall(wire[:5]); connection.sendall(wire[5:])
      stream = connection.makefile('rb')
      for _ in range(3):
          length, = struct.unpack('!H', stream.read(2))
          reply = dns.message.from_wire(stream.read(length))
          print(reply.id, dns.rcode.to_text(reply.rcode()), sum(len(rrset) for rrset in reply.answer))
      """)
    XCTAssertEqual(python, "0 NOERROR 1\n1 NOERROR 40\n2 NXDOMAIN 0\n")
  }

  func testALiveSlugctlAddIsAnsweredByTheNextQueryToTheRunningProcess() throws {
    let server = try DNSServerUnderInetd()
    addTeardownBlock { server.stop() }
    XCTAssertEqual(try server.dig("new.home", "A").status, "NXDOMAIN")
    let answering = server.superserver.children

    try server.slugctl("dns", "add", "new.home", "192.168.0.77")
    XCTAssertEqual(try server.dig("new.home", "A").answers, ["new.home. 60 IN A 192.168.0.77"], "the next query sees it")
    XCTAssertEqual(server.superserver.children, answering, "the same in.dns should answer, not a new one")
    let execs = try server.execs()
    XCTAssertEqual(execs.count, 1, "inetd traced: \(execs)")
  }

  /// With a LAN domain set (live, while in.dns runs) the zone apex names the server, and the
  /// server's name answers with the machine's addresses, loopback and link-local left out.
  func testTheNSTargetAnswersWithTheMachinesAddresses() throws {
    let server = try DNSServerUnderInetd()
    addTeardownBlock { server.stop() }
    XCTAssertEqual(try server.dig("ns.test", "A").status, "REFUSED", "no LAN domain: not ours, nothing forwarded")
    try server.slugctl("dns", "domain", "home")
    XCTAssertEqual(try server.dig("home", "NS").answers, ["home. 60 IN NS ns.test."])
    // The machine's addresses as ip(8) lists them.
    let listed = try ChildProcess.run("/usr/sbin/ip", ["-o", "addr", "show"])
    XCTAssertEqual(listed.status, 0, listed.output)
    var expected: [String: Set<String>] = ["A": [], "AAAA": []]
    for line in listed.output.split(separator: "\n") {
      let words = line.split(separator: " ")
      guard let at = words.firstIndex(where: { $0 == "inet" || $0 == "inet6" }), at + 1 < words.count else { continue }
      let address = String(words[at + 1].prefix { $0 != "/" })
      if address.hasPrefix("127.") || address == "::1" || address.lowercased().hasPrefix("fe80:") { continue }
      expected[words[at] == "inet" ? "A" : "AAAA"]!.insert(address)
    }
    for type in ["A", "AAAA"] {
      let reply = try server.dig("ns.test", type)
      XCTAssertEqual(reply.status, "NOERROR", reply.output)
      let answered = Set(reply.answers.compactMap { record -> String? in
        let fields = record.split(separator: " ")
        guard fields.count == 5, fields[0] == "ns.test.", fields[3] == Substring(type) else { return nil }
        return String(fields[4])
      })
      XCTAssertEqual(answered, expected[type], reply.output)
    }
  }

  func testABurstOf2000QueriesIsAnsweredByOneProcess() throws {
    // One source asking ~700 times a second for each name is what the rate limit stops.
    let server = try DNSServerUnderInetd(extraArguments: ["--rate-limit", "0"])
    addTeardownBlock { server.stop() }
    let python = try server.python(
      """
      import socket, dns.message, dns.rcode
      client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
      client.settimeout(3)
      answered = 0
      for window in range(0, 2000, 100):
          for index in range(window, window + 100):
              query = dns.message.make_query(['nas.home', 'laptop', 'nothere.home'][index % 3], 'A')
              query.id = index
              client.sendto(query.to_wire(), ('127.0.0.1', PORT))
          for _ in range(100):
              try:
                  reply = dns.message.from_wire(client.recv(4096))
              except socket.timeout:
                  break
              if dns.rcode.to_text(reply.rcode()) == ['NOERROR', 'NOERROR', 'NXDOMAIN'][reply.id % 3]:
                  answered += 1
      print(answered)
      """)
    XCTAssertEqual(python, "2000\n")
    let execs = try server.execs()
    XCTAssertEqual(execs.count, 1, "one in.dns should serve the whole burst; inetd traced: \(execs)")
  }

  func testFlatFileModeRereadsTheFileWhenItChanges() throws {
    let directory = try TemporaryDirectory()
    // in.dns runs as its own user: it must reach the file.
    try PrivateInetd.reachable(directory.path)
    let file = directory.path + "/in.dns.conf"
    try "nas.home. 192.168.0.2\n".write(toFile: file, atomically: true, encoding: .utf8)
    let server = try DNSServerUnderInetd(arguments: ["-f", file, "--domain", "home"])
    addTeardownBlock { server.stop() }
    XCTAssertEqual(try server.dig("nas.home", "A").answers, ["nas.home. 60 IN A 192.168.0.2"])
    XCTAssertEqual(try server.dig("tv.home", "A").status, "NXDOMAIN")

    try "nas.home. 192.168.0.2\ntv.home. 192.168.0.9\n".write(toFile: file, atomically: true, encoding: .utf8)
    let edited = Date()
    var answers: [String] = []
    while answers.isEmpty, Date().timeIntervalSince(edited) < 3 {
      answers = try server.dig("tv.home", "A").answers
      if answers.isEmpty { usleep(100_000) }
    }
    XCTAssertEqual(answers, ["tv.home. 60 IN A 192.168.0.9"])
    XCTAssertLessThan(Date().timeIntervalSince(edited), 1.5)
  }
}

/// One openbsd-inetd on 127.0.0.1 running the installed in.dns for UDP and TCP on one port,
/// with a store holding the names the tests ask for.
final class DNSServerUnderInetd {
  let directory: TemporaryDirectory
  let prefix: String
  let database: String
  let port: UInt16
  let trace: String
  let superserver: ChildProcess

  /// `arguments` replace the generated `--db DB` (e.g. `-f FILE`); `extraArguments` follow it;
  /// `binds` are the generated lines' `--bind` addresses.
  init(arguments: [String]? = nil, extraArguments: [String] = [], binds: [String] = ["127.0.0.1"]) throws {
    try PrivateInetd.require(["/usr/bin/dig": "dnsutils"])
    guard try ChildProcess.run("/usr/bin/python3", ["-c", "import dns.message"]).status == 0 else {
      throw SetupFailure("dnspython is missing for /usr/bin/python3: apt-get install python3-dnspython")
    }
    directory = try TemporaryDirectory()
    prefix = directory.path + "/prefix"
    database = directory.path + "/slug.db"
    trace = directory.path + "/inetd.trace"
    port = try FreePort.udpAndTCP()

    try PrivateInetd.install(prefix: prefix)
    try DNSServerUnderInetd.populateStore(prefix: prefix, database: database)

    let lines = try PrivateInetd.generatedLines(prefix: prefix, service: "dns", port: port, database: database, binds: binds)
    let serviceLines = lines.filter { $0.contains("/in.dns in.dns") }
    guard serviceLines.count == 2, serviceLines[0].contains(" dgram udp wait "),
      serviceLines[1].contains(" stream tcp nowait")
    else { throw SetupFailure("expected a UDP wait and a TCP nowait line for dns in:\n\(lines.joined(separator: "\n"))") }
    let generatedArguments = "--db " + database
    // Authoritative only: nothing here may reach the machine's own resolvers (resolv.conf).
    let replacement = ((arguments ?? ["--db", database]) + extraArguments + ["--server-name", "ns.test", "--no-forward"])
      .joined(separator: " ")
    let config = lines.map { line in
      line.contains("/in.dns in.dns") ? line.replacingOccurrences(of: generatedArguments, with: replacement) : line
    }
    // inetd needs a moment to bind; ask until it answers.
    let port = self.port
    superserver = try PrivateInetd.start(config, in: directory.path, output: trace) {
      (try? DNSServerUnderInetd.dig(port: port, ["+time=1", "nas.home", "A"]))?.status.isEmpty == false
    }
  }

  func stop() {
    superserver.stop()
    SlotSets.removeAll(port: port)
  }

  static func populateStore(prefix: String, database: String) throws {
    // As root, init also creates the group `slug` the generated lines run in.dns with.
    try slugctl(prefix: prefix, database: database, ["init"])
    for (name, address) in [("nas.home", "192.168.0.2"), ("files.home", "192.168.0.2"), ("printer.home", "2001:db8::3")] {
      try slugctl(prefix: prefix, database: database, ["dns", "add", name, address])
    }
    let store = try Store(path: database)
    for host in 1...40 {
      try store.addDNSHost(DNSHost(name: HostName("big.home")!, address: IPAddress("10.0.1.\(host)")!))
    }
    try store.setDHCPSetting(interface: "eth0", DHCPSetting(keyword: "domain-name", values: ["home"]))
    let now = Int64(Date().timeIntervalSince1970)
    try store.putLease(
      Lease(interface: "eth0", address: IPv4Address("192.168.0.100")!, mac: MACAddress("00:11:22:33:44:01")!,
            hostname: HostName("laptop"), start: now - 60, expiry: now + 3600, state: .active))
    try store.putLease(
      Lease(interface: "eth0", address: IPv4Address("192.168.0.101")!, mac: MACAddress("00:11:22:33:44:02")!,
            hostname: HostName("oldbox"), start: now - 7200, expiry: now - 3600, state: .active))
    try store.addStaticLease(
      StaticLease(mac: MACAddress("00:11:22:33:44:03")!, address: IPv4Address("192.168.0.50")!,
                  hostname: HostName("tv"), interface: "eth0"))
  }

  func slugctl(_ arguments: String...) throws {
    try DNSServerUnderInetd.slugctl(prefix: prefix, database: database, arguments)
  }

  private static func slugctl(prefix: String, database: String, _ arguments: [String]) throws {
    let result = try ChildProcess.run(prefix + "/sbin/slugctl", arguments + ["--db", database])
    guard result.status == 0 else { throw SetupFailure("slugctl \(arguments) failed: \(result.output)") }
  }

  func dig(_ arguments: String...) throws -> DigReply { try DNSServerUnderInetd.dig(port: port, arguments) }

  static func dig(port: UInt16, _ arguments: [String]) throws -> DigReply {
    let result = try ChildProcess.run(
      "/usr/bin/dig", ["@127.0.0.1", "-p", "\(port)", "+tries=1", "+time=2"] + arguments)
    return DigReply(result.output)
  }

  /// Runs `script` with /usr/bin/python3, PORT replaced by the service port; returns stdout.
  func python(_ script: String) throws -> String {
    let result = try ChildProcess.run(
      "/usr/bin/python3", ["-c", script.replacingOccurrences(of: "PORT", with: "\(port)")])
    return result.output
  }

  /// The execv lines of inetd's trace: one per process it started.
  func execs() throws -> [String] {
    try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n").map(String.init)
      .filter { $0.contains("execv") }
  }
}

/// dig's output, in the parts the tests look at.
struct DigReply {
  var output: String
  var status = ""
  var flags: [String] = []
  /// Records as `owner ttl class type data`, whitespace collapsed.
  var answers: [String] = []
  var authority: [String] = []

  init(_ output: String) {
    self.output = output
    var section = ""
    for line in output.split(separator: "\n", omittingEmptySubsequences: false) {
      if let range = line.range(of: "status: ") {
        status = String(line[range.upperBound...].prefix { $0 != "," })
      } else if line.hasPrefix(";; flags: ") {
        flags = line.dropFirst(10).prefix { $0 != ";" }.split(separator: " ").map(String.init)
      } else if line.hasPrefix(";; ") && line.hasSuffix(" SECTION:") {
        section = String(line.dropFirst(3).dropLast(9))
      } else if line.isEmpty {
        section = ""
      } else if !line.hasPrefix(";") {
        let record = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
        if section == "ANSWER" { answers.append(record) }
        if section == "AUTHORITY" { authority.append(record) }
      }
    }
  }
}

extension FreePort {
  /// A loopback port free for both UDP and TCP, as the dns service binds both.
  static func udpAndTCP() throws -> UInt16 {
    for _ in 0..<20 {
      let port = try FreePort.udp()
      let probe = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
      defer { close(probe) }
      var address = sockaddr_in()
      address.sin_family = sa_family_t(AF_INET)
      address.sin_port = port.bigEndian
      address.sin_addr.s_addr = inet_addr("127.0.0.1")
      let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(probe, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
      }
      if bound == 0 { return port }
    }
    throw SetupFailure("no loopback port free for both UDP and TCP")
  }
}

/// Response rate limiting under a flood from one source (bench/dns/flood.py: ANY for a name
/// with 40 addresses, EDNS 4096, as fast as python sends): the bytes in.dns sends back stay
/// within 3x the bytes it was sent, and some replies are truncated so real clients retry
/// over TCP; a normal client is still answered.
final class DNSRateLimitTests: XCTestCase {
  func testAFloodFromOneSourceGetsBackAtMostThreeTimesItsBytes() throws {
    let server = try DNSServerUnderInetd()
    addTeardownBlock { server.stop() }
    let flood = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../bench/dns/flood.py")
      .standardized.path
    let result = try ChildProcess.run("/usr/bin/python3", [flood, "\(server.port)", "big.home", "3"])
    var figures: [String: Double] = [:]
    let words = result.output.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
    for index in stride(from: 0, to: words.count - 1, by: 2) { figures[words[index]] = Double(words[index + 1]) }
    let queries = try XCTUnwrap(figures["queries"], result.output)
    XCTAssertGreaterThan(queries, 3000, "a flood of thousands a second: \(result.output)")
    XCTAssertLessThanOrEqual(try XCTUnwrap(figures["ratio"]), 3, result.output)
    XCTAssertGreaterThan(try XCTUnwrap(figures["truncated"]), 0, result.output)
    sleep(1)
    XCTAssertEqual(try server.dig("nas.home", "A").answers, ["nas.home. 60 IN A 192.168.0.2"])
    XCTAssertEqual(try server.dig("+tcp", "big.home", "ANY").answers.count, 40, "TCP is not limited")
  }
}
