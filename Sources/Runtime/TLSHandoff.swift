import CLibc
#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// What the TLS helper reports of a session, from the line it writes first (docs/design.md, "TLS").
public struct TLSSession: Sendable, Equatable {
  /// "TLSv1.3" or "TLSv1.2".
  public var version: String
  public var cipher: String
  public var resumed: Bool
  /// The name the client asked for (SNI), or "".
  public var serverName: String
  /// RFC 9266 tls-exporter channel binding (32 bytes), empty before TLS 1.3.
  public var exporter: [UInt8]
  /// RFC 5929 tls-server-end-point channel binding: the hash of the server's certificate.
  public var endPoint: [UInt8]

  public init(
    version: String, cipher: String, resumed: Bool = false, serverName: String = "", exporter: [UInt8] = [],
    endPoint: [UInt8] = []
  ) {
    self.version = version
    self.cipher = cipher
    self.resumed = resumed
    self.serverName = serverName
    self.exporter = exporter
    self.endPoint = endPoint
  }

  /// Reads `TLS version=V cipher=C resumed=0|1 sni=N exporter=HEX end-point=HEX`.
  public init?(line: String) {
    // As bytes, with the fields in a list: Substring comparison and hashing would bring
    // Unicode's tables into in.www (docs/design.md, "Text as bytes").
    let words = line.utf8.split(separator: ASCII.space)
    guard let first = words.first, first.elementsEqual("TLS".utf8) else { return nil }
    var fields: [(name: Substring.UTF8View, value: Substring.UTF8View)] = []
    for word in words.dropFirst() {
      guard let equals = word.firstIndex(of: UInt8(ascii: "=")) else { return nil }
      fields.append((word[..<equals], word[word.index(after: equals)...]))
    }
    func field(_ name: String) -> String? {
      fields.last { $0.name.elementsEqual(name.utf8) }.map { String(decoding: $0.value, as: UTF8.self) }
    }
    guard let version = field("version"), let cipher = field("cipher"),
      let exporter = hexOrEmpty(field("exporter")),
      let endPoint = hexOrEmpty(field("end-point"))
    else { return nil }
    self.init(
      version: version, cipher: cipher, resumed: field("resumed")?.bytesEqual("1") ?? false,
      serverName: field("sni") ?? "", exporter: exporter, endPoint: endPoint)
  }

  /// The line the helper writes, newline included.
  public var line: String {
    "TLS version=\(version) cipher=\(cipher) resumed=\(resumed ? 1 : 0) sni=\(serverName) exporter=\(Hex.lowercase(exporter)) end-point=\(Hex.lowercase(endPoint))\n"
  }
}

private func hexOrEmpty(_ text: String?) -> [UInt8]? {
  guard let text, !text.isEmpty else { return [] }
  return Hex.decode(text)
}

/// Handing a connection to the TLS helper, slug-tls (docs/design.md, "TLS"): the daemon keeps
/// talking on fds 0 and 1, which become the plaintext side of the helper's relay.
public enum TLSHandoff {
  public static let chainFile = "server.pem"
  public static let keyFile = "server.key"
  public static let ticketFile = "tickets.key"

  /// The client's addresses, saved when the connection went to the helper.
  nonisolated(unsafe) public internal(set) static var client: (peer: SocketAddress?, local: SocketAddress?)? = nil
  /// The session, once the handshake is done.
  nonisolated(unsafe) public private(set) static var session: TLSSession? = nil

  /// `tls` beside the store: /var/lib/slug/tls for /var/lib/slug/slug.db.
  public static func defaultDirectory(forStore store: String) -> String { FilePath.sibling("tls", of: store) }

  /// Whether `directory` holds a certificate chain and key (two stats; neither is read).
  public static func isConfigured(directory: String) -> Bool {
    isRegularFile(directory + "/" + chainFile) && isRegularFile(directory + "/" + keyFile)
  }

  /// slug-tls beside the running executable; SLUG_TLS_HELPER names another (tests).
  public static var helperPath: String {
    if let named = getenv("SLUG_TLS_HELPER") { return String(cString: named) }
    guard let executable = FilePath.runningExecutable() else { return "/usr/sbin/slug-tls" }
    return FilePath.sibling("slug-tls", of: executable)
  }

