import Foundation
import Glibc
import Runtime
import Store
import TestSupport
import XCTest

/// torrents.cgi's detail page (`?torrent=ID`) and its remove control, through in.www under a
/// real openbsd-inetd (TorrentWeb), with curl; the store is filled through the Store API as
/// in.ctcs fills it from ctorrent's blocks.
final class CTCSWebDetailTests: XCTestCase {
  func testTheDetailPageShowsFilesPeersAndOptionsEscapedAndRefreshesItself() throws {
    let web = try TorrentWeb()
    addTeardownBlock { web.stop() }
    let store = try Store(path: web.database)
    let torrent = try store.addTorrent(name: "<b>dist</b> & co", metainfo: Array("d4:infod4:name1:dee".utf8), now: 1_700_000_000)
    try store.setTorrentState(id: torrent.id, .seeding)
    var status = TorrentStatus()
    status.peerID = "-CD0302-<x>"
    status.lastMessage = "3 <img src=x onerror=alert(1)>"
    status.piecesTotal = 12
    status.piecesHave = 12
    status.piecesAvailable = 12
    status.uploadRate = 2048
    status.uploadLimit = 10240
    status.uploaded = 3 * 1024 * 1024
    try store.updateTorrentStatus(id: torrent.id, status)
    let files = [
      TorrentFile(number: 1, priority: 0, pieces: 10, piecesHave: 10, piecesAvailable: 10, size: 2_621_440, name: "dist/<script>a.iso"),
      TorrentFile(number: 2, priority: 2, pieces: 2, piecesHave: 1, piecesAvailable: 2, size: 1536, name: "dist/\"quoted\" & 'single'.txt"),
    ]
    try store.replaceTorrentFiles(
      id: torrent.id, totalBytes: 2_622_976, pieceLength: 262_144, seedingSince: 1_700_000_060, files: files)
    try store.replaceTorrentPeers(
      id: torrent.id,
      [
        TorrentPeer(
          peerID: "-XX0001-<evil>", address: "127.0.0.2:6881", flags: "UiC<", downloadRate: 0, uploadRate: 5120,
          downloaded: 0, uploaded: 1_048_576, piecesHave: 4)
      ])
    try store.replaceTorrentOptions(
      id: torrent.id,
      [
        TorrentOption(name: "seed_time", kind: "F", range: "0", value: "72<", summary: "Seed <time>", help: "Hours \"left\""),
        TorrentOption(name: "pause", kind: "B", range: "0", value: "0", summary: "Pause", help: "Stop"),
      ])

    let list = try web.server.curl(web.server.url("/torrents.cgi"))
    XCTAssertTrue(list.contains("<a href=\"/torrents.cgi?torrent=\(torrent.id)\">&lt;b&gt;dist&lt;/b&gt; &amp; co</a>"), list)

    let page = try web.server.curl("-i", web.server.url("/torrents.cgi?torrent=\(torrent.id)"))
    XCTAssertTrue(page.hasPrefix("HTTP/1.1 200"), page)
    XCTAssertTrue(page.contains("<meta http-equiv=\"refresh\" content=\"10; url=/torrents.cgi?torrent=\(torrent.id)\">"), page)
    for shown in [
      "<td id=\"name\">&lt;b&gt;dist&lt;/b&gt; &amp; co</td>",
      "<td id=\"state\">seeding</td>",
      "<td id=\"progress\">100.0% (12 of 12 pieces, 12 available from peers)</td>",
      "<td id=\"size\">2.5 MB in pieces of 256.0 KB</td>",
      "<td id=\"seeding\">Tue, 14 Nov 2023 22:14:20 GMT</td>",
      "<td id=\"down\">0.0 KB/s (no limit), 0 B so far</td>",
      "<td id=\"up\">2.0 KB/s of 10.0 KB/s, 3.0 MB so far</td>",
      "<td id=\"client\">-CD0302-&lt;x&gt;, cache 0 KB</td>",
      "<td id=\"message\">3 &lt;img src=x onerror=alert(1)&gt;</td>",
      // The files by number, with their progress and the -n priority group.
      "<td class=\"name\">dist/&lt;script&gt;a.iso</td><td class=\"number\">2.5 MB</td>",
      "100.0% (10/10)</td><td>-</td>",
      "<td class=\"name\">dist/&quot;quoted&quot; &amp; &#39;single&#39;.txt</td><td class=\"number\">1.5 KB</td>",
      "50.0% (1/2)</td><td>2</td>",
      "<td class=\"address\">127.0.0.2:6881</td><td>-XX0001-&lt;evil&gt;</td>",
      "<code>UiC&lt;</code>",
      "<td class=\"number\">5.0 KB/s</td><td class=\"number\">0 B</td><td class=\"number\">1.0 MB</td><td class=\"number\">4</td>",
      "<td>seed_time</td><td class=\"value\">72&lt;</td><td title=\"Hours &quot;left&quot;\">Seed &lt;time&gt;</td>",
    ] {
      XCTAssertTrue(page.contains(shown), "missing \(shown) in:\n\(page)")
    }
    for raw in ["<script>", "<evil>", "<img", "<x>", "<time>", "\"quoted\""] {
      XCTAssertFalse(page.contains(raw), "\(raw) unescaped in:\n\(page)")
    }
    XCTAssertLessThan(
      try XCTUnwrap(page.range(of: "<td>pause</td>")).lowerBound, try XCTUnwrap(page.range(of: "<td>seed_time</td>")).lowerBound,
      "the options by name")
    XCTAssertNotNil(TorrentWeb.token(in: page, action: "rm", id: torrent.id), page)
    XCTAssertNotNil(TorrentWeb.token(in: page, action: "update", id: torrent.id), page)

    for missing in ["\(torrent.id + 1)", "x", ""] {
      let answer = try web.server.curl("-i", web.server.url("/torrents.cgi?torrent=\(missing)"))
      XCTAssertTrue(answer.hasPrefix("HTTP/1.1 404") && answer.contains("no such torrent"), answer)
    }
    let quiet = try web.server.curl(web.server.url("/torrents.cgi?torrent=\(try store.addTorrent(name: "new", metainfo: Array("d4:infod4:name1:nee".utf8), now: 1).id)"))
    for placeholder in ["id=\"no-files\"", "id=\"no-peers\"", "id=\"no-options\"", "<td id=\"size\">not reported yet</td>"] {
      XCTAssertTrue(quiet.contains(placeholder), "missing \(placeholder) in:\n\(quiet)")
    }
  }

