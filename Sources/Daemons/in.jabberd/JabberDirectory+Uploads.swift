/// XEP-0363 slots: recorded in the store (Store+JabberUploads.swift) and signed with the upload
/// secret beside it (Runtime's UploadSecret, Crypto's UploadToken), so in.www can check a PUT
/// or GET without the store. No store or no secret: no upload service.
extension JabberDirectory {
  var uploadSecretPath: String? {
    guard let databasePath else { return nil }
    return FilePath.sibling(UploadSecret.fileName, of: databasePath)
  }

  func uploadLimits() -> SessionUploadLimits? {
    guard let uploadSecretPath, UploadSecret.read(uploadSecretPath) != nil, let store = openStore() else { return nil }
    return logging { () throws(StoreError) in SessionUploadLimits(maximumSize: try store.jabberUploadSettings().maximumSize) }
  }

  func grantUpload(_ request: SessionUploadRequest, now: Int64) -> SessionUploadGrant {
    guard let uploadSecretPath, let key = UploadSecret.read(uploadSecretPath), let store = openStore(),
      let settings = logging({ () throws(StoreError) in try store.jabberUploadSettings() })
    else { return .unavailable }
    let seconds = now / 1000
    let token = UploadToken(
      id: Hex.lowercase(Random.bytes(16)), expiry: seconds + settings.days * 86400, size: request.size,
      contentType: request.contentType, fileName: request.fileName)
    let upload = JabberUpload(
      id: token.id, user: request.user, fileName: request.fileName, size: request.size, contentType: request.contentType,
      created: seconds, expiry: token.expiry)
    do throws(StoreError) {
      try store.addJabberUpload(upload, quota: settings.quota, now: seconds)
    } catch {
      return outcome(of: error) == .full ? .quota : .unavailable
    }
    var base = settings.baseURL ?? ("https://" + request.domain)
    while base.utf8.last == UInt8(ascii: "/") { base = String(decoding: base.utf8.dropLast(), as: UTF8.self) }
    let url = base + token.path(key: key)
    log.info("upload slot \(token.id) for \(request.user): \(request.size) bytes")
    return .slot(put: url, get: url)
  }
}
