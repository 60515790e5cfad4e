import CLibc

/// Why a store operation failed. Every message names the value, name or file concerned, so a
/// caller can print it as it is.
public enum StoreError: Error, Equatable, CustomStringConvertible {
  /// A value that does not validate.
  case invalid(String)
  /// A record that would clash with one already stored.
  case duplicate(String)
  /// A record that is not there.
  case notFound(String)
  case cannotOpen(path: String, reason: String)
  /// A store opened for reading only (by a daemon) that is not there.
  case missing(path: String)
  /// Still locked by another process after the busy timeout.
  case busy(String)
  /// Disk full, an I/O error or a corrupt file.
  case io(String)
  /// The file was written by a newer slug.
  case schemaTooNew(path: String, found: Int, supported: Int)
  /// A reader found a file not yet migrated to this slug's schema (only writers migrate).
  case schemaTooOld(path: String, found: Int, supported: Int)

  public var description: String {
    switch self {
    case .invalid(let message), .duplicate(let message), .notFound(let message),
      .busy(let message), .io(let message):
      message
    case .cannotOpen(let path, let reason):
      "cannot open \(path): \(reason)"
    case .missing(let path):
      "cannot open \(path): no such file; create it with slugctl init"
    case .schemaTooNew(let path, let found, let supported):
      "\(path) has schema version \(found), newer than the \(supported) this slug knows; upgrade slug"
    case .schemaTooOld(let path, let found, let supported):
      "\(path) has schema version \(found), older than the \(supported) this slug reads; run slugctl init"
    }
  }

  /// The sysexits code a command exits with.
  public var exitCode: Int32 {
    switch self {
    case .invalid, .duplicate, .notFound, .schemaTooNew, .schemaTooOld: EX_DATAERR
    case .missing: EX_NOINPUT
    case .cannotOpen: EX_CANTCREAT
    case .io: EX_IOERR
    case .busy: EX_TEMPFAIL
    }
  }
}
