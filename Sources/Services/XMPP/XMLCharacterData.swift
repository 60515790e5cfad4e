#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// Character data: the predefined entities, character references and line ends.
extension XMLStreamParser {
  /// Unescapes text or an attribute value: the five predefined entities and character
  /// references; line ends normalised; in attributes whitespace becomes a space.
  func decodeText(_ start: Int, _ end: Int, attribute: Bool) throws(XMLStreamError) -> String {
    let plain = buffer.withUnsafeBufferPointer { bytes in
      for index in start..<end {
        let byte = bytes[index]
        if byte == XMLByte.amp || byte == 0x0D || (attribute && (byte == 0x0A || byte == 0x09 || byte == XMLByte.lt)) {
          return false
        }
      }
      return true
    }
    if plain { return String(decoding: buffer[start..<end], as: UTF8.self) }
    var output: [UInt8] = []
    output.reserveCapacity(end - start)
    var index = start
    while index < end {
      let byte = buffer[index]
      switch byte {
      case XMLByte.amp:
        var semicolon = index + 1
        while semicolon < end, buffer[semicolon] != XMLByte.semicolon, semicolon - index < 12 { semicolon += 1 }
        guard semicolon < end, buffer[semicolon] == XMLByte.semicolon else { throw notWellFormed("a bad reference") }
        try reference(index + 1, semicolon, into: &output)
        index = semicolon + 1
        continue
      case XMLByte.lt where attribute:
        throw notWellFormed("< in an attribute value")
      case 0x0D:
        output.append(attribute ? ASCII.space : 0x0A)
        if index + 1 < end, buffer[index + 1] == 0x0A { index += 1 }
      case 0x0A where attribute, 0x09 where attribute:
        output.append(ASCII.space)
      default:
        output.append(byte)
      }
      index += 1
    }
    return String(decoding: output, as: UTF8.self)
  }

  func reference(_ start: Int, _ end: Int, into output: inout [UInt8]) throws(XMLStreamError) {
    let name = buffer[start..<end]
    if name.first == XMLByte.hash {
      var value: UInt32 = 0
      var digits = name.dropFirst()
      let hex = digits.first == 0x78
      if hex { digits = digits.dropFirst() }
      guard !digits.isEmpty else { throw notWellFormed("a bad character reference") }
      for digit in digits {
        let digitValue = hex ? ASCII.hexValue(digit) : ASCII.isDigit(digit) ? digit - UInt8(ascii: "0") : nil
        guard let d = digitValue else { throw notWellFormed("a bad character reference") }
        value = value * (hex ? 16 : 10) + UInt32(d)
        guard value <= 0x10FFFF else { throw notWellFormed("a bad character reference") }
      }
      guard UTF8Check.isXMLCharacter(value), let scalar = Unicode.Scalar(value) else {
        throw notWellFormed("a reference to a character XML does not allow")
      }
      UTF8Check.append(scalar, to: &output)
      return
    }
    if name.elementsEqual("lt".utf8) {
      output.append(XMLByte.lt)
    } else if name.elementsEqual("gt".utf8) {
      output.append(XMLByte.gt)
    } else if name.elementsEqual("amp".utf8) {
      output.append(XMLByte.amp)
    } else if name.elementsEqual("quot".utf8) {
      output.append(XMLByte.quote)
    } else if name.elementsEqual("apos".utf8) {
      output.append(XMLByte.apostrophe)
    } else {
      throw XMLStreamError(condition: "restricted-xml", text: "an entity reference")
    }
  }

  func normaliseLineEnds(_ start: Int, _ end: Int) -> ArraySlice<UInt8> {
    guard buffer[start..<end].contains(0x0D) else { return buffer[start..<end] }
    var output: [UInt8] = []
    var index = start
    while index < end {
      if buffer[index] == 0x0D {
        output.append(0x0A)
        if index + 1 < end, buffer[index + 1] == 0x0A { index += 1 }
      } else {
        output.append(buffer[index])
      }
      index += 1
    }
    return output[...]
  }
}

