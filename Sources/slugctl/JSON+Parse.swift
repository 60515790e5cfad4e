import Text

/// Reading JSON text (RFC 8259) into a `JSON` value: what slugctl reads is ArgumentParser's
/// description of its own commands, for the manual page. Numbers must be integers, which is
/// all `JSON` holds; anything else that is not JSON is refused naming the line and column.
extension JSON {
  struct ParseError: Error, Equatable, CustomStringConvertible {
    var line: Int
    var column: Int
    var message: String

    var description: String { "JSON line \(line), column \(column): \(message)" }
  }

  static func parse(_ text: String) throws(ParseError) -> JSON {
    var parser = Parser(bytes: Array(text.utf8))
    let value = try parser.value(depth: 0)
    parser.skipSpace()
    guard parser.index == parser.bytes.count else { throw parser.error("text after the value") }
    return value
  }

  /// The member called KEY of an object (the first, if it is there twice); nil for anything else.
  subscript(key: String) -> JSON? {
    guard case .object(let members) = self else { return nil }
    return members.first { $0.0 == key }?.1
  }

  var string: String? {
    if case .string(let text) = self { return text }
    return nil
  }

  var boolean: Bool? {
    if case .bool(let flag) = self { return flag }
    return nil
  }

  var items: [JSON]? {
    if case .array(let items) = self { return items }
    return nil
  }

  private struct Parser {
    let bytes: [UInt8]
    var index = 0

    /// Deeper than any description of commands; deep enough not to exhaust the stack.
    static let maximumDepth = 256

    mutating func value(depth: Int) throws(ParseError) -> JSON {
      guard depth < Self.maximumDepth else { throw error("nested deeper than \(Self.maximumDepth)") }
      skipSpace()
      guard index < bytes.count else { throw error("the text ends where a value should be") }
      switch bytes[index] {
      case UInt8(ascii: "{"): return try object(depth: depth)
      case UInt8(ascii: "["): return try array(depth: depth)
      case UInt8(ascii: "\""): return .string(try string())
      case UInt8(ascii: "t"): return try literal("true", .bool(true))
      case UInt8(ascii: "f"): return try literal("false", .bool(false))
      case UInt8(ascii: "n"): return try literal("null", .null)
      case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try integer()
      default: throw error("unexpected '\(Character(Unicode.Scalar(bytes[index])))'")
      }
    }

    private mutating func object(depth: Int) throws(ParseError) -> JSON {
      index += 1
      var members: [(String, JSON)] = []
      skipSpace()
      if consume(UInt8(ascii: "}")) { return .object(members) }
      repeat {
        skipSpace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("expected a member name") }
        let key = try string()
        skipSpace()
        guard consume(UInt8(ascii: ":")) else { throw error("expected ':' after \"\(key)\"") }
        members.append((key, try value(depth: depth + 1)))
        skipSpace()
      } while consume(UInt8(ascii: ","))
      guard consume(UInt8(ascii: "}")) else { throw error("expected ',' or '}' in an object") }
      return .object(members)
    }

    private mutating func array(depth: Int) throws(ParseError) -> JSON {
      index += 1
      var items: [JSON] = []
      skipSpace()
      if consume(UInt8(ascii: "]")) { return .array(items) }
      repeat {
        items.append(try value(depth: depth + 1))
        skipSpace()
      } while consume(UInt8(ascii: ","))
      guard consume(UInt8(ascii: "]")) else { throw error("expected ',' or ']' in an array") }
      return .array(items)
    }

    private mutating func string() throws(ParseError) -> String {
      index += 1
      var text: [UInt8] = []
      while index < bytes.count {
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""):
          guard let decoded = String(validating: text, as: UTF8.self) else { throw error("a string that is not UTF-8") }
          return decoded
        case UInt8(ascii: "\\"):
          try escape(into: &text)
        case 0..<0x20:
          throw error("a control character in a string")
        default:
          text.append(byte)
        }
      }
      throw error("a string without its closing quote")
    }

    /// The character after a backslash (the backslash is read), as UTF-8.
    private mutating func escape(into text: inout [UInt8]) throws(ParseError) {
      guard index < bytes.count else { throw error("a string without its closing quote") }
      let byte = bytes[index]
      index += 1
      switch byte {
      case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): text.append(byte)
      case UInt8(ascii: "b"): text.append(0x08)
      case UInt8(ascii: "f"): text.append(0x0C)
      case UInt8(ascii: "n"): text.append(0x0A)
      case UInt8(ascii: "r"): text.append(0x0D)
      case UInt8(ascii: "t"): text.append(0x09)
      case UInt8(ascii: "u"):
        var scalar = try hexQuad()
        if (0xD800..<0xDC00).contains(scalar) {
          guard consume(UInt8(ascii: "\\")), consume(UInt8(ascii: "u")) else { throw error("a lone UTF-16 surrogate") }
          let low = try hexQuad()
          guard (0xDC00..<0xE000).contains(low) else { throw error("a lone UTF-16 surrogate") }
          scalar = 0x10000 + (scalar - 0xD800) << 10 + (low - 0xDC00)
        }
        guard let character = Unicode.Scalar(scalar) else { throw error("a lone UTF-16 surrogate") }
        text += Array(String(Character(character)).utf8)
      default:
        throw error("an unknown escape '\\\(Character(Unicode.Scalar(byte)))'")
      }
    }

    private mutating func hexQuad() throws(ParseError) -> UInt32 {
      guard bytes.count - index >= 4 else { throw error("\\u without four hex digits") }
      var value: UInt32 = 0
      for byte in bytes[index..<index + 4] {
        guard let digit = ASCII.hexValue(byte) else { throw error("\\u without four hex digits") }
        value = value << 4 | UInt32(digit)
      }
      index += 4
      return value
    }

    private mutating func integer() throws(ParseError) -> JSON {
      let start = index
      _ = consume(UInt8(ascii: "-"))
      while index < bytes.count, ASCII.isDigit(bytes[index]) { index += 1 }
      if index < bytes.count, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[index]) {
        throw error("a number that is not an integer")
      }
      let digits = String(decoding: bytes[start..<index], as: UTF8.self)
      let magnitude = digits.hasPrefix("-") ? digits.dropFirst() : Substring(digits)
      guard !magnitude.isEmpty, magnitude == "0" || !magnitude.hasPrefix("0"), let number = Int64(digits) else {
        index = start
        throw error("a malformed or too large integer '\(digits)'")
      }
      return .integer(number)
    }

    private mutating func literal(_ word: String, _ value: JSON) throws(ParseError) -> JSON {
      let expected = Array(word.utf8)
      guard bytes.count - index >= expected.count, Array(bytes[index..<index + expected.count]) == expected else {
        throw error("unexpected text (expected \(word))")
      }
      index += expected.count
      return value
    }

    private mutating func consume(_ byte: UInt8) -> Bool {
      guard index < bytes.count, bytes[index] == byte else { return false }
      index += 1
      return true
    }

    mutating func skipSpace() {
      while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    /// An error at the current position, counted in lines and characters from 1.
    func error(_ message: String) -> ParseError {
      let before = bytes[..<min(index, bytes.count)]
      let lineStart = before.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
      let line = before.filter { $0 == 0x0A }.count + 1
      let column = String(decoding: bytes[lineStart..<before.endIndex], as: UTF8.self).count + 1
      return ParseError(line: line, column: column, message: message)
    }
  }
}
