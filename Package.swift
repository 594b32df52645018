// swift-tools-version:6.1
import PackageDescription

// Module layout and the one-way dependencies between modules are described in
// docs/ARCHITECTURE.md; `App` is the only module that wires the others together.
// Shared state is guarded by `NIOLockedValueBox` (a pthread mutex) rather than the standard
// library's `Mutex`: ThreadSanitizer sees pthread locks but not `Mutex`'s futex on Linux, and
// `make test-tsan` must tell real races from guarded accesses.
let locks = Target.Dependency.product(name: "NIOConcurrencyHelpers", package: "swift-nio")

let package = Package(
    name: "dmarcd",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "dmarcd", targets: ["dmarcd"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        // Without swift-configuration support, which dmarcd's own configuration replaces.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(name: "CUnbound", path: "Sources/CUnbound"),
        .target(name: "DNS", dependencies: ["CUnbound", locks, .product(name: "Metrics", package: "swift-metrics")]),
        .target(
            name: "Auth",
            dependencies: [
                "DNS", locks,
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "Milter",
            dependencies: [
                "Auth", locks,
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .target(
            name: "Store",
            dependencies: [
                "Auth", "DNS", locks,
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "Reporter",
            dependencies: [
                "Store", "Auth", "DNS", locks,
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
            ]
        ),
        .target(
            name: "HTTP",
            dependencies: [
                "Store", "Reporter", "Doctor", locks,
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "Doctor",
            dependencies: [
                "DNS", "Auth", "Reporter",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "App",
            dependencies: [
                "DNS", "Auth", "Milter", "Store", "Reporter", "HTTP", "Doctor",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .executableTarget(name: "dmarcd", dependencies: ["App"]),
        .executableTarget(
            name: "DmarcdBench",
            dependencies: [
                "DNS", "CUnbound", "Auth", "Store", "Reporter", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // The fuzz targets; see Sources/DmarcdFuzz/FuzzEntry.swift and `make fuzz`.
        .executableTarget(name: "DmarcdFuzz", dependencies: ["DNS", "Auth", "Milter", "Reporter"]),
        .target(name: "TestSupport", dependencies: ["DNS", "Auth", "Store", locks]),
        .testTarget(name: "DNSTests", dependencies: ["DNS", "TestSupport"]),
        .testTarget(name: "AuthTests", dependencies: ["Auth", "TestSupport", locks, .product(name: "Yams", package: "Yams")]),
        .testTarget(
            name: "MilterTests",
            dependencies: ["Milter", "TestSupport", locks, .product(name: "NIOEmbedded", package: "swift-nio")]
        ),
        .testTarget(name: "StoreTests", dependencies: ["Store", "Auth", "DNS", "TestSupport", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "AppTests", dependencies: ["App", "Store", "TestSupport", locks]),
        .testTarget(
            name: "ReporterTests",
            dependencies: [
                "Reporter", "Auth", "Store", "TestSupport", locks, .product(name: "Logging", package: "swift-log"),
                // Hostile inputs are built in the tests: a streamed gzip bomb.
                .product(name: "CompressNIO", package: "compress-nio"),
            ]
        ),
        .testTarget(name: "DoctorTests", dependencies: ["Doctor", "Auth", "DNS", "TestSupport"]),
        .testTarget(name: "HTTPTests", dependencies: ["HTTP", "Store", "Auth", "Doctor", "TestSupport", locks]),
        .testTarget(name: "E2ETests", dependencies: ["TestSupport", "Store", "Auth", "Reporter", locks], path: "Tests/E2E",
                    exclude: ["miltertest", "browser"]),
    ]
)
