import CLibc

/// in.ctcs's command line, checked: every problem is a usage error (exit 64) before fd 0 is
/// touched.
struct ControlOptions {
  static let synopsis =
    "[-d] [--db PATH] [--password-file FILE] [-t IDLE] [--status-interval SECONDS] [DL_KB UL_KB]"

  var program: String
  var debug: Bool
  var database: String?
  var passwordFile: String?
  /// Seconds without a line from ctorrent (SENDSTATUS is asked for meanwhile) before closing.
  var idleSeconds: Int
  /// How often SENDSTATUS is sent: ctorrent reports nothing by itself when nothing changes.
  var statusSeconds: Int
  /// The line's limits in bytes/s from the two positional KB/s values (the original's
  /// invocation); nil: the store's settings.
  var downloadLimit: Int64?
  var uploadLimit: Int64?

  init(_ arguments: Arguments) throws(UsageError) {
    program = arguments.program
    debug = arguments.has("d")
    database = arguments.value("db")
    passwordFile = arguments.value("password-file")
    idleSeconds = try arguments.integer("t", in: 1...86400) ?? 300
    statusSeconds = try arguments.integer("status-interval", in: 1...3600) ?? 10
    switch arguments.operands.count {
    case 0:
      break
    case 2:
      var limits: [Int64] = []
      for text in arguments.operands {
        guard let kilobytes = Int64(text), kilobytes >= 0, kilobytes <= 100_000_000 else {
          throw UsageError("a limit is a whole number of KB/s (0: none), not '\(text)'")
        }
        limits.append(kilobytes * 1024)
      }
      downloadLimit = limits[0]
      uploadLimit = limits[1]
    default:
      throw UsageError("give both limits (DL_KB UL_KB) or neither")
    }
  }
}

/// The password from `--password-file`: its first line, without the line end. Read once, at
/// start, when the option is given.
enum PasswordFile {
  static func read(_ path: String) -> String? {
    let fd = slug_open(path, O_RDONLY | O_CLOEXEC, 0)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 256)
    while bytes.count < 4096 {
      let count = buffer.withUnsafeMutableBytes { CLibc.read(fd, $0.baseAddress, $0.count) }
      if count < 0 && slug_errno() == EINTR { continue }
      guard count > 0 else { break }
      bytes += buffer.prefix(count)
    }
    let line = bytes.prefix { $0 != 0x0A && $0 != 0x0D }
    return String(decoding: line, as: UTF8.self)
  }
}

/// Reads a whole small file (a .torrent a client names), at most `limit` bytes; nil when it
/// cannot be read or is larger.
func readSmallFile(_ path: String, limit: Int) -> [UInt8]? {
  let fd = slug_open(path, O_RDONLY | O_CLOEXEC, 0)
  guard fd >= 0 else { return nil }
  defer { close(fd) }
  var bytes: [UInt8] = []
  var buffer = [UInt8](repeating: 0, count: 65536)
  while true {
    let count = buffer.withUnsafeMutableBytes { CLibc.read(fd, $0.baseAddress, $0.count) }
    if count < 0 && slug_errno() == EINTR { continue }
    if count < 0 { return nil }
    if count == 0 { return bytes }
    bytes += buffer.prefix(count)
    if bytes.count > limit { return nil }
  }
}
