import ClaudeClient
import ClaudeMockServer
import Foundation
import Router
import RouterPolicies
import Testing

/// Content whose billed tokens the request's bytes do not bound (a document by URL, …) under a
/// hard budget: the router counts it exactly before reserving, even without `preflight:` in the
/// policy, and refuses rather than send it unbounded (docs/POLICY.md "Budgets"). Through a
/// router over loopback against the mock, which sizes a URL source by its `mock-tokens=N`.
@Suite("Router budgets: content the body's bytes do not bound", .serialized)
struct RouterUnboundedInputTests {
    /// A per-user hard limit of $0.01 (no `preflight:` in the policy).
    static let budgetYAML = RouterHarness.policyYAML + """
        budgets:
          - { name: per-user, scope: "metadata:user", period: day, hard_usd: "0.01", on_hard_limit: reject }

        """

    /// A short question about a PDF given by URL that the mock bills as `tokens` input tokens.
    static func urlDocument(tokens: Int, user: String = "u1") -> MessageRequest {
        let document = DocumentBlock(source: ["type": "url", "url": .string("https://example.com/big.pdf?mock-tokens=\(tokens)")])
        var request = MessageRequest(model: "auto", maxTokens: 0, messages: [
            MessageParam(role: .user, content: [.document(document), .text("Extract the invoice number.")]),
        ])
        request.metadata = RequestMetadata(userID: user)
        return request
    }

    @Test("a 250,000-token document by URL is counted first and refused: nothing is sent, nothing is spent")
    func largeURLDocumentIsRefused() async throws {
        let harness = try await RouterHarness.start(policyYAML: Self.budgetYAML)
        defer { Task { await harness.stop() } }
        // The body is a few hundred bytes; before the fix its byte bound fitted the $0.01 limit
        // and the call went out, billed about $0.25 at Haiku's input price.
        let error = await #expect(throws: RouterError.self) {
            _ = try await harness.router.send(Self.urlDocument(tokens: 250_000), options: CallOptions(task: "extraction"))
        }
        #expect(error?.code == .budgetExceeded)
        #expect(error?.budget?.ruleName == "per-user")
        #expect(harness.server.stats.requests(to: .countTokens) == 1)
        #expect(harness.server.stats.requests(to: .messages) == 0)
        #expect(try await harness.ledger.records(LedgerQuery()).isEmpty)
        let spent = await harness.router.budgetStatus().map(\.spent).sum()
        #expect(spent == .zero)
    }

    @Test("a small document by URL is counted, reserved on the exact count, sent, and spend stays within the limit")
    func smallURLDocumentIsCountedAndSent() async throws {
        let harness = try await RouterHarness.start(policyYAML: Self.budgetYAML)
        defer { Task { await harness.stop() } }
        let reply = try await harness.router.send(Self.urlDocument(tokens: 300), options: CallOptions(task: "extraction"))
        #expect(harness.server.stats.requests(to: .countTokens) == 1)
        #expect(harness.server.stats.requests(to: .messages) == 1)
        #expect(reply.message.usage.inputTokens >= 300)
        let record = try #require(try await harness.ledger.records(LedgerQuery()).first)
        #expect(record.preflightInputTokens == reply.message.usage.inputTokens)
        let cost = try #require(record.cost?.total)
        #expect(cost <= USDAmount(dollars: "0.01")!)
        // Sent again and again, the per-user budget refuses before it is overspent.
        var refused = false
        for _ in 0..<20 where !refused {
            do {
                _ = try await harness.router.send(Self.urlDocument(tokens: 300), options: CallOptions(task: "extraction"))
            } catch let error as RouterError where error.code == .budgetExceeded {
                refused = true
            }
        }
        #expect(refused)
        let spent = try await harness.ledger.records(LedgerQuery()).compactMap(\.cost?.total).sum()
        #expect(spent <= USDAmount(dollars: "0.01")!)
    }

    @Test("when count_tokens fails, a document by URL under a hard budget is refused, never sent unbounded")
    func failedCountRefuses() async throws {
        let harness = try await RouterHarness.start(policyYAML: Self.budgetYAML)
        defer { Task { await harness.stop() } }
        harness.server.enqueue(.status(500))
        let error = await #expect(throws: RouterError.self) {
            _ = try await harness.router.send(Self.urlDocument(tokens: 250_000), options: CallOptions(task: "extraction"))
        }
        #expect(error?.code == .unboundedUnderBudget)
        #expect(error?.message.contains("a document given by URL") == true)
        #expect(error?.message.contains("'per-user'") == true)
        #expect((error?.underlying as? ClaudeError)?.status == 500)
        #expect(harness.server.stats.requests(to: .messages) == 0)
        #expect(try await harness.ledger.records(LedgerQuery()).isEmpty)
    }

    @Test("without a budget that applies, nothing changes: no count, the call is sent")
    func noBudgetNoCount() async throws {
        // No budgets at all.
        let plain = try await RouterHarness.start()
        defer { Task { await plain.stop() } }
        _ = try await plain.router.send(Self.urlDocument(tokens: 250_000), options: CallOptions(task: "extraction"))
        #expect(plain.server.stats.requests(to: .countTokens) == 0)
        #expect(plain.server.stats.requests(to: .messages) == 1)
        // A per-user budget, but the call has no user: no budget applies.
        let budgeted = try await RouterHarness.start(policyYAML: Self.budgetYAML)
        defer { Task { await budgeted.stop() } }
        var anonymous = Self.urlDocument(tokens: 250_000)
        anonymous.metadata = nil
        _ = try await budgeted.router.send(anonymous, options: CallOptions(task: "extraction"))
        #expect(budgeted.server.stats.requests(to: .countTokens) == 0)
        #expect(budgeted.server.stats.requests(to: .messages) == 1)
    }

    @Test("which content the byte bound covers: text is bounded; URL, file, base64 media and unknown blocks are not")
    func boundedness() {
        let plan = { (blocks: [ContentBlock]) -> Bool in
            let request = MessageRequest(model: "auto", maxTokens: 0, messages: [MessageParam(role: .user, content: blocks)])
            let policy = try! Policy.parse(yaml: Self.budgetYAML, file: "p.yaml")
            return LeverPlan.make(request: request, policy: policy,
                                  options: CallOptions(task: "extraction", metadata: ["user": "u"])).preflightWouldRun
        }
        #expect(!plan([.text("hello")]))
        #expect(!plan([.document(.plainText("a text document"))]))
        #expect(plan([.document(DocumentBlock(source: ["type": "url", "url": "https://example.com/a.pdf"]))]))
        #expect(plan([.document(DocumentBlock(source: ["type": "file", "file_id": "file_011"]))]))
        #expect(plan([.document(.pdf(base64: "JVBERi0xLjQ="))]))
        #expect(plan([.image(ImageBlock(source: .url("https://example.com/a.png")))]))
        #expect(plan([.image(ImageBlock(source: .base64(mediaType: "image/png", data: "iVBORw0KGgo=")))]))
        #expect(plan([.image(ImageBlock(source: .other(["type": "file", "file_id": "file_012"])))]))
        #expect(plan([.unknown(type: "container_upload", raw: ["type": "container_upload", "file_id": "file_013"])]))
        let nested = ToolResultBlock(toolUseID: "t1", content: .blocks([.image(ImageBlock(source: .url("https://example.com/b.png")))]))
        #expect(plan([.toolResult(nested)]))
    }
}
