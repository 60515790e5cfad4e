/// Renders slugctl(8) in man(7) from the command tree the parser reads, so the page always
/// lists exactly the commands and options slugctl accepts.
enum ManualPage {
  /// The page for the tool whose command tree is ROOT.
  static func render(root: Command) -> String {
    var page = """
      .TH \(root.name.uppercased()) 8 "" "slug" "System Manager's Manual"
      .SH NAME
      \(root.name) \\- \(escape(sentence(root.abstract)))
      .SH SYNOPSIS
      .B \(root.name)
      .I command
      .RI [ options ]
      .SH DESCRIPTION
      \(paragraphs(root.discussion.isEmpty ? root.abstract : root.discussion))
      .SH COMMANDS

      """
    for (path, command) in leaves(of: root, path: [root.name]) {
      page += section(path: path, command: command)
    }
    page += """
      .SH ENVIRONMENT
      .TP
      .B SLUG_DB
      The store to use when no \\fB\\-\\-db\\fR option is given.
      .SH FILES
      .TP
      .I /var/lib/slug/slug.db
      The default store, an SQLite database shared with the daemons.
      .SH EXIT STATUS
      .TP
      .B 0
      Success.
      .TP
      .B 64
      The command line is wrong.
      .TP
      .B 65
      A value or a record is invalid, a duplicate, or not found.
      .TP
      .B 66
      An input file is missing.
      .TP
      .B 73
      An output file or the store cannot be created.
      .TP
      .B 74
      Reading or writing failed.
      .TP
      .B 75
      The store stayed locked by another process; try again.
      .SH SEE ALSO
      \(seeAlso)
      .BR inetd (8),
      .BR xinetd (8),
      .BR systemd.socket (5),
      .BR sqlite3 (1)

      """
    return page
  }

  /// The pages `slugctl install` puts beside this one, as `.BR in.dns (8),` lines.
  private static var seeAlso: String {
    Slugctl.Install.manualPages.map { page in
      let (name, section) = Slugctl.Install.nameAndSection(of: page)
      return ".BR \(escape(name)) (\(section)),"
    }.joined(separator: "\n")
  }

  /// Every runnable command below `command`, with its full name, in the order declared.
  private static func leaves(of command: Command, path: [String]) -> [([String], Command)] {
    let visible = command.visibleSubcommands
    if visible.isEmpty { return path.count > 1 ? [(path, command)] : [] }
    return visible.flatMap { leaves(of: $0, path: path + [$0.name]) }
  }

  private static func section(path: [String], command: Command) -> String {
    var text = ".SS \"\(escape(path.joined(separator: " ")))\"\n"
    text += ".B \(escape(path.joined(separator: " ")))\n"
    let synopsis = command.visibleParameters.map(synopsisItem).joined(separator: " ")
    if !synopsis.isEmpty { text += synopsis + "\n" }
    let description = command.discussion.isEmpty ? command.abstract : command.abstract + "\n\n" + command.discussion
    text += ".PP\n" + paragraphs(description) + "\n"
    for parameter in command.visibleParameters {
      text += ".TP\n" + term(parameter) + "\n" + escape(sentence(parameter.helpText)) + "\n"
    }
    return text
  }

  private static func name(_ parameter: Parameter) -> String {
    if let long = parameter.long { return "\\-\\-" + escape(long) }
    return "\\-" + escape(String(parameter.short ?? "?"))
  }

  private static func value(_ parameter: Parameter) -> String {
    "\\fI" + escape(parameter.valueName) + "\\fR"
  }

  private static func synopsisItem(_ parameter: Parameter) -> String {
    var item: String
    switch parameter.kind {
    case .argument: item = value(parameter)
    case .flag:
      item = "\\fB" + name(parameter) + "\\fR"
      if parameter.isInvertible, let long = parameter.long { item += "] [\\fB\\-\\-no\\-" + escape(long) + "\\fR" }
    case .option: item = "\\fB" + name(parameter) + "\\fR " + value(parameter)
    }
    if parameter.isRepeating { item += " ..." }
    return parameter.isRequired ? item : "[" + item + "]"
  }

  private static func term(_ parameter: Parameter) -> String {
    switch parameter.kind {
    case .argument: return value(parameter)
    case .flag:
      let negative = parameter.isInvertible ? "\\fR, \\fB\\-\\-no\\-" + escape(parameter.long ?? "") : ""
      return "\\fB" + name(parameter) + negative + "\\fR"
    case .option:
      var names = [name(parameter)]
      if let short = parameter.short, parameter.long != nil { names.insert("\\-" + escape(String(short)), at: 0) }
      return "\\fB" + names.joined(separator: "\\fR, \\fB") + "\\fR " + value(parameter)
    }
  }

  private static func sentence(_ text: some StringProtocol) -> String { text.trimmingWhitespace }

  /// Running text: blank lines become paragraph breaks, and no line may start with a dot or a
  /// quote, which roff would take for a request.
  private static func paragraphs(_ text: String) -> String {
    blocks(text)
      .map { sentence($0) }
      .filter { !$0.isEmpty }
      .map { paragraph in
        paragraph.split(separator: "\n").map { escape(String($0)) }.joined(separator: "\n")
      }
      .joined(separator: "\n.PP\n")
  }

  /// Backslashes as `\e`, hyphens as `\-` (a minus, which man pages write options with), and
  /// `\&` before a leading dot or quote.
  private static func escape(_ text: String) -> String {
    var out = text.hasPrefix(".") || text.hasPrefix("'") ? "\\&" : ""
    for character in text {
      switch character {
      case "\\": out += "\\e"
      case "-": out += "\\-"
      default: out.append(character)
      }
    }
    return out
  }

  /// TEXT cut at each blank line ("\n\n").
  private static func blocks(_ text: String) -> [String] {
    var blocks: [String] = []
    var block = ""
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      if line.isEmpty {
        blocks.append(block)
        block = ""
      } else {
        block += block.isEmpty ? String(line) : "\n" + line
      }
    }
    blocks.append(block)
    return blocks
  }
}
