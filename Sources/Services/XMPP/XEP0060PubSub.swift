#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// XEP-0060 publish-subscribe as personal eventing (XEP-0163) needs it: nodes on a user's bare
/// JID, their configuration (pubsub#node_config, also given as publish-options), items, and the
/// errors of §7 and §8. The requests are answered in XEP0060PubSubRequests.swift, the
/// notifications sent in XEP0163PEP.swift.
public enum PubSubNamespace {
  public static let pubsub = "http://jabber.org/protocol/pubsub"
  public static let owner = "http://jabber.org/protocol/pubsub#owner"
  public static let event = "http://jabber.org/protocol/pubsub#event"
  public static let errors = "http://jabber.org/protocol/pubsub#errors"
  public static let nodeConfig = "http://jabber.org/protocol/pubsub#node_config"
  public static let publishOptions = "http://jabber.org/protocol/pubsub#publish-options"
  public static let dataForms = "jabber:x:data"
}

/// A node's configuration (XEP-0060 §16.4), what this server lets a client choose.
public struct PEPConfiguration: Equatable, Sendable {
  public enum AccessModel: String, CaseIterable, Sendable {
    /// Anyone.
    case open
    /// Those subscribed to the owner's presence, and those in the owner's roster: every account
    /// of this server, since everyone is everyone's buddy.
    case presence, roster
    /// The owner only (nobody is ever added to the list).
    case whitelist
  }
  public static let sendLastPublishedItemValues = ["never", "on_sub", "on_sub_and_presence"]
  /// What "max" items means: the most the store keeps in a node.
  public static let maximumItems = 256

  public var accessModel = AccessModel.presence
  public var persistItems = true
  /// nil: "max".
  public var maxItems: Int? = 1
  public var sendLastPublishedItem = "on_sub_and_presence"
  public var notifyRetract = true

  public init(
    accessModel: AccessModel = .presence, persistItems: Bool = true, maxItems: Int? = 1,
    sendLastPublishedItem: String = "on_sub_and_presence", notifyRetract: Bool = true
  ) {
    self.accessModel = accessModel
    self.persistItems = persistItems
    self.maxItems = maxItems
    self.sendLastPublishedItem = sendLastPublishedItem
    self.notifyRetract = notifyRetract
  }

  /// The fields of a submitted form applied; nil when one it sets has a value not supported
  /// (fields this server does not keep are ignored).
  func applying(_ fields: [String: [String]]) -> PEPConfiguration? {
    var result = self
    for (name, values) in fields {
      let value = values.first ?? ""
      switch name {
      case "pubsub#access_model":
        guard let model = AccessModel(rawValue: value) else { return nil }
        result.accessModel = model
      case "pubsub#persist_items":
        guard let flag = PEPConfiguration.boolean(value) else { return nil }
        result.persistItems = flag
      case "pubsub#max_items":
        if value == "max" {
          result.maxItems = nil
        } else {
          guard let number = Int(value), number >= 1, number <= PEPConfiguration.maximumItems else { return nil }
          result.maxItems = number
        }
      case "pubsub#send_last_published_item":
        guard PEPConfiguration.sendLastPublishedItemValues.contains(value) else { return nil }
        result.sendLastPublishedItem = value
      case "pubsub#notify_retract":
        guard let flag = PEPConfiguration.boolean(value) else { return nil }
        result.notifyRetract = flag
      default:
        continue
      }
    }
    return result
  }

  /// XEP-0060 §7.1.5: publish-options are preconditions on an existing node; true when every
  /// option given is what the node has (an option it cannot have never is).
  func satisfies(_ fields: [String: [String]]) -> Bool {
    applying(fields) == self
  }

  /// xs:boolean.
  static func boolean(_ text: String) -> Bool? {
    switch text {
    case "1", "true": true
    case "0", "false": false
    default: nil
    }
  }

