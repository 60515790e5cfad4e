// swift-tools-version:6.0
import PackageDescription

// The daemons are exec'd by inetd once per connection, so they are built fully static and
// position independent, with packed relative relocations (see docs/design.md, "Start-up
// cost is the product"). SwiftPM adds -rpath=$ORIGIN to every executable, which a static-pie
// must not carry; Scripts/ld-static-pie is ld.lld without it.
let staticDaemon: [LinkerSetting] = [
  .unsafeFlags([
    "-static-executable",
    "-use-ld=\(Context.packageDirectory)/Scripts/ld-static-pie",
    "-Xclang-linker", "-static-pie",
    "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
  ])
]

/// The daemons are Embedded Swift: no runtime metadata, no conformance tables, no libswiftCore;
/// only the stdlib code a daemon calls is compiled into it, so an exec maps and relocates a
/// few pages instead of the whole stdlib. Embedded Swift needs whole-module builds (debug too).
let embedded: [SwiftSetting] = [.enableExperimentalFeature("Embedded"), .unsafeFlags(["-wmo"])]

/// One small executable per service: a daemon carries only the code its service needs, so each
/// exec relocates and maps as little as possible. An embedded module cannot be imported by a
/// normal one (XCTest), so a daemon does not depend on the Runtime, Model, Store and protocol
/// library targets: its directory holds links to their source directories, and it compiles
/// them as part of its own module. The library targets compile the same files without
/// Embedded for the tests.
///
/// `compiles` is the one table of which shared sources each daemon compiles (paths under
/// Sources/). Package traits (`.when(traits:)`) cannot express it: a trait applies to the
/// whole package build, while the same sources must build Embedded into a daemon and not
/// Embedded into the library targets the tests import, in one build. Scripts/link-daemons
/// makes each daemon's links from the table, and a test checks that the links, the table and
/// the catalogue's `usesStore` agree. A daemon that compiles the Store also depends on
/// CSQLite and links the static libsqlite3 itself: Embedded Swift does not honour the module
/// map's `link "sqlite3"`.
func daemon(_ name: String, compiles shared: [String]) -> Target {
  let readsStore = shared.contains("Store")
  return .executableTarget(
    name: "in.\(name)", dependencies: readsStore ? ["CLibc", "CSQLite"] : ["CLibc"],
    path: "Sources/Daemons/in.\(name)", swiftSettings: embedded,
    linkerSettings: readsStore ? staticDaemon + [.linkedLibrary("sqlite3"), .linkedLibrary("m")] : staticDaemon)
}

/// What the static FoundationEssentials (which swift-argument-parser imports) needs beside the
/// static stdlib: the autolinking that names them is inside its archive, where the linker does
/// not look.
let foundationEssentialsLibraries = ["-l_FoundationCollections", "-l_FoundationCShims", "-lswiftSynchronization"]

let package = Package(
  name: "slug",
  products: [
    .executable(name: "slugctl", targets: ["slugctl"]),
    .executable(name: "in.www", targets: ["in.www"]),
    .executable(name: "in.proxy", targets: ["in.proxy"]),
    .executable(name: "in.jabberd", targets: ["in.jabberd"]),
    .executable(name: "in.smtp", targets: ["in.smtp"]),
    .executable(name: "in.ctcs", targets: ["in.ctcs"]),
    .executable(name: "in.dns", targets: ["in.dns"]),
    .executable(name: "in.dhcp", targets: ["in.dhcp"]),
    .executable(name: "in.mvp", targets: ["in.mvp"]),
    .executable(name: "slug-tls", targets: ["slug-tls"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
  ],
  targets: [
    .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),
    .target(name: "Text", path: "Sources/Text"),
    .target(name: "Model", dependencies: ["Text"], path: "Sources/Model"),
    .target(name: "Store", dependencies: ["CSQLite", "CLibc", "Text", "Model"], path: "Sources/Store"),
    .target(name: "CLibc", path: "Sources/CLibc"),
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
    .target(name: "Superserver", path: "Sources/Superserver"),

    daemon("www", compiles: ["Runtime", "Text", "Services/HTTP"]),
    daemon("proxy", compiles: ["Runtime", "Text", "Services/HTTP"]),
    daemon("jabberd", compiles: ["Runtime", "Text", "Model", "Store", "Services/Crypto", "Services/XMPP"]),
    daemon("smtp", compiles: ["Runtime", "Text", "Model", "Store", "Services/Crypto", "Services/SMTP"]),
    daemon("ctcs", compiles: ["Runtime", "Text", "Model", "Store", "Services/Crypto", "Services/HTTP", "Services/CTCS"]),
    daemon("dns", compiles: ["Runtime", "Text", "Model", "Store", "Services/DNS"]),
    daemon("dhcp", compiles: ["Runtime", "Text", "Model", "Store", "Services/DHCP"]),
    daemon("mvp", compiles: ["Runtime", "Text", "Services/MVP"]),

    // The TLS helper: a daemon that speaks TLS starts it for the connection (direct TLS, or after
    // STARTTLS), so wolfSSL costs nothing to a daemon or a connection without TLS. Embedded and
    // static like the daemons; its folder links Runtime and Text as theirs do.
    .executableTarget(
      name: "slug-tls", dependencies: ["CLibc", "CTLS"], path: "Sources/Helpers/slug-tls", swiftSettings: embedded,
      linkerSettings: staticDaemon + [.linkedLibrary("wolfssl"), .linkedLibrary("m")]),

    // The man pages of man/, compiled into slugctl with C23's #embed (Sources/CManual/include
    // says why): no resource bundle, whose generated accessor would import Foundation.
    .target(name: "CManual", path: "Sources/CManual", cSettings: [.unsafeFlags(["-std=c23"])]),

    // slugctl imports neither Foundation nor FoundationEssentials (swift-argument-parser brings
    // the latter, without ICU), so its release build carries the Swift runtime and runs where no
    // toolchain is installed; SQLite and wolfSSL go in statically too, leaving only libc, libm,
    // libstdc++ and libgcc_s to the system; symbols are bound at start (-z now), so the GOT is
    // read-only, as Debian hardens. Debug builds (and the tests, which link slugctl's code beside
    // XCTest and Foundation) keep the shared runtime.
    .executableTarget(
      name: "slugctl",
      dependencies: [
        "Store", "Superserver", "Runtime", "Crypto", "CTCS", "CTLS", "DNS", "CManual",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      path: "Sources/slugctl",
      linkerSettings: [
        .unsafeFlags(
          ["-static-stdlib", "-use-ld=\(Context.packageDirectory)/Scripts/ld-static-libs", "-Xlinker", "-z", "-Xlinker", "now"]
            + foundationEssentialsLibraries,
          .when(configuration: .release))
      ]),

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
      name: "SlugctlTests", dependencies: ["slugctl", "Store", "Runtime", "DNS", "TestSupport"], exclude: ["Snapshots"]),
    .testTarget(
      name: "IntegrationTests", dependencies: ["DHCP", "Store", "Runtime", "TestSupport"], exclude: ["jabber_client.py", "tls_fake_daemon.py", "fake_upstream.py", "forward_compare.py"]),
  ]
)
