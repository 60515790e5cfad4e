import Foundation
import TestSupport
import XCTest

/// The release daemons under test: `swift build -c release` puts them in
/// `swift build -c release --show-bin-path`; $SLUG_BIN overrides.
enum BuildProducts {
  static let daemons = ["in.www", "in.proxy", "in.jabberd", "in.smtp", "in.ctcs", "in.dns", "in.dhcp", "in.mvp"]
  static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

  static func binDirectory() throws -> String {
    var candidates = [packageRoot + "/.build/release"]
    if let override = ProcessInfo.processInfo.environment["SLUG_BIN"], !override.isEmpty {
      candidates = [override]
    } else if let triples = try? FileManager.default.contentsOfDirectory(atPath: packageRoot + "/.build") {
      candidates += triples.sorted().map { packageRoot + "/.build/\($0)/release" }
    }
    guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0 + "/in.mvp") }) else {
      throw SetupFailure("no release build of the daemons in \(candidates); run `swift build -c release` first (or set SLUG_BIN)")
    }
    return found
  }

}

extension BuildProducts {
  /// Runs the built DAEMON in the foreground (`-d`) on one end of a loopback TCP connection, as
  /// inetd `nowait` would, sends `request` from the other end, reads until the daemon closes,
  /// and returns what it logged (stderr; under inetd that is the client, so tests look here).
  static func logOfOneConnection(_ daemon: String, _ arguments: [String], sending request: String) throws -> String {
    let program = try binDirectory() + "/" + daemon
    return try oneConnection([program, "-d"] + arguments, sending: request, exitLimit: 5).log
  }

  /// One connection to COMMAND, started as inetd `nowait` would with one end of a loopback TCP
  /// connection as its fd 0: REQUEST goes in from the other end (over TLS, verifying the
  /// certificate against `caFile` for localhost, if given), and all is read until the daemon
  /// closes, each read within `readLimit` seconds if given; the daemon then has `exitLimit`
  /// seconds to exit. Returns its exit status, what it sent and what it logged (stderr).
  static func oneConnection(
    _ command: [String], sending request: String, caFile: String? = nil, readLimit: Int? = nil, exitLimit: Int
  ) throws -> (status: Int32, response: String, log: String) {
    let script = """
      import json, socket, ssl, subprocess, sys
      listener = socket.socket()
      listener.bind(('127.0.0.1', int(sys.argv[1])))
      listener.listen(1)
      client = socket.create_connection(listener.getsockname())
      connection, _ = listener.accept()
      daemon = subprocess.Popen(sys.argv[6:], stdin=connection, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
      connection.close()
      if sys.argv[4] != '-':
          client.settimeout(float(sys.argv[4]))
      if sys.argv[3] != '-':
          client = ssl.create_default_context(cafile=sys.argv[3]).wrap_socket(client, server_hostname='localhost')
      client.sendall(bytes.fromhex(sys.argv[2]))
      response = b''
      while chunk := client.recv(65536):
          response += chunk
      client.close()
      log = daemon.communicate(timeout=float(sys.argv[5]))[1]
      json.dump({'status': daemon.returncode, 'response': response.decode(), 'log': log.decode()}, sys.stdout)
      """
    let hex = request.utf8.map { String(format: "%02x", $0) }.joined()
    // A port of the test's choosing, so the connection caps' semaphore set of it can go after.
    let port = try FreePort.tcp()
    defer { SlotSets.removeAll(port: port) }
    let run = try ChildProcess.run(
      "/usr/bin/python3",
      ["-c", script, String(port), hex, caFile ?? "-", readLimit.map(String.init) ?? "-", String(exitLimit)] + command)
    guard run.status == 0,
      let report = try? JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any],
      let status = report["status"] as? Int, let response = report["response"] as? String,
      let log = report["log"] as? String
    else { throw SetupFailure("one connection to \(command): \(run.output)") }
    return (Int32(status), response, log)
  }

  /// Runs the built DAEMON by hand in the foreground (`-d`: its log goes to stderr) with
  /// `input` as fd 0, as a super-server would pass its socket (else /dev/null); returns the
  /// exit status and the log. With `identity` it runs as that user and group with no
  /// supplementary groups, as inetd runs a `USER.GROUP` line (through setpriv(1)).
  static func runDaemon(
    _ daemon: String, _ arguments: [String], input: Int32?, identity: (user: String, group: String)? = nil
  ) throws -> (status: Int32, log: String) {
    let process = Process()
    let program = try binDirectory() + "/" + daemon
    if let identity {
      let setpriv = "/usr/bin/setpriv"
      guard FileManager.default.isExecutableFile(atPath: setpriv) else {
        throw SetupFailure("\(setpriv) is missing: apt-get install util-linux")
      }
      process.executableURL = URL(fileURLWithPath: setpriv)
      process.arguments =
        ["--reuid=\(identity.user)", "--regid=\(identity.group)", "--clear-groups", program, "-d"] + arguments
    } else {
      process.executableURL = URL(fileURLWithPath: program)
      process.arguments = ["-d"] + arguments
    }
    process.standardInput = input.map { FileHandle(fileDescriptor: $0, closeOnDealloc: false) } ?? FileHandle.nullDevice
    let output = Pipe()
    process.standardError = output
    try process.run()
    let log = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, log)
  }
}

/// A missing tool or build product: the test fails with what to install or run, never skips.
struct SetupFailure: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}
