import CLibc

/// What the access log records of one request.
struct Exchange {
  /// The request line as received, or "-" when none could be read.
  var requestLine: String
  var referer: String?
  var userAgent: String?
  var status = 0
  /// Body bytes sent; nil for none.
  var bytes: Int64?

  init(head: HTTPRequestHead?) {
    guard let head else {
      requestLine = "-"
      return
    }
    requestLine = "\(head.method) \(head.target) \(head.version.text)"
    referer = head.headers.first("Referer")
    userAgent = head.headers.first("User-Agent")
  }
}

/// --log FILE: one NCSA combined line per request, appended (O_APPEND, so the processes
/// inetd starts for parallel connections never interleave inside a line).
struct AccessLog {
  let path: String?
  let log: Log
  private var fd: Int32 = -1
  private var failed = false

  init(path: String?, log: Log) {
    self.path = path
    self.log = log
  }

  mutating func write(_ exchange: Exchange, peer: String) {
    guard let path, !failed else { return }
    if fd < 0 {
      fd = slug_open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
      guard fd >= 0 else {
        failed = true
        log.error("cannot open log \(path): \(String(cString: strerror(slug_errno())))")
        return
      }
    }
    let line = AccessLog.line(exchange, peer: peer, time: Int(CLibc.time(nil)))
    let bytes = Array(line.utf8)
    _ = bytes.withUnsafeBytes { CLibc.write(fd, $0.baseAddress, $0.count) }
  }

  /// `host - - [27/Nov/2026:22:30:03 +0000] "GET / HTTP/1.1" 200 1234 "referer" "agent"`.
  static func line(_ exchange: Exchange, peer: String, time: Int) -> String {
    let bytes = exchange.bytes.map { "\($0)" } ?? "-"
    return "\(peer) - - [\(stamp(time))] \"\(quoted(exchange.requestLine))\" \(exchange.status) \(bytes) "
      + "\"\(quoted(exchange.referer ?? "-"))\" \"\(quoted(exchange.userAgent ?? "-"))\"\n"
  }

  /// TIME in local time as `27/Nov/2026:22:30:03 +0100` (strftime's `%d/%b/%Y:%H:%M:%S %z`),
  /// written here: strftime would bring printf into in.www (musl formats its numbers with it).
  static func stamp(_ time: Int) -> String {
    var clock = time_t(time)
    var local = tm()
    localtime_r(&clock, &local)
    func two(_ number: Int) -> String { number < 10 ? "0\(number)" : "\(number)" }
    let offset = Int(slug_tm_gmtoff(&local)) / 60
    let zone = (offset < 0 ? "-" : "+") + two(abs(offset) / 60) + two(abs(offset) % 60)
    return two(Int(local.tm_mday)) + "/" + CivilDate.monthNames[Int(local.tm_mon) % 12] + "/" + String(Int(local.tm_year) + 1900) + ":"
      + two(Int(local.tm_hour)) + ":" + two(Int(local.tm_min)) + ":" + two(Int(local.tm_sec)) + " " + zone
  }

  /// Client text with quotes, backslashes and control characters escaped, so it cannot end
  /// a field or forge a line.
  static func quoted(_ text: String) -> String {
    var escaped = ""
    for scalar in text.unicodeScalars {
      switch scalar.value {
      case 0x22: escaped += "\\\""
      case 0x5C: escaped += "\\\\"
      case 0..<0x20, 0x7F..<0xA0: escaped += "\\x" + Hex.uppercase([UInt8(scalar.value)])
      default: escaped.unicodeScalars.append(scalar)
      }
    }
    return escaped
  }
}
