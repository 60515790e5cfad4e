/// The message archive (XEP-0313) in the store. A failure is logged and costs the archive
/// that message or that answer, never a delivery.
extension JabberDirectory {
  /// Applies the retention (a bounded batch of expired rows); false when nothing is archived
  /// (no store, or a retention of 0 days).
  func openArchive(of user: String, now: Int64) -> Bool {
    guard let store = openStore() else { return false }
    do throws(StoreError) {
      try store.expireJabberArchive(now: now)
      return try store.jabberArchiveDays() > 0
    } catch {
      log.error("store: \(error.description)")
      return false
    }
  }

  /// Queues the row: the poll loop writes what is queued once `archiveDue` has come (the
  /// process was quiet for `archiveQuietMilliseconds`, or the first row waited
  /// `archiveDelayMilliseconds`), or at once when `archiveBatch` rows wait (JabberServer).
  /// Writing costs a busy process more than relaying a message: a conversation's rows go in
  /// one transaction when it pauses, not one each between two deliveries.
  func archive(_ entry: SessionArchiveEntry) {
    if pendingArchive.isEmpty { archiveDeadline = .after(milliseconds: JabberDirectory.archiveDelayMilliseconds) }
    archiveDue = min(.after(milliseconds: JabberDirectory.archiveQuietMilliseconds), archiveDeadline)
    pendingArchive.append(entry)
    if pendingArchive.count >= JabberDirectory.archiveBatch { writeArchive() }
  }

  /// Writes the queued rows in one transaction. A row the store refuses is logged and
  /// dropped; the others are still written.
  func writeArchive() {
    let entries = pendingArchive
    pendingArchive = []
    archiveDue = nil
    guard !entries.isEmpty, let store = openStore() else { return }
    do throws(StoreError) {
      try store.archiveJabberMessages(
        entries.map {
          JabberArchivedMessage(
            uid: $0.id, stamp: $0.stamp, sender: $0.sender, senderResource: $0.senderResource,
            recipient: $0.recipient, recipientResource: $0.recipientResource, stanza: $0.stanza)
        }, refused: { (message, error) in log.error("store: archive \(message.uid): \(error.description)") })
    } catch {
      log.error("store: archive: \(error.description)")
    }
  }

  func archive(_ query: SessionArchiveQuery, now: Int64) -> SessionArchiveAnswer {
    // What this process routed is in the answer, as its client expects.
    writeArchive()
    guard let store = openStore() else { return .unavailable }
    let page: JabberArchiveQuery.Page
    switch query.paging {
    case .forward(let after, let offset): page = .forward(after: after, offset: offset)
    case .backward(let before): page = .backward(before: before)
    }
    do throws(StoreError) {
      let found = try store.jabberArchive(
        JabberArchiveQuery(
          owner: query.owner, room: query.room, with: query.with, withResource: query.withResource,
          withNick: query.withNick, start: query.start, end: query.end,
          afterUID: query.afterID, beforeUID: query.beforeID, uids: query.ids, page: page, limit: query.limit),
        now: now)
      return .page(
        SessionArchivePage(
          messages: found.messages.map {
            SessionArchiveEntry(
              id: $0.uid, stamp: $0.stamp, sender: $0.sender, senderResource: $0.senderResource,
              recipient: $0.recipient ?? "", recipientResource: $0.recipientResource, stanza: $0.stanza)
          }, count: found.count, firstIndex: found.firstIndex, complete: found.complete))
    } catch {
      if case .notFound = error { return .itemNotFound }
      log.error("store: archive: \(error.description)")
      return .unavailable
    }
  }

  func archiveDefault(of user: String) -> SessionArchiveDefault? {
    guard let store = openStore() else { return nil }
    do throws(StoreError) {
      return SessionArchiveDefault(rawValue: try store.jabberArchiveDefault(of: user))
    } catch {
      log.error("store: \(error.description)")
      return nil
    }
  }

  func setArchiveDefault(_ mode: SessionArchiveDefault, of user: String) -> SessionStoreOutcome {
    guard let store = openStore() else { return .unavailable }
    do throws(StoreError) {
      try store.setJabberArchiveDefault(of: user, mode.rawValue)
      return .done
    } catch {
      return outcome(of: error)
    }
  }
}
