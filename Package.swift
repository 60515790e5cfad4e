// swift-tools-version:6.0
import PackageDescription

// The daemons are exec'd by inetd once per connection, so they are built fully static and
// position independent (see docs/design.md, "Start-up cost is the product"; musl 1.2.3 has no
// packed relative relocations, so they carry plain ones), against musl (Debian's musl-dev) rather than glibc: a static glibc
// brings its locale, printf, scanf and NSS machinery, 700 KB that no daemon uses. The C targets
// the daemons link (CLibcMusl, CTLSMusl) are CLibc's and CTLS's own sources compiled against
// musl's headers, and the daemons' Swift imports the same headers, so one program sees one C
// library; Scripts/ld-static-pie then links musl's start files and libc in glibc's place.
// Sources/MuslIncludes lends musl the few headers it does not have: the kernel's, sqlite3.h
// and wolfSSL's. Each function gets its own section so that the linker drops what a daemon
// never calls (the Runtime compiled into in.mvp is mostly for stream services).
#if arch(x86_64)
let multiarch = (gnu: "x86_64-linux-gnu", musl: "x86_64-linux-musl")
#elseif arch(arm64)
let multiarch = (gnu: "aarch64-linux-gnu", musl: "aarch64-linux-musl")
#else
let multiarch = (gnu: "arm-linux-gnueabihf", musl: "arm-linux-musleabihf")
#endif
let muslHeaders = [
  "-nostdlibinc", "-isystem", "/usr/include/\(multiarch.musl)",
  "-isystem", "\(Context.packageDirectory)/Sources/MuslIncludes",
  "-isystem", "\(Context.packageDirectory)/Sources/MuslIncludes/\(multiarch.gnu)",
]
let muslC: [CSetting] = [.unsafeFlags(muslHeaders + ["-ffunction-sections", "-fdata-sections"])]

// SwiftPM adds -rpath=$ORIGIN to every executable, which a static-pie must not carry;
// Scripts/ld-static-pie is ld.lld without it, and with musl's start files and libc when told
// --slug-musl=DIR.
let staticDaemon: [LinkerSetting] = [
  .unsafeFlags([
    "-static-executable",
    "-use-ld=\(Context.packageDirectory)/Scripts/ld-static-pie",
    "-Xclang-linker", "-static-pie",
    "-Xlinker", "--slug-musl=/usr/lib/\(multiarch.musl)",
  ])
]

/// The daemons are Embedded Swift: no runtime metadata, no conformance tables, no libswiftCore;
/// only the stdlib code a daemon calls is compiled into it, so an exec maps and relocates a
/// few pages instead of the whole stdlib. Embedded Swift needs whole-module builds (debug too).
/// They are optimised for size: an exec maps and faults in fewer pages.
let embedded: [SwiftSetting] = [
  .enableExperimentalFeature("Embedded"),
  .unsafeFlags(["-wmo", "-Xfrontend", "-function-sections"] + muslHeaders.flatMap { ["-Xcc", $0] }),
  .unsafeFlags(["-Osize"], .when(configuration: .release)),
]

/// One small executable per daemon that does not open the store: it carries only the code its
/// service needs, so each exec relocates and maps as little as possible. An embedded module
/// cannot be imported by a normal one (XCTest), so a daemon does not depend on the Runtime,
/// Model and protocol library targets: its directory holds links to their source directories,
/// and it compiles them as part of its own module. The library targets compile the same files
/// without Embedded for the tests.
///
/// `compiles` is the one table of which shared sources each Embedded program compiles (paths
/// under Sources/). Package traits (`.when(traits:)`) cannot express it: a trait applies to
/// the whole package build, while the same sources must build Embedded into a daemon and not
/// Embedded into the library targets the tests import, in one build. Scripts/link-daemons
/// makes each program's links from the table, and a test checks that the links, the table and
/// the catalogue's `usesStore` agree.
func daemon(_ name: String, compiles shared: [String]) -> Target {
  .executableTarget(
    name: "in.\(name)", dependencies: ["CLibcMusl"], path: "Sources/Daemons/in.\(name)", swiftSettings: embedded,
    linkerSettings: staticDaemon)
}