  /// A daemon's `-n`: has slug-tls load the certificate and key in `directory` as each
  /// handshake will, so a missing, expired or mismatched one is said now, not to the first
  /// client. slug-tls says what is wrong on our standard error, under our name.
  public static func check(directory: String, log: Log) throws(StartupError) {
    let started = Spawn.start(
      ["slug-tls", "--check", "--as", log.program, "--dir", directory], standardInput: .null,
      standardOutput: .null, standardError: .ours(2), executable: helperPath)
    guard case .success(let pid) = started else {
      throw StartupError("cannot start \(helperPath) to check the certificate in \(directory)", exitCode: EX_UNAVAILABLE)
    }
    guard Spawn.wait(pid).succeeded else {
      throw StartupError("TLS: the certificate in \(directory) is not usable (above)", exitCode: EX_CONFIG)
    }
  }

  /// Hands the connection on fds 0 and 1 to slug-tls, which does the handshake with the
  /// certificate in `directory`. On success fds 0 and 1 are the plaintext side, fd 2 no longer
  /// the socket (inetd gives it the connection too), and the session is returned. On failure
  /// (the helper logged why, with the client's address) nil: the daemon should exit.
  public static func start(directory: String, log: Log, handshakeSeconds: Int = 20) -> TLSSession? {
    let peer = SocketAddress.peer(of: 0)
    let local = SocketAddress.local(of: 0)
    var pair: [Int32] = [-1, -1]
    guard socketpair(AF_UNIX, slug_sock_stream | slug_sock_cloexec, 0, &pair) == 0 else {
      log.error("socketpair for TLS failed: \(String(cString: strerror(slug_errno())))")
      return nil
    }
    var arguments = [
      "slug-tls", "--as", log.program, "--dir", directory, "--timeout", String(handshakeSeconds),
    ]
    if let peer { arguments += ["--peer", peer.description] }
    if log.destination == .standardError { arguments.append("-d") }
    let started = Spawn.start(
      arguments, standardInput: .ours(0), standardOutput: .ours(pair[1]),
      standardError: log.destination == .standardError ? .ours(2) : .null, executable: helperPath)
    close(pair[1])
    if case .failure(let failure) = started {
      log.error("cannot start \(helperPath): \(failure)")
      close(pair[0])
      return nil
    }
    // From here the client is the helper's: our copies of the socket go.
    let socketIdentity = fileIdentity(0)
    client = (peer, local)
    _ = dup2(pair[0], 0)
    _ = dup2(pair[0], 1)
    close(pair[0])
    if let socketIdentity, fileIdentity(2) == socketIdentity {
      let null = slug_open("/dev/null", O_WRONLY, 0)
      if null >= 0 {
        _ = dup2(null, 2)
        close(null)
      }
    }
    guard let line = readHeader(deadline: .after(seconds: handshakeSeconds + 2)),
      let reported = TLSSession(line: line)
    else { return nil }
    session = reported
    return reported
  }

  /// The helper's first line, read without taking a byte of what follows it: peeked, and only
  /// the line taken (bytes before a newline that has not come yet are header, so taken too).
  private static func readHeader(deadline: Deadline) -> String? {
    var line: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1024)
    while line.count < 4096 {
      let count = buffer.withUnsafeMutableBytes { recv(0, $0.baseAddress, $0.count, Int32(MSG_PEEK)) }
      if count == 0 { return nil }
      if count < 0 {
        let code = slug_errno()
        if code == EINTR { continue }
        guard code == EAGAIN || code == EWOULDBLOCK, waitUntilReady(0, events: Int16(POLLIN), deadline: deadline)
        else { return nil }
        continue
      }
      let newline = buffer.prefix(count).firstIndex(of: UInt8(ascii: "\n"))
      let wanted = newline.map { $0 + 1 } ?? count
      let taken = buffer.withUnsafeMutableBytes { recv(0, $0.baseAddress, wanted, 0) }
      guard taken == wanted else { return nil }
      line += buffer.prefix(newline ?? count)
      if newline != nil { return String(decoding: line, as: UTF8.self) }
    }
    return nil
  }

  private static func isRegularFile(_ path: String) -> Bool {
    var status = stat()
    return stat(path, &status) == 0 && status.st_mode & UInt32(S_IFMT) == UInt32(S_IFREG)
  }

  private static func fileIdentity(_ fd: Int32) -> [UInt64]? {
    var status = stat()
    guard fstat(fd, &status) == 0 else { return nil }
    return [UInt64(status.st_dev), UInt64(status.st_ino)]
  }
}
