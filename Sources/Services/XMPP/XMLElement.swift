/// The XML tree a stanza is parsed into and serialised from (RFC 6120 §4.8, §11): elements
/// carry their resolved namespace, not the prefix the sender chose, so a stanza relayed to
/// another client is written with plain `xmlns` declarations wherever its namespace changes.

public struct XMLAttribute: Equatable, Sendable {
  /// The name as sent, prefix included ("to", "xml:lang").
  public var name: String
  public var value: String
  /// The namespace of a prefixed attribute ("" for an unprefixed one, which has none).
  public var namespace: String

  public init(name: String, value: String, namespace: String = "") {
    self.name = name
    self.value = value
    self.namespace = namespace
  }
}

public indirect enum XMLNode: Equatable, Sendable {
  case element(XMLElement)
  case text(String)
}

public struct XMLElement: Equatable, Sendable {
  /// The local name ("iq", "stream", "body").
  public var name: String
  /// The resolved namespace URI ("jabber:client", "urn:ietf:params:xml:ns:xmpp-sasl").
  public var namespace: String
  /// Attributes other than namespace declarations, in the order sent.
  public var attributes: [XMLAttribute]
  public var children: [XMLNode]

  public init(
    name: String, namespace: String = "jabber:client", attributes: [XMLAttribute] = [], children: [XMLNode] = []
  ) {
    self.name = name
    self.namespace = namespace
    self.attributes = attributes
    self.children = children
  }

  public func attribute(_ name: String) -> String? {
    for attribute in attributes where attribute.name == name { return attribute.value }
    return nil
  }

  /// Replaces the attribute's value, adds it at the end, or removes it when `value` is nil.
  public mutating func setAttribute(_ name: String, _ value: String?) {
    if let index = attributes.firstIndex(where: { $0.name == name }) {
      if let value { attributes[index].value = value } else { attributes.remove(at: index) }
    } else if let value {
      attributes.append(XMLAttribute(name: name, value: value))
    }
  }

  /// The first child element with that local name (and namespace, when given).
  public func child(_ name: String, namespace: String? = nil) -> XMLElement? {
    for case .element(let element) in children
    where element.name == name && (namespace == nil || element.namespace == namespace) {
      return element
    }
    return nil
  }

  public var elements: [XMLElement] {
    var result: [XMLElement] = []
    for case .element(let element) in children { result.append(element) }
    return result
  }

  /// The element's own character data, unescaped (text inside child elements is not included).
  public var text: String {
    var result = ""
    for case .text(let text) in children { result += text }
    return result
  }

  /// The element as XML: `xmlns` written where the namespace differs from `parentNamespace`,
  /// text and attribute values escaped, empty elements self-closing.
  public func xml(parentNamespace: String = "jabber:client") -> String {
    var output: [UInt8] = []
    output.reserveCapacity(256)
    write(to: &output, parentNamespace: parentNamespace)
    return String(decoding: output, as: UTF8.self)
  }

  /// Appends the element's XML to `output` (one buffer for the whole tree, no string joins).
  public func write(to output: inout [UInt8], parentNamespace: String) {
    output.append(0x3C)
    output.append(contentsOf: name.utf8)
    if namespace != parentNamespace {
      output.append(contentsOf: " xmlns='".utf8)
      XMLEscape.append(namespace, to: &output, attribute: true)
      output.append(0x27)
    }
    var declared: [String] = []
    for attribute in attributes {
      if !attribute.namespace.isEmpty, let prefix = XMLEscape.prefix(of: attribute.name), prefix != "xml",
        !declared.contains(prefix)
      {
        // A prefixed attribute needs its prefix bound again: declarations are not kept.
        declared.append(prefix)
        output.append(contentsOf: " xmlns:".utf8)
        output.append(contentsOf: prefix.utf8)
        output.append(contentsOf: "='".utf8)
        XMLEscape.append(attribute.namespace, to: &output, attribute: true)
        output.append(0x27)
      }
      output.append(0x20)
      output.append(contentsOf: attribute.name.utf8)
      output.append(contentsOf: "='".utf8)
      XMLEscape.append(attribute.value, to: &output, attribute: true)
      output.append(0x27)
    }
    if children.isEmpty {
      output.append(contentsOf: "/>".utf8)
      return
    }
    output.append(0x3E)
    for child in children {
      switch child {
      case .element(let element): element.write(to: &output, parentNamespace: namespace)
      case .text(let text): XMLEscape.append(text, to: &output, attribute: false)
      }
    }
    output.append(contentsOf: "</".utf8)
    output.append(contentsOf: name.utf8)
    output.append(0x3E)
  }
}

/// Escaping for character data and attribute values. Carriage returns (and in attributes tabs
/// and line feeds) are written as character references so that a parser gives back exactly
/// the same string (XML 1.0 §2.11, §3.3.3 would otherwise normalise them).
public enum XMLEscape {
  public static func text(_ s: String) -> String {
    escape(s, attribute: false)
  }

  public static func attribute(_ s: String) -> String {
    escape(s, attribute: true)
  }

  private static func escape(_ s: String, attribute: Bool) -> String {
    if !s.utf8.contains(where: { needsEscape($0, attribute: attribute) }) { return s }
    var output: [UInt8] = []
    output.reserveCapacity(s.utf8.count + 16)
    append(s, to: &output, attribute: attribute)
    return String(decoding: output, as: UTF8.self)
  }

  /// Appends `s` escaped; runs of bytes that need nothing are copied whole.
  static func append(_ s: String, to output: inout [UInt8], attribute: Bool) {
    var s = s
    s.withUTF8 { bytes in
      var start = 0
      for index in 0..<bytes.count {
        let byte = bytes[index]
        guard needsEscape(byte, attribute: attribute) else { continue }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
        start = index + 1
        switch byte {
        case 0x26: output.append(contentsOf: "&amp;".utf8)
        case 0x3C: output.append(contentsOf: "&lt;".utf8)
        case 0x3E: output.append(contentsOf: "&gt;".utf8)
        case 0x22: output.append(contentsOf: "&quot;".utf8)
        case 0x27: output.append(contentsOf: "&apos;".utf8)
        case 0x0D: output.append(contentsOf: "&#13;".utf8)
        case 0x0A: output.append(contentsOf: "&#10;".utf8)
        default: output.append(contentsOf: "&#9;".utf8)
        }
      }
      output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
    }
  }

  @inline(__always)
  private static func needsEscape(_ byte: UInt8, attribute: Bool) -> Bool {
    switch byte {
    case 0x26, 0x3C, 0x3E, 0x0D: true
    case 0x22, 0x27, 0x0A, 0x09: attribute
    default: false
    }
  }

  static func prefix(of name: String) -> String? {
    guard let colon = name.utf8.firstIndex(of: 0x3A) else { return nil }
    return String(name[..<colon])
  }
}
