import CLibc
#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Runtime
import Store
#endif

/// Where the TLS files are: --tls-dir, else `tls` beside the store.
struct TLSDirectoryOptions {
  static let parameters: [Parameter] = [
    .db,
    .option(
      "tls-dir", value: "dir", help: "The TLS directory (default: tls beside the store, /var/lib/slug/tls).",
      completion: .directory),
  ]

  var store: StoreOptions
  var directory: String?

  init(_ invocation: Invocation) {
    store = invocation.storeOptions
    directory = invocation.optional("tls-dir")
  }

  var files: TLSFiles { TLSFiles(directory: directory ?? TLSHandoff.defaultDirectory(forStore: store.path)) }
}

extension Slugctl {
  enum TLS {
    static let command = Command(
      "tls",
      abstract: "Manage the certificates in.www, in.jabberd and in.smtp serve.",
      discussion: """
        The TLS directory holds ca.pem and ca.key (the household CA), server.pem (the server \
        certificate, then the CA), server.key and tickets.key (the session ticket secret). \
        ca.key is root's alone (0600); server.key and tickets.key are root's, mode 0640, and \
        readable by slug-www, slug-jabberd and slug-smtp through an access ACL when those users \
        exist (slugctl init creates them: run it first). Every file is replaced atomically.
        """,
      subcommands: [Init.command, Import.command, Show.command, ExportCA.command])
  }
}

extension Slugctl.TLS {
  enum Init {
    static let command = Command(
      "init",
      abstract: "Create a household CA and a server certificate for this machine, or renew it.",
      discussion: """
        The CA (ECDSA P-256, 10 years, "slug CA on HOST") is made once and kept: running init \
        again renews the server certificate (a new key, 397 days, the most phones accept) with \
        the same CA, so devices that trust it keep trusting; --new-ca replaces the CA, and every \
        device must then trust the new one. The server certificate names the host name, its \
        fully qualified form when the resolver knows it, localhost, and every interface's \
        addresses but link-local ones, plus each --name and --address. Install the CA on each \
        device (slugctl tls export-ca) and compare its SHA-256 fingerprint with slugctl tls show.
        """,
      parameters: TLSDirectoryOptions.parameters + [
        .option("name", value: "name", help: "Another DNS name for the certificate (repeatable).", repeating: true),
        .option("address", value: "addr", help: "Another IP address for the certificate (repeatable).", repeating: true),
        .flag("new-ca", help: "Replace the CA too (devices must trust the new one)."),
      ],
      run: run)

    private static func run(_ invocation: Invocation) throws(Failure) {
      let givenNames = invocation.all("name")
      let givenAddresses = invocation.all("address")
      for name in givenNames where !MachineNames.isHostName(name) { throw Failure.usage("--name '\(name)' is not a DNS name") }
      for address in givenAddresses where DER.Address.bytes(address) == nil {
        throw Failure.usage("--address '\(address)' is not an IPv4 or IPv6 address")
      }
      let files = TLSDirectoryOptions(invocation).files
      try files.prepare()
      let (caCertificate, caKey, madeCA) = try authority(files, newCA: invocation.flag("new-ca"))
      let names = MachineNames.unique(MachineNames.names() + givenNames.map { $0.lowercased() })
      let addresses = MachineNames.unique(MachineNames.addresses() + givenAddresses.compactMap(DER.Address.bytes))
      let key = try CertificateMaker.makeKey()
      let request = CertificateMaker.Request(commonName: names[0], isCA: false, days: 396, names: names, addresses: addresses)
      let leaf = try CertificateMaker.issue(request, subjectKey: key, issuerKey: caKey, issuer: caCertificate)
      try files.write(key, to: TLSFiles.key, access: .daemons)
      try files.write(leaf + caCertificate, to: TLSFiles.chain, access: .everyone)
      try files.writeTickets()
      Console.current.print("\(files.directory): \(madeCA ? "made a new CA" : "kept the CA"), issued a server certificate")
      try TLSReport(files: files).print(json: false)
    }

    /// The CA kept from before, or a new one; the PEM certificate and key.
    private static func authority(_ files: TLSFiles, newCA: Bool) throws(Failure) -> (certificate: [UInt8], key: [UInt8], made: Bool) {
      let certificate = try files.read(TLSFiles.caCertificate)
      let key = try files.read(TLSFiles.caKey)
      if !newCA, let certificate, let key {
        guard CertificateMaker.check(key: key, certificate: certificate) == .matches else {
          throw Failure.dataError("\(files.path(TLSFiles.caKey)) does not belong to \(files.path(TLSFiles.caCertificate)); --new-ca makes a new CA")
        }
        guard let ca = try? Certificate.chain(pem: certificate).first, ca.notAfter > Int64(time(nil)) + 397 * 86400 else {
          throw Failure.dataError("the CA in \(files.path(TLSFiles.caCertificate)) expires before a new server certificate would; --new-ca makes a new CA")
        }
        return (certificate, key, false)
      }
      if !newCA, certificate != nil || key != nil {
        let present = certificate != nil ? TLSFiles.caCertificate : TLSFiles.caKey
        throw Failure.dataError("\(files.path(present)) is there without its pair; --new-ca makes a new CA")
      }
      let host = String(Interfaces.hostName().prefix(40))
      let newKey = try CertificateMaker.makeKey()
      let request = CertificateMaker.Request(commonName: "slug CA on \(host)", isCA: true, days: 3650)
      let newCertificate = try CertificateMaker.issue(request, subjectKey: newKey, issuerKey: newKey, issuer: nil)
      try files.write(newKey, to: TLSFiles.caKey, access: .owner)
      try files.write(newCertificate, to: TLSFiles.caCertificate, access: .everyone)
      return (newCertificate, newKey, true)
    }
  }

