import CLibc
#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Runtime
import Superserver
#endif

/// The system users the daemons run as, one per program (Catalog's `user`), created by
/// `slugctl init` as root: no login shell, no home, a group of their own.
enum SystemAccounts {
  /// Creates every daemon's user that does not exist yet; returns the names it created.
  @discardableResult
  static func ensureServiceUsers() throws(Failure) -> [String] {
    var created: [String] = []
    for name in Catalog.users where getpwnam(name) == nil {
      try run(
        "useradd",
        ["--system", "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", "--user-group", name])
      guard getpwnam(name) != nil else { throw Failure.osError("useradd left no user '\(name)'") }
      created.append(name)
    }
    return created
  }

  /// The group whose members may drop mail into Postfix's queue: its sendmail runs postdrop,
  /// set-group-ID postdrop, which the daemons' no-new-privileges turns into an ordinary program.
  static let mailDropGroup = "postdrop"

  /// Makes in.smtp's user a member of Postfix's postdrop group when the group exists, so the
  /// system sendmail can queue what in.smtp hands it although postdrop gains no group; returns
  /// the user when it was added.
  static func joinMailDropGroup() throws(Failure) -> String? {
    guard let service = Catalog.service(named: "smtp"), let group = getgrnam(mailDropGroup) else { return nil }
    var member = group.pointee.gr_mem
    while let name = member?.pointee {
      if String(cString: name) == service.user { return nil }
      member = member?.advanced(by: 1)
    }
    guard let user = getpwnam(service.user) else { return nil }
    if user.pointee.pw_gid == group.pointee.gr_gid { return nil }
    try run("usermod", ["--append", "--groups", mailDropGroup, service.user])
    return service.user
  }

  /// Runs the shadow tool `tool` (from /usr/sbin or /sbin) with `arguments`; a failure names the
  /// command and what it printed.
  static func run(_ tool: String, _ arguments: [String]) throws(Failure) {
    guard let path = Subprocess.find(tool, in: ["/usr/sbin", "/sbin"]) else {
      throw Failure.unavailable("\(tool) was not found in /usr/sbin or /sbin")
    }
    let finished: Subprocess.Finished
    do throws(Spawn.Failure) {
      finished = try Subprocess.run(path, arguments, capturingErrors: true)
    } catch {
      throw Failure.osError("cannot run \(path): \(error.description)")
    }
    guard finished.status.succeeded else {
      let detail = finished.errors.trimmingWhitespace
      throw Failure.osError(
        "\(path) \(arguments.joined(separator: " ")) failed (\(finished.status.shortDescription))"
          + (detail.isEmpty ? "" : ": \(detail)"))
    }
  }
}
