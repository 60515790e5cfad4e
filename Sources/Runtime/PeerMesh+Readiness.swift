import CLibc

/// The mesh's descriptors in one epoll set. A session with fifty others online has fifty-odd
/// connections, and it wakes for every presence and message: poll(2) over all of them on every
/// wake cost more than the work it woke for (a sixth of in.jabberd's CPU per TLS login with 50
/// users). An epoll descriptor is itself pollable, so the caller still polls a short list
/// (`pollDescriptors` gives the set's one descriptor), and `process` asks the set which of ours
/// are ready. The set is level-triggered with the same interests poll had, so everything else
/// (one turn per peer, a new connection reported at once) is unchanged. Without epoll the
/// caller polls every descriptor as before.
extension PeerMesh {
  /// A new epoll set holding `listening` for POLLIN, or -1 (then poll takes every descriptor).
  static func readinessSet(listening: Int32) -> Int32 {
    let set = slug_epoll_create()
    guard set >= 0 else { return -1 }
    guard slug_epoll_set(set, slug_epoll_add, listening, UInt32(POLLIN)) == 0 else {
      close(set)
      return -1
    }
    return set
  }

  /// Brings the set's interests in line with what each connection wants now; a connection not
  /// in the set yet is added. Costs a system call only where something changed.
  func updateInterests() {
    for index in connections.indices {
      let wanted = connections[index].interest
      let registered = connections[index].registered
      guard wanted != registered else { continue }
      let operation = registered == 0 ? slug_epoll_add : slug_epoll_modify
      if slug_epoll_set(readiness, operation, connections[index].fd, wanted) == 0 {
        connections[index].registered = wanted
      }
    }
  }

  /// What is ready in the set now, as poll would have said it (epoll's event bits are poll's).
  func readyDescriptors() -> [pollfd] {
    let room = min(64, connections.count + 1)
    var fds = [Int32](repeating: -1, count: room)
    var events = [UInt32](repeating: 0, count: room)
    var found: Int32 = -1
    repeat {
      found = slug_epoll_wait(readiness, &fds, &events, Int32(room), 0)
    } while found < 0 && slug_errno() == EINTR
    guard found > 0 else { return [] }
    return (0..<Int(found)).map { pollfd(fd: fds[$0], events: 0, revents: Int16(truncatingIfNeeded: events[$0])) }
  }
}

extension PeerMesh.Connection {
  /// POLLIN always; POLLOUT while output can be flushed, or until the connection is reported.
  var interest: UInt32 {
    let wantsOutput = (proven && hasQueuedOutput) || !announced
    return UInt32(POLLIN) | (wantsOutput ? UInt32(POLLOUT) : 0)
  }
}
