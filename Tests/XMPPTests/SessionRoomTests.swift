import Crypto
import Text
import XCTest

@testable import XMPP

/// Rooms as Store+JabberRooms.swift keeps them: the standing room for everyone from the start.
struct MemoryRooms {
  var rooms: [String: SessionRoom] = ["everyone": SessionRoom(name: "everyone", standing: true)]
  var history: [SessionRoomMessage] = []
  var roomLimit = 100
}

extension MemoryBackend {
  func room(named name: String) -> SessionRoom? { roomStore.rooms[ASCII.lowercased(name)] }
  func rooms() -> [SessionRoom] { roomStore.rooms.values.sorted { $0.name < $1.name } }
  func createRoom(named name: String, owner: String, at time: Int64) -> SessionStoreOutcome {
    guard roomStore.rooms.count < roomStore.roomLimit else { return .full }
    roomStore.rooms[name] = SessionRoom(name: name, affiliations: [ASCII.lowercased(owner): .owner])
    return .done
  }
  func configureRoom(named name: String, title: String, membersOnly: Bool) -> SessionStoreOutcome {
    guard roomStore.rooms[name] != nil else { return .unavailable }
    roomStore.rooms[name]?.title = title
    roomStore.rooms[name]?.membersOnly = membersOnly
    return .done
  }
  func setRoomSubject(_ subject: String, by nick: String, in room: String) -> SessionStoreOutcome {
    roomStore.rooms[room]?.subject = subject
    roomStore.rooms[room]?.subjectBy = nick
    return .done
  }
  func setRoomAffiliation(_ affiliation: RoomAffiliation, of user: String, in room: String) -> SessionStoreOutcome {
    guard roomStore.rooms[room] != nil else { return .unavailable }
    roomStore.rooms[room]?.affiliations[ASCII.lowercased(user)] = affiliation == .none ? nil : affiliation
    return .done
  }
  func setRoomPassword(named name: String, _ password: String) -> SessionStoreOutcome {
    guard roomStore.rooms[name] != nil else { return .unavailable }
    roomStore.rooms[name]?.password = password
    return .done
  }
  func destroyRoom(named name: String) -> SessionStoreOutcome {
    guard let room = roomStore.rooms[name], !room.standing else { return .full }
    roomStore.rooms[name] = nil
    return .done
  }
  func roomHistory(of room: String, limit: Int, since: Int64, now: Int64) -> [SessionRoomMessage] {
    guard archiveDays > 0 else { return [] }
    let cutoff = now - Int64(archiveDays) * 86_400_000
    return Array(roomStore.history.filter { $0.room == room && $0.stamp >= max(since, cutoff) }.suffix(limit))
  }
  func storeRoomMessage(_ message: SessionRoomMessage) { roomStore.history.append(message) }
}

/// XEP-0045 across sessions: each session knows its own client's rooms and learns the others'
/// seats from the mesh (hello STATE words, `room` messages, a peer's end).
final class SessionRoomTests: XCTestCase {
  let users = [("alice", "a"), ("bob", "b"), ("carol", "c"), ("dave", "d")]
  let room = "everyone@conference.home.lan"

  func join(_ network: SessionNetwork, _ index: Int, _ nick: String, room: String? = nil, history: String = "") {
    network.send(
      index, "<presence to='\(room ?? self.room)/\(nick)'><x xmlns='http://jabber.org/protocol/muc'>\(history)</x></presence>")
  }

  func codes(_ presence: XMLElement) -> [String] {
    presence.child("x", namespace: "http://jabber.org/protocol/muc#user")?.elements.filter { $0.name == "status" }
      .compactMap { $0.attribute("code") } ?? []
  }

  func item(_ presence: XMLElement) -> XMLElement? {
    presence.child("x", namespace: "http://jabber.org/protocol/muc#user")?.child("item")
  }

  func groupchat(_ output: String) -> [String] {
    stanzas(output).filter { $0.name == "message" && $0.attribute("type") == "groupchat" }.compactMap { message in
      message.child("body").map { (message.attribute("from") ?? "") + " " + $0.text }
    }
  }

  func errorCondition(_ output: String) -> String? {
    stanzas(output).first { $0.attribute("type") == "error" }?.child("error")?.elements.first?.name
  }

