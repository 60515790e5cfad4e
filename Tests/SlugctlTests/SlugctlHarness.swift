import Foundation
import Synchronization
import TestSupport
import XCTest

@testable import SlugctlKit

/// What one in-process run of slugctl printed and returned.
struct RunResult {
  var status: Int32
  var output: String
  var error: String
}

/// Runs slugctl in-process with `input` as its stdin, capturing what it prints.
func slugctl(_ arguments: [String], input: String = "") -> RunResult {
  let output = Mutex("")
  let error = Mutex("")
  let console = Console(
    writeOutput: { text in output.withLock { $0 += text } },
    writeError: { text in error.withLock { $0 += text } },
    readInput: { Array(input.utf8) })
  let status = Slugctl.run(arguments, console: console)
  return RunResult(status: status, output: output.withLock { $0 }, error: error.withLock { $0 })
}

extension TemporaryDirectory {
  /// Writes a file into the directory and returns its path.
  func write(_ text: String, to name: String) throws -> String {
    let file = path + "/" + name
    try Data(text.utf8).write(to: URL(fileURLWithPath: file))
    return file
  }

  func read(_ name: String) throws -> String {
    try String(contentsOfFile: path + "/" + name, encoding: .utf8)
  }
}

/// Compares `text` with Snapshots/NAME; SNAPSHOT_RECORD=1 rewrites the golden file instead.
func assertSnapshot(_ text: String, named name: String, file: StaticString = #filePath, line: UInt = #line) throws {
  let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("Snapshots").appendingPathComponent(name)
  if ProcessInfo.processInfo.environment["SNAPSHOT_RECORD"] == "1" {
    try Data(text.utf8).write(to: golden)
    return
  }
  guard let expected = try? String(contentsOf: golden, encoding: .utf8) else {
    XCTFail("no snapshot \(golden.path); run with SNAPSHOT_RECORD=1 to record it", file: file, line: line)
    return
  }
  XCTAssertEqual(text, expected, "differs from \(golden.path)", file: file, line: line)
}
