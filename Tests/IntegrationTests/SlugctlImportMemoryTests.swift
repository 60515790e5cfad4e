import Foundation
import TestSupport
import XCTest

/// `slugctl import` reads its file a line at a time: a huge file costs a line's worth of memory.
final class SlugctlImportMemoryTests: XCTestCase {
  func testA200MBOneLineFileIsRefusedAtLine1InUnder50MB() throws {
    let directory = try TemporaryDirectory()
    let file = directory.path + "/hosts"
    let handle = try XCTUnwrap(FileHandle(forWritingAtPath: { FileManager.default.createFile(atPath: file, contents: nil); return file }()))
    let block = Data(repeating: UInt8(ascii: "a"), count: 1 << 20)
    for _ in 0..<200 { handle.write(block) }
    try handle.close()
    // The peak resident size of the child, from the kernel's accounting once it is waited for.
    let run = try ChildProcess.run(
      "/usr/bin/python3",
      ["-c",
       """
       import resource, subprocess, sys
       done = subprocess.run(sys.argv[1:], capture_output=True)
       print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
       print(done.stderr.decode(), end='')
       """,
       try BuildProducts.binDirectory() + "/slugctl", "import", "hosts", file, "--db", directory.path + "/slug.db"])
    let lines = run.output.split(separator: "\n")
    let figures = lines.first?.split(separator: " ").compactMap { Int($0) } ?? []
    XCTAssertEqual(figures.count, 2, run.output)
    XCTAssertEqual(figures.first, 65, run.output)
    XCTAssertLessThan(figures.last ?? .max, 50 * 1024, "peak resident KB: \(run.output)")
    XCTAssertEqual(lines.dropFirst().first.map(String.init), "slugctl: \(file):1: line longer than 65536 bytes", run.output)
  }
}
