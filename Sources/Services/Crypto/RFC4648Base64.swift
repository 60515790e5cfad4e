/// Base64 (RFC 4648 §4) as SASL uses it (RFC 6120 §6.4.2): padded, no line breaks, no
/// whitespace; anything else does not decode.
public enum Base64 {
  private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

  public static func encode(_ bytes: [UInt8]) -> String {
    var output: [UInt8] = []
    output.reserveCapacity((bytes.count + 2) / 3 * 4)
    var index = 0
    while index < bytes.count {
      let a = bytes[index]
      let b = index + 1 < bytes.count ? bytes[index + 1] : 0
      let c = index + 2 < bytes.count ? bytes[index + 2] : 0
      output.append(alphabet[Int(a >> 2)])
      output.append(alphabet[Int((a & 0x03) << 4 | b >> 4)])
      output.append(index + 1 < bytes.count ? alphabet[Int((b & 0x0F) << 2 | c >> 6)] : 0x3D)
      output.append(index + 2 < bytes.count ? alphabet[Int(c & 0x3F)] : 0x3D)
      index += 3
    }
    return String(decoding: output, as: UTF8.self)
  }

  public static func decode(_ s: String) -> [UInt8]? {
    let input = Array(s.utf8)
    guard input.count % 4 == 0 else { return nil }
    var output: [UInt8] = []
    output.reserveCapacity(input.count / 4 * 3)
    var index = 0
    while index < input.count {
      let last = index + 4 == input.count
      guard let a = value(input[index]), let b = value(input[index + 1]) else { return nil }
      output.append(a << 2 | b >> 4)
      if last && input[index + 2] == 0x3D {
        guard input[index + 3] == 0x3D else { return nil }
        break
      }
      guard let c = value(input[index + 2]) else { return nil }
      output.append(b << 4 | c >> 2)
      if last && input[index + 3] == 0x3D { break }
      guard let d = value(input[index + 3]) else { return nil }
      output.append(c << 6 | d)
      index += 4
    }
    return output
  }

  private static func value(_ byte: UInt8) -> UInt8? {
    switch byte {
    case 0x41...0x5A: byte - 0x41
    case 0x61...0x7A: byte - 0x61 + 26
    case 0x30...0x39: byte - 0x30 + 52
    case 0x2B: 62
    case 0x2F: 63
    default: nil
    }
  }
}

/// Comparison whose time depends only on the lengths, for secrets.
public enum ConstantTime {
  public static func equals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    var difference: UInt8 = 0
    for index in a.indices { difference |= a[index] ^ b[index] }
    return difference == 0
  }

  /// Two strings' UTF-8 bytes (a password given against the one configured).
  public static func equals(_ a: String, _ b: String) -> Bool { equals(Array(a.utf8), Array(b.utf8)) }
}
