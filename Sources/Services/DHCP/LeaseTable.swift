#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Model
#endif

public struct DHCPLease: Equatable, Sendable {
  public var address: UInt32
  public var client: DHCPClient
  public var hostname: String?
  public var start: Int64
  public var expiry: Int64
  public var state: LeaseState

  public init(
    address: UInt32, client: DHCPClient, hostname: String? = nil, start: Int64, expiry: Int64,
    state: LeaseState
  ) {
    self.address = address
    self.client = client
    self.hostname = hostname
    self.start = start
    self.expiry = expiry
    self.state = state
  }

  /// Whether the address is spoken for at NOW: an unexpired offer or lease, or a decline
  /// still in quarantine.
  public func holds(at now: Int64) -> Bool {
    switch state {
    case .offered, .active, .declined: expiry > now
    case .released, .expired: false
    }
  }
}

/// The leases of one interface, by address and by client, and where the next never-used
/// pool address may be.
public struct LeaseTable: Sendable {
  public private(set) var byAddress: [UInt32: DHCPLease] = [:]
  private var byClient: [[UInt8]: UInt32] = [:]
  /// The addresses whose lease has each name.
  private var byName: [String: [UInt32]] = [:]
  /// Every pool address before this one has had a lease, so the search for a fresh address
  /// starts here (leases are never forgotten, only change state).
  private var freshSearchStart: (pool: Int, address: UInt32)?

  public init(_ leases: [DHCPLease] = []) {
    for lease in leases.sorted(by: { $0.start < $1.start }) { put(lease) }
  }

  public func lease(at address: UInt32) -> DHCPLease? { byAddress[address] }

  /// The client's lease (the one it was last given), whatever its state.
  public func lease(of client: DHCPClient) -> DHCPLease? {
    guard let address = byClient[client.key], let lease = byAddress[address], lease.client == client
    else { return nil }
    return lease
  }

  /// Records LEASE, replacing whatever the table had for its address. A declined lease
  /// belongs to nobody: it no longer counts as its client's.
  public mutating func put(_ lease: DHCPLease) {
    if let previous = byAddress[lease.address] {
      if byClient[previous.client.key] == lease.address { byClient[previous.client.key] = nil }
      if let name = previous.hostname { byName[name]?.removeAll { $0 == lease.address } }
    }
    byAddress[lease.address] = lease
    if let name = lease.hostname { byName[name, default: []].append(lease.address) }
    if lease.state != .declined { byClient[lease.client.key] = lease.address }
  }

  /// Whether a client other than CLIENT has an offer or a lease named NAME at NOW.
  public func holdsName(_ name: String, otherThan client: DHCPClient, at now: Int64) -> Bool {
    byName[name]?.contains { address in
      guard let lease = byAddress[address], lease.client != client else { return false }
      return (lease.state == .active || lease.state == .offered) && lease.holds(at: now)
    } ?? false
  }

  /// Whether CLIENT may have ADDRESS at NOW as far as other leases go: nobody else holds it.
  public func isFree(_ address: UInt32, for client: DHCPClient, at now: Int64) -> Bool {
    guard let lease = byAddress[address] else { return true }
    if lease.client == client && lease.state != .declined { return true }
    return !lease.holds(at: now)
  }

  /// A pool address for a new client: one never leased if there is one, else the one whose
  /// lease lapsed longest ago; nil when every address is held. `excluded` says which
  /// addresses are not the pool's to give (fixed hosts, the server itself).
  public mutating func allocate(
    from pools: [ClosedRange<UInt32>], at now: Int64, excluded: (UInt32) -> Bool
  ) -> UInt32? {
    if let fresh = freshAddress(from: pools, excluded: excluded) { return fresh }
    var best: DHCPLease?
    for pool in pools {
      for address in pool where !excluded(address) {
        guard let lease = byAddress[address], !lease.holds(at: now) else { continue }
        if let chosen = best, chosen.expiry <= lease.expiry { continue }
        best = lease
      }
    }
    return best?.address
  }

  private mutating func freshAddress(from pools: [ClosedRange<UInt32>], excluded: (UInt32) -> Bool) -> UInt32? {
    var position = freshSearchStart ?? (0, pools.first?.lowerBound ?? 0)
    while position.pool < pools.count {
      let pool = pools[position.pool]
      var address = max(position.address, pool.lowerBound)
      while address <= pool.upperBound {
        if byAddress[address] == nil && !excluded(address) {
          freshSearchStart = (position.pool, address)
          return address
        }
        if address == UInt32.max { break }
        address += 1
      }
      position = (position.pool + 1, position.pool + 1 < pools.count ? pools[position.pool + 1].lowerBound : 0)
    }
    freshSearchStart = position
    return nil
  }
}
