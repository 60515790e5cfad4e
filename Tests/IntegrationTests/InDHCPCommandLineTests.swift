import DHCP
import Foundation
import Store
import TestSupport
import XCTest

/// in.dhcp run by hand with `-d` (log to stderr) on sockets and files the test makes. The
/// exchanges go through a pretend relay on 127.0.0.2:67, so no broadcast is involved; the
/// network-namespace tests cover real clients.
final class InDHCPCommandLineTests: XCTestCase {
  func runInDHCP(_ arguments: [String], input: Int32? = nil) throws -> (status: Int32, log: String) {
    try BuildProducts.runDaemon("in.dhcp", arguments, input: input)
  }

  func testRejectsABadCommandLineWithUsage() throws {
    for arguments in [["-x"], ["-i", "x"], ["--db", "a", "-c", "b", "eth0"], ["-c", "conf"], ["-l", "leases"],
                      ["-c", "conf", "eth0", "not-an-address"], ["eth0/1"]] {
      let result = try runInDHCP(arguments)
      XCTAssertEqual(result.status, 64, "\(arguments): \(result.log)")
      XCTAssertEqual(result.log.split(separator: "\n").count, 1, result.log)
      XCTAssertTrue(result.log.contains("usage: in.dhcp [-d] [-n] [-i IDLE]"), result.log)
    }
  }

  func testExitsNoInputWithoutAnIPv4SocketOrAStore() throws {
    let directory = try TemporaryDirectory()
    let notASocket = try runInDHCP(["--db", directory.path + "/absent.db"])
    XCTAssertEqual(notASocket.status, 66, notASocket.log)
    XCTAssertTrue(notASocket.log.contains("udp4"), notASocket.log)
    let (ipv6, _) = try LoopbackSocket.bind(SOCK_DGRAM, dualStack: true)
    defer { close(ipv6) }
    let dualStack = try runInDHCP(["-i", "0", "--db", directory.path + "/absent.db"], input: ipv6)
    XCTAssertEqual(dualStack.status, 66, dualStack.log)
    XCTAssertTrue(dualStack.log.contains("not an IPv4 datagram socket"), dualStack.log)

    let (service, _) = try LoopbackSocket.bind(SOCK_DGRAM)
    defer { close(service) }
    let noStore = try runInDHCP(["-i", "0", "--db", directory.path + "/absent.db"], input: service)
    XCTAssertEqual(noStore.status, 66, noStore.log)
    XCTAssertTrue(noStore.log.contains(directory.path + "/absent.db"), noStore.log)
  }

  func testABadConfigFileIsADataErrorNamingTheLine() throws {
    let directory = try TemporaryDirectory()
    let config = directory.path + "/in.dhcp.conf.lo"
    try "subnet-mask 255.0.0.0\nlease-time forever\n".write(toFile: config, atomically: true, encoding: .utf8)
    let (service, _) = try LoopbackSocket.bind(SOCK_DGRAM)
    defer { close(service) }
    let result = try runInDHCP(["-i", "0", "-c", config, "-l", directory.path + "/leases", "lo"], input: service)
    XCTAssertEqual(result.status, 65, result.log)
    XCTAssertTrue(result.log.contains("\(config):2: "), result.log)
  }

