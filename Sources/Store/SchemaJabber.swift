/// The migrations from version 10 on: in.jabberd's streams, archive, PEP, rooms, uploads and block lists
/// (issue 23), kept apart so neither file outgrows the 400 lines a source file may have.
extension Schema {
  /// XEP-0198 stream management with resumption (issue 23): a resumable stream of one session
  /// (`id` is the resumption id the client keeps), what its client acknowledged and what the
  /// server handled of the client's stanzas, and the session's state a resumption restores;
  /// its queue holds every stanza for the client from before it is written until the client
  /// acknowledges it, in the order written (AUTOINCREMENT: an id is never reused, so a row
  /// committed later always sorts later); `offline` marks a message that becomes an offline
  /// message if the stream ends before its client acknowledged it. See Store+JabberStreams.swift.
  static let version10 = """
    CREATE TABLE jabber_streams (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL COLLATE NOCASE,
      resource TEXT NOT NULL,
      attached INTEGER NOT NULL,
      acked INTEGER NOT NULL DEFAULT 0,
      handled INTEGER NOT NULL DEFAULT 0,
      state TEXT NOT NULL DEFAULT ''
    ) STRICT;
    CREATE INDEX jabber_streams_by_name ON jabber_streams (name);

    CREATE TABLE jabber_stream_queue (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      stream TEXT NOT NULL REFERENCES jabber_streams (id) ON DELETE CASCADE,
      stanza TEXT NOT NULL,
      offline INTEGER NOT NULL DEFAULT 0
    ) STRICT;
    CREATE INDEX jabber_stream_queue_by_stream ON jabber_stream_queue (stream, id);
    """

  /// in.jabberd's message archive (XEP-0313, Store+JabberArchive.swift): one row per message,
  /// shared by its sender's and recipient's archives (each side's `_keeps` says whether it is
  /// in that side's archive), or by a room's (`room`, for rooms later). An archive is in the
  /// order of `stamp`, then `id` (AUTOINCREMENT: never reused); `uid` is the id clients see
  /// (XEP-0359 stanza-id; the time, then random bits), chosen before the row is written so
  /// delivery does not wait for it.
  /// `stamp` is Unix time in ms; names are JID local parts. `jabber_archive_prefs` keeps each
  /// user's XEP-0313 default (always, never, roster).
  static let version11 = """
    CREATE TABLE jabber_archive (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      uid TEXT NOT NULL UNIQUE,
      stamp INTEGER NOT NULL,
      sender TEXT NOT NULL COLLATE NOCASE,
      sender_resource TEXT NOT NULL,
      recipient TEXT COLLATE NOCASE,
      recipient_resource TEXT,
      room TEXT COLLATE NOCASE,
      sender_keeps INTEGER NOT NULL CHECK (sender_keeps IN (0, 1)),
      recipient_keeps INTEGER NOT NULL CHECK (recipient_keeps IN (0, 1)),
      stanza TEXT NOT NULL
    ) STRICT;
    CREATE INDEX jabber_archive_by_sender ON jabber_archive (sender, stamp, id);
    CREATE INDEX jabber_archive_by_recipient ON jabber_archive (recipient, stamp, id);
    CREATE INDEX jabber_archive_by_room ON jabber_archive (room, stamp, id) WHERE room IS NOT NULL;

    CREATE TABLE jabber_archive_prefs (
      name TEXT PRIMARY KEY COLLATE NOCASE,
      default_mode TEXT NOT NULL CHECK (default_mode IN ('always', 'never', 'roster'))
    ) STRICT;
    """

  /// Personal eventing (XEP-0163) and XEP-0049 private XML (Store+JabberPubSub.swift): each
  /// account's nodes with their configuration (max_items NULL: "max"), their items in publishing
  /// order (`position`, highest newest), one private element per account and namespace, and the
  /// entity capabilities (XEP-0115) every process has verified, keyed by their hash.
  static let version12 = """
    CREATE TABLE jabber_pep_nodes (
      owner TEXT NOT NULL COLLATE NOCASE,
      node TEXT NOT NULL,
      access_model TEXT NOT NULL CHECK (access_model IN ('open', 'presence', 'roster', 'whitelist')),
      persist_items INTEGER NOT NULL,
      max_items INTEGER CHECK (max_items >= 1),
      send_last_published_item TEXT NOT NULL CHECK (send_last_published_item IN ('never', 'on_sub', 'on_sub_and_presence')),
      notify_retract INTEGER NOT NULL,
      PRIMARY KEY (owner, node)
    ) STRICT;
    CREATE INDEX jabber_pep_nodes_by_node ON jabber_pep_nodes (node);

    CREATE TABLE jabber_pep_items (
      owner TEXT NOT NULL COLLATE NOCASE,
      node TEXT NOT NULL,
      item TEXT NOT NULL,
      payload TEXT NOT NULL,
      published INTEGER NOT NULL,
      position INTEGER NOT NULL,
      PRIMARY KEY (owner, node, item),
      FOREIGN KEY (owner, node) REFERENCES jabber_pep_nodes (owner, node) ON DELETE CASCADE
    ) STRICT;
    CREATE INDEX jabber_pep_items_by_position ON jabber_pep_items (owner, node, position);

    CREATE TABLE jabber_private (
      owner TEXT NOT NULL COLLATE NOCASE,
      namespace TEXT NOT NULL,
      element TEXT NOT NULL,
      PRIMARY KEY (owner, namespace)
    ) STRICT;

    CREATE TABLE jabber_caps (
      ver TEXT PRIMARY KEY,
      features TEXT NOT NULL,
      stored INTEGER NOT NULL
    ) STRICT;
    """

