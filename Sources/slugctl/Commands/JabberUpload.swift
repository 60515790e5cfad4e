import CLibc

#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Store
#endif

extension Slugctl.Jabber {
  enum Upload {
    static let command = Command(
      "upload",
      abstract: "Show or set what in.jabberd's file sharing (XEP-0363) accepts.",
      discussion: """
        in.jabberd offers HTTP File Upload at upload.DOMAIN once `slugctl init` has made the \
        upload secret (upload.key beside the store): a client asks for a slot, in.jabberd records \
        it and answers with an HTTPS URL signed with the secret, and in.www (the https service) \
        takes one PUT of exactly the size asked for, then serves the file until it expires. The \
        files are kept in upload/ beside the store. Without an option, prints the settings; \
        changing one also removes expired uploads. Defaults: 104857600 bytes (100 MB) a file, \
        30 days, a quota of 1073741824 bytes (1 GB) a user, and the URL https://DOMAIN (give \
        --url when in.www is reached on another name or port).
        """,
      parameters: [
        .db,
        .option("max-size", value: "bytes", help: "The largest file a slot is granted for."),
        .option("days", value: "n", help: "Days an upload is kept (and its slot valid)."),
        .option("quota", value: "bytes", help: "Bytes of unexpired uploads each user may hold."),
        .option("url", value: "url", help: "Where clients reach in.www, as https://HOST[:PORT]."),
        .flag("default", help: "Every setting back to its default."),
      ],
      subcommands: [List.command, Remove.command],
      run: run)

    private static func run(_ invocation: Invocation) throws(Failure) {
      let opened = try attempt { () throws(StoreError) in try invocation.openStore() }
      let given = ["max-size", "days", "quota", "url"].filter { invocation.optional($0) != nil }
      if invocation.flag("default") {
        guard given.isEmpty else { throw Failure.usage("give --default alone") }
        try attempt { () throws(StoreError) in
          for key in [
            SettingKey.jabberUploadMaximumSize, SettingKey.jabberUploadDays, SettingKey.jabberUploadQuota,
            SettingKey.jabberUploadURL,
          ] {
            try opened.setSetting(key, nil)
          }
        }
        return expire(opened)
      }
      guard !given.isEmpty else {
        let settings = try attempt { () throws(StoreError) in try opened.jabberUploadSettings() }
        Console.current.print(
          "max-size \(settings.maximumSize)\ndays \(settings.days)\nquota \(settings.quota)\nurl \(settings.baseURL ?? "https://DOMAIN")")
        return
      }
      func number(_ name: String, in range: ClosedRange<Int64>) throws(Failure) -> String? {
        guard let text = invocation.optional(name) else { return nil }
        guard let value = Int64(text), range.contains(value) else {
          throw Failure.usage("--\(name) needs a whole number from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
        }
        return String(value)
      }
      let size = try number("max-size", in: 0...Store.maximumJabberUploadSize)
      let days = try number("days", in: 1...Store.maximumJabberUploadDays)
      let quota = try number("quota", in: 0...Store.maximumJabberUploadSize)
      let url = invocation.optional("url")
      if let url {
        // It is put in front of the slot's path as it is: a scheme and a host, nothing after.
        let rest = url.utf8.dropFirst("https://".utf8.count)
        guard url.hasPrefix("https://"), !rest.isEmpty, !rest.contains(where: { $0 <= 0x20 || $0 >= 0x7F || $0 == 0x27 || $0 == 0x22 || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") })
        else { throw Failure.usage("--url needs https://HOST or https://HOST:PORT, not '\(url)'") }
      }
      try attempt { () throws(StoreError) in
        if let size { try opened.setSetting(SettingKey.jabberUploadMaximumSize, size) }
        if let days { try opened.setSetting(SettingKey.jabberUploadDays, days) }
        if let quota { try opened.setSetting(SettingKey.jabberUploadQuota, quota) }
        if let url { try opened.setSetting(SettingKey.jabberUploadURL, url) }
      }
      expire(opened)
    }

    /// Expired uploads' rows and files go now.
    static func expire(_ store: Store) {
      guard let expired = try? store.expireJabberUploads(now: Int64(time(nil))) else { return }
      for upload in expired { UploadFiles.removeExpired(upload, beside: store.path) }
    }
  }
}

extension Slugctl.Jabber.Upload {
  enum List {
    static let command = Command(
      "list", abstract: "List the upload slots granted (id, user, size, type, expiry, file name).",
      parameters: [.db, .json, .option("user", value: "name", help: "Only this user's uploads.")],
      run: { (invocation) throws(Failure) in
        let uploads = try attempt { () throws(StoreError) in try invocation.openStore().jabberUploads(of: invocation.optional("user")) }
        if invocation.json {
          Console.current.print(
            JSON.list(
              uploads.map { upload in
                .object([
                  ("id", .string(upload.id)), ("user", .string(upload.user)), ("file_name", .string(upload.fileName)),
                  ("size", .integer(upload.size)), ("content_type", .string(upload.contentType)),
                  ("created", .integer(upload.created)), ("expiry", .integer(upload.expiry)),
                ])
              }))
        } else {
          Console.current.print(
            Table.render(
              header: ["ID", "USER", "SIZE", "TYPE", "EXPIRES", "NAME"],
              rows: uploads.map { upload in
                [upload.id, upload.user, String(upload.size), upload.contentType, Certificate.date(upload.expiry), upload.fileName]
              }))
        }
      })
  }

  enum Remove {
    static let command = Command(
      "rm", abstract: "Remove an upload: its file goes, and its URL answers 404 from then on.",
      parameters: [.db, .argument("id", help: "The upload's id (slugctl jabber upload list).")],
      run: { (invocation) throws(Failure) in
        let opened = try attempt { () throws(StoreError) in try invocation.openStore() }
        let upload = try attempt { () throws(StoreError) in try opened.removeJabberUpload(id: invocation["id"]) }
        UploadFiles.remove(upload, beside: opened.path)
      })
  }
}
