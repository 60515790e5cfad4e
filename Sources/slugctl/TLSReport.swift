import CLibc

/// What `slugctl tls show` prints (and init and import after their work): the server
/// certificate and the CA, with warnings for what would make clients refuse the server.
struct TLSReport {
  let files: TLSFiles

  /// Days before expiry from which show warns.
  static let warningDays: Int64 = 30

  private struct Entry {
    var role: String
    var file: String
    var certificate: Certificate
  }

  func print(json: Bool) throws(Failure) {
    let now = Int64(time(nil))
    var entries: [Entry] = []
    var warnings: [String] = []
    guard let chain = try files.read(TLSFiles.chain) else {
      throw Failure.noInput("\(files.path(TLSFiles.chain)) does not exist; slugctl tls init or slugctl tls import makes it")
    }
    guard let leaf = try certificates(chain, TLSFiles.chain).first else {
      throw Failure.dataError("\(files.path(TLSFiles.chain)) holds no PEM certificate")
    }
    entries.append(Entry(role: "server", file: files.path(TLSFiles.chain), certificate: leaf))
    if let ca = try files.read(TLSFiles.caCertificate), let certificate = try certificates(ca, TLSFiles.caCertificate).first {
      entries.append(Entry(role: "ca", file: files.path(TLSFiles.caCertificate), certificate: certificate))
    }
    for entry in entries {
      let left = entry.certificate.daysLeft(at: now)
      let what = entry.role == "ca" ? "the CA certificate" : "the server certificate"
      if entry.certificate.notAfter <= now {
        warnings.append("\(what) expired on \(Certificate.date(entry.certificate.notAfter)); renew it with slugctl tls init")
      } else if entry.certificate.notBefore > now {
        warnings.append("\(what) is not valid before \(Certificate.date(entry.certificate.notBefore))")
      } else if left < Self.warningDays {
        warnings.append(
          "\(what) expires in \(left) day\(left == 1 ? "" : "s") (\(Certificate.date(entry.certificate.notAfter))); renew it with slugctl tls init")
      }
    }
    if let key = try? files.read(TLSFiles.key) {
      if CertificateMaker.check(key: key, certificate: chain) != .matches {
        warnings.append("\(files.path(TLSFiles.key)) is not the key of the server certificate")
      }
    } else {
      warnings.append("\(files.path(TLSFiles.key)) is missing or unreadable")
    }
    if json {
      Console.current.print(JSON.list(entries.map { object($0, now: now) }))
    } else {
      Console.current.print(entries.map(text).joined())
    }
    for warning in warnings { Console.current.printError("warning: " + warning) }
  }

  private func certificates(_ pem: [UInt8], _ name: String) throws(Failure) -> [Certificate] {
    do throws(Certificate.Malformed) {
      return try Certificate.chain(pem: pem)
    } catch {
      throw Failure.dataError("\(files.path(name)): \(error.reason)")
    }
  }

  private func text(_ entry: Entry) -> String {
    let certificate = entry.certificate
    var lines = "\(entry.role == "ca" ? "CA" : "server") certificate \(entry.file)\n"
    if !certificate.names.isEmpty { lines += "  names:      \(certificate.names.joined(separator: " "))\n" }
    lines += "  subject:    \(certificate.subject)\n"
    lines += "  issuer:     \(certificate.issuer)\n"
    lines += "  not before: \(Certificate.date(certificate.notBefore))\n"
    lines += "  not after:  \(Certificate.date(certificate.notAfter))\n"
    lines += "  SHA-256:    \(certificate.fingerprint)\n"
    return lines
  }

  private func object(_ entry: Entry, now: Int64) -> JSON {
    let certificate = entry.certificate
    return .object([
      ("role", .string(entry.role)), ("file", .string(entry.file)), ("names", .array(certificate.names.map(JSON.string))),
      ("subject", .string(certificate.subject)), ("issuer", .string(certificate.issuer)),
      ("notBefore", .string(Certificate.date(certificate.notBefore))), ("notAfter", .string(Certificate.date(certificate.notAfter))),
      ("daysLeft", .integer(certificate.daysLeft(at: now))), ("sha256", .string(certificate.fingerprint)),
    ])
  }
}