  /// `-n` in drop-in mode: the files, the script, and the interface's settings with their
  /// defaults, options in the file's keywords; fd 0 is /dev/null, not a socket.
  func testCheckModePrintsTheEffectiveConfigurationOfTheFlatFiles() throws {
    let directory = try TemporaryDirectory()
    let config = directory.path + "/in.dhcp.conf.lo"
    let leases = directory.path + "/in.dhcp.leases.lo"
    try """
      02:00:00:00:00:09 {
      \thostname fixed
      \taddress 127.0.2.9
      }
      subnet-mask 255.0.0.0
      lease-time 600
      domain-name home
      routers 127.0.0.1 127.0.0.2
      pool-start 127.0.1.1
      pool-end 127.0.1.5

      """.write(toFile: config, atomically: true, encoding: .utf8)
    let expiry = Int64(Date().timeIntervalSince1970) + 300
    try "127.0.1.1 02:00:00:00:00:01 \(expiry) old\n".write(toFile: leases, atomically: true, encoding: .utf8)
    let bin = try BuildProducts.binDirectory()
    let result = try ChildProcess.run(
      bin + "/in.dhcp", ["-n", "-c", config, "-l", leases, "--script", "/usr/local/sbin/hook", "lo", "127.0.0.1"])
    XCTAssertEqual(result.status, 0, result.output)
    XCTAssertEqual(
      result.output.split(separator: "\n").map(String.init),
      [
        "config \(config)", "lease-file \(leases)", "script /usr/local/sbin/hook", "idle 30",
        "interface lo subnet 127.0.0.0", "interface lo subnet-mask 255.0.0.0", "interface lo server-identifier 127.0.0.1",
        "interface lo pool 127.0.1.1-127.0.1.5", "interface lo lease-time 600", "interface lo renewal-time 300",
        "interface lo rebinding-time 525", "interface lo next-server the server identifier",
        "interface lo domain-name home", "interface lo routers 127.0.0.1 127.0.0.2", "interface lo static-leases 1",
        "interface lo active-leases 1",
      ])
  }

  /// `-n` on the store: every configured interface; a missing store or a bad file is one line
  /// naming it, with its exit status.
  func testCheckModeReadsTheStoreAndNamesWhatIsWrong() throws {
    let directory = try TemporaryDirectory()
    let database = directory.path + "/slug.db"
    let store = try Store(path: database)
    for (keyword, values) in [("subnet-mask", ["255.255.255.0"]), ("pool-start", ["10.77.0.10"]),
                              ("pool-end", ["10.77.0.20"]), ("renewal-time", ["1000"])] {
      try store.setDHCPSetting(interface: "slugtest0", DHCPSetting(keyword: keyword, values: values))
    }
    try store.addStaticLease(StaticLease(mac: MACAddress("02:77:00:00:00:01")!, address: IPv4Address("10.77.0.5")!))
    let bin = try BuildProducts.binDirectory()
    let good = try ChildProcess.run(bin + "/in.dhcp", ["-n", "--db", database])
    XCTAssertEqual(good.status, 0, good.output)
    XCTAssertEqual(
      good.output.split(separator: "\n").map(String.init),
      [
        "store \(database)", "lease-file none (the store keeps the leases)", "script none", "idle 30",
        "interface slugtest0 subnet 10.77.0.0", "interface slugtest0 subnet-mask 255.255.255.0",
        "interface slugtest0 server-identifier the address each request arrives on",
        "interface slugtest0 pool 10.77.0.10-10.77.0.20", "interface slugtest0 lease-time 86400",
        "interface slugtest0 renewal-time 1000", "interface slugtest0 rebinding-time 75600",
        "interface slugtest0 next-server the server identifier", "interface slugtest0 static-leases 1",
        "interface slugtest0 active-leases 0",
      ])

    let noStore = try ChildProcess.run(bin + "/in.dhcp", ["-n", "--db", directory.path + "/absent.db"])
    XCTAssertEqual(noStore.status, 66, noStore.output)
    XCTAssertEqual(noStore.output.split(separator: "\n").count, 1, noStore.output)
    XCTAssertTrue(noStore.output.contains(directory.path + "/absent.db"), noStore.output)

    let config = directory.path + "/in.dhcp.conf.lo"
    try "subnet-mask 255.0.0.0\nlease-time forever\n".write(toFile: config, atomically: true, encoding: .utf8)
    let bad = try ChildProcess.run(bin + "/in.dhcp", ["-n", "-c", config, "-l", directory.path + "/leases", "lo"])
    XCTAssertEqual(bad.status, 65, bad.output)
    XCTAssertEqual(bad.output.split(separator: "\n").count, 1, bad.output)
    XCTAssertTrue(bad.output.contains("\(config):2: "), bad.output)
  }

