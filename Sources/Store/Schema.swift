/// The store's schema as an ordered list of forward migrations. Migration N (1-based) takes a
/// file from user_version N-1 to N; a file is only ever moved forward, one migration per
/// transaction, so a crash mid-way leaves it at the last complete version.
enum Schema {
  static let migrations: [String] = [
    version1, version2, version3, version4, version5, version6, version7, version8, version9, version10, version11,
    version12, version13, version14, version15, version16,
  ]

  /// The services of the original flat files: jabber users, DNS hosts, DHCP configuration,
  /// static and dynamic leases.
  static let version1 = """
    CREATE TABLE jabber_users (
      name TEXT NOT NULL UNIQUE COLLATE NOCASE,
      password TEXT NOT NULL
    ) STRICT;

    CREATE TABLE dns_hosts (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL COLLATE NOCASE,
      address TEXT NOT NULL,
      family INTEGER NOT NULL CHECK (family IN (4, 6)),
      UNIQUE (name, address)
    ) STRICT;
    CREATE INDEX dns_hosts_by_address ON dns_hosts (address, id);

    CREATE TABLE dhcp_interfaces (
      name TEXT PRIMARY KEY
    ) STRICT;

    CREATE TABLE dhcp_settings (
      interface TEXT NOT NULL REFERENCES dhcp_interfaces (name) ON DELETE CASCADE,
      keyword TEXT NOT NULL,
      value_text TEXT NOT NULL,
      position INTEGER NOT NULL,
      PRIMARY KEY (interface, keyword)
    ) STRICT;

    CREATE TABLE static_leases (
      id INTEGER PRIMARY KEY,
      mac TEXT NOT NULL,
      client_id TEXT,
      address TEXT NOT NULL UNIQUE,
      hostname TEXT,
      interface TEXT
    ) STRICT;
    CREATE UNIQUE INDEX static_leases_by_mac ON static_leases (mac, ifnull(interface, ''));

    CREATE TABLE static_lease_settings (
      lease INTEGER NOT NULL REFERENCES static_leases (id) ON DELETE CASCADE,
      keyword TEXT NOT NULL,
      value_text TEXT NOT NULL,
      position INTEGER NOT NULL,
      PRIMARY KEY (lease, keyword)
    ) STRICT;

    CREATE TABLE leases (
      interface TEXT NOT NULL,
      address TEXT NOT NULL,
      mac TEXT NOT NULL,
      client_id TEXT,
      hostname TEXT,
      start INTEGER NOT NULL,
      expiry INTEGER NOT NULL,
      PRIMARY KEY (interface, address)
    ) STRICT;
    """

  /// Lease states (offer, release and decline are remembered, not just the active lease) and
  /// the torrent queue. Leases written before states existed were all acknowledged ones.
  static let version2 = """
    ALTER TABLE leases ADD COLUMN state TEXT NOT NULL DEFAULT 'active'
      CHECK (state IN ('offered', 'active', 'released', 'declined', 'expired'));

    CREATE TABLE torrents (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      metainfo BLOB NOT NULL,
      state TEXT NOT NULL
        CHECK (state IN ('queued', 'running', 'paused', 'seeding', 'done', 'failed')),
      position INTEGER NOT NULL,
      min_download_rate INTEGER,
      max_download_rate INTEGER,
      min_upload_rate INTEGER,
      max_upload_rate INTEGER,
      added INTEGER NOT NULL,
      peer_id TEXT NOT NULL DEFAULT '',
      last_message TEXT NOT NULL DEFAULT '',
      download_rate INTEGER NOT NULL DEFAULT 0,
      upload_rate INTEGER NOT NULL DEFAULT 0,
      download_limit INTEGER NOT NULL DEFAULT 0,
      upload_limit INTEGER NOT NULL DEFAULT 0,
      pieces_total INTEGER NOT NULL DEFAULT 0,
      pieces_have INTEGER NOT NULL DEFAULT 0,
      pieces_available INTEGER NOT NULL DEFAULT 0,
      downloaded INTEGER NOT NULL DEFAULT 0,
      uploaded INTEGER NOT NULL DEFAULT 0,
      seeders INTEGER NOT NULL DEFAULT 0,
      tracker_seeders INTEGER NOT NULL DEFAULT 0,
      leechers INTEGER NOT NULL DEFAULT 0,
      tracker_leechers INTEGER NOT NULL DEFAULT 0,
      connecting INTEGER NOT NULL DEFAULT 0,
      cache_used_kb INTEGER NOT NULL DEFAULT 0,
      last_seen INTEGER NOT NULL DEFAULT 0
    ) STRICT;
    CREATE INDEX torrents_by_position ON torrents (position, id);
    """

  /// What in.jabberd keeps between sessions: messages for users who were offline (delivered,
  /// then deleted, at their next login) and each user's vCard (XEP-0054).
  static let version3 = """
    CREATE TABLE jabber_offline (
      id INTEGER PRIMARY KEY,
      recipient TEXT NOT NULL COLLATE NOCASE,
      stanza TEXT NOT NULL,
      stored INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX jabber_offline_by_recipient ON jabber_offline (recipient, id);

    CREATE TABLE jabber_vcards (
      name TEXT PRIMARY KEY COLLATE NOCASE,
      vcard TEXT NOT NULL
    ) STRICT;
    """

