import ArgumentParser

/// The store every command works on.
struct StoreOptions: ParsableArguments {
  @Option(
    name: .long, help: ArgumentHelp("The SQLite store (default: $SLUG_DB, else /var/lib/slug/slug.db).", valueName: "path"),
    completion: .file())
  var db: String?
}

/// How listings print.
struct OutputOptions: ParsableArguments {
  @Flag(name: .long, help: "Print a JSON array of objects instead of a table.")
  var json = false
}
