/// RFC 2131 §2: the BOOTP/DHCP message, read with the guards a server open to any sender
/// needs (every length checked before it is used) and written the way clients expect it:
/// option 53 first, 255 last, padded to the 300-byte BOOTP minimum some clients still insist on.

/// The DHCP message type (option 53, RFC 2132 §9.6).
public enum DHCPMessageType: UInt8, Sendable, CustomStringConvertible {
  case discover = 1, offer, request, decline, ack, nak, release, inform

  public var description: String {
    switch self {
    case .discover: "DHCPDISCOVER"
    case .offer: "DHCPOFFER"
    case .request: "DHCPREQUEST"
    case .decline: "DHCPDECLINE"
    case .ack: "DHCPACK"
    case .nak: "DHCPNAK"
    case .release: "DHCPRELEASE"
    case .inform: "DHCPINFORM"
    }
  }
}

/// Why a datagram is not a DHCP message we can act on; the daemon logs it and drops the packet.
public enum DHCPDecodeError: Error, Equatable, Sendable, CustomStringConvertible {
  /// Fewer bytes than the fixed header and the magic cookie (240).
  case tooShort(Int)
  /// The four bytes after the fixed header are not 99.130.83.99.
  case badCookie
  /// hlen larger than the 16-byte chaddr field.
  case badHardwareLength(Int)
  /// The option with this code claims more bytes than its field holds.
  case optionOverrun(UInt8)
  /// An options field that ends without the end option (255).
  case missingEnd
  /// A fixed-size option (53, 52) with the wrong length.
  case badOptionLength(UInt8)
  /// No option 53: a BOOTP request, which this server does not answer.
  case missingMessageType
  case unknownMessageType(UInt8)

  public var description: String {
    switch self {
    case .tooShort(let count): "too short: \(count) bytes, a DHCP message has at least 240"
    case .badCookie: "bad magic cookie"
    case .badHardwareLength(let length): "hardware address length \(length) is more than 16"
    case .optionOverrun(let code): "option \(code) runs past the end of its field"
    case .missingEnd: "options without an end option"
    case .badOptionLength(let code): "option \(code) has the wrong length"
    case .missingMessageType: "no DHCP message type (option 53)"
    case .unknownMessageType(let type): "unknown DHCP message type \(type)"
    }
  }
}

/// One option as the server sees it: the instances of a repeated code joined (RFC 3396), so a
/// value may be longer than the 255 bytes one instance can carry.
public struct DHCPOption: Equatable, Sendable {
  public var code: UInt8
  public var bytes: [UInt8]

  public init(code: UInt8, bytes: [UInt8]) {
    self.code = code
    self.bytes = bytes
  }
}

public struct DHCPMessage: Equatable, Sendable {
  public static let bootRequest: UInt8 = 1
  public static let bootReply: UInt8 = 2
  public static let broadcastFlag: UInt16 = 0x8000
  static let fixedLength = 236
  static let cookie: [UInt8] = [99, 130, 83, 99]
  static let minimumLength = fixedLength + 4
  /// RFC 1542 §3.4: BOOTP relays and old clients drop anything shorter.
  static let bootpMinimumLength = 300
  static let padOption: UInt8 = 0
  static let endOption: UInt8 = 255
  static let messageTypeOption: UInt8 = 53
  static let overloadOption: UInt8 = 52

  public var op: UInt8
  public var htype: UInt8
  public var hlen: UInt8
  public var hops: UInt8
  public var xid: UInt32
  public var secs: UInt16
  public var flags: UInt16
  public var ciaddr: UInt32
  public var yiaddr: UInt32
  public var siaddr: UInt32
  public var giaddr: UInt32
  /// Always 16 bytes; the hardware address is its first hlen bytes.
  public var chaddr: [UInt8]
  /// Always 64 bytes, zero-padded. After decoding, the raw field: when option 52 overloaded
  /// it, it held options (now in `options`), not a name, so a reply must not echo it.
  public var sname: [UInt8]
  /// Always 128 bytes, zero-padded; overloaded like sname.
  public var file: [UInt8]
  public var messageType: DHCPMessageType
  /// Every option but 53 (`messageType`), 52 (already honoured) and pad/end, in the order of
  /// their first appearance.
  public var options: [DHCPOption]

  public init(
    op: UInt8, htype: UInt8 = 1, hlen: UInt8 = 6, hops: UInt8 = 0, xid: UInt32, secs: UInt16 = 0,
    flags: UInt16 = 0, ciaddr: UInt32 = 0, yiaddr: UInt32 = 0, siaddr: UInt32 = 0,
    giaddr: UInt32 = 0, chaddr: [UInt8], sname: [UInt8] = [], file: [UInt8] = [],
    messageType: DHCPMessageType, options: [DHCPOption] = []
  ) {
    self.op = op
    self.htype = htype
    self.hlen = hlen
    self.hops = hops
    self.xid = xid
    self.secs = secs
    self.flags = flags
    self.ciaddr = ciaddr
    self.yiaddr = yiaddr
    self.siaddr = siaddr
    self.giaddr = giaddr
    self.chaddr = Self.field(chaddr, length: 16)
    self.sname = Self.field(sname, length: 64)
    self.file = Self.field(file, length: 128)
    self.messageType = messageType
    self.options = options
  }

  /// Fits bytes to a fixed-size field: cut or zero-padded.
  static func field(_ bytes: [UInt8], length: Int) -> [UInt8] {
    Array(bytes.prefix(length)) + [UInt8](repeating: 0, count: max(0, length - bytes.count))
  }

  public var broadcast: Bool {
    get { flags & Self.broadcastFlag != 0 }
    set { flags = newValue ? flags | Self.broadcastFlag : flags & ~Self.broadcastFlag }
  }

