/// A JSON value whose objects keep their keys in the order written, so `--json` output is stable
/// and reads like the table it replaces.
enum JSON: Equatable {
  case string(String)
  case integer(Int64)
  case bool(Bool)
  case null
  case array([JSON])
  case object([(String, JSON)])

  static func == (lhs: JSON, rhs: JSON) -> Bool { lhs.rendered() == rhs.rendered() }

  /// An optional value, or null.
  static func optional(_ text: String?) -> JSON { text.map(JSON.string) ?? .null }

  /// Compact JSON text.
  func rendered() -> String {
    switch self {
    case .string(let text): return Self.quoted(text)
    case .integer(let number): return String(number)
    case .bool(let flag): return flag ? "true" : "false"
    case .null: return "null"
    case .array(let items): return "[" + items.map { $0.rendered() }.joined(separator: ",") + "]"
    case .object(let members):
      return "{" + members.map { Self.quoted($0.0) + ":" + $0.1.rendered() }.joined(separator: ",") + "}"
    }
  }

  /// An array of objects, one per line, as `--json` prints it.
  static func list(_ objects: [JSON]) -> String {
    objects.isEmpty ? "[]" : "[\n" + objects.map { "  " + $0.rendered() }.joined(separator: ",\n") + "\n]"
  }

  private static func quoted(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case "\u{8}": out += "\\b"
      case "\u{c}": out += "\\f"
      case _ where scalar.value < 0x20 || scalar.value == 0x7f:
        let hex = String(scalar.value, radix: 16)
        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out + "\""
  }
}
