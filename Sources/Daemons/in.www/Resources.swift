import CLibc

/// What a request path names under the document root.
enum Resource {
  case file(String)
  case directory(String)
  case script(Script)
  /// A directory asked for without its trailing slash: this Location adds it.
  case redirect(String)
  case notFound
  case forbidden
}

/// A CGI program and how the request path splits around it.
struct Script {
  var path: String
  /// The URL path of the script itself.
  var name: String
  /// What follows the script's name in the URL path ("" when nothing).
  var pathInfo: String
}

extension WebServer {
  /// Maps the decoded path segments to the file system; nothing outside the document root
  /// (through symlinks too, unless --follow-symlinks) is ever named.
  func resolve(_ segments: [String], trailingSlash: Bool, rawPath: String, query: String?) -> Resource {
    let root = options.documentRoot.bytesEqual("/") ? "" : options.documentRoot
    let path = root + "/" + segments.joined(separator: "/")
    var status = stat()
    guard stat(path, &status) == 0 else {
      switch slug_errno() {
      case EACCES: return .forbidden
      case ENOTDIR: return scriptPrefix(of: segments, root: root)
      default: return .notFound
      }
    }
    guard isInsideRoot(path) else {
      log.notice("\(peer?.host ?? "-"): \(path) leads out of \(options.documentRoot)")
      return .forbidden
    }
    let name = "/" + segments.joined(separator: "/")
    switch Int32(status.st_mode & mode_t(S_IFMT)) {
    case S_IFREG:
      if trailingSlash { return .notFound }
      return isScript(path) ? .script(Script(path: path, name: name, pathInfo: "")) : .file(path)
    case S_IFDIR:
      guard trailingSlash || segments.isEmpty else {
        return .redirect(rawPath + "/" + (query.map { "?" + $0 } ?? ""))
      }
      let directory = segments.isEmpty ? root + "/" : path + "/"
      for index in options.indexNames {
        var indexStatus = stat()
        guard stat(directory + index, &indexStatus) == 0, indexStatus.st_mode & mode_t(S_IFMT) == mode_t(S_IFREG),
          isInsideRoot(directory + index)
        else { continue }
        let indexName = (segments.isEmpty ? "/" : name + "/") + index
        return isScript(index) ? .script(Script(path: directory + index, name: indexName, pathInfo: "")) : .file(directory + index)
      }
      return .directory(directory)
    default:
      return .forbidden
    }
  }

  /// `/dir/run.cgi/more/path`: the first regular file on the way is the script when it is one.
  private func scriptPrefix(of segments: [String], root: String) -> Resource {
    var path = root
    for (index, segment) in segments.enumerated() {
      path += "/" + segment
      var status = stat()
      guard stat(path, &status) == 0 else { return .notFound }
      guard status.st_mode & mode_t(S_IFMT) == mode_t(S_IFREG) else { continue }
      guard options.cgi, isScript(segment), isInsideRoot(path) else { return .notFound }
      return .script(
        Script(
          path: path, name: "/" + segments[...index].joined(separator: "/"),
          pathInfo: "/" + segments[(index + 1)...].joined(separator: "/")))
    }
    return .notFound
  }

  func isScript(_ name: String) -> Bool { options.cgi && name.bytesHaveSuffix(".cgi") }

  /// True when `path`, symlinks resolved, is the document root or below it.
  func isInsideRoot(_ path: String) -> Bool {
    if options.followSymlinks { return true }
    guard let real = WebServer.realPath(path), let root = realDocumentRoot else {
      return false
    }
    return root.bytesEqual("/") || real.bytesEqual(root) || real.bytesHavePrefix(root + "/")
  }

  static func realPath(_ path: String) -> String? {
    guard let resolved = realpath(path, nil) else { return nil }
    defer { free(resolved) }
    return String(cString: resolved)
  }

  // MARK: Static files

  /// `contentType` replaces the one the name suggests; `extraHeaders` go with every answer.
  func serveFile(
    _ path: String, head: HTTPRequestHead, keepAlive: Bool, contentType: String? = nil,
    extraHeaders: HTTPHeaders = HTTPHeaders(), exchange: inout Exchange
  ) -> Bool {
    guard !head.method.bytesEqual("POST") else { return sendError(405, for: head, keepAlive: keepAlive, exchange: &exchange) }
    let fd = slug_open(path, O_RDONLY | O_CLOEXEC, 0)
    guard fd >= 0 else {
      return sendError(slug_errno() == EACCES ? 403 : 404, for: head, keepAlive: keepAlive, exchange: &exchange)
    }
    defer { close(fd) }
    var status = stat()
    guard fstat(fd, &status) == 0 else { return sendError(500, for: head, keepAlive: keepAlive, exchange: &exchange) }
    let size = Int64(status.st_size)
    let modified = Int64(status.st_mtim.tv_sec)
    let etag = "\"\(hex(UInt64(status.st_ino)))-\(hex(UInt64(size)))-\(hex(UInt64(bitPattern: modified)))\""
    let lastModified = HTTPDate.format(modified)

    var headers = extraHeaders
    headers.add("Last-Modified", lastModified)
    headers.add("ETag", etag)
    if isNotModified(head, etag: etag, modified: modified) {
      return sendHead(304, headers: headers, for: head, keepAlive: keepAlive, exchange: &exchange) && keepAlive
    }
    headers.add("Accept-Ranges", "bytes")
    var range = ByteRanges.parse(head.headers.first("Range"), size: size)
    if let condition = head.headers.first("If-Range"), !condition.bytesEqual(etag), HTTPDate.parse(condition) != modified {
      range = .whole
    }
    let statusCode: Int
    let offset: Int64
    let length: Int64
    switch range {
    case .whole:
      (statusCode, offset, length) = (200, 0, size)
      headers.add("Content-Type", contentType ?? MIMETypes.type(forFileName: path))
    case .partial(let first, let last):
      (statusCode, offset, length) = (206, first, last - first + 1)
      headers.add("Content-Type", contentType ?? MIMETypes.type(forFileName: path))
      headers.add("Content-Range", "bytes \(first)-\(last)/\(size)")
    case .unsatisfiable:
      var rangeHeaders = HTTPHeaders()
      rangeHeaders.add("Content-Range", "bytes */\(size)")
      return sendError(416, for: head, extraHeaders: rangeHeaders, keepAlive: keepAlive, exchange: &exchange)
    }
    headers.add("Content-Length", "\(length)")
    guard sendHead(statusCode, headers: headers, for: head, keepAlive: keepAlive, exchange: &exchange) else {
      return false
    }
    if head.method.bytesEqual("HEAD") { return keepAlive }
    let sent = sendFile(fd, offset: offset, count: length)
    exchange.bytes = sent
    return sent == length && keepAlive
  }

