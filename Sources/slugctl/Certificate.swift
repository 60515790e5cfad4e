#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Crypto
import Text
#endif

/// An X.509 certificate as `slugctl tls` shows and checks it: read from the DER itself (RFC 5280),
/// so what is shown is what the file holds, IP addresses among the names included.
struct Certificate {
  var der: [UInt8]
  var subject: String
  var issuer: String
  var notBefore: Int64
  var notAfter: Int64
  /// The subject alternative names, `DNS:name` and `IP:address`, in the certificate's order.
  var names: [String]
  var isCA: Bool

  struct Malformed: Error {
    var reason: String
  }

  /// The SHA-256 of the DER, as `openssl x509 -fingerprint -sha256` prints it (AB:CD:...).
  var fingerprint: String {
    SHA256.hash(der).map { Hex.uppercase([$0]) }.joined(separator: ":")
  }

  /// Whole days left at `now` (negative once expired).
  func daysLeft(at now: Int64) -> Int64 { (notAfter - now) / 86400 - (notAfter < now ? 1 : 0) }

  init(der: [UInt8]) throws(Malformed) {
    self.der = der
    let top = try DER.nodes(der[...])
    guard top.count == 1, top[0].tag == 0x30 else { throw Malformed(reason: "not a certificate") }
    let parts = try DER.nodes(top[0].content)
    guard parts.count == 3, parts[0].tag == 0x30 else { throw Malformed(reason: "not a certificate") }
    var fields = try DER.nodes(parts[0].content)[...]
    if fields.first?.tag == 0xA0 { fields = fields.dropFirst() }  // version
    guard fields.count >= 6 else { throw Malformed(reason: "a certificate with fields missing") }
    let list = Array(fields)
    issuer = try DER.distinguishedName(list[2])
    let validity = try DER.nodes(list[3].content)
    guard validity.count == 2 else { throw Malformed(reason: "a certificate without a validity") }
    notBefore = try DER.time(validity[0])
    notAfter = try DER.time(validity[1])
    subject = try DER.distinguishedName(list[4])
    names = []
    isCA = false
    guard let extensions = list.dropFirst(6).first(where: { $0.tag == 0xA3 }) else { return }
    let sequence = try DER.nodes(extensions.content)
    guard sequence.count == 1 else { throw Malformed(reason: "malformed extensions") }
    for item in try DER.nodes(sequence[0].content) {
      let parts = try DER.nodes(item.content)
      guard parts.count >= 2, parts[0].tag == 0x06, let value = parts.last, value.tag == 0x04 else { continue }
      switch Array(parts[0].content) {
      case [0x55, 0x1D, 0x11]: names = try DER.generalNames(value.content)
      case [0x55, 0x1D, 0x13]:
        let constraints = try DER.nodes(value.content)
        let flags = try constraints.first.map { (node) throws(Malformed) in try DER.nodes(node.content) } ?? []
        isCA = flags.first.map { $0.tag == 0x01 && $0.content.first == 0xFF } ?? false
      default: continue
      }
    }
  }

  /// The certificates of a PEM file, in order; none when it holds no CERTIFICATE block.
  static func chain(pem: [UInt8]) throws(Malformed) -> [Certificate] {
    var certificates: [Certificate] = []
    var body: String? = nil
    for line in String(decoding: pem, as: UTF8.self).split(whereSeparator: { $0.isNewline }) {
      let text = ASCII.trimmed(line)
      if text == "-----BEGIN CERTIFICATE-----" {
        body = ""
      } else if text == "-----END CERTIFICATE-----", let collected = body {
        guard let der = Base64.decode(collected) else { throw Malformed(reason: "a CERTIFICATE block that is not base64") }
        certificates.append(try Certificate(der: der))
        body = nil
      } else if body != nil {
        body! += text
      }
    }
    return certificates
  }

  /// The PEM block of this certificate, 64 columns as openssl writes it.
  var pem: String {
    let text = Base64.encode(der)
    var lines = "-----BEGIN CERTIFICATE-----\n"
    var index = text.startIndex
    while index < text.endIndex {
      let end = text.index(index, offsetBy: 64, limitedBy: text.endIndex) ?? text.endIndex
      lines += text[index..<end] + "\n"
      index = end
    }
    return lines + "-----END CERTIFICATE-----\n"
  }

  /// `YYYY-MM-DD HH:MM:SS UTC`.
  static func date(_ unixSeconds: Int64) -> String {
    let date = CivilDate(unixSeconds: unixSeconds)
    let day = "\(CivilDate.digits(date.year, 4))-\(CivilDate.digits(Int64(date.month), 2))-\(CivilDate.digits(Int64(date.day), 2))"
    return day + " \(CivilDate.digits(Int64(date.hour), 2)):\(CivilDate.digits(Int64(date.minute), 2)):\(CivilDate.digits(Int64(date.second), 2)) UTC"
  }
}
