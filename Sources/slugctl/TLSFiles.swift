import CLibc
#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Runtime
import Store
import Superserver
#endif

/// The TLS directory and its files (docs/design.md, "TLS", Files): root's, mode 0755; the
/// certificates readable by all; the CA key root's alone; the server key and the ticket secret
/// root's, mode 0640, and readable by the TLS daemons' users through an access ACL. Every file is
/// replaced atomically, and a secret gets its mode and ACL before a byte of it is written.
struct TLSFiles {
  let directory: String

  static let caCertificate = "ca.pem"
  static let caKey = "ca.key"
  static let chain = TLSHandoff.chainFile
  static let key = TLSHandoff.keyFile
  static let tickets = TLSHandoff.ticketFile

  /// The daemons that speak TLS: their users may read the server key and the ticket secret.
  static let services = ["www", "jabberd", "smtp"]

  enum Access {
    /// 0644: certificates.
    case everyone
    /// 0600, root: the CA key.
    case owner
    /// 0640 root, and the TLS daemons' users through an ACL.
    case daemons
  }

  func path(_ name: String) -> String { directory + "/" + name }

  /// The users (that exist) of the daemons that read the key.
  static var readers: [(name: String, uid: uid_t)] {
    services.compactMap { Catalog.service(named: $0)?.user }.compactMap { user in getpwnam(user).map { (user, $0.pointee.pw_uid) } }
  }

  /// Makes the directory if missing; as root makes it root's, mode 0755. A link there, a file that
  /// is not a directory, or (as root) a directory someone else owns is refused.
  func prepare() throws(Failure) {
    do throws(StoreError) {
      try Directory.create(directory, mode: 0o755)
    } catch {
      throw Failure.cannotCreate("cannot create \(directory): \(error.description)")
    }
    let descriptor = slug_open(directory, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0)
    guard descriptor >= 0 else {
      throw Failure.cannotCreate("\(directory) is not a directory (a symbolic link or a file is refused): \(reason())")
    }
    defer { close(descriptor) }
    var status = stat()
    guard fstat(descriptor, &status) == 0 else { throw Failure.ioError("cannot stat \(directory): \(reason())") }
    if geteuid() == 0 {
      guard status.st_uid == 0 else {
        throw Failure.cannotCreate("\(directory) belongs to uid \(status.st_uid), not root; it was left as it is")
      }
      guard fchown(descriptor, 0, 0) == 0 else { throw Failure.ioError("cannot give \(directory) to root: \(reason())") }
    }
    guard fchmod(descriptor, 0o755) == 0 else { throw Failure.ioError("cannot set the mode of \(directory): \(reason())") }
  }

  /// The file's bytes, or nil when it does not exist.
  func read(_ name: String) throws(Failure) -> [UInt8]? {
    guard access(path(name), F_OK) == 0 || slug_errno() != ENOENT else { return nil }
    return try Self.readRegularFile(path(name))
  }

  func write(_ bytes: [UInt8], to name: String, access: Access) throws(Failure) {
    let file = path(name)
    let mode: mode_t
    switch access {
    case .everyone: mode = 0o644
    case .owner: mode = 0o600
    case .daemons: mode = 0o640
    }
    let readers = access == .daemons ? Self.readers.map { $0.uid } : []
    try OwnedFile.write(bytes, to: file, mode: mode, owner: (0, 0), readers: readers, readersName: "the TLS daemons")
  }

  /// Keeps the ticket secret (rewritten, so its ACL names the daemons' users that exist now), or
  /// makes one: 32 random bytes.
  func writeTickets() throws(Failure) {
    let kept = try read(Self.tickets).flatMap { $0.count >= 32 ? $0 : nil }
    try write(kept ?? Random.bytes(32), to: Self.tickets, access: .daemons)
  }

  /// A file named on the command line or in the directory: refused when it is a symbolic link
  /// or not a regular file, or larger than a certificate chain can be (1 MiB).
  static func readRegularFile(_ file: String) throws(Failure) -> [UInt8] {
    let descriptor = slug_open(file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0)
    guard descriptor >= 0 else {
      if slug_errno() == ELOOP { throw Failure.dataError("\(file) is a symbolic link; name the file itself") }
      throw Failure.noInput("cannot read \(file): \(reason())")
    }
    defer { close(descriptor) }
    var status = stat()
    guard fstat(descriptor, &status) == 0 else { throw Failure.ioError("cannot stat \(file): \(reason())") }
    guard status.st_mode & mode_t(S_IFMT) == mode_t(S_IFREG) else { throw Failure.dataError("\(file) is not a regular file") }
    guard status.st_size <= 1 << 20 else { throw Failure.dataError("\(file) is larger than 1 MiB: not a certificate or key") }
    var bytes = [UInt8](repeating: 0, count: Int(status.st_size))
    var count = 0
    while count < bytes.count {
      let result = bytes[count...].withUnsafeMutableBytes { CLibc.read(descriptor, $0.baseAddress, $0.count) }
      if result < 0, slug_errno() == EINTR { continue }
      guard result > 0 else { throw Failure.ioError("cannot read \(file): \(result == 0 ? "it shrank" : reason())") }
      count += result
    }
    return bytes
  }
}

private func reason() -> String { String(cString: strerror(slug_errno())) }
