/// dnsmasq's dhcp-hostsfile lines (`dhcp-host=` values without the prefix): comma-separated
/// fields in any order.
///
/// Read: one or more MACs in colon form, `id:CLIENTID` (hex bytes with colons, or text, quoted
/// or not; `id:*` means no client id), one IPv4 address (required), a host name, a lease time
/// (`infinite`, seconds, or a number with s/m/h/d/w; checked, then dropped: a static lease has
/// no time of its own). A line with several MACs gives one lease per MAC, sharing the address;
/// an address may not appear on two lines.
/// Refused with a message: tags (`set:`, `tag:`), `ignore`, IPv6 addresses, wildcards, and
/// entries without a MAC or an address. `#` starts a comment line.
public enum DnsmasqHosts {
  public static func parse(_ text: String, file: String, interface: String?
  ) throws(FormatError) -> [StaticLease] {
    try parse(text.numberedLines, file: file, interface: interface)
  }

  /// The same, line by line (a `LineReader` over a file).
  public static func parse(
    _ lines: some Sequence<NumberedLine>, file: String, interface: String?
  ) throws(FormatError) -> [StaticLease] {
    var leases: [StaticLease] = []
    var macs = FirstSeen<MACAddress>()
    var addresses = FirstSeen<IPv4Address>()
    for line in lines where !line.isBlank {
      if line.fields.first?.hasPrefix("#") == true { continue }
      let entry = try Entry(line, in: file)
      guard let address = entry.address else {
        throw line.error("no IPv4 address in '\(line.text)'", in: file)
      }
      guard !entry.macs.isEmpty else {
        throw line.error(
          "no MAC address in '\(line.text)' (entries without one are not supported)", in: file)
      }
      if let earlier = addresses.earlierLine(of: address, at: line.number) {
        throw line.error("address \(address) is already given on line \(earlier)", in: file)
      }
      for mac in entry.macs {
        if let earlier = macs.earlierLine(of: mac, at: line.number) {
          throw line.error("\(mac) is already given on line \(earlier)", in: file)
        }
        leases.append(
          StaticLease(
            mac: mac, clientID: entry.clientID, address: address, hostname: entry.hostname,
            interface: interface))
      }
    }
    return leases
  }

  /// `mac[,mac...][,id:CLIENTID],address[,hostname]`: consecutive leases that differ only in
  /// their MAC share a line, as the parser's one-lease-per-MAC reading gives them.
  /// Per-host DHCP settings have no place in this format and are left out.
  public static func render(_ leases: [StaticLease]) -> String {
    var lines: [(macs: [MACAddress], lease: StaticLease)] = []
    for lease in leases {
      var withoutMAC = lease
      if let last = lines.last {
        withoutMAC.mac = last.lease.mac
        if withoutMAC == last.lease {
          lines[lines.count - 1].macs.append(lease.mac)
          continue
        }
      }
      lines.append((macs: [lease.mac], lease: lease))
    }
    return lines.map { line in
      var fields = line.macs.map { $0.description }
      if let clientID = line.lease.clientID, !clientID.isEmpty {
        fields.append("id:" + idText(clientID))
      }
      fields.append(line.lease.address.description)
      if let hostname = line.lease.hostname { fields.append(hostname.text) }
      return fields.joined(separator: ",") + "\n"
    }.joined()
  }

  /// Hex with colons, except a single printable byte: dnsmasq reads a value without a colon as
  /// text, so one byte goes out quoted to come back the same.
  private static func idText(_ clientID: [UInt8]) -> String {
    if clientID.count == 1, let byte = clientID.first, (0x21...0x7e).contains(byte), byte != 0x22 {
      return "\"\(Character(Unicode.Scalar(byte)))\""
    }
    return HexBytes.format(clientID)
  }
}

/// The fields of one dhcp-host line.
private struct Entry {
  var macs: [MACAddress] = []
  var clientID: [UInt8]?
  var address: IPv4Address?
  var hostname: HostName?

  init(_ line: NumberedLine, in file: String) throws(FormatError) {
    for rawField in try Self.fields(of: line, in: file) {
      let field = rawField.trimmingSpaces
      guard !field.isEmpty else { throw line.error("empty field in '\(line.text)'", in: file) }
      if field.hasPrefix("id:") {
        guard clientID == nil else { throw line.error("more than one client id", in: file) }
        clientID = try Self.clientID(field.dropFirst(3), on: line, in: file)
      } else if field.hasPrefix("set:") || field.hasPrefix("tag:") {
        throw line.error("tags are not supported ('\(field)')", in: file)
      } else if field == "ignore" {
        throw line.error("'ignore' entries are not supported", in: file)
      } else if field.contains("*") {
        throw line.error("wildcards are not supported ('\(field)')", in: file)
      } else if field.hasPrefix("[") {
        throw line.error("IPv6 addresses are not supported ('\(field)')", in: file)
      } else if field.contains(":") {
        guard let mac = MACAddress(field) else {
          throw line.error("'\(field)' is not a MAC address", in: file)
        }
        macs.append(mac)
      } else if let parsed = IPv4Address(field) {
        guard address == nil else {
          throw line.error("more than one IPv4 address ('\(field)')", in: file)
        }
        address = parsed
      } else if Self.isLeaseTime(field) {
        continue
      } else if let name = HostName(field) {
        guard hostname == nil else {
          throw line.error("more than one host name ('\(field)')", in: file)
        }
        hostname = name
      } else {
        throw line.error("unsupported field '\(field)'", in: file)
      }
    }
  }

  /// Splits on commas outside double quotes, keeping the quotes.
  private static func fields(of line: NumberedLine, in file: String) throws(FormatError)
    -> [Substring]
  {
    var fields: [Substring] = []
    var start = line.text.startIndex
    var quoted = false
    var index = start
    while index < line.text.endIndex {
      let character = line.text[index]
      if character == "\"" {
        quoted.toggle()
      } else if character == "," && !quoted {
        fields.append(line.text[start..<index])
        start = line.text.index(after: index)
      }
      index = line.text.index(after: index)
    }
    guard !quoted else { throw line.error("unterminated quote in '\(line.text)'", in: file) }
    fields.append(line.text[start...])
    return fields
  }

  /// `"text"` is text; unquoted, a value with a colon is hex bytes and any other is text.
  private static func clientID(
    _ value: Substring, on line: NumberedLine, in file: String
  ) throws(FormatError) -> [UInt8]? {
    if value == "*" { return nil }
    if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
      let text = value.dropFirst().dropLast()
      guard !text.isEmpty else { throw line.error("empty client id", in: file) }
      return Array(text.utf8)
    }
    guard !value.isEmpty, !value.contains("\"") else {
      throw line.error("'id:\(value)' is not a client id", in: file)
    }
    guard value.contains(":") else { return Array(value.utf8) }
    guard let bytes = HexBytes.parse(value) else {
      throw line.error("'id:\(value)' is not a client id (hex bytes with colons)", in: file)
    }
    return bytes
  }

  private static func isLeaseTime(_ field: Substring) -> Bool {
    if field == "infinite" { return true }
    let digits = field.last.map { "smhdw".contains($0) } == true ? field.dropLast() : field
    return !digits.isEmpty && digits.utf8.allSatisfy { $0 >= 48 && $0 <= 57 }
  }
}
