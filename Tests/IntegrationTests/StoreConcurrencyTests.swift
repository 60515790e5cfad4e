import Foundation
import Synchronization
import TestSupport
import XCTest

/// Two processes writing the store at once must queue on the busy timeout, never fail with
/// "database is locked": the built slugctl adds hosts and users in two loops while a third
/// process keeps taking short write transactions of its own.
final class StoreConcurrencyTests: XCTestCase {
  private static let commandsPerLoop = 200

  /// Holds BEGIN IMMEDIATE for a few milliseconds at a time, as a daemon committing a lease does.
  private static let competingWriter = """
    import sqlite3, sys, time
    db = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)
    db.execute("CREATE TABLE IF NOT EXISTS concurrency_probe (n INTEGER)")
    open(sys.argv[2], "w").close()
    n = 0
    while True:
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO concurrency_probe VALUES (?)", (n,))
        time.sleep(0.003)
        db.execute("COMMIT")
        n += 1
        time.sleep(0.001)
    """

  func testConcurrentWritersNeverFailWithDatabaseIsLocked() throws {
    let slugctl = try BuildProducts.binDirectory() + "/slugctl"
    guard FileManager.default.isExecutableFile(atPath: slugctl) else {
      throw SetupFailure("no \(slugctl); run `swift build -c release` first")
    }
    let directory = try TemporaryDirectory()
    let database = directory.path + "/slug.db"
    XCTAssertEqual(try ChildProcess.run(slugctl, ["init", "--db", database]).status, 0)

    let script = directory.path + "/writer.py"
    let ready = directory.path + "/writer.ready"
    let writerLog = directory.path + "/writer.log"
    try Data(Self.competingWriter.utf8).write(to: URL(fileURLWithPath: script))
    let writer = try ChildProcess("/usr/bin/env", ["python3", script, database, ready], outputPath: writerLog)
    defer { writer.stop() }
    try waitFor(ready, while: writer)

    let loops: [@Sendable (Int) -> [String]] = [
      { ["dns", "add", "host\($0).home", "10.0.\($0 / 256).\($0 % 256)", "--db", database] },
      { ["jabber", "adduser", "user\($0)", "--password", "pw\($0)", "--db", database] },
    ]
    let failures = Failures()
    DispatchQueue.concurrentPerform(iterations: loops.count) { loop in
      for index in 0..<Self.commandsPerLoop {
        let arguments = loops[loop](index)
        do {
          let result = try ChildProcess.run(slugctl, arguments)
          if result.status != 0 { failures.add("\(arguments.joined(separator: " ")): exit \(result.status): \(result.output)") }
        } catch {
          failures.add("\(arguments.joined(separator: " ")): \(error)")
        }
      }
    }

    XCTAssertEqual(failures.all, [])
    XCTAssertTrue(writer.isRunning, "the competing writer died: \((try? String(contentsOfFile: writerLog, encoding: .utf8)) ?? "")")
    let hosts = try ChildProcess.run(slugctl, ["dns", "list", "--db", database])
    XCTAssertEqual(hosts.output.split(separator: "\n").count, Self.commandsPerLoop + 1, "every host was stored")
    let users = try ChildProcess.run(slugctl, ["jabber", "list", "--db", database])
    XCTAssertEqual(users.output.split(separator: "\n").count, Self.commandsPerLoop + 1, "every user was stored")
  }

  private func waitFor(_ path: String, while process: ChildProcess) throws {
    for _ in 0..<500 {
      if FileManager.default.fileExists(atPath: path) { return }
      guard process.isRunning else { throw SetupFailure("python3 with sqlite3 is needed (apt-get install python3)") }
      usleep(10_000)
    }
    throw SetupFailure("the competing writer did not start within 5 s")
  }
}

/// Failed commands, collected from both loops.
private final class Failures: Sendable {
  private let messages = Mutex<[String]>([])

  func add(_ message: String) { messages.withLock { $0.append(message) } }
  var all: [String] { messages.withLock { $0 } }
}
