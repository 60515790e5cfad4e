import CLibc

/// A new, empty file of slugctl's own in $TMPDIR (else /tmp), for a program it runs to write
/// into: mkstemp, so no other user can have put a link at its name. `remove()` deletes it.
struct TemporaryFile {
  let path: String

  /// PREFIX starts the file's name; PURPOSE starts the message when it cannot be made
  /// ("cannot fetch URL").
  init(prefix: String, for purpose: String) throws(Failure) {
    let directory = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
    var template = Array((directory + "/" + prefix + "-XXXXXX").utf8CString)
    let descriptor = mkstemp(&template)
    guard descriptor >= 0 else {
      throw Failure.cannotCreate("\(purpose): cannot create a temporary file in \(directory): \(String(cString: strerror(slug_errno())))")
    }
    close(descriptor)
    path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  func remove() { unlink(path) }
}
