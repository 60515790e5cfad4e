/// One parsed command line: the words that chose the command, and the value of each of its
/// parameters, read by key (`invocation["name"]`, `invocation.flag("json")`).
struct Invocation {
  /// The command's words, `["slugctl", "dns", "add"]`.
  var path: [String]
  var command: Command
  /// Every value given for each option and argument, in order.
  var values: [String: [String]] = [:]
  var flags: Set<String> = []

  init(path: [String], command: Command) {
    self.path = path
    self.command = command
  }

  /// A flag's state.
  func flag(_ key: String) -> Bool { flags.contains(key) }

  /// The value of a required argument, or of an option with a default (its last value when
  /// repeated); "" for a key the command does not declare (a programming error tests catch).
  subscript(_ key: String) -> String { optional(key) ?? "" }

  /// The value, the parameter's default, or nil.
  func optional(_ key: String) -> String? {
    if let given = values[key]?.last { return given }
    return command.parameters.first { $0.key == key }?.defaultValue
  }

  /// Every value of a repeating option or argument, in order.
  func all(_ key: String) -> [String] { values[key] ?? [] }

  /// A whole-number value, or nil when absent; anything else is a usage error.
  func integer(_ key: String) throws(Failure) -> Int64? {
    guard let text = optional(key) else { return nil }
    guard let number = Int64(text) else {
      let name = command.parameters.first { $0.key == key }?.synopsis ?? key
      throw Failure.usage("the value '\(text)' is invalid for '\(name)'")
    }
    return number
  }

  /// A required whole-number argument (the parser saw it given).
  func number(_ key: String) throws(Failure) -> Int64 { try integer(key) ?? 0 }

  /// The value of --db, else $SLUG_DB's, else the default path.
  var storeOptions: StoreOptions { StoreOptions(db: optional("db")) }

  /// --json was given.
  var json: Bool { flag("json") }
}

/// The store a command works on (--db PATH).
struct StoreOptions {
  var db: String?
}

extension Invocation {
  /// An invertible flag's state: true for `--name`, false for `--no-name` (the last given
  /// wins), nil when neither was given.
  func flagState(_ key: String) -> Bool? {
    if flags.contains(key) { return true }
    if flags.contains("no-" + key) { return false }
    return nil
  }
}
