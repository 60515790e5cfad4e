import CLibc

/// The buffers for moving many datagrams per system call (recvmmsg / sendmmsg): at hundreds
/// of thousands of datagrams a second the syscall, not the work, is the cost of a datagram.
/// Allocated once per process and left uninitialised: the kernel writes only what arrives,
/// so a small datagram touches one page of its slot (every touched page is a fault and
/// private memory, at every exec).
final class DatagramBatch {
  let capacity: Int
  let slotSize: Int
  private static let controlSize = 128
  private static let addressSize = MemoryLayout<sockaddr_storage>.size
  private static let sendArenaSize = 256 * 1024

  private let headers: UnsafeMutablePointer<slug_mmsghdr>
  private let vectors: UnsafeMutablePointer<iovec>
  private let addresses: UnsafeMutableRawPointer
  private let controls: UnsafeMutableRawPointer
  private let payloads: UnsafeMutableRawPointer
  private let sendArena: UnsafeMutableRawPointer

  init(capacity: Int, slotSize: Int) {
    self.capacity = capacity
    self.slotSize = slotSize
    headers = .allocate(capacity: capacity)
    vectors = .allocate(capacity: capacity)
    addresses = .allocate(byteCount: capacity * DatagramBatch.addressSize, alignment: 16)
    controls = .allocate(byteCount: capacity * DatagramBatch.controlSize, alignment: 16)
    payloads = .allocate(byteCount: capacity * slotSize, alignment: 16)
    sendArena = .allocate(byteCount: DatagramBatch.sendArenaSize, alignment: 16)
  }

  deinit {
    headers.deallocate()
    vectors.deallocate()
    addresses.deallocate()
    controls.deallocate()
    payloads.deallocate()
    sendArena.deallocate()
  }

  enum Received {
    /// How many slots hold a datagram (at least one).
    case datagrams(Int)
    case empty
    case failed(Int32)
  }

  /// Takes every datagram already queued on `socket`, up to `capacity`, without waiting.
  func receive(from socket: Int32) -> Received {
    for index in 0..<capacity {
      vectors[index] = iovec(iov_base: payloads + index * slotSize, iov_len: slotSize)
      var header = msghdr()
      header.msg_name = addresses + index * DatagramBatch.addressSize
      header.msg_namelen = socklen_t(DatagramBatch.addressSize)
      header.msg_iov = vectors + index
      header.msg_iovlen = 1
      header.msg_control = controls + index * DatagramBatch.controlSize
      header.msg_controllen = .init(DatagramBatch.controlSize)
      headers[index] = slug_mmsghdr(msg_hdr: header, msg_len: 0)
    }
    while true {
      let count = slug_recvmmsg(socket, headers, UInt32(capacity), Int32(MSG_DONTWAIT))
      if count > 0 { return .datagrams(Int(count)) }
      if count == 0 { return .empty }
      let code = slug_errno()
      if code == EINTR { continue }
      if code == EAGAIN || code == EWOULDBLOCK { return .empty }
      return .failed(code)
    }
  }

  /// The sender of the datagram in slot `index`; nil for an address family we do not speak.
  func source(at index: Int) -> SocketAddress? {
    SocketAddress(addresses + index * DatagramBatch.addressSize, length: headers[index].msg_hdr.msg_namelen)
  }

  /// The payload in slot `index` (a 64 KiB slot holds any UDP datagram).
  func payload(at index: Int) -> [UInt8] {
    let length = min(Int(headers[index].msg_len), slotSize)
    return Array(UnsafeRawBufferPointer(start: payloads + index * slotSize, count: length))
  }

  func packetInfo(at index: Int) -> PacketInfo {
    let length = min(Int(headers[index].msg_hdr.msg_controllen), DatagramBatch.controlSize)
    let bytes = UnsafeRawBufferPointer(start: controls + index * DatagramBatch.controlSize, count: length)
    return PacketInfo(control: Array(bytes)[...])
  }

