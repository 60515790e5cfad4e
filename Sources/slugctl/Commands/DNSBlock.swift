import ArgumentParser
import Store

extension Slugctl.DNS {
  struct Block: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "block",
      abstract: "Manage the names in.dns blocks.",
      discussion: """
        A blocked name and every name below it answer NXDOMAIN (or, after `block answer null`, \
        0.0.0.0 and :: to A and AAAA queries), unless in.dns holds the name itself: local names \
        always win. Every change rewrites the index in.dns reads, dns-blocks beside the store.
        """,
      subcommands: [Add.self, Remove.self, List.self, Import.self, Answer.self])
  }
}

extension Slugctl.DNS.Block {
  struct Add: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Block domains and their subdomains.")

    @OptionGroup var store: StoreOptions
    @Argument(help: ArgumentHelp("The domains, e.g. ads.example.", valueName: "domain"))
    var domains: [String]

    func run() throws {
      let names = try domains.map(parseHostName)
      let opened = try store.openStore()
      let count = try opened.addDNSBlocks(names)
      try BlockIndexFile.write(for: opened)
      Console.current.print("\(count.added) added, \(count.present) already present")
    }
  }

  struct Remove: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "rm", abstract: "Unblock domains (all or none: a name not on the list is an error).")

    @OptionGroup var store: StoreOptions
    @Argument(help: ArgumentHelp("The domains.", valueName: "domain"))
    var domains: [String]

    func run() throws {
      let names = try domains.map(parseHostName)
      let opened = try store.openStore()
      try opened.transaction {
        let missing = try opened.removeDNSBlocks(names)
        if !missing.isEmpty {
          throw StoreError.notFound("not blocked: \(missing.map(\.text).joined(separator: " ")); nothing removed")
        }
      }
      try BlockIndexFile.write(for: opened)
    }
  }

  struct List: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the blocked domains.")

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
      let names = try store.openStore().dnsBlocks()
      if output.json {
        Console.current.print(JSON.list(names.map { .string($0) }))
      } else if !names.isEmpty {
        Console.current.print(names.joined(separator: "\n"))
      }
    }
  }

  struct Answer: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "answer",
      abstract: "Show or set what a blocked name answers: nxdomain (the default) or null (0.0.0.0 and ::).")

    @OptionGroup var store: StoreOptions
    @Argument(help: ArgumentHelp("nxdomain or null.", valueName: "answer"))
    var answer: String?

    func run() throws {
      let opened = try store.openStore()
      guard let answer else {
        Console.current.print(try opened.dnsBlockAnswer().rawValue)
        return
      }
      guard let chosen = DNSBlockAnswer(rawValue: answer) else {
        throw Failure.dataError("'\(answer)' is neither nxdomain nor null")
      }
      try opened.setDNSBlockAnswer(chosen)
    }
  }
}
