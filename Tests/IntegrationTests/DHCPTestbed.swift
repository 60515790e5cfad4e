import Foundation
import Store
import TestSupport
import XCTest

/// in.dhcp under a real super-server in the server namespace of a `NetworkNamespaces` pair,
/// configured through the store (`slugctl dhcp set`, static leases with per-host settings),
/// in.dns beside it on port 53 of the same store, and the real clients (busybox udhcpc, ISC
/// dhclient) plus a python3 relay agent in the client namespace.
final class DHCPTestbed {
  enum Superserver { case inetd, xinetd }

  static let interface = NetworkNamespaces.serverInterface
  static let poolStart = "10.99.1.10"
  static let poolEnd = "10.99.1.250"
  static let domain = "slug.test"
  /// The MAC with a static lease: 10.99.200.5, hostname tv, its own router, next-server and file.
  static let staticMAC = "02:99:00:00:00:02"
  static let staticAddress = "10.99.200.5"
  static let staticRouter = "10.99.0.254"
  static let staticNextServer = "10.99.0.9"
  static let staticFilename = "dongle.bin"

  let net: NetworkNamespaces
  let directory: TemporaryDirectory
  let database: String
  let binDirectory: String
  /// inetd's trace (-d) or xinetd's log.
  let superserverLog: String
  private(set) var superserver: ChildProcess!
  /// Under inetd, the daemons' syslog lines (their /dev/log is the test's socket).
  private var syslog: DrainedSyslog?
  /// The directory where the client hook script leaves, per call, `=== EVENT` and the environment it got.
  let hookLog: String
  let hookScript: String

  init(
    superserver kind: Superserver = .inetd, clientMAC: String = "02:99:00:00:00:01", clientAddress: String? = nil,
    idle: Int = 5, dhcpArguments: [String]? = nil
  ) throws {
    binDirectory = try BuildProducts.binDirectory()
    for daemon in ["in.dhcp", "in.dns", "slugctl"] where !FileManager.default.isExecutableFile(atPath: binDirectory + "/" + daemon) {
      throw SetupFailure("\(binDirectory)/\(daemon) is missing: run `swift build -c release`")
    }
    directory = try TemporaryDirectory(prefix: "slug-dhcp")
    database = directory.path + "/slug.db"
    hookLog = directory.path + "/hook"
    hookScript = directory.path + "/hook.sh"
    superserverLog = directory.path + "/superserver.log"
    net = try NetworkNamespaces(clientMAC: clientMAC, clientAddress: clientAddress)
    do {
      try configureStore()
      try FileManager.default.createDirectory(atPath: hookLog, withIntermediateDirectories: false)
      try writeHookScript()
      switch kind {
      case .inetd: try startInetd(idle: idle, arguments: dhcpArguments ?? ["--db", database])
      case .xinetd: try startXinetd(idle: idle, arguments: dhcpArguments ?? ["--db", database])
      }
    } catch {
      net.tearDown()
      throw error
    }
  }

  func tearDown() {
    net.tearDown()
    syslog?.stop()
  }

  // MARK: Server side

  func slugctl(_ arguments: [String]) throws -> String {
    let result = try ChildProcess.run(binDirectory + "/slugctl", arguments + ["--db", database])
    guard result.status == 0 else { throw SetupFailure("slugctl \(arguments.joined(separator: " ")) failed: \(result.output)") }
    return result.output
  }

  /// The store as root's `slugctl init` makes it (it also creates the daemons' users, which the
  /// super-server lines name, as `slugctl inetd generate` does), in a directory they may enter.
  private func configureStore() throws {
    _ = try slugctl(["init"])
    try PrivateInetd.reachable(directory.path)
    for (key, values) in [
      ("pool-start", [Self.poolStart]), ("pool-end", [Self.poolEnd]), ("subnet-mask", ["255.255.0.0"]),
      ("lease-time", ["3600"]), ("routers", [NetworkNamespaces.serverAddress]),
      ("domain-servers", [NetworkNamespaces.serverAddress]), ("domain-name", [Self.domain]),
    ] {
      _ = try slugctl(["dhcp", "set", Self.interface, key] + values)
    }
    try Store(path: database).addStaticLease(
      StaticLease(
        mac: MACAddress(Self.staticMAC)!, address: IPv4Address(Self.staticAddress)!, hostname: HostName("tv"),
        settings: [
          DHCPSetting(keyword: "routers", values: [Self.staticRouter]),
          DHCPSetting(keyword: "next-server", values: [Self.staticNextServer]),
          DHCPSetting(keyword: "filename", values: [Self.staticFilename]),
        ]))
  }

