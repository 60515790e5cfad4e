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

/// A stand-in for slugctl's hashing (the Store compiles no Crypto): "keys" that are the
/// password's bytes inverted, so a test can tell which password went in, while the plaintext
/// itself appears nowhere.
func testAccount(_ user: JabberUser, legacy: Bool = false) -> JabberAccount {
  let inverted = user.password.utf8.map { ~$0 }
  let credential = JabberCredential(
    salt: Array(0..<16), iterations: JabberAccount.minimumIterations, storedKey: inverted, serverKey: inverted + [0])
  return JabberAccount(name: user.name, sha1: credential, sha256: credential, legacyPassword: legacy ? user.password : nil)
}

/// The password a `testAccount` was made from.
func testPassword(_ account: JabberAccount) -> String {
  String(decoding: account.sha256.storedKey.map { ~$0 }, as: UTF8.self)
}

extension Store {
  /// For the tests about the table itself: the user added with stand-in keys.
  func addJabberUser(_ user: JabberUser) throws(StoreError) { try addJabberAccount(testAccount(user)) }
  func jabberUsers() throws(StoreError) -> [JabberAccount] { try jabberAccounts() }
}
