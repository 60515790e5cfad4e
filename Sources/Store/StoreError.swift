/// What went wrong in the store, as a value the caller turns into an exit code or a reply.
public enum StoreError: Error, Equatable, CustomStringConvertible {
  /// A value that does not validate; the message names the value.
  case invalid(String)
  case duplicate(String)
  case notFound(String)
  case cannotOpen(path: String, reason: String)
  /// Still locked after the busy timeout.
  case busy(String)
  /// Disk full, I/O error, corrupt file.
  case io(String)
  case schemaTooNew(path: String, found: Int, supported: Int)

  public var description: String {
    switch self {
    case .invalid(let message), .duplicate(let message), .notFound(let message),
      .busy(let message), .io(let message):
      message
    case .cannotOpen(let path, let reason): "cannot open \(path): \(reason)"
    case .schemaTooNew(let path, let found, let supported):
      "\(path): schema version \(found) is newer than this program supports (\(supported))"
    }
  }

  /// The sysexits code.
  public var exitCode: Int32 {
    switch self {
    case .invalid, .duplicate, .notFound, .schemaTooNew: 65
    case .cannotOpen: 73
    case .io: 74
    case .busy: 75
    }
  }
}