/// The bytes XML's syntax is made of; the generic ASCII helpers are Text's `ASCII`.
enum XMLByte {
  static let lt = UInt8(ascii: "<")
  static let gt = UInt8(ascii: ">")
  static let slash = UInt8(ascii: "/")
  static let question = UInt8(ascii: "?")
  static let bang = UInt8(ascii: "!")
  static let quote = UInt8(ascii: "\"")
  static let apostrophe = UInt8(ascii: "'")
  static let amp = UInt8(ascii: "&")
  static let semicolon = UInt8(ascii: ";")
  static let equals = UInt8(ascii: "=")
  static let hash = UInt8(ascii: "#")
  static let piEnd: [UInt8] = Array("?>".utf8)
  static let cdataStart: [UInt8] = Array("<![CDATA[".utf8)
  static let cdataEnd: [UInt8] = Array("]]>".utf8)

  /// XML 1.0 §2.3 S: space, tab, CR, LF.
  static func isSpace(_ byte: UInt8) -> Bool {
    byte == ASCII.space || byte == ASCII.lf || byte == ASCII.cr || byte == ASCII.tab
  }

  static func isNameStart(_ byte: UInt8) -> Bool {
    (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
      || byte == UInt8(ascii: "_") || byte == ASCII.colon || byte >= 0x80
  }

  static func isNameByte(_ byte: UInt8) -> Bool {
    isNameStart(byte) || ASCII.isDigit(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
  }
}

/// UTF-8 validation with the XML 1.0 §2.2 character range.
enum UTF8Check {
  static func isXMLCharacter(_ value: UInt32) -> Bool {
    switch value {
    case 0x09, 0x0A, 0x0D: true
    case 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
    default: false
    }
  }

  static func append(_ scalar: Unicode.Scalar, to output: inout [UInt8]) {
    let value = scalar.value
    switch value {
    case 0..<0x80:
      output.append(UInt8(value))
    case 0x80..<0x800:
      output.append(UInt8(0xC0 | value >> 6))
      output.append(UInt8(0x80 | value & 0x3F))
    case 0x800..<0x10000:
      output.append(UInt8(0xE0 | value >> 12))
      output.append(UInt8(0x80 | value >> 6 & 0x3F))
      output.append(UInt8(0x80 | value & 0x3F))
    default:
      output.append(UInt8(0xF0 | value >> 18))
      output.append(UInt8(0x80 | value >> 12 & 0x3F))
      output.append(UInt8(0x80 | value >> 6 & 0x3F))
      output.append(UInt8(0x80 | value & 0x3F))
    }
  }

  static func validate(_ buffer: [UInt8], _ start: Int, _ end: Int) throws(XMLStreamError) {
    let bad: Int? = buffer.withUnsafeBufferPointer { bytes in
      var index = start
      while index < end {
        let lead = bytes[index]
        if lead < 0x80 {
          if lead < 0x20 && lead != 0x09 && lead != 0x0A && lead != 0x0D { return 1 }
          index += 1
          continue
        }
        let length: Int
        var value: UInt32
        switch lead {
        case 0xC2...0xDF: length = 2; value = UInt32(lead & 0x1F)
        case 0xE0...0xEF: length = 3; value = UInt32(lead & 0x0F)
        case 0xF0...0xF4: length = 4; value = UInt32(lead & 0x07)
        default: return 0
        }
        guard index + length <= end else { return 0 }
        for offset in 1..<length {
          let next = bytes[index + offset]
          guard next & 0xC0 == 0x80 else { return 0 }
          value = value << 6 | UInt32(next & 0x3F)
        }
        let minimum: UInt32 = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000
        guard value >= minimum, value <= 0x10FFFF, !(0xD800...0xDFFF).contains(value) else { return 0 }
        guard isXMLCharacter(value) else { return 1 }
        index += length
      }
      return nil
    }
    switch bad {
    case 0: throw XMLStreamError(condition: "unsupported-encoding", text: "bytes that are not UTF-8")
    case 1: throw XMLStreamError(condition: "not-well-formed", text: "a character XML does not allow")
    default: return
    }
  }
}
