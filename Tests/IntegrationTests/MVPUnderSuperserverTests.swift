import Foundation
import TestSupport
import XCTest

/// in.mvp installed by `slugctl install` and started by real super-servers from the
/// configuration `slugctl inetd generate` writes for them.
final class MVPUnderSuperserverTests: XCTestCase {
  func testInMVPUnderOpenBSDInetd() throws {
    let inetd = "/usr/sbin/inetd"
    guard FileManager.default.isExecutableFile(atPath: inetd) else {
      throw SetupFailure("\(inetd) is missing: apt-get install openbsd-inetd")
    }
    let directory = try TemporaryDirectory()
    let port = try FreePort.udp()
    let config = directory.path + "/inetd.conf"
    try generatedConfiguration(format: "inetd", port: port, in: directory).write(
      toFile: config, atomically: true, encoding: .utf8)
    let trace = directory.path + "/inetd.trace"
    let superserver = try ChildProcess(inetd, ["-i", "-d", config], outputPath: trace)
    addTeardownBlock { superserver.stop() }

    try exerciseLocator(port: port, superserver: superserver, log: trace)
    let execs = try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n").filter { $0.contains("execv") }
    XCTAssertEqual(execs.count, 1, "one in.mvp should serve the whole burst; inetd traced: \(execs)")
  }

  func testInMVPUnderXinetd() throws {
    _ = try PrivateInetd.xinetd()
    let directory = try TemporaryDirectory()
    let port = try FreePort.udp()
    let stanzas = try generatedConfiguration(format: "xinetd", port: port, in: directory)
    let log = directory.path + "/xinetd.log"
    // Service starts are logged only through log_type; -filelog covers xinetd's own messages.
    let defaults = "defaults\n{\n\tlog_type = FILE \(log)\n\tlog_on_success = PID\n}\n\n"
    let superserver = try PrivateInetd.startXinetd(defaults + stanzas, in: directory.path, log: log)
    addTeardownBlock { superserver.stop() }

    try exerciseLocator(port: port, superserver: superserver, log: log)
    let starts = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").filter { $0.contains("START: slug-mvp") }
    XCTAssertEqual(starts.count, 1, "one in.mvp should serve the whole burst; xinetd logged: \(starts)")
  }

  /// Installs slug into DIRECTORY with the built slugctl, as a user would, and returns what
  /// the installed slugctl generates for the super-server: in.mvp alone on 127.0.0.1:PORT.
  func generatedConfiguration(format: String, port: UInt16, in directory: TemporaryDirectory) throws -> String {
    let prefix = directory.path + "/prefix"
    try PrivateInetd.install(prefix: prefix)
    return try PrivateInetd.generated(prefix: prefix, service: "mvp", port: port, format: format)
  }

  /// One request, a burst of 50, a malformed datagram and one more request, all answered byte
  /// for byte except the malformed one, by a single in.mvp process.
  func exerciseLocator(port: UInt16, superserver: ChildProcess, log: String) throws {
    let client = try LocatorClient()
    var first: [UInt8]?
    // The super-server needs a moment to bind; the request is repeated until it answers.
    for _ in 0..<50 where first == nil {
      XCTAssertTrue(superserver.isRunning, "super-server exited: \(String(describing: try? String(contentsOfFile: log, encoding: .utf8)))")
      client.send(client.request(sequence: 1), toPort: port)
      first = client.receive(within: 100)
    }
    XCTAssertEqual(first, LocatorClient.expectedReply(sequence: 1))
    while client.receive(within: 200) != nil {}

    let burst = UInt32(100)..<UInt32(150)
    for sequence in burst { client.send(client.request(sequence: sequence), toPort: port) }
    var replies: [[UInt8]] = []
    while replies.count < burst.count, let reply = client.receive(within: 2000) { replies.append(reply) }
    XCTAssertEqual(
      replies.sorted { $0.lexicographicallyPrecedes($1) }, burst.map { LocatorClient.expectedReply(sequence: $0) })

    client.send(Array(client.request(sequence: 7).prefix(51)), toPort: port)
    XCTAssertNil(client.receive(within: 300), "a malformed datagram must get no reply")
    client.send(client.request(sequence: 8), toPort: port)
    XCTAssertEqual(client.receive(within: 2000), LocatorClient.expectedReply(sequence: 8))

    let children = superserver.children
    XCTAssertEqual(children.count, 1, "children of the super-server: \(children)")
  }
}
