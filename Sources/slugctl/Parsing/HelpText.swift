/// A command's help, as `--help` prints it: overview, discussion, usage, then its arguments,
/// options and subcommands in two columns, wrapped to fit 80 columns.
enum HelpText {
  static let width = 79
  /// Where the right column starts.
  static let column = 26

  static func render(path: [String], command: Command) -> String {
    var text = wrap("OVERVIEW: " + command.abstract) + "\n"
    if !command.discussion.isEmpty { text += "\n" + wrap(command.discussion) + "\n" }
    text += "\nUSAGE: " + usage(path: path, command: command) + "\n"
    let arguments = command.visibleParameters.filter { $0.kind == .argument }
    if !arguments.isEmpty {
      text += "\nARGUMENTS:\n" + arguments.map { row($0.helpLabel, $0.helpText) }.joined()
    }
    let options = command.visibleParameters.filter { $0.kind != .argument }
    text += "\nOPTIONS:\n" + options.map { row($0.helpLabel, $0.helpText) }.joined()
    text += row("-h, --help", "Show help information.")
    let subcommands = command.visibleSubcommands
    if !subcommands.isEmpty {
      text += "\nSUBCOMMANDS:\n" + subcommands.map { row($0.name, $0.abstract) }.joined()
      let words = path.dropFirst().map { $0 + " " }.joined()
      text += "\n  See '\(path[0]) help \(words)<subcommand>' for detailed help.\n"
    }
    return text
  }

  /// `slugctl dns add [--db <path>] <name> <address>`, or `slugctl dns <subcommand>` for a group.
  static func usage(path: [String], command: Command) -> String {
    var words = path
    if command.body == nil {
      words.append("<subcommand>")
    } else {
      for parameter in command.visibleParameters {
        var word = parameter.synopsis
        if parameter.isInvertible, let long = parameter.long { word = "--\(long)] [--no-\(long)" }
        if parameter.isRepeating { word += " ..." }
        words.append(parameter.isRequired ? word : "[" + word + "]")
      }
    }
    return words.joined(separator: " ")
  }

  /// What a usage error prints after its message.
  static func usageReminder(path: [String], command: Command) -> String {
    "Usage: " + usage(path: path, command: command) + "\n  See '" + path.joined(separator: " ")
      + " --help' for more information."
  }

  /// One two-column line: the label indented by two, the text from `column`, wrapped.
  private static func row(_ label: String, _ text: String) -> String {
    let start = "  " + label
    let lines = wrapLines(text, width: width - column)
    let padding = String(repeating: " ", count: column)
    var result: String
    var rest = lines[...]
    if start.count < column - 1, let first = rest.popFirst() {
      result = start + String(repeating: " ", count: column - start.count) + first + "\n"
    } else {
      result = start + "\n"
    }
    for line in rest { result += padding + line + "\n" }
    return result
  }

  /// TEXT wrapped to the width; its own line breaks are kept.
  static func wrap(_ text: String) -> String {
    wrapLines(text, width: width).joined(separator: "\n")
  }

  /// Greedy word wrap; a word longer than the width stands alone on its line.
  static func wrapLines(_ text: String, width: Int) -> [String] {
    var lines: [String] = []
    for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
      var line = ""
      for word in paragraph.split(separator: " ") {
        if line.isEmpty {
          line = String(word)
        } else if line.count + 1 + word.count <= width {
          line += " " + word
        } else {
          lines.append(line)
          line = String(word)
        }
      }
      lines.append(line)
    }
    return lines
  }
}
