/// What a command line asks slugctl to do.
enum ParsedCommandLine {
  case run(Invocation)
  /// Print this command's help (`--help`, `-h`, `help WORDS`, or a group named alone).
  case help(path: [String], command: Command)
  /// Print the completion script for this shell.
  case completionScript(String)
}

/// A command line that does not fit the command it names: the message, and the command whose
/// usage to show with it.
struct CommandLineError: Error {
  var message: String
  var path: [String]
  var command: Command
}

/// Reads argv against the command tree: the words that name a command, then its options
/// (`--name VALUE`, `--name=VALUE`, `-x VALUE`, `-xVALUE`, flags), its operands in order, and
/// `--`, after which everything is an operand.
enum CommandLineParser {
  static let completionOption = "--generate-completion-script"
  static let shells = ["bash", "zsh", "fish"]

  static func parse(_ arguments: [String], root: Command) throws(CommandLineError) -> ParsedCommandLine {
    var path = [root.name]
    var command = root
    var rest = arguments[...]
    if rest.first == "help" {
      rest = rest.dropFirst()
      while let word = rest.first, let sub = command.subcommand(named: word) {
        path.append(word)
        command = sub
        rest = rest.dropFirst()
      }
      if let word = rest.first { throw CommandLineError(message: "unknown command '\(word)'", path: path, command: command) }
      return .help(path: path, command: command)
    }
    if rest.first == completionOption {
      guard rest.count == 2, let shell = rest.last, shells.contains(shell) else {
        throw CommandLineError(
          message: "\(completionOption) takes one of \(shells.joined(separator: ", "))", path: path, command: command)
      }
      return .completionScript(shell)
    }
    while let word = rest.first, let sub = command.subcommand(named: word) {
      path.append(word)
      command = sub
      rest = rest.dropFirst()
    }
    guard command.body != nil else {
      guard let word = rest.first, word != "-h", word != "--help" else { return .help(path: path, command: command) }
      throw CommandLineError(message: "unexpected argument '\(word)'", path: path, command: command)
    }
    var invocation = Invocation(path: path, command: command)
    var operands: [String] = []
    var endOfOptions = false
    while let word = rest.popFirst() {
      if endOfOptions || word == "-" || !word.hasPrefix("-") {
        operands.append(word)
        continue
      }
      if word == "--" {
        endOfOptions = true
        continue
      }
      if word == "-h" || word == "--help" { return .help(path: path, command: command) }
      let (parameter, negated, inline) = try option(named: word, in: command, path: path)
      if parameter.kind == .flag {
        guard inline == nil else {
          throw CommandLineError(message: "'\(parameter.synopsis)' takes no value", path: path, command: command)
        }
        invocation.flags.remove(negated ? parameter.key : "no-" + parameter.key)
        invocation.flags.insert(negated ? "no-" + parameter.key : parameter.key)
        continue
      }
      guard let value = inline ?? rest.popFirst() else {
        throw CommandLineError(message: "missing value for '\(parameter.synopsis)'", path: path, command: command)
      }
      try check(value, for: parameter, path: path, command: command)
      invocation.values[parameter.key, default: []].append(value)
    }
    var remaining = operands[...]
    for parameter in command.parameters where parameter.kind == .argument {
      let taken = parameter.isRepeating ? Array(remaining) : Array(remaining.prefix(1))
      remaining = remaining.dropFirst(taken.count)
      if taken.isEmpty && parameter.isRequired {
        throw CommandLineError(message: "missing expected argument '\(parameter.synopsis)'", path: path, command: command)
      }
      for value in taken { try check(value, for: parameter, path: path, command: command) }
      if !taken.isEmpty { invocation.values[parameter.key] = taken }
    }
    if let extra = remaining.first {
      throw CommandLineError(message: "unexpected argument '\(extra)'", path: path, command: command)
    }
    for parameter in command.parameters where parameter.kind == .option && parameter.isRequired {
      if invocation.values[parameter.key] == nil {
        throw CommandLineError(message: "missing expected argument '\(parameter.synopsis)'", path: path, command: command)
      }
    }
    return .run(invocation)
  }

  /// The option or flag WORD names, whether it is a `--no-` form, and a value given with it.
  private static func option(
    named word: String, in command: Command, path: [String]
  ) throws(CommandLineError) -> (Parameter, Bool, String?) {
    let options = command.parameters.filter { $0.kind != .argument }
    if word.hasPrefix("--") {
      var name = word.dropFirst(2)
      var inline: String?
      if let equals = name.firstIndex(of: "=") {
        inline = String(name[name.index(after: equals)...])
        name = name[..<equals]
      }
      if let parameter = options.first(where: { $0.long.map { $0 == name } ?? false }) {
        return (parameter, false, inline)
      }
      if name.hasPrefix("no-"),
        let parameter = options.first(where: { $0.isInvertible && $0.long.map { "no-" + $0 == name } ?? false })
      {
        return (parameter, true, inline)
      }
    } else if let letter = word.dropFirst().first, let parameter = options.first(where: { $0.short == letter }) {
      let attached = word.dropFirst(2)
      return (parameter, false, attached.isEmpty ? nil : String(attached))
    }
    throw CommandLineError(message: "unknown option '\(word)'", path: path, command: command)
  }

  private static func check(_ value: String, for parameter: Parameter, path: [String], command: Command) throws(CommandLineError) {
    guard !parameter.allowedValues.isEmpty, !parameter.allowedValues.contains(value) else { return }
    throw CommandLineError(
      message: "the value '\(value)' is invalid for '\(parameter.synopsis)': give one of "
        + parameter.allowedValues.joined(separator: ", "),
      path: path, command: command)
  }
}
