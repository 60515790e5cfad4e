import CLibc

extension PeerMesh {
  /// Says MESSAGE once to every live member of the mesh, for a process outside it (slugctl,
  /// the torrent page) that has something to tell them all. A member accepts the sender only
  /// when it runs as the member's user or root (see PeerMesh). Each member is asked for its proof
  /// and given ours (MeshHandshake, all at once, so one slow member costs the deadline once);
  /// only a member that proved it holds the key hears the message. Silent when no one is
  /// listening; returns how many members were told.
  @discardableResult
  public static func notifyAll(
    prefix: String, message: [UInt8], key: MeshKey, handshakeMilliseconds: Int = defaultHandshakeMilliseconds
  ) -> Int {
    guard !message.isEmpty else { return 0 }
    let deadline = Deadline.after(milliseconds: handshakeMilliseconds)
    var pending: [(fd: Int32, handshake: MeshHandshake)] = []
    for other in liveNames(prefix: prefix) {
      let fd = connect(to: other)
      guard fd >= 0 else { continue }
      // Any user: root's slugctl tells daemons running as their own users. The proof decides.
      var pid: pid_t = 0
      var uid: uid_t = 0
      guard slug_peer_credentials(fd, &pid, &uid) == 0 else {
        close(fd)
        continue
      }
      let handshake = MeshHandshake(role: .connected, peerPid: pid, deadline: deadline)
      guard transmit(handshake.hello, on: fd) == 0 else {
        close(fd)
        continue
      }
      pending.append((fd, handshake))
    }
    var told = 0
    while !pending.isEmpty {
      var descriptors = pending.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
      let ready = poll(&descriptors, nfds_t(descriptors.count), deadline.remainingMilliseconds)
      if ready < 0, slug_errno() == EINTR { continue }
      guard ready > 0 else { break }
      for index in descriptors.indices.reversed() where descriptors[index].revents != 0 {
        var finished = true
        if let received = receiveHandshakeMessage(on: pending[index].fd) {
          switch pending[index].handshake.receive(received, prefix: prefix, key: key) {
          case .answer(let proof):
            finished = transmit(proof, on: pending[index].fd) != 0
          case .proven:
            if transmit(message, on: pending[index].fd) == 0 { told += 1 }
          case .refused:
            break
          }
        }
        if finished {
          close(pending[index].fd)
          pending.remove(at: index)
        }
      }
    }
    for connection in pending { close(connection.fd) }
    return told
  }

  /// One handshake message (they are short: a longer one arrives cut, and fails the check);
  /// nil at the end of the connection or on an error.
  private static func receiveHandshakeMessage(on fd: Int32) -> [UInt8]? {
    var buffer = [UInt8](repeating: 0, count: 128)
    while true {
      let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
      if count > 0 { return Array(buffer[0..<count]) }
      if count < 0, slug_errno() == EINTR { continue }
      return nil
    }
  }
}
