import Foundation
import TestSupport
import XCTest

@testable import Store

/// A test case with a fresh temporary directory, removed after the test whatever its outcome.
class StoreTestCase: XCTestCase {
  private var temporary: TemporaryDirectory?
  var directory: String { temporary?.path ?? "" }

  override func setUpWithError() throws {
    temporary = try TemporaryDirectory(prefix: "slug-store")
  }

  override func tearDown() {
    temporary = nil
  }

  var databasePath: String { directory + "/slug.db" }

  /// A store at the test's database path.
  func openStore() throws(StoreError) -> Store { try Store(path: databasePath) }

  /// Asserts that body throws exactly `expected`.
  func assertThrows<T>(
    _ expected: StoreError, file: StaticString = #filePath, line: UInt = #line,
    _ body: () throws(StoreError) -> T
  ) {
    do {
      _ = try body()
      XCTFail("no error; expected \(expected)", file: file, line: line)
    } catch {
      XCTAssertEqual(error, expected, file: file, line: line)
    }
  }
}

func ipv4(_ text: String) -> IPv4Address { IPv4Address(text)! }
func ip(_ text: String) -> IPAddress { IPAddress(text)! }
func mac(_ text: String) -> MACAddress { MACAddress(text)! }
func host(_ text: String) -> HostName { HostName(text)! }
