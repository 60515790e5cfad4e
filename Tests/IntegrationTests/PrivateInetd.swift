import Foundation
import Synchronization
import TestSupport

/// What the tests of a daemon under openbsd-inetd share: the tools they need, slug installed
/// under a private prefix, the inetd.conf lines `slugctl inetd generate` writes, and inetd run
/// in the foreground on that configuration until the service answers.
enum PrivateInetd {
  static let inetd = "/usr/sbin/inetd"

  /// Fails the setup (never skips) unless every tool (path: its Debian package) is installed.
  static func require(_ tools: [String: String]) throws {
    for (path, package) in tools.sorted(by: { $0.key < $1.key }) {
      guard FileManager.default.isExecutableFile(atPath: path) else {
        throw SetupFailure("\(path) is missing: apt-get install \(package)")
      }
    }
  }

  /// Installs the release build under `prefix` (sbin/, as `slugctl install` lays it out), and
  /// makes sure the daemons' users exist (`ensureServiceUsers`). The generated lines run each
  /// daemon as its own user, so the directory holding the prefix (the test's temporary
  /// directory, where it also keeps document roots and stores) is opened to them: mode 0755.
  static func install(prefix: String) throws {
    try ensureServiceUsers()
    let install = try ChildProcess.run(try BuildProducts.binDirectory() + "/slugctl", ["install", "--prefix", prefix])
    guard install.status == 0 else { throw SetupFailure("slugctl install failed: \(install.output)") }
    try reachable(URL(fileURLWithPath: prefix).deletingLastPathComponent().path)
  }

  /// Lets the daemons' users into `directory` (mode 0755): mkdtemp makes it root's alone.
  static func reachable(_ directory: String) throws {
    guard chmod(directory, 0o755) == 0 else { throw SetupFailure("chmod 0755 \(directory): errno \(errno)") }
  }

  /// Gives each of `paths` to `user` (and its group), for a daemon that writes there.
  static func give(_ paths: [String], to user: String) throws {
    guard let account = getpwnam(user) else { throw SetupFailure("no user \(user)") }
    for path in paths where chown(path, account.pointee.pw_uid, account.pointee.pw_gid) != 0 {
      throw SetupFailure("chown \(user) \(path): errno \(errno)")
    }
  }

  /// Runs `slugctl init` (the release build's, as root) on a throw-away store once per test
  /// process: it creates the users the generated lines name (slug-www ...) and the group slug,
  /// as it does on a real installation.
  static func ensureServiceUsers() throws {
    try usersCreated.withLock { done in
      guard !done else { return }
      let scratch = try TemporaryDirectory()
      let result = try ChildProcess.run(try BuildProducts.binDirectory() + "/slugctl", ["init", "--db", scratch.path + "/users.db"])
      guard result.status == 0 else { throw SetupFailure("slugctl init (to create the daemons' users) failed: \(result.output)") }
      done = true
    }
  }

  private static let usersCreated = Mutex(false)

  /// What the installed slugctl generates (`format`: inetd, xinetd) for `service` alone on
  /// `binds` (one `--bind` each; 127.0.0.1 unless told) and `port`, with `--db database` when
  /// given and `--args service=ARGUMENTS` for each of `arguments`: as users get it, each daemon as
  /// its own user (`install` made sure they exist).
  static func generated(
    prefix: String, service: String, port: UInt16, database: String? = nil, format: String = "inetd",
    binds: [String] = ["127.0.0.1"], arguments: [String] = []
  ) throws -> String {
    var options: [String] = ["inetd", "generate", "--format", format, "--prefix", prefix]
    for bind in binds { options += ["--bind", bind] }
    options += ["--port", "\(service)=\(port)", "--services", service]
    if let database { options += ["--db", database] }
    for argument in arguments { options += ["--args", "\(service)=\(argument)"] }
    let generated = try ChildProcess.run(prefix + "/sbin/slugctl", options)
    guard generated.status == 0 else { throw SetupFailure("slugctl inetd generate failed: \(generated.output)") }
    return generated.output
  }

  /// The inetd.conf lines `generated` writes.
  static func generatedLines(
    prefix: String, service: String, port: UInt16, database: String? = nil, binds: [String] = ["127.0.0.1"],
    arguments: [String] = []
  ) throws -> [String] {
    try generated(prefix: prefix, service: service, port: port, database: database, binds: binds, arguments: arguments)
      .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
  }

