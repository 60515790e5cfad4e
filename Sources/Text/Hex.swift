/// Bytes as hex digits, two a byte (RFC 4648 §8, base 16), and back: digests and tokens in
/// lower case, log fields in upper case, stored client identifiers read in either.
public enum Hex {
  private static let lowerDigits = Array("0123456789abcdef".utf8)
  private static let upperDigits = Array("0123456789ABCDEF".utf8)

  public static func lowercase(_ bytes: some Sequence<UInt8>) -> String { encode(bytes, lowerDigits) }

  public static func uppercase(_ bytes: some Sequence<UInt8>) -> String { encode(bytes, upperDigits) }

  /// The bytes of an even number of hex digits in either case; nil for anything else, empty
  /// text included.
  public static func decode(_ text: String) -> [UInt8]? {
    let digits = Array(text.utf8)
    guard !digits.isEmpty, digits.count % 2 == 0 else { return nil }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(digits.count / 2)
    for index in stride(from: 0, to: digits.count, by: 2) {
      guard let high = ASCII.hexValue(digits[index]), let low = ASCII.hexValue(digits[index + 1]) else { return nil }
      bytes.append(high << 4 | low)
    }
    return bytes
  }

  /// A number in hex without leading zeros ("0" for zero): chunk sizes, ETag parts.
  public static func number(_ value: UInt64, uppercase: Bool = false) -> [UInt8] {
    let digits = uppercase ? upperDigits : lowerDigits
    var text: [UInt8] = []
    var rest = value
    repeat {
      text.append(digits[Int(rest & 0xF)])
      rest >>= 4
    } while rest != 0
    return text.reversed()
  }

  private static func encode(_ bytes: some Sequence<UInt8>, _ digits: [UInt8]) -> String {
    var output: [UInt8] = []
    output.reserveCapacity(bytes.underestimatedCount * 2)
    for byte in bytes {
      output.append(digits[Int(byte >> 4)])
      output.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: output, as: UTF8.self)
  }
}
