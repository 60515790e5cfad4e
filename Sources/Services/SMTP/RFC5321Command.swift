#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// RFC 5321 §4.1.1 commands, parsed from one line without its line ending. Verbs and
/// parameter keywords are case-insensitive; paths keep their case.
public enum SMTPCommand: Equatable, Sendable {
  case hello(extended: Bool, domain: [UInt8])
  /// `reversePath` is empty for the null sender `<>`.
  case mail(reversePath: [UInt8], parameters: MailParameters)
  case recipient(forwardPath: [UInt8])
  case data
  case reset
  case noop
  case verify
  case help
  case quit
  /// RFC 3207; an argument is a syntax error.
  case startTLS
  /// RFC 4954 §4: the mechanism upper-cased; the initial response as sent (Base64, "=" for
  /// an empty one), nil when none was given.
  case auth(mechanism: String, initialResponse: [UInt8]?)
  /// Known verbs this server does not offer (EXPN, BDAT, ETRN, TURN): 502.
  case notImplemented([UInt8])

  /// The longest command line, CRLF included (§4.5.3.1.4 says 512; 1000 leaves room for
  /// parameters, as the text-line limit does).
  public static let maximumLineLength = 1000

  /// - Parameter extended: the session began with EHLO, so MAIL may carry parameters.
  public static func parse(_ line: ArraySlice<UInt8>, extended: Bool) throws(SMTPCommandError) -> SMTPCommand {
    for byte in line where byte == 0 || byte >= 0x80 || (byte < ASCII.space && byte != ASCII.tab) {
      throw .syntax("command line holds a control or non-ASCII byte")
    }
    let verbEnd = line.firstIndex(of: UInt8(ascii: " ")) ?? line.endIndex
    let verb = line[..<verbEnd].map(ASCII.lower)
    var argument = line[verbEnd...].drop { $0 == UInt8(ascii: " ") }
    while argument.last == ASCII.space || argument.last == ASCII.tab { argument = argument.dropLast() }

    switch String(decoding: verb, as: UTF8.self) {
    case "ehlo", "helo":
      guard !argument.isEmpty else { throw .syntax("Syntax: \(verb == Array("ehlo".utf8) ? "EHLO" : "HELO") hostname") }
      return .hello(extended: verb == Array("ehlo".utf8), domain: Array(argument))
    case "mail":
      let (path, rest) = try splitPath(argument, keyword: "from:", usage: "Syntax: MAIL FROM:<address>")
      if !path.isEmpty, let problem = SMTPAddress.problem(with: path) { throw .badAddress(problem) }
      return .mail(reversePath: path, parameters: try MailParameters(rest, extended: extended))
    case "rcpt":
      let (path, rest) = try splitPath(argument, keyword: "to:", usage: "Syntax: RCPT TO:<address>")
      if let problem = SMTPAddress.problem(with: path) { throw .badAddress(problem) }
      if let parameter = rest.split(separator: UInt8(ascii: " ")).first {
        throw .unsupportedParameter(String(decoding: parameter.prefix { $0 != UInt8(ascii: "=") }, as: UTF8.self))
      }
      return .recipient(forwardPath: path)
    case "data":
      guard argument.isEmpty else { throw .syntax("Syntax: DATA (no arguments)") }
      return .data
    case "rset":
      guard argument.isEmpty else { throw .syntax("Syntax: RSET (no arguments)") }
      return .reset
    case "noop":
      return .noop
    case "vrfy":
      guard !argument.isEmpty else { throw .syntax("Syntax: VRFY address") }
      return .verify
    case "help":
      return .help
    case "quit":
      guard argument.isEmpty else { throw .syntax("Syntax: QUIT (no arguments)") }
      return .quit
    case "starttls":
      guard argument.isEmpty else { throw .syntax("Syntax: STARTTLS (no arguments)") }
      return .startTLS
    case "auth":
      let words = argument.split(separator: UInt8(ascii: " "))
      guard words.count == 1 || words.count == 2, words[0].count <= 20,
        words[0].allSatisfy({ ASCII.isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") })
      else { throw .syntax("Syntax: AUTH mechanism [initial-response]") }
      return .auth(
        mechanism: String(decoding: words[0].map { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) ? $0 - 32 : $0 }, as: UTF8.self),
        initialResponse: words.count == 2 ? Array(words[1]) : nil)
    case "expn", "bdat", "etrn", "turn", "atrn", "send", "soml", "saml":
      return .notImplemented(verb.map { $0 & ~0x20 })
    default:
      throw .unknownVerb
    }
  }

  /// Splits `FROM:<path> rest` (keyword case-insensitive, spaces allowed after the colon).
  /// A source route (`<@a,@b:user@c>`) is dropped, as §3.3 and Appendix C allow.
  static func splitPath(_ argument: ArraySlice<UInt8>, keyword: String, usage: String) throws(SMTPCommandError)
    -> (path: [UInt8], rest: ArraySlice<UInt8>)
  {
    let key = Array(keyword.utf8)
    guard argument.count > key.count, argument.prefix(key.count).map(ASCII.lower) == key else {
      throw .syntax(usage)
    }
    let afterKey = argument.dropFirst(key.count).drop { $0 == UInt8(ascii: " ") }
    guard afterKey.first == UInt8(ascii: "<"), let close = afterKey.firstIndex(of: UInt8(ascii: ">")) else {
      throw .syntax(usage)
    }
    var path = afterKey[(afterKey.startIndex + 1)..<close]
    if path.first == UInt8(ascii: "@") {
      guard let colon = path.firstIndex(of: UInt8(ascii: ":")) else { throw .syntax(usage) }
      path = path[(colon + 1)...]
    }
    let rest = afterKey[(close + 1)...]
    guard rest.isEmpty || rest.first == UInt8(ascii: " ") else { throw .syntax(usage) }
    return (Array(path), rest.drop { $0 == UInt8(ascii: " ") })
  }
}

/// MAIL FROM parameters: SIZE (RFC 1870) and BODY (RFC 6152).
public struct MailParameters: Equatable, Sendable {
  /// The size the client declared, if it did.
  public var size: Int?
  public var eightBit: Bool

