/// /etc/in.jabberd.conf: one `name : password` line per jabber user.
///
/// The original reads a whitespace-delimited name token, then a colon, then a password token,
/// and skips a line whose name token contains `#`. This parser takes the same comment rule
/// (the first word containing `#` marks a comment) and is kinder about the colon: `alice:pw`,
/// `alice : pw` and any spaces or tabs around it all mean the same.
public enum JabberdConf {
  public static func parse(_ text: String, file: String) throws(FormatError) -> [JabberUser] {
    try parse(text.numberedLines, file: file)
  }

  /// The same, line by line (a `LineReader` over a file).
  public static func parse(_ lines: some Sequence<NumberedLine>, file: String) throws(FormatError) -> [JabberUser] {
    var users: [JabberUser] = []
    var names = FirstSeen<String>()
    for line in lines where !line.isBlank {
      guard let firstWord = line.fields.first, !firstWord.contains("#") else { continue }
      guard let colon = line.text.firstIndex(of: ":") else {
        // The line is not repeated: it may be a password alone.
        throw line.error("expected 'name : password', found no ':'", in: file)
      }
      let name = String(line.text[..<colon].trimmingSpaces)
      let password = String(line.text[line.text.index(after: colon)...].trimmingSpaces)
      guard JabberUser.isValidName(name) else {
        throw line.error("'\(name)' is not a valid user name", in: file)
      }
      // The password stays out of the message: the error may end up in a log.
      guard JabberUser.isValidPassword(password) else {
        throw line.error(
          "the password of '\(name)' is not valid (1-1023 bytes, no spaces or control characters)",
          in: file)
      }
      if let earlier = names.earlierLine(of: name.lowercased(), at: line.number) {
        throw line.error("duplicate user '\(name)' (first on line \(earlier))", in: file)
      }
      users.append(JabberUser(name: name, password: password))
    }
    return users
  }

  /// `name : password` lines, with the spaces the original requires.
  public static func render(_ users: [JabberUser]) -> String {
    users.map { "\($0.name) : \($0.password)\n" }.joined()
  }
}
