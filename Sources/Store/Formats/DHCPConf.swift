/// /etc/in.dhcp.conf.IFACE: fixed-lease blocks (`MAC {` ... `}`), then global `keyword value...`
/// lines.
///
/// As in the original, a line containing `#` anywhere is skipped whole. Where the original
/// silently kept the first of two declarations of an option, a keyword repeated at the same
/// level is an error here, with two exceptions the original's own sample relies on:
/// `static-route` lines accumulate their pairs (the original used only the first line), and
/// `extension-path` is read as `extensions-path`. Blocks are accepted anywhere in the file
/// (per-host values override globals here, whatever the order); rendering writes them first,
/// as the original requires.
public enum DHCPConf {
  public static func parse(
    _ text: String, file: String, interface: String
  ) throws(FormatError) -> (DHCPInterface, [StaticLease]) {
    try parse(text.numberedLines, file: file, interface: interface)
  }

  /// The same, line by line (a `LineReader` over a file).
  public static func parse(
    _ lines: some Sequence<NumberedLine>, file: String, interface: String
  ) throws(FormatError) -> (DHCPInterface, [StaticLease]) {
    var globals = SettingList()
    var leases: [StaticLease] = []
    var block: OpenBlock?
    var macs = FirstSeen<MACAddress>()
    var addresses = FirstSeen<IPv4Address>()

    for line in lines where !line.isBlank && !line.text.contains("#") {
      let fields = line.fields
      if fields.last?.hasSuffix("{") == true {
        if let open = block {
          throw line.error(
            "a block cannot start inside the block opened on line \(open.line)", in: file)
        }
        let macText = line.text.trimmingSpaces.dropLast().trimmingSpaces
        guard let mac = MACAddress(macText) else {
          throw line.error("'\(macText)' is not a MAC address", in: file)
        }
        if let earlier = macs.earlierLine(of: mac, at: line.number) {
          throw line.error("\(mac) already has a block on line \(earlier)", in: file)
        }
        block = OpenBlock(mac: mac, line: line.number)
      } else if fields.first == "}" {
        guard fields.count == 1 else {
          throw line.error("unexpected '\(fields[1])' after '}'", in: file)
        }
        guard let closed = block else { throw line.error("'}' without an open block", in: file) }
        guard let address = closed.address else {
          throw FormatError(
            file: file, line: closed.line, message: "the block for \(closed.mac) has no address")
        }
        if let earlier = addresses.earlierLine(of: address, at: closed.addressLine) {
          throw FormatError(
            file: file, line: closed.addressLine,
            message: "address \(address) is already a fixed lease on line \(earlier)")
        }
        leases.append(
          StaticLease(
            mac: closed.mac, address: address, hostname: closed.hostname, interface: interface,
            settings: closed.settings.settings))
        block = nil
      } else {
        let (keyword, values) = try setting(of: fields, on: line, in: file)
        if block != nil {
          try block?.add(keyword, values, on: line, in: file)
        } else {
          guard keyword.name != "address" else {
            throw line.error("address belongs inside a fixed-lease block", in: file)
          }
          try globals.add(keyword.name, values, on: line, in: file)
        }
      }
    }
    if let open = block {
      throw FormatError(
        file: file, line: open.line, message: "the block for \(open.mac) is not closed with '}'")
    }
    return (DHCPInterface(name: interface, settings: globals.settings), leases)
  }

  /// The keyword of a line and its values, checked against the keyword table.
  private static func setting(
    of fields: [Substring], on line: NumberedLine, in file: String
  ) throws(FormatError) -> (DHCPKeyword, [String]) {
    let name = String(fields[0])
    guard let keyword = DHCPKeyword.named(name) else {
      throw line.error("unknown keyword '\(name)'", in: file)
    }
    let values = fields.dropFirst().map(String.init)
    if let problem = keyword.problem(with: values) { throw line.error(problem, in: file) }
    return (keyword, values)
  }

  /// Fixed-lease blocks first, as the original requires, then the globals. Client identifiers
  /// are left out: the original format has no way to write one.
  public static func render(_ interface: DHCPInterface, _ leases: [StaticLease]) -> String {
    var text = ""
    for lease in leases {
      text += "\(lease.mac) {\n"
      if let hostname = lease.hostname { text += "\thostname \(hostname)\n" }
      text += "\taddress \(lease.address)\n"
      for setting in lease.settings { text += lines(setting, indent: "\t") }
      text += "}\n"
    }
    for setting in interface.settings { text += lines(setting, indent: "") }
    return text
  }

  /// One line, or one line per pair for static-route: the original reads at most three values
  /// from a line, so a second route needs a line of its own.
  private static func lines(_ setting: DHCPSetting, indent: String) -> String {
    guard setting.keyword == "static-route", setting.values.count > 2 else {
      return "\(indent)\(setting.keyword) \(setting.values.joined(separator: " "))\n"
    }
    return stride(from: 0, to: setting.values.count, by: 2).map { start in
      let pair = setting.values[start..<min(start + 2, setting.values.count)]
      return "\(indent)\(setting.keyword) \(pair.joined(separator: " "))\n"
    }.joined()
  }
}

/// The settings of one level (a block or the globals), refusing repeats.
private struct SettingList {
  var settings: [DHCPSetting] = []
  private var seen = FirstSeen<String>()

  mutating func add(
    _ keyword: String, _ values: [String], on line: NumberedLine, in file: String
  ) throws(FormatError) {
    if let earlier = seen.earlierLine(of: keyword, at: line.number) {
      guard keyword == "static-route",
        let index = settings.firstIndex(where: { $0.keyword == keyword })
      else { throw line.error("\(keyword) is already set on line \(earlier)", in: file) }
      settings[index].values += values
      return
    }
    settings.append(DHCPSetting(keyword: keyword, values: values))
  }
}

/// A fixed-lease block between its `MAC {` and `}` lines.
private struct OpenBlock {
  let mac: MACAddress
  let line: Int
  var hostname: HostName?
  var address: IPv4Address?
  var addressLine = 0
  var settings = SettingList()
  /// hostname and address fill fields of the lease, not settings, but may not repeat either.
  private var leaseFields = FirstSeen<String>()

  init(mac: MACAddress, line: Int) {
    self.mac = mac
    self.line = line
  }

  mutating func add(
    _ keyword: DHCPKeyword, _ values: [String], on line: NumberedLine, in file: String
  ) throws(FormatError) {
    switch keyword.name {
    case "pool-start", "pool-end":
      throw line.error("\(keyword.name) is not a per-host setting", in: file)
    case "hostname", "address":
      if let earlier = leaseFields.earlierLine(of: keyword.name, at: line.number) {
        throw line.error("\(keyword.name) is already set on line \(earlier)", in: file)
      }
      if keyword.name == "address" {
        address = IPv4Address(values[0])
        addressLine = line.number
      } else {
        guard values.count == 1, let name = HostName(values[0]) else {
          throw line.error("'\(values.joined(separator: " "))' is not a host name", in: file)
        }
        hostname = name
      }
    default:
      try settings.add(keyword.name, values, on: line, in: file)
    }
  }
}
