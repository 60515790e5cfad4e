/// libFuzzer entry point, built by Scripts/fuzz-dhcp together with Sources/Services/DHCP (it
/// belongs to no SwiftPM target). Every input is a datagram for the decoder; a message it
/// accepts must survive encode and decode unchanged, and its typed options must be readable.
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
  return 0
}
