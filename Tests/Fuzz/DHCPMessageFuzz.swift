/// libFuzzer entry point, built by `Scripts/fuzz dhcp` together with Sources/Services/DHCP and
/// Sources/Model (it belongs to no SwiftPM target). Every input is a datagram for the
/// decoder; a message it accepts must survive encode and decode unchanged, its typed options
/// must be readable, and the server must answer it (twice, so the second sees the first's
/// lease) with a reply that encodes within the client's size limit and decodes again.
/// AddressSanitizer and the stdlib's own checks catch memory faults, the checks below the
/// broken promises.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
  // A slice that does not start at index 0, as a receive buffer's prefix would not.
  let framed = [0x5A] + input
  let message: DHCPMessage
  do {
    message = try DHCPMessage.decode(framed[1...])
  } catch {
    return 0
  }
  _ = (message.requestedAddress, message.leaseTime, message.serverIdentifier)
  _ = (message.parameterRequestList, message.maximumMessageSize, message.clientIdentifier)
  _ = (message.hostname, message.vendorClass, message.hardwareAddress, message.broadcast)
  let encoded = message.encode()
  if encoded.count < DHCPMessage.bootpMinimumLength {
    fatalError("encoded \(encoded.count) bytes, fewer than the BOOTP minimum")
  }
  let again: DHCPMessage
  do {
    again = try DHCPMessage.decode(encoded[...])
  } catch {
    fatalError("a decoded message of \(input.count) bytes encodes to one the decoder rejects: \(error)")
  }
  if again != message {
    fatalError("a decoded message of \(input.count) bytes changes in an encode-decode round trip")
  }
  if again.encode() != encoded {
    fatalError("a decoded message of \(input.count) bytes encodes differently the second time")
  }
  var server = fuzzedServer()
  for arrival in [DHCPArrival(interface: "eth0", localAddress: 0xC0A8_0001), DHCPArrival(interface: nil, localAddress: 0)] {
    let outcome = server.handle(message, arrival: arrival, now: 1_800_000_000)
    guard let reply = outcome.reply else { continue }
    let bytes = reply.encoded()
    if bytes.count > max(reply.sizeLimit, DHCPMessage.bootpMinimumLength) && reply.message.options.count > 0 {
      let mandatory = reply.message.options.allSatisfy { [1, 51, 54, 56, 82].contains($0.code) }
      if !mandatory { fatalError("a reply of \(bytes.count) bytes exceeds the client's limit \(reply.sizeLimit)") }
    }
    do {
      _ = try DHCPMessage.decode(bytes[...])
    } catch {
      fatalError("the server's reply does not decode: \(error)")
    }
  }
  return 0
}

/// A /24 with a small pool, a fixed host, and a lease for a known client.
func fuzzedServer() -> DHCPServer {
  let subnet = DHCPSubnet(
    interface: "eth0", network: 0xC0A8_0000, mask: 0xFFFF_FF00, pools: [0xC0A8_0064...0xC0A8_0066],
    leaseSeconds: 600, ownAddress: 0xC0A8_0001,
    options: [DHCPOption(code: 3, bytes: [192, 168, 0, 1]), DHCPOption(code: 15, bytes: Array("home".utf8))],
    hosts: [DHCPHost(hardwareAddress: [2, 0, 0, 0, 0, 9], address: 0xC0A8_0009, hostname: "fixed")])
  let known = DHCPLease(
    address: 0xC0A8_0064, client: DHCPClient(hardwareAddress: [2, 0, 0, 0, 0, 1], identifier: nil),
    start: 1_799_999_000, expiry: 1_800_000_500, state: .active)
  return DHCPServer(subnets: [subnet], leases: ["eth0": [known]])
}
