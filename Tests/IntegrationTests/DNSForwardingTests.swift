import Foundation
import TestSupport
import XCTest

/// in.dns as a household's only DNS server: names outside its local zones forwarded to real
/// upstream servers (DNSForwardingTestbed), answered as those servers answer, safely.
final class DNSForwardingTests: XCTestCase {
  /// Every kind of answer through in.dns, over UDP and TCP, is the upstream's own (RCODE,
  /// records, TTLs, DNSSEC records when DO is set), with RA set and not AA.
  func testForwardedAnswersAreTheUpstreamsOwn() throws {
    let bed = try DNSForwardingTestbed(arguments: ["--upstream", DNSForwardingTestbed.nsd])
    addTeardownBlock { bed.stop() }
    let questions = [
      "example.test", "MX", "EDNS", "example.test", "TXT", "EDNS", "_xmpp-client._tcp.example.test", "SRV", "EDNS",
      "example.test", "HTTPS", "EDNS", "www.example.test", "A", "EDNS", "www.example.test", "A", "PLAIN",
      "nothere.example.test", "A", "EDNS", "host.example.test", "AAAA", "EDNS", "example.test", "ANY", "EDNS",
      "signed.test", "A", "DO", "signed.test", "DNSKEY", "DO", "nothere.signed.test", "A", "DO", "www.signed.test", "A", "EDNS",
    ]
    let compared = try bed.namespaces.run(
      in: .server,
      ["/usr/bin/python3", DNSForwardingTestbed.script("forward_compare.py"), DNSForwardingTestbed.nsd, "53",
       DNSForwardingTestbed.server, "\(bed.port)"] + questions)
    XCTAssertEqual(compared.status, 0, compared.output)
    XCTAssertEqual(compared.output.split(separator: "\n").filter { $0.hasPrefix("same ") }.count, questions.count / 3 * 2, compared.output)

    // dig agrees: the chain as the upstream gave it (its TTLs counted down if the answer came
    // from the cache since), NODATA and NXDOMAIN kept apart.
    let chain = try bed.dig("www.example.test", "A")
    let fields = chain.answers.map { $0.split(separator: " ").map(String.init) }
    XCTAssertEqual(
      fields.map { $0.enumerated().filter { $0.offset != 1 }.map { $0.element }.joined(separator: " ") },
      ["www.example.test. IN CNAME web.example.test.", "web.example.test. IN CNAME host.example.test.",
       "host.example.test. IN A 192.0.2.80"], chain.output)
    for (record, zoneTTL) in zip(fields, [300, 120, 600]) {
      let ttl = record.count > 1 ? Int(record[1]) ?? -1 : -1
      XCTAssertTrue((zoneTTL - 5...zoneTTL).contains(ttl), chain.output)
    }
    XCTAssertTrue(chain.flags.contains("ra") && !chain.flags.contains("aa"), chain.output)
    let noData = try bed.dig("host.example.test", "AAAA")
    XCTAssertEqual(noData.status, "NOERROR", noData.output)
    XCTAssertEqual(noData.answers, [], noData.output)
    XCTAssertEqual(try bed.dig("nothere.example.test", "A").status, "NXDOMAIN")
    let signed = try bed.dig("+dnssec", "signed.test", "A")
    XCTAssertTrue(signed.answers.contains { $0.contains(" IN RRSIG A ") }, signed.output)

    // Local names are still ours (AA), now with RA: recursion is offered.
    let local = try bed.dig("nas.home", "A")
    XCTAssertEqual(local.answers, ["nas.home. 60 IN A 192.168.0.2"], local.output)
    XCTAssertTrue(local.flags.contains("aa") && local.flags.contains("ra"), local.output)
  }