  func testTheDetailPagesFormsSetAllFourBoundsAndComeBackToIt() throws {
    let web = try TorrentWeb()
    addTeardownBlock { web.stop() }
    let store = try Store(path: web.database)
    let torrent = try store.addTorrent(name: "bounded", metainfo: Array("d4:infod4:name1:bee".utf8), now: 1)
    let mesh = try web.meshMember()
    let page = try web.server.curl(web.server.url("/torrents.cgi?torrent=\(torrent.id)"))
    let limit = try XCTUnwrap(TorrentWeb.token(in: page, action: "limit", id: torrent.id), page)
    let limited = try web.post([
      "action=limit", "id=\(torrent.id)", "token=\(limit)", "view=detail", "min_down=10", "max_down=200", "min_up=5", "max_up=",
    ])
    XCTAssertTrue(limited.hasPrefix("HTTP/1.1 303"), limited)
    XCTAssertTrue(limited.contains("Location: /torrents.cgi?sent=limit&id=\(torrent.id)&torrent=\(torrent.id)"), limited)
    var stored = try XCTUnwrap(store.torrent(id: torrent.id))
    XCTAssertEqual([stored.minDownloadRate, stored.maxDownloadRate, stored.minUploadRate, stored.maxUploadRate], [10240, 204_800, 5120, nil])
    XCTAssertEqual(TorrentWeb.messages(mesh, milliseconds: 2000, until: 1), ["\(torrent.id) rebalance"])
    let shown = try web.server.curl(web.server.url("/torrents.cgi?sent=limit&id=\(torrent.id)&torrent=\(torrent.id)"))
    XCTAssertTrue(shown.contains("Torrent \(torrent.id)&#39;s limits were changed.") && shown.contains("id=\"summary\""), shown)
    XCTAssertTrue(shown.contains("name=\"min_down\" value=\"10\"") && shown.contains("name=\"min_up\" value=\"5\""), shown)

    // The list's form carries the maximums only: the minimums stay; a bad minimum is refused.
    XCTAssertEqual(try web.post(["action=limit", "id=\(torrent.id)", "token=\(limit)", "max_down=", "max_up=7"]).prefix(12), "HTTP/1.1 303")
    stored = try XCTUnwrap(store.torrent(id: torrent.id))
    XCTAssertEqual([stored.minDownloadRate, stored.maxDownloadRate, stored.minUploadRate, stored.maxUploadRate], [10240, nil, 5120, 7168])
    XCTAssertEqual(
      try web.post(["action=limit", "id=\(torrent.id)", "token=\(limit)", "min_down=-1", "max_down=", "max_up="]).prefix(12), "HTTP/1.1 400")
    XCTAssertEqual(try store.torrent(id: torrent.id), stored, "a refused form changes nothing")

    let update = try XCTUnwrap(TorrentWeb.token(in: page, action: "update", id: torrent.id), page)
    let updated = try web.post(["action=update", "id=\(torrent.id)", "token=\(update)", "view=detail"])
    XCTAssertTrue(updated.contains("Location: /torrents.cgi?sent=update&id=\(torrent.id)&torrent=\(torrent.id)"), updated)
  }

