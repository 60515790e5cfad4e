import XCTest

@testable import XMPP

/// The archive as the store keeps it, in memory: rows in order, each side's archive keeping
/// them unless its default was `never` when written; paging as Store.jabberArchive pages.
extension MemoryBackend {
  func openArchive(of user: String, now: Int64) -> Bool { archiveDays > 0 }

  func archive(_ entry: SessionArchiveEntry) {
    let senderKeeps = archiveDefaults[entry.sender] != .never
    let recipientKeeps = archiveDefaults[entry.recipient] != .never
    if senderKeeps || recipientKeeps { archived.append((entry, senderKeeps, recipientKeeps)) }
  }

  func archive(_ query: SessionArchiveQuery, now: Int64) -> SessionArchiveAnswer {
    let owner = query.owner
    var mine = archived.filter { ($0.entry.sender == owner && $0.senderKeeps) || ($0.entry.recipient == owner && $0.recipientKeeps) }
      .map(\.entry)
    // A room's archive: its messages, the nick of each kept as its recipient resource here.
    if let room = query.room {
      mine = roomStore.history.filter { $0.room == room }.map {
        SessionArchiveEntry(
          id: $0.id, stamp: $0.stamp, sender: $0.sender, senderResource: $0.senderResource, recipient: "",
          recipientResource: $0.nick, stanza: $0.stanza)
      }
    }
    func position(_ id: String?) -> Int?? {
      guard let id else { return .some(nil) }
      guard let index = mine.firstIndex(where: { $0.id == id }) else { return nil }
      return .some(index)
    }
    guard let after = position(query.afterID), let before = position(query.beforeID) else { return .itemNotFound }
    if let ids = query.ids, !ids.allSatisfy({ id in mine.contains { $0.id == id } }) { return .itemNotFound }
    let cutoff = now - Int64(archiveDays) * 86_400_000
    let selected = mine.indices.filter { index in
      let entry = mine[index]
      let other = entry.sender == owner ? (entry.recipient, entry.recipientResource) : (entry.sender, entry.senderResource)
      let matches =
        query.room == nil
        ? (query.with.map { $0 == other.0 && (query.withResource == nil || query.withResource == other.1) } ?? true)
        : (query.with.map { $0 == entry.sender } ?? true) && (query.withNick.map { $0 == entry.recipientResource } ?? true)
      return index > (after ?? -1) && index < (before ?? mine.count) && entry.stamp >= max(query.start ?? cutoff, cutoff)
        && entry.stamp <= (query.end ?? .max) && (query.ids?.contains(entry.id) ?? true)
        && matches
    }
    let page: [Int]
    let complete: Bool
    switch query.paging {
    case .forward(let afterID, let offset):
      guard let start = position(afterID) else { return .itemNotFound }
      let candidates = Array(selected.filter { $0 > (start ?? -1) }.dropFirst(offset))
      page = Array(candidates.prefix(query.limit))
      complete = candidates.count <= query.limit
    case .backward(let beforeID):
      guard let end = position(beforeID) else { return .itemNotFound }
      let candidates = selected.filter { $0 < (end ?? mine.count) }
      page = Array(candidates.suffix(query.limit))
      complete = candidates.count <= query.limit
    }
    return .page(
      SessionArchivePage(
        messages: page.map { mine[$0] }, count: selected.count, firstIndex: page.first.flatMap { selected.firstIndex(of: $0) },
        complete: complete))
  }

  func archiveDefault(of user: String) -> SessionArchiveDefault? { archiveDefaults[user] ?? .always }

  func setArchiveDefault(_ mode: SessionArchiveDefault, of user: String) -> SessionStoreOutcome {
    archiveDefaults[user] = mode
    return .done
  }
}

final class SessionArchiveTests: XCTestCase {
  let users = [("alice", "a"), ("bob", "b")]

  /// Alice and Bob online, each client's output taken.
  func online() -> (SessionNetwork, alice: Int, bob: Int) {
    let network = SessionNetwork(users: users)
    let bob = network.login("bob", "b")
    let alice = network.login("alice", "a")
    _ = network.take(bob)
    _ = network.take(alice)
    return (network, alice, bob)
  }

  /// Alice sends Bob `count` chat messages "m0", "m1", ..., one second apart.
  func exchange(_ network: SessionNetwork, from alice: Int, count: Int) {
    for number in 0..<count {
      network.send(alice, "<message to='bob@home.lan' type='chat' id='m\(number)'><body>m\(number)</body></message>")
      network.now += 1000
    }
  }

