import Foundation
import Runtime
import TestSupport
import XCTest

/// in.dns forwarding to real upstream servers, all inside a server network namespace (so port
/// 53 is ours and nothing reaches another address): nsd on 127.0.0.1:53 serving `example.test`
/// (MX, TXT, SRV, HTTPS, a CNAME chain, an IPv4-only name) and the DNSSEC-signed `signed.test`;
/// misbehaving servers (fake_upstream.py) on 127.0.0.2 and up; in.dns from the generated lines
/// under openbsd-inetd on 10.99.0.1 (vS) with the store DNSServerUnderInetd fills. The client
/// namespace has 10.99.0.2 (on the server's subnet) and 10.98.0.2, a network routed to the
/// server but not one of its own. Every process is stopped by PID and the namespaces deleted.
final class DNSForwardingTestbed {
  static let server = NetworkNamespaces.serverAddress
  static let nsd = "127.0.0.1"
  static let routedClient = "10.98.0.2"

  let namespaces: NetworkNamespaces
  let directory: TemporaryDirectory
  let port: UInt16
  let database: String

  /// `fakes` are (mode, address) of fake_upstream.py servers on port 53; `arguments` follow
  /// the generated `--db DB` (e.g. `--upstream 127.0.0.2 --upstream 127.0.0.1`).
  init(fakes: [(mode: String, address: String)] = [], arguments: [String]) throws {
    try PrivateInetd.require([
      "/usr/bin/dig": "dnsutils", "/usr/sbin/nsd": "nsd", "/usr/bin/ldns-signzone": "ldnsutils",
    ])
    guard try ChildProcess.run("/usr/bin/python3", ["-c", "import dns.message"]).status == 0 else {
      throw SetupFailure("dnspython is missing for /usr/bin/python3: apt-get install python3-dnspython")
    }
    namespaces = try NetworkNamespaces(clientAddress: "10.99.0.2")
    directory = try TemporaryDirectory()
    database = directory.path + "/slug.db"
    port = try FreePort.udpAndTCP()
    do {
      try addRoutedClient()
      try startNSD()
      for fake in fakes { try startFake(fake.mode, at: fake.address) }
      try startInDNS(arguments: arguments)
    } catch {
      stop()
      throw error
    }
  }

  func stop() {
    namespaces.tearDown()
    SlotSets.removeAll(port: port)
    // The store's shared cache, made by the first question forwarded (4 MiB of /dev/shm).
    shm_unlink("/slug-dns-" + StorePathHash.digits(of: database))
  }

  /// dig inside the server namespace, asking in.dns.
  func dig(_ arguments: String...) throws -> DigReply {
    try dig(in: .server, arguments)
  }

  func dig(in side: NetworkNamespaces.Side, _ arguments: [String]) throws -> DigReply {
    let result = try namespaces.run(
      in: side, ["/usr/bin/dig", "@\(Self.server)", "-p", "\(port)", "+tries=1", "+time=6"] + arguments)
    return DigReply(result.output)
  }

  /// A python script run with /usr/bin/python3 in the server namespace; `PORT` becomes in.dns's
  /// port. Returns its status and output.
  func python(_ script: String, _ arguments: [String] = []) throws -> (status: Int32, output: String) {
    try namespaces.run(
      in: .server, ["/usr/bin/python3", "-c", script.replacingOccurrences(of: "PORT", with: "\(port)")] + arguments)
  }

