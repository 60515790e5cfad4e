import Foundation
import Runtime
import TestSupport
import XCTest

/// The suite cross-built for ARM boards (Scripts/cross-build; docs/design.md, "ARM boards")
/// runs under qemu-user (Debian's qemu-user-static), each daemon on a loopback socket the test
/// binds and passes as fd 0, as a super-server would: in.mvp answers a MediaMVP, slugctl adds a
/// host and in.dns answers from that store, in.www serves a file, in the clear and over TLS; and
/// Scripts/package builds each board's package. On both of Debian's ARM architectures: arm64 (a
/// Raspberry Pi 3 or later, most ARM routers and NAS boxes) and armhf (32-bit ARMv7 with hard
/// float). Scripts/test cross-builds everything first; a missing binary is a setup failure
/// naming the command.
final class ARMBoardTests: XCTestCase {
  struct Board {
    let arch: String
    let emulator: String
    /// What `readelf -h` calls the machine.
    let machine: String
  }

  static let boards = [
    Board(arch: "arm64", emulator: "/usr/bin/qemu-aarch64-static", machine: "AArch64"),
    Board(arch: "armhf", emulator: "/usr/bin/qemu-arm-static", machine: "ARM"),
  ]

  /// The command that runs the cross-built PROGRAM for BOARD under qemu, once it is checked to be
  /// a static position-independent executable for that machine (no interpreter, no libraries:
  /// it needs nothing from the board but its kernel).
  static func command(_ program: String, on board: Board) throws -> [String] {
    let path = BuildProducts.packageRoot + "/.build/cross/\(board.arch)/\(program)"
    guard FileManager.default.isExecutableFile(atPath: path) else {
      throw SetupFailure("no \(path); run Scripts/cross-build \(board.arch)")
    }
    guard FileManager.default.isExecutableFile(atPath: board.emulator) else {
      throw SetupFailure("no \(board.emulator): apt-get install qemu-user-static")
    }
    let header = try ChildProcess.run("/usr/bin/readelf", ["-h", "-l", "-d", path])
    XCTAssertEqual(header.status, 0, header.output)
    XCTAssertTrue(header.output.contains("Machine:                           \(board.machine)\n"), header.output)
    XCTAssertTrue(header.output.contains("DYN (Position-Independent Executable file)"), header.output)
    XCTAssertFalse(header.output.contains("INTERP"), "\(path) asks for a dynamic loader")
    XCTAssertFalse(header.output.contains("(NEEDED)"), "\(path) needs shared libraries")
    return [board.emulator, path]
  }

