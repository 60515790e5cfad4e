import Foundation

/// A private directory under $TMPDIR (mkdtemp), removed with everything in it when released.
public final class TemporaryDirectory {
  public let path: String

  public init(prefix: String = "slug-test") throws {
    var template = Array("\(NSTemporaryDirectory())/\(prefix).XXXXXX".utf8CString)
    guard let created = mkdtemp(&template) else {
      throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
    }
    path = String(cString: created)
  }

  deinit {
    try? FileManager.default.removeItem(atPath: path)
  }
}
