import Foundation
import TestSupport
import XCTest

/// A UDP `wait` daemon that cannot serve (a store that is not a database, a wrong argument)
/// under openbsd-inetd, from the generated lines: it logs one line per start, reads and drops
/// (in.dns: answers SERVFAIL to) what arrives and leaves after its idle period, so inetd does
/// not restart it in a loop. 10 s of queries, a few a second and a burst, cost inetd and the
/// daemon together under 5 % of a CPU.
final class NeverSpinTests: XCTestCase {
  func testInDNSWithABrokenStoreAnswersSERVFAILWithoutSpinning() throws {
    let box = try UnservedBox(service: "dns", brokenStore: true)
    defer { box.stop() }
    let replies = try box.flood(query: Self.dnsQuery)
    XCTAssertGreaterThan(replies.filter { $0.count >= 4 && $0[3] & 0x0F == 2 }.count, 20, "SERVFAIL to well-formed queries")
    try box.expectQuiet(reason: "not a database")
  }

  func testInDHCPWithABrokenStoreDropsRequestsWithoutSpinning() throws {
    let box = try UnservedBox(service: "dhcp", brokenStore: true)
    defer { box.stop() }
    XCTAssertEqual(try box.flood(query: Array(repeating: 0, count: 300)), [])
    try box.expectQuiet(reason: "not a database")
  }

  func testInMVPWithAWrongArgumentDropsRequestsWithoutSpinning() throws {
    let box = try UnservedBox(service: "mvp", brokenStore: false, extraArgument: "--gui-port 0")
    defer { box.stop() }
    XCTAssertEqual(try box.flood(query: Array(repeating: 0, count: 52)), [])
    try box.expectQuiet(reason: "usage: in.mvp")
  }

  /// A query for nas.home A, ID 0x1234.
  static let dnsQuery: [UInt8] =
    [0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 3] + Array("nas".utf8) + [4] + Array("home".utf8) + [0, 0, 1, 0, 1]
}

/// openbsd-inetd on 127.0.0.1 running one UDP service from the generated line, in a mount
/// namespace whose /dev/log is a socket of ours, so the daemon's syslog lines can be counted.
final class UnservedBox {
  let directory: TemporaryDirectory
  let port: UInt16
  let program: String
  private let log: SyslogSocket
  private let superserver: ChildProcess
  private var cpuAtStart: Int = 0
  private var started = Date()

  init(service: String, brokenStore: Bool, extraArgument: String? = nil) throws {
    guard geteuid() == 0 else { throw SetupFailure("needs root: the daemons run as their own users") }
    try PrivateInetd.require(["/usr/bin/unshare": "util-linux"])
    program = "in.\(service)"
    directory = try TemporaryDirectory()
    chmod(directory.path, 0o711)
    let prefix = directory.path + "/prefix"
    let database = directory.path + "/slug.db"
    try PrivateInetd.install(prefix: prefix)
    if brokenStore {
      try "this is not a database\n".write(toFile: database, atomically: true, encoding: .utf8)
      chmod(database, 0o644)
    }
    port = try FreePort.udp()
    let lines = try PrivateInetd.generatedLines(
      prefix: prefix, service: service, port: port, database: database, arguments: extraArgument.map { [$0] } ?? []
    ).filter { !$0.contains(" stream ") }
    guard lines.contains(where: { $0.contains(" dgram ") && $0.contains(" wait") }) else {
      throw SetupFailure("no UDP wait line for \(service) in:\n\(lines.joined(separator: "\n"))")
    }
    (superserver, log) = try PrivateInetd.startWithPrivateLog(
      lines, in: directory.path, output: directory.path + "/inetd.trace", debug: false)
    var ready = false
    for _ in 0..<50 where superserver.isRunning {
      if (try? ChildProcess.run("/usr/bin/ss", ["-Hlun", "sport", "= :\(port)"]).output.contains(":\(port)")) == true {
        ready = true
        break
      }
      usleep(100_000)
    }
    guard ready else {
      superserver.stop()
      throw SetupFailure("inetd did not bind UDP \(port):\n\(trace())")
    }
  }

