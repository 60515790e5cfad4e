import DNS

/// The LAN every responder test asks about: slug.home and nas.home share 192.168.0.1 (slug.home
/// came first, so it owns the PTR), nas.home also has an IPv6 address, and one host lives
/// outside the local domain.
enum Fixture {
  static let slug: UInt32 = 0xC0A8_0001
  static let printer: UInt32 = 0xC0A8_0032
  static let outside: UInt32 = 0x0A00_0005
  static let nasIPv6: [UInt8] = [0xFD, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01]

  static var zone: Zone {
    var zone = Zone(ttl: 60, localDomains: ["home"], serverName: "slug.home")
    zone.add(name: "slug.home", ipv4: slug)
    zone.add(name: "nas.home.", ipv4: slug)
    zone.add(name: "printer.home", ipv4: printer)
    zone.add(name: "nas.home", ipv6: nasIPv6)
    zone.add(name: "tv.lounge.home", ipv4: 0xC0A8_0033)
    zone.add(name: "box.example.org", ipv4: outside)
    return zone
  }
}

enum QType {
  static let a: UInt16 = 1
  static let ns: UInt16 = 2
  static let soa: UInt16 = 6
  static let ptr: UInt16 = 12
  static let mx: UInt16 = 15
  static let aaaa: UInt16 = 28
}

/// Bytes written as hex digits, spaces ignored: "1234 8500" -> [0x12, 0x34, 0x85, 0x00].
func hex(_ text: String) -> [UInt8] {
  let digits = Array(text.utf8).filter { $0 != UInt8(ascii: " ") }
  return stride(from: 0, to: digits.count - 1, by: 2).map {
    UInt8(String(decoding: digits[$0...($0 + 1)], as: UTF8.self), radix: 16)!
  }
}

/// "nas.home" in wire format, case kept.
func wire(_ name: String) -> [UInt8] {
  name.split(separator: ".").flatMap { [UInt8($0.utf8.count)] + Array($0.utf8) } + [0]
}

/// A standard query with RD set, optionally with an OPT record (EDNS version `ednsVersion`).
func query(
  _ name: String, _ type: UInt16, id: UInt16 = 0x1234, flags: UInt16 = 0x0100, payloadSize: UInt16? = nil,
  ednsVersion: UInt8 = 0, recordClass: UInt16 = 1
) -> [UInt8] {
  var message = be(id) + be(flags) + be(1) + be(0) + be(0) + be(payloadSize == nil ? 0 : 1)
  message += wire(name) + be(type) + be(recordClass)
  if let payloadSize { message += [0] + be(41) + be(payloadSize) + [0, ednsVersion, 0, 0] + be(0) }
  return message
}

func be(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }

func respond(
  _ message: [UInt8], zone: Zone = Fixture.zone, transport: Transport = .udp(maximum: 65535),
  recursionAvailable: Bool = false
) -> [UInt8]? {
  Responder.respond(to: message[...], zone: zone, transport: transport, recursionAvailable: recursionAvailable)
}

/// The SOA record of a local zone whose apex starts `apexOffset` bytes into the question name.
func soa(apexOffset: Int) -> [UInt8] {
  let pointer: [UInt8] = [0xC0, UInt8(12 + apexOffset)]
  return pointer + hex("0006 0001 0000003c 002c") + wire("slug.home") + [10] + Array("hostmaster".utf8) + pointer
    + hex("00000001 00000e10 00000258 00015180 0000003c")
}
