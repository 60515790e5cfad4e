#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Store
#endif

extension StoreOptions {
  /// The path this command works on: --db, else $SLUG_DB, else the default.
  var path: String { Store.resolvePath(option: db) }

  /// Opens (and migrates) the store; a file from before hashed passwords has them hashed. The
  /// store's own error: a command runs it through `attempt`.
  func openStore() throws(StoreError) -> Store { try Store(path: path, hashingPasswords: JabberPasswords.hashing) }
}

extension Invocation {
  /// The store --db names (else $SLUG_DB's, else the default), opened.
  func openStore() throws(StoreError) -> Store { try storeOptions.openStore() }
}
