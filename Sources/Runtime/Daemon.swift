import CLibc

/// A daemon's command line, checked: every problem is a usage error (exit 64) before fd 0 is
/// touched. `-d` and `-n` are the skeleton's and are not listed here.
public protocol DaemonOptions {
  /// The usage synopsis after the program name, as the man page's SYNOPSIS has it.
  static var synopsis: String { get }
  /// Options without a value (besides d and n).
  static var flags: [String] { get }
  /// Options taking a value.
  static var valueOptions: [String] { get }
  init(_ arguments: Arguments) throws(UsageError)
  /// How long a UDP `wait` process stays after the last datagram; by default 30 s.
  var datagramIdleSeconds: Int { get }
}

extension DaemonOptions {
  public var datagramIdleSeconds: Int { Daemon.defaultDatagramIdleSeconds }
}

/// What fd 0 may be when a super-server starts the daemon.
public enum StandardInput: Sendable, Equatable {
  /// An accepted or listening TCP connection (inetd `stream`).
  case streamSocket
  /// A bound UDP socket (inetd `dgram wait`).
  case datagramSocket
  /// Pipes on fd 0 and fd 1: a local program talking to the daemon.
  case pipes

  /// What fd 0 is now, when it is one of these.
  static func current() -> StandardInput? {
    switch SocketType(of: 0) {
    case .stream?: return .streamSocket
    case .datagram?: return .datagramSocket
    case nil: return isPipe(0) && isPipe(1) ? .pipes : nil
    }
  }

  static func isPipe(_ fd: Int32) -> Bool {
    var status = stat()
    return fstat(fd, &status) == 0 && status.st_mode & mode_t(S_IFMT) == mode_t(S_IFIFO)
  }
}

/// Why a daemon cannot start (or, under -n, why its configuration does not hold): the
/// message names the file, line or value, and the code is a sysexits(3) value.
public struct StartupError: Error, CustomStringConvertible {
  public var message: String
  public var exitCode: Int32

  public init(_ message: String, exitCode: Int32) {
    self.message = message
    self.exitCode = exitCode
  }

  public var description: String { message }
}

/// One daemon: its options, what it loads before serving (the configuration, the store), and
/// how it serves what inetd hands it. Every daemon's main.swift only calls `Daemon.run`.
public protocol DaemonProgram {
  associatedtype Options: DaemonOptions
  /// What `load` reads: the configuration and the store the daemon serves from.
  associatedtype Configuration

  /// What fd 0 may be; empty for a program that does not serve a socket (a CGI, a helper).
  static var standardInput: [StandardInput] { get }
  /// The inetd line to name when fd 0 is wrong, e.g. "http stream tcp nowait".
  static var inetdLine: String { get }
  /// Where the log goes without -d and -n: syslog, unless the program is a CGI, whose standard
  /// error is its web server's error log.
  static var logDestination: Log.Destination { get }

  /// Reads what serving needs; the same for serving and for `-n`.
  static func load(_ options: Options, log: Log) throws(StartupError) -> Configuration
  /// The effective configuration, for `-n`: every setting that applies, defaults included,
  /// one `name value` a line.
  static func describe(_ options: Options, _ configuration: Configuration) -> String
  /// Serves what fd 0 is and returns the exit code.
  static func serve(_ options: Options, _ configuration: Configuration, on input: StandardInput?, log: Log) -> Int32

  /// What fd 0 must be besides its kind (in.dhcp needs an IPv4 socket), checked with its kind,
  /// before anything is loaded: the message naming the problem (exit 66), or nil. By default nil.
  static func standardInputProblem(_ input: StandardInput) -> String?
  /// What `-n` loads; by default what serving loads. A daemon that reads some of its data only
  /// when a client needs it (in.jabberd's users, at a login) reads it here as well, so that -n
  /// finds what a client would.
  static func loadForChecking(_ options: Options, log: Log) throws(StartupError) -> Configuration
}

/// A daemon that inetd may start on a UDP socket (`dgram udp wait`: in.dns, in.dhcp, in.mvp).
/// Its `Daemon.run` empties the socket when it cannot serve; a daemon that only ever has a
/// stream carries none of that code (15 KB of in.www).
public protocol DatagramDaemonProgram: DaemonProgram {
  /// What it answers each datagram with when it cannot serve (its store or command line is
  /// wrong), while it empties its socket; by default nothing.
  static func unservedReplies(to datagram: Datagram) -> [DatagramReply]
}

extension DatagramDaemonProgram {
  public static func unservedReplies(to datagram: Datagram) -> [DatagramReply] { [] }
}

extension DaemonProgram {
  public static var logDestination: Log.Destination { .syslog }

  public static func standardInputProblem(_ input: StandardInput) -> String? { nil }

  public static func loadForChecking(_ options: Options, log: Log) throws(StartupError) -> Configuration {
    try load(options, log: log)
  }
}

public enum Daemon {
  public static let defaultDatagramIdleSeconds = 30