  /// The LAN domain (slugctl dns domain) is the domain-name (option 15) of every interface that
  /// sets none; an interface's own domain-name stays.
  func testTheLANDomainIsTheDefaultDomainName() throws {
    let directory = try TemporaryDirectory()
    let database = directory.path + "/slug.db"
    let store = try Store(path: database)
    for (interface, third) in [("slugtest0", 77), ("slugtest1", 78)] {
      for (keyword, values) in [("subnet-mask", ["255.255.255.0"]), ("pool-start", ["10.\(third).0.10"]),
                                ("pool-end", ["10.\(third).0.20"])] {
        try store.setDHCPSetting(interface: interface, DHCPSetting(keyword: keyword, values: values))
      }
    }
    try store.setDHCPSetting(interface: "slugtest1", DHCPSetting(keyword: "domain-name", values: ["lab.example"]))
    let bin = try BuildProducts.binDirectory()
    func domainNames() throws -> [String] {
      let check = try ChildProcess.run(bin + "/in.dhcp", ["-n", "--db", database])
      XCTAssertEqual(check.status, 0, check.output)
      return check.output.split(separator: "\n").map(String.init).filter { $0.contains(" domain-name ") }
    }
    XCTAssertEqual(try domainNames(), ["interface slugtest1 domain-name lab.example"], "no LAN domain yet")
    try store.setDNSDomain(HostName("home.example")!)
    XCTAssertEqual(
      try domainNames(),
      ["interface slugtest0 domain-name home.example", "interface slugtest1 domain-name lab.example"])
  }

  /// The drop-in mode: the original's config file and lease file, and the lease-change script.
  func testDropInModeLeasesFromTheFlatFilesWritesTheLeaseFileAndRunsTheScript() throws {
    let directory = try TemporaryDirectory()
    let config = directory.path + "/in.dhcp.conf.lo"
    let leases = directory.path + "/in.dhcp.leases.lo"
    let script = directory.path + "/hook"
    let calls = directory.path + "/calls"
    try """
      02:00:00:00:00:09 {
      \thostname fixed
      \taddress 127.0.2.9
      }
      server-identifier 127.0.0.1
      subnet-mask 255.0.0.0
      lease-time 600
      domain-name home
      pool-start 127.0.1.1
      pool-end 127.0.1.5

      """.write(toFile: config, atomically: true, encoding: .utf8)
    // An earlier client's line in the original two-field form: its address stays taken.
    try "127.0.1.1 02:00:00:00:00:01\n".write(toFile: leases, atomically: true, encoding: .utf8)
    try "#!/bin/sh\necho \"$@\" >> \(calls)\n".write(toFile: script, atomically: true, encoding: .utf8)
    chmod(script, 0o755)

    let relay = try Self.bindUDP(address: "127.0.0.2", port: 67)
    defer { close(relay) }
    let (service, port) = try LoopbackSocket.bind(SOCK_DGRAM)
    defer { close(service) }
    let server = Process()
    server.executableURL = URL(fileURLWithPath: try BuildProducts.binDirectory() + "/in.dhcp")
    server.arguments = ["-d", "-i", "2", "-c", config, "-l", leases, "--script", script, "lo"]
    server.standardInput = FileHandle(fileDescriptor: service, closeOnDealloc: false)
    let log = directory.path + "/log"
    FileManager.default.createFile(atPath: log, contents: nil)
    server.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
    try server.run()
    defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
    let before = Int64(Date().timeIntervalSince1970)
    let newcomer: [UInt8] = [2, 0, 0, 0, 0, 2]
    let offer = try exchange(.discover, mac: newcomer, options: [], relay: relay, port: port)
    XCTAssertEqual(offer.messageType, .offer)
    XCTAssertEqual(offer.yiaddr, 0x7F00_0102, "127.0.1.1 is the earlier client's")
    let ack = try exchange(
      .request, mac: newcomer,
      options: [DHCPOption(code: 50, bytes: [127, 0, 1, 2]), DHCPOption(code: 54, bytes: [127, 0, 0, 1]),
                DHCPOption(code: 12, bytes: Array("newcomer".utf8))],
      relay: relay, port: port)
    XCTAssertEqual(ack.messageType, .ack)
    XCTAssertEqual(ack.yiaddr, 0x7F00_0102)
    XCTAssertEqual(ack.option(15), Array("home".utf8))
    // The lease is on disk when the ACK arrives.
    let written = try String(contentsOfFile: leases, encoding: .utf8).split(separator: "\n")
    XCTAssertEqual(written.count, 2, "\(written)")
    let fields = written.last?.split(separator: " ") ?? []
    XCTAssertEqual(fields.first, "127.0.1.2")
    XCTAssertEqual(fields.dropFirst().first, "02:00:00:00:00:02")
    let expiry = Int64(fields.dropFirst(2).first ?? "") ?? 0
    XCTAssertTrue((before + 600...before + 602).contains(expiry), "\(written)")
    XCTAssertEqual(fields.last, "newcomer")

    let fixed = try exchange(.discover, mac: [2, 0, 0, 0, 0, 9], options: [], relay: relay, port: port)
    XCTAssertEqual(fixed.yiaddr, 0x7F00_0209)
    XCTAssertEqual(fixed.option(12), Array("fixed".utf8))

    server.waitUntilExit()
    let logged = try String(contentsOfFile: log, encoding: .utf8)
    XCTAssertEqual(server.terminationStatus, 0, logged)
    XCTAssertTrue(logged.contains("DHCPACK(lo) 127.0.1.2 02:00:00:00:00:02 newcomer"), logged)
    XCTAssertEqual(try String(contentsOfFile: calls, encoding: .utf8), "add 02:00:00:00:00:02 127.0.1.2 newcomer\n")
  }

