import CLibc

/// A daemon's command line, parsed by hand: swift-argument-parser loads FoundationEssentials,
/// which would multiply the start-up cost of every exec.
///
/// Accepted shapes: `-d`, `-i 30`, `-i30`, `--name value`, `--name=value`, `--` ending the
/// options; everything else is an operand.
public struct Arguments: Sendable {
  /// The basename of argv[0], so `ps` and syslog show what inetd called us.
  public let program: String
  public private(set) var flags: Set<String> = []
  public private(set) var values: [String: String] = [:]
  /// Every value of each option, in order, for options that may be repeated.
  public private(set) var repeatedValues: [String: [String]] = [:]
  public private(set) var operands: [String] = []

  /// - Parameters:
  ///   - flags: option names without a value, e.g. `["d"]`.
  ///   - options: option names taking a value, e.g. `["i", "gui-port"]`.
  public init(
    _ argv: [String] = Arguments.processArguments(), flags knownFlags: Set<String>,
    options knownOptions: Set<String>
  ) throws(UsageError) {
    program = FilePath.name(of: argv.first ?? "")
    var index = 1
    while index < argv.count {
      let argument = argv[index]
      index += 1
      if argument == "--" {
        operands.append(contentsOf: argv[index...])
        break
      }
      guard argument.hasPrefix("-"), argument != "-" else {
        operands.append(argument)
        continue
      }
      var name: Substring
      var inlineValue: String?
      if argument.hasPrefix("--") {
        name = argument.dropFirst(2)
        if let equals = name.firstIndex(of: "=") {
          inlineValue = String(name[name.index(after: equals)...])
          name = name[..<equals]
        }
      } else {
        name = argument.dropFirst().prefix(1)
        let rest = argument.dropFirst(2)
        if !rest.isEmpty { inlineValue = String(rest) }
      }
      let key = String(name)
      if knownFlags.contains(key) {
        guard inlineValue == nil else { throw UsageError("option \(argument) takes no value") }
        flags.insert(key)
      } else if knownOptions.contains(key) {
        let value: String
        if let inlineValue {
          value = inlineValue
        } else if index < argv.count {
          value = argv[index]
          index += 1
        } else {
          throw UsageError("option \(argument) needs a value")
        }
        values[key] = value
        repeatedValues[key, default: []].append(value)
      } else {
        throw UsageError("unknown option \(argument)")
      }
    }
  }

  public func has(_ flag: String) -> Bool { flags.contains(flag) }

  /// The option's last value, or nil when the option is absent.
  public func value(_ option: String) -> String? { values[option] }

  /// Every value the option was given, in order (`--domain a --domain b`).
  public func allValues(_ option: String) -> [String] { repeatedValues[option] ?? [] }

  /// The option's value as a whole number in `range`, or nil when the option is absent.
  public func integer(_ option: String, in range: ClosedRange<Int>) throws(UsageError) -> Int? {
    guard let text = values[option] else { return nil }
    let dashes = option.count == 1 ? "-" : "--"
    guard let number = Int(text), range.contains(number) else {
      throw UsageError(
        "\(dashes)\(option) needs a number from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
    }
    return number
  }

  /// argv as the process started, argv[0] first. Read through CLibc because Embedded Swift
  /// has no `CommandLine`.
  public static func processArguments() -> [String] {
    guard let argv = slug_argv() else { return [] }
    return (0..<Int(slug_argc())).compactMap { index in argv[index].map { String(cString: $0) } }
  }
}

public struct UsageError: Error, Equatable, CustomStringConvertible {
  public var message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}
