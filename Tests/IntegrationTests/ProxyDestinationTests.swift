import Foundation
import TestSupport
import XCTest

/// in.proxy under the inetd line `slugctl inetd generate` writes: no spelling of loopback or
/// of "this host" reaches the machine's own services, with a GET or through CONNECT, unless
/// `--allow-destination` opens them.
final class ProxyDestinationTests: XCTestCase {
  /// Loopback and the unspecified address as a client may spell them; the resolver turns them
  /// all into 127.0.0.1, ::1, 0.0.0.0 or ::, which reach the origin on loopback.
  static let spellings = [
    "localhost", "127.0.0.1", "127.1", "127.0.0.2", "0.0.0.0", "0", "2130706433", "0x7f000001", "0x7f.1",
    "017700000001", "0177.0.0.1", "[::1]", "[::]", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[::127.0.0.1]",
    "[0:0:0:0:0:0:0:1]",
  ]

  func testEverySpellingOfLoopbackIsRefusedWith403AndTheOriginNeverSeesAConnection() throws {
    let setup = try GeneratedProxy(arguments: [])
    addTeardownBlock { setup.stop() }
    var requests: [String] = []
    for host in ProxyDestinationTests.spellings {
      requests.append("GET http://\(host):\(setup.originPort)/secret HTTP/1.1\r\nHost: \(host)\r\n\r\n")
    }
    let answers = try setup.send(requests)
    for (host, answer) in zip(ProxyDestinationTests.spellings, answers) {
      XCTAssertTrue(answer.hasPrefix("HTTP/1.1 403 "), "\(host): \(answer)")
      XCTAssertTrue(answer.contains("Content-Type: text/html"), "\(host): \(answer)")
      XCTAssertTrue(answer.contains("This proxy does not connect to <code>http://"), "\(host): \(answer)")
      XCTAssertTrue(
        answer.contains("is a loopback address") || answer.contains("is the unspecified address"), "\(host): \(answer)")
      XCTAssertFalse(answer.contains("origin-was-reached"), "\(host): \(answer)")
    }
    XCTAssertEqual(setup.originConnections(), [], "the loopback origin should never see a connection")
  }

  func testCONNECTToALoopbackPortIsRefusedEvenWhenThePortIsAllowed() throws {
    let setup = try GeneratedProxy(arguments: ["--connect-port PORT"])
    addTeardownBlock { setup.stop() }
    let hosts = ["127.0.0.1", "localhost", "127.1", "0.0.0.0", "2130706433", "[::1]", "[::ffff:127.0.0.1]"]
    let answers = try setup.send(hosts.map { "CONNECT \($0):\(setup.originPort) HTTP/1.1\r\nHost: \($0)\r\n\r\n" })
    for (host, answer) in zip(hosts, answers) {
      XCTAssertTrue(answer.hasPrefix("HTTP/1.1 403 "), "\(host): \(answer)")
      XCTAssertFalse(answer.contains("origin-was-reached"), "\(host): \(answer)")
    }
    XCTAssertEqual(setup.originConnections(), [], "the loopback origin should never see a connection")
  }

  func testAllowDestinationOpensLoopbackOnPurpose() throws {
    let setup = try GeneratedProxy(arguments: ["--allow-destination 127.0.0.0/8 --allow-destination ::1", "--connect-port PORT"])
    addTeardownBlock { setup.stop() }
    XCTAssertTrue(setup.generated.contains("--allow-destination 127.0.0.0/8 --allow-destination ::1 --connect-port"), setup.generated)
    let answers = try setup.send([
      "GET http://127.1:\(setup.originPort)/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
      "GET http://[::1]:\(setup.originPort)/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
      "CONNECT localhost:\(setup.originPort) HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET http://0.0.0.0:\(setup.originPort)/ HTTP/1.1\r\nHost: x\r\n\r\n",
    ])
    XCTAssertTrue(answers[0].hasPrefix("HTTP/1.1 200 ") && answers[0].contains("origin-was-reached"), answers[0])
    XCTAssertTrue(answers[1].hasPrefix("HTTP/1.1 200 ") && answers[1].contains("origin-was-reached"), answers[1])
    XCTAssertTrue(answers[2].hasPrefix("HTTP/1.1 200 Connection established") && answers[2].contains("origin-was-reached"), answers[2])
    // 0.0.0.0 is not in the opened ranges: still refused.
    XCTAssertTrue(answers[3].hasPrefix("HTTP/1.1 403 "), answers[3])
    XCTAssertEqual(setup.originConnections().count, 3, "three requests were let through")
  }

