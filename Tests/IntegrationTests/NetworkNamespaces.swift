import Foundation
import TestSupport
import XCTest

/// Two network namespaces, a server and a client, joined by a veth pair: `vS` (10.99.0.1/16)
/// in the server namespace, `vC` in the client namespace, unaddressed unless asked, with a
/// fixed MAC so static leases can match it. The namespace names carry the test process's pid
/// and a counter, so parallel runs and earlier crashed runs never collide; the interfaces are
/// created inside the namespaces, so their names never meet the host's.
///
/// Every process started through `start(in:)` is tracked and stopped by its PID in
/// `tearDown()`, then whatever else still runs in the namespaces (a daemonized client), then
/// the namespaces are deleted. `tearDown()` also runs on deinit and when `init` fails halfway.
final class NetworkNamespaces {
  enum Side { case server, client }

  static let serverInterface = "vS"
  static let clientInterface = "vC"
  static let serverAddress = "10.99.0.1"
  static let prefixLength = 16

  let serverName: String
  let clientName: String
  let clientMAC: String
  private var processes: [ChildProcess] = []
  private var created: [String] = []
  private var tornDown = false

  private nonisolated(unsafe) static var counter = 0
  private static let counterLock = NSLock()

  /// `clientAddress` (e.g. "10.99.0.2") gives vC an address in 10.99.0.0/16, so plain UDP
  /// sockets in the client namespace can act as a relay agent.
  init(clientMAC: String = "02:99:00:00:00:01", clientAddress: String? = nil) throws {
    guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip") else {
      throw SetupFailure("/usr/sbin/ip is missing: apt-get install iproute2")
    }
    let number = Self.counterLock.withLock {
      Self.counter += 1
      if Self.counter == 1 { Self.removeLeftovers() }
      return Self.counter
    }
    let tag = "\(getpid())-\(number)"
    serverName = "slugS\(tag)"
    clientName = "slugC\(tag)"
    self.clientMAC = clientMAC
    do {
      for name in [serverName, clientName] {
        try Self.ip("netns", "add", name)
        created.append(name)
      }
      try Self.ip(
        "link", "add", Self.serverInterface, "netns", serverName, "type", "veth", "peer", "name", Self.clientInterface,
        "netns", clientName)
      try Self.ip("-n", serverName, "link", "set", "lo", "up")
      try Self.ip("-n", clientName, "link", "set", "lo", "up")
      try Self.ip("-n", serverName, "addr", "add", "\(Self.serverAddress)/\(Self.prefixLength)", "dev", Self.serverInterface)
      try Self.ip("-n", serverName, "link", "set", Self.serverInterface, "up")
      try Self.ip("-n", clientName, "link", "set", Self.clientInterface, "address", clientMAC)
      if let clientAddress {
        try Self.ip("-n", clientName, "addr", "add", "\(clientAddress)/\(Self.prefixLength)", "dev", Self.clientInterface)
      }
      try Self.ip("-n", clientName, "link", "set", Self.clientInterface, "up")
    } catch {
      tearDown()
      throw error
    }
  }

  deinit { tearDown() }

  /// A second veth link between the two namespaces: SERVER addressed (ADDRESS/PREFIX), CLIENT
  /// with MAC and no address.
  func addLink(server: String, address: String, client: String, clientMAC: String) throws {
    try Self.ip("link", "add", server, "netns", serverName, "type", "veth", "peer", "name", client, "netns", clientName)
    try Self.ip("-n", serverName, "addr", "add", address, "dev", server)
    try Self.ip("-n", serverName, "link", "set", server, "up")
    try Self.ip("-n", clientName, "link", "set", client, "address", clientMAC)
    try Self.ip("-n", clientName, "link", "set", client, "up")
  }

  func name(_ side: Side) -> String { side == .server ? serverName : clientName }

  /// Runs ARGUMENTS (a path and its arguments) to completion inside the namespace; returns its
  /// exit status and combined output.
  @discardableResult
  func run(in side: Side, _ arguments: [String]) throws -> (status: Int32, output: String) {
    try ChildProcess.run("/usr/sbin/ip", ["netns", "exec", name(side)] + arguments)
  }

  /// Starts ARGUMENTS in the background inside the namespace (`ip netns exec` execs it, so the
  /// PID is the program's own), output to `outputPath`; it is stopped in `tearDown()`.
  func start(in side: Side, _ arguments: [String], outputPath: String? = nil) throws -> ChildProcess {
    let process = try ChildProcess("/usr/sbin/ip", ["netns", "exec", name(side)] + arguments, outputPath: outputPath)
    processes.append(process)
    return process
  }

  /// The PIDs of every process inside the namespace.
  func pids(in side: Side) -> [pid_t] {
    let listed = try? ChildProcess.run("/usr/sbin/ip", ["netns", "pids", name(side)])
    return (listed?.output ?? "").split(separator: "\n").compactMap { pid_t($0) }
  }

  /// The addresses of vC, as `10.99.1.10/16`.
  func clientAddresses() throws -> [String] {
    let shown = try ChildProcess.run(
      "/usr/sbin/ip", ["-n", clientName, "-4", "-o", "addr", "show", "dev", Self.clientInterface])
    return shown.output.split(separator: "\n").compactMap { line in
      let fields = line.split(separator: " ")
      return fields.firstIndex(of: "inet").flatMap { $0 + 1 < fields.count ? String(fields[$0 + 1]) : nil }
    }
  }

  /// Stops the tracked processes (children first, see ChildProcess.stop), kills by PID anything
  /// left in the namespaces (all of it started by this test), deletes the namespaces.
  func tearDown() {
    guard !tornDown else { return }
    tornDown = true
    for process in processes.reversed() { process.stop() }
    for name in created {
      for signal in [SIGTERM, SIGKILL] {
        let left = (try? ChildProcess.run("/usr/sbin/ip", ["netns", "pids", name]))?.output ?? ""
        let pids = left.split(separator: "\n").compactMap { pid_t($0) }
        if pids.isEmpty { break }
        for pid in pids { kill(pid, signal) }
        usleep(100_000)
      }
      _ = try? ChildProcess.run("/usr/sbin/ip", ["netns", "del", name])
    }
  }

  /// Namespaces this harness made in a test process that has died without tearing them down
  /// (killed, or crashed): their processes are killed and they are deleted.
  private static func removeLeftovers() {
    for name in existing() {
      guard name.hasPrefix("slugS") || name.hasPrefix("slugC") else { continue }
      let tag = name.dropFirst(5).split(separator: "-")
      guard tag.count == 2, let owner = pid_t(tag[0]), tag[1].allSatisfy(\.isNumber), owner != getpid(),
        kill(owner, 0) != 0, errno == ESRCH
      else { continue }
      let left = (try? ChildProcess.run("/usr/sbin/ip", ["netns", "pids", name]))?.output ?? ""
      for pid in left.split(separator: "\n").compactMap({ pid_t($0) }) { kill(pid, SIGKILL) }
      _ = try? ChildProcess.run("/usr/sbin/ip", ["netns", "del", name])
    }
  }

  /// The namespaces that exist now.
  static func existing() -> [String] {
    let listed = (try? ChildProcess.run("/usr/sbin/ip", ["netns", "list"]))?.output ?? ""
    return listed.split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) }
  }

  private static func ip(_ arguments: String...) throws {
    let result = try ChildProcess.run("/usr/sbin/ip", arguments)
    guard result.status == 0 else {
      throw SetupFailure("ip \(arguments.joined(separator: " ")) failed (\(result.status)): \(result.output)")
    }
  }
}
