/// XEP-0352 client state indication: a phone whose screen is off says `<inactive/>`, and the
/// server holds back what it does not need at once. Presence is held (the latest of each
/// sender) until `<active/>`; messages go through as ever. Peers are told, so that they do not
/// put presence in this session's stream queue meanwhile (XEP-0198).
extension Session {
  mutating func clientState(_ element: XMLElement) {
    switch element.name {
    case "inactive":
      guard !inactive else { return }
      inactive = true
    case "active":
      guard inactive else { return }
      inactive = false
      let held = heldPresence
      heldPresence = []
      for presence in held { write(presence.xml) }
    default:
      return
    }
    saveResumptionState()
    actions.append(.meshBroadcast(SessionMeshMessage.state(meshState).bytes))
  }
}
