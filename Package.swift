// swift-tools-version:6.2
import PackageDescription

// Library modules depend only on system C libraries and apple/swift-log + apple/swift-metrics,
// so that adopting the SDK never forces a version conflict on an app. Hummingbird (the mock
// server) and swift-argument-parser (the CLI) are used only by the mock, the CLI and the tests.
let strictLibrarySettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "claude-router",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "ClaudeClient", targets: ["ClaudeClient"]),
        .library(name: "RouterPolicies", targets: ["RouterPolicies"]),
        .library(name: "Router", targets: ["Router"]),
        .library(name: "ClaudeMockServer", targets: ["ClaudeMockServer"]),
        // The PostgreSQL ledger and budget store (fleet scale): the one library on postgres-nio.
        .library(name: "RouterPostgres", targets: ["RouterPostgres"]),
        // Eval and calibration (used by the CLI and Benchmarks/RoutingQualityBench; not a product API promise).
        .executable(name: "claude-router", targets: ["ClaudeRouterCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        // Property-based testing (generators, shrinking, reproducible seeds): test targets only.
        .package(url: "https://github.com/x-sheep/swift-property-based", exact: "2.0.1"),
        // The gateway (`claude-router serve`): start/stop and Prometheus exposition. Not used by libraries.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // The PostgreSQL ledger and budget store (RouterPostgres only; the core modules stay free of it).
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // MARK: C libraries at the edge (imported `internal` only)
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .systemLibrary(
            name: "CYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),

        // MARK: Library modules
        .target(
            name: "ClaudeClient",
            dependencies: [
                "CCurl",
                .product(name: "Logging", package: "swift-log"),
            ],
            // Async functions run on their caller's executor unless marked `@concurrent`
            // (SE-0461): calls between the module's async functions switch no executor
            // (docs/ARCHITECTURE.md, "Executors").
            swiftSettings: strictLibrarySettings + [.enableUpcomingFeature("NonisolatedNonsendingByDefault")]
        ),
        // The bundled policy files are compiled in (`PackageResources.<name>` byte arrays), so the
        // library needs no file on disk and no Foundation bundle. policies/default.yaml and
        // policies/prices.yaml are symbolic links to these files: the one copy users edit.
        .target(
            name: "RouterPolicies",
            dependencies: ["CYAML"],
            resources: [
                .embedInCode("Resources/default.yaml"),
                .embedInCode("Resources/prices.yaml"),
                .embedInCode("Resources/default.scorer.json"),
            ],
            swiftSettings: strictLibrarySettings
        ),
        .target(
            name: "Router",
            dependencies: [
                "ClaudeClient",
                "RouterPolicies",
                "CSQLite",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strictLibrarySettings
        ),

        // MARK: The PostgreSQL adapter: a CostLedger and a BudgetStore shared by many hosts
        // An opt-in library module: Router stays free of postgres-nio; apps, the CLI and the
        // gateway link this to select PostgreSQL with a `postgres://` URL.
        .target(
            name: "RouterPostgres",
            dependencies: [
                "Router",
                "RouterPolicies",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictLibrarySettings
        ),

        // MARK: The local mock of the Anthropic API (tests, benchmarks, `claude-router mock-server`)
        .target(
            name: "ClaudeMockServer",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // MARK: The gateway (`claude-router serve`): an Anthropic-compatible HTTP front door over ModelRouter
        .target(
            name: "ClaudeRouterGateway",
            dependencies: [
                "Router",
                "RouterPolicies",
                "ClaudeClient",
                "ClaudeRouterEval",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // MARK: The command-line tool
        // Eval fixtures, A/B statistics and report rendering: a library so they are unit-tested.
        .target(
            name: "ClaudeRouterEval",
            dependencies: [
                "CSQLite",
                "Router",
                "RouterPolicies",
                "ClaudeClient",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictLibrarySettings
        ),
        .executableTarget(
            name: "ClaudeRouterCLI",
            dependencies: [
                "ClaudeRouterEval",
                "Router",
                "RouterPolicies",
                "ClaudeClient",
                "ClaudeMockServer",
                "ClaudeRouterGateway",
                "RouterPostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),

        // MARK: Examples (built with everything, so they cannot drift from the API)
        // The README's "Using the library" code, verbatim.
        .executableTarget(
            name: "QuickStart",
            dependencies: ["ClaudeClient", "Router", "RouterPolicies"],
            path: "Examples/QuickStart"
        ),
        // `Router.ModelRouter` beside Hummingbird's `Router` type in one file.
        .executableTarget(
            name: "HummingbirdGateway",
            dependencies: [
                "ClaudeClient",
                "Router",
                "RouterPolicies",
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "Examples/HummingbirdGateway"
        ),

        // Routing quality on the development data (APGR with baselines): a benchmark of the
        // routing, built here rather than in Benchmarks/ because it uses the calibration code,
        // which is `package` API of ClaudeRouterEval. Run: swift run -c release RoutingQualityBench
        .executableTarget(
            name: "RoutingQualityBench",
            dependencies: ["ClaudeRouterEval", "RouterPolicies"],
            path: "Benchmarks/RoutingQuality"
        ),

        // What `claude-router serve` adds per call (latency p50/p99, CPU) against calling the mock
        // directly, in one run. Run (one --product per build: with two, only the last is built):
        // swift build -c release --product claude-router && swift build -c release --product GatewayBench
        // && .build/release/GatewayBench
        .executableTarget(
            name: "GatewayBench",
            dependencies: ["ClaudeClient"],
            path: "Benchmarks/Gateway"
        ),

        // The bulk paths as whole processes (`explain --jsonl` workloads, `report` over a generated
        // 1,000,000-record ledger) next to baselines in the same run.
        // Run: swift build -c release --product claude-router && swift build -c release --product BulkBench
        // && .build/release/BulkBench
        .executableTarget(
            name: "BulkBench",
            dependencies: ["Router", "RouterPolicies"],
            path: "Benchmarks/Bulk"
        ),

        // Each cost lever (prompt caching, response cache, batch, history trimming, pre-flight)
        // off and on over a small workload, against `claude-router mock-server`: exact cost from
        // the ledger and the median time per call. Run: swift build --product claude-router &&
        // swift build --product LeverBench && .build/debug/LeverBench (or -c release).
        .executableTarget(
            name: "LeverBench",
            // ClaudeRouterEval: its seeded generator (SplitMix64) for the synthetic texts.
            dependencies: ["Router", "RouterPolicies", "ClaudeClient", "ClaudeRouterEval"],
            path: "Benchmarks/Levers"
        ),

        // The PostgreSQL ledger (durable and batched) next to the SQLite ledger in one run:
        // records/s and the p50/p99 `record` adds to a call. Needs a server (scripts/postgres.sh start).
        // Run: swift build -c release --product LedgerFleetBench
        // && .build/release/LedgerFleetBench "$(bash scripts/postgres.sh url)" /var/tmp
        .executableTarget(
            name: "LedgerFleetBench",
            dependencies: ["Router", "RouterPolicies", "RouterPostgres"],
            path: "Benchmarks/LedgerFleet"
        ),

        // MARK: Tests
        // Helpers several test targets share (test targets cannot import one another).
        .target(
            name: "ClaudeRouterTestSupport",
            path: "Tests/TestSupport"
        ),
        .testTarget(
            name: "ClaudeClientTests",
            dependencies: [
                "ClaudeClient",
                "ClaudeMockServer",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "ClaudeMockServerTests",
            dependencies: [
                "ClaudeMockServer",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "RouterPoliciesTests",
            dependencies: [
                "RouterPolicies",
                "ClaudeRouterEval",  // its seeded generator (SplitMix64) for randomised tests
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "RouterTests",
            dependencies: [
                "Router",
                "ClaudeClient",
                "RouterPolicies",
                "ClaudeMockServer",
                // The ledger conformance suite and the budget race run against PostgreSQL too
                // (CLAUDE_ROUTER_TEST_POSTGRES_URL, started by scripts/postgres.sh).
                "RouterPostgres",
                "ClaudeRouterTestSupport",
                "ClaudeRouterEval",  // its seeded generator (SplitMix64) for randomised tests
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // A child process for the ledger crash test: writes records until it is `kill -9`ed.
        .executableTarget(
            name: "LedgerCrashProbe",
            dependencies: ["Router"],
            path: "Tests/LedgerCrashProbe"
        ),
        .testTarget(
            name: "ClaudeRouterEvalTests",
            dependencies: [
                "ClaudeRouterEval",
                "RouterPolicies",
                "Router",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        // Runs the built `claude-router` binary as a child process (exit codes, stdout, stderr).
        .testTarget(
            name: "CLITests",
            dependencies: ["ClaudeMockServer", "ClaudeRouterTestSupport", "Router", "RouterPolicies"]
        ),
        // Starts the built `claude-router serve` in front of the mock as child processes over loopback.
        .testTarget(
            name: "GatewayTests",
            dependencies: [
                "ClaudeRouterGateway",
                "ClaudeMockServer",
                "Router",
                "RouterPolicies",
                "ClaudeClient",
                "RouterPostgres",
                "ClaudeRouterTestSupport",
                // A plain HTTP/1.1 client, one connection each: the 1,000-stream load test.
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
    ]
)
