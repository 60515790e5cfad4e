#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// The records the store holds, as plain values. The database tables (Store), the flat-file
/// formats (Formats/) and slugctl all speak in these types.

/// A name the store keys on (a jabber user, a host, an interface). Compared without regard to
/// ASCII case, as DNS and XMPP local parts on a home LAN are; the spelling given first is kept.
public struct HostName: Hashable, Comparable, Sendable, CustomStringConvertible {
  public let text: String

  /// Accepts a DNS host name: dot-separated labels of letters, digits, `-` and `_`, each 1-63
  /// bytes, not starting or ending with `-`, at most 253 bytes in all. One trailing dot (the
  /// original in.dns.conf writes names fully qualified) is dropped.
  public init?<S: StringProtocol>(_ raw: S) {
    var name = String(raw)
    if name.utf8.last == UInt8(ascii: ".") { name.removeLast() }
    guard !name.isEmpty, name.utf8.count <= 253 else { return nil }
    // One pass over the bytes: in.dns parses every stored name at each (re)load.
    var labelLength = 0
    var previous = UInt8(ascii: ".")
    for byte in name.utf8 {
      if byte == UInt8(ascii: ".") {
        guard labelLength > 0, previous != UInt8(ascii: "-") else { return nil }
        labelLength = 0
      } else {
        guard Self.isLabelByte(byte), labelLength < 63, labelLength > 0 || byte != UInt8(ascii: "-")
        else { return nil }
        labelLength += 1
      }
      previous = byte
    }
    guard labelLength > 0, previous != UInt8(ascii: "-") else { return nil }
    text = name
  }

  private static func isLabelByte(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
      UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
      true
    default: false
    }
  }

  /// The lower-case key two spellings of one name share (the name is ASCII).
  public var key: String { ASCII.lowercased(text) }

  public var description: String { text }

  public static func == (lhs: Self, rhs: Self) -> Bool { lhs.key == rhs.key }
  public func hash(into hasher: inout Hasher) { hasher.combine(key) }
  public static func < (lhs: Self, rhs: Self) -> Bool { lhs.key < rhs.key }
}

/// A jabber user with the password in the clear: a line of the original in.jabberd.conf (what
/// `slugctl import` hashes, and in.jabberd's drop-in mode reads). The store keeps a
/// `JabberAccount` instead.
public struct JabberUser: Hashable, Sendable {
  public var name: String
  public var password: String

  public init(name: String, password: String) {
    self.name = name
    self.password = password
  }

  /// A user name (an XMPP local part): 1-64 bytes, no white space, none of `"&'/:<>@` (RFC 7622),
  /// no `#` (the original user list treats `#` as a comment).
  public static func isValidName(_ name: String) -> Bool {
    guard (1...64).contains(name.utf8.count) else { return false }
    return name.unicodeScalars.allSatisfy { scalar in
      scalar.value > 0x20 && scalar.value != 0x7f && !"\"&'/:<>@#".unicodeScalars.contains(scalar)
    }
  }

  /// A password: 1-1023 bytes, no white space or control characters (the original's
  /// `name : password` lines cannot carry them).
  public static func isValidPassword(_ password: String) -> Bool {
    guard (1...1023).contains(password.utf8.count) else { return false }
    return password.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value != 0x7f }
  }
}

/// One name for one address. An address may have several names; the first one added answers
/// its PTR query.
public struct DNSHost: Hashable, Sendable {
  public var name: HostName
  public var address: IPAddress

  public init(name: HostName, address: IPAddress) {
    self.name = name
    self.address = address
  }
}

/// One configuration line of a DHCP interface or static lease: a keyword of the original
/// in.dhcp.conf table (`routers`, `pool-start`, ...) with its values, as text.
public struct DHCPSetting: Hashable, Sendable {
  public var keyword: String
  public var values: [String]

  public init(keyword: String, values: [String]) {
    self.keyword = keyword
    self.values = values
  }
}

/// A DHCP interface: its settings in the order they were given.
public struct DHCPInterface: Hashable, Sendable {
  public var name: String
  public var settings: [DHCPSetting]

  public init(name: String, settings: [DHCPSetting]) {
    self.name = name
    self.settings = settings
  }

  /// The values of a keyword, if set.
  public func values(of keyword: String) -> [String]? {
    settings.first { $0.keyword == keyword }?.values
  }
}

