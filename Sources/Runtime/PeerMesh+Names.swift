import CLibc

/// Finding the mesh's processes: their abstract names, and the name a store's mesh has.
extension PeerMesh {
  /// The abstract names (without the leading NUL) listening with this prefix followed by a
  /// pid, from the kernel's socket diagnostics, else from /proc/net/unix.
  public static func liveNames(prefix: String) -> [String] {
    namesFromDiagnostics(prefix: prefix) ?? namesFromProc(prefix: prefix)
  }

  /// The names from the kernel's socket diagnostics (sock_diag), which list only listeners,
  /// where /proc/net/unix formats every Unix socket of the system (with 50 sessions online,
  /// 2,500 lines, a few per cent of a login's CPU); nil when they cannot be had.
  static func namesFromDiagnostics(prefix: String) -> [String]? {
    withUnsafeTemporaryAllocation(of: CChar.self, capacity: 8192) { names -> [String]? in
      let count = slug_unix_listening_names(prefix, names.baseAddress!, names.count)
      guard count >= 0 else { return nil }
      let bytes = UnsafeRawBufferPointer(start: names.baseAddress!, count: count)
      return bytes.split(separator: UInt8(ascii: "\n")).compactMap { name in
        let pid = name.dropFirst(prefix.utf8.count)
        guard !pid.isEmpty, pid.count <= 10, pid.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else { return nil }
        return String(decoding: name, as: UTF8.self)
      }
    }
  }

  /// The same from /proc/net/unix, for a kernel without unix_diag (or more names than fit).
  /// Read in pieces: with many sessions connected the table has thousands of lines, and
  /// holding it whole would leave a few hundred KB of heap behind in every session that joins.
  static func namesFromProc(prefix: String) -> [String] {
    let fd = slug_open("/proc/net/unix", O_RDONLY | O_CLOEXEC, 0)
    guard fd >= 0 else { return [] }
    defer { close(fd) }
    let wanted = [UInt8(ascii: "@")] + Array(prefix.utf8)
    var names: [String] = []
    var line: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 16384)
    while true {
      let count = chunk.withUnsafeMutableBytes { CLibc.read(fd, $0.baseAddress, $0.count) }
      if count < 0 && slug_errno() == EINTR { continue }
      guard count > 0 else { break }
      var start = 0
      while let end = chunk[start..<count].firstIndex(of: UInt8(ascii: "\n")) {
        line += chunk[start..<end]
        if let name = listeningName(line, wanted: wanted) { names.append(name) }
        line.removeAll(keepingCapacity: true)
        start = end + 1
      }
      line += chunk[start..<count]
    }
    return names
  }

  /// The name on a /proc/net/unix line (Num RefCount Protocol Flags Type St Inode Path) when it
  /// is a listening (__SO_ACCEPTCON) seqpacket socket named `wanted` (with its "@") and a pid;
  /// the connections a listener accepted carry its name too, and are not listening.
  private static func listeningName(_ line: [UInt8], wanted: [UInt8]) -> String? {
    // The path (the last field) first: most lines are not ours.
    guard let space = line.lastIndex(of: UInt8(ascii: " ")) else { return nil }
    let path = line[(space + 1)...]
    guard path.starts(with: wanted) else { return nil }
    let pid = path.dropFirst(wanted.count)
    guard !pid.isEmpty, pid.count <= 10, pid.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
    else { return nil }
    let fields = line.split(separator: UInt8(ascii: " "))
    guard fields.count == 8, fields[3].elementsEqual("00010000".utf8), fields[4].elementsEqual("0005".utf8)
    else { return nil }
    return String(decoding: path.dropFirst(), as: UTF8.self)
  }

  /// "slug-SERVICE:" and the store's StorePathHash digits, so processes on different stores
  /// never meet, and every spelling of one path meets; each service ("jabberd", "ctcs") has its
  /// own mesh.
  public static func prefix(forStorePath path: String, service: String = "jabberd") -> String {
    "slug-" + service + ":" + StorePathHash.digits(of: path)
  }

  /// A non-blocking connection to `@name` from a peer with acceptable credentials, or -1.
  static func connect(to name: String) -> Int32 {
    let fd = socket(AF_UNIX, slug_sock_seqpacket | slug_sock_cloexec | slug_sock_nonblock, 0)
    guard fd >= 0 else { return -1 }
    raiseBuffers(fd)
    while true {
      if withAbstractAddress(name, { CLibc.connect(fd, $0, $1) }) == 0 { return fd }
      if slug_errno() != EINTR { break }
    }
    close(fd)
    return -1
  }

  /// Takes `@<prefix>joining` (bound, not listening, so never one of the live names), waiting
  /// up to a second while another process holds it; -1 when it could not be had, and the
  /// join goes ahead anyway (at worst a duplicate connection).
  static func acquireJoinLock(prefix: String) -> Int32 {
    let fd = socket(AF_UNIX, slug_sock_seqpacket | slug_sock_cloexec, 0)
    guard fd >= 0 else { return -1 }
    var pause = timespec(tv_sec: 0, tv_nsec: 500_000)
    for _ in 0..<2000 {
      if withAbstractAddress(prefix + "joining", { bind(fd, $0, $1) }) == 0 { return fd }
      guard slug_errno() == EADDRINUSE else { break }
      nanosleep(&pause, nil)
    }
    close(fd)
    return -1
  }

  /// A sockaddr_un for the abstract name: a NUL, then the name, no terminator.
  static func withAbstractAddress<Result>(
    _ name: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Result
  ) -> Result {
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(name.utf8.prefix(MemoryLayout.size(ofValue: address.sun_path) - 1))
    withUnsafeMutableBytes(of: &address.sun_path) { path in
      path[0] = 0
      for (offset, byte) in bytes.enumerated() { path[1 + offset] = byte }
    }
    let length = socklen_t(MemoryLayout<sa_family_t>.size + 1 + bytes.count)
    return withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
    }
  }
}
