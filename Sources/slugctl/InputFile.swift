import Glibc
import Runtime

/// The bytes of a file named on the command line: 66 if it is missing or unreadable, 74 if
/// reading fails part way.
func readInputFile(_ path: String) throws -> [UInt8] {
  let descriptor = open(path, O_RDONLY | O_CLOEXEC)
  guard descriptor >= 0 else { throw Failure.noInput("cannot read \(path): \(unreadableReason(errno))") }
  defer { close(descriptor) }
  do {
    return try readToEnd(descriptor, name: path)
  } catch {
    throw Failure.ioError("cannot read \(path): \(String(cString: strerror(error.code)))")
  }
}

/// Why a file named on the command line could not be opened, from open's errno.
func unreadableReason(_ code: Int32) -> String {
  switch code {
  case ENOENT, ENOTDIR: "no such file"
  case EACCES, EPERM: "permission denied"
  default: String(cString: strerror(code))
  }
}