  func stop() {
    for pid in superserver.descendants { kill(pid, SIGKILL) }
    superserver.stop()
  }

  func trace() -> String { (try? String(contentsOfFile: directory.path + "/inetd.trace", encoding: .utf8)) ?? "" }

  /// CPU ticks of inetd (its own and its reaped children's) and of its running children.
  func cpuTicks() -> Int {
    func fields(_ pid: pid_t) -> [Int] {
      guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
      else { return [] }
      return stat[stat.index(after: close)...].split(separator: " ").compactMap { Int($0) }
    }
    // After ")": state is field 3; utime 14, stime 15, cutime 16, cstime 17 are at 11...14.
    let own = fields(superserver.pid)
    var total = own.count > 14 ? own[11...14].reduce(0, +) : 0
    for child in superserver.descendants {
      let theirs = fields(child)
      if theirs.count > 12 { total += theirs[11] + theirs[12] }
    }
    return total
  }

  /// 10 s of QUERY to the service: four a second, and a burst of 200 after 5 s. Returns the
  /// replies that came back.
  func flood(query: [UInt8]) throws -> [[UInt8]] {
    cpuAtStart = cpuTicks()
    started = Date()
    let result = try ChildProcess.run(
      "/usr/bin/python3",
      ["-c",
       """
       import socket, sys, time
       query = bytes.fromhex(sys.argv[2])
       client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
       client.setblocking(False)
       replies = []
       start = time.monotonic()
       sent_burst = False
       while time.monotonic() - start < 10:
           client.sendto(query, ('127.0.0.1', int(sys.argv[1])))
           if not sent_burst and time.monotonic() - start > 5:
               for _ in range(200): client.sendto(query, ('127.0.0.1', int(sys.argv[1])))
               sent_burst = True
           time.sleep(0.25)
           while True:
               try: replies.append(client.recv(4096).hex())
               except BlockingIOError: break
       print('\\n'.join(replies))
       """, "\(port)", query.map { String(format: "%02x", $0) }.joined()])
    return result.output.split(separator: "\n").map { line in
      stride(from: 0, to: line.count - 1, by: 2).map { offset in
        let start = line.index(line.startIndex, offsetBy: offset)
        return UInt8(line[start..<line.index(start, offsetBy: 2)], radix: 16) ?? 0
      }
    }
  }

  /// inetd and the daemon used under 5 % of a CPU since `flood` began; each start of the
  /// daemon logged one line naming REASON, and there were few starts.
  func expectQuiet(reason: String, file: StaticString = #filePath, line: UInt = #line) throws {
    let seconds = Date().timeIntervalSince(started)
    let used = Double(cpuTicks() - cpuAtStart) / Double(sysconf(Int32(_SC_CLK_TCK)))
    XCTAssertLessThan(used / seconds, 0.05, "inetd and \(program) used \(used) s of CPU in \(seconds) s", file: file, line: line)
    // inetd runs without -d (its trace slows a loop down): every start says why it cannot serve.
    let lines = log.lines()
    let daemonLines = lines.filter { $0.contains("\(program)[") }
    let starts = daemonLines.filter { $0.contains(reason) }.count
    let shown = lines.suffix(20).joined(separator: "\n")
    XCTAssertGreaterThanOrEqual(starts, 1, shown, file: file, line: line)
    XCTAssertLessThanOrEqual(starts, 2, "\(program) started \(starts) times:\n\(shown)", file: file, line: line)
    XCTAssertEqual(daemonLines.count, starts, "one line per start:\n\(shown)", file: file, line: line)
    XCTAssertTrue(daemonLines.allSatisfy { $0.contains("dropping what arrives") }, shown, file: file, line: line)
  }
}
