import Store

extension StoreOptions {
  /// The path this command works on: --db, else $SLUG_DB, else the default.
  var path: String { Store.resolvePath(option: db) }

  func openStore() throws -> Store { try Store(path: path) }
}