  /// `arguments`: in.dhcp's, before `-i IDLE`.
  private func startInetd(idle: Int, arguments: [String]) throws {
    let inetd = "/usr/sbin/inetd"
    guard FileManager.default.isExecutableFile(atPath: inetd) else {
      throw SetupFailure("\(inetd) is missing: apt-get install openbsd-inetd")
    }
    let config = directory.path + "/inetd.conf"
    // in.dns answers the names here and forwards nothing: a bare name outside its zones would
    // otherwise go to this machine's resolv.conf servers.
    try """
      bootps dgram udp4 wait slug-dhcp.slug \(binDirectory)/in.dhcp in.dhcp \(arguments.joined(separator: " ")) -i \(idle)
      domain dgram udp4 wait slug-dns \(binDirectory)/in.dns in.dns --db \(database) -i \(idle) --no-forward

      """.write(toFile: config, atomically: true, encoding: .utf8)
    // A mount namespace of its own whose /dev holds a log socket of the test's: in.dhcp's and
    // in.dns's syslog lines become readable (`daemonLog()`) without the machine's /dev/log.
    let dev = directory.path + "/dev"
    try FileManager.default.createDirectory(atPath: dev, withIntermediateDirectories: false)
    chmod(dev, 0o755)
    syslog = try DrainedSyslog(path: dev + "/log")
    let script = """
      set -e
      for node in null zero full random urandom; do : > "$0/$node"; mount --bind "/dev/$node" "$0/$node"; done
      mount --rbind "$0" /dev
      exec \(inetd) -i -d "$1"
      """
    superserver = try net.start(
      in: .server, ["/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", script, dev, config],
      outputPath: superserverLog)
    try waitForListeners()
  }

  private func startXinetd(idle: Int, arguments: [String]) throws {
    let xinetd = try PrivateInetd.xinetd()
    let config = directory.path + "/xinetd.conf"
    try """
      defaults
      {
      \tlog_type = FILE \(superserverLog)
      \tlog_on_success = PID EXIT
      }

      service slug-dhcp
      {
      \ttype = UNLISTED
      \tport = 67
      \tsocket_type = dgram
      \tprotocol = udp
      \twait = yes
      \tuser = slug-dhcp
      \tgroup = slug
      \tserver = \(binDirectory)/in.dhcp
      \tserver_args = \(arguments.joined(separator: " ")) -i \(idle)
      \tflags = IPv4
      }

      """.write(toFile: config, atomically: true, encoding: .utf8)
    superserver = try net.start(
      in: .server,
      [xinetd, "-f", config, "-dontfork", "-filelog", superserverLog, "-pidfile", directory.path + "/xinetd.pid"],
      outputPath: directory.path + "/xinetd.out")
    try waitForListeners()
  }

  /// Waits until the super-server has bound UDP port 67 in the server namespace.
  private func waitForListeners() throws {
    for _ in 0..<50 {
      guard superserver.isRunning else { break }
      let listening = try net.run(in: .server, ["/usr/bin/ss", "-Hlun", "sport", "= :67"])
      if listening.output.contains(":67") { return }
      usleep(50_000)
    }
    throw SetupFailure("the super-server did not bind UDP port 67 in \(net.serverName):\n\(serverLog())")
  }

  /// The super-server's log (with inetd -d: its trace), and under inetd the daemons' syslog
  /// lines so far.
  func serverLog() -> String {
    let trace = (try? String(contentsOfFile: superserverLog, encoding: .utf8)) ?? "(no log at \(superserverLog))"
    guard syslog != nil else { return trace }
    return trace + "\ndaemons' syslog:\n" + daemonLog().joined(separator: "\n")
  }

  /// Every syslog line in.dhcp and in.dns wrote under inetd, from the start.
  func daemonLog() -> [String] { syslog?.lines ?? [] }

