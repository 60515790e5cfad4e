/// HTTP upload slots (XEP-0363, schema version 14). in.jabberd records each slot it grants, so
/// a user's quota holds and slugctl can list and remove them; in.www never reads this table
/// (the slot's URL is signed: Crypto's UploadToken). Rows past their expiry are deleted by the
/// next slot request and by `slugctl jabber upload`.
public struct JabberUpload: Equatable, Sendable {
  /// 32 hex digits, as in the URL.
  public var id: String
  /// The account that asked (as stored).
  public var user: String
  /// The client's name for the file, only ever shown (never a path).
  public var fileName: String
  public var size: Int64
  public var contentType: String
  /// Unix times (s).
  public var created: Int64
  public var expiry: Int64

  public init(id: String, user: String, fileName: String, size: Int64, contentType: String, created: Int64, expiry: Int64) {
    self.id = id
    self.user = user
    self.fileName = fileName
    self.size = size
    self.contentType = contentType
    self.created = created
    self.expiry = expiry
  }

  /// The file in the upload directory (the same as UploadToken's).
  public var storedName: String { String(expiry) + "-" + id }
}

/// What slots in.jabberd grants; each a setting, absent for its default.
public struct JabberUploadSettings: Equatable, Sendable {
  /// Bytes per file.
  public var maximumSize: Int64
  /// Days a file is kept (and its PUT accepted) after the slot is granted.
  public var days: Int64
  /// Bytes of unexpired uploads per user.
  public var quota: Int64
  /// Where in.www is, as clients reach it (`https://host:port`); nil: `https://DOMAIN`.
  public var baseURL: String?

  public static let defaults = JabberUploadSettings(maximumSize: 100 << 20, days: 30, quota: 1 << 30, baseURL: nil)

  public init(maximumSize: Int64, days: Int64, quota: Int64, baseURL: String?) {
    self.maximumSize = maximumSize
    self.days = days
    self.quota = quota
    self.baseURL = baseURL
  }
}

extension SettingKey {
  public static let jabberUploadMaximumSize = "jabber_upload_max_size"
  public static let jabberUploadDays = "jabber_upload_days"
  public static let jabberUploadQuota = "jabber_upload_quota"
  public static let jabberUploadURL = "jabber_upload_url"
}

extension Store {
  /// Unexpired slots one user may hold, whatever their sizes (a flood of empty files).
  public static let maximumJabberUploadsPerUser = 1000
  /// The largest file, days and quota an administrator may set.
  public static let maximumJabberUploadSize: Int64 = 1 << 40
  public static let maximumJabberUploadDays: Int64 = 3650
  /// Expired rows deleted by one slot request: the work stays bounded however many expired.
  static let jabberUploadSweep = 1000

  public func jabberUploadSettings() throws(StoreError) -> JabberUploadSettings {
    let defaults = JabberUploadSettings.defaults
    return JabberUploadSettings(
      maximumSize: try integerSetting(SettingKey.jabberUploadMaximumSize) ?? defaults.maximumSize,
      days: try integerSetting(SettingKey.jabberUploadDays) ?? defaults.days,
      quota: try integerSetting(SettingKey.jabberUploadQuota) ?? defaults.quota,
      baseURL: try setting(SettingKey.jabberUploadURL))
  }

  /// Records a slot for `upload.user`, after deleting expired rows; refused (`.invalid`) when
  /// the user's unexpired uploads would pass `quota` bytes or the count limit, `.notFound`
  /// when the account does not exist.
  public func addJabberUpload(_ upload: JabberUpload, quota: Int64, now: Int64) throws(StoreError) {
    try transaction { () throws(StoreError) in
      guard let user = try jabberAccount(named: upload.user) else { throw .notFound("no jabber user '\(upload.user)'") }
      try database.run(
        "DELETE FROM jabber_uploads WHERE id IN (SELECT id FROM jabber_uploads WHERE expiry <= ? ORDER BY expiry LIMIT ?)",
        .integer(now), .integer(Int64(Self.jabberUploadSweep)))
      let (count, bytes) =
        try database.row(
          "SELECT count(*), ifnull(sum(size), 0) FROM jabber_uploads WHERE name = ? AND expiry > ?", .text(user.name),
          .integer(now)
        ) { ($0.int(0), $0.int(1)) } ?? (0, 0)
      guard count < Self.maximumJabberUploadsPerUser else {
        throw .invalid("jabber user '\(user.name)' has \(count) uploads, the most one may hold")
      }
      guard bytes + upload.size <= quota else {
        throw .invalid("jabber user '\(user.name)' would pass the upload quota (\(bytes) of \(quota) bytes used)")
      }
      try database.run(
        "INSERT INTO jabber_uploads (id, name, file_name, size, content_type, created, expiry) VALUES (?, ?, ?, ?, ?, ?, ?)",
        .text(upload.id), .text(user.name), .text(upload.fileName), .integer(upload.size), .text(upload.contentType),
        .integer(upload.created), .integer(upload.expiry))
    }
  }

  /// Every slot recorded (one user's when named), oldest first.
  public func jabberUploads(of user: String? = nil) throws(StoreError) -> [JabberUpload] {
    let columns = "SELECT id, name, file_name, size, content_type, created, expiry FROM jabber_uploads"
    let map = { (row: Row) in
      JabberUpload(
        id: row.text(0), user: row.text(1), fileName: row.text(2), size: row.int(3), contentType: row.text(4),
        created: row.int(5), expiry: row.int(6))
    }
    if let user {
      return try database.rows(columns + " WHERE name = ? ORDER BY created, id", .text(user), map: map)
    }
    return try database.rows(columns + " ORDER BY created, id", map: map)
  }

  /// Deletes one slot's row and returns it (for its file), `.notFound` when there is none.
  public func removeJabberUpload(id: String) throws(StoreError) -> JabberUpload {
    try transaction { () throws(StoreError) in
      guard let upload = try jabberUploads().first(where: { $0.id == id }) else { throw .notFound("no upload '\(id)'") }
      try database.run("DELETE FROM jabber_uploads WHERE id = ?", .text(id))
      return upload
    }
  }

  /// Deletes every expired slot's row and returns them (for their files).
  public func expireJabberUploads(now: Int64) throws(StoreError) -> [JabberUpload] {
    try transaction { () throws(StoreError) in
      let expired = try jabberUploads().filter { $0.expiry <= now }
      try database.run("DELETE FROM jabber_uploads WHERE expiry <= ?", .integer(now))
      return expired
    }
  }
}
