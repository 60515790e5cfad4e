import CLibc

/// The few operations on `/`-separated paths the programs need, and the path of the running
/// executable, beside which the programs it starts are installed.
public enum FilePath {
  /// The last component: `in.dns` for /usr/sbin/in.dns (PATH itself when it has no `/`).
  public static func name(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return path }
    return String(path[path.index(after: slash)...])
  }

  /// The directory holding PATH: `/usr/sbin` for /usr/sbin/in.dns, `/` for /in.dns, `.` for a
  /// name without a `/`.
  public static func directory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
  }

  /// The file called NAME in the directory holding PATH.
  public static func sibling(_ name: String, of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return name }
    return String(path[...slash]) + name
  }

  /// The running executable with every link resolved (/proc/self/exe); nil when it cannot be read.
  public static func runningExecutable() -> String? {
    var buffer = [CChar](repeating: 0, count: 4096)
    let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    guard count > 0 else { return nil }
    return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }
}
