#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// Failed logins per client address, so that guessing costs time across processes (inetd
/// starts one per connection): after the Nth failure from an address, its next attempt is
/// answered no sooner than base × 2^(N-1) ms later, at most `cap`. A success from the address
/// clears its record; a record whose last failure is older than `loginFailureMemory` is
/// forgotten. Each call is one statement (its own short transaction): a process waiting out
/// a delay holds no lock.
extension Store {
  /// How long a failure is remembered, ms.
  public static let loginFailureMemory: Int64 = 15 * 60 * 1000

  /// How long (ms, 0 for at once) the next login attempt from `address` must wait at `now`;
  /// nil when the address has no failures remembered (nothing to clear at a success).
  public func loginDelay(address: String, now: Int64) throws(StoreError) -> Int64? {
    let nextAllowed = try database.row(
      "SELECT next_allowed FROM login_failures WHERE address = ? AND last_failure >= ?", .text(address),
      .integer(now - Self.loginFailureMemory), map: { $0.int(0) })
    return nextAllowed.map { max(0, $0 - now) }
  }

  /// One more failure from `address` at `now`: the delay doubles from `base`, up to `cap` (ms).
  /// Forgotten records go at the same time.
  public func recordLoginFailure(address: String, now: Int64, base: Int64, cap: Int64) throws(StoreError) {
    try database.run(
      """
      INSERT INTO login_failures (address, failures, next_allowed, last_failure) VALUES (?1, 1, ?2 + min(?3, ?4), ?2)
      ON CONFLICT (address) DO UPDATE SET
        failures = CASE WHEN last_failure < ?2 - ?5 THEN 1 ELSE min(failures + 1, 62) END,
        next_allowed = ?2 + min(?4, ?3 * (1 << (CASE WHEN last_failure < ?2 - ?5 THEN 0 ELSE min(failures, 40) END))),
        last_failure = ?2
      """,
      .text(address), .integer(now), .integer(base), .integer(cap), .integer(Self.loginFailureMemory))
    try database.run("DELETE FROM login_failures WHERE last_failure < ?", .integer(now - Self.loginFailureMemory))
  }

  /// A login from `address` succeeded: its failures are forgotten.
  public func clearLoginFailures(address: String) throws(StoreError) {
    try database.run("DELETE FROM login_failures WHERE address = ?", .text(address))
  }

  /// The back-off's first delay and its cap, ms (settings `login_delay_ms`, default 1000, and
  /// `login_delay_max_ms`, default 60000; a test makes them small).
  public func loginDelayLimits() throws(StoreError) -> (base: Int64, cap: Int64) {
    let base = max(1, try integerSetting(SettingKey.loginDelay) ?? 1000)
    let cap = max(base, try integerSetting(SettingKey.loginDelayMaximum) ?? 60_000)
    return (base, cap)
  }

  /// The secret unknown jabber users' decoy salts are derived from (setting
  /// `jabber_decoy_secret`), made from `random` bytes the first time it is asked for.
  public func jabberDecoySecret(random: () -> [UInt8]) throws(StoreError) -> String {
    if let secret = try setting(SettingKey.jabberDecoySecret), !secret.isEmpty { return secret }
    let made = Hex.lowercase(random())
    try database.run(
      "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
      .text(SettingKey.jabberDecoySecret), .text(made))
    return try setting(SettingKey.jabberDecoySecret) ?? made
  }
}

extension SettingKey {
  /// First back-off delay after a failed login, ms (default 1000).
  public static let loginDelay = "login_delay_ms"
  /// The back-off's cap, ms (default 60000).
  public static let loginDelayMaximum = "login_delay_max_ms"
  /// in.jabberd's secret for unknown users' decoy salts (made on first use).
  public static let jabberDecoySecret = "jabber_decoy_secret"
}