  /// An answer forwarded once is kept in the cache every in.dns of the store shares: asked
  /// again a second later over TCP (another in.dns process, the one inetd starts for the
  /// connection), it comes from the cache with its TTL counted down (nsd always says 600), in
  /// the case the second client wrote; `slugctl dns cache` counts the hit.
  func testAForwardedAnswerIsCachedForEveryInDNSOfTheStore() throws {
    let bed = try DNSForwardingTestbed(arguments: ["--upstream", DNSForwardingTestbed.nsd])
    addTeardownBlock { bed.stop() }
    XCTAssertEqual(try bed.dig("host.example.test", "A").answers, ["host.example.test. 600 IN A 192.0.2.80"])
    usleep(1_100_000)
    let again = try bed.dig("+tcp", "HOST.Example.TEST", "A")
    XCTAssertEqual(again.answers.count, 1, again.output)
    let fields = again.answers.first?.split(separator: " ") ?? []
    XCTAssertEqual(fields.first, "HOST.Example.TEST.", again.output)
    let ttl = fields.count > 1 ? Int(fields[1]) ?? 0 : 0
    XCTAssertTrue((590..<600).contains(ttl), "TTL \(ttl): not from the cache\n\(again.output)")
    let shown = try ChildProcess.run(try BuildProducts.binDirectory() + "/slugctl", ["dns", "cache", "--db", bed.database])
    XCTAssertTrue(shown.output.contains("hits       1"), shown.output)
  }

  /// A server that never answers costs one attempt (1 s), then the next server answers.
  func testASilentUpstreamFailsOverToTheNextWithinTwoSeconds() throws {
    let bed = try DNSForwardingTestbed(
      fakes: [("silent", "127.0.0.2")], arguments: ["--upstream", "127.0.0.2", "--upstream", DNSForwardingTestbed.nsd])
    addTeardownBlock { bed.stop() }
    let started = Date()
    let reply = try bed.dig("host.example.test", "A")
    let elapsed = Date().timeIntervalSince(started)
    XCTAssertEqual(reply.answers, ["host.example.test. 600 IN A 192.0.2.80"], reply.output)
    XCTAssertGreaterThan(elapsed, 0.9, "the silent server was asked first")
    XCTAssertLessThan(elapsed, 2.0)
  }

  /// A server from before EDNS answers our EDNS query FORMERR: it is asked again without, and
  /// the client, which asked with EDNS, gets the answer with our OPT.
  func testAServerWithoutEDNSIsAskedAgainWithoutIt() throws {
    let bed = try DNSForwardingTestbed(fakes: [("noedns", "127.0.0.2")], arguments: ["--upstream", "127.0.0.2"])
    addTeardownBlock { bed.stop() }
    let reply = try bed.dig("old.example.test", "A")
    XCTAssertEqual(reply.status, "NOERROR", reply.output)
    XCTAssertEqual(reply.answers, ["old.example.test. 300 IN A 192.0.2.7"], reply.output)
    XCTAssertTrue(reply.output.contains("; EDNS: version: 0"), reply.output)
  }

  /// A slow server's answer, inside the second it is given, is taken (no failover, no
  /// SERVFAIL), and local names asked meanwhile are answered at once.
  func testASlowUpstreamsAnswerIsTakenWhileLocalNamesAreAnsweredAtOnce() throws {
    let bed = try DNSForwardingTestbed(fakes: [("slow", "127.0.0.2")], arguments: ["--upstream", "127.0.0.2"])
    addTeardownBlock { bed.stop() }
    let result = try bed.python(
      """
      import socket, time, dns.message, dns.rcode
      outside = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
      outside.settimeout(4)
      started = time.monotonic()
      outside.sendto(dns.message.make_query("far.example.org", "A").to_wire(), ("10.99.0.1", PORT))
      local = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
      local.settimeout(2)
      asked = time.monotonic()
      local.sendto(dns.message.make_query("nas.home", "A").to_wire(), ("10.99.0.1", PORT))
      local.recv(4096)
      print("local", round(time.monotonic() - asked, 3))
      answer = dns.message.from_wire(outside.recv(4096))
      print("outside", round(time.monotonic() - started, 3), dns.rcode.to_text(answer.rcode()),
            answer.answer[0].to_text() if answer.answer else "-")
      """)
    let lines = result.output.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
    let local = try XCTUnwrap(lines.first { $0.first == "local" }, result.output)
    XCTAssertLessThan(try XCTUnwrap(Double(local[1])), 0.5, result.output)
    let outside = try XCTUnwrap(lines.first { $0.first == "outside" }, result.output)
    XCTAssertEqual(Array(outside.dropFirst(2)), ["NOERROR", "far.example.org.", "300", "IN", "A", "192.0.2.7"], result.output)
    XCTAssertGreaterThan(try XCTUnwrap(Double(outside[1])), 0.55, "the server's own delay")
    XCTAssertLessThan(try XCTUnwrap(Double(outside[1])), 1.5, result.output)
  }