  /// Settings as keys and text values (the torrent queue's global limits, ctorrent's path and
  /// options, directories, the web page's secret; see Store+Settings.swift for the keys), and
  /// the process id of the ctorrent the queue runner started for a torrent (NULL when none).
  static let version4 = """
    CREATE TABLE settings (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL
    ) STRICT;

    ALTER TABLE torrents ADD COLUMN pid INTEGER;
    """

  /// What ctorrent reports beyond its status, for the web page (see Store+TorrentDetails.swift):
  /// the torrent's size, piece length and seeding start (CTDETAIL), its files, its connected
  /// peers and ctorrent's options; each list replaced whole by the next report.
  static let version5 = """
    ALTER TABLE torrents ADD COLUMN total_bytes INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE torrents ADD COLUMN piece_length INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE torrents ADD COLUMN seeding_since INTEGER NOT NULL DEFAULT 0;

    CREATE TABLE torrent_files (
      torrent_id INTEGER NOT NULL REFERENCES torrents (id) ON DELETE CASCADE,
      number INTEGER NOT NULL,
      priority INTEGER NOT NULL,
      pieces INTEGER NOT NULL,
      pieces_have INTEGER NOT NULL,
      pieces_available INTEGER NOT NULL,
      size INTEGER NOT NULL,
      name TEXT NOT NULL,
      PRIMARY KEY (torrent_id, number)
    ) STRICT;

    CREATE TABLE torrent_peers (
      torrent_id INTEGER NOT NULL REFERENCES torrents (id) ON DELETE CASCADE,
      peer_id TEXT NOT NULL,
      address TEXT NOT NULL,
      flags TEXT NOT NULL,
      download_rate INTEGER NOT NULL,
      upload_rate INTEGER NOT NULL,
      downloaded INTEGER NOT NULL,
      uploaded INTEGER NOT NULL,
      pieces_have INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX torrent_peers_by_torrent ON torrent_peers (torrent_id);

    CREATE TABLE torrent_options (
      torrent_id INTEGER NOT NULL REFERENCES torrents (id) ON DELETE CASCADE,
      name TEXT NOT NULL,
      kind TEXT NOT NULL,
      value_range TEXT NOT NULL,
      value TEXT NOT NULL,
      summary TEXT NOT NULL,
      help TEXT NOT NULL,
      PRIMARY KEY (torrent_id, name)
    ) STRICT;
    """

  /// The process id of the in.ctcs serving a torrent's ctorrent (NULL while none is connected),
  /// so a resume or a queue runner never starts a second ctorrent for a torrent whose client,
  /// started by hand, is connected but paused.
  static let version6 = """
    ALTER TABLE torrents ADD COLUMN server_pid INTEGER;
    """

  /// The start times of the processes behind `pid` and `server_pid` (see `ProcessMark`), so a
  /// pid the kernel has given to another process since is not taken for a live ctorrent.
  static let version7 = """
    ALTER TABLE torrents ADD COLUMN pid_started INTEGER;
    ALTER TABLE torrents ADD COLUMN server_pid_started INTEGER;
    """

  /// Jabber passwords hashed (issue 18): `jabber_accounts` keeps each user's SCRAM-SHA-1 and
  /// SCRAM-SHA-256 credentials (salt, iterations, StoredKey, ServerKey) and, only for an
  /// account marked legacy, the password itself. The old `jabber_users` rows are hashed into it
  /// by Swift in the same transaction (`Store.hashPlaintextJabberUsers`: hashing needs Crypto,
  /// which SQL has not), and the table dropped with secure_delete on, so the plaintext is
  /// overwritten, not left in free pages. `login_failures` is the back-off of failed logins
  /// per client address (Store+LoginFailures.swift).
  static let version8 = """
    CREATE TABLE jabber_accounts (
      name TEXT NOT NULL UNIQUE COLLATE NOCASE,
      sha1_salt BLOB NOT NULL,
      sha1_iterations INTEGER NOT NULL CHECK (sha1_iterations >= 4096),
      sha1_stored_key BLOB NOT NULL,
      sha1_server_key BLOB NOT NULL,
      sha256_salt BLOB NOT NULL,
      sha256_iterations INTEGER NOT NULL CHECK (sha256_iterations >= 4096),
      sha256_stored_key BLOB NOT NULL,
      sha256_server_key BLOB NOT NULL,
      legacy_password TEXT
    ) STRICT;

    CREATE TABLE login_failures (
      address TEXT PRIMARY KEY,
      failures INTEGER NOT NULL,
      next_allowed INTEGER NOT NULL,
      last_failure INTEGER NOT NULL
    ) STRICT;
    """

  /// in.dns's block list (issue 21): names, lowercase and without the trailing dot, each
  /// blocking itself and every name below it. in.dns reads them from the `dns-blocks` index
  /// file slugctl writes beside the store from this table, not from the table itself.
  static let version9 = """
    CREATE TABLE dns_blocks (
      name TEXT PRIMARY KEY
    ) STRICT, WITHOUT ROWID;
    """

  /// The version whose migration needs `Store.hashPlaintextJabberUsers` after its SQL.
  static let hashedJabberPasswords = 8
}
