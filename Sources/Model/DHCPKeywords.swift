#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// The keywords of the original in.dhcp.conf (RFC 2132 option names), with the option code
/// each sets and how its values are written on the wire.

/// How a keyword's values are encoded.
public enum DHCPEncoding: Sendable, Hashable {
  /// One IPv4 address.
  case address
  /// One or more IPv4 addresses.
  case addresses
  /// Pairs of IPv4 addresses (static-route: destination, router).
  case addressPairs
  /// Text.
  case text
  /// One byte, 0-255 (flags are 0 or 1).
  case byte
  /// A big-endian 16-bit unsigned number.
  case uint16
  /// A big-endian 32-bit unsigned number.
  case uint32
  /// A big-endian 32-bit signed number (time-offset).
  case int32
}

public struct DHCPKeyword: Sendable, Hashable {
  public let name: String
  /// The option code, or nil for the keywords that set BOOTP fields or the pool.
  public let code: UInt8?
  public let encoding: DHCPEncoding

  /// The keyword for a name, accepting the original sample's misspelling `extension-path`.
  /// Keywords are ASCII, so ASCII case folding is exact (and keeps the stdlib's Unicode case
  /// tables, 16 KB, out of in.dhcp).
  public static func named(_ name: String) -> DHCPKeyword? {
    let name = ASCII.lowercased(name)
    return table.first { $0.name == name || (name == "extension-path" && $0.code == 18) }
  }

  /// The keyword for an option code.
  public static func code(_ code: UInt8) -> DHCPKeyword? {
    table.first { $0.code == code }
  }

  /// Checks the values a keyword is given; returns a message naming the problem, or nil.
  public func problem(with values: [String]) -> String? {
    guard !values.isEmpty else { return "\(name) needs a value" }
    switch encoding {
    case .address:
      guard values.count == 1 else { return "\(name) takes one IPv4 address" }
      return IPv4Address(values[0]) == nil ? "\(name): '\(values[0])' is not an IPv4 address" : nil
    case .addresses, .addressPairs:
      if let bad = values.first(where: { IPv4Address($0) == nil }) {
        return "\(name): '\(bad)' is not an IPv4 address"
      }
      if encoding == .addressPairs && values.count % 2 != 0 {
        return "\(name) takes pairs of addresses (destination router)"
      }
      return nil
    case .text:
      let text = values.joined(separator: " ")
      return text.utf8.count > 255 ? "\(name): text longer than 255 bytes" : nil
    case .byte: return number(values, in: 0...255)
    case .uint16: return number(values, in: 0...65535)
    case .uint32: return number(values, in: 0...4_294_967_295)
    case .int32: return number(values, in: -2_147_483_648...2_147_483_647)
    }
  }

  private func number(_ values: [String], in range: ClosedRange<Int64>) -> String? {
    guard values.count == 1 else { return "\(name) takes one number" }
    guard let value = Int64(values[0]), range.contains(value) else {
      return "\(name): '\(values[0])' is not a number from \(range.lowerBound) to \(range.upperBound)"
    }
    return nil
  }

