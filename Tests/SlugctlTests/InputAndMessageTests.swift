import Foundation
import XCTest

@testable import SlugctlKit

/// slugctl's input and its messages: import reads a line at a time with a bounded line length,
/// error messages never carry a control byte to the terminal, the store options may come
/// before the command.
final class InputAndMessageTests: StoreCommandTestCase {
  func testALineTooLongIsRefusedNamingFileAndLineAndNothingIsImported() throws {
    let long = String(repeating: "a", count: 70000)
    let file = try directory.write("192.168.0.2 nas.home\n192.168.0.3 tv.home\n\(long) x\n", to: "hosts")
    let error = fail(65, "import", "hosts", file)
    XCTAssertEqual(error, "slugctl: \(file):3: line longer than 65536 bytes\n")
    XCTAssertEqual(succeed("export", "hosts"), "")
  }

  func testALineThatIsNotUTF8IsRefusedNamingItsLine() throws {
    let file = directory.path + "/hosts"
    try Data("192.168.0.2 nas.home\n192.168.0.3 t".utf8 + [0xFF, 0xFE] + Data("v.home\n".utf8))
      .write(to: URL(fileURLWithPath: file))
    XCTAssertEqual(fail(65, "import", "hosts", file), "slugctl: \(file):2: not UTF-8 text\n")
  }

  func testLinesLongAndShortAcrossReadChunksImportWhole() throws {
    // Lines that straddle the reader's 64 KiB chunks, the last without a line end, CRLF too.
    var text = ""
    for index in 0..<3000 { text += "192.168.\(index / 250).\(index % 250 + 1) host\(index).home\(index % 2 == 0 ? "\r\n" : "\n")" }
    text += "10.0.0.1 last.home"
    let file = try directory.write(text, to: "hosts")
    XCTAssertEqual(succeed("import", "hosts", file), "\(file): 3001 added, 0 already present\n")
    XCTAssertTrue(succeed("export", "hosts").hasSuffix("10.0.0.1\tlast.home\n"))
  }

  func testControlBytesInAValueAreEscapedInTheError() throws {
    let error = fail(65, "dns", "add", "bad\u{1B}[31mname\u{07}", "10.0.0.1")
    XCTAssertTrue(error.contains("bad\\x1B[31mname\\x07"), error)
    let file = try directory.write("192.168.0.2 na\u{1B}]0;owned\u{07}me\u{7F}\n", to: "hosts")
    let fromFile = fail(65, "import", "hosts", file)
    XCTAssertTrue(fromFile.contains("na\\x1B]0;owned\\x07me\\x7F"), fromFile)
    for error in [error, fromFile] {
      XCTAssertFalse(error.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" || $0.value == 0x7F }, error)
    }
  }

  func testTheStoreOptionMayComeBeforeTheCommand() throws {
    succeed("dns", "add", "nas.home", "192.168.0.2")
    for arguments in [["--db", database, "dns", "list"], ["--db=\(database)", "dns", "list"], ["--db", database, "--json", "dns", "list"]] {
      let result = slugctl(arguments)
      XCTAssertEqual(result.status, 0, "\(arguments): \(result.error)")
      XCTAssertTrue(result.output.contains("nas.home"), "\(arguments): \(result.output)")
    }
    XCTAssertTrue(slugctl(["--db", database, "--json", "dns", "list"]).output.hasPrefix("["))
    let leases = slugctl(["--db", database, "dhcp", "leases"])
    XCTAssertEqual(leases.status, 0, leases.error)
    XCTAssertEqual(Slugctl.placingGlobalOptions(["--db", "x", "dns", "add", "--", "-n", "1.2.3.4"]), ["dns", "add", "--db", "x", "--", "-n", "1.2.3.4"])
  }
}