  func testTheServerListsItsRoomServiceWhichListsItsRooms() {
    let network = SessionNetwork(users: users)
    let alice = network.login("alice", "a")
    _ = network.take(alice)
    network.send(alice, "<iq type='get' id='i1' to='home.lan'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>")
    XCTAssertTrue(network.take(alice).contains("<item jid='conference.home.lan' name='Rooms'/>"))
    network.send(
      alice, "<iq type='get' id='i2' to='conference.home.lan'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>")
    let info = network.take(alice)
    XCTAssertTrue(info.contains("<identity category='conference' type='text' name='Rooms'/>"), info)
    XCTAssertTrue(info.contains("<feature var='http://jabber.org/protocol/muc'/>"), info)
    network.backend.roomStore.rooms["secret"] = SessionRoom(name: "secret", membersOnly: true, affiliations: ["bob": .member])
    network.send(
      alice, "<iq type='get' id='i3' to='conference.home.lan'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>")
    let items = network.take(alice)
    XCTAssertTrue(items.contains("<item jid='everyone@conference.home.lan' name='home.lan'/>"), items)
    XCTAssertFalse(items.contains("secret"), "a members-only room is listed to its members only: \(items)")
    network.send(alice, "<iq type='get' id='i4' to='\(room)'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>")
    let roomInfo = network.take(alice)
    for feature in ["muc_open", "muc_persistent", "muc_nonanonymous", "muc_unmoderated"] {
      XCTAssertTrue(roomInfo.contains("<feature var='\(feature)'/>"), roomInfo)
    }
    XCTAssertTrue(roomInfo.contains("<value>http://jabber.org/protocol/muc#roominfo</value>"), roomInfo)
  }

  func testAJoinerGetsTheOccupantsThenItselfThenTheSubject() throws {
    let network = SessionNetwork(users: users)
    let alice = network.login("alice", "a")
    join(network, alice, "Alice A")
    _ = network.take(alice)
    // bob logs in after alice joined: he knows her seat from her hello alone.
    let bob = network.login("bob", "b")
    _ = network.take(bob)
    _ = network.take(alice)
    join(network, bob, "bob")
    let received = stanzas(network.take(bob))
    XCTAssertEqual(received.map { $0.attribute("from") ?? "" }, ["\(room)/Alice A", "\(room)/bob", room])
    XCTAssertEqual(item(received[0])?.attribute("jid"), "alice@home.lan/laptop")
    XCTAssertEqual(item(received[0])?.attribute("affiliation"), "member")
    XCTAssertEqual(item(received[0])?.attribute("role"), "participant")
    XCTAssertEqual(codes(received[1]), ["100", "110"])
    XCTAssertEqual(received[2].child("subject")?.text, "")
    let toAlice = stanzas(network.take(alice))
    XCTAssertEqual(toAlice.map { $0.attribute("from") ?? "" }, ["\(room)/bob"])
    XCTAssertEqual(item(toAlice[0])?.attribute("jid"), "bob@home.lan/laptop")
  }

  func testGroupchatReachesEveryOccupantOnceAndIsStoredAfterTheFanOut() throws {
    let network = SessionNetwork(users: users)
    let clients = ["alice", "bob", "carol"].map { network.login($0, String($0.first!)) }
    for (index, name) in zip(clients, ["alice", "bob", "carol"]) { join(network, index, name) }
    let dave = network.login("dave", "d")
    for index in clients + [dave] { _ = network.take(index) }
    let message = try XCTUnwrap(
      stanzas("<message to='\(room)' type='groupchat' id='m1'><body>hello all</body></message>").first)
    let actions = network.clients[clients[2]].session.handle(.client(.stanza(message)), now: network.now)
    let store = try XCTUnwrap(actions.firstIndex { if case .storeRoomMessage = $0 { return true } else { return false } })
    let lastSend = try XCTUnwrap(actions.lastIndex { if case .meshSend = $0 { return true } else { return false } })
    XCTAssertGreaterThan(store, lastSend, "the store is written after the occupants are sent the message")
    network.perform(clients[2], actions)
    let queued = network.pending
    network.pending = []
    for (target, event) in queued { network.deliver(target, event) }
    for index in clients {
      XCTAssertEqual(groupchat(network.take(index)), ["\(room)/carol hello all"], "client \(index)")
    }
    XCTAssertEqual(groupchat(network.take(dave)), [], "not an occupant")
    XCTAssertEqual(network.backend.roomStore.history.map { $0.sender }, ["carol"])
  }

