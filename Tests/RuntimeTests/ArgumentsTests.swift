import Runtime
import XCTest

final class ArgumentsTests: XCTestCase {
  func parse(_ argv: [String]) throws(UsageError) -> Arguments {
    try Arguments(argv, flags: ["d"], options: ["i", "gui-port"])
  }

  func testShortAndLongOptionsInEveryAcceptedShape() throws {
    for argv in [
      ["/usr/sbin/in.mvp", "-d", "-i", "5", "--gui-port", "7000", "10.0.0.1"],
      ["in.mvp", "-i5", "--gui-port=7000", "-d", "10.0.0.1"],
      ["in.mvp", "-d", "--gui-port", "7000", "-i", "5", "--", "10.0.0.1"],
    ] {
      let arguments = try parse(argv)
      XCTAssertEqual(arguments.program, "in.mvp")
      XCTAssertTrue(arguments.has("d"))
      XCTAssertEqual(arguments.value("i"), "5")
      XCTAssertEqual(arguments.value("gui-port"), "7000")
      XCTAssertEqual(arguments.operands, ["10.0.0.1"])
    }
  }

  func testARepeatedOptionKeepsEveryValueInOrderAndTheLastAsItsValue() throws {
    let arguments = try parse(["x", "--gui-port", "1", "--gui-port=2", "-i", "3"])
    XCTAssertEqual(arguments.allValues("gui-port"), ["1", "2"])
    XCTAssertEqual(arguments.value("gui-port"), "2")
    XCTAssertEqual(arguments.allValues("i"), ["3"])
    XCTAssertEqual(arguments.allValues("d"), [])
  }

  func testDoubleDashMakesTheRestOperands() throws {
    XCTAssertEqual(try parse(["x", "--", "-d", "-i"]).operands, ["-d", "-i"])
    XCTAssertFalse(try parse(["x", "--", "-d"]).has("d"))
  }

  func testUsageErrorsNameTheOption() {
    let cases: [([String], String)] = [
      (["x", "-q"], "unknown option -q"),
      (["x", "--verbose"], "unknown option --verbose"),
      (["x", "-i"], "option -i needs a value"),
      (["x", "--gui-port"], "option --gui-port needs a value"),
      (["x", "--d=1"], "option --d=1 takes no value"),
    ]
    for (argv, message) in cases {
      XCTAssertThrowsError(try parse(argv), "\(argv)") { error in
        XCTAssertEqual((error as? UsageError)?.message, message)
      }
    }
  }

  func testIntegerOptionsAreCheckedAgainstTheirRange() throws {
    XCTAssertEqual(try parse(["x", "-i", "0"]).integer("i", in: 0...60), 0)
    XCTAssertNil(try parse(["x"]).integer("i", in: 0...60))
    for text in ["61", "-1", "ten", ""] {
      XCTAssertThrowsError(try parse(["x", "-i", text]).integer("i", in: 0...60)) { error in
        XCTAssertEqual((error as? UsageError)?.message, "-i needs a number from 0 to 60, not '\(text)'")
      }
    }
    XCTAssertThrowsError(try parse(["x", "--gui-port=0"]).integer("gui-port", in: 1...65535)) { error in
      XCTAssertEqual((error as? UsageError)?.message, "--gui-port needs a number from 1 to 65535, not '0'")
    }
  }
}
