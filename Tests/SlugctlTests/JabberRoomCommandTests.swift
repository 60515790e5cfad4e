import Foundation
import XCTest

@testable import Store
@testable import SlugctlKit

final class JabberRoomCommandTests: StoreCommandTestCase {
  func testRoomsAreAddedListedAndRemoved() throws {
    succeed("jabber", "adduser", "alice", "--password", "a")
    succeed("jabber", "adduser", "bob", "--password", "b")
    succeed("jabber", "room", "add", "staff", "--title", "The staff", "--members-only", "--member", "bob", "--owner", "alice")
    succeed("jabber", "room", "add", "games")
    XCTAssertEqual(
      succeed("jabber", "room", "list"),
      """
      NAME      TITLE      OWNERS  MEMBERS  ACCESS
      everyone                              everyone
      games                                 open
      staff     The staff  alice   bob      members-only

      """)
    let listed = try jsonList("jabber", "room", "list")
    XCTAssertEqual(listed.map { $0["name"] as? String }, ["everyone", "games", "staff"])
    XCTAssertEqual(listed[2]["members_only"] as? Bool, true)
    XCTAssertEqual(listed[2]["owners"] as? [String], ["alice"])
    XCTAssertEqual(listed[2]["members"] as? [String], ["bob"])
    XCTAssertEqual(listed[0]["standing"] as? Bool, true)
    XCTAssertTrue(fail(65, "jabber", "room", "add", "games").contains("already exists"))
    XCTAssertTrue(fail(65, "jabber", "room", "add", "x", "--member", "nobody").contains("nobody"))
    succeed("jabber", "room", "rm", "games")
    XCTAssertEqual(try jsonList("jabber", "room", "list").map { $0["name"] as? String }, ["everyone", "staff"])
    XCTAssertFalse(fail(65, "jabber", "room", "rm", "everyone").isEmpty, "the room for everyone stays")
    succeed("jabber", "deluser", "bob")
    XCTAssertEqual(try jsonList("jabber", "room", "list")[1]["members"] as? [String], [], "an account's affiliations go with it")
  }

  func testSetChangesARoomsAccessAndAffiliationsAllOrNothing() throws {
    succeed("jabber", "adduser", "alice", "--password", "a")
    succeed("jabber", "adduser", "bob", "--password", "b")
    succeed("jabber", "adduser", "carol", "--password", "c")
    succeed("jabber", "room", "add", "games", "--owner", "alice")
    succeed("jabber", "room", "set", "games", "--members-only", "--title", "Games", "--member", "bob", "--owner", "carol")
    var games = try XCTUnwrap(try jsonList("jabber", "room", "list").first { $0["name"] as? String == "games" })
    XCTAssertEqual(games["members_only"] as? Bool, true)
    XCTAssertEqual(games["title"] as? String, "Games")
    XCTAssertEqual(games["owners"] as? [String], ["alice", "carol"])
    XCTAssertEqual(games["members"] as? [String], ["bob"])
    succeed("jabber", "room", "set", "games", "--no-members-only", "--none", "carol", "--outcast", "bob", "--password", "pw")
    XCTAssertEqual(try openStore().jabberRoom(named: "games")?.password, "pw")
    games = try XCTUnwrap(try jsonList("jabber", "room", "list").first { $0["name"] as? String == "games" })
    XCTAssertEqual(games["members_only"] as? Bool, false)
    XCTAssertEqual(games["owners"] as? [String], ["alice"])
    XCTAssertEqual(games["members"] as? [String], [])
    XCTAssertTrue(fail(65, "jabber", "room", "set", "games", "--member", "carol", "--member", "nobody").contains("nobody"))
    games = try XCTUnwrap(try jsonList("jabber", "room", "list").first { $0["name"] as? String == "games" })
    XCTAssertEqual(games["members"] as? [String], [], "nothing changed")
    XCTAssertFalse(fail(65, "jabber", "room", "set", "nosuch", "--member", "bob").isEmpty)
  }
}