  /// The leases in the store, by address.
  func leases() throws -> [String: Lease] {
    var byAddress: [String: Lease] = [:]
    for lease in try Store(path: database).leases() { byAddress[lease.address.description] = lease }
    return byAddress
  }

  /// The running in.dhcp processes (children of the super-server whose command is in.dhcp).
  func dhcpProcesses() -> [pid_t] {
    superserver.children.filter { pid in
      let command = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) ?? ""
      return command.hasPrefix("in.dhcp")
    }
  }

  // MARK: Clients

  /// One hook for both clients: it logs `=== EVENT` (udhcpc's $1, dhclient's $reason) and its
  /// environment, and configures vC as a client would, inside the client namespace only (the
  /// clients' default scripts would rewrite the host's resolv.conf).
  private func writeHookScript() throws {
    try """
      #!/bin/sh
      # One file per call, renamed into place whole, named so they sort in call order.
      { echo "=== $1$reason"; env; } > \(hookLog).tmp.$$
      mv \(hookLog).tmp.$$ \(hookLog)/$(date +%s%N).$$
      case "$1$reason" in
        bound|renew) /usr/sbin/ip addr flush dev "$interface"; /usr/sbin/ip addr add "$ip/$subnet" dev "$interface" ;;
        deconfig) /usr/sbin/ip addr flush dev "$interface" ;;
        PREINIT) /usr/sbin/ip link set "$interface" up ;;
        BOUND|RENEW|REBIND|REBOOT)
          /usr/sbin/ip addr flush dev "$interface"
          /usr/sbin/ip addr add "$new_ip_address/$new_subnet_mask" dev "$interface" ;;
      esac
      exit 0

      """.write(toFile: hookScript, atomically: true, encoding: .utf8)
    chmod(hookScript, 0o755)
  }

  /// The hook's invocations so far: (event, environment).
  func hookEvents() -> [(event: String, environment: [String: String])] {
    let calls = ((try? FileManager.default.contentsOfDirectory(atPath: hookLog)) ?? []).sorted()
    let text = calls.compactMap { try? String(contentsOfFile: hookLog + "/" + $0, encoding: .utf8) }.joined(separator: "\n")
    var events: [(event: String, environment: [String: String])] = []
    for line in text.split(separator: "\n") {
      if line.hasPrefix("=== ") {
        events.append((String(line.dropFirst(4)), [:]))
      } else if !events.isEmpty, let equals = line.firstIndex(of: "=") {
        events[events.count - 1].environment[String(line[..<equals])] = String(line[line.index(after: equals)...])
      }
    }
    return events
  }

  /// Runs busybox udhcpc once in the foreground in the client namespace (`-q`: it exits once it
  /// has a lease, `-n`: or when it gives up); returns its exit status and output.
  func udhcpc(_ arguments: [String] = [], on interface: String = NetworkNamespaces.clientInterface) throws
    -> (status: Int32, output: String)
  {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/busybox") else {
      throw SetupFailure("/usr/bin/busybox is missing: apt-get install busybox")
    }
    return try net.run(
      in: .client,
      ["/usr/bin/timeout", "20", "/usr/bin/busybox", "udhcpc", "-f", "-n", "-i", interface,
       "-s", hookScript, "-t", "4", "-T", "1"] + arguments)
  }

  private var dhclientRuns = 0
  var dhclientLeases: String { directory.path + "/dhclient.leases" }

  /// Starts ISC dhclient in the foreground (`-d -1`) with the private hook, lease file, pid
  /// file and a dhclient.conf asking for what the tests check; waits until the hook reports one
  /// of `reasons` (then SIGKILLs it: no release, as a client losing power) or it exits.
  /// Returns the event it reached (nil if none) and its output.
  func dhclient(until reasons: Set<String> = ["BOUND", "REBOOT"], within seconds: Double = 20)
    throws -> (event: (event: String, environment: [String: String])?, output: String)
  {
    let dhclient = "/usr/sbin/dhclient"
    guard FileManager.default.isExecutableFile(atPath: dhclient) else {
      throw SetupFailure("\(dhclient) is missing: apt-get install isc-dhcp-client")
    }
    let conf = directory.path + "/dhclient.conf"
    try """
      request subnet-mask, broadcast-address, routers, domain-name, domain-name-servers, host-name;
      send host-name "tvclient";
      timeout 15;
      retry 1;

      """.write(toFile: conf, atomically: true, encoding: .utf8)
    dhclientRuns += 1
    let output = directory.path + "/dhclient-\(dhclientRuns).out"
    let seen = hookEvents().count
    let process = try net.start(
      in: .client,
      [dhclient, "-d", "-1", "-cf", conf, "-sf", hookScript, "-lf", dhclientLeases, "-pf", directory.path + "/dhclient.pid",
       NetworkNamespaces.clientInterface],
      outputPath: output)
    let deadline = Date().addingTimeInterval(seconds)
    var reached: (event: String, environment: [String: String])?
    while reached == nil, process.isRunning, Date() < deadline {
      reached = hookEvents().dropFirst(seen).first { reasons.contains($0.event) }
      if reached == nil { usleep(50_000) }
    }
    reached = reached ?? hookEvents().dropFirst(seen).first { reasons.contains($0.event) }
    // dhclient writes its lease file after the hook returns: let it, so a next run can reboot.
    if let address = reached?.environment["new_ip_address"] {
      for _ in 0..<60 where process.isRunning {
        let leases = (try? String(contentsOfFile: dhclientLeases, encoding: .utf8)) ?? ""
        if leases.contains("fixed-address \(address);") { break }
        usleep(50_000)
      }
    }
    kill(process.pid, SIGKILL)
    process.stop()
    return (reached, (try? String(contentsOfFile: output, encoding: .utf8)) ?? "")
  }

  /// `dhclient -r`: releases the lease in its lease file; returns its status and output.
  func dhclientRelease() throws -> (status: Int32, output: String) {
    try net.run(
      in: .client,
      ["/usr/bin/timeout", "20", "/usr/sbin/dhclient", "-d", "-r", "-cf", directory.path + "/dhclient.conf", "-sf", hookScript,
       "-lf", dhclientLeases, "-pf", directory.path + "/dhclient.pid", NetworkNamespaces.clientInterface])
  }

  /// Runs `script` with python3 in the client namespace after the relay-agent helpers of
  /// `DHCPRelay.library`, with `arguments` as sys.argv[1:]; fails the setup if python3 fails.
  /// Returns stdout and stderr.
  func python(_ script: String, arguments: [String] = [], timeout: Int = 60) throws -> String {
    let path = directory.path + "/script-\(UUID().uuidString).py"
    try (DHCPRelay.library + "\n" + script).write(toFile: path, atomically: true, encoding: .utf8)
    let result = try net.run(in: .client, ["/usr/bin/timeout", "\(timeout)", "/usr/bin/python3", path] + arguments)
    guard result.status == 0 else {
      throw SetupFailure("python3 relay script failed (\(result.status)):\n\(result.output)\nsuper-server:\n\(serverLog())")
    }
    return result.output
  }
}

