import Crypto
import XCTest

@testable import XMPP

/// Slots as Store+JabberUploads.swift keeps them, signed as JabberDirectory+Uploads.swift signs.
struct MemoryUploads {
  /// nil: no upload service (no secret).
  var maximumSize: Int64? = 1000
  var quota: Int64 = 5000
  var granted: [SessionUploadRequest] = []
  var key: [UInt8] = Array("upload secret".utf8)
}

extension MemoryBackend {
  func uploadLimits() -> SessionUploadLimits? { uploadStore.maximumSize.map(SessionUploadLimits.init) }
  func grantUpload(_ request: SessionUploadRequest, now: Int64) -> SessionUploadGrant {
    let used = uploadStore.granted.filter { $0.user == request.user }.reduce(0) { $0 + $1.size }
    guard used + request.size <= uploadStore.quota else { return .quota }
    uploadStore.granted.append(request)
    let token = UploadToken(
      id: String(repeating: "a", count: 31) + String(uploadStore.granted.count % 10), expiry: now / 1000 + 86400,
      size: request.size, contentType: request.contentType, fileName: request.fileName)
    let url = "https://" + request.domain + token.path(key: uploadStore.key)
    return .slot(put: url, get: url)
  }
}

/// XEP-0363 as a session answers it: the service in disco, slots, and each refusal the XEP
/// names, all answered, never a closed stream.
final class SessionUploadTests: XCTestCase {
  let users = [("alice", "a"), ("bob", "b")]

  func request(_ network: SessionNetwork, _ index: Int, _ attributes: String, id: String = "u1") -> XMLElement? {
    network.send(
      index, "<iq type='get' id='\(id)' to='upload.home.lan'><request xmlns='urn:xmpp:http:upload:0' \(attributes)/></iq>")
    return stanzas(network.take(index)).first { $0.attribute("id") == id }
  }

  func condition(_ reply: XMLElement?) -> String? {
    reply?.child("error")?.elements.first { $0.namespace == "urn:ietf:params:xml:ns:xmpp-stanzas" && $0.name != "text" }?.name
  }

  func testTheServerListsTheUploadServiceWithItsLargestFile() {
    let network = SessionNetwork(users: users)
    let alice = network.login("alice", "a")
    _ = network.take(alice)
    network.send(alice, "<iq type='get' id='i1' to='home.lan'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>")
    let items = network.take(alice)
    XCTAssertTrue(items.contains("<item jid='upload.home.lan' name='HTTP File Upload'/>"), items)
    XCTAssertTrue(items.contains("<item jid='conference.home.lan' name='Rooms'/>"), items)
    network.send(alice, "<iq type='get' id='i2' to='upload.home.lan'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>")
    let info = stanzas(network.take(alice))[0]
    let query = info.child("query")
    XCTAssertEqual(query?.child("identity")?.attribute("category"), "store")
    XCTAssertEqual(query?.child("identity")?.attribute("type"), "file")
    XCTAssertTrue(query?.elements.contains { $0.name == "feature" && $0.attribute("var") == "urn:xmpp:http:upload:0" } ?? false)
    let fields = query?.child("x", namespace: "jabber:x:data")?.elements ?? []
    XCTAssertEqual(fields.first { $0.attribute("var") == "FORM_TYPE" }?.child("value")?.text, "urn:xmpp:http:upload:0")
    XCTAssertEqual(fields.first { $0.attribute("var") == "max-file-size" }?.child("value")?.text, "1000")
  }

  func testWithoutAnUploadSecretNoServiceIsListedAndRequestsAreUnavailable() {
    let network = SessionNetwork(users: users)
    network.backend.uploadStore.maximumSize = nil
    let alice = network.login("alice", "a")
    _ = network.take(alice)
    network.send(alice, "<iq type='get' id='i1' to='home.lan'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>")
    XCTAssertFalse(network.take(alice).contains("upload.home.lan"))
    XCTAssertEqual(condition(request(network, alice, "filename='a.jpg' size='10'")), "service-unavailable")
    XCTAssertFalse(network.clients[alice].closed)
  }

