// swift-tools-version:6.0
import PackageDescription

// On-demand benchmarks, kept out of the root package so `swift build` / `swift test` never
// compile them. Built with the ordinary release configuration (-O), as users build.
// Run: swift run -c release --package-path Benchmarks <DecisionBench|ClientBench>
// All of them, with the Python peers side by side: bash Benchmarks/run-all.sh
let package = Package(
    name: "claude-router-benchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "claude-router", path: ".."),
    ],
    targets: [
        // Scoring and PolicyEngine.decide per prompt size, against reading the prompt once.
        .executableTarget(
            name: "DecisionBench",
            dependencies: [
                .product(name: "RouterPolicies", package: "claude-router"),
            ]
        ),
        // APGR of the learned difficulty score on the routing development data, with baselines.
        .executableTarget(
            name: "RoutingQualityBench",
            dependencies: [
                .product(name: "RouterPolicies", package: "claude-router"),
                .product(name: "ClaudeRouterEval", package: "claude-router"),
            ]
        ),
        // ClaudeClient against the mock (run as a child process), next to the raw-libcurl floor.
        .executableTarget(
            name: "ClientBench",
            dependencies: [
                .product(name: "ClaudeClient", package: "claude-router"),
                .product(name: "ClaudeMockServer", package: "claude-router"),
            ]
        ),
        // The floor: the same POST with curl_easy / curl_multi in C, one reused handle per slot.
        .executableTarget(
            name: "curl-floor",
            path: "Sources/curl-floor",
            linkerSettings: [.linkedLibrary("curl")]
        ),
        // Runs MockAnthropicServer in its own process so its CPU is not billed to the client.
        .executableTarget(
            name: "MockServerMain",
            dependencies: [
                .product(name: "ClaudeMockServer", package: "claude-router"),
            ]
        ),
        // run-all.sh: PolicyEngine.decide timings as JSON, and 1,000 concurrent streams.
        .executableTarget(
            name: "ConcurrencyBench",
            dependencies: [
                .product(name: "ClaudeClient", package: "claude-router"),
                .product(name: "ClaudeMockServer", package: "claude-router"),
                .product(name: "RouterPolicies", package: "claude-router"),
            ]
        ),
        // run-all.sh: SQLiteLedger records/s, durable vs batched, and p99 of `record`.
        .executableTarget(
            name: "LedgerBench",
            dependencies: [
                .product(name: "Router", package: "claude-router"),
            ]
        ),
    ]
)