  /// An IP_PKTINFO control message (struct cmsghdr, then struct in_pktinfo: ifindex,
  /// spec_dst, addr) choosing the interface and source address of one IPv4 datagram.
  /// Returns its length.
  private static func writePacketInfo(to control: UnsafeMutableRawPointer, interfaceIndex: Int32, source: UInt32) -> Int {
    let length = 16 + 12
    control.initializeMemory(as: UInt8.self, repeating: 0, count: 32)
    control.storeBytes(of: length, toByteOffset: 0, as: Int.self)
    control.storeBytes(of: Int32(IPPROTO_IP), toByteOffset: 8, as: Int32.self)
    control.storeBytes(of: Int32(IP_PKTINFO), toByteOffset: 12, as: Int32.self)
    control.storeBytes(of: interfaceIndex, toByteOffset: 16, as: Int32.self)
    control.storeBytes(of: source.bigEndian, toByteOffset: 20, as: UInt32.self)
    // CMSG_SPACE: the data padded to 8 bytes.
    return 32
  }

  /// An IPV6_PKTINFO control message (struct cmsghdr, then struct in6_pktinfo: addr,
  /// ifindex) choosing the source address and interface of one IPv6 datagram. Returns its length.
  private static func writePacketInfo(to control: UnsafeMutableRawPointer, interfaceIndex: Int32, source: [UInt8]) -> Int {
    let length = 16 + 20
    control.initializeMemory(as: UInt8.self, repeating: 0, count: 40)
    control.storeBytes(of: length, toByteOffset: 0, as: Int.self)
    control.storeBytes(of: Int32(IPPROTO_IPV6), toByteOffset: 8, as: Int32.self)
    control.storeBytes(of: Int32(IPV6_PKTINFO), toByteOffset: 12, as: Int32.self)
    for (offset, byte) in source.prefix(16).enumerated() { control.storeBytes(of: byte, toByteOffset: 16 + offset, as: UInt8.self) }
    control.storeBytes(of: interfaceIndex, toByteOffset: 32, as: Int32.self)
    return 40
  }

  /// Sends `replies` from `socket`, as many per system call as fit the batch. Returns the
  /// replies the kernel refused, with the error, so the caller can log them.
  func send(_ replies: [DatagramReply], from socket: Int32) -> [(reply: DatagramReply, error: Int32)] {
    var refused: [(reply: DatagramReply, error: Int32)] = []
    var next = 0
    while next < replies.count {
      // Stage as many replies as the headers and the arena hold.
      var staged = 0
      var used = 0
      while next + staged < replies.count, staged < capacity {
        let reply = replies[next + staged]
        guard used + reply.bytes.count <= DatagramBatch.sendArenaSize || staged == 0 else { break }
        let length = min(reply.bytes.count, DatagramBatch.sendArenaSize)
        reply.bytes.withUnsafeBytes { source in
          if let base = source.baseAddress { (sendArena + used).copyMemory(from: base, byteCount: length) }
        }
        let nameLength = reply.destination.withSockaddr { address, length in
          (addresses + staged * DatagramBatch.addressSize).copyMemory(from: address, byteCount: Int(length))
          return length
        }
        vectors[staged] = iovec(iov_base: sendArena + used, iov_len: length)
        var header = msghdr()
        header.msg_name = addresses + staged * DatagramBatch.addressSize
        header.msg_namelen = nameLength
        header.msg_iov = vectors + staged
        header.msg_iovlen = 1
        let control = controls + staged * DatagramBatch.controlSize
        // An IPv4-mapped destination leaves a dual-stack socket as IPv4, chosen by IP_PKTINFO.
        if reply.destination.ipv4Address != nil {
          if reply.interfaceIndex != 0 || reply.sourceIPv4 != 0 {
            header.msg_control = control
            header.msg_controllen = .init(DatagramBatch.writePacketInfo(
              to: control, interfaceIndex: reply.interfaceIndex, source: reply.sourceIPv4))
          }
        } else if reply.interfaceIndex != 0 || !reply.sourceIPv6.isEmpty {
          header.msg_control = control
          header.msg_controllen = .init(DatagramBatch.writePacketInfo(
            to: control, interfaceIndex: reply.interfaceIndex, source: reply.sourceIPv6))
        }
        headers[staged] = slug_mmsghdr(msg_hdr: header, msg_len: 0)
        used += (length + 15) & ~15
        staged += 1
      }
      var first = 0
      while first < staged {
        let sent = slug_sendmmsg(socket, headers + first, UInt32(staged - first), Int32(MSG_NOSIGNAL))
        if sent > 0 {
          first += Int(sent)
          continue
        }
        let code = sent < 0 ? slug_errno() : EIO
        if code == EINTR { continue }
        // The first staged message failed: report it and carry on with the rest.
        refused.append((replies[next + first], code))
        first += 1
      }
      next += staged
    }
    return refused
  }
}