  func testAnOccupantWithAResumableStreamGetsRoomMessagesThroughItsQueueOnce() throws {
    let network = SessionNetwork(users: users)
    let alice = network.login("alice", "a")
    let phone = network.login("bob", "b", resource: "phone", available: nil)
    network.send(phone, "<enable xmlns='urn:xmpp:sm:3' resume='true'/>")
    network.send(phone, "<presence/>")
    join(network, alice, "alice")
    join(network, phone, "bob")
    _ = network.take(alice)
    _ = network.take(phone)
    network.send(alice, "<message to='\(room)' type='groupchat'><body>to the phone</body></message>")
    XCTAssertEqual(groupchat(network.take(phone)), ["\(room)/alice to the phone"])
    XCTAssertEqual(network.backend.queue.filter { $0.stanza.contains("to the phone") }.count, 1, "kept until acknowledged")
  }

  func testASessionHeardFromLateIsShownAndGetsTheMessagesThatWaitedForItsHello() throws {
    let network = SessionNetwork(users: users)
    let alice = network.login("alice", "a")
    join(network, alice, "alice")
    _ = network.take(alice)
    let carol: SessionPeer = 9
    network.deliver(alice, .peerJoined(carol))
    network.send(alice, "<message to='\(room)' type='groupchat'><body>early</body></message>")
    XCTAssertEqual(groupchat(network.take(alice)), [], "held until the hello")
    let hello = SessionMeshHello(
      user: "carol", resource: "pc", since: 1, token: 1, priority: 0,
      state: SessionMeshState(rooms: ["everyone": RoomSeat(nick: "carol", affiliation: .member)]), presence: "<presence/>")
    network.deliver(alice, .peerMessage(carol, SessionMeshMessage.hello(hello).bytes))
    let output = network.take(alice)
    XCTAssertTrue(stanzas(output).contains { $0.attribute("from") == "\(room)/carol" && $0.name == "presence" }, output)
    XCTAssertEqual(groupchat(output), ["\(room)/alice early"])
    XCTAssertTrue(
      network.strayMeshSends.contains { send in
        guard send.peer == carol, case .complete(let xml)? = send.message else { return false }
        return xml.contains("early")
      })
  }

  func testARefusedJoinCarriesTheJoinElementBack() throws {
    let network = SessionNetwork(users: users)
    network.backend.roomStore.rooms["staff"] = SessionRoom(name: "staff", membersOnly: true)
    let bob = network.login("bob", "b")
    _ = network.take(bob)
    join(network, bob, "bob", room: "staff@conference.home.lan")
    let error = try XCTUnwrap(stanzas(network.take(bob)).first)
    XCTAssertEqual(error.attribute("type"), "error")
    XCTAssertNotNil(error.child("x", namespace: "http://jabber.org/protocol/muc"))
  }

