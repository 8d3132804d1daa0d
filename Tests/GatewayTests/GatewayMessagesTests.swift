import ClaudeClient
import ClaudeRouterGateway
import Foundation
import Router
import RouterPolicies
import Testing

/// The wire of `POST /v1/messages` through a gateway in this process, seen by curl and by
/// this package's own client, in front of the mock.
@Suite("Gateway messages", .serialized)
struct GatewayMessagesTests {
    @Test("auto is routed: the body is the API's message, x-router-* headers tell tier, cost and reason, the ledger has the call")
    func autoRouted() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let reply = try await Curl.run(
            harness.gateway.baseURL + "/v1/messages",
            body: Curl.messageBody(prompt: "Extract the invoice number from: Invoice #4411."),
            headers: ["x-api-key": "anything", "anthropic-version": "2023-06-01", "x-router-task": "extraction",
                      "x-router-metadata-feature": "invoices"])
        #expect(reply.status == 200)
        let json = try #require(reply.json)
        #expect(json["type"] as? String == "message")
        #expect(json["role"] as? String == "assistant")
        #expect((json["model"] as? String)?.contains("claude-haiku-4-5") == true)
        #expect(json.keys.contains("stop_sequence"))
        #expect(json["stop_reason"] as? String == "end_turn")
        let usage = try #require(json["usage"] as? [String: Any])
        #expect((usage["input_tokens"] as? Int ?? 0) > 0)
        #expect(reply.headers["x-router-tier"] == "haiku")
        #expect(reply.headers["x-router-model"] == "claude-haiku-4-5")
        #expect(reply.headers["x-router-task"] == "extraction")
        #expect(reply.headers["x-router-attempts"] == "1")
        #expect(reply.headers["request-id"]?.hasPrefix("req_mock_") == true)
        #expect(!(reply.headers["x-router-reason"] ?? "").isEmpty)

