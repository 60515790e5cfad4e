import CTLS
#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Runtime
#endif

/// Keys and certificates made with wolfSSL (Sources/CTLS/certificates.c): ECDSA P-256 keys,
/// certificates signed with ECDSA and SHA-256, a random positive 128-bit serial.
enum CertificateMaker {
  /// A new P-256 private key, PEM.
  static func makeKey() throws(Failure) -> [UInt8] {
    try output { pem, size, error, errorSize in slug_cert_make_key(pem, size, error, errorSize) }.get()
  }

  struct Request {
    var commonName: String
    var isCA: Bool
    var days: Int
    var names: [String] = []
    var addresses: [[UInt8]] = []
  }

  /// A certificate for `subjectKey` signed by `issuerKey`; `issuer` is the issuer's certificate,
  /// nil for a self-signed one.
  static func issue(_ request: Request, subjectKey: [UInt8], issuerKey: [UInt8], issuer: [UInt8]?) throws(Failure) -> [UInt8] {
    var serial = Random.bytes(16)
    serial[0] = serial[0] & 0x7F | 0x40  // positive, and minimal as DER wants
    let alternative = request.isCA ? [] : DER.encodeGeneralNames(names: request.names, addresses: request.addresses)
    // withCString rethrows an untyped error: the result comes out as a Result instead.
    let issued = request.commonName.withCString { commonName in
      "slug".withCString { organization in
        serial.withUnsafeBufferPointer { serial in
          alternative.withUnsafeBufferPointer { alternative in
            var c = slug_cert_request(
              common_name: commonName, organization: organization, is_ca: request.isCA ? 1 : 0,
              days_valid: Int32(request.days), alt_names: alternative.baseAddress, alt_names_length: alternative.count,
              serial: serial.baseAddress, serial_length: serial.count)
            return output { pem, size, error, errorSize in
              slug_cert_issue(
                &c, subjectKey, subjectKey.count, issuerKey, issuerKey.count, issuer, issuer?.count ?? 0, pem, size,
                error, errorSize)
            }
          }
        }
      }
    }
    return try issued.get()
  }

  enum KeyCheck {
    case matches, differs, certificateUnreadable, keyUnreadable
  }

  /// Whether `key` (PEM) belongs to the first certificate of `certificate` (PEM).
  static func check(key: [UInt8], certificate: [UInt8]) -> KeyCheck {
    switch Int(slug_cert_key_matches(certificate, certificate.count, key, key.count)) {
    case SLUG_CERT_KEY_MATCHES: return .matches
    case SLUG_CERT_KEY_DIFFERS: return .differs
    case SLUG_CERT_KEY_UNREADABLE: return .keyUnreadable
    default: return .certificateUnreadable
    }
  }

  /// The PEM BODY writes, or wolfSSL's message when it fails.
  private static func output(
    _ body: (UnsafeMutablePointer<UInt8>, Int, UnsafeMutablePointer<CChar>, Int) -> Int
  ) -> Result<[UInt8], Failure> {
    var pem = [UInt8](repeating: 0, count: SLUG_CERT_PEM_MAX)
    var error = [CChar](repeating: 0, count: 256)
    let length = pem.withUnsafeMutableBufferPointer { pem in
      error.withUnsafeMutableBufferPointer { error in body(pem.baseAddress!, pem.count, error.baseAddress!, error.count) }
    }
    guard length > 0 else {
      return .failure(
        Failure.osError("wolfSSL: " + String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)))
    }
    return .success(Array(pem.prefix(length)))
  }
}