  /// The iq's results and its fin: the bodies in the order written, and the fin's set.
  func query(_ network: SessionNetwork, _ client: Int, _ payload: String) throws -> (
    bodies: [String], ids: [String], fin: XMLElement
  ) {
    network.send(client, "<iq type='set' id='q'>" + payload + "</iq>")
    let output = stanzas(network.take(client))
    let results = output.filter { $0.child("result", namespace: StanzaNamespace.mam) != nil }
    let iq = try XCTUnwrap(output.last)
    XCTAssertEqual(iq.attribute("type"), "result", "\(output)")
    let fin = try XCTUnwrap(iq.child("fin", namespace: StanzaNamespace.mam))
    let forwarded = results.map { $0.child("result", namespace: StanzaNamespace.mam)?.child("forwarded")?.child("message") }
    return (forwarded.map { $0?.child("body")?.text ?? "?" }, results.map { $0.child("result")?.attribute("id") ?? "?" }, fin)
  }

  func testRecipientsCopyCarriesTheStanzaIDTheArchiveAnswersWith() throws {
    let (network, alice, bob) = online()
    network.send(alice, "<message to='bob@home.lan' type='chat' id='m1'><body>hello</body></message>")
    let delivered = try XCTUnwrap(stanzas(network.take(bob)).first)
    let stanzaID = try XCTUnwrap(delivered.child("stanza-id", namespace: StanzaNamespace.stanzaID))
    XCTAssertEqual(stanzaID.attribute("by"), "bob@home.lan")
    let id = try XCTUnwrap(stanzaID.attribute("id"))
    for client in [alice, bob] {
      let answer = try query(network, client, "<query xmlns='urn:xmpp:mam:2' queryid='f1'/>")
      XCTAssertEqual(answer.bodies, ["hello"])
      XCTAssertEqual(answer.ids, [id])
      XCTAssertEqual(answer.fin.attribute("complete"), "true")
    }
  }

  func testResultForwardsTheMessageWithItsDelayAndTheClientsQueryID() throws {
    let (network, alice, _) = online()
    network.send(alice, "<message to='bob@home.lan' type='chat' id='m1'><body>hello</body></message>")
    network.send(alice, "<iq type='set' id='q'><query xmlns='urn:xmpp:mam:2' queryid='f1'/></iq>")
    let result = try XCTUnwrap(stanzas(network.take(alice)).first)
    XCTAssertEqual(result.attribute("to"), "alice@home.lan/laptop")
    let wrapper = try XCTUnwrap(result.child("result", namespace: StanzaNamespace.mam))
    XCTAssertEqual(wrapper.attribute("queryid"), "f1")
    let forwarded = try XCTUnwrap(wrapper.child("forwarded", namespace: "urn:xmpp:forward:0"))
    XCTAssertEqual(forwarded.child("delay", namespace: StanzaNamespace.delay)?.attribute("stamp"), "2025-11-28T00:00:00.000Z")
    let message = try XCTUnwrap(forwarded.child("message", namespace: StanzaNamespace.client))
    XCTAssertEqual(message.attribute("from"), "alice@home.lan/laptop")
    XCTAssertEqual(message.attribute("to"), "bob@home.lan")
    XCTAssertEqual(message.attribute("id"), "m1")
    XCTAssertNil(message.child("stanza-id"))
  }

  func testPagesOfTenByRSMGoForwardAndBackInOrder() throws {
    let (network, alice, bob) = online()
    exchange(network, from: alice, count: 25)
    var bodies: [String] = []
    var after = ""
    for page in 0..<3 {
      let answer = try query(
        network, bob, "<query xmlns='urn:xmpp:mam:2'><set xmlns='http://jabber.org/protocol/rsm'><max>10</max>\(after)</set></query>")
      bodies += answer.bodies
      let set = try XCTUnwrap(answer.fin.child("set", namespace: "http://jabber.org/protocol/rsm"))
      XCTAssertEqual(set.child("count")?.text, "25")
      XCTAssertEqual(set.child("first")?.attribute("index"), "\(page * 10)")
      XCTAssertEqual(answer.fin.attribute("complete"), page == 2 ? "true" : "false")
      after = "<after>\(try XCTUnwrap(set.child("last")?.text))</after>"
    }
    XCTAssertEqual(bodies, (0..<25).map { "m\($0)" })

    let last = try query(
      network, bob, "<query xmlns='urn:xmpp:mam:2'><set xmlns='http://jabber.org/protocol/rsm'><max>10</max><before/></set></query>")
    XCTAssertEqual(last.bodies, (15..<25).map { "m\($0)" })
    XCTAssertEqual(last.fin.attribute("complete"), "false")
    let earlier = try query(
      network, bob,
      "<query xmlns='urn:xmpp:mam:2'><set xmlns='http://jabber.org/protocol/rsm'><max>10</max><before>\(last.ids[0])</before></set></query>")
    XCTAssertEqual(earlier.bodies, (5..<15).map { "m\($0)" })
    let flipped = try query(
      network, bob,
      "<query xmlns='urn:xmpp:mam:2'><set xmlns='http://jabber.org/protocol/rsm'><max>3</max><before/></set><flip-page/></query>")
    XCTAssertEqual(flipped.bodies, ["m24", "m23", "m22"])
  }

