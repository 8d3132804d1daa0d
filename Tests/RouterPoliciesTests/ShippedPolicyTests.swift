import Foundation
import RouterPolicies
import Testing

/// The repository root, found from this file's path (Tests/RouterPoliciesTests/…).
let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

@Suite("Shipped policies")
struct ShippedPolicyTests {
    static let shipped = ["policies/default.yaml", "policies/examples/support-bot.yaml",
                          "policies/examples/coding-assistant.yaml", "policies/examples/next-generation.yaml",
                          "policies/examples/ab-alternative.yaml"]

    @Test(arguments: shipped)
    func shippedPolicyLoads(_ path: String) throws {
        let policy = try Policy.load(file: repositoryRoot + "/" + path)
        #expect(!policy.tiers.isEmpty)
        #expect(policy.contentHash.count == 16)
        #expect(policy.tierIndex(named: policy.defaultTier) != nil)
        #expect(policy.tasks[policy.classifier.fallbackTask] != nil)
    }

    /// The embedded bytes are the files users read and edit under policies/ (symbolic links to
    /// the target's resources), so the bundle cannot drift from them.
    @Test(arguments: ["default.yaml", "prices.yaml"])
    func embeddedFileEqualsTheFileOnDisk(_ name: String) throws {
        let data = try #require(FileManager.default.contents(atPath: repositoryRoot + "/policies/" + name))
        #expect(BundledPolicies.file(named: name) == Array(data))
        #expect(BundledPolicies.file(named: "<bundled>/" + name) == Array(data))
        #expect(BundledPolicies.fileNames.contains(name))
    }

    @Test func defaultPolicyHasTheDocumentedShape() throws {
        let policy = try BundledPolicies.defaultPolicy()
        #expect(policy.name == "default")
        #expect(policy.tiers.map(\.model) == ["claude-haiku-4-5", "claude-sonnet-4-6", "claude-opus-4-8"])
        #expect(policy.baselineTier == "opus")
        #expect(policy.defaultTier == "sonnet")
        for task in ["classification", "extraction", "formatting"] { #expect(policy.tasks[task]?.tier == "haiku") }
        for task in ["generation", "summarization"] { #expect(policy.tasks[task]?.minTier == "sonnet") }
        #expect(policy.tasks["qa"]?.maxTier == "opus")
        #expect(policy.tasks["reasoning"]?.tier == "opus")
        #expect(policy.escalation.enabled)
        #expect(policy.escalation.triggers.count == EscalationTrigger.allCases.count)
        #expect(policy.budgets.map(\.name) == ["daily-global", "per-user-monthly"])
        #expect(policy.contentHash == Policy.contentHash(of: BundledPolicies.defaultYAML))
    }

    @Test func abAlternativeRunsAnExperiment() throws {
        let policy = try Policy.load(file: repositoryRoot + "/policies/examples/ab-alternative.yaml")
        let variants = try #require(policy.variants)
        #expect(variants.assignBy == "user")
        #expect(variants.variants.map(\.name) == ["control", "thrifty"])
        #expect(variants.variants[1].overrides.models == ["sonnet": "claude-sonnet-5-5"])
        #expect(variants.variants[1].overrides.thresholds == ["sonnet": 0.12, "opus": 0.35])
    }

    @Test func nextGenerationUsesNewestModels() throws {
        let policy = try Policy.load(file: repositoryRoot + "/policies/examples/next-generation.yaml")
        #expect(policy.tiers.map(\.model) == ["claude-haiku-5-5", "claude-sonnet-5-5", "claude-opus-5-5"])
    }

    @Test func contentHashIsStableAndChangesWithBytes() {
        #expect(Policy.contentHash(of: "") == "cbf29ce484222325")   // FNV-1a 64 offset basis
        #expect(Policy.contentHash(of: "a") == "af63dc4c8601ec8c")  // published FNV-1a 64 test vector
        #expect(Policy.contentHash(of: "name: a\n") != Policy.contentHash(of: "name: b\n"))
    }

    @Test func missingFileIsAClearError() {
        #expect(throws: PolicyError.self) { try Policy.load(file: "/nonexistent/policy.yaml") }
    }

    @Test func relativePricesPathResolvesAgainstThePolicyFile() throws {
        let yaml = minimalPolicy + "prices: my-prices.yaml\n"
        let policy = try Policy.parse(yaml: yaml, file: "/etc/router/policy.yaml")
        #expect(policy.pricesFile == "/etc/router/my-prices.yaml")
        let absolute = try Policy.parse(yaml: minimalPolicy + "prices: /srv/p.yaml\n", file: "x/policy.yaml")
        #expect(absolute.pricesFile == "/srv/p.yaml")
        #expect(try Policy.parse(yaml: minimalPolicy, file: "p.yaml").pricesFile == nil)
    }
}
