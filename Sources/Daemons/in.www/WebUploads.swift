import CLibc

/// XEP-0363 uploads, over HTTPS only: `/upload/ID.EXPIRY.SIZE.TYPE.MAC/NAME` is a slot
/// in.jabberd granted (Crypto's UploadToken), checked against the upload secret beside the
/// upload directory, with no store opened. The slot's one PUT carries exactly SIZE bytes into
/// `EXPIRY-ID` there (never the client's name); GET and HEAD serve it, as the slot's type,
/// until EXPIRY, then it is gone. The directory is in.www's alone.
extension WebServer {
  var uploadSecretPath: String { FilePath.sibling(UploadSecret.fileName, of: options.uploadDirectory) }

  /// Answers a request under /upload/ and returns whether the connection goes on; nil for any
  /// other path, which is served from the document root as always.
  func serveUpload(_ head: HTTPRequestHead, exchange: inout Exchange) -> Bool? {
    guard let target = RequestTarget(head.target), let located = RequestPath.segments(of: target.origin),
      let first = located.segments.first, first.bytesEqual(UploadToken.prefix)
    else { return nil }
    var headers = HTTPHeaders()
    // Web clients (Converse.js) upload from their own origin (XEP-0363 §6); the URL is the
    // capability, so no cookie or credential is involved.
    headers.add("Access-Control-Allow-Origin", "*")
    let method = head.method
    if method.bytesEqual("OPTIONS") {
      headers.add("Access-Control-Allow-Methods", "GET, HEAD, PUT, OPTIONS")
      headers.add("Access-Control-Allow-Headers", "Content-Type")
      headers.add("Access-Control-Max-Age", "86400")
      headers.add("Content-Length", "0")
      let keepAlive = droppingBody(of: head)
      return sendHead(200, headers: headers, for: head, keepAlive: keepAlive, exchange: &exchange) && keepAlive
    }
    guard method.bytesEqual("PUT") || method.bytesEqual("GET") || method.bytesEqual("HEAD") else {
      headers.add("Allow", "GET, HEAD, PUT, OPTIONS")
      return sendError(405, for: head, extraHeaders: headers, keepAlive: droppingBody(of: head), exchange: &exchange)
    }
    guard located.segments.count == 3, let key = UploadSecret.read(uploadSecretPath) else {
      return sendError(404, for: head, extraHeaders: headers, keepAlive: droppingBody(of: head), exchange: &exchange)
    }
    guard let token = UploadToken.verify(located.segments[1], fileName: located.segments[2], key: key) else {
      log.notice("\(peer?.host ?? "-"): upload URL with a wrong signature: \(target.rawPath)")
      return sendError(403, for: head, extraHeaders: headers, keepAlive: droppingBody(of: head), exchange: &exchange)
    }
    let now = Int64(time(nil))
    guard now < token.expiry else {
      unlinkUpload(token.storedName)
      return sendError(404, for: head, extraHeaders: headers, keepAlive: droppingBody(of: head), exchange: &exchange)
    }
    if method.bytesEqual("PUT") { return receiveUpload(token, head: head, headers: headers, now: now, exchange: &exchange) }
    headers.add("X-Content-Type-Options", "nosniff")
    // Shown, never run: a page or script uploaded as text/html cannot act as this origin.
    headers.add("Content-Security-Policy", "default-src 'none'; sandbox")
    headers.add("Content-Disposition", WebServer.disposition(token))
    return serveFile(
      options.uploadDirectory + "/" + token.storedName, head: head, keepAlive: droppingBody(of: head),
      contentType: token.contentType, extraHeaders: headers, exchange: &exchange)
  }

  /// Images, sound and video are shown where they are opened (clients link them inline);
  /// anything else is saved. The name is RFC 8187-encoded, so no quote or byte of it can
  /// end the header.
  static func disposition(_ token: UploadToken) -> String {
    let type = token.contentType
    let shown = (type.bytesHavePrefix("image/") && !type.bytesHavePrefix("image/svg")) || type.bytesHavePrefix("audio/")
      || type.bytesHavePrefix("video/")
    return (shown ? "inline" : "attachment") + "; filename*=UTF-8''" + UploadToken.percentEncoded(token.fileName)
  }

