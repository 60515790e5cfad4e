/// A SASL failure (RFC 6120 §6.5): the condition names the element inside `<failure/>`.
public struct SASLFailure: Error, Equatable, Sendable, CustomStringConvertible {
  public var condition: String

  public init(condition: String) { self.condition = condition }

  public var description: String { condition }

  static let malformed = SASLFailure(condition: "malformed-request")
  static let notAuthorized = SASLFailure(condition: "not-authorized")
}

/// SASL PLAIN (RFC 4616): `[authzid] NUL authcid NUL passwd`, UTF-8, no NUL inside a field.
public enum SASLPlain {
  public static func parse(_ message: [UInt8]) throws(SASLFailure) -> (authorizationID: String, user: String, password: String) {
    let fields = message.split(separator: 0, maxSplits: 3, omittingEmptySubsequences: false)
    guard fields.count == 3, !fields[1].isEmpty, !fields[2].isEmpty, fields[0].count <= 1024,
      fields[1].count <= 1024, fields[2].count <= 1024,
      let authorizationID = String(validating: fields[0], as: UTF8.self),
      let user = String(validating: fields[1], as: UTF8.self),
      let password = String(validating: fields[2], as: UTF8.self)
    else { throw SASLFailure.malformed }
    return (authorizationID, user, password)
  }
}
