import CLibc

/// The secret in.jabberd signs upload slots with and in.www checks them with (XEP-0363; the
/// token is Crypto's UploadToken): `upload.key` beside the store, made by `slugctl init`, root's
/// and readable by those two daemons' users alone. The directory in.www keeps the files in is
/// `upload` beside it.
public enum UploadSecret {
  public static let fileName = "upload.key"
  public static let directoryName = "upload"
  /// Fewer bytes than this is no secret.
  public static let minimumBytes = 32

  /// The secret in the file at PATH: opened without following a link, a regular file of 32 to
  /// 4096 bytes; nil otherwise (then there is no upload service).
  public static func read(_ path: String) -> [UInt8]? {
    let fd = slug_open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var status = stat()
    guard fstat(fd, &status) == 0, status.st_mode & mode_t(S_IFMT) == mode_t(S_IFREG) else { return nil }
    do throws(FileError) {
      let bytes = try readToEnd(fd, name: path, limit: 4096)
      return bytes.count >= minimumBytes ? bytes : nil
    } catch {
      return nil
    }
  }
}