  public init(size: Int? = nil, eightBit: Bool = false) {
    self.size = size
    self.eightBit = eightBit
  }

  init(_ text: ArraySlice<UInt8>, extended: Bool) throws(SMTPCommandError) {
    size = nil
    eightBit = false
    for parameter in text.split(separator: UInt8(ascii: " ")) {
      let name = String(decoding: parameter.prefix { $0 != UInt8(ascii: "=") }, as: UTF8.self)
      guard extended else { throw .unsupportedParameter(name) }
      let equals = parameter.firstIndex(of: UInt8(ascii: "="))
      let value = equals.map { parameter[($0 + 1)...].map(ASCII.lower) } ?? []
      switch ASCII.lowercased(name) {
      case "size":
        guard size == nil, !value.isEmpty, value.count <= 18,
          value.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
        else { throw .syntax("Syntax: SIZE=number") }
        size = Int(String(decoding: value, as: UTF8.self))
      case "body":
        switch String(decoding: value, as: UTF8.self) {
        case "7bit": eightBit = false
        case "8bitmime": eightBit = true
        default: throw .syntax("Syntax: BODY=7BIT or BODY=8BITMIME")
        }
      default:
        throw .unsupportedParameter(name)
      }
    }
  }
}

/// What is wrong with a command line; the session turns each into its reply.
public enum SMTPCommandError: Error, Equatable, Sendable {
  /// 500 5.5.2
  case unknownVerb
  /// 501 5.5.4
  case syntax(String)
  /// 555 5.5.4
  case unsupportedParameter(String)
  /// 553 5.1.3
  case badAddress(SMTPAddress.Problem)
}
