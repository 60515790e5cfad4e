import CLibc
#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Runtime
import Store
import Superserver
#endif

/// What XEP-0363 uploads need beside the store (docs/design.md, "File sharing (XEP-0363)"):
/// `upload.key`, the secret in.jabberd signs slots with and in.www checks them with, root's,
/// mode 0640, read by those two daemons' users alone through an access ACL; and `upload/`,
/// where in.www keeps the files, its user's alone (mode 0700), since the store's directory is
/// root's. The secret is kept across inits (slots already granted stay valid).
enum UploadFiles {
  /// The daemons that read the secret.
  static let services = ["www", "jabberd"]

  static func secret(beside store: String) -> String { FilePath.sibling(UploadSecret.fileName, of: store) }
  static func directory(beside store: String) -> String { FilePath.sibling(UploadSecret.directoryName, of: store) }

  static func prepare(for store: Store) throws(Failure) {
    let file = secret(beside: store.path)
    var kept: [UInt8]?
    if access(file, F_OK) == 0 {
      let bytes = try TLSFiles.readRegularFile(file)
      kept = bytes.count >= UploadSecret.minimumBytes ? bytes : nil
    }
    let readers = services.compactMap { Catalog.service(named: $0)?.user }.compactMap { getpwnam($0)?.pointee.pw_uid }
    try OwnedFile.write(
      kept ?? Random.bytes(32), to: file, mode: geteuid() == 0 ? 0o640 : 0o600, owner: (0, 0), readers: readers,
      readersName: "in.www and in.jabberd")
    let uploads = directory(beside: store.path)
    var status = stat()
    // A link there is an administrator's way of putting the files on another disk: left alone.
    if lstat(uploads, &status) == 0, status.st_mode & mode_t(S_IFMT) == mode_t(S_IFLNK) { return }
    if mkdir(uploads, 0o700) != 0, slug_errno() != EEXIST {
      throw Failure.cannotCreate("cannot make \(uploads): \(String(cString: strerror(slug_errno())))")
    }
    let descriptor = slug_open(uploads, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0)
    guard descriptor >= 0 else {
      throw Failure.cannotCreate("\(uploads) is not a directory: \(String(cString: strerror(slug_errno())))")
    }
    defer { close(descriptor) }
    if geteuid() == 0, let name = Catalog.service(named: "www")?.user, let user = getpwnam(name)?.pointee,
      fchown(descriptor, user.pw_uid, user.pw_gid) != 0
    {
      throw Failure.ioError("cannot give \(uploads) to \(name): \(String(cString: strerror(slug_errno())))")
    }
    guard fchmod(descriptor, 0o700) == 0 else {
      throw Failure.ioError("cannot set the mode of \(uploads): \(String(cString: strerror(slug_errno())))")
    }
  }

  /// Removes an upload's file; one never uploaded gets an empty `NAME.part` in its place, so
  /// in.www refuses a PUT to the removed slot until it expires (and its sweep takes that too).
  static func remove(_ upload: JabberUpload, beside store: String) {
    let uploads = directory(beside: store)
    let descriptor = slug_open(uploads, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0)
    guard descriptor >= 0 else { return }
    defer { close(descriptor) }
    if unlinkat(descriptor, upload.storedName, 0) != 0, slug_errno() == ENOENT {
      let part = slug_openat(descriptor, upload.storedName + ".part", O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
      if part >= 0 { close(part) }
    }
  }

  /// Removes an expired upload's file and any broken upload of it.
  static func removeExpired(_ upload: JabberUpload, beside store: String) {
    let uploads = directory(beside: store)
    let descriptor = slug_open(uploads, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0)
    guard descriptor >= 0 else { return }
    unlinkat(descriptor, upload.storedName, 0)
    unlinkat(descriptor, upload.storedName + ".part", 0)
    close(descriptor)
  }
}
