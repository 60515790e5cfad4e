/// The bash, zsh and fish completion scripts, written from the command tree: each finds which
/// command the words typed so far name, then offers its subcommands, its options, the values
/// an option takes (files, directories, a fixed list) or what its next operand is.
enum CompletionScript {
  static func render(shell: String, root: Command) -> String {
    let commands = flatten(root, path: [root.name])
    switch shell {
    case "zsh": return zsh(commands, root: root.name)
    case "fish": return fish(commands, root: root.name)
    default: return bash(commands, root: root.name)
    }
  }

  /// Every visible command with its words, the root first.
  private static func flatten(_ command: Command, path: [String]) -> [([String], Command)] {
    [(path, command)] + command.visibleSubcommands.flatMap { flatten($0, path: path + [$0.name]) }
  }

  private static func options(of command: Command) -> [Parameter] {
    command.visibleParameters.filter { $0.kind != .argument }
  }

  /// Every spelling of an option: `--db`, `-o`, `--legacy --no-legacy`.
  private static func spellings(_ parameter: Parameter) -> [String] {
    var names: [String] = []
    if let short = parameter.short { names.append("-" + String(short)) }
    if let long = parameter.long {
      names.append("--" + long)
      if parameter.isInvertible { names.append("--no-" + long) }
    }
    return names
  }

  /// How a value is completed, as the scripts' own small language: `file:EXT`, `directory`,
  /// `list:A B`, or `none`.
  private static func kind(_ completion: Completion) -> String {
    switch completion {
    case .none: return "none"
    case .file(let extensions): return "file:" + extensions.joined(separator: " ")
    case .directory: return "directory"
    case .list(let values): return "list:" + values.joined(separator: " ")
    }
  }

  /// The case pattern that matches any command's words: `"slugctl dns"|"slugctl dns add"|...`.
  private static func pathPattern(_ commands: [([String], Command)], quote: String) -> String {
    commands.dropFirst().map { quote + $0.0.joined(separator: " ") + quote }.joined(separator: "|")
  }

  /// Both shells' `case "$prev" in ... esac` over a command's options that take a value: ARM
  /// gives the start of each branch from its spellings (`--db|-d`) and its completion kind
  /// (quoted), and the branch returns.
  private static func valueCase(_ options: [Parameter], arm: (String, String) -> String) -> String {
    var text = "            case \"$prev\" in\n"
    for option in options {
      text += "                " + arm(spellings(option).joined(separator: "|"), single(kind(option.completion)))
        + "; return ;;\n"
    }
    return text + "            esac\n"
  }

  /// Both shells' list of a command's operands, in order, as completion kinds, and whether the
  /// last one repeats.
  private static func operandLines(_ command: Command) -> String {
    let arguments = command.visibleParameters.filter { $0.kind == .argument }
    guard !arguments.isEmpty else { return "" }
    var text = "            arguments=(\(arguments.map { single(kind($0.completion)) }.joined(separator: " ")))\n"
    if arguments.last?.isRepeating == true { text += "            last=repeat\n" }
    return text
  }

  private static func single(_ text: String) -> String {
    "'" + text.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
  }

  // MARK: bash

  private static func bash(_ commands: [([String], Command)], root: String) -> String {
    var text = """
      # bash completion for \(root); \(root) --generate-completion-script bash prints it.
      _\(root)_complete_value() {
          case "$1" in
              file:) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$2")) ;;
              file:*) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -o plusdirs -f -X "!*.${1#file:}" -- "$2")) ;;
              directory) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "$2")) ;;
              list:*) COMPREPLY=($(compgen -W "${1#list:}" -- "$2")) ;;
              *) COMPREPLY=() ;;
          esac
      }

      _\(root)() {
          local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"
          local path=\(root) i=1
          while ((i < COMP_CWORD)); do
              case "$path ${COMP_WORDS[i]}" in
                  \(pathPattern(commands, quote: "\""))) path="$path ${COMP_WORDS[i]}"; ((i++)) ;;
                  *) break ;;
              esac
          done
          local words="" options="" valued=" " last=""
          local -a arguments=()
          case "$path" in

      """
    for (path, command) in commands {
      let takesValue = options(of: command).filter { $0.kind == .option }
      text += "        \"\(path.joined(separator: " "))\")\n"
      text += "            options=\(single((options(of: command).flatMap(spellings) + ["-h", "--help"]).joined(separator: " ")))\n"
      if !command.visibleSubcommands.isEmpty {
        text += "            words=\(single(command.visibleSubcommands.map { $0.name }.joined(separator: " ")))\n"
      }
      if !takesValue.isEmpty {
        text += "            valued=\(single(" " + takesValue.flatMap(spellings).joined(separator: " ") + " "))\n"
        text += valueCase(takesValue) { "\($0)) _\(root)_complete_value \($1) \"$cur\"" }
      }
      text += operandLines(command) + "            ;;\n"
    }
    text += """
          esac
          if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "$options" -- "$cur")); return; fi
          if [[ -n $words ]]; then COMPREPLY=($(compgen -W "$words" -- "$cur")); return; fi
          local n=0 j
          for ((j = i; j < COMP_CWORD; j++)); do
              if [[ ${COMP_WORDS[j]} == -* ]]; then
                  [[ $valued == *" ${COMP_WORDS[j]} "* ]] && ((j++))
              else
                  ((n++))
              fi
          done
          if ((n >= ${#arguments[@]})); then
              [[ $last == repeat ]] || return
              n=$((${#arguments[@]} - 1))
          fi
          _\(root)_complete_value "${arguments[n]}" "$cur"
      }
      complete -F _\(root) \(root)

      """
    return text
  }

