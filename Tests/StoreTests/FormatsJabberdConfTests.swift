import Store
import XCTest

final class FormatsJabberdConfTests: XCTestCase {
  func testGoldenFileParsesWithTheOriginalsQuirksAndRendersCanonically() throws {
    let input = try Fixture.text("jabberd.input")
    let canonical = try Fixture.text("jabberd.canonical")
    for variant in Fixture.lineEndingVariants(of: input) {
      let users = try JabberdConf.parse(variant, file: "in.jabberd.conf")
      XCTAssertEqual(
        users,
        [
          JabberUser(name: "alice", password: "s3cret"),
          JabberUser(name: "bob", password: "hunter2"),
          JabberUser(name: "carol", password: "pa:ss#word"), JabberUser(name: "Eve", password: "x"),
        ])
      XCTAssertEqual(JabberdConf.render(users), canonical)
    }
  }

  func testRenderedUsersParseBackUnchanged() throws {
    let users = [
      JabberUser(name: "alice", password: "a:b:c"), JabberUser(name: "ZoË", password: "ü#1"),
    ]
    XCTAssertEqual(try JabberdConf.parse(JabberdConf.render(users), file: "f"), users)
  }

  func testALineWhoseNameTokenHoldsAHashIsAComment() throws {
    XCTAssertEqual(try JabberdConf.parse("alice:pw#1\n#x : y\nbo#b : z\n", file: "f"), [])
  }

  func testBadLinesNameTheFileLineAndValue() {
    // A line without its colon is not repeated: "alice hunter2" would put the password in a log.
    assertFormatError("users:2: expected 'name : password', found no ':'") {
      try JabberdConf.parse("bob : x\n  alice hunter2  \n", file: "users")
    }
    assertFormatError("users:1: 'al/ice' is not a valid user name") {
      try JabberdConf.parse("al/ice : x\n", file: "users")
    }
    assertFormatError("users:1: '' is not a valid user name") {
      try JabberdConf.parse(" : x\n", file: "users")
    }
    assertFormatError(
      "users:1: the password of 'alice' is not valid (1-1023 bytes, no spaces or control characters)"
    ) { try JabberdConf.parse("alice : two words\n", file: "users") }
    assertFormatError(
      "users:1: the password of 'alice' is not valid (1-1023 bytes, no spaces or control characters)"
    ) { try JabberdConf.parse("alice :\n", file: "users") }
    assertFormatError("users:3: duplicate user 'ALICE' (first on line 1)") {
      try JabberdConf.parse("alice : x\nbob : y\nALICE : z\n", file: "users")
    }
  }
}