  public static let table: [DHCPKeyword] = [
    DHCPKeyword(name: "subnet-mask", code: 1, encoding: .address),
    DHCPKeyword(name: "time-offset", code: 2, encoding: .int32),
    DHCPKeyword(name: "routers", code: 3, encoding: .addresses),
    DHCPKeyword(name: "time-servers", code: 4, encoding: .addresses),
    DHCPKeyword(name: "name-servers", code: 5, encoding: .addresses),
    DHCPKeyword(name: "domain-servers", code: 6, encoding: .addresses),
    DHCPKeyword(name: "log-servers", code: 7, encoding: .addresses),
    DHCPKeyword(name: "cookie-servers", code: 8, encoding: .addresses),
    DHCPKeyword(name: "lpr-servers", code: 9, encoding: .addresses),
    DHCPKeyword(name: "impress-servers", code: 10, encoding: .addresses),
    DHCPKeyword(name: "resource-location-servers", code: 11, encoding: .addresses),
    DHCPKeyword(name: "hostname", code: 12, encoding: .text),
    DHCPKeyword(name: "bootfile-size", code: 13, encoding: .uint16),
    DHCPKeyword(name: "merit-dump-file", code: 14, encoding: .text),
    DHCPKeyword(name: "domain-name", code: 15, encoding: .text),
    DHCPKeyword(name: "swap-server", code: 16, encoding: .address),
    DHCPKeyword(name: "root-path", code: 17, encoding: .text),
    DHCPKeyword(name: "extensions-path", code: 18, encoding: .text),
    DHCPKeyword(name: "ip-forwarding", code: 19, encoding: .byte),
    DHCPKeyword(name: "datagram-forwarding", code: 20, encoding: .byte),
    DHCPKeyword(name: "policy-filter", code: 21, encoding: .addressPairs),
    DHCPKeyword(name: "maximum-datagram-reassembly", code: 22, encoding: .uint16),
    DHCPKeyword(name: "default-udp-ttl", code: 23, encoding: .byte),
    DHCPKeyword(name: "path-mtu-aging-timeout", code: 24, encoding: .uint32),
    DHCPKeyword(name: "path-mtu-plateau", code: 25, encoding: .uint16),
    DHCPKeyword(name: "mtu", code: 26, encoding: .uint16),
    DHCPKeyword(name: "subnets-are-local", code: 27, encoding: .byte),
    DHCPKeyword(name: "broadcast-address", code: 28, encoding: .address),
    DHCPKeyword(name: "perform-mask-discovery", code: 29, encoding: .byte),
    DHCPKeyword(name: "mask-supplier", code: 30, encoding: .byte),
    DHCPKeyword(name: "router-discovery", code: 31, encoding: .byte),
    DHCPKeyword(name: "router-solicitation", code: 32, encoding: .address),
    DHCPKeyword(name: "static-route", code: 33, encoding: .addressPairs),
    DHCPKeyword(name: "trailer-encapsulation", code: 34, encoding: .byte),
    DHCPKeyword(name: "arp-cache-timeout", code: 35, encoding: .uint32),
    DHCPKeyword(name: "ethernet-encapsulation", code: 36, encoding: .byte),
    DHCPKeyword(name: "default-tcp-ttl", code: 37, encoding: .byte),
    DHCPKeyword(name: "tcp-keepalive", code: 38, encoding: .uint32),
    DHCPKeyword(name: "keepalive-garbage", code: 39, encoding: .byte),
    DHCPKeyword(name: "nis-domain", code: 40, encoding: .text),
    DHCPKeyword(name: "nis-servers", code: 41, encoding: .addresses),
    DHCPKeyword(name: "ntp-servers", code: 42, encoding: .addresses),
    DHCPKeyword(name: "nbns-servers", code: 44, encoding: .addresses),
    DHCPKeyword(name: "nbdd-servers", code: 45, encoding: .addresses),
    DHCPKeyword(name: "netbios-nodetype", code: 46, encoding: .byte),
    DHCPKeyword(name: "netbios-scope", code: 47, encoding: .text),
    DHCPKeyword(name: "x-font-servers", code: 48, encoding: .addresses),
    DHCPKeyword(name: "x-dm-servers", code: 49, encoding: .addresses),
    DHCPKeyword(name: "lease-time", code: 51, encoding: .uint32),
    DHCPKeyword(name: "server-identifier", code: 54, encoding: .address),
    DHCPKeyword(name: "renewal-time", code: 58, encoding: .uint32),
    DHCPKeyword(name: "rebinding-time", code: 59, encoding: .uint32),
    DHCPKeyword(name: "pool-start", code: nil, encoding: .address),
    DHCPKeyword(name: "pool-end", code: nil, encoding: .address),
    DHCPKeyword(name: "address", code: nil, encoding: .address),
    DHCPKeyword(name: "next-server", code: nil, encoding: .address),
    DHCPKeyword(name: "filename", code: nil, encoding: .text),
  ]
}
