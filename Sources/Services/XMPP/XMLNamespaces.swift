#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// Names and namespaces (Namespaces in XML 1.0): checking names, binding prefixes, resolving
/// elements and attributes, refusing repeated attributes.
extension XMLStreamParser {
  /// An XML Name (ASCII checked exactly; any non-ASCII character accepted as a name
  /// character), and whether it holds a colon (only then is it split into prefix and local name).
  func name(_ index: inout Int, _ end: Int) throws(XMLStreamError) -> (String, Bool) {
    let start = index
    guard index < end, XMLByte.isNameStart(buffer[index]) else { throw notWellFormed("a bad name") }
    var colon = buffer[index] == ASCII.colon
    index += 1
    while index < end, XMLByte.isNameByte(buffer[index]) {
      colon = colon || buffer[index] == ASCII.colon
      index += 1
    }
    return (String(decoding: buffer[start..<index], as: UTF8.self), colon)
  }

  struct RawAttribute {
    var name: String
    var prefixed: Bool
    var value: String
  }

  /// Pushes the element's namespace declarations and resolves its name and attributes.
  mutating func resolve(_ qualifiedName: String, _ prefixed: Bool, _ raw: [RawAttribute]) throws(XMLStreamError) -> XMLElement {
    bindingMarks.append(bindings.count)
    var attributes: [XMLAttribute] = []
    attributes.reserveCapacity(raw.count)
    var prefixedAttributes = false
    for attribute in raw {
      let name = attribute.name
      let value = attribute.value
      if !attribute.prefixed {
        if name == "xmlns" {
          bindings.append(Binding(prefix: "", uri: value))
        } else {
          attributes.append(XMLAttribute(name: name, value: value))
        }
      } else if name.utf8.starts(with: "xmlns:".utf8) {
        let prefix = String(name.utf8.dropFirst(6))!
        let fixed = (prefix == "xml") == (value == XMLStreamParser.xmlNamespace)
        guard !value.isEmpty, prefix != "xmlns", fixed, value != "http://www.w3.org/2000/xmlns/" else {
          throw notWellFormed("a forbidden namespace declaration")
        }
        bindings.append(Binding(prefix: prefix, uri: value))
      } else {
        prefixedAttributes = true
        attributes.append(XMLAttribute(name: name, value: value))
      }
    }
    guard bindings.count <= XMLStreamParser.maximumBindings else {
      // Every prefix lookup walks the declarations in scope: their number stays small.
      throw XMLStreamError(condition: "policy-violation", text: "more than \(XMLStreamParser.maximumBindings) namespace declarations in scope")
    }
    let (prefix, local) = prefixed ? try split(qualifiedName) : (nil, qualifiedName)
    let namespace = try lookup(prefix ?? "")
    if prefixedAttributes {
      for index in attributes.indices {
        let (prefix, _) = try split(attributes[index].name)
        if let prefix { attributes[index].namespace = try lookup(prefix) }
      }
    }
    try checkUnique(attributes)
    return XMLElement(name: local, namespace: namespace, attributes: attributes)
  }

  func split(_ qualifiedName: String) throws(XMLStreamError) -> (prefix: String?, local: String) {
    let utf8 = qualifiedName.utf8
    guard let colon = utf8.firstIndex(of: ASCII.colon) else { return (nil, qualifiedName) }
    let local = utf8[utf8.index(after: colon)...]
    guard colon != utf8.startIndex, let first = local.first, first != ASCII.colon, XMLByte.isNameStart(first),
      !local.contains(ASCII.colon)
    else { throw notWellFormed("a bad qualified name") }
    return (String(utf8[..<colon])!, String(local)!)
  }

  func lookup(_ prefix: String) throws(XMLStreamError) -> String {
    var index = bindings.count - 1
    while index >= 0 {
      if bindings[index].prefix == prefix { return bindings[index].uri }
      index -= 1
    }
    throw notWellFormed("an unbound namespace prefix")
  }

  /// Attributes are unique by name and, when prefixed, by namespace and local name.
  func checkUnique(_ attributes: [XMLAttribute]) throws(XMLStreamError) {
    if attributes.count < 2 { return }
    if attributes.count <= 16, !attributes.contains(where: { !$0.namespace.isEmpty }) {
      // The common case: a few unprefixed attributes, compared pairwise without allocating.
      for index in attributes.indices.dropFirst() {
        for earlier in 0..<index where attributes[earlier].name == attributes[index].name {
          throw notWellFormed("a repeated attribute")
        }
      }
      return
    }
    var keys: [String] = []
    keys.reserveCapacity(attributes.count)
    for attribute in attributes {
      if attribute.namespace.isEmpty {
        keys.append(attribute.name)
      } else {
        let local = attribute.name.utf8.split(separator: ASCII.colon).last.map { String($0)! } ?? ""
        keys.append("{" + attribute.namespace + "}" + local)
      }
    }
    keys.sort()
    for index in keys.indices.dropFirst() where keys[index] == keys[index - 1] {
      throw notWellFormed("a repeated attribute")
    }
  }
}
