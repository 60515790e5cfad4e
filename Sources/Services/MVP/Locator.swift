/// The Hauppauge MediaMVP "service locator" exchange (UDP 16881): a booting MVP broadcasts a
/// 52-byte request; the server answers with where its GUI, media and console servers are.
/// All fields are big-endian, at the offsets of the original mvprelay.c (see `decode` and `reply`).
public enum Locator {
  public static let packetSize = 52
  static let requestIDs: (UInt16, UInt16) = (0xBABE, 0xFAFE)
  /// The reply's "client port" field: the MVP expects 2048 there, not its own port.
  static let replyPortField: UInt16 = 2048

  /// Decodes one request; a datagram holding anything but exactly one request is an error.
  public static func decode(_ bytes: some Collection<UInt8>) throws(LocatorError) -> LocatorRequest {
    let packet = Array(bytes)
    guard packet.count == packetSize else { throw .wrongSize(packet.count) }
    guard packet.uint16(at: 4) == requestIDs.0, packet.uint16(at: 6) == requestIDs.1 else {
      throw .wrongMagic
    }
    return LocatorRequest(
      sequence: packet.uint32(at: 0), clientMAC: Array(packet[8..<14]),
      clientAddress: packet.uint32(at: 16), clientPort: packet.uint16(at: 20))
  }

  /// Encodes the answer to `request`: sequence echoed, ids swapped, the server's MAC, the
  /// client's address echoed, and `serverAddress` with each of `ports`.
  public static func reply(
    to request: LocatorRequest, serverAddress: UInt32, serverMAC: [UInt8], ports: LocatorPorts = LocatorPorts()
  ) -> [UInt8] {
    var packet = [UInt8](repeating: 0, count: packetSize)
    packet.put(request.sequence, at: 0)
    packet.put(requestIDs.1, at: 4)
    packet.put(requestIDs.0, at: 6)
    for (offset, byte) in serverMAC.prefix(6).enumerated() { packet[8 + offset] = byte }
    packet.put(request.clientAddress, at: 16)
    packet.put(replyPortField, at: 20)
    packet.put(serverAddress, at: 24)
    packet.put(ports.gui, at: 28)
    packet.put(serverAddress, at: 32)
    packet.put(ports.media, at: 36)
    packet.put(serverAddress, at: 44)
    packet.put(ports.console, at: 48)
    return packet
  }
}

public struct LocatorRequest: Equatable, Sendable {
  public var sequence: UInt32
  public var clientMAC: [UInt8]
  /// Where the MVP wants the reply: its IPv4 address and UDP port, from the payload.
  public var clientAddress: UInt32
  public var clientPort: UInt16

  public init(sequence: UInt32, clientMAC: [UInt8], clientAddress: UInt32, clientPort: UInt16) {
    self.sequence = sequence
    self.clientMAC = clientMAC
    self.clientAddress = clientAddress
    self.clientPort = clientPort
  }
}

public struct LocatorPorts: Equatable, Sendable {
  public var gui: UInt16
  public var media: UInt16
  public var console: UInt16

  public init(gui: UInt16 = 5906, media: UInt16 = 6337, console: UInt16 = 16886) {
    self.gui = gui
    self.media = media
    self.console = console
  }
}

public enum LocatorError: Error, Equatable, Sendable {
  /// The datagram is not exactly 52 bytes long; carries its length.
  case wrongSize(Int)
  /// The id fields are not 0xBABE, 0xFAFE.
  case wrongMagic
}

extension [UInt8] {
  fileprivate func uint16(at offset: Int) -> UInt16 {
    UInt16(self[offset]) << 8 | UInt16(self[offset + 1])
  }

  fileprivate func uint32(at offset: Int) -> UInt32 {
    self[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
  }

  fileprivate mutating func put(_ value: UInt16, at offset: Int) {
    self[offset] = UInt8(value >> 8)
    self[offset + 1] = UInt8(value & 0xFF)
  }

  fileprivate mutating func put(_ value: UInt32, at offset: Int) {
    for index in 0..<4 { self[offset + index] = UInt8(value >> (24 - 8 * index) & 0xFF) }
  }
}
