import Foundation
import Synchronization

/// Every directory made and not yet removed: XCTest keeps a test case, and what its properties
/// and teardown blocks hold, until the whole run ends, and then exits without releasing them.
private let unreleased = Mutex<Set<String>>([])

/// Removes what is left when the test process exits (once registered, at the first directory).
private let removeAtExit: Void = {
  atexit {
    for path in unreleased.withLock({ $0 }) { try? FileManager.default.removeItem(atPath: path) }
  }
}()

/// A private directory under $TMPDIR (mkdtemp), removed with everything in it when released,
/// or at the latest when the test process exits.
public final class TemporaryDirectory {
  public let path: String

  public init(prefix: String = "slug-test") throws {
    var template = Array("\(NSTemporaryDirectory())/\(prefix).XXXXXX".utf8CString)
    guard let created = mkdtemp(&template) else {
      throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
    }
    path = String(cString: created)
    removeAtExit
    _ = unreleased.withLock { $0.insert(path) }
  }

  deinit {
    try? FileManager.default.removeItem(atPath: path)
    _ = unreleased.withLock { $0.remove(path) }
  }
}