  func testAStreamResumedAfterItsProcessDiedIsBackInItsRooms() throws {
    let network = SessionNetwork(users: users)
    let alice = network.login("alice", "a")
    let phone = network.login("bob", "b", resource: "phone", available: nil)
    network.send(phone, "<enable xmlns='urn:xmpp:sm:3' resume='true'/>")
    network.send(phone, "<presence/>")
    let id = try XCTUnwrap(stanzas(network.take(phone)).first { $0.name == "enabled" }?.attribute("id"))
    join(network, alice, "alice")
    join(network, phone, "bob")
    _ = network.take(alice)
    network.kill(phone)
    XCTAssertTrue(stanzas(network.take(alice)).contains { $0.attribute("from") == "\(room)/bob" && $0.attribute("type") == "unavailable" })
    let again = network.connect()
    network.send(again, SessionNetwork.header)
    network.send(again, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>\(Base64.encode(Array("\0bob\0b".utf8)))</auth>")
    network.send(again, SessionNetwork.header)
    _ = network.take(again)
    network.send(again, "<resume xmlns='urn:xmpp:sm:3' previd='\(id)' h='0'/>")
    XCTAssertNotNil(stanzas(network.take(again)).first { $0.name == "resumed" })
    XCTAssertTrue(
      stanzas(network.take(alice)).contains { $0.attribute("from") == "\(room)/bob" && $0.attribute("type") == nil },
      "the others see it back")
    network.send(alice, "<message to='\(room)' type='groupchat'><body>welcome back</body></message>")
    XCTAssertEqual(groupchat(network.take(again)), ["\(room)/alice welcome back"])
  }

  func testALaterJoinerGetsTheHistoryWithDelaysAsAsked() throws {
    let network = SessionNetwork(users: users)
    let alice = network.login("alice", "a")
    join(network, alice, "alice")
    for n in 1...3 { network.send(alice, "<message to='\(room)' type='groupchat'><body>\(n)</body></message>") }
    network.send(alice, "<message to='\(room)' type='groupchat'><subject>plans</subject></message>")
    let bob = network.login("bob", "b")
    _ = network.take(bob)
    join(network, bob, "bob", history: "<history maxstanzas='2'/>")
    let received = stanzas(network.take(bob))
    let messages = received.filter { $0.name == "message" }
    XCTAssertEqual(messages.map { $0.child("body")?.text ?? "subject " + ($0.child("subject")?.text ?? "") }, ["2", "3", "subject plans"])
    let delay = try XCTUnwrap(messages[0].child("delay", namespace: "urn:xmpp:delay"))
    XCTAssertEqual(delay.attribute("from"), room)
    XCTAssertEqual(delay.attribute("stamp"), "2025-11-28T00:00:00Z")
    XCTAssertEqual(messages[2].attribute("from"), "\(room)/alice", "the subject comes from whoever set it")
    let carol = network.login("carol", "c")
    join(network, carol, "carol", history: "<history maxchars='0'/>")
    XCTAssertEqual(stanzas(network.take(carol)).filter { $0.child("body") != nil }.count, 0)
    let dave = network.login("dave", "d")
    join(network, dave, "dave")
    XCTAssertEqual(groupchat(network.take(dave)).count, 3, "20 by default: all three")
  }

  func testATakenNickIsAConflictAndAMembersOnlyRoomRefusesOthers() {
    let network = SessionNetwork(users: users)
    let alice = network.login("alice", "a")
    join(network, alice, "sam")
    let bob = network.login("bob", "b")
    _ = network.take(bob)
    join(network, bob, "sam")
    XCTAssertEqual(errorCondition(network.take(bob)), "conflict")
    network.backend.roomStore.rooms["staff"] = SessionRoom(
      name: "staff", membersOnly: true, affiliations: ["alice": .member, "carol": .outcast])
    join(network, bob, "bob", room: "staff@conference.home.lan")
    XCTAssertEqual(errorCondition(network.take(bob)), "registration-required")
    let carol = network.login("carol", "c")
    _ = network.take(carol)
    join(network, carol, "carol", room: "staff@conference.home.lan")
    XCTAssertEqual(errorCondition(network.take(carol)), "forbidden")
    join(network, alice, "alice", room: "staff@conference.home.lan")
    XCTAssertNil(errorCondition(network.take(alice)))
    network.send(bob, "<message to='staff@conference.home.lan' type='groupchat'><body>let me in</body></message>")
    XCTAssertEqual(errorCondition(network.take(bob)), "not-acceptable")
  }

  func testJoiningARoomThatDoesNotExistMakesItWithTheJoinerAsOwner() throws {
    let network = SessionNetwork(users: users)
    let alice = network.login("alice", "a")
    _ = network.take(alice)
    join(network, alice, "alice", room: "books@conference.home.lan")
    let own = try XCTUnwrap(stanzas(network.take(alice)).first { $0.name == "presence" })
    XCTAssertEqual(codes(own), ["100", "110", "201"])
    XCTAssertEqual(item(own)?.attribute("affiliation"), "owner")
    XCTAssertEqual(item(own)?.attribute("role"), "moderator")
    network.send(
      alice,
      "<iq type='set' id='c1' to='books@conference.home.lan'><query xmlns='http://jabber.org/protocol/muc#owner'>"
        + "<x xmlns='jabber:x:data' type='submit'><field var='muc#roomconfig_roomname'><value>Book club</value></field>"
        + "<field var='muc#roomconfig_membersonly'><value>1</value></field></x></query></iq>")
    XCTAssertTrue(network.take(alice).contains("type='result' id='c1'"))
    XCTAssertEqual(network.backend.roomStore.rooms["books"]?.title, "Book club")
    XCTAssertEqual(network.backend.roomStore.rooms["books"]?.membersOnly, true)
    let bob = network.login("bob", "b")
    _ = network.take(bob)
    network.send(
      bob, "<iq type='get' id='c2' to='books@conference.home.lan'><query xmlns='http://jabber.org/protocol/muc#owner'/></iq>")
    XCTAssertEqual(errorCondition(network.take(bob)), "forbidden")
  }

  func testLeavingAndAProcessThatDiesAreSeenByTheOthers() throws {
    let network = SessionNetwork(users: users)
    let alice = network.login("alice", "a")
    let bob = network.login("bob", "b")
    let carol = network.login("carol", "c")
    join(network, alice, "alice")
    join(network, bob, "bob")
    join(network, carol, "carol")
    for index in [alice, bob, carol] { _ = network.take(index) }
    network.send(bob, "<presence type='unavailable' to='\(room)/bob'/>")
    let ownLeave = try XCTUnwrap(stanzas(network.take(bob)).first)
    XCTAssertEqual(codes(ownLeave), ["110"])
    let seen = try XCTUnwrap(stanzas(network.take(alice)).first { $0.attribute("from") == "\(room)/bob" })
    XCTAssertEqual(seen.attribute("type"), "unavailable")
    XCTAssertEqual(item(seen)?.attribute("role"), "none")
    network.kill(carol)
    let gone = try XCTUnwrap(stanzas(network.take(alice)).first { $0.attribute("from") == "\(room)/carol" })
    XCTAssertEqual(gone.attribute("type"), "unavailable")
    // bob is no longer in the room: messages to it reach alice alone.
    network.send(alice, "<message to='\(room)' type='groupchat'><body>anyone?</body></message>")
    XCTAssertEqual(groupchat(network.take(bob)), [])
  }

  func testPrivateMessagesAndNickChanges() throws {
    let network = SessionNetwork(users: users)
    let alice = network.login("alice", "a")
    let bob = network.login("bob", "b")
    join(network, alice, "alice")
    join(network, bob, "bob")
    _ = network.take(alice)
    _ = network.take(bob)
    network.send(alice, "<message to='\(room)/bob' type='chat'><body>psst</body></message>")
    let whisper = try XCTUnwrap(stanzas(network.take(bob)).first)
    XCTAssertEqual(whisper.attribute("from"), "\(room)/alice")
    XCTAssertEqual(whisper.attribute("to"), "bob@home.lan/laptop")
    XCTAssertEqual(whisper.child("body")?.text, "psst")
    network.send(alice, "<message to='\(room)/nobody' type='chat'><body>?</body></message>")
    XCTAssertEqual(errorCondition(network.take(alice)), "item-not-found")
    network.send(bob, "<presence to='\(room)/robert'/>")
    let own = stanzas(network.take(bob))
    XCTAssertEqual(own.map { codes($0) }, [["110", "303"], ["110"]])
    let seen = stanzas(network.take(alice))
    XCTAssertEqual(seen.map { $0.attribute("from") ?? "" }, ["\(room)/bob", "\(room)/robert"])
    XCTAssertEqual(codes(seen[0]), ["303"])
    XCTAssertEqual(item(seen[0])?.attribute("nick"), "robert")
    network.send(alice, "<message to='\(room)/robert' type='chat'><body>hi robert</body></message>")
    XCTAssertEqual(stanzas(network.take(bob)).first?.child("body")?.text, "hi robert")
  }

  func testARoomRemovedBySlugctlLetsItsOccupantsGo() throws {
    let network = SessionNetwork(users: users)
    network.backend.roomStore.rooms["games"] = SessionRoom(name: "games")
    let alice = network.login("alice", "a")
    join(network, alice, "alice", room: "games@conference.home.lan")
    _ = network.take(alice)
    network.backend.roomStore.rooms["games"] = nil
    let slugctl: SessionPeer = 9
    network.deliver(alice, .peerJoined(slugctl))
    network.deliver(alice, .peerMessage(slugctl, SessionMeshMessage.roomsChanged.bytes))
    let gone = try XCTUnwrap(stanzas(network.take(alice)).first { $0.name == "presence" })
    XCTAssertEqual(gone.attribute("type"), "unavailable")
    XCTAssertNotNil(gone.child("x", namespace: "http://jabber.org/protocol/muc#user")?.child("destroy"))
  }

  func testSeatsAndRoomMessagesSurviveTheMeshEncoding() {
    let seat = RoomSeat(nick: "Zoë the 2nd", affiliation: .owner)
    let state = SessionMeshState(carbons: true, rooms: ["everyone": seat])
    XCTAssertEqual(SessionMeshState(state.text), state)
    XCTAssertFalse(state.text.contains("Zoë"), "a nickname travels in hex: it may hold spaces")
    let change = SessionRoomPresence(
      room: "everyone", nick: "Zoë", previousNick: "Z", affiliation: .member, xml: "<presence>\n<status>a\nb</status></presence>")
    XCTAssertEqual(SessionMeshMessage(SessionMeshMessage.room(change).bytes), .room(change))
  }

  func testXEP0082TimesAreRead() {
    XCTAssertEqual(Session<MemoryBackend>.unixTime("2025-11-28T00:00:00Z"), 1_764_288_000)
    XCTAssertEqual(Session<MemoryBackend>.unixTime("2025-11-28T01:30:00.123+01:30"), 1_764_288_000)
    XCTAssertNil(Session<MemoryBackend>.unixTime("yesterday"))
  }
}
