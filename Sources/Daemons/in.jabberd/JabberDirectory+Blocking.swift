/// The block lists (XEP-0191) in the store (Store+JabberBlocking.swift), as the session asks
/// for them (XEP0191Blocking.swift). Without a store nobody is blocked, and a block is
/// service-unavailable.
extension JabberDirectory {
  func blockList(of user: String) -> [String] {
    guard let store = openStore() else { return [] }
    return logging { () throws(StoreError) in try store.blockedJIDs(of: user) } ?? []
  }

  func block(_ jids: [String], user: String) -> SessionStoreOutcome {
    changing { (store) throws(StoreError) in try store.block(jids, for: user) }
  }

  func unblock(_ jids: [String], user: String) -> SessionStoreOutcome {
    changing { (store) throws(StoreError) in try store.unblock(jids, for: user) }
  }

  private func changing(_ body: (Store) throws(StoreError) -> Void) -> SessionStoreOutcome {
    guard let store = openStore() else { return .unavailable }
    do throws(StoreError) {
      try body(store)
      return .done
    } catch {
      return outcome(of: error)
    }
  }
}