  /// Sends a request as a relay on 127.0.0.2 would and returns the server's reply.
  func exchange(
    _ type: DHCPMessageType, mac: [UInt8], options: [DHCPOption], relay: Int32, port: UInt16
  ) throws -> DHCPMessage {
    let request = DHCPMessage(
      op: DHCPMessage.bootRequest, xid: UInt32.random(in: 1...UInt32.max), giaddr: 0x7F00_0002, chaddr: mac,
      messageType: type, options: options)
    var destination = sockaddr_in()
    destination.sin_family = sa_family_t(AF_INET)
    destination.sin_port = port.bigEndian
    destination.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    let bytes = request.encode()
    let sent = withUnsafePointer(to: &destination) { pointer in
      pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        sendto(relay, bytes, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    XCTAssertEqual(sent, bytes.count)
    var reply = [UInt8](repeating: 0, count: 1500)
    var poller = pollfd(fd: relay, events: Int16(POLLIN), revents: 0)
    guard poll(&poller, 1, 5000) == 1 else { throw SetupFailure("no reply to \(type) within 5 s") }
    let count = recv(relay, &reply, reply.count, 0)
    let message = try DHCPMessage.decode(reply.prefix(max(count, 0)))
    XCTAssertEqual(message.xid, request.xid)
    return message
  }

  static func bindUDP(address: String, port: UInt16) throws -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
    var local = sockaddr_in()
    local.sin_family = sa_family_t(AF_INET)
    local.sin_port = port.bigEndian
    inet_pton(AF_INET, address, &local.sin_addr)
    let bound = withUnsafePointer(to: &local) { pointer in
      pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard bound == 0 else {
      close(fd)
      throw SetupFailure("cannot bind \(address):\(port): \(String(cString: strerror(errno))) (the test runs as root)")
    }
    return fd
  }
}
