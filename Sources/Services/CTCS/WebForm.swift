#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// The fields of a submitted HTML form: `application/x-www-form-urlencoded` (the controls) and
/// `multipart/form-data` (RFC 7578; the add form, which uploads a .torrent file).
public struct WebForm: Equatable {
  public struct Field: Equatable {
    public var name: String
    /// The file name a browser gave an uploaded file; nil for a plain field.
    public var fileName: String?
    public var value: [UInt8]

    public init(name: String, fileName: String? = nil, value: [UInt8]) {
      self.name = name
      self.fileName = fileName
      self.value = value
    }
  }

  public var fields: [Field]

  public init(fields: [Field]) { self.fields = fields }

  /// The first field called NAME, as text.
  public func text(_ name: String) -> String? {
    fields.first { $0.name == name }.map { String(decoding: $0.value, as: UTF8.self) }
  }

  public func field(_ name: String) -> Field? { fields.first { $0.name == name } }

  /// Parses BODY by its CONTENT_TYPE; nil when the type is neither form type or the body is not
  /// well formed.
  public static func parse(_ body: [UInt8], contentType: String) -> WebForm? {
    let parameters = contentType.split(separator: ";").map { ASCII.trimmed($0) }
    guard let first = parameters.first else { return nil }
    let type = ASCII.lowercased(first)
    if type == "application/x-www-form-urlencoded" { return urlEncoded(body) }
    guard type == "multipart/form-data" else { return nil }
    for parameter in parameters.dropFirst() {
      let pair = parameter.split(separator: "=", maxSplits: 1)
      guard pair.count == 2, ASCII.lowercased(pair[0]) == "boundary" else { continue }
      return multipart(body, boundary: unquoted(String(pair[1])))
    }
    return nil
  }

  /// `a=1&b=x+y%21`: '+' is a space; a malformed escape is kept as it is.
  public static func urlEncoded(_ body: [UInt8]) -> WebForm {
    var fields: [Field] = []
    for pair in body.split(separator: UInt8(ascii: "&")) {
      let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
      let name = String(decoding: percentDecoded(parts[0]), as: UTF8.self)
      fields.append(Field(name: name, value: parts.count > 1 ? percentDecoded(parts[1]) : []))
    }
    return WebForm(fields: fields)
  }

  static func percentDecoded(_ raw: ArraySlice<UInt8>) -> [UInt8] {
    var decoded: [UInt8] = []
    decoded.reserveCapacity(raw.count)
    var index = raw.startIndex
    while index < raw.endIndex {
      let byte = raw[index]
      if byte == UInt8(ascii: "+") {
        decoded.append(UInt8(ascii: " "))
      } else if byte == UInt8(ascii: "%"), index + 2 < raw.endIndex, let high = ASCII.hexValue(raw[index + 1]),
        let low = ASCII.hexValue(raw[index + 2])
      {
        decoded.append(high << 4 | low)
        index += 2
      } else {
        decoded.append(byte)
      }
      index += 1
    }
    return decoded
  }

  /// The parts between `--BOUNDARY` lines, up to `--BOUNDARY--`; nil if that end is missing.
  public static func multipart(_ body: [UInt8], boundary: String) -> WebForm? {
    guard !boundary.isEmpty, boundary.utf8.count <= 200 else { return nil }
    let delimiter = Array("--\(boundary)".utf8)
    let crlf: [UInt8] = [13, 10]
    guard var position = find(delimiter, in: body, from: 0) else { return nil }
    var fields: [Field] = []
    while true {
      position += delimiter.count
      if body[position...].starts(with: [UInt8(ascii: "-"), UInt8(ascii: "-")]) { return WebForm(fields: fields) }
      guard body[position...].starts(with: crlf) else { return nil }
      position += 2
      guard let headEnd = find(crlf + crlf, in: body, from: position) else { return nil }
      let head = String(decoding: body[position..<headEnd], as: UTF8.self)
      let contentStart = headEnd + 4
      guard let next = find(crlf + delimiter, in: body, from: contentStart) else { return nil }
      guard let field = field(head: head, value: Array(body[contentStart..<next])) else { return nil }
      fields.append(field)
      position = next + 2
    }
  }

  /// A part's `Content-Disposition: form-data; name="x"; filename="y"`.
  private static func field(head: String, value: [UInt8]) -> Field? {
    for line in head.split(separator: "\r\n") {
      let header = line.split(separator: ":", maxSplits: 1)
      guard header.count == 2, ASCII.lowercased(header[0]) == "content-disposition" else { continue }
      var name: String?
      var fileName: String?
      for parameter in parameters(of: String(header[1])) {
        if parameter.key == "name" { name = parameter.value }
        if parameter.key == "filename" { fileName = parameter.value }
      }
      guard let name else { return nil }
      return Field(name: name, fileName: fileName, value: value)
    }
    return nil
  }

  /// `form-data; name="a;b"; filename=x`: the key=value pairs, quotes honoured.
  private static func parameters(of text: String) -> [(key: String, value: String)] {
    var result: [(key: String, value: String)] = []
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
      while let first = bytes.first, first == UInt8(ascii: ";") || first == UInt8(ascii: " ") { bytes.removeFirst() }
      var key: [UInt8] = []
      while let first = bytes.first, first != UInt8(ascii: "="), first != UInt8(ascii: ";") {
        key.append(first)
        bytes.removeFirst()
      }
      var value: [UInt8] = []
      if bytes.first == UInt8(ascii: "=") {
        bytes.removeFirst()
        if bytes.first == UInt8(ascii: "\"") {
          bytes.removeFirst()
          while let first = bytes.first, first != UInt8(ascii: "\"") {
            bytes.removeFirst()
            if first == UInt8(ascii: "\\"), let escaped = bytes.first {
              value.append(escaped)
              bytes.removeFirst()
            } else {
              value.append(first)
            }
          }
          if !bytes.isEmpty { bytes.removeFirst() }
        } else {
          while let first = bytes.first, first != UInt8(ascii: ";") {
            value.append(first)
            bytes.removeFirst()
          }
        }
      }
      let name = ASCII.lowercased(ASCII.trimmed(String(decoding: key, as: UTF8.self)))
      if !name.isEmpty { result.append((name, String(decoding: value, as: UTF8.self))) }
    }
    return result
  }

  private static func unquoted(_ text: String) -> String {
    let trimmed = ASCII.trimmed(text)
    guard trimmed.utf8.count >= 2, trimmed.hasPrefix("\""), trimmed.hasSuffix("\"") else { return trimmed }
    return String(trimmed.dropFirst().dropLast())
  }

  static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
    guard let first = needle.first, haystack.count >= needle.count else { return nil }
    var index = start
    while index <= haystack.count - needle.count {
      if haystack[index] == first && haystack[index..<index + needle.count].elementsEqual(needle) { return index }
      index += 1
    }
    return nil
  }
}
