import Foundation
import Synchronization
import XCTest

@testable import Store

final class MigrationTests: StoreTestCase {
  /// Rows written with the raw SQL of each schema version, and what the current store must make
  /// of them.
  let samples: [(version: Int, sql: String, check: (Store) throws -> Void)] = [
    (
      version: 1,
      sql: """
      INSERT INTO dns_hosts (name, address, family) VALUES ('slug.home', '192.168.0.1', 4);
      INSERT INTO dns_hosts (name, address, family) VALUES ('nas.home', '192.168.0.1', 4);
      INSERT INTO dhcp_interfaces (name) VALUES ('eth0');
      INSERT INTO dhcp_settings (interface, keyword, value_text, position)
        VALUES ('eth0', 'routers', '192.168.0.1 192.168.0.2', 1);
      INSERT INTO static_leases (id, mac, client_id, address, hostname, interface)
        VALUES (1, '00:0d:fe:23:79:e0', '01000dfe2379e0', '192.168.0.3', 'printer', NULL);
      INSERT INTO static_lease_settings (lease, keyword, value_text, position)
        VALUES (1, 'filename', 'pxelinux.0', 1);
      INSERT INTO leases (interface, address, mac, client_id, hostname, start, expiry)
        VALUES ('eth0', '192.168.0.100', 'aa:bb:cc:dd:ee:ff', NULL, 'laptop', 1000, 4600);
      """,
      check: { store in
        XCTAssertEqual(try store.dnsName(of: ip("192.168.0.1"))?.text, "slug.home")
        XCTAssertEqual(try store.dnsHosts().count, 2)
        XCTAssertEqual(
          try store.dhcpInterfaces(),
          [
            DHCPInterface(
              name: "eth0",
              settings: [DHCPSetting(keyword: "routers", values: ["192.168.0.1", "192.168.0.2"])])
          ])
        XCTAssertEqual(
          try store.staticLeases(),
          [
            StaticLease(
              mac: mac("00:0d:fe:23:79:e0"), clientID: [1, 0, 0x0d, 0xfe, 0x23, 0x79, 0xe0],
              address: ipv4("192.168.0.3"), hostname: host("printer"),
              settings: [DHCPSetting(keyword: "filename", values: ["pxelinux.0"])])
          ])
        // Leases from before lease states were all acknowledged ones (later samples add more).
        XCTAssertEqual(
          try store.leases().filter { $0.address == ipv4("192.168.0.100") },
          [
            Lease(
              interface: "eth0", address: ipv4("192.168.0.100"), mac: mac("aa:bb:cc:dd:ee:ff"),
              hostname: host("laptop"), start: 1000, expiry: 4600, state: .active)
          ])
      }
    ),
    (
      version: 2,
      sql: """
      INSERT INTO leases (interface, address, mac, start, expiry, state)
        VALUES ('eth0', '192.168.0.101', 'aa:bb:cc:dd:ee:01', 1000, 1060, 'offered');
      INSERT INTO torrents (id, name, metainfo, state, position, added, download_rate)
        VALUES (7, 'ubuntu', X'6465', 'running', 1, 100, 5120);
      """,
      check: { store in
        XCTAssertEqual(try store.leases().last?.state, .offered)
        let torrent = try XCTUnwrap(try store.torrent(id: 7))
        XCTAssertEqual(torrent.metainfo, [0x64, 0x65])
        XCTAssertEqual(torrent.state, .running)
        XCTAssertEqual(torrent.status.downloadRate, 5120)
        // Torrents from before pids were recorded have none.
        XCTAssertEqual(try store.torrentProcess(id: 7), nil)
      }
    ),
    (
      version: 3,
      sql: """
      INSERT INTO jabber_offline (recipient, stanza, stored)
        VALUES ('ALICE', '<message to="alice@slug"><body>hi</body></message>', 1700000000);
      INSERT INTO jabber_vcards (name, vcard) VALUES ('alice', '<vCard xmlns="vcard-temp"><FN>Alice</FN></vCard>');
      """,
      check: { store in
        XCTAssertEqual(
          try store.offlineMessages(for: "alice").map { "\($0.stanza) \($0.stored)" },
          ["<message to=\"alice@slug\"><body>hi</body></message> 1700000000"])
        XCTAssertEqual(try store.vCard(of: "Alice"), "<vCard xmlns=\"vcard-temp\"><FN>Alice</FN></vCard>")
      }
    ),
    (
      version: 4,
      sql: """
      INSERT INTO settings (key, value) VALUES ('torrent_max_active', '3');
      INSERT INTO torrents (id, name, metainfo, state, position, added, pid)
        VALUES (8, 'debian', X'6466', 'running', 2, 100, 4242);
      """,
      check: { store in
        XCTAssertEqual(try store.integerSetting(SettingKey.torrentMaxActive), 3)
        // No start time then: any live process with the pid counts as its ctorrent.
        XCTAssertEqual(try store.torrentProcess(id: 8), ProcessMark(pid: 4242, started: nil))
      }
    ),
    (
      version: 5,
      sql: """
      INSERT INTO torrents (id, name, metainfo, state, position, added, total_bytes, piece_length)
        VALUES (9, 'ubuntu', X'6467', 'running', 3, 100, 3000000, 262144);
      INSERT INTO torrent_files VALUES (9, 1, 0, 12, 3, 12, 3000000, 'ubuntu.iso');
      INSERT INTO torrent_peers VALUES (9, '-CD0302-X', '127.0.0.2:6881', 'UiUn', 1000, 20, 5000, 100, 3);
      INSERT INTO torrent_options VALUES (9, 'pause', 'B', '0', '0', 'Pause', 'Stop transfers');
      """,
      check: { store in
        XCTAssertEqual(
          try store.torrentFiles(id: 9),
          [TorrentFile(number: 1, priority: 0, pieces: 12, piecesHave: 3, piecesAvailable: 12, size: 3_000_000, name: "ubuntu.iso")])
        XCTAssertEqual(try store.torrentPeers(id: 9).map(\.flags), ["UiUn"])
        XCTAssertEqual(try store.torrentOptions(id: 9).map(\.help), ["Stop transfers"])
      }
    ),
    (
      version: 6,
      sql: """
      INSERT INTO torrents (id, name, metainfo, state, position, added, server_pid)
        VALUES (10, 'debian', X'6468', 'paused', 4, 100, 4242);
      """,
      check: { store in
        XCTAssertEqual(try store.torrentServer(id: 10), ProcessMark(pid: 4242, started: nil))
        XCTAssertEqual(try store.torrent(id: 10)?.state, .paused)
      }
    ),
    (
      version: 7,
      sql: """
      INSERT INTO torrents (id, name, metainfo, state, position, added, pid, pid_started, server_pid, server_pid_started)
        VALUES (11, 'arch', X'6469', 'running', 5, 100, 4343, 12345, 4444, 12346);
      """,
      check: { store in
        XCTAssertEqual(try store.torrentProcess(id: 11), ProcessMark(pid: 4343, started: 12345))
        XCTAssertEqual(try store.torrentServer(id: 11), ProcessMark(pid: 4444, started: 12346))
      }
    ),
    (
      // Plaintext users of earlier versions: testPlaintextJabberUsersAreHashedByTheMigration.
      version: 8,
      sql: """
      INSERT INTO jabber_accounts (name, sha1_salt, sha1_iterations, sha1_stored_key, sha1_server_key,
          sha256_salt, sha256_iterations, sha256_stored_key, sha256_server_key, legacy_password)
        VALUES ('carol', X'01', 4096, X'02', X'03', X'04', 5000, X'05', X'06', NULL);
      INSERT INTO login_failures (address, failures, next_allowed, last_failure) VALUES ('192.0.2.9', 2, 5000, 3000);
      """,
      check: { store in
        XCTAssertEqual(
          try store.jabberAccount(named: "Carol"),
          JabberAccount(
            name: "carol", sha1: JabberCredential(salt: [1], iterations: 4096, storedKey: [2], serverKey: [3]),
            sha256: JabberCredential(salt: [4], iterations: 5000, storedKey: [5], serverKey: [6])))
        XCTAssertEqual(try store.loginDelay(address: "192.0.2.9", now: 4000), 1000)
      }
    ),
    (
      version: 9,
      sql: "INSERT INTO dns_blocks (name) VALUES ('ads.example');",
      check: { store in XCTAssertEqual(try store.dnsBlocks(), ["ads.example"]) }
    ),
    (
      version: 10,
      sql: """
      INSERT INTO jabber_streams (id, name, resource, attached, acked, handled, state)
        VALUES ('s1', 'carol', 'phone', 1000, 7, 3, '- p');
      INSERT INTO jabber_stream_queue (stream, stanza, offline) VALUES ('s1', '<message/>', 1);
      """,
      check: { store in
        XCTAssertEqual(
          try store.jabberStream(id: "s1"),
          JabberStream(id: "s1", name: "carol", resource: "phone", attached: 1000, acked: 7, handled: 3, state: "- p"))
        XCTAssertEqual(try store.jabberStreamQueue("s1", after: 0).map(\.stanza), ["<message/>"])
      }
    ),
    (
      version: 11,
      sql: """
      INSERT INTO jabber_archive (uid, stamp, sender, sender_resource, recipient, sender_keeps, recipient_keeps, stanza)
        VALUES ('a1', 5000, 'carol', 'desk', 'dave', 1, 1, '<message/>');
      """,
      check: { store in
        XCTAssertEqual(
          try store.jabberArchive(JabberArchiveQuery(owner: "dave", limit: 1), now: 6000).messages.map(\.uid), ["a1"])
      }
    ),
    (
      version: 12,
      sql: """
      INSERT INTO jabber_pep_nodes (owner, node, access_model, persist_items, max_items, send_last_published_item,
          notify_retract)
        VALUES ('carol', 'urn:xmpp:avatar:metadata', 'open', 1, 1, 'on_sub_and_presence', 1);
      INSERT INTO jabber_pep_items (owner, node, item, payload, published, position)
        VALUES ('carol', 'urn:xmpp:avatar:metadata', 'abc', '<metadata xmlns=''urn:xmpp:avatar:metadata''/>', 100, 1);
      INSERT INTO jabber_private (owner, namespace, element) VALUES ('carol', 'storage:bookmarks', '<storage/>');
      INSERT INTO jabber_caps (ver, features, stored) VALUES ('v=', 'a+notify', 100);
      """,
      check: { store in
        XCTAssertEqual(try store.pepItems(owner: "carol", node: "urn:xmpp:avatar:metadata").map { $0.id }, ["abc"])
        XCTAssertEqual(try store.privateXML(owner: "carol", namespace: "storage:bookmarks"), "<storage/>")
        XCTAssertEqual(try store.capsFeatures(ver: "v="), ["a+notify"])
      }
    ),
    (
      version: 13,
      sql: """
      INSERT INTO jabber_rooms (name, title, members_only, creator, created) VALUES ('staff', 'Staff', 1, 'carol', 5);
      INSERT INTO jabber_room_affiliations (room, name, affiliation) VALUES ('staff', 'carol', 'owner');
      """,
      check: { store in
        XCTAssertEqual(try store.jabberRoom(named: "staff")?.affiliation(of: "carol"), .owner)
        XCTAssertEqual(try store.jabberRoom(named: "everyone")?.standing, true)
      }
    ),
    (
      version: 14,
      sql: """
      INSERT INTO jabber_uploads (id, name, file_name, size, content_type, created, expiry)
        VALUES ('00112233445566778899aabbccddeeff', 'carol', 'a.jpg', 10, 'image/jpeg', 5, 4102444800);
      """,
      check: { store in
        XCTAssertEqual(try store.jabberUploads(of: "carol").map { $0.fileName }, ["a.jpg"])
      }
    ),
    (
      version: 15,
      sql: """
      INSERT INTO jabber_archive (uid, stamp, sender, sender_resource, room, nick, sender_keeps, recipient_keeps, stanza)
        VALUES ('r1', 9000, 'carol', 'desk', 'everyone', 'Carol', 1, 1, '<message xmlns=''jabber:client''/>');
      """,
      check: { store in
        XCTAssertEqual(try store.jabberRoomHistory(room: "everyone", limit: 20, now: 10_000).map { $0.nick }, ["Carol"])
      }
    ),
    (
      version: 16,
      sql: "INSERT INTO jabber_blocks (name, jid) VALUES ('carol', 'spam.example');",
      check: { store in XCTAssertEqual(try store.blockedJIDs(of: "carol"), ["spam.example"]) }
    ),
  ]

