import Foundation
import Runtime
import TestSupport
import XCTest

final class ProcessTableTests: XCTestCase {
  /// Now, in the clock ticks after boot that /proc's start times count.
  func ticksSinceBoot() throws -> Int64 {
    let uptime = try String(contentsOfFile: "/proc/uptime", encoding: .utf8)
    let seconds = try XCTUnwrap(Double(uptime.split(separator: " ")[0]))
    return Int64(seconds * Double(sysconf(Int32(_SC_CLK_TCK)))) + 1
  }

  func testALiveProcessHasItsStartTimeAZombieAndAReapedOneHaveNone() throws {
    let mine = try XCTUnwrap(ProcessTable.startTime(getpid()))
    let child = try ChildProcess("/bin/sleep", ["30"])
    defer { child.stop() }
    let started = try XCTUnwrap(ProcessTable.startTime(child.pid))
    XCTAssertGreaterThanOrEqual(started, mine)
    XCTAssertLessThanOrEqual(started, try ticksSinceBoot())
    XCTAssertEqual(ProcessTable.startTime(child.pid), started, "the same process, the same start")

    // Killed but not reaped: a zombie is not alive.
    XCTAssertEqual(kill(child.pid, SIGKILL), 0)
    for _ in 0..<100 where ProcessTable.startTime(child.pid) != nil { usleep(10_000) }
    XCTAssertNil(ProcessTable.startTime(child.pid))
    XCTAssertTrue(FileManager.default.fileExists(atPath: "/proc/\(child.pid)/stat"), "still a zombie")
    child.stop()
    XCTAssertNil(ProcessTable.startTime(child.pid))
    XCTAssertNil(ProcessTable.startTime(0))
    XCTAssertNil(ProcessTable.startTime(-1))
  }

  /// The command name sits in parentheses and is the program's to choose: one that looks like
  /// the fields after it does not fool the reader.
  func testACommandNameWithParenthesesAndSpacesIsNotTakenForTheFields() throws {
    let directory = try TemporaryDirectory()
    let trick = directory.path + "/a) Z 1 2 3 ("
    XCTAssertEqual(symlink("/bin/sleep", trick), 0)
    let child = try ChildProcess(trick, ["30"])
    defer { child.stop() }
    var comm = ""
    for _ in 0..<100 {
      comm = (try? String(contentsOfFile: "/proc/\(child.pid)/comm", encoding: .utf8)) ?? ""
      if comm.hasPrefix("a) Z") { break }
      usleep(10_000)
    }
    XCTAssertTrue(comm.hasPrefix("a) Z 1 2 3"), comm)
    let started = try XCTUnwrap(ProcessTable.startTime(child.pid))
    XCTAssertGreaterThanOrEqual(started, try XCTUnwrap(ProcessTable.startTime(getpid())))
    XCTAssertLessThanOrEqual(started, try ticksSinceBoot())
  }
}