  func testRemoveNeedsItsOwnTokenAndAConfirmationThenLeavesTheStoreAndQuitsItsClient() throws {
    let web = try TorrentWeb()
    addTeardownBlock { web.stop() }
    let store = try Store(path: web.database)
    let torrent = try store.addTorrent(name: "doomed <u>one</u>", metainfo: Array("d4:infod4:name1:ree".utf8), now: 1)
    let kept = try store.addTorrent(name: "kept", metainfo: Array("d4:infod4:name1:kee".utf8), now: 1)
    try store.replaceTorrentPeers(
      id: torrent.id,
      [TorrentPeer(peerID: "-CD0302-P", address: "127.0.0.2:1", flags: "UiUi", downloadRate: 1, uploadRate: 1, downloaded: 1, uploaded: 1, piecesHave: 1)])
    let mesh = try web.meshMember()
    let page = try web.server.curl(web.server.url("/torrents.cgi?torrent=\(torrent.id)"))
    let remove = try XCTUnwrap(TorrentWeb.token(in: page, action: "rm", id: torrent.id), page)
    let pause = try XCTUnwrap(TorrentWeb.token(in: page, action: "pause", id: torrent.id), page)
    let keptPage = try web.server.curl(web.server.url("/torrents.cgi?torrent=\(kept.id)"))
    let removeKept = try XCTUnwrap(TorrentWeb.token(in: keptPage, action: "rm", id: kept.id), keptPage)

    for refused in [
      ["action=rm", "id=\(torrent.id)", "confirm=yes"],
      ["action=rm", "id=\(torrent.id)", "token=\(pause)", "confirm=yes"],
      ["action=rm", "id=\(torrent.id)", "token=\(removeKept)", "confirm=yes"],
      ["action=rm", "id=\(torrent.id)", "token=\(remove.prefix(63))", "confirm=yes"],
    ] {
      let answer = try web.post(refused)
      XCTAssertTrue(answer.hasPrefix("HTTP/1.1 403"), "\(refused): \(answer)")
    }
    XCTAssertEqual(try store.torrents().map(\.id), [torrent.id, kept.id], "a refused form removes nothing")

    // The right token without the box ticked: a second page asks, and nothing happens yet.
    let question = try web.post(["action=rm", "id=\(torrent.id)", "token=\(remove)"])
    XCTAssertTrue(question.hasPrefix("HTTP/1.1 200"), question)
    XCTAssertTrue(question.contains("Remove torrent \(torrent.id), doomed &lt;u&gt;one&lt;/u&gt;, from the queue?"), question)
    XCTAssertTrue(question.contains("<input type=\"hidden\" name=\"confirm\" value=\"yes\">"), question)
    XCTAssertTrue(question.contains("<a href=\"/torrents.cgi?torrent=\(torrent.id)\">Keep it</a>"), question)
    XCTAssertEqual(try store.torrents().map(\.id), [torrent.id, kept.id])
    XCTAssertEqual(TorrentWeb.messages(mesh, milliseconds: 300), [], "nothing sent before the confirmation")

    let confirm = try XCTUnwrap(TorrentWeb.token(in: question, action: "rm", id: torrent.id), question)
    let removed = try web.post(["action=rm", "id=\(torrent.id)", "token=\(confirm)", "confirm=yes"])
    XCTAssertTrue(removed.hasPrefix("HTTP/1.1 303"), removed)
    XCTAssertTrue(removed.contains("Location: /torrents.cgi?removed=\(torrent.id)"), removed)
    XCTAssertEqual(try store.torrents().map(\.id), [kept.id])
    XCTAssertNil(try store.torrentDetail(id: torrent.id))
    XCTAssertEqual(try store.torrentPeers(id: torrent.id), [], "its blocks went with it")
    XCTAssertEqual(TorrentWeb.messages(mesh, milliseconds: 2000, until: 1), ["\(torrent.id) quit"], "as slugctl torrent rm says it")

    let list = try web.server.curl(web.server.url("/torrents.cgi?removed=\(torrent.id)"))
    XCTAssertTrue(list.contains("Torrent \(torrent.id) was removed.") && !list.contains("doomed"), list)
    let again = try web.post(["action=rm", "id=\(torrent.id)", "token=\(remove)", "confirm=yes"])
    XCTAssertTrue(again.hasPrefix("HTTP/1.1 404"), again)
    let gone = try web.server.curl("-i", web.server.url("/torrents.cgi?torrent=\(torrent.id)"))
    XCTAssertTrue(gone.hasPrefix("HTTP/1.1 404"), gone)
  }

