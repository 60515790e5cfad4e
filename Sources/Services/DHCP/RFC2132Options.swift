/// RFC 2132: the options a server reads from a client, typed, and the server's own options
/// encoded from the store's text settings (the in.dhcp.conf keyword table's encodings).

public enum DHCPOptionCode {
  public static let subnetMask: UInt8 = 1
  public static let hostname: UInt8 = 12
  public static let requestedAddress: UInt8 = 50
  public static let leaseTime: UInt8 = 51
  public static let serverIdentifier: UInt8 = 54
  public static let parameterRequestList: UInt8 = 55
  public static let message: UInt8 = 56
  public static let maximumMessageSize: UInt8 = 57
  public static let renewalTime: UInt8 = 58
  public static let rebindingTime: UInt8 = 59
  public static let vendorClass: UInt8 = 60
  public static let clientIdentifier: UInt8 = 61
}

extension DHCPMessage {
  /// Option 50: the address the client asks for (SELECTING, INIT-REBOOT, or a DISCOVER hint).
  public var requestedAddress: UInt32? {
    get { uint32(DHCPOptionCode.requestedAddress) }
    set { setOption(DHCPOptionCode.requestedAddress, newValue.map { bigEndianBytes($0) }) }
  }

  /// Option 51, in seconds.
  public var leaseTime: UInt32? {
    get { uint32(DHCPOptionCode.leaseTime) }
    set { setOption(DHCPOptionCode.leaseTime, newValue.map { bigEndianBytes($0) }) }
  }

  /// Option 54: which server the client chose; a REQUEST naming another one is not for us.
  public var serverIdentifier: UInt32? {
    get { uint32(DHCPOptionCode.serverIdentifier) }
    set { setOption(DHCPOptionCode.serverIdentifier, newValue.map { bigEndianBytes($0) }) }
  }

  /// Option 55: the codes the client wants, in its order of preference; empty if absent.
  public var parameterRequestList: [UInt8] { option(DHCPOptionCode.parameterRequestList) ?? [] }

  /// Option 57; nil when absent or below the 576 bytes every client must accept (§9.10).
  public var maximumMessageSize: UInt16? {
    guard let bytes = option(DHCPOptionCode.maximumMessageSize), bytes.count == 2 else { return nil }
    let size = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
    return size >= 576 ? size : nil
  }

  /// Option 61: the client's own key for its lease (usually its hardware type and address).
  public var clientIdentifier: [UInt8]? {
    guard let bytes = option(DHCPOptionCode.clientIdentifier), !bytes.isEmpty else { return nil }
    return bytes
  }

  /// Option 12: the name the client calls itself.
  public var hostname: String? { text(DHCPOptionCode.hostname) }

  /// Option 60: e.g. "udhcp 1.36.1", "MSFT 5.0".
  public var vendorClass: String? { text(DHCPOptionCode.vendorClass) }

  private func uint32(_ code: UInt8) -> UInt32? {
    guard let bytes = option(code), bytes.count == 4 else { return nil }
    return bytes.reduce(0) { $0 << 8 | UInt32($1) }
  }

  private func text(_ code: UInt8) -> String? {
    guard let bytes = option(code), !bytes.isEmpty else { return nil }
    return String(decoding: bytes, as: UTF8.self)
  }
}

/// How a configured option's values go on the wire; mirrors the store's DHCPEncoding so this
/// module does not depend on the store.
public enum OptionEncoding: Sendable, Hashable {
  case address, addresses, addressPairs, text, byte, uint16, uint32, int32
}

public enum DHCPOptionEncoder {
  /// The option CODE carrying VALUES, or nil if a value does not fit ENCODING (the store
  /// validated them, so nil means a store written by something else). Text values are joined
  /// with spaces, as the original config's words were. A value longer than 255 bytes is split
  /// into several instances when the message is encoded (RFC 3396).
  public static func encode(code: UInt8, values: [String], as encoding: OptionEncoding) -> DHCPOption? {
    guard let bytes = bytes(values, as: encoding) else { return nil }
    return DHCPOption(code: code, bytes: bytes)
  }

  static func bytes(_ values: [String], as encoding: OptionEncoding) -> [UInt8]? {
    guard !values.isEmpty else { return nil }
    switch encoding {
    case .address:
      guard values.count == 1, let address = ipv4(values[0]) else { return nil }
      return bigEndianBytes(address)
    case .addresses, .addressPairs:
      if encoding == .addressPairs && values.count % 2 != 0 { return nil }
      var bytes: [UInt8] = []
      for value in values {
        guard let address = ipv4(value) else { return nil }
        bytes += bigEndianBytes(address)
      }
      return bytes
    case .text:
      let bytes = Array(values.joined(separator: " ").utf8)
      return bytes.isEmpty ? nil : bytes
    case .byte:
      guard values.count == 1, let number = UInt8(values[0]) else { return nil }
      return [number]
    case .uint16:
      guard values.count == 1, let number = UInt16(values[0]) else { return nil }
      return [UInt8(number >> 8), UInt8(number & 0xFF)]
    case .uint32:
      guard values.count == 1, let number = UInt32(values[0]) else { return nil }
      return bigEndianBytes(number)
    case .int32:
      guard values.count == 1, let number = Int32(values[0]) else { return nil }
      return bigEndianBytes(UInt32(bitPattern: number))
    }
  }

  /// A dotted quad: four decimal numbers 0-255, nothing else.
  static func ipv4(_ text: String) -> UInt32? {
    var address: UInt32 = 0
    var part: UInt32 = 0
    var digits = 0
    var parts = 0
    for byte in text.utf8 {
      if byte == UInt8(ascii: ".") {
        guard digits > 0, parts < 3 else { return nil }
        address = address << 8 | part
        parts += 1
        part = 0
        digits = 0
      } else if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") && digits < 3 {
        part = part * 10 + UInt32(byte - UInt8(ascii: "0"))
        digits += 1
        guard part <= 255 else { return nil }
      } else {
        return nil
      }
    }
    guard digits > 0, parts == 3 else { return nil }
    return address << 8 | part
  }
}