  /// The client's hardware address: the first hlen bytes of chaddr.
  public var hardwareAddress: [UInt8] { Array(chaddr.prefix(Int(min(hlen, 16)))) }

  /// The joined bytes of option CODE, or nil if the message does not carry it.
  public func option(_ code: UInt8) -> [UInt8]? {
    options.first { $0.code == code }?.bytes
  }

  /// Sets option CODE (replacing it in place, or appending it), or removes it for nil.
  public mutating func setOption(_ code: UInt8, _ bytes: [UInt8]?) {
    guard let bytes else {
      options.removeAll { $0.code == code }
      return
    }
    if let index = options.firstIndex(where: { $0.code == code }) {
      options[index].bytes = bytes
    } else {
      options.append(DHCPOption(code: code, bytes: bytes))
    }
  }

  public static func decode(_ bytes: ArraySlice<UInt8>) throws(DHCPDecodeError) -> DHCPMessage {
    guard bytes.count >= minimumLength else { throw .tooShort(bytes.count) }
    let start = bytes.startIndex
    func byte(_ offset: Int) -> UInt8 { bytes[start + offset] }
    func uint16(_ offset: Int) -> UInt16 { UInt16(byte(offset)) << 8 | UInt16(byte(offset + 1)) }
    func uint32(_ offset: Int) -> UInt32 { UInt32(uint16(offset)) << 16 | UInt32(uint16(offset + 2)) }
    func slice(_ offset: Int, _ length: Int) -> ArraySlice<UInt8> {
      bytes[(start + offset)..<(start + offset + length)]
    }

    guard slice(fixedLength, 4).elementsEqual(cookie) else { throw .badCookie }
    let hlen = byte(2)
    guard hlen <= 16 else { throw .badHardwareLength(Int(hlen)) }
    let sname = slice(44, 64)
    let file = slice(108, 128)

    var options: [DHCPOption] = []
    try readOptions(bytes[(start + minimumLength)...], into: &options)
    if let overload = options.first(where: { $0.code == overloadOption }) {
      guard overload.bytes.count == 1 else { throw .badOptionLength(overloadOption) }
      // RFC 2131 §4.1: the file field is read before sname.
      if overload.bytes[0] & 1 != 0 { try readOptions(file, into: &options) }
      if overload.bytes[0] & 2 != 0 { try readOptions(sname, into: &options) }
    }

    guard let typeIndex = options.firstIndex(where: { $0.code == messageTypeOption }) else {
      throw .missingMessageType
    }
    guard options[typeIndex].bytes.count == 1 else { throw .badOptionLength(messageTypeOption) }
    let typeCode = options[typeIndex].bytes[0]
    guard let messageType = DHCPMessageType(rawValue: typeCode) else {
      throw .unknownMessageType(typeCode)
    }
    options.removeAll { $0.code == messageTypeOption || $0.code == overloadOption }

    return DHCPMessage(
      op: byte(0), htype: byte(1), hlen: hlen, hops: byte(3), xid: uint32(4), secs: uint16(8),
      flags: uint16(10), ciaddr: uint32(12), yiaddr: uint32(16), siaddr: uint32(20),
      giaddr: uint32(24), chaddr: Array(slice(28, 16)), sname: Array(sname), file: Array(file),
      messageType: messageType, options: options)
  }

  /// Reads one options field up to its end option, joining repeated codes (RFC 3396 §5).
  private static func readOptions(
    _ field: ArraySlice<UInt8>, into options: inout [DHCPOption]
  ) throws(DHCPDecodeError) {
    var index = field.startIndex
    while index < field.endIndex {
      let code = field[index]
      index += 1
      if code == padOption { continue }
      if code == endOption { return }
      guard index < field.endIndex else { throw .optionOverrun(code) }
      let length = Int(field[index])
      index += 1
      guard field.endIndex - index >= length else { throw .optionOverrun(code) }
      let value = field[index..<(index + length)]
      index += length
      if let existing = options.firstIndex(where: { $0.code == code }) {
        options[existing].bytes += value
      } else {
        options.append(DHCPOption(code: code, bytes: Array(value)))
      }
    }
    throw .missingEnd
  }

  /// The wire form: fixed header, cookie, option 53, the options in order (a value longer than
  /// 255 bytes as several instances, RFC 3396), 255, zero padding up to 300 bytes.
  public func encode() -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(Self.bootpMinimumLength)
    bytes += [op, htype, hlen, hops]
    bytes += bigEndianBytes(xid)
    bytes += [UInt8(secs >> 8), UInt8(secs & 0xFF), UInt8(flags >> 8), UInt8(flags & 0xFF)]
    for address in [ciaddr, yiaddr, siaddr, giaddr] { bytes += bigEndianBytes(address) }
    bytes += Self.field(chaddr, length: 16)
    bytes += Self.field(sname, length: 64)
    bytes += Self.field(file, length: 128)
    bytes += Self.cookie
    bytes += [Self.messageTypeOption, 1, messageType.rawValue]
    for option in options {
      var rest = option.bytes[...]
      repeat {
        let chunk = rest.prefix(255)
        bytes += [option.code, UInt8(chunk.count)]
        bytes += chunk
        rest = rest.dropFirst(chunk.count)
      } while !rest.isEmpty
    }
    bytes.append(Self.endOption)
    if bytes.count < Self.bootpMinimumLength {
      bytes += [UInt8](repeating: Self.padOption, count: Self.bootpMinimumLength - bytes.count)
    }
    return bytes
  }
}

func bigEndianBytes(_ value: UInt32) -> [UInt8] {
  [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
}
