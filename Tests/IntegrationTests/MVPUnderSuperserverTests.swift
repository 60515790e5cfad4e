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
    let xinetd = ProcessInfo.processInfo.environment["XINETD"] ?? "/tmp/xinetd-pkg/usr/sbin/xinetd"
    guard FileManager.default.isExecutableFile(atPath: xinetd) else {
      throw SetupFailure(
        "\(xinetd) is missing: apt-get download xinetd && dpkg -x xinetd_*.deb /tmp/xinetd-pkg (or set XINETD)")
    }
    let directory = try TemporaryDirectory()
    let port = try FreePort.udp()
    let config = directory.path + "/xinetd.conf"
    let stanzas = try generatedConfiguration(format: "xinetd", port: port, in: directory)
    let log = directory.path + "/xinetd.log"
    // Service starts are logged only through log_type; -filelog covers xinetd's own messages.
    let defaults = "defaults\n{\n\tlog_type = FILE \(log)\n\tlog_on_success = PID\n}\n\n"
    try (defaults + stanzas).write(toFile: config, atomically: true, encoding: .utf8)
    let superserver = try ChildProcess(
      xinetd, ["-f", config, "-dontfork", "-filelog", log, "-pidfile", directory.path + "/xinetd.pid"],
      outputPath: directory.path + "/xinetd.out")
    addTeardownBlock { superserver.stop() }

    try exerciseLocator(port: port, superserver: superserver, log: log)
    let starts = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").filter { $0.contains("START: slug-mvp") }
    XCTAssertEqual(starts.count, 1, "one in.mvp should serve the whole burst; xinetd logged: \(starts)")
  }

  /// Installs slug into DIRECTORY with the built slugctl, as a user would, and returns what
  /// the installed slugctl generates for the super-server: in.mvp alone on 127.0.0.1:PORT.
  func generatedConfiguration(format: String, port: UInt16, in directory: TemporaryDirectory) throws -> String {
    let prefix = directory.path + "/prefix"
    let install = try ChildProcess.run(try BuildProducts.binDirectory() + "/slugctl", ["install", "--prefix", prefix])
    XCTAssertEqual(install.status, 0, install.output)
    let generated = try ChildProcess.run(
      prefix + "/sbin/slugctl",
      ["inetd", "generate", "--format", format, "--prefix", prefix, "--bind", "127.0.0.1", "--user", "root",
       "--port", "mvp=\(port)", "--services", "mvp"])
    XCTAssertEqual(generated.status, 0, generated.output)
    return generated.output
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