  /// The configuration as a data form (`type` form for a configure get, result elsewhere).
  func form(type: String = "form") -> String {
    func field(_ name: String, _ kind: String, _ value: String, options: [String] = []) -> String {
      "<field var='" + name + "' type='" + kind + "'>"
        + options.map { "<option><value>" + $0 + "</value></option>" }.joined() + "<value>" + value + "</value></field>"
    }
    return "<x xmlns='" + PubSubNamespace.dataForms + "' type='" + type + "'><field var='FORM_TYPE' type='hidden'><value>"
      + PubSubNamespace.nodeConfig + "</value></field>"
      + field("pubsub#access_model", "list-single", accessModel.rawValue, options: AccessModel.allCases.map { $0.rawValue })
      + field("pubsub#persist_items", "boolean", persistItems ? "1" : "0")
      + field("pubsub#max_items", "text-single", maxItems.map { "\($0)" } ?? "max")
      + field(
        "pubsub#send_last_published_item", "list-single", sendLastPublishedItem,
        options: PEPConfiguration.sendLastPublishedItemValues)
      + field("pubsub#notify_retract", "boolean", notifyRetract ? "1" : "0") + "</x>"
  }

  /// A data form's fields by name (the FORM_TYPE left out); nil when it is not a submitted form.
  static func fields(of form: XMLElement) -> [String: [String]]? {
    guard form.name == "x", form.namespace == PubSubNamespace.dataForms,
      form.attribute("type") == "submit" || form.attribute("type") == nil
    else { return nil }
    var fields: [String: [String]] = [:]
    for field in form.elements where field.name == "field" {
      guard let name = field.attribute("var"), name != "FORM_TYPE" else { continue }
      fields[name] = field.elements.filter { $0.name == "value" }.map { $0.text }
    }
    return fields
  }
}

public struct PEPNode: Equatable, Sendable {
  public var name: String
  public var configuration: PEPConfiguration

  public init(name: String, configuration: PEPConfiguration) {
    self.name = name
    self.configuration = configuration
  }
}

public struct PEPItem: Equatable, Sendable {
  public var id: String
  /// The payload element, serialised with its namespace declared.
  public var payload: String
  /// Unix time (seconds) it was published.
  public var published: Int64

  public init(id: String, payload: String, published: Int64) {
    self.id = id
    self.payload = payload
    self.published = published
  }

  /// `<item id='…'>payload</item>`.
  var xml: String { "<item" + StanzaText.attribute("id", id) + ">" + payload + "</item>" }
}

/// The newest item of a node, as a client that comes online is sent it.
public struct PEPLastItem: Equatable, Sendable {
  public var owner: String
  public var node: PEPNode
  public var item: PEPItem

  public init(owner: String, node: PEPNode, item: PEPItem) {
    self.owner = owner
    self.node = node
    self.item = item
  }
}

public enum PEPOutcome: Equatable, Sendable {
  case done
  /// No such node or item.
  case notFound
  /// A limit of the store is reached: resource-constraint.
  case full
  /// No store, or it failed: service-unavailable.
  case unavailable
}

extension Session {
  /// An error to the client's iq with a pubsub-specific condition beside the general one
  /// (XEP-0060 §7.1.3, §7.2.3, §6.5.9).
  mutating func pubSubError(_ iq: XMLElement, _ condition: String, _ specific: String? = nil, feature: String? = nil) {
    guard let jid else { return }
    let type = condition == "conflict" ? "cancel" : StanzaText.errorType(of: condition)
    var error = "<error type='" + type + "'><" + condition + " xmlns='" + StanzaNamespace.stanzaErrors + "'/>"
    if let specific {
      error += "<" + specific + " xmlns='" + PubSubNamespace.errors + "'" + StanzaText.attribute("feature", feature) + "/>"
    }
    write(
      "<iq type='error'" + StanzaText.attribute("id", iq.attribute("id")) + StanzaText.attribute("from", iq.attribute("to"))
        + StanzaText.attribute("to", jid.description) + ">" + error + "</error></iq>")
  }

  /// A result to the client's iq, with `child` if given.
  mutating func pubSubResult(_ iq: XMLElement, _ child: String? = nil) {
    guard let jid else { return }
    let head =
      "<iq type='result'" + StanzaText.attribute("id", iq.attribute("id")) + StanzaText.attribute("from", iq.attribute("to"))
      + StanzaText.attribute("to", jid.description)
    write(child.map { head + ">" + $0 + "</iq>" } ?? head + "/>")
  }

  /// Whether the asking user may see the owner's node: whitelist is the owner alone, every
  /// other model every account of the server (everyone is everyone's buddy).
  func maySee(owner: String, _ configuration: PEPConfiguration) -> Bool {
    guard let jid else { return false }
    return configuration.accessModel != .whitelist || ASCII.lowercased(owner) == jid.local
  }
}
