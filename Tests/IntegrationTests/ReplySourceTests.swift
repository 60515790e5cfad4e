import Foundation
import TestSupport
import XCTest

/// A UDP answer leaves from the address the question was sent to: in a server namespace with
/// a second address of each family on its interface, a query to either address, from another
/// namespace, is answered from that address under the generated lines of openbsd-inetd and of
/// xinetd (whose sockets are dual-stack: IPv4 questions arrive IPv4-mapped). The second IPv6
/// address is deprecated, so the kernel would never choose it as a source by itself.
final class ReplySourceTests: XCTestCase {
  func testInDNSAnswersFromTheAddressAskedUnderInetd() throws {
    try checkAnswersComeFromTheAddressAsked(format: "inetd")
  }

  func testInDNSAnswersFromTheAddressAskedUnderXinetd() throws {
    try checkAnswersComeFromTheAddressAsked(format: "xinetd")
  }

  static let asked = ["10.99.0.1", "10.99.0.2", "fd99::1", "fd99::2"]

  private func checkAnswersComeFromTheAddressAsked(format: String) throws {
    let net = try NetworkNamespaces(clientAddress: "10.99.0.10")
    addTeardownBlock { net.tearDown() }
    let server = net.name(.server)
    let client = net.name(.client)
    for arguments in [
      ["-n", server, "addr", "add", "10.99.0.2/16", "dev", NetworkNamespaces.serverInterface],
      ["-n", server, "addr", "add", "fd99::1/64", "dev", NetworkNamespaces.serverInterface, "nodad"],
      ["-n", server, "addr", "add", "fd99::2/64", "dev", NetworkNamespaces.serverInterface, "nodad", "preferred_lft", "0"],
      ["-n", client, "addr", "add", "fd99::10/64", "dev", NetworkNamespaces.clientInterface, "nodad"],
    ] {
      let result = try ChildProcess.run("/usr/sbin/ip", arguments)
      guard result.status == 0 else { throw SetupFailure("ip \(arguments.joined(separator: " ")): \(result.output)") }
    }
    let directory = try TemporaryDirectory()
    let prefix = directory.path + "/prefix"
    let database = directory.path + "/slug.db"
    try PrivateInetd.install(prefix: prefix)
    try DNSServerUnderInetd.populateStore(prefix: prefix, database: database)
    // No --bind: every address of the namespace, as on a LAN box.
    let generated = try ChildProcess.run(
      prefix + "/sbin/slugctl",
      ["inetd", "generate", "--format", format, "--prefix", prefix, "--services", "dns", "--db", database])
    guard generated.status == 0 else { throw SetupFailure("slugctl inetd generate: \(generated.output)") }
    if format == "inetd" {
      try generated.output.write(toFile: directory.path + "/inetd.conf", atomically: true, encoding: .utf8)
      _ = try net.start(
        in: .server, [PrivateInetd.inetd, "-i", "-d", directory.path + "/inetd.conf"],
        outputPath: directory.path + "/inetd.trace")
    } else {
      try generated.output.write(toFile: directory.path + "/xinetd.conf", atomically: true, encoding: .utf8)
      _ = try net.start(
        in: .server,
        [try PrivateInetd.xinetd(), "-f", directory.path + "/xinetd.conf", "-dontfork", "-filelog", directory.path + "/xinetd.log",
         "-pidfile", directory.path + "/xinetd.pid"],
        outputPath: directory.path + "/xinetd.out")
    }
    // Each address asked twice: the first question of a burst was queued before in.dns
    // turned packet information on, the second was not.
    let script = """
      import socket, time, dns.message
      for address in \(Self.asked.map { "'\($0)'" }.joined(separator: ", ")):
          family = socket.AF_INET6 if ':' in address else socket.AF_INET
          for attempt in range(2):
              for _ in range(50):
                  s = socket.socket(family, socket.SOCK_DGRAM)
                  s.settimeout(0.2)
                  s.sendto(dns.message.make_query('nas.home', 'A').to_wire(), (address, 53))
                  try:
                      data, source = s.recvfrom(4096)
                      print(address, source[0], len(dns.message.from_wire(data).answer))
                      break
                  except socket.timeout:
                      pass
                  finally:
                      s.close()
              else:
                  print(address, 'none', 0)
      """
    let run = try net.run(in: .client, ["/usr/bin/python3", "-c", script])
    var expected: [String] = []
    for address in Self.asked {
      let line = "\(address) \(address) 1"
      expected += [line, line]
    }
    XCTAssertEqual(run.output.split(separator: "\n").map(String.init), expected, run.output)
  }
}