  /// While questions wait on a server that never answers, local names are answered at once;
  /// the waiting questions get SERVFAIL when every server has failed, within 5 s.
  func testALocalNameIsAnsweredAtOnceWhileUpstreamQuestionsWait() throws {
    let bed = try DNSForwardingTestbed(
      fakes: [("silent", "127.0.0.2"), ("silent", "127.0.0.3")],
      arguments: ["--upstream", "127.0.0.2", "--upstream", "127.0.0.3"])
    addTeardownBlock { bed.stop() }
    let result = try bed.python(
      """
      import socket, time, dns.message, dns.rcode
      waiting = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
      waiting.settimeout(8)
      started = time.monotonic()
      for n in range(20):
          waiting.sendto(dns.message.make_query("q%d.example.test" % n, "A").to_wire(), ("10.99.0.1", PORT))
      time.sleep(0.05)
      local = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
      local.settimeout(2)
      asked = time.monotonic()
      local.sendto(dns.message.make_query("nas.home", "A").to_wire(), ("10.99.0.1", PORT))
      answer = dns.message.from_wire(local.recv(4096))
      print("local", round(time.monotonic() - asked, 3), answer.answer[0].to_text())
      codes = set()
      for n in range(20):
          codes.add(dns.rcode.to_text(dns.message.from_wire(waiting.recv(4096)).rcode()))
      print("waiting", round(time.monotonic() - started, 3), " ".join(sorted(codes)))
      """)
    let lines = result.output.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
    let local = try XCTUnwrap(lines.first { $0.first == "local" }, result.output)
    // At once: well inside the 1 s a server is given (0.5 s leaves room for a loaded machine).
    XCTAssertLessThan(try XCTUnwrap(Double(local[1])), 0.5, result.output)
    XCTAssertTrue(result.output.contains("nas.home. 60 IN A 192.168.0.2"), result.output)
    let waiting = try XCTUnwrap(lines.first { $0.first == "waiting" }, result.output)
    XCTAssertEqual(Array(waiting.dropFirst(2)), ["SERVFAIL"], result.output)
    XCTAssertGreaterThan(try XCTUnwrap(Double(waiting[1])), 1.9, "both servers were given their second")
    XCTAssertLessThan(try XCTUnwrap(Double(waiting[1])), 5.0, result.output)
  }

  /// However many servers are listed, SERVFAIL comes within 5 s.
  func testEveryUpstreamSilentGivesSERVFAILWithinFiveSeconds() throws {
    let addresses = (2...7).map { "127.0.0.\($0)" }
    let bed = try DNSForwardingTestbed(
      fakes: addresses.map { ("silent", $0) }, arguments: addresses.flatMap { ["--upstream", $0] })
    addTeardownBlock { bed.stop() }
    let started = Date()
    let reply = try bed.dig("host.example.test", "A")
    XCTAssertEqual(reply.status, "SERVFAIL", reply.output)
    XCTAssertTrue(reply.flags.contains("ra"), reply.output)
    XCTAssertLessThan(Date().timeIntervalSince(started), 5.0)
  }

