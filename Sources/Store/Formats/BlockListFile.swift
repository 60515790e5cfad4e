#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// Block lists as they are published, one line at a time:
/// - hosts files: `0.0.0.0 name [name...]` (also 127.0.0.1, ::, ::1, and the rest of 127/8),
///   the form dnsmasq's addn-hosts reads and most lists ship in;
/// - one domain per line;
/// - dnsmasq configuration `address=/name/[0.0.0.0]` and `server=/name/`, and the domain rules
///   of adblock lists, `||name^`.
/// `#` starts a comment anywhere on a line. A leading `*.` is dropped: a name blocks its
/// subdomains anyway. The hosts-file boilerplate (localhost, broadcasthost, the ip6- names,
/// and lines for any other address, which map names rather than block them) is skipped, not
/// refused.
public enum BlockListFile {
  public enum Entry: Equatable {
    case name(HostName)
    case skipped
    /// Not a name to block, and why.
    case refused(String)
  }

  /// The hosts-file lines every system's file starts with.
  static let boilerplate: Set<String> = [
    "localhost", "localhost.localdomain", "local", "broadcasthost", "ip6-localhost", "ip6-loopback",
    "ip6-localnet", "ip6-mcastprefix", "ip6-allnodes", "ip6-allrouters", "ip6-allhosts", "0.0.0.0",
  ]

  /// What one line holds, in order; nothing for a blank or comment line.
  public static func entries(of line: NumberedLine) -> [Entry] {
    let fields = line.withoutComment.fields
    guard let first = fields.first else { return [] }
    if fields.count == 1 {
      for (prefix, suffix) in [("address=/", "/"), ("server=/", "/"), ("||", "^")] where first.hasPrefix(prefix) {
        let rest = first.dropFirst(prefix.count)
        guard let end = rest.utf8.lastIndex(of: suffix.utf8.first!) else {
          return [.refused("'\(first)' has no closing '\(suffix)'")]
        }
        return rest[..<end].split(separator: "/").map(entry)
      }
      if IPAddress(first) != nil { return [.refused("'\(first)' is an address with no name")] }
      return [entry(first)]
    }
    guard let address = IPAddress(first) else {
      if first.contains("%") { return [.skipped] }  // fe80::1%lo0 localhost
      return [.refused("expected 'ADDRESS NAME...' or one domain, found '\(line.text.trimmingSpaces)'")]
    }
    guard isBlocking(address) else { return fields.dropFirst().map { _ in .skipped } }
    return fields.dropFirst().map(entry)
  }

  private static func entry(_ field: Substring) -> Entry {
    var text = field
    if text.hasPrefix("*.") { text = text.dropFirst(2) }
    if boilerplate.contains(ASCII.lowercased(String(text))) { return .skipped }
    if IPAddress(text) != nil { return .refused("'\(field)' is an address, not a name") }
    guard let name = HostName(text), !name.text.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2e }) else {
      return .refused("'\(field)' is not a domain name")
    }
    return .name(name)
  }

  /// The addresses block lists point names at: nowhere, or this machine.
  private static func isBlocking(_ address: IPAddress) -> Bool {
    switch address {
    case .v4(let v4): v4.value == 0 || v4.value >> 24 == 127
    case .v6(let v6): v6.groups.dropLast().allSatisfy { $0 == 0 } && v6.groups.last! <= 1
    }
  }
}