  func testStartAndEndSelectByTimeInclusive() throws {
    let (network, alice, bob) = online()
    exchange(network, from: alice, count: 10)
    let form = """
      <query xmlns='urn:xmpp:mam:2'><x xmlns='jabber:x:data' type='submit'>\
      <field var='FORM_TYPE' type='hidden'><value>urn:xmpp:mam:2</value></field>\
      <field var='start'><value>2025-11-28T00:00:03Z</value></field>\
      <field var='end'><value>2025-11-28T01:00:06+01:00</value></field></x></query>
      """
    let answer = try query(network, bob, form)
    XCTAssertEqual(answer.bodies, ["m3", "m4", "m5", "m6"])
  }

  func testWithSelectsTheConversationByBareOrFullJID() throws {
    let network = SessionNetwork(users: [("alice", "a"), ("bob", "b"), ("carol", "c")])
    let bob = network.login("bob", "b")
    let alice = network.login("alice", "a")
    let carol = network.login("carol", "c", resource: "phone")
    network.send(alice, "<message to='bob@home.lan' type='chat'><body>from alice</body></message>")
    network.send(carol, "<message to='bob@home.lan' type='chat'><body>from carol</body></message>")
    network.send(bob, "<message to='carol@home.lan/phone' type='chat'><body>to carol</body></message>")
    _ = network.take(bob)
    func with(_ jid: String) -> String {
      "<query xmlns='urn:xmpp:mam:2'><x xmlns='jabber:x:data' type='submit'><field var='with'><value>\(jid)</value></field></x></query>"
    }
    XCTAssertEqual(try query(network, bob, with("carol@home.lan")).bodies, ["from carol", "to carol"])
    XCTAssertEqual(try query(network, bob, with("carol@home.lan/phone")).bodies, ["from carol", "to carol"])
    XCTAssertEqual(try query(network, bob, with("carol@home.lan/desk")).bodies, [])
    XCTAssertEqual(try query(network, bob, with("alice@elsewhere.example")).bodies, [])
  }

  func testExtendedFiltersByIDs() throws {
    let (network, alice, bob) = online()
    exchange(network, from: alice, count: 5)
    let all = try query(network, bob, "<query xmlns='urn:xmpp:mam:2'/>")
    func field(_ name: String, _ values: [String]) -> String {
      "<field var='\(name)'>" + values.map { "<value>\($0)</value>" }.joined() + "</field>"
    }
    let between = try query(
      network, bob,
      "<query xmlns='urn:xmpp:mam:2'><x xmlns='jabber:x:data' type='submit'>" + field("after-id", [all.ids[0]])
        + field("before-id", [all.ids[4]]) + "</x></query>")
    XCTAssertEqual(between.bodies, ["m1", "m2", "m3"])
    let some = try query(
      network, bob,
      "<query xmlns='urn:xmpp:mam:2'><x xmlns='jabber:x:data' type='submit'>" + field("ids", [all.ids[3], all.ids[1]])
        + "</x></query>")
    XCTAssertEqual(some.bodies, ["m1", "m3"])
  }

  func testUnknownIDIsItemNotFoundAndABadFormIsBadRequest() throws {
    let (network, alice, bob) = online()
    exchange(network, from: alice, count: 2)
    for (payload, condition) in [
      ("<set xmlns='http://jabber.org/protocol/rsm'><after>nope</after></set>", "item-not-found"),
      ("<set xmlns='http://jabber.org/protocol/rsm'><before>nope</before></set>", "item-not-found"),
      ("<x xmlns='jabber:x:data' type='submit'><field var='after-id'><value>nope</value></field></x>", "item-not-found"),
      ("<x xmlns='jabber:x:data' type='submit'><field var='start'><value>yesterday</value></field></x>", "bad-request"),
      ("<x xmlns='jabber:x:data' type='submit'><field var='colour'><value>red</value></field></x>", "bad-request"),
      ("<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>urn:xmpp:mam:1</value></field></x>", "bad-request"),
      ("<set xmlns='http://jabber.org/protocol/rsm'><max>-1</max></set>", "bad-request"),
    ] {
      network.send(bob, "<iq type='set' id='q'><query xmlns='urn:xmpp:mam:2'>" + payload + "</query></iq>")
      let reply = try XCTUnwrap(stanzas(network.take(bob)).last)
      XCTAssertEqual(reply.attribute("type"), "error", payload)
      XCTAssertNotNil(reply.child("error")?.child(condition), payload)
    }
  }

