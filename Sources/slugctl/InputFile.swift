import Foundation

/// The bytes of a file named on the command line: 66 if it is missing or unreadable, 74 if
/// reading fails part way.
func readInputFile(_ path: String) throws -> [UInt8] {
  guard FileManager.default.isReadableFile(atPath: path) else {
    throw Failure.noInput("cannot read \(path): \(FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file")")
  }
  do {
    return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
  } catch {
    throw Failure.ioError("cannot read \(path): \(error.localizedDescription)")
  }
}
