import Foundation
import XCTest

@testable import SlugctlKit

final class JSONTests: XCTestCase {
  func testObjectsKeepTheirKeyOrderAndEscapeStrings() throws {
    let value = JSON.object([
      ("zeta", .string("a \"quoted\" \\ line\nnext\t\u{1}")), ("alpha", .integer(-3)),
      ("flag", .bool(true)), ("none", .null), ("list", .array([.string("ü")])),
    ])
    let text = value.rendered()
    XCTAssertEqual(
      text, #"{"zeta":"a \"quoted\" \\ line\nnext\t\u0001","alpha":-3,"flag":true,"none":null,"list":["ü"]}"#)
    let parsed = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
    XCTAssertEqual(parsed?["zeta"] as? String, "a \"quoted\" \\ line\nnext\t\u{1}")
  }

  func testListPrintsOneObjectPerLineAndAnEmptyArray() throws {
    XCTAssertEqual(JSON.list([]), "[]")
    let text = JSON.list([.object([("a", .integer(1))]), .object([("a", .integer(2))])])
    XCTAssertEqual(text, "[\n  {\"a\":1},\n  {\"a\":2}\n]")
    XCTAssertEqual((try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [Any])?.count, 2)
  }
}
