import Superserver
import XCTest

/// `slugctl inetd generate --args SERVICE=ARGS`: more arguments for one daemon, in every format.
final class GeneratorArgumentsTests: XCTestCase {
  let options = GenerateOptions(
    services: ["proxy", "www"], extraArguments: ["proxy": ["--allow-destination", "127.0.0.0/8"]])

  func testExtraArgumentsFollowTheGeneratedOnesInEveryFormat() throws {
    let inetd = try generate(.inetd, options)[0].contents
    XCTAssertTrue(
      inetd.contains("webcache stream tcp wait slug-proxy /usr/local/sbin/in.proxy in.proxy --allow-destination 127.0.0.0/8\n"),
      inetd)
    XCTAssertTrue(inetd.contains("/usr/local/sbin/in.www in.www\n"), "only the service named gets them: \(inetd)")
    let xinetd = try generate(.xinetd, options).first { $0.contents.contains("in.proxy") }?.contents ?? ""
    XCTAssertTrue(xinetd.contains("server_args = --allow-destination 127.0.0.0/8\n"), xinetd)
    let systemd = try generate(.systemd, options).first { $0.name == "slug-proxy.service" || $0.contents.contains("ExecStart=/usr/local/sbin/in.proxy") }?.contents ?? ""
    XCTAssertTrue(systemd.contains("in.proxy --allow-destination 127.0.0.0/8") || systemd.contains("/in.proxy --allow-destination 127.0.0.0/8"), systemd)
  }

  /// in.www reads no store, so the https line is told where the TLS directory and the upload
  /// directory beside it are; without --db the daemon's defaults (/var/lib/slug/tls,
  /// /var/lib/slug/upload) are those places already.
  func testTheHTTPSLineGetsTheTLSDirectoryBesideTheStoreAndThePlainOneNone() throws {
    let moved = try generate(.inetd, GenerateOptions(services: ["www", "https"], db: "/srv/slug/slug.db"))[0].contents
    XCTAssertTrue(moved.contains("\nhttp stream tcp nowait.1000000 slug-www /usr/local/sbin/in.www in.www\n"), moved)
    XCTAssertTrue(
      moved.contains("\nhttps stream tcp nowait.1000000 slug-www /usr/local/sbin/in.www in.www --tls --tls-dir /srv/slug/tls --upload-dir /srv/slug/upload\n"),
      moved)
    let plain = try generate(.inetd, GenerateOptions(services: ["https"], extraArguments: ["https": ["--hsts", "600"]]))[0]
    XCTAssertTrue(plain.contents.hasSuffix("\nhttps stream tcp nowait.1000000 slug-www /usr/local/sbin/in.www in.www --tls --hsts 600\n"), plain.contents)
    let systemd = try generate(.systemd, GenerateOptions(services: ["https"], db: "/srv/slug/slug.db"))
    XCTAssertEqual(systemd.map(\.name), ["slug-https.socket", "slug-https@.service"])
    XCTAssertTrue(systemd[0].contents.contains("ListenStream=[::]:443\n"), systemd[0].contents)
    XCTAssertTrue(
      systemd[1].contents.contains("in.www --tls --tls-dir /srv/slug/tls --upload-dir /srv/slug/upload\n"), systemd[1].contents)
    XCTAssertTrue(systemd[1].contents.contains("ReadWritePaths=-/srv/slug/upload\n"), systemd[1].contents)
  }

  func testArgumentsNoFormatCanCarryAndUnknownServicesAreRefused() {
    for bad in ["a;b", "$HOME", "%i", "'x'", "\"x\"", "a\\b", "#x", ""] {
      XCTAssertThrowsError(try generate(.inetd, GenerateOptions(extraArguments: ["proxy": [bad]])), bad) { error in
        XCTAssertEqual(error as? GenerateError, .invalidArgument(service: "proxy", bad))
      }
    }
    XCTAssertThrowsError(try generate(.inetd, GenerateOptions(extraArguments: ["gopher": ["-x"]]))) { error in
      XCTAssertEqual(error as? GenerateError, .unknownService("gopher"))
    }
  }
}