  /// XEP-0045 rooms (issue 23): a room is its name (the local part of name@conference.DOMAIN),
  /// a title, members-only or open, who made it and when, and its subject. A standing room
  /// has every account as a member and cannot be removed; this migration makes the one room
  /// for everyone (`everyone`, its title empty: the daemon shows its domain), so it exists
  /// without setup and without a row anyone has to add. Affiliations are per user name (no
  /// row: none, or member in a standing room); removing an account removes them. The
  /// history keeps each room's last messages as the sessions wrote them (Store+JabberRooms.swift).
  static let version13 = """
    CREATE TABLE jabber_rooms (
      name TEXT PRIMARY KEY COLLATE NOCASE,
      title TEXT NOT NULL DEFAULT '',
      members_only INTEGER NOT NULL DEFAULT 0 CHECK (members_only IN (0, 1)),
      standing INTEGER NOT NULL DEFAULT 0 CHECK (standing IN (0, 1)),
      creator TEXT,
      created INTEGER NOT NULL,
      subject TEXT NOT NULL DEFAULT '',
      subject_by TEXT NOT NULL DEFAULT ''
    ) STRICT;
    INSERT INTO jabber_rooms (name, standing, created) VALUES ('everyone', 1, CAST(strftime('%s', 'now') AS INTEGER));

    CREATE TABLE jabber_room_affiliations (
      room TEXT NOT NULL REFERENCES jabber_rooms (name) ON DELETE CASCADE,
      name TEXT NOT NULL COLLATE NOCASE,
      affiliation TEXT NOT NULL CHECK (affiliation IN ('owner', 'admin', 'member', 'outcast')),
      PRIMARY KEY (room, name)
    ) STRICT;
    CREATE INDEX jabber_room_affiliations_by_name ON jabber_room_affiliations (name);

    CREATE TABLE jabber_room_history (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      room TEXT NOT NULL REFERENCES jabber_rooms (name) ON DELETE CASCADE,
      sender TEXT NOT NULL,
      stanza TEXT NOT NULL,
      stored INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX jabber_room_history_by_room ON jabber_room_history (room, id);
    """

  /// HTTP upload slots (XEP-0363) in.jabberd granted: who, the file's name, size and type, and
  /// until when in.www accepts and serves it, for each user's quota and for slugctl
  /// (Store+JabberUploads.swift). in.www reads none of it: the slot's URL carries what it needs.
  static let version14 = """
    CREATE TABLE jabber_uploads (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL COLLATE NOCASE,
      file_name TEXT NOT NULL,
      size INTEGER NOT NULL CHECK (size >= 0),
      content_type TEXT NOT NULL,
      created INTEGER NOT NULL,
      expiry INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX jabber_uploads_by_name ON jabber_uploads (name, expiry);
    CREATE INDEX jabber_uploads_by_expiry ON jabber_uploads (expiry);
    """

  /// Rooms' messages join the message archive (XEP-0313 on a room JID): a room's row has
  /// `room` set, no recipient, both `_keeps` at 1 (the room keeps it, whoever leaves), and the
  /// sender's `nick` in the room (for a query's `with` of ROOM@conference.DOMAIN/NICK). The
  /// rows of `jabber_room_history` move over (their uid the time, then random bits, as any;
  /// their sender the bare JID's local part; `xmlns='jabber:client'` added to the stanza,
  /// which a result forwards; no nick, which the old table did not keep) and it goes. A room
  /// may have a password (XEP-0045 §10.2; empty: none).
  static let version15 = """
    ALTER TABLE jabber_rooms ADD COLUMN password TEXT NOT NULL DEFAULT '';
    ALTER TABLE jabber_archive ADD COLUMN nick TEXT;
    INSERT INTO jabber_archive (uid, stamp, sender, sender_resource, room, sender_keeps, recipient_keeps, stanza)
      SELECT printf('%012x', stored * 1000) || lower(hex(randomblob(4))), stored * 1000,
        CASE WHEN instr(sender, '@') > 0 THEN substr(sender, 1, instr(sender, '@') - 1) ELSE sender END, '', room, 1, 1,
        CASE WHEN stanza LIKE '<message%' AND instr(substr(stanza, 1, instr(stanza, '>')), 'xmlns=') = 0
          THEN '<message xmlns=''jabber:client''' || substr(stanza, 9) ELSE stanza END
      FROM jabber_room_history ORDER BY id;
    DROP TABLE jabber_room_history;
    """

  /// Each jabber user's block list (XEP-0191, Store+JabberBlocking.swift): the addresses whose
  /// stanzas in.jabberd does not deliver to the user and to which the user may not send.
  static let version16 = """
    CREATE TABLE jabber_blocks (
      name TEXT NOT NULL COLLATE NOCASE,
      jid TEXT NOT NULL,
      PRIMARY KEY (name, jid)
    ) STRICT;
    """
}
