/// What a command does with its parsed command line. The thrown error is slugctl's own, so
/// the tree is the same plain values in an Embedded build, which has no `any Error`.
typealias CommandBody = @Sendable (Invocation) throws(Failure) -> Void

/// One word of slugctl's command tree: what it takes, what its help says, what it does. The
/// tree is plain values and closures, read by the parser, the help, the completion scripts and
/// slugctl(8) alike, so they never disagree; nothing is found by reflection.
struct Command: Sendable {
  var name: String
  var abstract: String
  var discussion: String
  /// Left out of help, completions and the manual (generate-manual).
  var isHidden: Bool
  var parameters: [Parameter]
  var subcommands: [Command]
  var body: CommandBody?

  init(
    _ name: String, abstract: String, discussion: String = "", hidden: Bool = false, parameters: [Parameter] = [],
    subcommands: [Command] = [], run body: CommandBody? = nil
  ) {
    self.name = name
    self.abstract = abstract
    self.discussion = discussion
    self.isHidden = hidden
    self.parameters = parameters
    self.subcommands = subcommands
    self.body = body
  }

  func subcommand(named word: String) -> Command? { subcommands.first { $0.name == word } }

  var visibleSubcommands: [Command] { subcommands.filter { !$0.isHidden } }

  /// The parameters help, completions and the manual show.
  var visibleParameters: [Parameter] { parameters.filter { !$0.isHidden } }
}

/// What the shell offers to complete a value with.
enum Completion: Equatable, Sendable {
  case none
  case file(extensions: [String])
  case directory
  case list([String])
}

/// One option, flag or positional argument of a command.
struct Parameter: Sendable {
  enum Kind: Equatable, Sendable { case flag, option, argument }

  var kind: Kind
  /// How the command's body asks for the value: the long name, else the value name.
  var key: String
  var long: String?
  var short: Character?
  /// The placeholder in usage lines: `--db <path>`, `<name>`.
  var valueName: String
  var help: String
  var isRequired: Bool
  var isRepeating: Bool
  /// Shown as "(default: ...)" and returned when the command line has no value.
  var defaultValue: String?
  /// The only values accepted (checked by the parser, offered by completion); empty: any.
  var allowedValues: [String]
  var completion: Completion
  /// A flag that also has a `--no-` form, so a command can tell "off" from "not said".
  var isInvertible = false
  /// Accepted, but left out of help, completions and the manual (an option for the tests).
  var isHidden = false

  /// A `--name` that is on or off; `invertible` adds `--no-name`.
  static func flag(_ long: String, invertible: Bool = false, help: String) -> Parameter {
    Parameter(
      kind: .flag, key: long, long: long, short: nil, valueName: "", help: help, isRequired: false, isRepeating: false,
      defaultValue: nil, allowedValues: [], completion: .none, isInvertible: invertible)
  }

  /// A `--name VALUE` (or `--name=VALUE`); `short` adds `-x VALUE`, and `shortOnly` makes that
  /// the only spelling (the key stays `long`).
  static func option(
    _ long: String, short: Character? = nil, shortOnly: Bool = false, value valueName: String, help: String,
    default defaultValue: String? = nil, values: [String] = [], required: Bool = false, repeating: Bool = false,
    completion: Completion = .none, hidden: Bool = false
  ) -> Parameter {
    Parameter(
      kind: .option, key: long, long: shortOnly ? nil : long, short: short, valueName: valueName, help: help,
      isRequired: required, isRepeating: repeating, defaultValue: defaultValue, allowedValues: values,
      completion: values.isEmpty ? completion : .list(values), isHidden: hidden)
  }

  /// A positional `<name>`; `repeating` takes every operand left.
  static func argument(
    _ valueName: String, help: String, optional: Bool = false, repeating: Bool = false, values: [String] = [],
    completion: Completion = .none
  ) -> Parameter {
    Parameter(
      kind: .argument, key: valueName, long: nil, short: nil, valueName: valueName, help: help, isRequired: !optional,
      isRepeating: repeating, defaultValue: nil, allowedValues: values,
      completion: values.isEmpty ? completion : .list(values))
  }

  /// How usage lines and error messages name it: `--db <path>`, `-o <dir>`, `--json`, `<name>`.
  var synopsis: String {
    switch kind {
    case .flag: return "--" + (long ?? "")
    case .option: return (long.map { "--" + $0 } ?? "-" + String(short ?? "?")) + " <\(valueName)>"
    case .argument: return "<\(valueName)>"
    }
  }

  /// The help's left column: `-o, --output <dir>`.
  var helpLabel: String {
    if isInvertible, let long { return "--\(long)/--no-\(long)" }
    guard kind == .option, let short, long != nil else { return synopsis }
    return "-\(short), " + synopsis
  }

  /// The help's right column: the help, then the allowed values and the default.
  var helpText: String {
    var notes: [String] = []
    if !allowedValues.isEmpty { notes.append("values: " + allowedValues.joined(separator: ", ")) }
    if let defaultValue { notes.append("default: " + defaultValue) }
    return notes.isEmpty ? help : help + " (" + notes.joined(separator: "; ") + ")"
  }
}

extension Parameter {
  /// --db: the store every command works on.
  static let db = Parameter.option(
    "db", value: "path", help: "The SQLite store (default: $SLUG_DB, else /var/lib/slug/slug.db).",
    completion: .file(extensions: []))

  /// --json: how listings print.
  static let json = Parameter.flag("json", help: "Print a JSON array of objects instead of a table.")
}
