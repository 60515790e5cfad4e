/// Where in.proxy may connect: any host but the machine itself (loopback, its own addresses,
/// the unspecified address), link-local neighbours, multicast, broadcast and reserved
/// addresses, unless the admin opened a network with `--allow-destination`. The proxy serves
/// the LAN's browsers, so other LAN hosts (a printer's page) stay reachable; the machine's own
/// services that listen on loopback only are meant for the machine alone. The resolved address
/// is judged, not the text: `127.1`, `2130706433`, `0x7f.1` and `localhost` all resolve to
/// loopback.
struct DestinationPolicy {
  let machine: LocalNetworks
  let opened: [AddressRange]

  /// Why the proxy may not connect to `address`, naming it; nil when it may.
  func refusal(of address: SocketAddress) -> String? {
    if opened.contains(where: { $0.contains(address) }) { return nil }
    return AddressScope.of(address, on: machine).map { "\(address.host) is \($0)" }
  }
}

extension ProxySession {
  /// Answers an origin that cannot be had: a refused destination with a page saying why, the
  /// others with the one-line error.
  func fail(_ failure: OriginFailure, _ head: HTTPRequestHead) {
    guard case .refused(let reason) = failure else {
      reply(failure.status, failure.message, method: head.method, target: head.target)
      return
    }
    let page = """
      <!DOCTYPE html>
      <html><head><meta charset="utf-8"><title>403 Forbidden</title></head>
      <body><h1>403 Forbidden</h1>
      <p>This proxy does not connect to <code>\(HTML.escape(head.target))</code>: \(HTML.escape(reason)).</p>
      <p>It serves other hosts, not the machine it runs on or its link-local neighbours.</p>
      </body></html>

      """
    let body = Array(page.utf8)
    var headers = HTTPHeaders()
    headers.add("Content-Type", "text/html; charset=utf-8")
    headers.add("Content-Length", String(body.count))
    headers.add("Connection", "close")
    _ = client.write(serializeResponseHead(version: .http11, status: 403, headers: headers) + body, deadline: timeout)
    logRequest(head.method, head.target, status: 403, bytes: body.count, reason: failure.message)
  }
}