  func testASlotRequestGetsSignedPutAndGetURLs() throws {
    let network = SessionNetwork(users: users)
    let alice = network.login("alice", "a")
    _ = network.take(alice)
    let reply = try XCTUnwrap(request(network, alice, "filename='my photo.jpg' size='900' content-type='image/jpeg'"))
    XCTAssertEqual(reply.attribute("type"), "result")
    XCTAssertEqual(reply.attribute("from"), "upload.home.lan")
    let slot = try XCTUnwrap(reply.child("slot", namespace: "urn:xmpp:http:upload:0"))
    let put = try XCTUnwrap(slot.child("put")?.attribute("url"))
    XCTAssertEqual(slot.child("get")?.attribute("url"), put)
    XCTAssertTrue(put.hasPrefix("https://home.lan/upload/"), put)
    XCTAssertTrue(put.hasSuffix("/my%20photo.jpg"), put)
    XCTAssertEqual(
      network.backend.uploadStore.granted,
      [SessionUploadRequest(user: "alice", fileName: "my photo.jpg", size: 900, contentType: "image/jpeg", domain: "home.lan")])
  }

  func testATooLargeFileIsRefusedWithTheLargestSize() throws {
    let network = SessionNetwork(users: users)
    let alice = network.login("alice", "a")
    _ = network.take(alice)
    let reply = try XCTUnwrap(request(network, alice, "filename='big.bin' size='1001'"))
    XCTAssertEqual(condition(reply), "not-acceptable")
    XCTAssertEqual(reply.child("error")?.attribute("type"), "modify")
    let tooLarge = reply.child("error")?.child("file-too-large", namespace: "urn:xmpp:http:upload:0")
    XCTAssertEqual(tooLarge?.child("max-file-size")?.text, "1000")
    XCTAssertTrue(network.backend.uploadStore.granted.isEmpty)
  }

  func testAFileNameThatIsAPathIsNotAcceptable() {
    let network = SessionNetwork(users: users)
    let alice = network.login("alice", "a")
    _ = network.take(alice)
    for name in ["../../etc/passwd", "a/b", "..", ".", "", "a\\b", "tab&#9;name", String(repeating: "x", count: 256)] {
      XCTAssertEqual(condition(request(network, alice, "filename='\(name)' size='1'")), "not-acceptable", name)
    }
    XCTAssertTrue(network.backend.uploadStore.granted.isEmpty)
    XCTAssertFalse(network.clients[alice].closed)
  }

  func testABadSizeOrContentTypeIsABadRequest() {
    let network = SessionNetwork(users: users)
    let alice = network.login("alice", "a")
    _ = network.take(alice)
    for attributes in [
      "filename='a' size='-1'", "filename='a' size='1e3'", "filename='a'", "filename='a' size='+5'",
      "filename='a' size='1' content-type='text'", "filename='a' size='1' content-type='text/plain&#13;&#10;X-Evil: 1'",
    ] {
      XCTAssertEqual(condition(request(network, alice, attributes)), "bad-request", attributes)
    }
    XCTAssertTrue(network.backend.uploadStore.granted.isEmpty)
  }

  func testPastTheQuotaASlotIsAResourceConstraint() {
    let network = SessionNetwork(users: users)
    let alice = network.login("alice", "a")
    let bob = network.login("bob", "b")
    _ = network.take(alice)
    _ = network.take(bob)
    for number in 1...5 { XCTAssertNil(condition(request(network, alice, "filename='f\(number)' size='1000'"))) }
    let refused = request(network, alice, "filename='f6' size='1'")
    XCTAssertEqual(condition(refused), "resource-constraint")
    XCTAssertEqual(refused?.child("error")?.attribute("type"), "wait")
    XCTAssertNil(condition(request(network, bob, "filename='g' size='1000'")), "the quota is per user")
  }

  func testOtherRequestsToTheServiceAreUnavailableNotFatal() {
    let network = SessionNetwork(users: users)
    let alice = network.login("alice", "a")
    _ = network.take(alice)
    network.send(alice, "<iq type='set' id='s1' to='upload.home.lan'><request xmlns='urn:xmpp:http:upload:0' filename='a' size='1'/></iq>")
    network.send(alice, "<iq type='get' id='s2' to='x@upload.home.lan'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>")
    network.send(alice, "<message to='upload.home.lan' type='chat'><body>hi</body></message>")
    let errors = stanzas(network.take(alice)).filter { $0.attribute("type") == "error" }
    XCTAssertEqual(errors.map { $0.child("error")?.elements.first?.name }, Array(repeating: "service-unavailable", count: 3))
    XCTAssertFalse(network.clients[alice].closed)
  }
}