  /// The PUT: exactly the slot's size, once. The body goes to `NAME.part` (created with
  /// O_EXCL, so a second PUT racing the first fails), is synced, then linked to its name
  /// (which fails if one is there: the first upload stays).
  func receiveUpload(
    _ token: UploadToken, head: HTTPRequestHead, headers: HTTPHeaders, now: Int64, exchange: inout Exchange
  ) -> Bool {
    guard !head.isChunked, let length = head.contentLength else {
      return sendError(411, for: head, extraHeaders: headers, keepAlive: false, exchange: &exchange)
    }
    guard Int64(length) <= token.size else {
      return sendError(413, for: head, extraHeaders: headers, keepAlive: false, exchange: &exchange)
    }
    guard Int64(length) == token.size else {
      return sendError(400, for: head, extraHeaders: headers, keepAlive: droppingBody(of: head), exchange: &exchange)
    }
    let directory = slug_open(options.uploadDirectory, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0)
    guard directory >= 0 else {
      log.error("upload directory \(options.uploadDirectory): \(String(cString: strerror(slug_errno())))")
      return sendError(503, for: head, extraHeaders: headers, keepAlive: false, exchange: &exchange)
    }
    defer { close(directory) }
    let part = token.storedName + ".part"
    var existing = stat()
    let taken = fstatat(directory, token.storedName, &existing, AT_SYMLINK_NOFOLLOW) == 0
    let fd = taken ? -1 : slug_openat(directory, part, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
    guard fd >= 0 else {
      // Uploaded already, or being uploaded: the slot was used.
      return sendError(409, for: head, extraHeaders: headers, keepAlive: false, exchange: &exchange)
    }
    continueIfExpected(head)
    let outcome = copyBody(length, to: fd)
    let synced = outcome == 0 && fsync(fd) == 0
    close(fd)
    guard synced, linkat(directory, part, directory, token.storedName, 0) == 0 else {
      let code = slug_errno()
      unlinkat(directory, part, 0)
      let status = outcome != 0 ? outcome : code == ENOSPC || code == EDQUOT ? 507 : code == EEXIST ? 409 : 500
      if status == 408 || status >= 500 { log.info("\(peer?.host ?? "-"): upload \(token.id) failed (\(status))") }
      // The body was not read to its end: the connection cannot carry another request.
      return sendError(status, for: head, extraHeaders: headers, keepAlive: false, exchange: &exchange)
    }
    unlinkat(directory, part, 0)
    log.info("\(peer?.host ?? "-"): upload \(token.id), \(length) bytes")
    sweepExpiredUploads(directory, now: now)
    var created = headers
    created.add("Content-Length", "0")
    return sendHead(201, headers: created, for: head, keepAlive: head.keepAlive, exchange: &exchange) && head.keepAlive
  }

  /// Copies LENGTH body bytes (those read with the head first) to FD: 0 when all were
  /// written, else the status to answer (408 the client stalled or left, 507 the disk is full).
  func copyBody(_ length: Int, to fd: Int32) -> Int {
    var left = length
    let first = min(left, pending.count)
    var chunk = Array(pending.prefix(first))
    pending.removeFirst(first)
    var deadline = Deadline.after(seconds: options.readSeconds)
    while true {
      left -= chunk.count
      var offset = 0
      while offset < chunk.count {
        let written = chunk[offset...].withUnsafeBytes { CLibc.write(fd, $0.baseAddress, $0.count) }
        if written < 0 {
          if slug_errno() == EINTR { continue }
          return slug_errno() == ENOSPC || slug_errno() == EDQUOT ? 507 : 500
        }
        offset += written
      }
      if left == 0 { return 0 }
      guard case .data(let bytes) = connection.read(maximum: min(left, 65536), deadline: deadline) else { return 408 }
      deadline = .after(seconds: options.readSeconds)
      if bytes.count > left {
        // A pipelined request after the body: kept for the next head.
        pending = Array(bytes[left...])
        chunk = Array(bytes[..<left])
      } else {
        chunk = bytes
      }
    }
  }

  /// Removes the file of an expired slot, if it is still there.
  func unlinkUpload(_ name: String) {
    let directory = slug_open(options.uploadDirectory, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0)
    guard directory >= 0 else { return }
    unlinkat(directory, name, 0)
    unlinkat(directory, name + ".part", 0)
    close(directory)
  }

  /// After each upload, the files (and broken uploads) whose slots expired go: their names
  /// start with the expiry, so no store is read. Uploads are rare; one directory read each.
  func sweepExpiredUploads(_ directory: Int32, now: Int64) {
    let copy = dup(directory)
    guard copy >= 0, let stream = fdopendir(copy) else { return }
    defer { closedir(stream) }
    var expired: [String] = []
    while let entry = readdir(stream) {
      let name = withUnsafePointer(to: &entry.pointee.d_name) {
        $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
      }
      let digits = name.utf8.prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
      guard !digits.isEmpty, name.utf8.dropFirst(digits.count).first == UInt8(ascii: "-"),
        let expiry = Int64(String(decoding: digits, as: UTF8.self)), expiry <= now
      else { continue }
      expired.append(name)
    }
    for name in expired { unlinkat(directory, name, 0) }
  }
}