  /// xinetd, unpacked from its Debian package (Scripts/test does) or where $XINETD says.
  static func xinetd() throws -> String {
    let xinetd = ProcessInfo.processInfo.environment["XINETD"] ?? "/tmp/xinetd-pkg/usr/sbin/xinetd"
    guard FileManager.default.isExecutableFile(atPath: xinetd) else {
      throw SetupFailure(
        "\(xinetd) is missing: apt-get download xinetd && dpkg -x xinetd_*.deb /tmp/xinetd-pkg (or set XINETD)")
    }
    return xinetd
  }

  /// Writes `configuration` to `directory`/xinetd.conf and runs xinetd in the foreground on it,
  /// its own messages in `log` (service starts too when the configuration's defaults say so).
  static func startXinetd(_ configuration: String, in directory: String, log: String? = nil) throws -> ChildProcess {
    let config = directory + "/xinetd.conf"
    try configuration.write(toFile: config, atomically: true, encoding: .utf8)
    let superserver = try ChildProcess(
      try xinetd(), ["-f", config, "-dontfork", "-filelog", log ?? directory + "/xinetd.log", "-pidfile", directory + "/xinetd.pid"],
      outputPath: directory + "/xinetd.out")
    let ports = configuration.split(separator: "\n").compactMap { line -> UInt16? in
      let words = line.split(whereSeparator: \.isWhitespace)
      return words.count == 3 && words[0] == "port" ? UInt16(words[2]) : nil
    }
    superserver.afterStop.append { ports.forEach { SlotSets.removeAll(port: $0) } }
    return superserver
  }

  /// As `start`, but inetd and its daemons run in a mount namespace of their own whose /dev
  /// holds the few nodes they use and the returned log socket, so the daemons' syslog lines
  /// can be read without touching the machine's /dev/log. Readiness is the caller's to check.
  static func startWithPrivateLog(
    _ lines: [String], in directory: String, output: String, debug: Bool
  ) throws -> (superserver: ChildProcess, log: SyslogSocket) {
    try require([inetd: "openbsd-inetd", "/usr/bin/unshare": "util-linux"])
    let dev = directory + "/dev"
    try FileManager.default.createDirectory(atPath: dev, withIntermediateDirectories: false)
    chmod(dev, 0o755)
    let log = try SyslogSocket(path: dev + "/log")
    let config = directory + "/inetd.conf"
    try (lines.joined(separator: "\n") + "\n").write(toFile: config, atomically: true, encoding: .utf8)
    let script = """
      set -e
      for node in null zero full random urandom; do : > "$0/$node"; mount --bind "/dev/$node" "$0/$node"; done
      mount --rbind "$0" /dev
      exec \(inetd) -i \(debug ? "-d " : "")"$1"
      """
    let superserver = try ChildProcess(
      "/usr/bin/unshare", ["--mount", "--propagation", "private", "/bin/sh", "-c", script, dev, config], outputPath: output)
    superserver.afterStop.append { slotPorts(of: lines).forEach { SlotSets.removeAll(port: $0) } }
    return (superserver, log)
  }

  /// Writes `lines` to `directory`/inetd.conf and runs openbsd-inetd in the foreground on it
  /// (`-d`: it traces every exec to `output`), polling every 100 ms until `ready` holds.
  /// When inetd dies or 5 s pass first, it is stopped and the setup fails with its output.
  /// `launcher` is a command inetd runs under that execs it (nsenter into a namespace).
  static func start(
    _ lines: [String], in directory: String, output: String, debug: Bool = true, launcher: [String] = [],
    ready: () -> Bool
  ) throws -> ChildProcess {
    try require([inetd: "openbsd-inetd"])
    let config = directory + "/inetd.conf"
    try (lines.joined(separator: "\n") + "\n").write(toFile: config, atomically: true, encoding: .utf8)
    let command = launcher + [inetd, "-i"] + (debug ? ["-d"] : []) + [config]
    let superserver = try ChildProcess(command[0], Array(command.dropFirst()), outputPath: output)
    superserver.afterStop.append { slotPorts(of: lines).forEach { SlotSets.removeAll(port: $0) } }
    for _ in 0..<50 {
      guard superserver.isRunning else { break }
      if ready() { return superserver }
      usleep(100_000)
    }
    superserver.stop()
    let said = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
    throw SetupFailure("inetd on \(config) did not become ready; it said:\n\(said.suffix(4000))")
  }

  /// The ports of inetd.conf `lines`, whose daemons' connection caps outlive them in System V
  /// semaphore sets, one per port: a line's service field is a port, or ADDRESS:PORT.
  static func slotPorts(of lines: [String]) -> [UInt16] {
    lines.compactMap { $0.split(separator: " ").first?.split(separator: ":").last.flatMap { UInt16($0) } }
  }
}