/// One binary: slugctl, and under their own names the daemons that open the store (in.jabberd,
/// in.smtp, in.ctcs, in.dns, in.dhcp). Each of those carries SQLite (700 KB) and musl, and
/// slugctl wolfSSL as well; six binaries made 13 MB of the suite, one makes it fit the 8 MB
/// budget (docs/design.md, "One binary"). `slugctl install` installs each daemon as a link to
/// slugctl, and main.swift runs the program argv[0] names. SwiftPM links the target once per
/// product, so the build directory holds a copy under each daemon's name, which the tests and
/// benchmarks run as they would the installed link. Built like the other daemons (Embedded,
/// static, musl), from its folder under Sources/Tools, which links the shared sources and the
/// daemons' folders that the `tool` line names (Scripts/link-daemons reads this table too).
func tool(_ name: String, compiles shared: [String]) -> Target {
  .executableTarget(
    name: name, dependencies: ["CLibcMusl", "CTLSMusl", "CSQLite", "CManual"], path: "Sources/Tools/\(name)",
    swiftSettings: embedded,
    linkerSettings: staticDaemon + [.linkedLibrary("sqlite3"), .linkedLibrary("wolfssl"), .linkedLibrary("m")])
}

let package = Package(
  name: "slug",
  products: [
    .executable(name: "slugctl", targets: ["slugctl"]),
    .executable(name: "in.www", targets: ["in.www"]),
    .executable(name: "in.proxy", targets: ["in.proxy"]),
    .executable(name: "in.jabberd", targets: ["slugctl"]),
    .executable(name: "in.smtp", targets: ["slugctl"]),
    .executable(name: "in.ctcs", targets: ["slugctl"]),
    .executable(name: "in.dns", targets: ["slugctl"]),
    .executable(name: "in.dhcp", targets: ["slugctl"]),
    .executable(name: "in.mvp", targets: ["in.mvp"]),
    .executable(name: "slug-tls", targets: ["slug-tls"]),
  ],
  targets: [
    .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),
    .target(name: "Text", path: "Sources/Text"),
    .target(name: "Model", dependencies: ["Text"], path: "Sources/Model"),
    .target(name: "Store", dependencies: ["CSQLite", "CLibc", "Text", "Model"], path: "Sources/Store"),
    .target(name: "CLibc", path: "Sources/CLibc"),
    // CLibc and CTLS again, for the daemons: the same sources against musl (their module maps
    // keep the names CLibc and CTLS), plus musl.c.
    .target(name: "CLibcMusl", path: "Sources/CLibcMusl", cSettings: muslC),
    .target(name: "CTLSMusl", path: "Sources/CTLSMusl", cSettings: muslC),
    // wolfSSL (Debian's libwolfssl-dev), behind a few C functions of ours: the TLS helper links
    // the static library; slugctl links it to make and read certificates (docs/design.md, "TLS").
    .target(name: "CTLS", path: "Sources/CTLS", linkerSettings: [.linkedLibrary("wolfssl"), .linkedLibrary("m")]),
    .target(name: "Runtime", dependencies: ["CLibc", "Text"], path: "Sources/Runtime"),
    .target(name: "MVP", path: "Sources/Services/MVP"),
    .target(name: "DNS", dependencies: ["Text", "CLibc"], path: "Sources/Services/DNS"),
    .target(name: "DHCP", dependencies: ["Model", "Text"], path: "Sources/Services/DHCP"),
    .target(name: "HTTP", dependencies: ["Text"], path: "Sources/Services/HTTP"),
    .target(name: "Crypto", dependencies: ["CLibc"], path: "Sources/Services/Crypto"),
    .target(name: "CTCS", dependencies: ["Crypto", "Model", "Text"], path: "Sources/Services/CTCS"),
    .target(name: "XMPP", dependencies: ["Crypto", "Text"], path: "Sources/Services/XMPP"),
    .target(name: "SMTP", dependencies: ["Crypto", "Text"], path: "Sources/Services/SMTP"),
    .target(name: "Superserver", dependencies: ["CLibc"], path: "Sources/Superserver"),

    daemon("www", compiles: ["Runtime", "Text", "Services/HTTP", "Services/Crypto"]),
    daemon("proxy", compiles: ["Runtime", "Text", "Services/HTTP"]),
    daemon("mvp", compiles: ["Runtime", "Text", "Services/MVP"]),

    // The TLS helper: a daemon that speaks TLS starts it for the connection (direct TLS, or after
    // STARTTLS), so wolfSSL costs nothing to a daemon or a connection without TLS. Embedded and
    // static like the daemons; its folder links Runtime and Text as theirs do.
    .executableTarget(
      name: "slug-tls", dependencies: ["CLibcMusl", "CTLSMusl"], path: "Sources/Helpers/slug-tls", swiftSettings: embedded,
      linkerSettings: staticDaemon + [.linkedLibrary("wolfssl"), .linkedLibrary("m")]),

    // The man pages of man/, compiled into slugctl with C23's #embed (Sources/CManual/include
    // says why): no resource bundle, whose generated accessor would import Foundation.
    .target(name: "CManual", path: "Sources/CManual", cSettings: [.unsafeFlags(["-std=c23"])]),

    // slugctl's commands as a library, for the tests (SlugctlTests), which cannot import an
    // Embedded module; the slugctl program compiles the same files Embedded (below).
    .target(
      name: "SlugctlKit",
      dependencies: ["Store", "Superserver", "Runtime", "Crypto", "CTCS", "CTLS", "DNS", "CManual", "CLibc", "Text", "Model"],
      path: "Sources/slugctl"),

    // slugctl, and the daemons that open the store, as one binary (tool(_:compiles:) above):
    // Embedded Swift, static, against musl, so it needs no library on the machine and
    // cross-builds for the ARM boards (Scripts/cross-build). Its folder links Sources/slugctl,
    // the shared sources and those daemons' folders.
    tool("slugctl", compiles: ["slugctl", "Runtime", "Text", "Model", "Store", "Superserver", "Services/Crypto", "Services/CTCS", "Services/DNS", "Services/DHCP", "Services/HTTP", "Services/SMTP", "Services/XMPP", "Daemons/in.jabberd", "Daemons/in.smtp", "Daemons/in.ctcs", "Daemons/in.dns", "Daemons/in.dhcp"]),

    .target(name: "TestSupport", dependencies: ["Runtime", "Crypto"], path: "Tests/TestSupport"),
    .testTarget(name: "StoreTests", dependencies: ["Store", "TestSupport"]),
    .testTarget(name: "RuntimeTests", dependencies: ["Runtime", "TestSupport"]),
    .testTarget(name: "MVPTests", dependencies: ["MVP", "TestSupport"]),
    .testTarget(name: "DNSTests", dependencies: ["DNS", "TestSupport"]),
    .testTarget(name: "DHCPTests", dependencies: ["DHCP", "Store", "TestSupport"]),
    .testTarget(name: "HTTPTests", dependencies: ["HTTP", "TestSupport"]),
    .testTarget(name: "CryptoTests", dependencies: ["Crypto", "Text"]),
    .testTarget(name: "TextTests", dependencies: ["Text"]),
    .testTarget(name: "CTCSTests", dependencies: ["CTCS", "Store", "TestSupport"]),
    .testTarget(name: "XMPPTests", dependencies: ["XMPP", "Crypto", "Text", "TestSupport"]),
    .testTarget(name: "SMTPTests", dependencies: ["SMTP", "TestSupport"]),
    .testTarget(name: "SuperserverTests", dependencies: ["Superserver", "TestSupport"]),
    .testTarget(
      name: "SlugctlTests", dependencies: ["SlugctlKit", "Store", "Runtime", "DNS", "TestSupport"], exclude: ["Snapshots"]),
    .testTarget(
      name: "IntegrationTests", dependencies: ["DHCP", "Store", "Runtime", "Superserver", "TestSupport", "Crypto"], exclude: ["jabber_client.py", "tls_fake_daemon.py", "fake_upstream.py", "forward_compare.py"]),
  ]
)
