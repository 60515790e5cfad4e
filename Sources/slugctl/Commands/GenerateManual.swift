import ArgumentParser

extension Slugctl {
  /// Prints slugctl(8); the build and `slugctl install` use it, people read the installed page.
  struct GenerateManual: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "generate-manual",
      abstract: "Print the slugctl(8) manual page.",
      shouldDisplay: false)

    func run() throws {
      Console.current.writeOutput(try ManualPage.render(helpDump: Slugctl._dumpHelp()))
    }
  }
}
