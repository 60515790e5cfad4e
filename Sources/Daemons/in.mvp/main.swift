import CLibc

/// in.mvp: answers MediaMVP service-locator broadcasts on the UDP socket inetd passes as fd 0.
func runLocatorRelay() -> Never {
  let synopsis = "[-d] [-i IDLE] [--gui-port N] [--media-port N] [--console-port N] [ADDRESS]"
  let arguments: Arguments
  let idleSeconds: Int
  let ports: LocatorPorts
  let configuredServer: UInt32?
  do throws(UsageError) {
    arguments = try Arguments(flags: ["d"], options: ["i", "gui-port", "media-port", "console-port"])
    idleSeconds = try arguments.integer("i", in: 0...86400) ?? 30
    let defaults = LocatorPorts()
    ports = LocatorPorts(
      gui: UInt16(try arguments.integer("gui-port", in: 1...65535) ?? Int(defaults.gui)),
      media: UInt16(try arguments.integer("media-port", in: 1...65535) ?? Int(defaults.media)),
      console: UInt16(try arguments.integer("console-port", in: 1...65535) ?? Int(defaults.console)))
    guard arguments.operands.count <= 1 else { throw UsageError("too many arguments") }
    if let text = arguments.operands.first {
      guard let address = SocketAddress.parseIPv4(text) else {
        throw UsageError("'\(text)' is not an IPv4 address")
      }
      configuredServer = address
    } else {
      configuredServer = nil
    }
  } catch {
    Runtime.usageError(error, synopsis: synopsis)
  }

  let log = Log(program: arguments.program, destination: arguments.has("d") ? .standardError : .syslog)
  // A burst almost always comes in on one address, so one remembered lookup is enough.
  var lastServer: (address: UInt32, mac: [UInt8])?
  let status = DatagramService(idleSeconds: idleSeconds, log: log).run { datagram in
    let request: LocatorRequest
    do throws(LocatorError) {
      request = try Locator.decode(datagram.bytes)
    } catch .wrongSize(let size) {
      log.error("MVPERR size=\(size) host=\(datagram.source.host)")
      return []
    } catch {
      log.error("MVPERR wrong ids=\(Log.hex(datagram.bytes[4..<8])) host=\(datagram.source.host)")
      return []
    }
    guard let server = configuredServer ?? datagram.localAddress?.ipv4Address else {
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
        bytes: Locator.reply(to: request, serverAddress: server, serverMAC: mac, ports: ports))
    ]
  }
  exit(status)
}

runLocatorRelay()
