#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Crypto
import Runtime
import Store
#endif

/// Says `message` to every process of a store's mesh (in.jabberd's sessions, in.ctcs's
/// connections), proving the store's mesh key as the members do (see PeerMesh): a member hears
/// nothing from a process that cannot read the store. A key that cannot be had is reported
/// and no one is told; the change itself is already committed.
func notifyMesh(of store: Store, service: String, _ message: [UInt8]) {
  let key: [UInt8]
  do throws(StoreError) {
    key = try store.meshKey()
  } catch {
    Console.current.printError("slugctl: cannot tell the running in.\(service) processes: \(error.description)")
    return
  }
  PeerMesh.notifyAll(
    prefix: PeerMesh.prefix(forStorePath: store.path, service: service), message: message,
    key: MeshKey(name: "the store's key") { HMAC.sha256(key: key, message: $0) })
}