  func testAPageHoldsAtMostAHundred() throws {
    let (network, alice, bob) = online()
    exchange(network, from: alice, count: 120)
    let answer = try query(
      network, bob, "<query xmlns='urn:xmpp:mam:2'><set xmlns='http://jabber.org/protocol/rsm'><max>1000</max></set></query>")
    XCTAssertEqual(answer.bodies.count, 100)
    XCTAssertEqual(answer.fin.attribute("complete"), "false")
  }

  func testChatStatesErrorsAndNoStoreHintsAreNotArchived() throws {
    let (network, alice, bob) = online()
    network.send(alice, "<message to='bob@home.lan' type='chat'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>")
    network.send(alice, "<message to='bob@home.lan' type='chat'><body>secret</body><no-store xmlns='urn:xmpp:hints'/></message>")
    network.send(alice, "<message to='bob@home.lan' type='chat'><body>gone</body><no-permanent-store xmlns='urn:xmpp:hints'/></message>")
    network.send(alice, "<message to='bob@home.lan' type='error'><body>oops</body></message>")
    network.send(alice, "<message to='bob@home.lan' type='headline'><body>news</body></message>")
    let delivered = stanzas(network.take(bob))
    XCTAssertTrue(delivered.allSatisfy { $0.child("stanza-id") == nil })
    XCTAssertEqual(network.backend.archived.count, 0)
  }

  func testAStanzaIDAClientForgedForOurDomainIsRemoved() throws {
    let (network, alice, bob) = online()
    network.send(
      alice,
      "<message to='bob@home.lan' type='chat'><body>hi</body><stanza-id xmlns='urn:xmpp:sid:0' by='bob@home.lan' id='forged'/>"
        + "<stanza-id xmlns='urn:xmpp:sid:0' by='other.example' id='theirs'/></message>")
    let delivered = try XCTUnwrap(stanzas(network.take(bob)).first)
    let ids = delivered.elements.filter { $0.name == "stanza-id" }.map { $0.attribute("id") ?? "" }
    XCTAssertEqual(ids.count, 2)
    XCTAssertFalse(ids.contains("forged"))
    XCTAssertTrue(ids.contains("theirs"))
    XCTAssertEqual(network.backend.archived.map(\.entry.id), [ids.last])
    XCTAssertFalse(network.backend.archived[0].entry.stanza.contains("forged"))
  }

  func testAMessageStoredOfflineIsArchivedOnceWithItsStanzaID() throws {
    let network = SessionNetwork(users: users)
    let alice = network.login("alice", "a")
    network.send(alice, "<message to='bob@home.lan' type='chat'><body>later</body></message>")
    XCTAssertEqual(network.backend.archived.count, 1)
    let bob = network.login("bob", "b")
    let delivered = try XCTUnwrap(stanzas(network.take(bob)).first { $0.name == "message" })
    XCTAssertEqual(
      delivered.child("stanza-id", namespace: StanzaNamespace.stanzaID)?.attribute("id"), network.backend.archived[0].entry.id)
    XCTAssertEqual(network.backend.archived.count, 1)
  }

  func testNothingIsArchivedWhenRetentionIsZero() throws {
    let network = SessionNetwork(users: users)
    network.backend.archiveDays = 0
    let bob = network.login("bob", "b")
    let alice = network.login("alice", "a")
    _ = network.take(bob)
    network.send(alice, "<message to='bob@home.lan' type='chat'><body>hello</body></message>")
    XCTAssertNil(stanzas(network.take(bob)).first?.child("stanza-id"))
    XCTAssertEqual(network.backend.archived.count, 0)
    network.send(bob, "<iq type='get' id='d' to='bob@home.lan'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>")
    XCTAssertFalse(network.take(bob).contains("urn:xmpp:mam:2"))
  }