/// A fixed address for one client, by MAC and optionally by DHCP client identifier.
public struct StaticLease: Hashable, Sendable {
  public var mac: MACAddress
  public var clientID: [UInt8]?
  public var address: IPv4Address
  public var hostname: HostName?
  /// The interface this lease belongs to; nil means every interface.
  public var interface: String?
  /// Per-host settings: `next-server`, `filename` and option keywords.
  public var settings: [DHCPSetting]

  public init(
    mac: MACAddress, clientID: [UInt8]? = nil, address: IPv4Address, hostname: HostName? = nil,
    interface: String? = nil, settings: [DHCPSetting] = []
  ) {
    self.mac = mac
    self.clientID = clientID
    self.address = address
    self.hostname = hostname
    self.interface = interface
    self.settings = settings
  }
}

/// Where a dynamic lease stands.
public enum LeaseState: String, Hashable, Sendable, CaseIterable {
  /// Offered, not yet requested: held briefly so the ACK agrees with the OFFER.
  case offered
  /// Acknowledged and not yet expired.
  case active
  /// Given back by the client (DHCPRELEASE).
  case released
  /// Refused by the client as in use by someone else (DHCPDECLINE).
  case declined
  /// Past its expiry time.
  case expired
}

/// A dynamic lease. Times are Unix epoch seconds.
public struct Lease: Hashable, Sendable {
  public var interface: String
  public var address: IPv4Address
  public var mac: MACAddress
  public var clientID: [UInt8]?
  public var hostname: HostName?
  public var start: Int64
  public var expiry: Int64
  public var state: LeaseState

  public init(
    interface: String, address: IPv4Address, mac: MACAddress, clientID: [UInt8]? = nil,
    hostname: HostName? = nil, start: Int64, expiry: Int64, state: LeaseState
  ) {
    self.interface = interface
    self.address = address
    self.mac = mac
    self.clientID = clientID
    self.hostname = hostname
    self.start = start
    self.expiry = expiry
    self.state = state
  }
}

/// Where a torrent stands in the queue.
public enum TorrentState: String, Hashable, Sendable, CaseIterable {
  case queued
  case running
  case paused
  case seeding
  case done
  case failed
}

/// What a running torrent's ctorrent last reported (through in.ctcs). Rates and limits in
/// bytes/s, totals in bytes, pieces as counts, times as Unix epoch seconds.
public struct TorrentStatus: Hashable, Sendable {
  public var peerID: String = ""
  public var lastMessage: String = ""
  public var downloadRate: Int64 = 0
  public var uploadRate: Int64 = 0
  public var downloadLimit: Int64 = 0
  public var uploadLimit: Int64 = 0
  public var piecesTotal: Int64 = 0
  public var piecesHave: Int64 = 0
  public var piecesAvailable: Int64 = 0
  public var downloaded: Int64 = 0
  public var uploaded: Int64 = 0
  public var seeders: Int64 = 0
  public var trackerSeeders: Int64 = 0
  public var leechers: Int64 = 0
  public var trackerLeechers: Int64 = 0
  public var connecting: Int64 = 0
  public var cacheUsedKB: Int64 = 0
  public var lastSeen: Int64 = 0

  public init() {}
}

/// A torrent in the queue.
public struct Torrent: Hashable, Sendable {
  public var id: Int64
  /// The name from the metainfo (`info.name`), else the file name.
  public var name: String
  /// The .torrent file's bytes.
  public var metainfo: [UInt8]
  public var state: TorrentState
  /// Queue order: lower starts first.
  public var position: Int64
  /// Per-torrent bounds on the shared bandwidth, bytes/s; nil for none.
  public var minDownloadRate: Int64?
  public var maxDownloadRate: Int64?
  public var minUploadRate: Int64?
  public var maxUploadRate: Int64?
  public var added: Int64
  public var status: TorrentStatus

  public init(
    id: Int64, name: String, metainfo: [UInt8], state: TorrentState, position: Int64,
    minDownloadRate: Int64? = nil, maxDownloadRate: Int64? = nil, minUploadRate: Int64? = nil,
    maxUploadRate: Int64? = nil, added: Int64, status: TorrentStatus = TorrentStatus()
  ) {
    self.id = id
    self.name = name
    self.metainfo = metainfo
    self.state = state
    self.position = position
    self.minDownloadRate = minDownloadRate
    self.maxDownloadRate = maxDownloadRate
    self.minUploadRate = minUploadRate
    self.maxUploadRate = maxUploadRate
    self.added = added
    self.status = status
  }
}
