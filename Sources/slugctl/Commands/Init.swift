import ArgumentParser
import Store

extension Slugctl {
  struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "init",
      abstract: "Create the store, or bring an existing one to the current schema.")

    @OptionGroup var store: StoreOptions

    func run() throws {
      let opened = try store.openStore()
      Console.current.print("\(opened.path): schema version \(Store.schemaVersion)")
    }
  }
}
