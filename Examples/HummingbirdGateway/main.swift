// A tiny HTTP gateway: Hummingbird serves `POST /complete` (the body is the prompt) and a
// `ModelRouter` picks the model, so both libraries' `Router` appear in one file.
//
// Where Hummingbird is imported, a bare `Router` names Hummingbird's type, which shadows this
// package's `Router` module: `Router.ModelRouter` would look for a member of that type. The
// module selector `Router::ModelRouter` (Swift 6.3, SE-0491) names the module unambiguously,
// and `Hummingbird.Router` names the type. In files that do not import Hummingbird, plain
// `ModelRouter` or `Router.ModelRouter` work.
//
// Run from the repository root: ANTHROPIC_API_KEY=… swift run HummingbirdGateway, then
//     curl -d 'Extract the invoice number: INV-7' http://127.0.0.1:8080/complete
import ClaudeClient
import Foundation
import Hummingbird
import Router
import RouterPolicies

let environment = ProcessInfo.processInfo.environment
let modelRouter = try Router::ModelRouter(
    policy: .file(environment["CLAUDE_ROUTER_POLICY"] ?? "policies/default.yaml"),
    client: AnthropicClient(),
    ledger: try Router::JSONLinesLedger(path: "gateway-ledger.jsonl")
)

let routes = Hummingbird.Router()
routes.post("complete") { request, _ -> String in
    let prompt = String(buffer: try await request.body.collect(upTo: 1 << 20))
    let reply = try await modelRouter.send(MessageRequest(model: "auto", maxTokens: 0, messages: [.user(prompt)]))
    return "\(reply.decision.tier) (\(reply.message.model)), \(reply.totalCost)\n\(reply.message.text)\n"
}

let app = Application(
    router: routes,
    configuration: .init(address: .hostname("127.0.0.1", port: Int(environment["PORT"] ?? "") ?? 8080))
)
try await app.runService()
