import CLibc

/// Random bytes from the kernel's generator (getrandom blocks only before it is seeded at boot):
/// nonces, salts, session tokens.
public enum Random {
  public static func bytes(_ count: Int) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count)
    var filled = 0
    while filled < count {
      let got = bytes.withUnsafeMutableBytes { getrandom($0.baseAddress! + filled, count - filled, 0) }
      if got > 0 { filled += got }
    }
    return bytes
  }
}
