import CLibc

/// in.jabberd: the LAN's XMPP server, started by inetd on each accepted client connection
/// (`xmpp-client stream tcp nowait`); the process lives as long as the client's stream.
func runJabberServer() -> Never {
  let synopsis = "[-d] [--db PATH] [-c in.jabberd.conf] [--domain NAME] [-t IDLE] [--legacy]"
  let options: JabberOptions
  do throws(UsageError) {
    options = try JabberOptions(try Arguments(flags: ["d", "legacy"], options: ["db", "c", "domain", "t"]))
  } catch {
    Runtime.usageError(error, synopsis: synopsis)
  }
  let log = Log(program: options.program, destination: options.debug ? .standardError : .syslog)
  guard SocketType(of: 0) == .stream else {
    log.error("fd 0 is not a stream socket; run from inetd (xmpp-client stream tcp nowait)")
    exit(EX_NOINPUT)
  }
  // A client gone mid-write must end the write with EPIPE, not the process.
  slug_ignore_sigpipe()
  exit(JabberServer(options: options, log: log).run())
}

/// The command line, checked: every problem is a usage error (exit 64) before fd 0 is touched.
struct JabberOptions {
  var program: String
  var debug: Bool
  /// The store: offline messages and vCards, and the users unless `usersFile` is given.
  var database: String?
  /// Drop-in mode: users from the original's `name : password` file, re-read when it changes.
  var usersFile: String?
  var domain: String?
  var idleSeconds: Int
  /// Streams as the original answered them: no version, no SASL, jabber:iq:auth only.
  var legacy: Bool

  init(_ arguments: Arguments) throws(UsageError) {
    guard arguments.operands.isEmpty else { throw UsageError("unexpected argument '\(arguments.operands[0])'") }
    program = arguments.program
    debug = arguments.has("d")
    legacy = arguments.has("legacy")
    idleSeconds = try arguments.integer("t", in: 10...86400) ?? 600
    usersFile = arguments.value("c")
    // With -c the store is used only when named (--db or $SLUG_DB).
    if usersFile == nil {
      database = Store.resolvePath(option: arguments.value("db"))
    } else if let named = arguments.value("db") {
      database = named
    } else if let environment = getenv("SLUG_DB"), environment.pointee != 0 {
      database = String(cString: environment)
    }
    if let text = arguments.value("domain") {
      guard let jid = JID(text), jid.local.isEmpty, jid.isBare else {
        throw UsageError("--domain needs a domain name, not '\(text)'")
      }
      domain = jid.domain
    }
  }
}

runJabberServer()
