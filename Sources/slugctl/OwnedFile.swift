import CLibc
#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Store
#endif

/// A file slugctl writes for the daemons to read: replaced atomically (AtomicFile), and before
/// a byte of it is written given its owner (when slugctl runs as root) and an access ACL naming
/// the users who may read it beside the owner (none: any ACL it had goes).
enum OwnedFile {
  /// `readersName` says who the readers are, for the message when the ACL cannot be set.
  static func write(
    _ bytes: [UInt8], to file: String, mode: mode_t, owner: (uid: uid_t, gid: gid_t), readers: [uid_t],
    readersName: String
  ) throws(Failure) {
    do throws(StoreError) {
      try AtomicFile.write(bytes, to: file, mode: mode) { (descriptor: Int32) throws(StoreError) in
        if geteuid() == 0, fchown(descriptor, owner.uid, owner.gid) != 0 {
          throw StoreError.io("\(file): chown failed: \(String(cString: strerror(slug_errno())))")
        }
        do throws(AccessList.Failed) {
          if readers.isEmpty {
            try AccessList.remove(from: descriptor)
          } else {
            try AccessList(readers: readers, groupWrites: false).set(on: descriptor)
          }
        } catch {
          throw StoreError.io("cannot let \(readersName) read \(file): \(error.reason)")
        }
      }
    } catch {
      throw Failure.cannotCreate(error.description)
    }
  }
}
