#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Store
#endif

extension Slugctl.DNS.Block {
  enum Import {
    static let command = Command(
      "import",
      abstract: "Block every domain a block list names.",
      discussion: """
        Reads hosts files (0.0.0.0 NAME..., also 127.0.0.1, :: and ::1), one domain per line, \
        dnsmasq's address=/NAME/ and server=/NAME/ lines and adblock's ||NAME^; # starts a \
        comment. Hosts-file boilerplate (localhost, broadcasthost, the ip6- names, lines for \
        other addresses) is skipped. Prints how many names were read, added, already present and \
        refused, and the first refusals as FILE:LINE: reason. FILE is read a line at a time; a \
        line over 65536 bytes fails the import, naming FILE:LINE, and nothing is added.
        """,
      parameters: [
        .db,
        .argument("file", help: "The block list.", completion: .file(extensions: [])),
      ],
      run: run)

    /// How many refusals are shown; the rest are counted.
    static let refusalsShown = 5

    private static func run(_ invocation: Invocation) throws(Failure) {
      let file = invocation["file"]
      let lines = try FlatFileImport.lines(of: file)
      let opened = try attempt { () throws(StoreError) in try invocation.openStore() }
      var read = 0
      var added = 0
      var present = 0
      var refusals: [String] = []
      var refused = 0
      var skipped = 0
      // A reader that stopped early (a line too long, not UTF-8) rolls back every name added,
      // and its error is what is reported.
      try opened.transaction(
        { () throws(Failure) in
          var batch: [HostName] = []
          func flush() throws(Failure) {
            let count = try attempt { () throws(StoreError) in try opened.addDNSBlocks(batch) }
            added += count.added
            present += count.present
            batch.removeAll(keepingCapacity: true)
          }
          for line in lines {
            for entry in BlockListFile.entries(of: line) {
              switch entry {
              case .name(let name):
                read += 1
                batch.append(name)
              case .skipped:
                skipped += 1
              case .refused(let reason):
                read += 1
                refused += 1
                if refusals.count < Self.refusalsShown { refusals.append("\(file):\(line.number): \(reason)") }
              }
            }
            if batch.count >= 1000 { try flush() }
          }
          if let failure = lines.failure { throw failure.failure }
          try flush()
        }, failure: { $0.failure })
      try BlockIndexFile.write(for: opened)
      var summary = "\(file): \(read) names read, \(added) added, \(present) already present, \(refused) refused"
      if skipped > 0 { summary += ", \(skipped) hosts-file entries skipped" }
      Console.current.print(summary)
      for refusal in refusals { Console.current.printError(refusal) }
      if refused > refusals.count { Console.current.printError("(\(refused - refusals.count) more refused)") }
    }
  }
}
