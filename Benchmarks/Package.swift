// swift-tools-version:6.0
import PackageDescription

// On-demand benchmarks, kept out of the root package so `swift build` / `swift test` never
// compile them. Run: swift run -c release --package-path Benchmarks DecisionBench
let package = Package(
    name: "claude-router-benchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "claude-router", path: ".."),
    ],
    targets: [
        .executableTarget(
            name: "DecisionBench",
            dependencies: [
                .product(name: "RouterPolicies", package: "claude-router"),
            ],
            swiftSettings: [.unsafeFlags(["-Ounchecked"])]
        ),
    ]
)