  /// RFC 9110 §13.2.2: If-None-Match wins over If-Modified-Since.
  func isNotModified(_ head: HTTPRequestHead, etag: String, modified: Int64) -> Bool {
    if head.headers.contains("If-None-Match") {
      return head.headers.list("If-None-Match").contains { $0.bytesEqual("*") || $0.bytesEqual(etag) || $0.bytesEqual("W/" + etag) }
    }
    if let since = head.headers.first("If-Modified-Since"), let date = HTTPDate.parse(since) {
      return modified <= date
    }
    return false
  }

  /// sendfile(2) from the file to the socket; returns the bytes sent (short when the client
  /// stalls for `-r` seconds, goes away, or the file shrank).
  func sendFile(_ fd: Int32, offset start: Int64, count: Int64) -> Int64 {
    var offset = off_t(start)
    var sent: Int64 = 0
    var deadline = Deadline.after(seconds: options.readSeconds)
    while sent < count {
      let written = sendfile(connection.fd, fd, &offset, Int(min(count - sent, 1 << 30)))
      if written > 0 {
        sent += Int64(written)
        deadline = .after(seconds: options.readSeconds)
        continue
      }
      if written == 0 { break }
      let code = slug_errno()
      if code == EINTR { continue }
      guard code == EAGAIN, waitUntilReady(connection.fd, events: Int16(POLLOUT), deadline: deadline) else { break }
    }
    return sent
  }

  // MARK: Directory listings

  func serveListing(
    _ directory: String, urlPath: String, head: HTTPRequestHead, keepAlive: Bool, exchange: inout Exchange
  ) -> Bool {
    guard !head.method.bytesEqual("POST") else { return sendError(405, for: head, keepAlive: keepAlive, exchange: &exchange) }
    guard let stream = opendir(directory) else {
      return sendError(403, for: head, keepAlive: keepAlive, exchange: &exchange)
    }
    var entries: [(name: [UInt8], isDirectory: Bool, size: Int64, modified: Int64)] = []
    while let entry = readdir(stream) {
      let name = withUnsafePointer(to: &entry.pointee.d_name) {
        $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
      }
      if name.bytesEqual(".") || name.bytesEqual("..") { continue }
      var status = stat()
      guard fstatat(dirfd(stream), name, &status, 0) == 0 else { continue }
      entries.append(
        (Array(name.utf8), status.st_mode & mode_t(S_IFMT) == mode_t(S_IFDIR), Int64(status.st_size), Int64(status.st_mtim.tv_sec)))
    }
    closedir(stream)
    entries.sort { $0.name.lexicographicallyPrecedes($1.name) }

    let title = HTML.escape("Index of " + urlPath)
    var page = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>\(title)</title></head>\n"
    page += "<body><h1>\(title)</h1>\n<pre>\n"
    if !urlPath.bytesEqual("/") { page += "<a href=\"../\">../</a>\n" }
    for entry in entries {
      let name = String(decoding: entry.name, as: UTF8.self) + (entry.isDirectory ? "/" : "")
      let link = URLEncoding.percentEncodePath(String(decoding: entry.name, as: UTF8.self)) + (entry.isDirectory ? "/" : "")
      let padding = String(repeating: " ", count: max(1, 40 - name.unicodeScalars.count))
      page += "<a href=\"\(HTML.escape(link))\">\(HTML.escape(name))</a>\(padding)\(HTTPDate.format(entry.modified))"
      page += entry.isDirectory ? "\n" : "  \(entry.size)\n"
    }
    page += "</pre>\n</body></html>\n"
    let body = Array(page.utf8)
    var headers = HTTPHeaders()
    headers.add("Content-Type", "text/html; charset=utf-8")
    headers.add("Content-Length", "\(body.count)")
    guard sendHead(200, headers: headers, for: head, keepAlive: keepAlive, exchange: &exchange) else { return false }
    if head.method.bytesEqual("HEAD") { return keepAlive }
    exchange.bytes = Int64(body.count)
    return write(body) && keepAlive
  }
}

func hex(_ value: UInt64) -> String { String(decoding: Hex.number(value), as: UTF8.self) }
