import Foundation
import TestSupport

/// A mount namespace whose /etc is a copy of the machine's, for installing and purging the
/// Debian package: the accounts its scripts create and delete and the /etc/inetd.conf they edit
/// are the copy's, while other tests run daemons as the machine's slug-* users. Everything else
/// (/usr, /var/lib/dpkg, /var/lib/slug) is the machine's. Commands enter it with nsenter.
final class PrivateEtc {
  /// The copy, which the test also reads from outside.
  let etc: String
  private let holder: ChildProcess

  /// Copies /etc into `directory`/etc and holds a namespace with the copy mounted on /etc.
  init(in directory: String) throws {
    try PrivateInetd.require(["/usr/bin/unshare": "util-linux", "/usr/bin/nsenter": "util-linux"])
    etc = directory + "/etc"
    let copy = try ChildProcess.run("/bin/cp", ["-a", "/etc", etc])
    guard copy.status == 0 else { throw SetupFailure("cp -a /etc \(etc): \(copy.output)") }
    holder = try ChildProcess(
      "/usr/bin/unshare",
      ["--mount", "--propagation", "private", "/bin/sh", "-c", "mount --bind \"$0\" /etc && exec sleep 600", etc])
    // The holder execs sleep once the copy is mounted.
    for _ in 0..<100 where holder.isRunning && Self.command(of: holder.pid) != "sleep" { usleep(20_000) }
    guard Self.command(of: holder.pid) == "sleep" else {
      holder.stop()
      throw SetupFailure("unshare could not mount \(etc) on /etc")
    }
  }

  /// The prefix that runs a command in the namespace. update-inetd is told not to start or
  /// signal the machine's inetd (UPDATE_INETD_FAKE_IT): the test runs its own, on loopback.
  var launcher: [String] {
    ["/usr/bin/nsenter", "-t", "\(holder.pid)", "-m", "--", "/usr/bin/env", "UPDATE_INETD_FAKE_IT=1",
     "DEBIAN_FRONTEND=noninteractive"]
  }

  /// Runs `command` in the namespace to completion: its exit status and combined output.
  func run(_ command: String...) throws -> (status: Int32, output: String) {
    let full = launcher + command
    return try ChildProcess.run(full[0], Array(full.dropFirst()))
  }

  /// The names in the copy's `database` (passwd, group), as getent gives them.
  func names(in database: String) throws -> [String] {
    try run("getent", database).output.split(separator: "\n").map { String($0.prefix { $0 != ":" }) }
  }

  /// Every user and group entry of the copy, whole (a group's members included).
  func accounts() throws -> Set<String> {
    Set(try (run("getent", "passwd").output + run("getent", "group").output).split(separator: "\n").map(String.init))
  }

  /// Kills whatever still runs in the namespace (by PID: what the test started there has
  /// stopped already; this is for anything a package script started), then the holder.
  func stop() {
    let namespace = Self.mountNamespace(of: holder.pid)
    let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.compactMap { pid_t($0) } ?? []
    for pid in pids where pid != holder.pid && namespace != nil && Self.mountNamespace(of: pid) == namespace {
      kill(pid, SIGKILL)
    }
    holder.stop()
  }

  private static func command(of pid: pid_t) -> String? {
    (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  private static func mountNamespace(of pid: pid_t) -> String? {
    try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/mnt")
  }
}
