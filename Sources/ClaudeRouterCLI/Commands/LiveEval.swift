import ClaudeRouterEval
import RouterPolicies

/// Runs a suite against the API through the Router (one call per case and policy).
struct LiveEval {
    var command: EvalCommand
    var suite: EvalSuite
    var policies: [(path: String, policy: Policy)]
    var names: [String]

    func run() async throws -> [VariantRun] {
        throw notYetAvailable("a live eval (without --dry-run)", needs: "the Router")
    }
}