  func testARefusalIsLoggedWithTheClientAndTheDestination() throws {
    let log = try BuildProducts.logOfOneConnection(
      "in.proxy", [], sending: "GET http://2130706433:9/x HTTP/1.1\r\nHost: a\r\n\r\n")
    let lines = log.split(separator: "\n").map { String($0.drop { $0 != " " }.dropFirst()) }
    XCTAssertEqual(lines.count, 1, log)
    XCTAssertTrue(lines[0].hasPrefix("127.0.0.1 \"GET http://2130706433:9/x\" 403 "), log)
    XCTAssertTrue(lines[0].hasSuffix(": destination refused: 127.0.0.1 is a loopback address"), log)
  }
}

/// openbsd-inetd on the generated in.proxy line (with `--args proxy=...` for each of
/// `arguments`, PORT standing for the origin's port) and an origin on 127.0.0.1 and ::1 that
/// writes down every connection it accepts.
final class GeneratedProxy {
  let directory: TemporaryDirectory
  let port: UInt16
  let originPort: UInt16
  let generated: String
  let origin: ChildProcess
  let superserver: ChildProcess
  var connections: String { directory.path + "/connections" }

  static let originScript = """
    import socket, sys, threading
    port, log = int(sys.argv[1]), open(sys.argv[2], 'a', buffering=1)
    def serve(family, host):
        listener = socket.socket(family)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            listener.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        listener.bind((host, port))
        listener.listen(16)
        print('listening', host, flush=True)
        while True:
            connection, peer = listener.accept()
            log.write('accepted %s\\n' % peer[0])
            connection.sendall(b'HTTP/1.1 200 OK\\r\\nContent-Length: 19\\r\\nConnection: close\\r\\n\\r\\norigin-was-reached\\n')
            connection.close()
    threading.Thread(target=serve, args=(socket.AF_INET6, '::1'), daemon=True).start()
    serve(socket.AF_INET, '127.0.0.1')
    """

  init(arguments: [String]) throws {
    try PrivateInetd.require(["/usr/bin/python3": "python3"])
    directory = try TemporaryDirectory()
    let port = try FreePort.tcp()
    let originPort = try FreePort.tcp()
    self.port = port
    self.originPort = originPort
    let script = directory.path + "/origin.py"
    try GeneratedProxy.originScript.write(toFile: script, atomically: true, encoding: .utf8)
    let originOutput = directory.path + "/origin.out"
    origin = try ChildProcess("/usr/bin/python3", [script, String(originPort), directory.path + "/connections"], outputPath: originOutput)
    let prefix = directory.path + "/prefix"
    do {
      for _ in 0..<50 where ((try? String(contentsOfFile: originOutput, encoding: .utf8)) ?? "").split(separator: "\n").count < 2 {
        usleep(100_000)
      }
      try PrivateInetd.install(prefix: prefix)
      let lines = try PrivateInetd.generatedLines(
        prefix: prefix, service: "proxy", port: port,
        arguments: arguments.map { $0.replacingOccurrences(of: "PORT", with: String(originPort)) })
      generated = lines.joined(separator: "\n")
      superserver = try PrivateInetd.start(lines, in: directory.path, output: directory.path + "/inetd.trace") {
        LoopbackSocket.acceptsTCP(port: port)
      }
    } catch {
      origin.stop()
      throw error
    }
  }

  func stop() {
    superserver.stop()
    origin.stop()
  }

  /// Each request on a connection of its own; what came back for each, until the proxy closed.
  func send(_ requests: [String]) throws -> [String] {
    let script = """
      import socket, sys
      for request in sys.argv[2:]:
          client = socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=5)
          client.sendall(bytes.fromhex(request))
          reply = b''
          try:
              while True:
                  chunk = client.recv(65536)
                  if not chunk:
                      break
                  reply += chunk
          except socket.timeout:
              pass
          client.close()
          print(reply.hex())
      """
    let hex = requests.map { $0.utf8.map { String(format: "%02x", $0) }.joined() }
    let run = try ChildProcess.run("/usr/bin/python3", ["-c", script, String(port)] + hex)
    let answers = run.output.split(separator: "\n").map { line in
      String(decoding: stride(from: 0, to: line.count, by: 2).compactMap {
        UInt8(line.dropFirst($0).prefix(2), radix: 16)
      }, as: UTF8.self)
    }
    guard answers.count == requests.count else { throw SetupFailure("the request script said: \(run.output)") }
    return answers
  }

  /// The addresses the origin accepted connections from.
  func originConnections() -> [String] {
    ((try? String(contentsOfFile: connections, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
  }
}
