#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// in.dns's settings (issue 21): the LAN domain, the upstream servers it forwards to and what a
/// blocked name answers. Each is one `settings` row, validated here so that no reader ever
/// meets a value it cannot use.
extension Store {
  /// The LAN domain (`slugctl dns domain`): nil when none is set.
  public func dnsDomain() throws(StoreError) -> HostName? {
    guard let text = try setting(SettingKey.dnsDomain) else { return nil }
    guard let name = HostName(text) else { throw .invalid("\(path): setting \(SettingKey.dnsDomain) '\(text)' is not a domain name") }
    return name
  }

  /// Sets the LAN domain (stored lowercase, without a trailing dot), or clears it with nil.
  public func setDNSDomain(_ domain: HostName?) throws(StoreError) {
    try setSetting(SettingKey.dnsDomain, domain.map { ASCII.lowercased($0.text) })
  }

  /// The upstream servers, in the order they are asked; empty when none is set (in.dns then
  /// takes the nameservers of /etc/resolv.conf).
  public func dnsUpstreams() throws(StoreError) -> [DNSUpstream] {
    guard let text = try setting(SettingKey.dnsUpstreams) else { return [] }
    var upstreams: [DNSUpstream] = []
    for word in text.split(separator: " ") {
      guard let upstream = DNSUpstream(word) else {
        throw .invalid("\(path): setting \(SettingKey.dnsUpstreams) holds '\(word)', not ADDR, ADDR:PORT or [IPV6]:PORT")
      }
      upstreams.append(upstream)
    }
    return upstreams
  }

  /// Replaces the upstream servers; an empty list clears the setting.
  public func setDNSUpstreams(_ upstreams: [DNSUpstream]) throws(StoreError) {
    try setSetting(SettingKey.dnsUpstreams, upstreams.isEmpty ? nil : upstreams.map { $0.description }.joined(separator: " "))
  }

  /// What a blocked name answers (default NXDOMAIN).
  public func dnsBlockAnswer() throws(StoreError) -> DNSBlockAnswer {
    guard let text = try setting(SettingKey.dnsBlockAnswer) else { return .nxdomain }
    guard let answer = DNSBlockAnswer(rawValue: text) else {
      throw .invalid("\(path): setting \(SettingKey.dnsBlockAnswer) '\(text)' is neither nxdomain nor null")
    }
    return answer
  }

  public func setDNSBlockAnswer(_ answer: DNSBlockAnswer) throws(StoreError) {
    try setSetting(SettingKey.dnsBlockAnswer, answer == .nxdomain ? nil : answer.rawValue)
  }
}

/// What a blocked name answers: NXDOMAIN, or for A and AAAA the null address (0.0.0.0, ::),
/// which some devices give up on sooner than on a name that does not exist.
public enum DNSBlockAnswer: String, Sendable, CaseIterable {
  case nxdomain
  case null
}

/// One upstream DNS server: `ADDR` (port 53), `ADDR:PORT` (IPv4) or `[IPV6]:PORT`. A bare IPv6
/// address is read as an address: its colons are not a port.
public struct DNSUpstream: Hashable, Sendable, CustomStringConvertible {
  public var address: IPAddress
  public var port: UInt16

  public static let defaultPort: UInt16 = 53

  public init(address: IPAddress, port: UInt16 = DNSUpstream.defaultPort) {
    self.address = address
    self.port = port
  }

  public init?<S: StringProtocol>(_ raw: S) {
    let text = String(raw)
    if let address = IPAddress(text) {
      self.init(address: address)
      return
    }
    guard let colon = text.utf8.lastIndex(of: UInt8(ascii: ":")) else { return nil }
    let host = text[..<colon]
    let portText = text[text.index(after: colon)...]
    guard !portText.isEmpty, portText.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), portText.utf8.count <= 5,
      let port = UInt16(portText), port > 0
    else { return nil }
    if host.hasPrefix("["), host.hasSuffix("]"), let v6 = IPv6Address(host.dropFirst().dropLast()) {
      self.init(address: .v6(v6), port: port)
    } else if let v4 = IPv4Address(host) {
      self.init(address: .v4(v4), port: port)
    } else {
      return nil
    }
  }

  /// The form `init?` reads: the port only when it is not 53, an IPv6 address in brackets then.
  public var description: String {
    guard port != DNSUpstream.defaultPort else { return address.description }
    switch address {
    case .v4(let v4): return "\(v4):\(port)"
    case .v6(let v6): return "[\(v6)]:\(port)"
    }
  }
}

extension SettingKey {
  /// The LAN domain in.dns serves bare names under and in.dhcp hands out (default none).
  public static let dnsDomain = "dns_domain"
  /// in.dns's upstream servers, space separated (default: /etc/resolv.conf's nameservers).
  public static let dnsUpstreams = "dns_upstreams"
  /// `nxdomain` (the default) or `null`: what a blocked name answers.
  public static let dnsBlockAnswer = "dns_block_answer"
}
