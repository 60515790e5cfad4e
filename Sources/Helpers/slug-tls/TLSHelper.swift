import CLibc
import CTLS

/// slug-tls: the TLS side of one connection (docs/design.md, "TLS"). A daemon starts it with the
/// client's socket as fd 0 and its end of a socketpair as fd 1:
///
///     slug-tls --as in.smtp --dir /var/lib/slug/tls [--peer ADDRESS] [--timeout SECONDS] [-d]
///     slug-tls --check --dir DIR       (a daemon's -n: is the certificate there and usable?)
///
/// It does the handshake within the timeout, writes the session line to the daemon, and relays
/// until either side is done. Any failure is one log line (under the daemon's name, with the
/// client's address) and the end of this connection.
enum TLSHelper {
  static func main() {
    slug_ignore_sigpipe()
    let arguments: Arguments
    do {
      arguments = try Arguments(flags: ["d", "check"], options: ["as", "dir", "peer", "timeout"])
    } catch {
      usage(error.message)
    }
    guard let directory = arguments.value("dir") else { usage("--dir is required") }
    guard arguments.operands.isEmpty else { usage("unexpected operand \(arguments.operands[0])") }
    let log = Log(
      program: arguments.value("as") ?? "slug-tls",
      destination: arguments.has("d") || arguments.has("check") ? .standardError : .syslog)
    let peer = arguments.value("peer") ?? "the client"
    guard let timeout = Int(arguments.value("timeout") ?? "20"), timeout > 0, timeout <= 3600 else {
      usage("--timeout takes 1 to 3600 seconds")
    }

    var error = [CChar](repeating: 0, count: 512)
    let secret = readSecret(directory + "/" + TLSHandoff.ticketFile)
    let server = secret.withUnsafeBufferPointer { bytes in
      slug_tls_server_new(
        directory + "/" + TLSHandoff.chainFile, directory + "/" + TLSHandoff.keyFile,
        bytes.isEmpty ? nil : bytes.baseAddress, bytes.count, &error, error.count)
    }
    guard let server else {
      let reason = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
      if arguments.has("check") {
        log.error("TLS: \(reason)")
        exit(EX_CONFIG)
      }
      log.error("TLS with \(peer) refused: \(reason)")
      exit(EX_CONFIG)
    }
    if arguments.has("check") {
      print("tls ok \(directory)")
      exit(0)
    }
    let relay = Relay(server: server, log: log, peer: peer)
    exit(relay.run(handshakeDeadline: .after(seconds: timeout)))
  }

  static func usage(_ problem: String) -> Never {
    let line = "slug-tls: \(problem); usage: slug-tls --as PROGRAM --dir DIR [--peer ADDRESS] [--timeout SECONDS] [-d]\n"
    _ = line.withCString { write(2, $0, strlen($0)) }
    exit(EX_USAGE)
  }

  /// The ticket secret: a regular file (never through a link) of 32 to 64 bytes; none, tickets off.
  static func readSecret(_ path: String) -> [UInt8] {
    let fd = slug_open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0)
    guard fd >= 0 else { return [] }
    defer { close(fd) }
    var status = stat()
    guard fstat(fd, &status) == 0, status.st_mode & UInt32(S_IFMT) == UInt32(S_IFREG) else { return [] }
    var buffer = [UInt8](repeating: 0, count: 65)
    let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
    guard count >= 32, count <= 64 else { return [] }
    return Array(buffer.prefix(count))
  }
}
