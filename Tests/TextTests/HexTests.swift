import Text
import XCTest

final class HexTests: XCTestCase {
  func testBytesBecomeTwoDigitsEachInTheCaseAsked() {
    XCTAssertEqual(Hex.uppercase([0xBA, 0xBE, 0x0A, 0x00]), "BABE0A00")
    XCTAssertEqual(Hex.lowercase([0xBA, 0xBE, 0x0A, 0x00]), "babe0a00")
    XCTAssertEqual(Hex.uppercase([]), "")
  }

  func testDecodingTakesAnEvenNumberOfDigitsInEitherCaseAndNothingElse() {
    XCTAssertEqual(Hex.decode("01aBff"), [0x01, 0xAB, 0xFF])
    for bad in ["", "1", "abc", "0g", "0x01", " 01", "01 "] {
      XCTAssertNil(Hex.decode(bad), bad)
    }
    let all = (0...255).map { UInt8($0) }
    XCTAssertEqual(Hex.decode(Hex.lowercase(all)), all)
    XCTAssertEqual(Hex.decode(Hex.uppercase(all)), all)
  }

  func testNumbersHaveNoLeadingZeros() {
    XCTAssertEqual(String(decoding: Hex.number(0), as: UTF8.self), "0")
    XCTAssertEqual(String(decoding: Hex.number(0x1F40), as: UTF8.self), "1f40")
    XCTAssertEqual(String(decoding: Hex.number(0x1F40, uppercase: true), as: UTF8.self), "1F40")
    XCTAssertEqual(String(decoding: Hex.number(.max), as: UTF8.self), "ffffffffffffffff")
  }
}