        let records = try await harness.ledger.records(LedgerQuery())
        let record = try #require(records.first)
        #expect(records.count == 1)
        #expect(record.task == "extraction")
        #expect(record.metadata["feature"] == "invoices")
        // The header's cost is the ledger's exact cost.
        #expect(reply.headers["x-router-cost-usd"] == record.cost?.total.exactDecimal)
    }

    @Test("a concrete model passes through unrouted but recorded; metadata.user_id becomes the user")
    func concreteModelPassesThrough() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let reply = try await Curl.run(
            harness.gateway.baseURL + "/v1/messages",
            body: Curl.messageBody(model: "claude-sonnet-4-6", prompt: "Hello there",
                                   extra: #","metadata":{"user_id":"user-42"}"#),
            headers: ["x-api-key": "k"])
        #expect(reply.status == 200)
        #expect(reply.headers["x-router-tier"] == "sonnet")
        #expect((reply.json?["model"] as? String)?.contains("claude-sonnet-4-6") == true)
        let record = try #require(try await harness.ledger.records(LedgerQuery()).first)
        #expect(record.model.contains("claude-sonnet-4-6"))
        #expect(record.metadata["user"] == "user-42")
    }

    @Test("the auto:TASK alias routes with that task; an unknown alias is a 400 listing the aliases")
    func taskAlias() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let ok = try await Curl.run(harness.gateway.baseURL + "/v1/messages",
                                    body: Curl.messageBody(model: "auto:reasoning", prompt: "hi"), headers: ["x-api-key": "k"])
        #expect(ok.status == 200)
        #expect(ok.headers["x-router-tier"] == "opus")
        #expect(ok.headers["x-router-task"] == "reasoning")
        let bad = try await Curl.run(harness.gateway.baseURL + "/v1/messages",
                                     body: Curl.messageBody(model: "auto:nope", prompt: "hi"), headers: ["x-api-key": "k"])
        #expect(bad.status == 400)
        let error = try #require(bad.json?["error"] as? [String: Any])
        #expect(error["type"] as? String == "invalid_request_error")
        #expect((error["message"] as? String)?.contains("auto:extraction") == true)
    }

    @Test("an unknown x-router-task is a 400 naming it and the policy's tasks, with no upstream call")
    func unknownTaskHeader() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let url = harness.gateway.baseURL
        for (path, body) in [("/v1/messages", Curl.messageBody(prompt: "hi")),
                             ("/v1/messages", Curl.messageBody(prompt: "hi", stream: true)),
                             ("/v1/messages", Curl.messageBody(model: "auto:extraction", prompt: "hi")),
                             ("/v1/messages/count_tokens", #"{"model":"auto","messages":[{"role":"user","content":"hi"}]}"#)] {
            let bad = try await Curl.run(url + path, body: body, headers: ["x-api-key": "k", "x-router-task": "nope"])
            #expect(bad.status == 400, "\(path) \(body)")
            #expect(bad.json?["type"] as? String == "error")
            let error = try #require(bad.json?["error"] as? [String: Any])
            #expect(error["type"] as? String == "invalid_request_error")
            #expect(error["message"] as? String
                    == "x-router-task: 'nope' names no task of policy 'gateway-test' (tasks: extraction, qa, reasoning)")
        }
        #expect(harness.mock.stats.totalRequests == 0)
        #expect(try await harness.ledger.records(LedgerQuery()).isEmpty)
        // A task the policy has still routes.
        let ok = try await Curl.run(url + "/v1/messages", body: Curl.messageBody(prompt: "hi"),
                                    headers: ["x-api-key": "k", "x-router-task": "reasoning"])
        #expect(ok.status == 200)
        #expect(ok.headers["x-router-task"] == "reasoning")
    }

    @Test("this package's client reads the gateway's replies and streams as it reads the API's")
    func ownClientCompatible() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let caller = harness.gatewayClient()
        defer { caller.shutdown() }
        let request = MessageRequest(model: "auto", maxTokens: 200, messages: [.user("Extract the date: due 2026-12-01")])
        let plain = try await caller.createMessage(request)
        #expect(plain.body.text.contains("mock"))

        var texts = ""
        var sawStart = false, sawStop = false
        for try await event in try await caller.streamMessage(request) {
            switch event {
            case .messageStart: sawStart = true
            case .contentBlockDelta(_, .text(let piece)): texts += piece
            case .messageStop: sawStop = true
            default: break
            }
        }
        #expect(sawStart && sawStop)
        #expect(texts == plain.body.text)
        let records = try await harness.ledger.records(LedgerQuery())
        #expect(records.count == 2)
        #expect(records.allSatisfy { $0.outcome == .success })
    }

    @Test("SSE events arrive in the API's order and framing; usage is recorded when the stream ends")
    func streamFraming() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let reply = try await Curl.run(harness.gateway.baseURL + "/v1/messages",
                                       body: Curl.messageBody(prompt: "Say hello [[mock: reply=one_two_three]]", stream: true),
                                       headers: ["x-api-key": "k"])
        #expect(reply.status == 200)
        #expect(reply.headers["content-type"]?.hasPrefix("text/event-stream") == true)
        #expect(reply.headers["x-router-tier"] != nil)
        let names = reply.body.components(separatedBy: "\n").filter { $0.hasPrefix("event: ") }.map { String($0.dropFirst(7)) }
        #expect(names.first == "message_start")
        #expect(names.last == "message_stop")
        #expect(names.contains("content_block_delta"))
        #expect(names.firstIndex(of: "message_delta")! < names.firstIndex(of: "message_stop")!)
        var text = ""
        for line in reply.body.components(separatedBy: "\n") where line.hasPrefix("data: ") {
            let event = try #require(try JSONSerialization.jsonObject(with: Data(line.dropFirst(6).utf8)) as? [String: Any])
            if event["type"] as? String == "content_block_delta", let delta = event["delta"] as? [String: Any] {
                text += delta["text"] as? String ?? ""
            }
        }
        #expect(text == "one two three")
        let record = try #require(try await harness.ledger.records(LedgerQuery()).first)
        #expect(record.outcome == .success)
        #expect(record.usage.output > 0)
        // The API's request id of the streamed attempt, as on a JSON reply: the one the ledger has.
        let requestID = try #require(reply.headers["request-id"])
        #expect(requestID.hasPrefix("req_mock_"))
        #expect(record.requestID == requestID)
    }

    @Test("tool use round-trips: tool definitions go up, tool_use blocks come back with their input")
    func toolUse() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let tools = #","tools":[{"name":"get_weather","description":"Weather for a city","input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}]"#
        let reply = try await Curl.run(harness.gateway.baseURL + "/v1/messages",
                                       body: Curl.messageBody(model: "claude-haiku-4-5", prompt: "Weather in Paris? [[mock: tool=get_weather]]", extra: tools),
                                       headers: ["x-api-key": "k"])
        #expect(reply.status == 200)
        let content = try #require(reply.json?["content"] as? [[String: Any]])
        let toolUse = try #require(content.first { $0["type"] as? String == "tool_use" })
        #expect(toolUse["name"] as? String == "get_weather")
        #expect(toolUse["input"] is [String: Any])
        #expect(reply.json?["stop_reason"] as? String == "tool_use")
    }

    @Test("upstream errors pass through with the API's status and body; a bad body is a 400 naming the field")
    func errorsPassThrough() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let overloaded = try await Curl.run(harness.gateway.baseURL + "/v1/messages",
                                            body: Curl.messageBody(model: "claude-haiku-4-5", prompt: "x [[mock: status=529]]"),
                                            headers: ["x-api-key": "k"])
        #expect(overloaded.status == 529)
        #expect(overloaded.json?["type"] as? String == "error")
        #expect((overloaded.json?["error"] as? [String: Any])?["type"] as? String == "overloaded_error")

        let missing = try await Curl.run(harness.gateway.baseURL + "/v1/messages",
                                         body: #"{"model":"auto","messages":[{"role":"user","content":"hi"}]}"#,
                                         headers: ["x-api-key": "k"])
        #expect(missing.status == 400)
        let detail = try #require(missing.json?["error"] as? [String: Any])
        #expect(detail["type"] as? String == "invalid_request_error")
        #expect((detail["message"] as? String)?.contains("max_tokens") == true)

        let unknown = try await Curl.run(harness.gateway.baseURL + "/v2/nothing", headers: ["x-api-key": "k"])
        #expect(unknown.status == 404)
        #expect((unknown.json?["error"] as? [String: Any])?["type"] as? String == "not_found_error")
    }

    @Test("a budget refusal is a 429 naming the budget and its reset, with x-should-retry: false")
    func budgetRefusal() async throws {
        let budgets = """
        budgets:
          - { name: tiny-daily, scope: global, period: day, hard_usd: "0.000001" }
        """
        let harness = try await GatewayHarness.start(budgets: budgets)
        defer { Task { await harness.stop() } }
        let reply = try await Curl.run(harness.gateway.baseURL + "/v1/messages",
                                       body: Curl.messageBody(prompt: "hello"), headers: ["x-api-key": "k"])
        #expect(reply.status == 429)
        #expect(reply.headers["x-should-retry"] == "false")
        #expect(reply.headers["x-router-budget"] == "tiny-daily")
        #expect(Int(reply.headers["retry-after"] ?? "") ?? 0 > 0)
        let detail = try #require(reply.json?["error"] as? [String: Any])
        #expect(detail["type"] as? String == "rate_limit_error")
        let message = try #require(detail["message"] as? String)
        #expect(message.contains("tiny-daily"))
        #expect(message.contains("resets at"))
        #expect(harness.mock.stats.totalRequests == 0)
    }

    @Test("a document by URL under a per-user hard budget is counted first: refused, never sent; a failed count refuses too")
    func unboundedDocumentUnderBudget() async throws {
        let budgets = """
        budgets:
          - { name: per-user, scope: "metadata:user", period: day, hard_usd: "0.01" }
        """
        let harness = try await GatewayHarness.start(budgets: budgets)
        defer { Task { await harness.stop() } }
        // A few hundred bytes of body; the mock bills the PDF as 250,000 input tokens.
        let body = #"{"model":"auto","max_tokens":256,"metadata":{"user_id":"alice"},"messages":[{"role":"user","content":["#
            + #"{"type":"document","source":{"type":"url","url":"https://example.com/big.pdf?mock-tokens=250000"}},"#
            + #"{"type":"text","text":"Summarize the report."}]}]}"#
        let refused = try await Curl.run(harness.gateway.baseURL + "/v1/messages", body: body, headers: ["x-api-key": "k"])
        #expect(refused.status == 429)
        #expect(refused.headers["x-router-budget"] == "per-user")
        #expect(harness.mock.stats.requests(to: .countTokens) == 1)
        #expect(harness.mock.stats.requests(to: .messages) == 0)

        harness.mock.enqueue(.status(500))
        let uncounted = try await Curl.run(harness.gateway.baseURL + "/v1/messages", body: body, headers: ["x-api-key": "k"])
        #expect(uncounted.status == 500)
        let detail = try #require(uncounted.json?["error"] as? [String: Any])
        #expect(detail["type"] as? String == "api_error")
        #expect((detail["message"] as? String)?.contains("a document given by URL") == true)
        #expect(harness.mock.stats.requests(to: .messages) == 0)
        #expect(try await harness.ledger.records(LedgerQuery()).isEmpty)
    }
}
