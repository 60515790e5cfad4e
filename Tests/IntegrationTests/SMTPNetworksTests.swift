import Foundation
import TestSupport
import XCTest

/// in.smtp's default relay networks, in a network namespace: the server on 10.99.0.1/16, a
/// client on that subnet (10.99.0.2) and one from another private range (192.168.77.2, routed
/// to the server over the same link but not on its subnet).
final class SMTPNetworksTests: XCTestCase {
  static let outsider = "192.168.77.2"

  func testByDefaultOnlyTheServersOwnSubnetRelays() throws {
    let relay = try NamespacedRelay()
    addTeardownBlock { relay.stop() }
    XCTAssertFalse(relay.generated.contains("--allow"), "the generated line keeps the default: \(relay.generated)")

    let inside = try relay.swaks(from: "10.99.0.2", "-f", "me@home.lan", "-t", "friend@example.org")
    XCTAssertEqual(inside.status, 0, inside.output)
    let outside = try relay.swaks(from: Self.outsider, "-f", "x@example.com", "-t", "victim@example.org")
    XCTAssertEqual(outside.status, 24, outside.output)
    XCTAssertTrue(outside.output.contains("<** 550 5.7.1 Relay access denied for <victim@example.org>"), outside.output)
    XCTAssertEqual(relay.deliveries(), ["friend@example.org"])
  }

  func testARefusedRelayIsLoggedAsDENIEDWithTheClientsAddress() throws {
    let relay = try NamespacedRelay()
    addTeardownBlock { relay.stop() }
    let log = try relay.logOfOneConnection(from: Self.outsider, "-f", "x@example.com", "-t", "victim@example.org")
    XCTAssertTrue(log.contains("DENIED relay from \(Self.outsider) to <victim@example.org>"), log)
  }
}

/// The generated in.smtp line under openbsd-inetd in the server namespace (sendmail a recorder,
/// given with `--args smtp=...`), and the two clients' addresses in the client namespace.
final class NamespacedRelay {
  let net: NetworkNamespaces
  let directory: TemporaryDirectory
  let recorder: String
  let generated: String
  static let port = "2525"

  init() throws {
    try PrivateInetd.require(["/usr/bin/swaks": "swaks", "/usr/bin/python3": "python3", PrivateInetd.inetd: "openbsd-inetd"])
    net = try NetworkNamespaces(clientAddress: "10.99.0.2")
    try net.run(in: .client, ["/usr/sbin/ip", "addr", "add", SMTPNetworksTests.outsider + "/32", "dev", NetworkNamespaces.clientInterface])
    try net.run(in: .server, ["/usr/sbin/ip", "route", "add", SMTPNetworksTests.outsider + "/32", "dev", NetworkNamespaces.serverInterface])
    directory = try TemporaryDirectory()
    recorder = directory.path + "/sendmail"
    try """
      #!/bin/sh
      /bin/cat > /dev/null
      printf '%s\\n' "$@" > \(directory.path)/mail.$(/bin/date +%s%N).$$
      exit 0

      """.write(toFile: recorder, atomically: true, encoding: .utf8)
    chmod(recorder, 0o755)
    let prefix = directory.path + "/prefix"
    try PrivateInetd.install(prefix: prefix)
    try PrivateInetd.give([directory.path], to: "slug-smtp")
    let run = try ChildProcess.run(
      prefix + "/sbin/slugctl",
      ["inetd", "generate", "--prefix", prefix, "--bind", NetworkNamespaces.serverAddress, "--port", "smtp=\(Self.port)",
       "--services", "smtp", "--args", "smtp=-s \(recorder) --hostname relay.test --spool \(directory.path)"])
    guard run.status == 0 else { throw SetupFailure("slugctl inetd generate: \(run.output)") }
    generated = run.output
    try generated.write(toFile: directory.path + "/inetd.conf", atomically: true, encoding: .utf8)
    let superserver = try net.start(in: .server, [PrivateInetd.inetd, "-i", directory.path + "/inetd.conf"], outputPath: directory.path + "/inetd.out")
    // A network namespace shares the host's System V IPC: in.smtp's caps are left in a set
    // there, for inetd's port and for the one-connection acceptor's (2526).
    superserver.afterStop.append { [2525, 2526].forEach { SlotSets.removeAll(port: $0) } }
    for _ in 0..<50 {
      let listening = try net.run(in: .server, ["/usr/bin/ss", "-ltnH", "sport = :\(Self.port)"])
      if listening.output.contains("LISTEN") { return }
      usleep(100_000)
    }
    throw SetupFailure("inetd did not listen in the server namespace:\n\(generated)")
  }

  func stop() { net.tearDown() }

  /// swaks in the client namespace from SOURCE to the relay.
  func swaks(from source: String, _ arguments: String...) throws -> (status: Int32, output: String) {
    try net.run(
      in: .client,
      ["/usr/bin/swaks", "-s", NetworkNamespaces.serverAddress, "-p", Self.port, "--local-interface", source,
       "--timeout", "20"] + arguments)
  }

  /// The recipients the recorder was given, oldest first.
  func deliveries() -> [String] {
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasPrefix("mail.") }
    return names.sorted().compactMap { name in
      (try? String(contentsOfFile: directory.path + "/" + name, encoding: .utf8))?.split(separator: "\n").last.map(String.init)
    }
  }

  /// The log (`-d`) of the built in.smtp serving one swaks from SOURCE, started in the server
  /// namespace on a connection accepted there, as inetd would.
  func logOfOneConnection(from source: String, _ arguments: String...) throws -> String {
    let program = try BuildProducts.binDirectory() + "/in.smtp"
    let logPath = directory.path + "/one.log"
    let script = """
      import socket, subprocess, sys
      listener = socket.socket()
      listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
      listener.bind(('\(NetworkNamespaces.serverAddress)', 2526))
      listener.listen(1)
      print('listening', flush=True)
      connection, _ = listener.accept()
      with open(sys.argv[1], 'w') as log:
          daemon = subprocess.Popen(sys.argv[2:], stdin=connection, stdout=connection, stderr=log)
          connection.close()
          daemon.wait(timeout=30)
      """
    let acceptorOutput = directory.path + "/acceptor.out"
    let acceptor = try net.start(
      in: .server, ["/usr/bin/python3", "-c", script, logPath, program, "-d", "-s", recorder, "--hostname", "relay.test"],
      outputPath: acceptorOutput)
    for _ in 0..<50 where !((try? String(contentsOfFile: acceptorOutput, encoding: .utf8)) ?? "").contains("listening") {
      usleep(100_000)
    }
    _ = try net.run(
      in: .client,
      ["/usr/bin/swaks", "-s", NetworkNamespaces.serverAddress, "-p", "2526", "--local-interface", source, "--timeout", "20"]
        + arguments)
    for _ in 0..<50 where acceptor.isRunning { usleep(100_000) }
    return (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
  }
}
