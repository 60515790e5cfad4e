#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// RFC 9110 §5: header fields kept in the order received, names as sent. Lookups compare names
/// ASCII case-insensitively, byte by byte (no Unicode tables, so the daemons stay small).

public enum HTTPVersion: Sendable, Equatable {
  case http10, http11

  /// "HTTP/1.0" or "HTTP/1.1".
  public var text: String {
    switch self {
    case .http10: "HTTP/1.0"
    case .http11: "HTTP/1.1"
    }
  }
}

public struct HTTPHeaders: Sendable, Equatable {
  public var fields: [(name: String, value: String)]

  public init() { fields = [] }

  public init(_ fields: [(name: String, value: String)]) { self.fields = fields }

  /// The first value of `name`, or nil.
  public func first(_ name: String) -> String? {
    for field in fields where ASCII.equalsIgnoringCase(field.name, name) { return field.value }
    return nil
  }

  /// Every value of `name`, in order.
  public func all(_ name: String) -> [String] {
    var values: [String] = []
    for field in fields where ASCII.equalsIgnoringCase(field.name, name) { values.append(field.value) }
    return values
  }

  public func contains(_ name: String) -> Bool { first(name) != nil }

  public mutating func remove(_ name: String) {
    fields.removeAll { ASCII.equalsIgnoringCase($0.name, name) }
  }

  public mutating func add(_ name: String, _ value: String) { fields.append((name: name, value: value)) }

  /// Removes every `name` field, then adds one.
  public mutating func replace(_ name: String, _ value: String) {
    remove(name)
    add(name, value)
  }

  /// The comma-separated elements of every `name` field (RFC 9110 §5.6.1), trimmed of
  /// whitespace, empty elements dropped.
  public func list(_ name: String) -> [String] {
    var elements: [String] = []
    for value in all(name) {
      for element in value.utf8.split(separator: UInt8(ascii: ",")) {
        let trimmed = ASCII.trimmed(element)
        if !trimmed.isEmpty { elements.append(String(decoding: trimmed, as: UTF8.self)) }
      }
    }
    return elements
  }

  /// Whether the comma-separated list `name` holds `token` (ASCII case-insensitive).
  public func listContains(_ name: String, _ token: String) -> Bool {
    list(name).contains { ASCII.equalsIgnoringCase($0, token) }
  }

  public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
    guard lhs.fields.count == rhs.fields.count else { return false }
    for (left, right) in zip(lhs.fields, rhs.fields) {
      if !left.name.utf8.elementsEqual(right.name.utf8) || !left.value.utf8.elementsEqual(right.value.utf8) {
        return false
      }
    }
    return true
  }
}