  func testEverySchemaVersionHasSampleRows() {
    XCTAssertEqual(samples.map(\.version), Array(1...Store.schemaVersion))
  }

  func testAFileAtEveryEarlierVersionMigratesWithItsDataIntact() throws {
    for version in 0..<Store.schemaVersion {
      let path = directory + "/v\(version).db"
      do {
        let old = try Store(path: path, migratingTo: version)
        XCTAssertEqual(try old.userVersion(), version)
        for sample in samples where sample.version <= version {
          try old.database.execute(sample.sql)
        }
      }
      let store = try Store(path: path, hashingPasswords: { testAccount($0) })
      XCTAssertEqual(try store.userVersion(), Store.schemaVersion, "from version \(version)")
      for sample in samples where sample.version <= version {
        try sample.check(store)
      }
      // The migrated file takes every later version's rows, so its schema is the current one.
      for sample in samples where sample.version > version {
        try store.database.execute(sample.sql)
      }
      XCTAssertEqual(
        try schema(of: store), try schema(of: Store(path: directory + "/fresh\(version).db")),
        "from version \(version)")
    }
  }

  func testConnectionsOpeningANewFileAtOnceMigrateItOnce() throws {
    let path = databasePath
    let failures = Mutex<[String]>([])
    DispatchQueue.concurrentPerform(iterations: 4) { index in
      do {
        try Store(path: path).addJabberUser(JabberUser(name: "user\(index)", password: "pw"))
      } catch {
        failures.withLock { $0.append("\(error)") }
      }
    }
    XCTAssertEqual(failures.withLock { $0 }, [])
    let store = try openStore()
    XCTAssertEqual(try store.userVersion(), Store.schemaVersion)
    XCTAssertEqual(try store.jabberUsers().count, 4)
  }

  func testOpeningACurrentFileAgainChangesNothing() throws {
    _ = try openStore()
    try openStore().addJabberUser(JabberUser(name: "alice", password: "pw"))
    let store = try openStore()
    XCTAssertEqual(try store.userVersion(), Store.schemaVersion)
    XCTAssertEqual(try store.jabberUsers().map(\.name), ["alice"])
  }

  private func schema(of store: Store) throws -> [String] {
    try store.database.rows("SELECT type || ' ' || name || ': ' || sql FROM sqlite_master ORDER BY name") {
      $0.text(0)
    }
  }
}
