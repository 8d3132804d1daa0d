// The README's "Using the library" example, built with the package (`swift build`) so that it
// cannot drift from the API: README.md shows the lines between the two markers verbatim, and a
// CLITests test compares them. Run it from the repository root (the policy path is relative):
//     ANTHROPIC_API_KEY=sk-ant-… swift run QuickStart
// or against the local mock: `claude-router mock-server --port 8089` in another terminal, then
//     ANTHROPIC_API_KEY=test ANTHROPIC_BASE_URL=http://127.0.0.1:8089 swift run QuickStart
import Foundation

guard ProcessInfo.processInfo.environment["ANTHROPIC_API_KEY"] != nil else {
    let message = "QuickStart calls the Anthropic Messages API: set ANTHROPIC_API_KEY "
        + "(and ANTHROPIC_BASE_URL to use a local mock).\n"
    FileHandle.standardError.write(Data(message.utf8))
    exit(2)
}
guard FileManager.default.fileExists(atPath: "policies/default.yaml") else {
    // The snippet's paths are relative: without this check a run elsewhere would leave a ledger
    // behind and stop on the policy error as a crash.
    FileHandle.standardError.write(Data("QuickStart reads policies/default.yaml: run it from the repository root.\n".utf8))
    exit(2)
}

// README snippet begin
import ClaudeClient
import Router
import RouterPolicies

let client = AnthropicClient()                       // ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL
let ledger = try SQLiteLedger(path: "claude-costs.sqlite")
let router = try ModelRouter(policy: .file("policies/default.yaml"), client: client, ledger: ledger)

let reply = try await router.send(
    MessageRequest(model: "auto", maxTokens: 0, messages: [.user("Extract the invoice number: …")]),
    options: CallOptions(task: "extraction", metadata: ["user": "u-42"]))
print(reply.message.text)
print(reply.decision.reason)                      // extraction → haiku: fixed tier for task
print(reply.totalCost, reply.savings ?? .zero)    // exact, all attempts included
// README snippet end
