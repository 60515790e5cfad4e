import Foundation

/// A household CA and a server certificate signed by it, written the way the daemons read them
/// (docs/design.md, "TLS", Files): `ca.pem`, `ca.key`, `server.pem` (leaf then CA), `server.key`,
/// `tickets.key`. Made with the openssl command, independently of slug's own code, so a test of
/// the daemons does not trust what it tests. Names and addresses go into the subject
/// alternative names: by default localhost, 127.0.0.1 and ::1. `days: 0` makes a certificate
/// that expires at once.
public struct TLSFixture {
  public let directory: String
  public var caPath: String { directory + "/ca.pem" }
  public var chainPath: String { directory + "/server.pem" }
  public var keyPath: String { directory + "/server.key" }

  public init(
    in directory: String, names: [String] = ["localhost"], addresses: [String] = ["127.0.0.1", "::1"],
    days: Int = 30
  ) throws {
    self.directory = directory
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let alternative = (names.map { "DNS:\($0)" } + addresses.map { "IP:\($0)" }).joined(separator: ",")
    try Self.openssl([
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-sha256",
      "-keyout", directory + "/ca.key", "-out", directory + "/ca.pem", "-days", "3650",
      "-subj", "/CN=slug test CA", "-addext", "basicConstraints=critical,CA:TRUE",
      "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    ])
    try Self.openssl([
      "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-sha256",
      "-keyout", directory + "/server.key", "-out", directory + "/server.csr",
      "-subj", "/CN=\(names.first ?? "localhost")",
    ])
    let extensions = directory + "/server.ext"
    try """
    basicConstraints=critical,CA:FALSE
    keyUsage=critical,digitalSignature
    extendedKeyUsage=serverAuth
    subjectAltName=\(alternative)

    """.write(toFile: extensions, atomically: true, encoding: .utf8)
    let sign = [
      "x509", "-req", "-in", directory + "/server.csr", "-CA", directory + "/ca.pem", "-CAkey",
      directory + "/ca.key", "-CAcreateserial", "-out", directory + "/leaf.pem", "-days", String(days),
      "-sha256", "-extfile", extensions,
    ]
    try Self.openssl(sign)
    let leaf = try String(contentsOfFile: directory + "/leaf.pem", encoding: .utf8)
    let ca = try String(contentsOfFile: directory + "/ca.pem", encoding: .utf8)
    try (leaf + ca).write(toFile: chainPath, atomically: true, encoding: .utf8)
    var secret = [UInt8](repeating: 0, count: 32)
    for index in secret.indices { secret[index] = UInt8.random(in: 0...255) }
    FileManager.default.createFile(atPath: directory + "/tickets.key", contents: Data(secret))
    for name in ["server.csr", "server.ext", "leaf.pem", "ca.srl"] {
      try? FileManager.default.removeItem(atPath: directory + "/" + name)
    }
  }

  private static func openssl(_ arguments: [String]) throws {
    let result = try ChildProcess.run("/usr/bin/openssl", arguments)
    guard result.status == 0 else {
      throw NSError(
        domain: "TLSFixture", code: Int(result.status),
        userInfo: [NSLocalizedDescriptionKey: "openssl \(arguments.first ?? ""): \(result.output)"])
    }
  }
}
