import CLibc

/// The control server: one ctorrent's connection, or one browser's request for the web page,
/// started by inetd (tcp nowait, port 2780). What is said and recorded is CTCSSession's decision; ControlConnection carries it out on
/// the socket, the store and the mesh, and ControlStore answers the session from the store.
enum ControlServer: DaemonProgram {
  static let standardInput: [StandardInput] = [.streamSocket]
  static let inetdLine = "ctcs stream tcp nowait"

  /// The password file is read at start; the store is opened when a client names its torrent
  /// (under -n at once, for what it says of the line and the slow watch).
  static func load(_ options: ControlOptions, log: Log) throws(StartupError) -> ControlConfiguration {
    var configuration = ControlConfiguration()
    if let file = options.passwordFile {
      do throws(FileError) {
        configuration.password = try PasswordFile.read(file)
      } catch {
        throw StartupError("cannot read the password file \(file): \(String(cString: strerror(error.code)))", exitCode: EX_NOINPUT)
      }
    }
    guard options.checking else { return configuration }
    do throws(StoreError) {
      let store = try Store(writingTo: options.storePath)
      configuration.lineLimits = ControlStore.lineLimits(options, store)
      configuration.thresholds = ControlStore.slowThresholds(store, log: log)
    } catch {
      throw StartupError("\(error)", exitCode: error.exitCode)
    }
    return configuration
  }

  static func describe(_ options: ControlOptions, _ configuration: ControlConfiguration) -> String {
    let thresholds = configuration.thresholds ?? .standard
    let line = configuration.lineLimits ?? CTCSLineLimits(download: 0, upload: 0)
    let source = options.lineLimits == nil ? "the store's settings" : "the command line"
    func rate(_ bytesPerSecond: Int64) -> String { bytesPerSecond == 0 ? "none" : "\(bytesPerSecond / 1024) KB/s" }
    return """
      store \(options.storePath)
      password-file \(options.passwordFile ?? "none")
      idle \(options.idleSeconds)
      status-interval \(options.statusSeconds)
      download-line \(rate(line.download)) (\(source))
      upload-line \(rate(line.upload)) (\(source))
      slow-update-below \(thresholds.updateBelow / 1024) KB/s
      slow-restart-below \(thresholds.restartBelow / 1024) KB/s
      slow-patience \(thresholds.patience) s
      \(options.caps.description)
      """
  }

  /// Waits for the client's first line (ctorrent speaks first): a browser's HTTP request line
  /// gets the web page (PageServer), anything else is a ctorrent's conversation.
  static func serve(
    _ options: ControlOptions, _ configuration: ControlConfiguration, on input: StandardInput?, log: Log
  ) -> Int32 {
    if case .refused = ConnectionSlot.take(program: "in.ctcs", caps: options.caps, log: log) {
      ConnectionSlot.refuse(with: [])
      return 0
    }
    let connection = StreamConnection(fd: 0)
    let deadline = Deadline.after(seconds: options.idleSeconds)
    var first: [UInt8] = []
    while ControlPortClient.classify(first[...]) == nil {
      guard case .data(let bytes) = connection.read(maximum: 16384, deadline: deadline) else { break }
      first += bytes
    }
    if ControlPortClient.classify(first[...]) == .browser {
      let idle = min(options.idleSeconds, PageServer.longestIdle)
      return PageServer(storePath: options.storePath, log: log, connection: connection, idleSeconds: idle).serve(first)
    }
    guard !first.isEmpty else {
      log.info("\(connection.peer?.description ?? "the client") said nothing; closing")
      return 0
    }
    return ControlConnection(options: options, password: configuration.password, log: log).run(first: first)
  }
}

struct ControlConfiguration {
  var password: String?
  /// Read under -n only: the line's limits and the slow watch's thresholds a client would get.
  var lineLimits: CTCSLineLimits?
  var thresholds: SlowTorrentWatch.Thresholds?
}

/// The password from `--password-file`: its first line, without the line end.
enum PasswordFile {
  /// Longer than any password file.
  static let maximumBytes = 65536

  static func read(_ path: String) throws(FileError) -> String {
    let bytes = try readWholeFile(path, limit: maximumBytes)
    return String(decoding: bytes.prefix { $0 != 0x0A && $0 != 0x0D }, as: UTF8.self)
  }
}
