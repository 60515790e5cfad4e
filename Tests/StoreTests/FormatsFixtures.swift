import Foundation
import Store
import XCTest

/// The golden files in Tests/Fixtures/Formats (outside the test target, so SwiftPM does not
/// ask for them to be declared as resources): NAME.input is written the way people (and the original
/// programs) write the file, quirks included; NAME.canonical is what rendering gives back.
enum Fixture {
  static func text(_ name: String) throws -> String {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent()
      .appendingPathComponent("Fixtures/Formats").appendingPathComponent(name)
    return try String(contentsOf: url, encoding: .utf8)
  }

  /// The same text with LF, with CRLF, and without the last line ending: every parser must
  /// read all three the same.
  static func lineEndingVariants(of text: String) -> [String] {
    let withoutLastNewline = text.hasSuffix("\n") ? String(text.dropLast()) : text
    return [text, text.replacingOccurrences(of: "\n", with: "\r\n"), withoutLastNewline]
  }
}

/// Asserts that BODY fails with a FormatError printing exactly as EXPECTED.
func assertFormatError<T>(
  _ expected: String, file: StaticString = #filePath, line: UInt = #line,
  _ body: () throws -> T
) {
  do {
    _ = try body()
    XCTFail("parsed, but expected: \(expected)", file: file, line: line)
  } catch let error as FormatError {
    XCTAssertEqual(error.description, expected, file: file, line: line)
  } catch {
    XCTFail("expected a FormatError, got \(error)", file: file, line: line)
  }
}