  /// A truncated upstream answer is asked again over TCP; a client without EDNS then gets TC
  /// (the whole answer does not fit 512 bytes) and over TCP the whole answer.
  func testATruncatedUpstreamAnswerIsAskedAgainOverTCP() throws {
    let bed = try DNSForwardingTestbed(fakes: [("truncating", "127.0.0.2")], arguments: ["--upstream", "127.0.0.2"])
    addTeardownBlock { bed.stop() }
    let full = try bed.dig("+bufsize=1232", "+ignore", "many.example.org", "A")
    XCTAssertEqual(full.answers.count, 40, full.output)
    XCTAssertFalse(full.flags.contains("tc"), full.output)
    let plain = try bed.dig("+noedns", "+ignore", "many.example.org", "A")
    XCTAssertTrue(plain.flags.contains("tc"), plain.output)
    XCTAssertEqual(plain.answers, [], plain.output)
    XCTAssertEqual(try bed.dig("+tcp", "many.example.org", "A").answers.count, 40)
  }

  /// Answers with another ID, or from another port of the server's address, are not taken.
  /// Each name is new, so each is forwarded (not answered from the cache).
  func testForgedAnswersAreIgnored() throws {
    let bed = try DNSForwardingTestbed(fakes: [("forging", "127.0.0.2")], arguments: ["--upstream", "127.0.0.2"])
    addTeardownBlock { bed.stop() }
    for number in 1...3 {
      let reply = try bed.dig("bank\(number).example.org", "A")
      XCTAssertEqual(reply.answers, ["bank\(number).example.org. 300 IN A 192.0.2.7"], reply.output)
    }
  }

  /// A client routed in from a network that is not one of the machine's own is refused names
  /// outside the local zones (never an open resolver) but still answered local ones; a client
  /// on the server's subnet is forwarded.
  func testAClientOutsideTheAllowedNetworksIsRefusedOutsideNamesOnly() throws {
    let bed = try DNSForwardingTestbed(arguments: ["--upstream", DNSForwardingTestbed.nsd])
    addTeardownBlock { bed.stop() }
    let outsider = ["-b", DNSForwardingTestbed.routedClient]
    let refused = try bed.dig(in: .client, outsider + ["host.example.test", "A"])
    XCTAssertEqual(refused.status, "REFUSED", refused.output)
    XCTAssertFalse(refused.flags.contains("ra"), refused.output)
    let refusedOverTCP = try bed.dig(in: .client, outsider + ["+tcp", "host.example.test", "A"])
    XCTAssertEqual(refusedOverTCP.status, "REFUSED", refusedOverTCP.output)
    XCTAssertEqual(try bed.dig(in: .client, outsider + ["nas.home", "A"]).answers, ["nas.home. 60 IN A 192.168.0.2"])
    let neighbour = try bed.dig(in: .client, ["-b", "10.99.0.2", "host.example.test", "A"])
    XCTAssertEqual(neighbour.answers, ["host.example.test. 600 IN A 192.0.2.80"], neighbour.output)
  }

  /// What the old --relay leaked from the server's own resolver (getaddrinfo) is gone: its
  /// /etc/hosts names, its search list, numeric names. They go upstream like any other name.
  /// localhost is in.dns's own (RFC 6761), answered with the loopback address, authoritative.
  func testTheServersOwnResolverSettingsDoNotLeak() throws {
    let bed = try DNSForwardingTestbed(arguments: ["--upstream", DNSForwardingTestbed.nsd])
    addTeardownBlock { bed.stop() }
    let localhost = try bed.dig("localhost", "A")
    XCTAssertEqual(localhost.answers, ["localhost. 60 IN A 127.0.0.1"], localhost.output)
    XCTAssertTrue(localhost.flags.contains("aa"), localhost.output)
    var hostName = [CChar](repeating: 0, count: 256)
    gethostname(&hostName, hostName.count)
    for name in ["2130706433", "127.1", "www", String(cString: hostName), "ip6-localhost"] {
      let reply = try bed.dig(name, "A")
      XCTAssertEqual(reply.answers, [], "\(name): \(reply.output)")
      // nsd refuses names outside its zones; in.dns says it could not resolve them.
      XCTAssertEqual(reply.status, "SERVFAIL", "\(name): \(reply.output)")
    }
  }
}
