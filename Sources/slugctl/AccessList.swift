// CLibc, not Foundation: Glibc's module leaves out sys/xattr.h.
import CLibc

/// A POSIX access ACL that lets some users read a file besides its owner and group: the owner
/// and the group read and write, each reader reads, nobody else gets anything. Set through a
/// descriptor (fsetxattr "system.posix_acl_access"), never by path, in the binary form of
/// linux/posix_acl_xattr.h: a version word (2), then entries of tag, permissions and id, sorted
/// by tag and, among the users, by uid, all little-endian.
struct AccessList {
  var readers: [uid_t]
  /// Whether the owning group may write too (the store), or only read (TLS keys: mode 0640).
  var groupWrites = true

  static let attribute = "system.posix_acl_access"

  /// Why the kernel refused the ACL (strerror); the caller names the file and the readers.
  struct Failed: Error {
    var reason: String
  }

  private enum Tag: UInt16 {
    case userObject = 0x01, user = 0x02, groupObject = 0x04, mask = 0x10, other = 0x20
  }

  private static let read: UInt16 = 4
  private static let readWrite: UInt16 = 6

  /// The extended attribute's value.
  var bytes: [UInt8] {
    var bytes: [UInt8] = []
    func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
    // The id defaults to ACL_UNDEFINED_ID, for an entry that names no user or group.
    func entry(_ tag: Tag, _ permissions: UInt16, _ id: UInt32 = UInt32.max) {
      append(tag.rawValue)
      append(permissions)
      append(id)
    }
    append(UInt32(2))
    entry(.userObject, Self.readWrite)
    for reader in Set(readers).sorted() { entry(.user, Self.read, reader) }
    let group = groupWrites ? Self.readWrite : Self.read
    entry(.groupObject, group)
    // The mask bounds every named entry and the group; it is also the mode's group bits.
    entry(.mask, group)
    entry(.other, 0)
    return bytes
  }

  func set(on descriptor: Int32) throws(Failed) {
    let value = bytes
    let result = value.withUnsafeBytes { fsetxattr(descriptor, Self.attribute, $0.baseAddress, $0.count, 0) }
    guard result == 0 else { throw Failed(reason: String(cString: strerror(slug_errno()))) }
  }

  /// The users a file's access ACL names (none when it has no ACL, or one this cannot read).
  static func readers(of descriptor: Int32) -> [uid_t] {
    var value = [UInt8](repeating: 0, count: 4096)
    let length = value.withUnsafeMutableBytes { fgetxattr(descriptor, attribute, $0.baseAddress, $0.count) }
    guard length >= 4 else { return [] }
    var readers: [uid_t] = []
    var offset = 4
    while offset + 8 <= length {
      let tag = UInt16(value[offset]) | UInt16(value[offset + 1]) << 8
      let id = (0..<4).reduce(UInt32(0)) { $0 | UInt32(value[offset + 4 + $1]) << (8 * $1) }
      if tag == Tag.user.rawValue { readers.append(uid_t(id)) }
      offset += 8
    }
    return readers
  }

  /// Takes a file's ACL away (none there is fine): its mode alone says who may read it again.
  static func remove(from descriptor: Int32) throws(Failed) {
    guard fremovexattr(descriptor, attribute) == 0 || slug_errno() == ENODATA || slug_errno() == EOPNOTSUPP else {
      throw Failed(reason: String(cString: strerror(slug_errno())))
    }
  }
}