  /// The start-up every daemon shares, in this order:
  /// 1. parse the command line (a usage error is one line and exit 64);
  /// 2. open the log: syslog, or stderr with `-d`; set no-new-privileges, so nothing the daemon
  ///    starts (a CGI, sendmail, ctorrent, a lease script) gains privileges by exec through a
  ///    set-user-ID or set-group-ID bit or file capabilities (exit 71 if the kernel refuses);
  /// 3. with `-n`, load (`loadForChecking`), print the effective configuration on stdout and
  ///    exit 0, or print the error and exit with its code; fd 0 is not touched;
  /// 4. check fd 0 (its kind, then `standardInputProblem`) before reading anything, so a wrong
  ///    inetd line is named as such (exit 66);
  /// 5. set the signal policy: SIGPIPE ignored (a peer gone mid-write ends the write with
  ///    EPIPE, not the process), SIGCHLD default and unblocked (whoever started us may have
  ///    ignored it, which would lose a child's exit status);
  /// 6. load, then serve.
  /// A UDP `wait` daemon (DatagramDaemonProgram) that cannot serve empties its socket before it
  /// exits, or inetd would start it again at once, in a loop (DatagramService.drain).
  public static func run<Program: DaemonProgram>(_ program: Program.Type) -> Never {
    start(program, drain: nil)
  }

  public static func run<Program: DatagramDaemonProgram>(_ program: Program.Type) -> Never {
    start(program) { reason, exitCode, idleSeconds, log in
      guard slug_no_new_privileges() == 0 else { exit(EX_OSERR) }
      exit(
        DatagramService(idleSeconds: idleSeconds, log: log).drain(
          because: reason, exitCode: exitCode, answer: Program.unservedReplies))
    }
  }

  /// How a datagram daemon that cannot serve exits, given why, the exit code, how long its
  /// socket may stay idle, and the log.
  private typealias Drain = (_ reason: String, _ exitCode: Int32, _ idleSeconds: Int, _ log: Log) -> Never

  private static func start<Program: DaemonProgram>(_ program: Program.Type, drain: Drain?) -> Never {
    let options: Program.Options
    let arguments: Arguments
    do throws(UsageError) {
      arguments = try Arguments(
        flags: Program.Options.flags + ["d", "n"], options: Program.Options.valueOptions)
      options = try Program.Options(arguments)
    } catch {
      if let drain, StandardInput.current() == .datagramSocket {
        let program = FilePath.name(of: Arguments.processArguments().first ?? "")
        drain(
          "\(error.message); usage: \(program) \(Program.Options.synopsis)", EX_USAGE, defaultDatagramIdleSeconds,
          Log(program: program, destination: .syslog))
      }
      Runtime.usageError(error, synopsis: Program.Options.synopsis)
    }
    let checking = arguments.has("n")
    let log = Log(program: arguments.program, destination: arguments.has("d") || checking ? .standardError : Program.logDestination)
    guard slug_no_new_privileges() == 0 else {
      log.error("cannot set no-new-privileges (prctl PR_SET_NO_NEW_PRIVS): \(String(cString: strerror(slug_errno())))")
      exit(EX_OSERR)
    }

    if checking {
      do throws(StartupError) {
        let configuration = try Program.loadForChecking(options, log: log)
        let text = Program.describe(options, configuration)
        let bytes = Array((text.utf8.last == 0x0A || text.isEmpty ? text : text + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
        exit(0)
      } catch {
        log.error(error.message)
        exit(error.exitCode)
      }
    }

    let input = StandardInput.current()
    if !Program.standardInput.isEmpty {
      guard let input, Program.standardInput.contains(input) else {
        log.error("fd 0 is not \(describe(Program.standardInput)); run from inetd (\(Program.inetdLine))")
        exit(EX_NOINPUT)
      }
      if let problem = Program.standardInputProblem(input) {
        if input == .datagramSocket, let drain {
          drain(problem, EX_NOINPUT, options.datagramIdleSeconds, log)
        }
        log.error(problem)
        exit(EX_NOINPUT)
      }
    }
    slug_ignore_sigpipe()
    slug_default_sigchld()
    let configuration: Program.Configuration
    do throws(StartupError) {
      configuration = try Program.load(options, log: log)
    } catch {
      if input == .datagramSocket, let drain {
        drain(error.message, error.exitCode, options.datagramIdleSeconds, log)
      }
      log.error(error.message)
      exit(error.exitCode)
    }
    exit(Program.serve(options, configuration, on: input, log: log))
  }

  private static func describe(_ inputs: [StandardInput]) -> String {
    let names = inputs.map { input in
      switch input {
      case .streamSocket: "a stream socket"
      case .datagramSocket: "a datagram socket"
      case .pipes: "a pair of pipes"
      }
    }
    return names.count < 2 ? names.joined() : names.dropLast().joined(separator: ", ") + " or " + names.last!
  }
}
