/// Renders slugctl(8) in man(7) from the command tree ArgumentParser describes, so the page
/// always lists exactly the commands and options the parser accepts.
enum ManualPage {
  struct Command {
    var commandName: String
    var abstract: String?
    var discussion: String?
    var shouldDisplay: Bool?
    var subcommands: [Command]?
    var arguments: [Argument]?

    init(_ json: JSON) throws {
      commandName = try Field.required(json, "commandName", \.string)
      abstract = try Field.optional(json, "abstract", \.string)
      discussion = try Field.optional(json, "discussion", \.string)
      shouldDisplay = try Field.optional(json, "shouldDisplay", \.boolean)
      subcommands = try Field.list(json, "subcommands", Command.init)
      arguments = try Field.list(json, "arguments", Argument.init)
    }
  }

  struct Argument {
    struct Name {
      var kind: String
      var name: String
    }
    var kind: String
    var shouldDisplay: Bool
    var isOptional: Bool
    var isRepeating: Bool
    var names: [Name]?
    var valueName: String?
    var defaultValue: String?
    var abstract: String?

    init(_ json: JSON) throws {
      kind = try Field.required(json, "kind", \.string)
      shouldDisplay = try Field.required(json, "shouldDisplay", \.boolean)
      isOptional = try Field.required(json, "isOptional", \.boolean)
      isRepeating = try Field.required(json, "isRepeating", \.boolean)
      names = try Field.list(json, "names") { name in
        Name(kind: try Field.required(name, "kind", \.string), name: try Field.required(name, "name", \.string))
      }
      valueName = try Field.optional(json, "valueName", \.string)
      defaultValue = try Field.optional(json, "defaultValue", \.string)
      abstract = try Field.optional(json, "abstract", \.string)
    }
  }

  /// The page for the tool described by ArgumentParser's JSON help dump.
  static func render(helpDump: String) throws -> String {
    let description: JSON
    do throws(JSON.ParseError) {
      description = try JSON.parse(helpDump)
    } catch {
      throw Field.Malformed(reason: error.description)
    }
    let root = try Command(Field.required(description, "command") { $0 })
    var page = """
      .TH \(root.commandName.uppercased()) 8 "" "slug" "System Manager's Manual"
      .SH NAME
      \(root.commandName) \\- \(escape(sentence(root.abstract ?? "")))
      .SH SYNOPSIS
      .B \(root.commandName)
      .I command
      .RI [ options ]
      .SH DESCRIPTION
      \(paragraphs(root.discussion ?? root.abstract ?? ""))
      .SH COMMANDS

      """
    for (path, command) in leaves(of: root, path: [root.commandName]) {
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
    let visible = (command.subcommands ?? []).filter { $0.shouldDisplay != false && $0.commandName != "help" }
    if visible.isEmpty { return path.count > 1 ? [(path, command)] : [] }
    return visible.flatMap { leaves(of: $0, path: path + [$0.commandName]) }
  }

  private static func section(path: [String], command: Command) -> String {
    let arguments = (command.arguments ?? []).filter { $0.shouldDisplay && !isBuiltIn($0) }
    var text = ".SS \"\(escape(path.joined(separator: " ")))\"\n"
    text += ".B \(escape(path.joined(separator: " ")))\n"
    let synopsis = arguments.map(synopsisItem).joined(separator: " ")
    if !synopsis.isEmpty { text += synopsis + "\n" }
    text += ".PP\n" + paragraphs([command.abstract, command.discussion].compactMap { $0 }.joined(separator: "\n\n")) + "\n"
    for argument in arguments {
      text += ".TP\n" + term(argument) + "\n" + escape(sentence(argument.abstract ?? "")) + "\n"
    }
    return text
  }

  private static func isBuiltIn(_ argument: Argument) -> Bool {
    argument.names?.contains { $0.name == "help" || $0.name == "version" } ?? false
  }

  private static func preferredName(_ argument: Argument) -> String? {
    guard let names = argument.names, let name = names.first(where: { $0.kind == "long" }) ?? names.first
    else { return nil }
    return (name.kind == "short" ? "\\-" : "\\-\\-") + escape(name.name)
  }

  private static func value(_ argument: Argument) -> String {
    "\\fI" + escape(argument.valueName ?? "value") + "\\fR"
  }

  private static func synopsisItem(_ argument: Argument) -> String {
    var item: String
    switch argument.kind {
    case "positional": item = value(argument)
    case "flag": item = "\\fB" + (preferredName(argument) ?? "") + "\\fR"
    default: item = "\\fB" + (preferredName(argument) ?? "") + "\\fR " + value(argument)
    }
    if argument.isRepeating { item += " ..." }
    return argument.isOptional ? "[" + item + "]" : item
  }

  private static func term(_ argument: Argument) -> String {
    if argument.kind == "positional" { return value(argument) }
    let names = (argument.names ?? []).map { ($0.kind == "short" ? "\\-" : "\\-\\-") + escape($0.name) }
    let joined = "\\fB" + names.joined(separator: "\\fR, \\fB") + "\\fR"
    return argument.kind == "flag" ? joined : joined + " " + value(argument)
  }

  private static func sentence(_ text: some StringProtocol) -> String { text.trimmingWhitespace }

  /// Running text: blank lines become paragraph breaks, and no line may start with a dot or a
  /// quote, which roff would take for a request.
  private static func paragraphs(_ text: String) -> String {
    text.split(separator: "\n\n", omittingEmptySubsequences: false)
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
}

/// Reading ArgumentParser's JSON help dump (its ToolInfoV0): a member missing or of the wrong
/// kind is an error naming it.
extension ManualPage {
  enum Field {
    struct Malformed: Error, CustomStringConvertible {
      var reason: String
      var description: String { "cannot read ArgumentParser's description of the commands: \(reason)" }
    }

    static func optional<T>(_ object: JSON, _ key: String, _ read: (JSON) -> T?) throws -> T? {
      guard let value = object[key] else { return nil }
      if case .null = value { return nil }
      guard let typed = read(value) else { throw Malformed(reason: "\"\(key)\" is not what it should be") }
      return typed
    }

    static func required<T>(_ object: JSON, _ key: String, _ read: (JSON) -> T?) throws -> T {
      guard let typed = try optional(object, key, read) else { throw Malformed(reason: "\"\(key)\" is missing") }
      return typed
    }

    static func list<T>(_ object: JSON, _ key: String, _ make: (JSON) throws -> T) throws -> [T]? {
      try optional(object, key, \.items)?.map(make)
    }
  }
}

