/// Answers each locator request with this server's address, MAC and ports.
enum LocatorRelay: DatagramDaemonProgram {
  static let standardInput: [StandardInput] = [.datagramSocket]
  static let inetdLine = "16881 dgram udp wait"

  static func load(_ options: LocatorOptions, log: Log) throws(StartupError) {}

  static func describe(_ options: LocatorOptions, _ configuration: Void) -> String {
    """
    idle \(options.idleSeconds)
    server \(options.configuredServer.map(SocketAddress.dottedQuad) ?? "the address each request arrives on")
    gui-port \(options.ports.gui)
    media-port \(options.ports.media)
    console-port \(options.ports.console)
    """
  }

  static func serve(_ options: LocatorOptions, _ configuration: Void, on input: StandardInput?, log: Log) -> Int32 {
    // A burst almost always comes in on one address, so one remembered lookup is enough.
    var lastServer: (address: UInt32, mac: [UInt8])?
    return DatagramService(idleSeconds: options.idleSeconds, log: log).run { datagram in
      // The protocol is IPv4's: the request and reply carry IPv4 addresses, and the reply goes
      // to the one in the request. A datagram from an IPv6 address is no MediaMVP's.
      guard datagram.source.ipv4Address != nil else {
        log.error("MVPERR not IPv4 host=\(datagram.source.host)")
        return []
      }
      let request: LocatorRequest
      do throws(LocatorError) {
        request = try Locator.decode(datagram.bytes)
      } catch .wrongSize(let size) {
        log.error("MVPERR size=\(size) host=\(datagram.source.host)")
        return []
      } catch {
        log.error("MVPERR wrong ids=\(Hex.uppercase(datagram.bytes[4..<8])) host=\(datagram.source.host)")
        return []
      }
      guard let server = options.configuredServer ?? datagram.localAddress?.ipv4Address else {
        log.error("MVPERR no local IPv4 address to offer host=\(datagram.source.host)")
        return []
      }
      let mac: [UInt8]
      if let last = lastServer, last.address == server {
        mac = last.mac
      } else {
        mac = Interfaces.hardwareAddress(ofIPv4: server) ?? [0, 0, 0, 0, 0, 0]
        lastServer = (server, mac)
      }
      let destination = SocketAddress.ipv4(
        request.clientAddress, port: request.clientPort, sameFamilyAs: datagram.source)
      log.notice(
        "MVPOUT dest=\(SocketAddress.dottedQuad(request.clientAddress)):\(request.clientPort) server=\(SocketAddress.dottedQuad(server))")
      return [
        DatagramReply(
          destination: destination,
          bytes: Locator.reply(to: request, serverAddress: server, serverMAC: mac, ports: options.ports))
      ]
    }
  }
}
