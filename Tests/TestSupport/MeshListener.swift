import Crypto
import Foundation
import Runtime

/// A member of a mesh (PeerMesh) in a thread of its own, holding `key`, for a test that waits
/// on something else meanwhile (a slugctl command run in-process, a page's POST): a notifier
/// waits for the member's proof, so the member must be answering while the test waits. What
/// reaches it is collected; the thread and the mesh end with `stop` (or deinit).
public final class MeshListener: @unchecked Sendable {
  private let lock = NSLock()
  private var received: [String] = []
  private var joined = 0
  private var left = 0
  private var stopping = false
  private let finished = DispatchSemaphore(value: 0)
  private var running = false

  public init(prefix: String, key: [UInt8]) throws {
    let started = DispatchSemaphore(value: 0)
    let failure = Failure()
    let thread = Thread { [self] in
      defer { finished.signal() }
      let mesh: PeerMesh
      do {
        mesh = try PeerMesh(prefix: prefix, key: MeshListener.key(key), log: Log(program: "test", destination: .standardError))
      } catch {
        failure.message = "\(error)"
        started.signal()
        return
      }
      started.signal()
      while !isStopping {
        var descriptors = mesh.pollDescriptors
        _ = poll(&descriptors, nfds_t(descriptors.count), 20)
        for event in mesh.process(descriptors) { record(event) }
      }
    }
    thread.start()
    started.wait()
    if let message = failure.message {
      finished.wait()
      throw MeshListenerError(description: "cannot join the mesh \(prefix): \(message)")
    }
    running = true
  }

  deinit { stop() }

  /// MeshKey for KEY as the daemons make it: HMAC-SHA-256.
  public static func key(_ key: [UInt8]) -> MeshKey {
    MeshKey(name: "the test key") { HMAC.sha256(key: key, message: $0) }
  }

  /// The messages received since the last call, waiting up to `milliseconds` for `count` of
  /// them (as text).
  public func messages(milliseconds: Int, until count: Int = .max) -> [String] {
    let deadline = Date().addingTimeInterval(Double(milliseconds) / 1000)
    while Date() < deadline && lock.withLock({ received.count }) < count { usleep(10_000) }
    return lock.withLock {
      defer { received = [] }
      return received
    }
  }

  /// Connections joined and not yet left.
  public var openConnections: Int { lock.withLock { joined - left } }

  public func stop() {
    guard running else { return }
    running = false
    lock.withLock { stopping = true }
    finished.wait()
  }

  private var isStopping: Bool { lock.withLock { stopping } }

  private func record(_ event: MeshEvent) {
    lock.withLock {
      switch event {
      case .joined: joined += 1
      case .message(_, let bytes): received.append(String(decoding: bytes, as: UTF8.self))
      case .left: left += 1
      }
    }
  }

  private final class Failure: @unchecked Sendable {
    var message: String?
  }
}

public struct MeshListenerError: Error, CustomStringConvertible {
  public var description: String
}