  func testAccountDiscoAdvertisesMAMAndStanzaIDs() throws {
    let (network, _, bob) = online()
    network.send(bob, "<iq type='get' id='d' to='bob@home.lan'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>")
    let features = try XCTUnwrap(stanzas(network.take(bob)).first?.child("query")).elements.compactMap {
      $0.attribute("var")
    }
    for feature in ["urn:xmpp:mam:2", "urn:xmpp:mam:2#extended", "urn:xmpp:sid:0"] {
      XCTAssertTrue(features.contains(feature), feature)
    }
  }

  func testQueryFormListsTheFilters() throws {
    let (network, _, bob) = online()
    network.send(bob, "<iq type='get' id='f'><query xmlns='urn:xmpp:mam:2'/></iq>")
    let form = try XCTUnwrap(stanzas(network.take(bob)).first?.child("query")?.child("x", namespace: "jabber:x:data"))
    XCTAssertEqual(
      form.elements.compactMap { $0.attribute("var") }, ["FORM_TYPE", "with", "start", "end", "before-id", "after-id", "ids"])
  }

  func testPreferencesNeverKeepsTheUsersSideOutOfTheArchive() throws {
    let (network, alice, bob) = online()
    network.send(bob, "<iq type='set' id='p'><prefs xmlns='urn:xmpp:mam:2' default='never'/></iq>")
    XCTAssertEqual(stanzas(network.take(bob)).first?.child("prefs")?.attribute("default"), "never")
    network.send(bob, "<iq type='get' id='p'><prefs xmlns='urn:xmpp:mam:2'/></iq>")
    XCTAssertEqual(stanzas(network.take(bob)).first?.child("prefs")?.attribute("default"), "never")
    exchange(network, from: alice, count: 2)
    _ = network.take(bob)
    XCTAssertEqual(try query(network, bob, "<query xmlns='urn:xmpp:mam:2'/>").bodies, [])
    XCTAssertEqual(try query(network, alice, "<query xmlns='urn:xmpp:mam:2'/>").bodies, ["m0", "m1"])
    network.send(bob, "<iq type='set' id='p'><prefs xmlns='urn:xmpp:mam:2' default='sometimes'/></iq>")
    XCTAssertNotNil(stanzas(network.take(bob)).first?.child("error")?.child("bad-request"))
  }

  func testMetadataNamesTheFirstAndLastMessage() throws {
    let (network, alice, bob) = online()
    network.send(bob, "<iq type='get' id='m'><metadata xmlns='urn:xmpp:mam:2'/></iq>")
    XCTAssertEqual(stanzas(network.take(bob)).first?.child("metadata")?.elements.count, 0)
    exchange(network, from: alice, count: 3)
    let all = try query(network, bob, "<query xmlns='urn:xmpp:mam:2'/>")
    network.send(bob, "<iq type='get' id='m'><metadata xmlns='urn:xmpp:mam:2'/></iq>")
    let metadata = try XCTUnwrap(stanzas(network.take(bob)).first?.child("metadata", namespace: StanzaNamespace.mam))
    XCTAssertEqual(metadata.child("start")?.attribute("id"), all.ids.first)
    XCTAssertEqual(metadata.child("end")?.attribute("id"), all.ids.last)
    XCTAssertEqual(metadata.child("end")?.attribute("timestamp"), "2025-11-28T00:00:02.000Z")
  }

  func testAnotherUsersArchiveIsNotAnswered() throws {
    let (network, alice, bob) = online()
    exchange(network, from: alice, count: 1)
    network.send(bob, "<iq type='set' id='q' to='alice@home.lan'><query xmlns='urn:xmpp:mam:2'/></iq>")
    let reply = try XCTUnwrap(stanzas(network.take(bob)).last)
    XCTAssertEqual(reply.attribute("type"), "error")
  }

  func testTimestampsParseWithZonesAndFractions() {
    XCTAssertEqual(XEP0082Time.parse("2025-11-28T00:00:00Z"), 1_764_288_000_000)
    XCTAssertEqual(XEP0082Time.parse("2025-11-28T01:30:00.5+01:30"), 1_764_288_000_500)
    XCTAssertEqual(XEP0082Time.parse("2025-11-27T23:00:00.123456-01:00"), 1_764_288_000_123)
    for bad in ["2025-11-28", "2025-11-28T00:00:00", "2025-13-01T00:00:00Z", "2025-11-28T00:00:00.Z", "x"] {
      XCTAssertNil(XEP0082Time.parse(bad), bad)
    }
    XCTAssertEqual(XEP0082Time.format(milliseconds: 1_764_288_000_042), "2025-11-28T00:00:00.042Z")
  }
}
