#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// RFC 9110 §14: a single byte range. Several ranges, another unit or a malformed header give
/// the whole representation (a server MAY ignore Range); a range starting at or past the end,
/// or a zero-length suffix, is unsatisfiable (416).
public enum ByteRanges {
  public enum Result: Equatable, Sendable {
    case whole
    /// Inclusive, already clamped to the size.
    case partial(first: Int64, last: Int64)
    case unsatisfiable
  }

  public static func parse(_ header: String?, size: Int64) -> Result {
    guard let header else { return .whole }
    let text = ASCII.trimmed(Array(header.utf8)[...])
    guard let equals = text.firstIndex(of: UInt8(ascii: "=")),
      ASCII.equalsIgnoringCase(ASCII.trimmed(text[text.startIndex..<equals]), "bytes")
    else { return .whole }
    let spec = ASCII.trimmed(text[(equals + 1)...])
    guard !spec.contains(UInt8(ascii: ",")), let dash = spec.firstIndex(of: UInt8(ascii: "-")) else { return .whole }
    let firstText = ASCII.trimmed(spec[spec.startIndex..<dash])
    let lastText = ASCII.trimmed(spec[(dash + 1)...])
    if firstText.isEmpty {
      guard let suffix = ASCII.decimal(lastText) else { return .whole }
      if suffix == 0 || size <= 0 { return .unsatisfiable }
      return .partial(first: max(0, size - suffix), last: size - 1)
    }
    guard let first = ASCII.decimal(firstText) else { return .whole }
    var last = size - 1
    if !lastText.isEmpty {
      guard let value = ASCII.decimal(lastText), value >= first else { return .whole }
      last = min(value, size - 1)
    }
    if first >= size { return .unsatisfiable }
    return .partial(first: first, last: last)
  }
}