  /// Runs COMMAND with `-d` (log on stderr) and ARGUMENTS, fd 0 being `input`; returns its exit
  /// status and log. It must finish within `limit` seconds (qemu is slow, not that slow).
  static func run(_ command: [String], _ arguments: [String], input: Int32, limit: TimeInterval = 60) throws
    -> (status: Int32, log: String)
  {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: command[0])
    process.arguments = Array(command.dropFirst()) + ["-d"] + arguments
    process.standardInput = FileHandle(fileDescriptor: input, closeOnDealloc: false)
    process.standardOutput = FileHandle.nullDevice
    let log = Pipe()
    process.standardError = log
    try process.run()
    let deadline = DispatchTime.now() + limit
    let finished = DispatchSemaphore(value: 0)
    process.terminationHandler = { _ in finished.signal() }
    if process.isRunning, finished.wait(timeout: deadline) == .timedOut {
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
      XCTFail("\(command.last!) \(arguments) did not finish within \(Int(limit)) s")
    }
    let text = String(decoding: log.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, text)
  }

  func testInMVPAnswersAMediaMVP() throws {
    for board in Self.boards {
      let client = try LocatorClient()
      let (service, port) = try LoopbackSocket.bind(SOCK_DGRAM)
      defer { close(service) }
      client.send(client.request(sequence: 9), toPort: port)
      let result = try Self.run(Self.command("in.mvp", on: board), ["-i", "0"], input: service)
      XCTAssertEqual(result.status, 0, "\(board.arch): \(result.log)")
      XCTAssertEqual(client.receive(within: 1000), LocatorClient.expectedReply(sequence: 9), board.arch)
      XCTAssertTrue(result.log.contains("MVPOUT dest=127.0.0.1:\(client.port) server=127.0.0.1\n"), result.log)
    }
  }

  /// The board's slugctl creates a store and adds a name to it; the board's in.dns answers for
  /// that name, and NXDOMAIN for one in the same domain that the store does not hold.
  func testSlugctlAddsAHostAndInDNSAnswersFromTheStore() throws {
    let directory = try TemporaryDirectory()
    for board in Self.boards {
      let database = directory.path + "/\(board.arch).db"
      defer { shm_unlink("/slug-dns-" + StorePathHash.digits(of: database)) }
      let slugctl = try Self.command("slugctl", on: board)
      let add = try ChildProcess.run(slugctl[0], [slugctl[1], "--db", database, "dns", "add", "nas.home", "192.168.0.2"])
      XCTAssertEqual(add.status, 0, "\(board.arch): \(add.output)")
      let list = try ChildProcess.run(slugctl[0], [slugctl[1], "--db", database, "dns", "list", "--json"])
      XCTAssertEqual(list.output, "[\n  {\"name\":\"nas.home\",\"address\":\"192.168.0.2\"}\n]\n", board.arch)
      let client = try LoopbackSocket.bind(SOCK_DGRAM)
      defer { close(client.fd) }
      let (service, port) = try LoopbackSocket.bind(SOCK_DGRAM)
      defer { close(service) }
      for (id, name) in [(0x5101 as UInt16, "nas.home"), (0x5102, "tv.home")] {
        let query = Self.query(id: id, name: name)
        XCTAssertEqual(LoopbackSocket.send(query, from: client.fd, toPort: port), query.count)
      }
      let result = try Self.run(
        Self.command("in.dns", on: board), ["-i", "0", "--db", database, "--domain", "home", "--no-forward"], input: service)
      XCTAssertEqual(result.status, 0, "\(board.arch): \(result.log)")
      let known = try XCTUnwrap(Self.receive(on: client.fd), "\(board.arch): no answer for nas.home; \(result.log)")
      XCTAssertEqual(Array(known[0...1]), [0x51, 0x01], board.arch)
      XCTAssertEqual(known[3] & 0x0F, 0, "\(board.arch): rcode")
      XCTAssertEqual(Array(known[6...7]), [0, 1], "\(board.arch): one answer")
      XCTAssertEqual(Array(known.suffix(6)), [0, 4, 192, 168, 0, 2], "\(board.arch): the store's address")
      let unknown = try XCTUnwrap(Self.receive(on: client.fd), "\(board.arch): no answer for tv.home; \(result.log)")
      XCTAssertEqual(Array(unknown[0...1]), [0x51, 0x02], board.arch)
      XCTAssertEqual(unknown[3] & 0x0F, 3, "\(board.arch): NXDOMAIN")
    }
  }

  /// Over plain HTTP, and over TLS, where in.www hands the connection to the board's slug-tls
  /// (run under qemu through SLUG_TLS_HELPER: the kernel here cannot exec an ARM binary) and the
  /// client verifies the certificate, as browsers do by default.
  func testInWWWServesAFileInTheClearAndOverTLS() throws {
    let directory = try TemporaryDirectory()
    let body = "served on ARM\n"
    try FileManager.default.createDirectory(atPath: directory.path + "/root", withIntermediateDirectories: true)
    try body.write(toFile: directory.path + "/root/hello.txt", atomically: true, encoding: .utf8)
    let certificates = try TLSFixture(in: directory.path + "/tls")
    for board in Self.boards {
      let helper = directory.path + "/slug-tls-\(board.arch)"
      let tlsHelper = try Self.command("slug-tls", on: board)
      try "#!/bin/sh\nexec \(tlsHelper[0]) -0 slug-tls \(tlsHelper[1]) \"$@\"\n".write(
        toFile: helper, atomically: true, encoding: .utf8)
      XCTAssertEqual(chmod(helper, 0o755), 0)
      for tls in [false, true] {
        let daemon = try ["/usr/bin/env", "SLUG_TLS_HELPER=" + helper] + Self.command("in.www", on: board) + ["-d"]
          + (tls ? ["--tls", "--tls-dir", certificates.directory] : []) + [directory.path + "/root"]
        let result = try BuildProducts.oneConnection(
          daemon, sending: "GET /hello.txt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
          caFile: tls ? certificates.caPath : nil, readLimit: 60, exitLimit: 60)
        let what = "\(board.arch)\(tls ? " over TLS" : "")"
        let output = result.response + result.log
        XCTAssertEqual(result.status, 0, "\(what): \(output)")
        XCTAssertTrue(result.response.hasPrefix("HTTP/1.1 200 OK\r\n"), "\(what): \(output)")
        XCTAssertTrue(result.response.contains("\r\nContent-Length: \(body.utf8.count)\r\n"), "\(what): \(output)")
        XCTAssertTrue(result.response.contains("\r\n\r\n" + body), "\(what): \(output)")
      }
    }
  }

  /// Scripts/package --arch builds each board's package from its cross-built binaries: every
  /// program in it is for the board, and lintian finds no error in it.
  func testThePackageForEachBoardHoldsItsProgramsAndPassesLintian() throws {
    let output = try TemporaryDirectory()
    for board in Self.boards {
      _ = try Self.command("slugctl", on: board)
      let built = try ChildProcess.run(
        "/usr/bin/env",
        ["DPKG_DEB_COMPRESSOR_TYPE=gzip", "DPKG_DEB_COMPRESSOR_LEVEL=1", BuildProducts.packageRoot + "/Scripts/package",
         "--arch", board.arch, "--output", output.path])
      XCTAssertEqual(built.status, 0, "\(board.arch): \(built.output)")
      let package = built.output.split(separator: "\n").last.map(String.init) ?? ""
      XCTAssertTrue(package.hasSuffix("_\(board.arch).deb"), "\(board.arch): \(built.output)")
      let architecture = try ChildProcess.run("/usr/bin/dpkg-deb", ["-f", package, "Architecture"])
      XCTAssertEqual(architecture.output, board.arch + "\n")
      let contents = try TemporaryDirectory()
      XCTAssertEqual(try ChildProcess.run("/usr/bin/dpkg-deb", ["-x", package, contents.path]).status, 0)
      let programs = try FileManager.default.contentsOfDirectory(atPath: contents.path + "/usr/sbin").sorted()
      XCTAssertEqual(
        programs,
        ["in.ctcs", "in.dhcp", "in.dns", "in.jabberd", "in.mvp", "in.proxy", "in.smtp", "in.www", "slug-tls", "slugctl"])
      for program in programs {
        let header = try ChildProcess.run("/usr/bin/readelf", ["-h", contents.path + "/usr/sbin/" + program])
        XCTAssertTrue(header.output.contains("Machine:                           \(board.machine)\n"), "\(program): \(header.output)")
      }
      let lintian = try ChildProcess.run("/usr/bin/lintian", ["--fail-on", "error", package])
      XCTAssertEqual(lintian.status, 0, "\(board.arch): \(lintian.output)")
    }
  }

  /// A DNS query for NAME's A record, recursion desired.
  static func query(id: UInt16, name: String) -> [UInt8] {
    var packet: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xFF), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
    for label in name.split(separator: ".") { packet += [UInt8(label.utf8.count)] + Array(label.utf8) }
    return packet + [0, 0, 1, 0, 1]
  }

  /// The next datagram on FD within a second, if it is long enough for a DNS header.
  static func receive(on fd: Int32) -> [UInt8]? {
    LoopbackSocket.receive(on: fd, within: 1000).flatMap { $0.count < 12 ? nil : $0 }
  }
}
