import CLibc

/// in.www: a static file and CGI/1.1 web server, started by inetd on each accepted TCP
/// connection (`http stream tcp nowait`); it serves requests on that connection until the
/// client closes, stays idle too long, or asks to close.
func runWebServer() -> Never {
  let synopsis =
    "[-d] [-t IDLE] [-r READ] [--log FILE] [--index NAME]... [--no-cgi] [--cgi-timeout N] [--follow-symlinks] [DOCROOT]"
  let options: WebServerOptions
  do throws(UsageError) {
    options = try WebServerOptions(
      try Arguments(
        flags: ["d", "no-cgi", "follow-symlinks"], options: ["t", "r", "log", "index", "cgi-timeout"]))
  } catch {
    Runtime.usageError(error, synopsis: synopsis)
  }
  let log = Log(program: options.program, destination: options.debug ? .standardError : .syslog)
  guard SocketType(of: 0) == .stream else {
    log.error("fd 0 is not a stream socket; run from inetd (http stream tcp nowait)")
    exit(EX_NOINPUT)
  }
  var status = stat()
  guard stat(options.documentRoot, &status) == 0, status.st_mode & mode_t(S_IFMT) == mode_t(S_IFDIR) else {
    log.error("document root \(options.documentRoot) is not a directory")
    exit(EX_NOINPUT)
  }
  // A client that goes away mid-body must end a write with EPIPE, not the process.
  slug_ignore_sigpipe()
  exit(WebServer(options: options, log: log).run())
}

/// The command line, checked: every problem is a usage error (exit 64) before fd 0 is touched.
struct WebServerOptions {
  var program: String
  var debug: Bool
  /// How long a kept-alive connection may wait for the next request.
  var idleSeconds: Int
  /// How long a client has to send a whole request head once it has started one.
  var readSeconds: Int
  var logFile: String?
  var indexNames: [String]
  var cgi: Bool
  var cgiTimeoutSeconds: Int
  var followSymlinks: Bool
  /// Without a trailing slash, unless it is `/`.
  var documentRoot: String

  init(_ arguments: Arguments) throws(UsageError) {
    guard arguments.operands.count <= 1 else {
      throw UsageError("unexpected argument '\(arguments.operands[1])'")
    }
    program = arguments.program
    debug = arguments.has("d")
    idleSeconds = try arguments.integer("t", in: 1...3600) ?? 15
    readSeconds = try arguments.integer("r", in: 1...3600) ?? 20
    cgiTimeoutSeconds = try arguments.integer("cgi-timeout", in: 1...86400) ?? 60
    logFile = arguments.value("log")
    cgi = !arguments.has("no-cgi")
    followSymlinks = arguments.has("follow-symlinks")
    indexNames = arguments.allValues("index")
    for name in indexNames where name.isEmpty || name.contains("/") || name == "." || name == ".." {
      throw UsageError("--index needs a file name, not '\(name)'")
    }
    if indexNames.isEmpty { indexNames = ["index.html"] }
    var root = arguments.operands.first ?? "/var/www"
    guard root.hasPrefix("/") else { throw UsageError("DOCROOT must be an absolute path, not '\(root)'") }
    while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
    documentRoot = root
  }
}

runWebServer()
