import Foundation
import XCTest

@testable import slugctl

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

  func testParsesWhatItRenders() throws {
    let value = JSON.object([
      ("name", .string("a \"quoted\" \\ line\nnext\t\u{1} ü 😀")), ("count", .integer(-9_223_372_036_854_775_807)),
      ("zero", .integer(0)), ("flags", .array([.bool(true), .bool(false), .null])),
      ("nested", .object([("empty", .object([])), ("none", .array([]))])),
    ])
    XCTAssertEqual(try JSON.parse(value.rendered()), value)
    XCTAssertEqual(try JSON.parse(JSON.list([value, value])), .array([value, value]))
  }

  func testParsesWhatFoundationWrites() throws {
    let object: [String: Any] = ["abstract": "Print 'x' → y/z", "isOptional": false, "names": [["kind": "long", "name": "db"]]]
    let text = String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]), as: UTF8.self)
    let parsed = try JSON.parse(text)
    XCTAssertEqual(parsed["abstract"]?.string, "Print 'x' → y/z")
    XCTAssertEqual(parsed["isOptional"]?.boolean, false)
    XCTAssertEqual(parsed["names"]?.items?.first?["name"]?.string, "db")
    XCTAssertNil(parsed["missing"])
  }

  func testParsesEscapesAndSurrogatePairs() throws {
    XCTAssertEqual(try JSON.parse(#" "\u00e9\ud83d\ude00\/\b\f\r\"" "#), .string("é😀/\u{8}\u{c}\r\""))
  }

  func testRefusesMalformedTextNamingLineAndColumn() {
    func failure(_ text: String) -> JSON.ParseError? {
      do throws(JSON.ParseError) {
        _ = try JSON.parse(text)
        return nil
      } catch {
        return error
      }
    }
    XCTAssertEqual(failure("{\n  \"a\": tru }"), JSON.ParseError(line: 2, column: 8, message: "unexpected text (expected true)"))
    XCTAssertEqual(failure("[1, 2,]")?.message, "unexpected ']'")
    XCTAssertEqual(failure("{\"a\" 1}")?.message, "expected ':' after \"a\"")
    XCTAssertEqual(failure("\"open")?.message, "a string without its closing quote")
    XCTAssertEqual(failure("\"\\ud800\"")?.message, "a lone UTF-16 surrogate")
    XCTAssertEqual(failure("\"a\tb\"")?.message, "a control character in a string")
    XCTAssertEqual(failure("1.5")?.message, "a number that is not an integer")
    XCTAssertEqual(failure("012")?.message, "a malformed or too large integer '012'")
    XCTAssertEqual(failure("99999999999999999999")?.message, "a malformed or too large integer '99999999999999999999'")
    XCTAssertEqual(failure("{} {}")?.message, "text after the value")
    XCTAssertEqual(failure("")?.message, "the text ends where a value should be")
    XCTAssertEqual(failure(String(repeating: "[", count: 300))?.message, "nested deeper than 256")
  }
}
