// swift-tools-version:6.1
import PackageDescription

// Module layout: docs/architecture.md. Dependencies point down only:
// AcornModel (pure) <- AcornIndex, AcornWorkspace <- AcornCLI <- acorn; AcornGit wraps CLibGit2 and
// knows no records; AcornIndex (GRDB) knows records but not git.
let package = Package(
  name: "Acorn",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "acorn", targets: ["acorn"]),
    .library(name: "AcornModel", targets: ["AcornModel"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.1"),
  ],
  targets: [
    .target(name: "AcornModel"),
    .target(name: "AcornMerge", dependencies: ["AcornModel"]),
    .target(name: "AcornReconcile", dependencies: ["AcornModel"]),
    .target(name: "AcornOutbound", dependencies: ["AcornModel"]),
    .target(name: "AcornAlerts", dependencies: ["AcornModel", "AcornReconcile"]),
    .target(
      name: "AcornExport",
      dependencies: ["AcornModel", .product(name: "ZIPFoundation", package: "ZIPFoundation")]),
    .target(
      name: "AcornReport",
      dependencies: ["AcornModel", "AcornReconcile", "AcornAlerts", "AcornExport"]),
    .systemLibrary(
      name: "CLibGit2",
      pkgConfig: "libgit2",
      providers: [.apt(["libgit2-dev"]), .brew(["libgit2"])]
    ),
    .target(name: "AcornKillPoints"),
    .systemLibrary(
      name: "CLibDeflate", pkgConfig: "libdeflate",
      providers: [.apt(["libdeflate-dev"]), .brew(["libdeflate"])]),
    .target(name: "AcornGit", dependencies: ["CLibGit2", "CLibDeflate", "AcornKillPoints"]),
    .systemLibrary(
      name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"]), .brew(["libpq"])]),
    .target(name: "AcornPostgres", dependencies: ["CLibPQ"]),
    .target(
      name: "AcornIndex",
      dependencies: [
        "AcornModel", "AcornKillPoints", .product(name: "GRDB", package: "GRDB.swift"),
        .product(name: "GRDBSQLite", package: "GRDB.swift"),
      ]),
    .target(
      name: "AcornWorkspace",
      dependencies: [
        "AcornModel", "AcornMerge", "AcornGit", "AcornIndex", "AcornReconcile", "AcornAlerts",
        "AcornNotify", "AcornExport", "AcornReport", "AcornPostgres", "AcornOutbound",
        "AcornKillPoints", .product(name: "Yams", package: "Yams"),
        .product(name: "Crypto", package: "swift-crypto"),
      ]
    ),
    .target(name: "AcornHTTP"),
    .target(
      name: "AcornHTTPServer",
      dependencies: ["AcornHTTP", .product(name: "FlyingFox", package: "FlyingFox")]),
    .target(
      name: "AcornServe",
      dependencies: [
        "AcornModel", "AcornWorkspace", "AcornReport", "AcornReconcile", "AcornAlerts",
        "AcornMerge", "AcornGit", "AcornExport", "AcornOutbound", "AcornHTTPServer",
      ]),
    .target(
      name: "AcornNotify",
      dependencies: [
        "AcornModel", "AcornAlerts", "AcornHTTP", .product(name: "Crypto", package: "swift-crypto"),
      ]),
    .target(name: "AcornSPAPI", dependencies: ["AcornModel", "AcornHTTP"]),
    .target(name: "AcornImport", dependencies: ["AcornModel"]),
    .target(name: "AcornSandbox", dependencies: ["AcornModel", "AcornSPAPI"]),
    .target(
      name: "AcornSync",
      dependencies: [
        "AcornModel", "AcornGit", "AcornWorkspace", "AcornSPAPI", "AcornImport", "AcornOutbound",
        "AcornSandbox",
      ]),
    .target(
      name: "AcornCLI",
      dependencies: [
        "AcornModel", "AcornMerge", "AcornGit", "AcornWorkspace", "AcornSync", "AcornSPAPI",
        "AcornImport",
        "AcornReconcile", "AcornAlerts", "AcornNotify", "AcornExport", "AcornReport", "AcornServe",
        "AcornOutbound", "AcornHTTPServer", "AcornSandbox",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      plugins: ["VersionStamp"]
    ),
    .plugin(name: "VersionStamp", capability: .buildTool()),
    .executableTarget(name: "acorn", dependencies: ["AcornCLI"]),
    // libFuzzer targets (reliability/fuzz builds it with -sanitize=fuzzer,address -DFUZZING);
    // a plain build replays inputs through the same targets.
    .executableTarget(
      name: "acorn-fuzz",
      dependencies: ["AcornModel", "AcornImport", "AcornMerge", "AcornWorkspace"],
      path: "Sources/AcornFuzz"),
    .testTarget(
      name: "AcornModelTests",
      dependencies: [
        "AcornModel", .product(name: "PropertyBased", package: "swift-property-based"),
      ]
    ),
    .testTarget(name: "AcornGitTests", dependencies: ["AcornGit"]),
    .testTarget(
      name: "AcornReconcileTests", dependencies: ["AcornReconcile", "AcornModel", "AcornSandbox"]),
    .testTarget(
      name: "AcornAlertsTests", dependencies: ["AcornAlerts", "AcornReconcile", "AcornModel"]),
    .testTarget(
      name: "AcornMergeTests",
      dependencies: [
        "AcornMerge", "AcornModel",
        .product(name: "PropertyBased", package: "swift-property-based"),
      ]
    ),
    .testTarget(name: "AcornIndexTests", dependencies: ["AcornIndex", "AcornModel"]),
    .testTarget(
      name: "AcornSyncTests",
      dependencies: [
        "AcornSync", "AcornSandbox", "AcornWorkspace", "AcornModel", "AcornGit", "AcornOutbound",
        "AcornHTTP", "AcornSPAPI",
      ]),
    .testTarget(name: "AcornSPAPITests", dependencies: ["AcornSPAPI", "AcornModel"]),
    .testTarget(
      name: "AcornExportTests", dependencies: ["AcornExport", "AcornModel", "AcornSandbox"]),
    .testTarget(
      name: "AcornReportTests",
      dependencies: ["AcornReport", "AcornReconcile", "AcornAlerts", "AcornModel", "AcornSandbox"]),
    .testTarget(name: "AcornImportTests", dependencies: ["AcornImport", "AcornModel"]),
    .testTarget(
      name: "AcornOutboundTests", dependencies: ["AcornOutbound", "AcornImport", "AcornModel"]),
    .testTarget(
      name: "AcornWorkspaceTests",
      dependencies: ["AcornWorkspace", "AcornModel", "AcornAlerts", "AcornIndex", "AcornSandbox"]),
    .testTarget(
      name: "AcornCLITests",
      dependencies: [
        "AcornModel", "AcornSync", "AcornHTTP", .product(name: "Crypto", package: "swift-crypto"),
      ]),
  ]
)

// Every module keeps a README (its contract and what it must not import); it is not a resource.
for target in package.targets where target.type == .regular || target.type == .executable {
  target.exclude.append("README.md")
}
