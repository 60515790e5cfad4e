extension Slugctl {
  /// Prints slugctl(8); the build and `slugctl install` use it, people read the installed page.
  enum GenerateManual {
    static let command = Command(
      "generate-manual", abstract: "Print the slugctl(8) manual page.", hidden: true, run: { _ in printPage() })

    private static func printPage() { Console.current.writeOutput(ManualPage.render(root: Slugctl.root)) }
  }
}
