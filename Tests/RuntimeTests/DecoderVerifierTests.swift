import TestSupport
import XCTest

/// Pins the shared TestSupport verifier that every stream parser test relies on (it lives
/// here because TestSupport has no test target of its own).
final class DecoderVerifierTests: XCTestCase {
  /// Lines ending in "\n", buffered across chunks as a correct stream parser must.
  struct LineDecoder: StreamDecoder {
    var pending: [UInt8] = []
    mutating func feed(_ bytes: ArraySlice<UInt8>) -> [String] {
      pending += bytes
      var lines: [String] = []
      while let end = pending.firstIndex(of: 0x0A) {
        lines.append(String(decoding: pending[..<end], as: UTF8.self))
        pending.removeSubrange(...end)
      }
      return lines
    }
  }

  /// Takes each chunk for a whole line: right only when the network never splits or glues.
  struct ChunkDecoder: StreamDecoder {
    mutating func feed(_ bytes: ArraySlice<UInt8>) -> [String] {
      [String(decoding: bytes.dropLast(), as: UTF8.self)]
    }
  }

  let inputs: [(bytes: [UInt8], messages: [String])] = [
    (Array("HELO a\n".utf8), ["HELO a"]), (Array("MAIL\nRCPT\n".utf8), ["MAIL", "RCPT"]),
  ]

  func testACorrectDecoderPassesEveryFeeding() {
    XCTAssertEqual(verifyDecoder({ LineDecoder() }, inputs: inputs), [])
  }

  func testADecoderThatTrustsChunkBoundariesIsCaught() {
    let failures = verifyDecoder({ ChunkDecoder() }, inputs: inputs)
    XCTAssertTrue(failures.contains { $0.hasPrefix("whole, input 1:") }, "\(failures)")
    XCTAssertTrue(failures.contains { $0.hasPrefix("byte by byte:") }, "\(failures)")
    XCTAssertTrue(failures.contains { $0.hasPrefix("glued:") }, "\(failures)")
    XCTAssertTrue(failures.contains { $0.hasPrefix("split at 3:") }, "\(failures)")
  }
}