/// Plain UDP sockets acting as a relay agent in the client namespace (vC addressed 10.99.0.2,
/// bound to port 67, giaddr 10.99.0.2): the server answers unicast to giaddr:67, so no raw
/// sockets are needed to send crafted requests and read the replies.
enum DHCPRelay {
  static let address = "10.99.0.2"

  static let library = #"""
    import os, random, socket, struct, sys, time
    RELAY = '10.99.0.2'
    SERVER = ('10.99.0.1', 67)
    COOKIE = b'\x63\x82\x53\x63'
    DISCOVER, OFFER, REQUEST, DECLINE, ACK, NAK, RELEASE, INFORM = 1, 2, 3, 4, 5, 6, 7, 8
    NAMES = {1: 'DISCOVER', 2: 'OFFER', 3: 'REQUEST', 4: 'DECLINE', 5: 'ACK', 6: 'NAK', 7: 'RELEASE', 8: 'INFORM'}

    def mac_bytes(mac):
        return bytes(int(part, 16) for part in mac.split(':'))

    def packet(kind, mac, xid, requested=None, server_id=None, ciaddr='0.0.0.0', hostname=None, giaddr=RELAY):
        header = struct.pack('!BBBBIHH4s4s4s4s16s64s128s', 1, 1, 6, 1, xid, 0, 0, socket.inet_aton(ciaddr),
                             bytes(4), bytes(4), socket.inet_aton(giaddr), mac_bytes(mac), b'', b'')
        options = bytes([53, 1, kind])
        if requested: options += bytes([50, 4]) + socket.inet_aton(requested)
        if server_id: options += bytes([54, 4]) + socket.inet_aton(server_id)
        if hostname: options += bytes([12, len(hostname)]) + hostname.encode()
        options += bytes([55, 6, 1, 3, 6, 12, 15, 51])
        return header + COOKIE + options + b'\xff'

