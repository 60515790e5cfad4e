import Runtime
import XCTest

final class LogTests: XCTestCase {
  func testControlCharactersAndBackslashesAreEscaped() {
    XCTAssertEqual(Log.escape("GET /\r\nFAKE: line\t\u{1B}[1m\\x"), "GET /\\x0D\\x0AFAKE: line\\x09\\x1B[1m\\\\x")
    XCTAssertEqual(Log.escape("\u{7F}\u{85}"), "\\x7F\\x85")
  }

  func testPrintableTextIsKeptAsIs() {
    XCTAssertEqual(Log.escape("MVPOUT dest=10.0.0.2:3000 café"), "MVPOUT dest=10.0.0.2:3000 café")
  }
}
