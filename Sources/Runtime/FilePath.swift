import CLibc

/// The few operations on `/`-separated paths the programs need, and the path of the running
/// executable, beside which the programs it starts are installed.
public enum FilePath {
  /// The last component: `in.dns` for /usr/sbin/in.dns (PATH itself when it has no `/`).
  /// Paths are taken apart as bytes: a Linux path is bytes, and String's Character operations
  /// bring Unicode's grapheme and normalisation code into a daemon.
  public static func name(of path: String) -> String {
    guard let slash = path.utf8.lastIndex(of: 0x2F) else { return path }
    return String(decoding: path.utf8[path.utf8.index(after: slash)...], as: UTF8.self)
  }

  /// The directory holding PATH: `/usr/sbin` for /usr/sbin/in.dns, `/` for /in.dns, `.` for a
  /// name without a `/`.
  public static func directory(of path: String) -> String {
    guard let slash = path.utf8.lastIndex(of: 0x2F) else { return "." }
    return slash == path.startIndex ? "/" : String(decoding: path.utf8[..<slash], as: UTF8.self)
  }

  /// The file called NAME in the directory holding PATH.
  public static func sibling(_ name: String, of path: String) -> String {
    guard let slash = path.utf8.lastIndex(of: 0x2F) else { return name }
    return String(decoding: path.utf8[...slash], as: UTF8.self) + name
  }

  /// The running executable with every link resolved (/proc/self/exe); nil when it cannot be read.
  public static func runningExecutable() -> String? {
    var buffer = [CChar](repeating: 0, count: 4096)
    let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    guard count > 0 else { return nil }
    return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }
}