  enum Import {
    static let command = Command(
      "import",
      abstract: "Use a certificate chain and key from elsewhere (an ACME client, say).",
      discussion: """
        CERT holds the server certificate first, then the certificates that lead to a CA \
        clients trust (PEM); KEY its private key (PEM). Refused: a key that does not belong to \
        the certificate, a certificate that has expired or is not valid yet, and a file that is \
        a symbolic link or not a regular file. The CA files are left as they are.
        """,
      parameters: TLSDirectoryOptions.parameters + [
        .argument("cert", help: "The certificate chain (PEM).", completion: .file(extensions: [])),
        .argument("key", help: "Its private key (PEM).", completion: .file(extensions: [])),
      ],
      run: run)

    private static func run(_ invocation: Invocation) throws(Failure) {
      let certificateFile = invocation["cert"]
      let keyFile = invocation["key"]
      let chainBytes = try TLSFiles.readRegularFile(certificateFile)
      let key = try TLSFiles.readRegularFile(keyFile)
      let chain: [Certificate]
      do throws(Certificate.Malformed) {
        chain = try Certificate.chain(pem: chainBytes)
      } catch {
        throw Failure.dataError("\(certificateFile): \(error.reason)")
      }
      guard let leaf = chain.first else { throw Failure.dataError("\(certificateFile) holds no PEM certificate") }
      let now = Int64(time(nil))
      guard leaf.notBefore <= now else {
        throw Failure.dataError("\(certificateFile) is not valid before \(Certificate.date(leaf.notBefore))")
      }
      guard leaf.notAfter > now else { throw Failure.dataError("\(certificateFile) expired on \(Certificate.date(leaf.notAfter))") }
      switch CertificateMaker.check(key: key, certificate: chainBytes) {
      case .matches: break
      case .differs: throw Failure.dataError("\(keyFile) is not the key of the certificate in \(certificateFile)")
      case .keyUnreadable: throw Failure.dataError("\(keyFile) is not a PEM private key")
      case .certificateUnreadable: throw Failure.dataError("\(certificateFile) is not a certificate wolfSSL can use")
      }
      let files = TLSDirectoryOptions(invocation).files
      try files.prepare()
      try files.write(key, to: TLSFiles.key, access: .daemons)
      try files.write(Array(chain.map { $0.pem }.joined().utf8), to: TLSFiles.chain, access: .everyone)
      try files.writeTickets()
      Console.current.print("\(files.directory): imported \(certificateFile) (\(chain.count) certificates) and \(keyFile)")
      try TLSReport(files: files).print(json: false)
    }
  }

  enum Show {
    static let command = Command(
      "show",
      abstract: "Print the server certificate and the CA: names, issuer, dates, SHA-256 fingerprints.",
      discussion: """
        The fingerprints are written as openssl x509 -fingerprint -sha256 and phones write \
        them, to compare before trusting the CA. A warning goes to the error output when the \
        server certificate expires within 30 days, has expired, or does not match server.key.
        """,
      parameters: TLSDirectoryOptions.parameters + [.json],
      run: { (invocation) throws(Failure) in
        try TLSReport(files: TLSDirectoryOptions(invocation).files).print(json: invocation.json)
      })
  }

  enum ExportCA {
    static let command = Command(
      "export-ca",
      abstract: "Write the CA certificate for devices to trust (to standard output by default).",
      discussion: """
        Copy the file to a phone or computer and install it as a trusted CA (on iOS: a profile, \
        then Settings, General, About, Certificate Trust Settings; on Android: Settings, \
        Security, Install a certificate, CA certificate); compare the fingerprint it shows with \
        slugctl tls show.
        """,
      parameters: TLSDirectoryOptions.parameters + [
        .argument(
          "file", help: "The file to write (- or none: standard output).", optional: true,
          completion: .file(extensions: [])),
      ],
      run: run)

    private static func run(_ invocation: Invocation) throws(Failure) {
      let files = TLSDirectoryOptions(invocation).files
      guard let pem = try files.read(TLSFiles.caCertificate) else {
        throw Failure.noInput("\(files.path(TLSFiles.caCertificate)) does not exist; slugctl tls init makes it")
      }
      if let file = invocation.optional("file"), file != "-" {
        do throws(StoreError) {
          try AtomicFile.write(pem, to: file, mode: 0o644)
        } catch {
          throw Failure.cannotCreate(error.description)
        }
      } else {
        Console.current.writeOutput(String(decoding: pem, as: UTF8.self))
      }
    }
  }
}
