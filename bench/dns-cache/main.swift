// bench/dns-cache: lookups per second of the shared cache in one process, built by
// bench/dns-cache/run together with Sources/Text and Sources/Services/DNS. The floor the
// forwarder builds on: a query's bytes to the answer's, for a hit and a miss, against the
// same for a local name answered from the Zone (what in.dns does for every LAN name today).
import CLibc
import Glibc

let hosts = 10000
let rounds = 3
let iterations = getenv("ITERATIONS").flatMap { Int(String(cString: $0)) } ?? 300_000

func seconds() -> Double {
  var time = timespec()
  clock_gettime(CLOCK_MONOTONIC, &time)
  return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

func query(_ name: String, id: UInt16) -> [UInt8] {
  var message: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xFF), 1, 0, 0, 1, 0, 0, 0, 0, 0, 1]
  message += DomainName.encode(name, lowercased: false)! + [0, 1, 0, 1]
  return message + [0, 0, 41, 4, 208, 0, 0, 0, 0, 0, 0]
}

func answer(to query: [UInt8], last: UInt8) -> [UInt8] {
  var response = Array(query[0..<(query.count - 11)])
  response[2] = 0x81
  response[3] = 0x80
  response[7] = 1
  response[11] = 0
  return response + [0xC0, 12, 0, 1, 0, 1, 0, 0, 0x0E, 0x10, 0, 4, 192, 0, 2, last]
}

/// The best of `rounds` runs of `iterations` calls of `body`, in calls per second.
func rate(_ body: (Int) -> Void) -> Double {
  var best = 0.0
  for _ in 0..<rounds {
    let start = seconds()
    for index in 0..<iterations { body(index) }
    best = max(best, Double(iterations) / (seconds() - start))
  }
  return best
}

let name = "/slug-dns-bench-\(getpid())"
guard let cache = DNSCache.open(name: name, bytes: DNSCache.defaultBytes) else {
  print("bench: no cache (\(slug_errno()))")
  exit(71)
}
// Mapped, the object needs no name: nothing is left behind however the run ends.
shm_unlink(name)
let now = DNSCache.now()
let hits = (0..<hosts).map { query("host\($0).example.org", id: UInt16($0 & 0xFFFF)) }
let misses = (0..<hosts).map { query("nohost\($0).example.org", id: UInt16($0 & 0xFFFF)) }
for (index, asked) in hits.enumerated() {
  cache.insert(question: CacheKey(message: asked[...])!, response: answer(to: asked, last: UInt8(index % 250)), now: now)
}
var zone = Zone(ttl: 60, localDomains: ["home"], serverName: "slug.home")
for index in 0..<hosts { zone.add(name: "host\(index).home", ipv4: 0x0A01_0000 + UInt32(index)) }
let local = (0..<hosts).map { query("host\($0).home", id: UInt16($0 & 0xFFFF)) }

var served = 0
let hitRate = rate { index in
  let asked = hits[index % hosts]
  guard let key = CacheKey(message: asked[...]), var response = cache.lookup(question: key, now: now) else { return }
  response[0] = asked[0]
  response[1] = asked[1]
  served += 1
}
let missRate = rate { index in
  let asked = misses[index % hosts]
  if let key = CacheKey(message: asked[...]), cache.lookup(question: key, now: now) != nil { served -= 1 }
}
var reply: [UInt8] = []
let localRate = rate { index in
  if Responder.respond(to: local[index % hosts][...], zone: zone, transport: .udp(maximum: 1232), into: &reply) {
    served += 1
  }
}
guard served == 2 * rounds * iterations, let statistics = cache.statistics() else {
  print("bench: a hit was missed or a miss hit (\(served))")
  exit(70)
}
func thousands(_ value: Double) -> String { "\(Int(value / 1000))k/s" }
func ratio(_ value: Double) -> String { "\(Int(value / localRate * 100))%" }
print("cache hit  (query bytes -> key -> lookup -> answer)  \(thousands(hitRate))  \(ratio(hitRate)) of a local answer")
print("cache miss (query bytes -> key -> lookup)            \(thousands(missRate))  \(ratio(missRate)) of a local answer")
print("local name (Responder, \(hosts) hosts)                  \(thousands(localRate))")
print("entries \(statistics.entries), lookups \(statistics.lookups), hits \(statistics.hits)")