    def parse(data):
        if len(data) < 240 or data[236:240] != COOKIE:
            return None
        op, _, _, _, xid, _, flags, ciaddr, yiaddr, siaddr, giaddr, chaddr = struct.unpack('!BBBBIHH4s4s4s4s16s', data[:44])
        options, index = {}, 240
        while index < len(data) and data[index] != 255:
            if data[index] == 0:
                index += 1
                continue
            length = data[index + 1]
            options[data[index]] = data[index + 2:index + 2 + length]
            index += 2 + length
        return {'op': op, 'xid': xid, 'flags': flags, 'yiaddr': socket.inet_ntoa(yiaddr), 'siaddr': socket.inet_ntoa(siaddr),
                'giaddr': socket.inet_ntoa(giaddr), 'mac': ':'.join('%02x' % b for b in chaddr[:6]),
                'type': options.get(53, b'\0')[0], 'options': options,
                'server_id': socket.inet_ntoa(options[54]) if len(options.get(54, b'')) == 4 else None,
                'file': data[108:236].split(b'\0')[0].decode('latin-1')}

    class Relay:
        def __init__(self):
            self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.socket.bind((RELAY, 67))

        def send(self, data):
            self.socket.sendto(data, SERVER)

        def receive(self, xid, timeout):
            """The next reply with this xid within timeout seconds, parsed, or None."""
            deadline = time.monotonic() + timeout
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.socket.settimeout(left)
                try:
                    data, _ = self.socket.recvfrom(2048)
                except socket.timeout:
                    return None
                reply = parse(data)
                if reply and reply['xid'] == xid:
                    return reply

        def exchange(self, data, xid, timeout=0.5, tries=10):
            """Sends data until a reply with xid comes (retransmitting every timeout), or None."""
            for _ in range(tries):
                self.send(data)
                reply = self.receive(xid, timeout)
                if reply:
                    return reply
            return None

        def lease(self, mac, hostname=None, tries=10):
            """DISCOVER, OFFER, REQUEST, ACK; returns (ack, offer) or (None, last reply)."""
            xid = random.getrandbits(32)
            offer = self.exchange(packet(DISCOVER, mac, xid, hostname=hostname), xid, tries=tries)
            if not offer or offer['type'] != OFFER:
                return None, offer
            request = packet(REQUEST, mac, xid, requested=offer['yiaddr'], server_id=offer['server_id'], hostname=hostname)
            return self.exchange(request, xid, tries=tries), offer
    """#
}

/// A syslog socket read all the time by a thread of its own: a daemon's send blocks while the
/// socket's queue is full, so lines left unread would stall in.dhcp in the middle of a test.
final class DrainedSyslog: @unchecked Sendable {
  private let socket: SyslogSocket
  private let lock = NSLock()
  private var collected: [String] = []
  private var stopped = false
  private let done = DispatchSemaphore(value: 0)

  init(path: String) throws {
    socket = try SyslogSocket(path: path)
    Thread.detachNewThread { [self] in
      while !lock.withLock({ stopped }) {
        // "<PRIORITY>in.dhcp[PID]: TEXT\n" becomes "in.dhcp[PID]: TEXT".
        let lines = socket.lines().map { String($0.drop { $0 != ">" }.dropFirst().prefix { $0 != "\n" }) }
        if lines.isEmpty { usleep(10_000) } else { lock.withLock { collected += lines } }
      }
      done.signal()
    }
  }

  /// Every line so far.
  var lines: [String] { lock.withLock { collected } }

  /// Ends the reading thread (once).
  func stop() {
    let first = lock.withLock {
      defer { stopped = true }
      return !stopped
    }
    if first { done.wait() }
  }
}
