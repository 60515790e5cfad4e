import CLibc

#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Store
#endif

extension Slugctl.Jabber {
  enum Archive {
    static let command = Command(
      "archive",
      abstract: "Show or set how many days in.jabberd keeps its message archive.",
      discussion: """
        in.jabberd archives every one-to-one message with a body (XEP-0313), once, when it is \
        routed, so each user's clients can page through their history. A message older than the \
        retention is no longer answered, and is deleted: all of them when --days is set, at most \
        1000 at each login after. 0 days archives nothing. Each user's archive keeps about its \
        newest 20000 messages; a stanza over 64 KB is delivered but not archived. Without an \
        option, prints the retention.
        """,
      parameters: [
        .db,
        .option("days", value: "n", help: "Keep archived messages N days (0: archive nothing)."),
        .flag("default", help: "Back to the default, 365 days."),
      ],
      run: { (invocation) throws(Failure) in
        let days = invocation.optional("days")
        let reset = invocation.flag("default")
        if days != nil && reset { throw Failure.usage("give --days N or --default, not both") }
        let opened = try attempt { () throws(StoreError) in try invocation.openStore() }
        if reset { return try attempt { () throws(StoreError) in try opened.setJabberArchiveDays(nil) } }
        guard let days else {
          let kept = try attempt { () throws(StoreError) in try opened.jabberArchiveDays() }
          Console.current.print(kept == 0 ? "0 days: messages are not archived" : "\(kept) days")
          return
        }
        guard let value = Int64(days), (0...Store.maximumArchiveDays).contains(value) else {
          throw Failure.usage("--days needs a whole number from 0 to \(Store.maximumArchiveDays), not '\(days)'")
        }
        try attempt { () throws(StoreError) in
          try opened.setJabberArchiveDays(value)
          // What the new retention no longer keeps goes now, not a batch per login.
          let now = Int64(time(nil)) * 1000
          while try opened.expireJabberArchive(now: now) > 0 {}
        }
      })
  }
}
