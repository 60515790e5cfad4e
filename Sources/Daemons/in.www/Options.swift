/// in.www's command line.
struct WebServerOptions: DaemonOptions {
  static let synopsis =
    "[-d] [-n] [-t IDLE] [-r READ] [--tls] [--tls-dir DIR] [--upload-dir DIR] [--hsts SECONDS] [--log FILE] [--index NAME]... [--no-cgi] [--cgi-timeout N] [--follow-symlinks] [--max-clients N] [--max-per-source N] [DOCROOT]"
  static let flags: [String] = ["no-cgi", "follow-symlinks", "tls"]
  static let valueOptions: [String] = ["t", "r", "log", "index", "cgi-timeout", "tls-dir", "upload-dir", "hsts"] + ConnectionCaps.optionNames

  /// How long a kept-alive connection may wait for the next request.
  var idleSeconds: Int
  /// How long a client has to send a whole request head once it has started one.
  var readSeconds: Int
  var logFile: String?
  var indexNames: [String]
  var cgi: Bool
  var cgiTimeoutSeconds: Int
  var followSymlinks: Bool
  /// Connections served at once: a page's images and scripts come on up to a browser's six
  /// connections, `ab -c 20` on twenty, and an exiting process still counts for a moment.
  var caps: ConnectionCaps
  /// Without a trailing slash, unless it is `/`.
  var documentRoot: String
  /// HTTPS: the connection goes to the TLS helper before a byte is read (`--tls`).
  var tls: Bool
  /// Where the certificate, its key and the ticket secret are (docs/design.md, "TLS").
  var tlsDirectory: String
  /// Strict-Transport-Security max-age for HTTPS responses; nil: none sent.
  var hstsSeconds: Int?
  /// Where XEP-0363 uploads are kept, over HTTPS only; the secret is `upload.key` beside it
  /// (WebUploads.swift).
  var uploadDirectory: String

  static let defaultUploadDirectory = "/var/lib/slug/upload"

  /// The TLS directory beside the default store, /var/lib/slug/slug.db.
  static let defaultTLSDirectory = "/var/lib/slug/tls"

  init(_ arguments: Arguments) throws(UsageError) {
    guard arguments.operands.count <= 1 else {
      throw UsageError("unexpected argument '\(arguments.operands[1])'")
    }
    idleSeconds = try arguments.integer("t", in: 1...3600) ?? 15
    readSeconds = try arguments.integer("r", in: 1...3600) ?? 20
    cgiTimeoutSeconds = try arguments.integer("cgi-timeout", in: 1...86400) ?? 60
    logFile = arguments.value("log")
    cgi = !arguments.has("no-cgi")
    followSymlinks = arguments.has("follow-symlinks")
    caps = try ConnectionCaps(arguments, total: 128, perSource: 32)
    indexNames = arguments.allValues("index")
    for name in indexNames where name.isEmpty || name.containsByte(UInt8(ascii: "/")) || name.bytesEqual(".") || name.bytesEqual("..") {
      throw UsageError("--index needs a file name, not '\(name)'")
    }
    if indexNames.isEmpty { indexNames = ["index.html"] }
    var root = arguments.operands.first ?? "/var/www"
    guard root.bytesHavePrefix("/") else { throw UsageError("DOCROOT must be an absolute path, not '\(root)'") }
    while root.utf8.count > 1 && root.utf8.last == UInt8(ascii: "/") { root = String(decoding: root.utf8.dropLast(), as: UTF8.self) }
    documentRoot = root
    tls = arguments.has("tls")
    hstsSeconds = try arguments.integer("hsts", in: 0...1_000_000_000)
    // RFC 6797 §7.2: the header means nothing over plain HTTP, so asking for it there is a mistake.
    if hstsSeconds != nil && !tls { throw UsageError("--hsts applies to HTTPS only: give --tls too") }
    if arguments.value("tls-dir") != nil && !tls { throw UsageError("--tls-dir applies to HTTPS only: give --tls too") }
    var directory = arguments.value("tls-dir") ?? Self.defaultTLSDirectory
    guard directory.bytesHavePrefix("/") else { throw UsageError("--tls-dir needs an absolute path, not '\(directory)'") }
    while directory.utf8.count > 1 && directory.utf8.last == UInt8(ascii: "/") {
      directory = String(decoding: directory.utf8.dropLast(), as: UTF8.self)
    }
    tlsDirectory = directory
    if arguments.value("upload-dir") != nil && !tls { throw UsageError("--upload-dir applies to HTTPS only: give --tls too") }
    var uploads = arguments.value("upload-dir") ?? Self.defaultUploadDirectory
    guard uploads.bytesHavePrefix("/") else { throw UsageError("--upload-dir needs an absolute path, not '\(uploads)'") }
    while uploads.utf8.count > 1 && uploads.utf8.last == UInt8(ascii: "/") {
      uploads = String(decoding: uploads.utf8.dropLast(), as: UTF8.self)
    }
    uploadDirectory = uploads
  }
}