  func testARealCtorrentsFileAndOptionsShowOnItsDetailPageAndRemovingItThereQuitsIt() throws {
    let server = try CTCSServerUnderInetd(limits: ["64", "32"])
    addTeardownBlock { server.stop() }
    let web = try WebServerUnderInetd()
    addTeardownBlock { web.stop() }
    try "#!/bin/sh\nexec \(server.prefix)/sbin/in.ctcs --cgi --ctcs 127.0.0.1:\(server.port)\n".write(
      toFile: web.root + "/torrents.cgi", atomically: true, encoding: .utf8)
    chmod(web.root + "/torrents.cgi", 0o755)
    let id = try server.queueTorrent(size: 600_000, seed: 21)
    let saved = server.directory.path + "/web-detail.bin"
    let client = try server.ctorrent(torrent: server.queuedFile(id), saveAs: saved)
    addTeardownBlock { client.stop() }
    _ = try server.waitFor("ctorrent's file, options and the line's limits in the store") { store -> Torrent? in
      guard try !store.torrentFiles(id: id).isEmpty, try store.torrentOptions(id: id).contains(where: { $0.name == "pause" }),
        let torrent = try store.torrent(id: id), torrent.status.downloadLimit == 64 * 1024
      else { return nil }
      return torrent
    }

    let page = try web.curl(web.url("/torrents.cgi?torrent=\(id)"))
    for shown in [
      "<td id=\"state\">running</td>",
      "<td id=\"size\">585.9 KB in pieces of 256.0 KB</td>",
      "<td id=\"progress\">0.0% (0 of 3 pieces,",
      "of 64.0 KB/s, 0 B so far</td>",
      "<td class=\"name\">\(saved)</td><td class=\"number\">585.9 KB</td>",
      "<td>pause</td><td class=\"value\">0</td>",
      "<td id=\"client\">-CD0",
    ] {
      XCTAssertTrue(page.contains(shown), "missing \(shown) in:\n\(page)")
    }
    let remove = try XCTUnwrap(TorrentWeb.token(in: page, action: "rm", id: id), page)
    let removed = try web.curl("-i", "--data", "action=rm", "--data", "id=\(id)", "--data", "token=\(remove)", "--data", "confirm=yes", web.url("/torrents.cgi"))
    XCTAssertTrue(removed.hasPrefix("HTTP/1.1 303"), removed)
    XCTAssertTrue((0..<100).contains { _ in usleep(100_000); return !client.isRunning }, "ctorrent left after rm on the page")
    XCTAssertEqual(try server.store().torrents(), [])
  }
}

