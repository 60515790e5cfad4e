import Text
import XCTest

@testable import XMPP

/// XEP-0191 block lists as the store keeps them, with its limit.
extension MemoryBackend {
  static let maximumBlockedJIDs = 5

  func blockList(of user: String) -> [String] { blocks[ASCII.lowercased(user)] ?? [] }

  func block(_ jids: [String], user: String) -> SessionStoreOutcome {
    var list = blockList(of: user)
    for jid in jids where !list.contains(jid) { list.append(jid) }
    guard list.count <= MemoryBackend.maximumBlockedJIDs else { return .full }
    blocks[ASCII.lowercased(user)] = list
    return .done
  }

  func unblock(_ jids: [String], user: String) -> SessionStoreOutcome {
    blocks[ASCII.lowercased(user)] = jids.isEmpty ? [] : blockList(of: user).filter { !jids.contains($0) }
    return .done
  }
}
