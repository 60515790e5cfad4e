import XCTest

@testable import Store

final class JabberRoomTests: StoreTestCase {
  private func storeWithUsers(_ names: String...) throws -> Store {
    let store = try openStore()
    for name in names { try store.addJabberUser(JabberUser(name: name, password: "pw")) }
    return store
  }

  func testTheRoomForEveryoneStandsFromTheStartAndCannotBeRemoved() throws {
    let store = try storeWithUsers("alice")
    let everyone = try XCTUnwrap(try store.jabberRoom(named: Store.everyoneRoom))
    XCTAssertTrue(everyone.standing)
    XCTAssertFalse(everyone.membersOnly)
    XCTAssertEqual(everyone.affiliation(of: "Alice"), .member, "every account is a member without a row")
    XCTAssertThrowsError(try store.removeJabberRoom(named: "everyone")) { error in
      guard case StoreError.invalid = error else { return XCTFail("\(error)") }
    }
    XCTAssertEqual(try store.jabberRooms().map { $0.name }, ["everyone"])
  }

  func testRoomsKeepTheirAffiliationsAndAccountRemovalTakesThemAway() throws {
    let store = try storeWithUsers("alice", "Bob")
    try store.addJabberRoom(
      JabberRoom(
        name: "staff", title: "Staff", membersOnly: true, creator: "alice", created: 100,
        affiliations: [
          JabberRoomAffiliation(user: "alice", affiliation: .owner), JabberRoomAffiliation(user: "bob", affiliation: .member),
        ]))
    let staff = try XCTUnwrap(try store.jabberRoom(named: "STAFF"))
    XCTAssertEqual(staff.title, "Staff")
    XCTAssertEqual(staff.affiliation(of: "alice"), .owner)
    XCTAssertEqual(staff.affiliation(of: "bob"), .member)
    XCTAssertEqual(staff.affiliations.map { $0.user }, ["alice", "Bob"], "named as stored")
    XCTAssertNil(staff.affiliation(of: "carol"))
    XCTAssertThrowsError(try store.addJabberRoom(JabberRoom(name: "staff")))
    XCTAssertThrowsError(try store.addJabberRoom(JabberRoom(name: "Upper")), "names are lower case")
    XCTAssertThrowsError(try store.addJabberRoom(JabberRoom(name: "a b")))
    XCTAssertThrowsError(
      try store.addJabberRoom(JabberRoom(name: "x", affiliations: [JabberRoomAffiliation(user: "nobody", affiliation: .member)])))
    XCTAssertNil(try store.jabberRoom(named: "x"), "all or nothing")
    try store.removeJabberUser(named: "bob")
    XCTAssertNil(try store.jabberRoom(named: "staff")?.affiliation(of: "bob"))
    try store.configureJabberRoom(named: "staff", title: "Team", membersOnly: false)
    XCTAssertEqual(try store.jabberRoom(named: "staff")?.title, "Team")
    try store.removeJabberRoom(named: "staff")
    XCTAssertEqual(try store.jabberRooms().map { $0.name }, ["everyone"])
  }

  func testAUserMakesALimitedNumberOfRooms() throws {
    let store = try storeWithUsers("alice")
    for n in 0..<Store.maximumJabberRoomsPerCreator {
      try store.addJabberRoom(JabberRoom(name: "r\(n)", creator: "alice"))
    }
    XCTAssertThrowsError(try store.addJabberRoom(JabberRoom(name: "one-more", creator: "alice"))) { error in
      guard case StoreError.invalid = error else { return XCTFail("\(error)") }
    }
  }

  func testAPasswordIsKeptAndAControlCharacterRefused() throws {
    let store = try storeWithUsers("alice")
    try store.addJabberRoom(JabberRoom(name: "club"))
    XCTAssertEqual(try store.jabberRoom(named: "club")?.password, "")
    try store.setJabberRoomPassword(named: "club", "s3cret")
    XCTAssertEqual(try store.jabberRoom(named: "club")?.password, "s3cret")
    XCTAssertEqual(try store.jabberRooms().first { $0.name == "club" }?.password, "s3cret")
    XCTAssertThrowsError(try store.setJabberRoomPassword(named: "club", "a\nb"))
    XCTAssertThrowsError(try store.setJabberRoomPassword(named: "nosuch", "x"))
  }
}
