#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Store
#endif

extension Slugctl.DNS {
  enum Block {
    static let command = Command(
      "block",
      abstract: "Manage the names in.dns blocks.",
      discussion: """
        A blocked name and every name below it answer NXDOMAIN (or, after `block answer null`, \
        0.0.0.0 and :: to A and AAAA queries), unless in.dns holds the name itself: local names \
        always win. Every change rewrites the index in.dns reads, dns-blocks beside the store.
        """,
      subcommands: [Add.command, Remove.command, List.command, Import.command, Answer.command])
  }
}

extension Slugctl.DNS.Block {
  enum Add {
    static let command = Command(
      "add", abstract: "Block domains and their subdomains.",
      parameters: [
        .db,
        .argument("domain", help: "The domains, e.g. ads.example.", repeating: true),
      ],
      run: { invocation throws(Failure) in
        let names = try invocation.all("domain").map(parseHostName)
        let opened = try attempt { () throws(StoreError) in try invocation.openStore() }
        let count = try attempt { () throws(StoreError) in try opened.addDNSBlocks(names) }
        try BlockIndexFile.write(for: opened)
        Console.current.print("\(count.added) added, \(count.present) already present")
      })
  }

  enum Remove {
    static let command = Command(
      "rm", abstract: "Unblock domains (all or none: a name not on the list is an error).",
      parameters: [
        .db,
        .argument("domain", help: "The domains.", repeating: true),
      ],
      run: { invocation throws(Failure) in
        let names = try invocation.all("domain").map(parseHostName)
        let opened = try attempt { () throws(StoreError) in try invocation.openStore() }
        try attempt { () throws(StoreError) in
          try opened.transaction { () throws(StoreError) in
            let missing = try opened.removeDNSBlocks(names)
            if !missing.isEmpty {
              throw StoreError.notFound("not blocked: \(missing.map { $0.text }.joined(separator: " ")); nothing removed")
            }
          }
        }
        try BlockIndexFile.write(for: opened)
      })
  }

  enum List {
    static let command = Command(
      "list", abstract: "List the blocked domains.", parameters: [.db, .json],
      run: { invocation throws(Failure) in
        let names = try attempt { () throws(StoreError) in try invocation.openStore().dnsBlocks() }
        if invocation.json {
          Console.current.print(JSON.list(names.map { .string($0) }))
        } else if !names.isEmpty {
          Console.current.print(names.joined(separator: "\n"))
        }
      })
  }

  enum Answer {
    static let command = Command(
      "answer",
      abstract: "Show or set what a blocked name answers: nxdomain (the default) or null (0.0.0.0 and ::).",
      parameters: [
        .db,
        .argument("answer", help: "nxdomain or null.", optional: true),
      ],
      run: { invocation throws(Failure) in
        let opened = try attempt { () throws(StoreError) in try invocation.openStore() }
        guard let answer = invocation.optional("answer") else {
          Console.current.print(try attempt { () throws(StoreError) in try opened.dnsBlockAnswer() }.rawValue)
          return
        }
        guard let chosen = DNSBlockAnswer(rawValue: answer) else {
          throw Failure.dataError("'\(answer)' is neither nxdomain nor null")
        }
        try attempt { () throws(StoreError) in try opened.setDNSBlockAnswer(chosen) }
      })
  }
}
