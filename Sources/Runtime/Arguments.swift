import CLibc
#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// A daemon's command line, parsed by hand: swift-argument-parser loads FoundationEssentials,
/// which would multiply the start-up cost of every exec.
///
/// Accepted shapes: `-d`, `-i 30`, `-i30`, `--name value`, `--name=value`, `--` ending the
/// options; everything else is an operand.
public struct Arguments: Sendable {
  /// The basename of argv[0], so `ps` and syslog show what inetd called us.
  public let program: String
  /// The flags given, in order.
  public private(set) var flags: [String] = []
  /// Each option given and its value, in order.
  private var given: [(name: String, value: String)] = []
  public private(set) var operands: [String] = []

  /// Names are compared as bytes, and kept in arrays rather than sets: String comparison and
  /// hashing bring Unicode normalisation into a daemon (52 KB of in.proxy), and a command line
  /// has a few options.
  /// - Parameters:
  ///   - flags: option names without a value, e.g. `["d"]`.
  ///   - options: option names taking a value, e.g. `["i", "gui-port"]`.
  public init(
    _ argv: [String] = Arguments.processArguments(), flags knownFlags: [String], options knownOptions: [String]
  ) throws(UsageError) {
    program = FilePath.name(of: argv.first ?? "")
    var index = 1
    while index < argv.count {
      let argument = argv[index]
      let bytes = Array(argument.utf8)
      index += 1
      if bytes == [0x2D, 0x2D] {
        operands.append(contentsOf: argv[index...])
        break
      }
      guard bytes.count > 1, bytes[0] == 0x2D else {
        operands.append(argument)
        continue
      }
      var name: ArraySlice<UInt8>
      var inlineValue: String?
      if bytes[1] == 0x2D {
        name = bytes[2...]
        if let equals = name.firstIndex(of: 0x3D) {
          inlineValue = String(decoding: name[(equals + 1)...], as: UTF8.self)
          name = name[..<equals]
        }
      } else {
        name = bytes[1..<2]
        if bytes.count > 2 { inlineValue = String(decoding: bytes[2...], as: UTF8.self) }
      }
      if knownFlags.contains(where: { $0.utf8.elementsEqual(name) }) {
        guard inlineValue == nil else { throw UsageError("option \(argument) takes no value") }
        flags.append(String(decoding: name, as: UTF8.self))
      } else if knownOptions.contains(where: { $0.utf8.elementsEqual(name) }) {
        let value: String
        if let inlineValue {
          value = inlineValue
        } else if index < argv.count {
          value = argv[index]
          index += 1
        } else {
          throw UsageError("option \(argument) needs a value")
        }
        given.append((String(decoding: name, as: UTF8.self), value))
      } else {
        throw UsageError("unknown option \(argument)")
      }
    }
  }

  public func has(_ flag: String) -> Bool { flags.contains { $0.bytesEqual(flag) } }

  /// The option's last value, or nil when the option is absent.
  public func value(_ option: String) -> String? { given.last { $0.name.bytesEqual(option) }?.value }

  /// Every value the option was given, in order (`--domain a --domain b`).
  public func allValues(_ option: String) -> [String] {
    given.filter { $0.name.bytesEqual(option) }.map { $0.value }
  }

  /// The option's value as a whole number in `range`, or nil when the option is absent.
  public func integer(_ option: String, in range: ClosedRange<Int>) throws(UsageError) -> Int? {
    guard let text = value(option) else { return nil }
    let dashes = option.utf8.count == 1 ? "-" : "--"
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
