import Runtime
import XCTest

final class ProcessArgumentsTests: XCTestCase {
  /// The daemons are Embedded Swift, which has no CommandLine: they read argv through the CLibc
  /// constructor, which must see exactly what the Swift runtime sees.
  func testProcessArgumentsAreTheCommandLine() {
    XCTAssertEqual(Arguments.processArguments(), CommandLine.arguments)
  }
}
