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

  /// A member of the store's mesh of `service` (with the store's key), answering in a thread of
  /// its own while slugctl runs in-process.
  func meshMember(of path: String? = nil, service: String = "jabberd") throws -> MeshListener {
    // The store first: the prefix is made from its real path.
    let key = try openStore().meshKey()
    return try MeshListener(prefix: PeerMesh.prefix(forStorePath: path ?? database, service: service), key: key)
  }

  /// The messages that reached the member within a second, each on a connection that then closed.
  func notifications(_ member: MeshListener) -> [String] {
    let deadline = Deadline.after(milliseconds: 1000)
    var messages: [String] = []
    while Deadline.now() < deadline {
      messages += member.messages(milliseconds: 20)
      if !messages.isEmpty && member.openConnections == 0 { break }
    }
    XCTAssertEqual(member.openConnections, 0)
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