  static func script(_ name: String) -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(name).path
  }

  private func addRoutedClient() throws {
    let client = namespaces.name(.client)
    let server = namespaces.name(.server)
    for command in [
      ["-n", client, "addr", "add", "\(Self.routedClient)/24", "dev", NetworkNamespaces.clientInterface],
      ["-n", server, "route", "add", "10.98.0.0/24", "dev", NetworkNamespaces.serverInterface],
    ] {
      let result = try ChildProcess.run("/usr/sbin/ip", command)
      guard result.status == 0 else { throw SetupFailure("ip \(command): \(result.output)") }
    }
  }

  static let exampleZone = """
    $ORIGIN example.test.
    $TTL 300
    @ IN SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 120
    @ IN NS ns
    ns IN A 192.0.2.53
    @ IN MX 10 mail
    mail IN A 192.0.2.25
    @ IN TXT "v=spf1 -all" "a second string"
    _xmpp-client._tcp IN SRV 5 0 5222 chat
    chat IN A 192.0.2.52
    @ IN HTTPS 1 . alpn="h2,h3"
    www IN CNAME web
    web 120 IN CNAME host
    host 600 IN A 192.0.2.80

    """

  static let signedZone = """
    $ORIGIN signed.test.
    $TTL 300
    @ IN SOA ns.signed.test. hostmaster.signed.test. 1 3600 600 86400 120
    @ IN NS ns
    ns IN A 192.0.2.53
    @ IN A 192.0.2.90
    www IN A 192.0.2.91

    """

  private func startNSD() throws {
    let path = directory.path
    try Self.exampleZone.write(toFile: path + "/example.test.zone", atomically: true, encoding: .utf8)
    try Self.signedZone.write(toFile: path + "/signed.test.zone", atomically: true, encoding: .utf8)
    let sign = try ChildProcess.run(
      "/bin/sh",
      ["-c", "cd \"$0\" && key=$(ldns-keygen -a ECDSAP256SHA256 -k signed.test) && ldns-signzone signed.test.zone \"$key\"", path])
    guard sign.status == 0 else { throw SetupFailure("ldns-signzone failed: \(sign.output)") }
    let conf = """
      server:
        ip-address: \(Self.nsd)@53
        do-ip6: no
        username: ""
        chroot: ""
        zonesdir: "\(path)"
        database: ""
        zonelistfile: "\(path)/zone.list"
        xfrdfile: "\(path)/xfrd.state"
        xfrdir: "\(path)"
        pidfile: "\(path)/nsd.pid"
        verbosity: 0
        rrl-ratelimit: 0
        minimal-responses: yes
      remote-control:
        control-enable: no
      zone:
        name: example.test
        zonefile: example.test.zone
      zone:
        name: signed.test
        zonefile: signed.test.zone.signed

      """
    try conf.write(toFile: path + "/nsd.conf", atomically: true, encoding: .utf8)
    let nsd = try namespaces.start(in: .server, ["/usr/sbin/nsd", "-d", "-c", path + "/nsd.conf"], outputPath: path + "/nsd.out")
    try waitUntil("nsd answers on \(Self.nsd):53", process: nsd, log: path + "/nsd.out") {
      let asked = try? self.namespaces.run(in: .server, ["/usr/bin/dig", "@\(Self.nsd)", "+tries=1", "+time=1", "example.test", "SOA"])
      return asked.map { DigReply($0.output).status == "NOERROR" } ?? false
    }
  }

  private func startFake(_ mode: String, at address: String) throws {
    let output = directory.path + "/fake-\(address).out"
    let fake = try namespaces.start(
      in: .server, ["/usr/bin/python3", Self.script("fake_upstream.py"), mode, address, "53"], outputPath: output)
    try waitUntil("fake_upstream.py \(mode) on \(address)", process: fake, log: output) {
      ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").contains("ready")
    }
  }

  private func startInDNS(arguments: [String]) throws {
    let prefix = directory.path + "/prefix"
    try PrivateInetd.install(prefix: prefix)
    try DNSServerUnderInetd.populateStore(prefix: prefix, database: database)
    let lines = try PrivateInetd.generatedLines(
      prefix: prefix, service: "dns", port: port, database: database, binds: [Self.server])
    let replacement = (["--db", database] + arguments + ["--server-name", "ns.test"]).joined(separator: " ")
    let config = lines.map { line in
      line.contains("/in.dns in.dns") ? line.replacingOccurrences(of: "--db " + database, with: replacement) : line
    }
    try (config.joined(separator: "\n") + "\n").write(toFile: directory.path + "/inetd.conf", atomically: true, encoding: .utf8)
    let trace = directory.path + "/inetd.trace"
    let inetd = try namespaces.start(in: .server, [PrivateInetd.inetd, "-i", "-d", directory.path + "/inetd.conf"], outputPath: trace)
    try waitUntil("in.dns under inetd on \(Self.server):\(port)", process: inetd, log: trace) {
      (try? self.dig("+time=1", "nas.home", "A"))?.status == "NOERROR"
    }
  }

  private func waitUntil(_ what: String, process: ChildProcess, log: String, _ ready: () -> Bool) throws {
    for _ in 0..<50 {
      guard process.isRunning else { break }
      if ready() { return }
      usleep(100_000)
    }
    let said = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
    throw SetupFailure("\(what): not ready; it said:\n\(said.suffix(3000))")
  }
}
