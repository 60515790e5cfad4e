// swift-tools-version:6.0
import PackageDescription

// The daemons are exec'd by inetd once per connection, so they are built fully static and
// position independent, with packed relative relocations (see ../shared/DESIGN.md, "Start-up
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

/// One small executable per service: a daemon carries only the code its service needs, so each
/// exec relocates and maps as little as possible.
func daemon(_ name: String, _ dependencies: [Target.Dependency]) -> Target {
  .executableTarget(
    name: "in.\(name)", dependencies: dependencies, path: "Sources/Daemons/in.\(name)",
    linkerSettings: staticDaemon)
}

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
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
  ],
  targets: [
    .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),
    .target(name: "Store", dependencies: ["CSQLite"], path: "Sources/Store"),
    .target(name: "Runtime", path: "Sources/Services/Runtime"),
    .target(name: "MVP", path: "Sources/Services/MVP"),
    .target(name: "Superserver", path: "Sources/Superserver"),

    daemon("www", ["Runtime"]),
    daemon("proxy", ["Runtime"]),
    daemon("jabberd", ["Runtime"]),
    daemon("smtp", ["Runtime"]),
    daemon("ctcs", ["Runtime"]),
    daemon("dns", ["Runtime"]),
    daemon("dhcp", ["Runtime"]),
    daemon("mvp", ["Runtime", "MVP"]),

    .executableTarget(
      name: "slugctl",
      dependencies: ["Store", "Superserver", .product(name: "ArgumentParser", package: "swift-argument-parser")],
      path: "Sources/slugctl"),

    .target(name: "TestSupport", path: "Tests/TestSupport"),
    .testTarget(name: "StoreTests", dependencies: ["Store", "TestSupport"]),
    .testTarget(name: "RuntimeTests", dependencies: ["Runtime", "TestSupport"]),
    .testTarget(name: "MVPTests", dependencies: ["MVP", "TestSupport"]),
    .testTarget(name: "SuperserverTests", dependencies: ["Superserver", "TestSupport"]),
    .testTarget(
      name: "SlugctlTests", dependencies: ["slugctl", "Store", "TestSupport"], exclude: ["Snapshots"]),
    .testTarget(name: "IntegrationTests", dependencies: ["Store", "TestSupport"]),
  ]
)
