#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Model
#endif

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
  /// RFC 3046.
  public static let relayAgentInformation: UInt8 = 82
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

public enum DHCPOptionEncoder {
  /// The option CODE carrying VALUES, or nil if a value does not fit ENCODING (the store
  /// validated them, so nil means a store written by something else). Text values are joined
  /// with spaces, as the original config's words were. A value longer than 255 bytes is split
  /// into several instances when the message is encoded (RFC 3396).
  public static func encode(code: UInt8, values: [String], as encoding: DHCPEncoding) -> DHCPOption? {
    guard let bytes = bytes(values, as: encoding) else { return nil }
    return DHCPOption(code: code, bytes: bytes)
  }

  static func bytes(_ values: [String], as encoding: DHCPEncoding) -> [UInt8]? {
    guard !values.isEmpty else { return nil }
    switch encoding {
    case .address:
      guard values.count == 1, let address = IPv4Address(values[0]) else { return nil }
      return address.bytes
    case .addresses, .addressPairs:
      if encoding == .addressPairs && values.count % 2 != 0 { return nil }
      var bytes: [UInt8] = []
      for value in values {
        guard let address = IPv4Address(value) else { return nil }
        bytes += address.bytes
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
}

extension DHCPOptionEncoder {
  /// The values an option's bytes stand for, as the configuration writes them (the inverse of
  /// `encode`), to print a configuration back; nil when the bytes do not fit ENCODING.
  public static func values(_ bytes: [UInt8], as encoding: DHCPEncoding) -> [String]? {
    func number(_ width: Int) -> UInt32? {
      guard bytes.count == width else { return nil }
      return bytes.reduce(0) { $0 << 8 | UInt32($1) }
    }
    switch encoding {
    case .address, .addresses, .addressPairs:
      let width = encoding == .addressPairs ? 8 : 4
      guard !bytes.isEmpty, bytes.count % width == 0, encoding != .address || bytes.count == 4 else { return nil }
      return stride(from: 0, to: bytes.count, by: 4).map {
        IPv4Address(bytes[$0], bytes[$0 + 1], bytes[$0 + 2], bytes[$0 + 3]).description
      }
    case .text: return bytes.isEmpty ? nil : [String(decoding: bytes, as: UTF8.self)]
    case .byte: return number(1).map { [String($0)] }
    case .uint16: return number(2).map { [String($0)] }
    case .uint32: return number(4).map { [String($0)] }
    case .int32: return number(4).map { [String(Int32(bitPattern: $0))] }
    }
  }
}
