// swift-tools-version:6.2
import PackageDescription

/// One set of settings for every target of ours: Swift 6 mode comes with the tools version.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .treatAllWarnings(as: .error),
]

let package = Package(
    name: "fedbot",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "fedbot", targets: ["fedbot"])
    ],
    dependencies: [
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
    ],
    targets: [
        // No dependencies: typed IDs, Timestamp, JSONValue, event and destination models, error values.
        .target(name: "FedBotModels", swiftSettings: swiftSettings),
        // The HTTP transport seam and the client-server API.
        .target(
            name: "MatrixClient",
            dependencies: [
                "FedBotModels",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Synapse's admin API (federation endpoints, room details) over MatrixClient's transport.
        .target(
            name: "SynapseAdmin",
            dependencies: [
                "FedBotModels",
                "MatrixClient",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Pure: command grammar, replies and renderers, authorization, the watcher's state machine.
        .target(
            name: "FedBotCore",
            dependencies: ["FedBotModels"],
            swiftSettings: swiftSettings
        ),
        // `check SERVER`: the network side of the diagnosis (DNS over NIO, TCP, TLS, X.509, HTTP/1.1, Ed25519).
        .target(
            name: "FederationCheck",
            dependencies: [
                "FedBotModels",
                "FedBotCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Services, the SQLite store, config loading and wiring.
        .target(
            name: "FedBotRuntime",
            dependencies: [
                "FedBotModels",
                "MatrixClient",
                "SynapseAdmin",
                "FedBotCore",
                "FederationCheck",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // The CLI: parses flags and calls into FedBotRuntime.
        .executableTarget(
            name: "fedbot",
            dependencies: [
                "FedBotRuntime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Drives the Synapse test lab (scripts/lab) from Swift: tests and benchmarks use it.
        .target(
            name: "FedBotLab",
            dependencies: [
                "FedBotModels",
                "MatrixClient",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Benchmarks that print numbers (scripts/bench runs them in release mode).
        .executableTarget(
            name: "fedbot-bench",
            dependencies: [
                "FedBotLab",
                "FedBotModels",
                "FedBotRuntime",
                "FedBotCore",
                "SynapseAdmin",
                "MatrixClient",
                "FederationCheck",
            ],
            path: "Benchmarks/fedbot-bench",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "UnitTests",
            dependencies: [
                "FedBotModels", "MatrixClient", "SynapseAdmin", "FedBotCore", "FedBotRuntime", "FedBotLab",
                "FederationCheck",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "FedBotLab", "FedBotModels", "MatrixClient", "SynapseAdmin", "FedBotCore", "FedBotRuntime",
                "FederationCheck",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