  // MARK: zsh

  private static func zsh(_ commands: [([String], Command)], root: String) -> String {
    var text = """
      #compdef \(root)
      # zsh completion for \(root); \(root) --generate-completion-script zsh prints it.
      _\(root)_value() {
          case "$1" in
              (file:) _files ;;
              (file:*) _files -g "*.${1#file:}" ;;
              (directory) _directories ;;
              (list:*) compadd -- ${=${1#list:}} ;;
          esac
      }

      _\(root)() {
          local cmdpath=\(root) i=2 prev=${words[CURRENT-1]} cur=${words[CURRENT]} last=""
          local -a subcommands options valued arguments
          while (( i < CURRENT )); do
              case "$cmdpath ${words[i]}" in
                  (\(pathPattern(commands, quote: "\""))) cmdpath="$cmdpath ${words[i]}"; (( i++ )) ;;
                  (*) break ;;
              esac
          done
          case "$cmdpath" in

      """
    for (path, command) in commands {
      text += "        (\"\(path.joined(separator: " "))\")\n"
      let described = options(of: command).flatMap { option in spellings(option).map { single(escapeColon($0) + ":" + option.help) } }
      text += "            options=(\((described + ["'-h:Show help information.'", "'--help:Show help information.'"]).joined(separator: " ")))\n"
      if !command.visibleSubcommands.isEmpty {
        text += "            subcommands=(\(command.visibleSubcommands.map { single($0.name + ":" + $0.abstract) }.joined(separator: " ")))\n"
      }
      let takesValue = options(of: command).filter { $0.kind == .option }
      if !takesValue.isEmpty {
        text += "            valued=(\(takesValue.flatMap(spellings).joined(separator: " ")))\n"
        text += valueCase(takesValue) { "(\($0)) _\(root)_value \($1)" }
      }
      text += operandLines(command) + "            ;;\n"
    }
    text += """
          esac
          if [[ $cur == -* ]]; then _describe option options; return; fi
          if (( $#subcommands )); then _describe command subcommands; return; fi
          local n=1 j
          for (( j = i; j < CURRENT; j++ )); do
              if [[ ${words[j]} == -* ]]; then
                  (( ${valued[(Ie)${words[j]}]} )) && (( j++ ))
              else
                  (( n++ ))
              fi
          done
          if (( n > $#arguments )); then
              [[ $last == repeat ]] || return
              n=$#arguments
          fi
          _\(root)_value "${arguments[n]}"
      }

      _\(root) "$@"

      """
    return text
  }

  private static func escapeColon(_ text: String) -> String {
    text.split(separator: ":", omittingEmptySubsequences: false).joined(separator: "\\:")
  }

  // MARK: fish

  private static func fish(_ commands: [([String], Command)], root: String) -> String {
    var text = """
      # fish completion for \(root); \(root) --generate-completion-script fish prints it.
      function __\(root)_path
          set -l path \(root)
          for word in (commandline -opc)[2..-1]
              switch "$path $word"
                  case \(commands.dropFirst().map { single($0.0.joined(separator: " ")) }.joined(separator: " "))
                      set path "$path $word"
                  case '*'
                      break
              end
          end
          echo $path
      end

      function __\(root)_is
          test (__\(root)_path) = "$argv[1]"
      end

      complete -c \(root) -f

      """
    for (path, command) in commands {
      let condition = "-n " + single("__\(root)_is " + single(path.joined(separator: " ")))
      for sub in command.visibleSubcommands {
        text += "complete -c \(root) \(condition) -a \(single(sub.name)) -d \(single(sub.abstract))\n"
      }
      for option in options(of: command) {
        var line = "complete -c \(root) \(condition)"
        if let long = option.long { line += " -l " + long }
        if let short = option.short { line += " -s " + String(short) }
        if option.kind == .option { line += value(option.completion) }
        text += line + " -d " + single(option.help) + "\n"
        if option.isInvertible, let long = option.long {
          text += "complete -c \(root) \(condition) -l no-\(long) -d \(single(option.help))\n"
        }
      }
      text += "complete -c \(root) \(condition) -s h -l help -d 'Show help information.'\n"
      for argument in command.visibleParameters where argument.kind == .argument {
        switch argument.completion {
        case .file, .directory: text += "complete -c \(root) \(condition) -F\n"
        case .list(let values): text += "complete -c \(root) \(condition) -a \(single(values.joined(separator: " ")))\n"
        case .none: break
        }
      }
    }
    return text
  }

  /// fish's switches for an option's value: -r (one is required) and what to offer.
  private static func value(_ completion: Completion) -> String {
    switch completion {
    case .none: return " -x"
    case .file: return " -r -F"
    case .directory: return " -x -a '(__fish_complete_directories)'"
    case .list(let values): return " -x -a " + single(values.joined(separator: " "))
    }
  }
}
