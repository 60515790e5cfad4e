import CLibc
#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Runtime
#endif

/// The bytes of a file named on the command line: 66 if it is missing or unreadable, 74 if
/// reading fails part way.
func readInputFile(_ path: String) throws(Failure) -> [UInt8] {
  let descriptor = slug_open(path, O_RDONLY | O_CLOEXEC, 0)
  guard descriptor >= 0 else { throw Failure.noInput("cannot read \(path): \(unreadableReason(slug_errno()))") }
  defer { close(descriptor) }
  do throws(FileError) {
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
