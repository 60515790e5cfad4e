/// Line and field splitting shared by the flat-file parsers.

/// One line of a flat file, numbered from 1, without its line ending.
public struct NumberedLine {
  public let number: Int
  public let text: Substring

  /// The words separated by spaces and tabs.
  var fields: [Substring] { text.split(whereSeparator: { $0 == " " || $0 == "\t" }) }

  var isBlank: Bool { text.allSatisfy { $0 == " " || $0 == "\t" } }

  /// The line up to a `#`, for the files where `#` starts a comment anywhere on a line.
  var withoutComment: NumberedLine {
    guard let hash = text.firstIndex(of: "#") else { return self }
    return NumberedLine(number: number, text: text[..<hash])
  }

  func error(_ message: String, in file: String) -> FormatError {
    FormatError(file: file, line: number, message: message)
  }
}

extension Substring {
  /// Without the spaces and tabs at either end.
  var trimmingSpaces: Substring {
    let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
    guard let first = firstIndex(where: { !isSpace($0) }),
      let last = lastIndex(where: { !isSpace($0) })
    else { return "" }
    return self[first...last]
  }
}

extension String {
  /// The lines of a flat file. `\n` and `\r\n` both end a line; a last line without an end is
  /// still a line.
  var numberedLines: [NumberedLine] {
    // "\r\n" is one Character in Swift, so it is a separator of its own.
    let pieces = split(
      omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
    return pieces.enumerated().map { index, piece in
      NumberedLine(number: index + 1, text: piece.hasSuffix("\r") ? piece.dropLast() : piece)
    }
  }
}

/// Remembers where each key was first seen, to report a repeat with both lines.
struct FirstSeen<Key: Hashable> {
  private var lines: [Key: Int] = [:]

  /// Records KEY at LINE; returns the earlier line if KEY was seen before.
  mutating func earlierLine(of key: Key, at line: Int) -> Int? {
    if let earlier = lines[key] { return earlier }
    lines[key] = line
    return nil
  }
}
