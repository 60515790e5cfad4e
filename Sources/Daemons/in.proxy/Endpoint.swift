import CLibc

/// One side of the proxy (the client on fd 0 or an origin socket) with the bytes read from it
/// but not yet used: what follows a head is the start of a body or of the next request.
struct Endpoint {
  let connection: StreamConnection
  var pending: [UInt8] = []

  init(fd: Int32) { connection = StreamConnection(fd: fd) }

  var fd: Int32 { connection.fd }

  /// The pending bytes if any, else what one read brings before `deadline`.
  mutating func next(maximum: Int = 65536, deadline: Deadline) -> StreamConnection.ReadResult {
    guard pending.isEmpty else {
      let taken = Array(pending.prefix(maximum))
      pending.removeFirst(taken.count)
      return .data(taken)
    }
    return connection.read(maximum: maximum, deadline: deadline)
  }

  func write(_ bytes: [UInt8], deadline: Deadline) -> Bool {
    bytes.isEmpty || connection.write(bytes, deadline: deadline) == .written
  }
}
