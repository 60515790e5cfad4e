import Foundation
import Runtime
import Store
import TestSupport
import XCTest

/// A test running slugctl commands against a fresh store in a temporary directory.
class StoreCommandTestCase: XCTestCase {
  var directory: TemporaryDirectory!
  var database: String { directory.path + "/slug.db" }

  override func setUpWithError() throws { directory = try TemporaryDirectory() }
  override func tearDown() { directory = nil }

  /// Runs `slugctl ARGS --db DATABASE`.
  @discardableResult
  func run(_ arguments: String..., input: String = "") -> RunResult {
    slugctl(arguments + ["--db", database], input: input)
  }

  /// Runs a command that must succeed and returns its output.
  @discardableResult
  func succeed(_ arguments: String..., input: String = "", file: StaticString = #filePath, line: UInt = #line) -> String {
    let result = slugctl(arguments + ["--db", database], input: input)
    XCTAssertEqual(result.status, 0, "\(arguments): \(result.error)", file: file, line: line)
    return result.output
  }

  /// Runs a command that must fail with `status`; returns its error output.
  @discardableResult
  func fail(_ status: Int32, _ arguments: String..., input: String = "", file: StaticString = #filePath, line: UInt = #line) -> String {
    let result = slugctl(arguments + ["--db", database], input: input)
    XCTAssertEqual(result.status, status, "\(arguments): \(result.error)", file: file, line: line)
    XCTAssertFalse(result.error.isEmpty, "\(arguments) failed without a message", file: file, line: line)
    return result.error
  }

  func openStore() throws -> Store { try Store(path: database) }

  /// The messages that reached the mesh within a second, each on a connection that then closed.
  func notifications(_ mesh: PeerMesh) -> [String] {
    var messages: [String] = []
    var open = 0
    let deadline = Deadline.after(milliseconds: 1000)
    while Deadline.now() < deadline {
      var descriptors = mesh.pollDescriptors
      _ = poll(&descriptors, nfds_t(descriptors.count), 20)
      for event in mesh.process(descriptors) {
        switch event {
        case .joined: open += 1
        case .message(_, let bytes): messages.append(String(decoding: bytes, as: UTF8.self))
        case .left: open -= 1
        }
      }
      if !messages.isEmpty && open == 0 { break }
    }
    XCTAssertEqual(open, 0)
    return messages
  }

  /// The `--json` output of a listing, parsed back.
  func jsonList(_ arguments: String..., file: StaticString = #filePath, line: UInt = #line) throws -> [[String: Any]] {
    let result = slugctl(arguments + ["--json", "--db", database])
    XCTAssertEqual(result.status, 0, result.error, file: file, line: line)
    let parsed = try JSONSerialization.jsonObject(with: Data(result.output.utf8))
    return try XCTUnwrap(parsed as? [[String: Any]], result.output, file: file, line: line)
  }
}
