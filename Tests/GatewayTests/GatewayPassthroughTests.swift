import ClaudeClient
import ClaudeRouterGateway
import Foundation
import Router
import Testing

/// The caller's body stays the caller's: the gateway forwards its bytes with only the fields the
/// router sets rewritten, and refuses shapes the API would refuse without calling upstream.
@Suite("Gateway passthrough and request shape", .serialized)
struct GatewayPassthroughTests {
    /// A body with a top-level field and a nested member no client type models, an unusual
    /// number spelling, and the caller's key order.
    static let unknownFieldsBody = #"""
    {"zz_future_param": {"mode": "x", "levels": [1, 2.50, {"deep": null}]}, "model": "auto", "max_tokens": 300,
     "messages": [{"role": "user", "content": [{"type": "text", "text": "Extract the id: #77", "x_new_member": 1e3}]}],
     "stream": false, "metadata": {"user_id": "u-1", "trace": "t-9"}}
    """#

    @Test("fields the client types do not know reach the mock intact; only model and max_tokens are rewritten")
    func unknownFieldsReachUpstream() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let reply = try await Curl.run(harness.gateway.baseURL + "/v1/messages", body: Self.unknownFieldsBody,
                                       headers: ["x-api-key": "k", "x-router-task": "extraction"])
        #expect(reply.status == 200)
        let forwarded = String(decoding: try #require(harness.mock.stats.lastRequestBody), as: UTF8.self)
        let sentMaxTokens = try #require(
            (try JSONSerialization.jsonObject(with: Data(forwarded.utf8)) as? [String: Any])?["max_tokens"] as? Int)
        // Byte for byte the caller's text, bar the routed model, the policy's max_tokens and `stream`.
        let expected = Self.unknownFieldsBody
            .replacingOccurrences(of: #""model": "auto""#, with: #""model": "claude-haiku-4-5""#)
            .replacingOccurrences(of: #""max_tokens": 300"#, with: #""max_tokens": \#(sentMaxTokens)"#)
            .replacingOccurrences(of: "\n \"stream\": false,", with: "")
        #expect(forwarded == expected)
        #expect(forwarded.contains(#""zz_future_param": {"mode": "x", "levels": [1, 2.50, {"deep": null}]}"#))
        #expect(forwarded.contains(#""x_new_member": 1e3"#))
        #expect(forwarded.contains(#""trace": "t-9""#))
        #expect(!forwarded.contains("stream"))
    }

    @Test("the reply body is the API's bytes: the same as the mock answers a direct call, bar the message id")
    func replyBytesPassThrough() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let body = #"{"model":"claude-haiku-4-5","max_tokens":40,"messages":[{"role":"user","content":"Name a colour"}]}"#
        let viaGateway = try await Curl.run(harness.gateway.baseURL + "/v1/messages", body: body, headers: ["x-api-key": "k"])
        let direct = try await Curl.run(harness.mock.baseURL + "/v1/messages", body: body,
                                        headers: ["x-api-key": "k", "anthropic-version": "2023-06-01"])
        #expect(viaGateway.status == 200 && direct.status == 200)
        func withoutID(_ text: String) -> String {
            text.replacingOccurrences(of: #""id":"[^"]*""#, with: #""id":"ID""#, options: .regularExpression)
        }
        #expect(withoutID(viaGateway.body) == withoutID(direct.body))
        // The mock's usage order and its members the client does not decode into fields are kept.
        #expect(viaGateway.body.contains(#""service_tier":"standard""#))
    }

    @Test("a streamed request is forwarded with stream: true and its unknown fields")
    func streamedKeepsFields() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let body = #"{"model":"claude-sonnet-4-6","max_tokens":64,"stream":true,"new_knob":[true],"messages":[{"role":"user","content":"hi"}]}"#
        let reply = try await Curl.run(harness.gateway.baseURL + "/v1/messages", body: body, headers: ["x-api-key": "k"])
        #expect(reply.status == 200)
        #expect(reply.body.contains("event: message_stop"))
        let forwarded = String(decoding: try #require(harness.mock.stats.lastRequestBody), as: UTF8.self)
        #expect(forwarded == body)
    }

    @Test("the splice rewrites only model, max_tokens and stream, removing or adding stream cleanly")
    func spliceUnit() throws {
        let original = OriginalRequestJSON(Array(#"{ "stream" : false , "model":"auto","a":"x\"model\"","max_tokens":0 }"#.utf8))
        let sent = try #require(original.spliced(model: "claude-haiku-4-5", maxTokens: 512, stream: nil))
        #expect(String(decoding: sent, as: UTF8.self) == #"{ "model":"claude-haiku-4-5","a":"x\"model\"","max_tokens":512 }"#)
        let streamed = try #require(original.spliced(model: "m\"q", maxTokens: 0, stream: true))
        #expect(String(decoding: streamed, as: UTF8.self) == #"{ "stream" : true , "model":"m\"q","a":"x\"model\"","max_tokens":0 }"#)
        let noStream = OriginalRequestJSON(Array(#"{"model":"a","max_tokens":1,"stream":false}"#.utf8))
        #expect(String(decoding: try #require(noStream.spliced(model: "a", maxTokens: 1, stream: nil)), as: UTF8.self)
                == #"{"model":"a","max_tokens":1}"#)
        #expect(String(decoding: try #require(noStream.spliced(model: "a", maxTokens: 1, stream: true)), as: UTF8.self)
                == #"{"model":"a","max_tokens":1,"stream":true}"#)
        let absent = OriginalRequestJSON(Array(#"{"model":"a","max_tokens":1}"#.utf8))
        #expect(String(decoding: try #require(absent.spliced(model: "a", maxTokens: 1, stream: true)), as: UTF8.self)
                == #"{"stream":true,"model":"a","max_tokens":1}"#)
        for encoded in [#"{"model":"a","max_tokens":1,"messages":[]}"#, #"{"stream":true,"model":"b","max_tokens":2}"#] {
            let parsed = try #require(try JSONSerialization.jsonObject(
                with: Data(OriginalRequestJSON(Array(encoded.utf8)).spliced(model: "z", maxTokens: 9, stream: nil)!)) as? [String: Any])
            #expect(parsed["model"] as? String == "z")
            #expect(parsed["max_tokens"] as? Int == 9)
            #expect(parsed["stream"] == nil)
        }
        #expect(OriginalRequestJSON(Array("[1]".utf8)).spliced(model: "a", maxTokens: 1, stream: nil) == nil)
    }

    @Test("requests the API would reject for shape get its 400 from the gateway without an upstream call",
          arguments: [
              (#"{"model":"auto","max_tokens":100,"messages":[]}"#, "messages: at least one message is required"),
              (#"{"model":"claude-haiku-4-5","max_tokens":0,"messages":[{"role":"user","content":"hi"}]}"#,
               "max_tokens: must be greater than or equal to 1"),
              (#"{"model":"auto","max_tokens":-5,"messages":[{"role":"user","content":"hi"}]}"#,
               "max_tokens: must be greater than or equal to 0"),
              (#"{"model":"auto","max_tokens":10,"messages":[{"role":"system","content":"hi"}]}"#,
               "messages.0.role: must be 'user' or 'assistant'"),
              (#"{"model":"auto","max_tokens":10,"messages":[{"role":"user","content":[]},{"role":"assistant","content":"a"}]}"#,
               "messages.0: all messages must have non-empty content"),
              (#"{"model":"auto","max_tokens":10,"messages":[{"role":"user","content":""}]}"#,
               "messages.0.content.0.text: text content blocks must be non-empty"),
          ])
    func shapeRefusedLocally(body: String, message: String) async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        for stream in [false, true] {
            let sent = stream ? body.replacingOccurrences(of: #""model""#, with: #""stream":true,"model""#) : body
            let reply = try await Curl.run(harness.gateway.baseURL + "/v1/messages", body: sent, headers: ["x-api-key": "k"])
            #expect(reply.status == 400)
            #expect(reply.json?["type"] as? String == "error")
            let error = try #require(reply.json?["error"] as? [String: Any])
            #expect(error["type"] as? String == "invalid_request_error")
            #expect((error["message"] as? String)?.hasPrefix(message) == true, "\(error["message"] ?? "")")
        }
        let counted = try await Curl.run(harness.gateway.baseURL + "/v1/messages/count_tokens",
                                         body: #"{"model":"auto","messages":[]}"#, headers: ["x-api-key": "k"])
        #expect(counted.status == 400)
        #expect(harness.mock.stats.totalRequests == 0)
        #expect(try await harness.ledger.records(LedgerQuery()).isEmpty)
    }

    @Test("the caller's anthropic-beta reaches the API on messages, streams, count_tokens and batches, after the gateway's own betas")
    func betasForwarded() async throws {
        let harness = try await GatewayHarness.start(betas: ["gateway-beta-1"])
        defer { Task { await harness.stop() } }
        let url = harness.gateway.baseURL
        let calls: [(String, String)] = [
            ("/v1/messages", Curl.messageBody(prompt: "hi")),
            ("/v1/messages", Curl.messageBody(prompt: "hi", stream: true)),
            ("/v1/messages/count_tokens", #"{"model":"auto","messages":[{"role":"user","content":"hi"}]}"#),
            ("/v1/messages/batches",
             #"{"requests":[{"custom_id":"a","params":{"model":"auto","max_tokens":64,"messages":[{"role":"user","content":"hi"}]}}]}"#),
        ]
        for (path, body) in calls {
            let reply = try await Curl.run(url + path, body: body, headers: [
                "x-api-key": "k", "anthropic-beta": "context-1m-2025-08-07, gateway-beta-1,,files-api-2025-04-14"])
            #expect(reply.status == 200, "\(path): \(reply.body)")
            let sent = try #require(harness.mock.stats.recentRequests.last)
            #expect(sent.path == path)
            #expect(sent.anthropicBeta == "gateway-beta-1,context-1m-2025-08-07,files-api-2025-04-14", "\(path)")
        }
        // Without the header, only the gateway's own.
        _ = try await Curl.run(url + "/v1/messages", body: Curl.messageBody(prompt: "hi"), headers: ["x-api-key": "k"])
        #expect(harness.mock.stats.recentRequests.last?.anthropicBeta == "gateway-beta-1")
    }

    @Test("the caller's anthropic-version is forwarded and its rules apply: 2023-06-01 allows temperature")
    func versionHonoured() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let url = harness.gateway.baseURL
        let withTemperature = Curl.messageBody(model: "claude-haiku-4-5", prompt: "hi", extra: #","temperature":0.2"#)
        for stream in [false, true] {
            let body = stream ? withTemperature.replacingOccurrences(of: #""stream":false"#, with: #""stream":true"#) : withTemperature
            let pinned = try await Curl.run(url + "/v1/messages", body: body,
                                            headers: ["x-api-key": "k", "anthropic-version": "2023-06-01"])
            #expect(pinned.status == 200, "\(pinned.body)")
            #expect(harness.mock.stats.recentRequests.last?.anthropicVersion == "2023-06-01")
        }
        let counted = try await Curl.run(url + "/v1/messages/count_tokens",
                                         body: #"{"model":"claude-haiku-4-5","messages":[{"role":"user","content":"hi"}]}"#,
                                         headers: ["x-api-key": "k", "anthropic-version": "2023-06-01"])
        #expect(counted.status == 200)
        #expect(harness.mock.stats.recentRequests.last?.anthropicVersion == "2023-06-01")
        // Without the header the client's default applies: temperature is refused before sending.
        let sentBefore = harness.mock.stats.totalRequests
        let current = try await Curl.run(url + "/v1/messages", body: withTemperature, headers: ["x-api-key": "k"])
        #expect(current.status == 400)
        #expect(((current.json?["error"] as? [String: Any])?["message"] as? String)?.contains("2026-10-21") == true)
        _ = try await Curl.run(url + "/v1/messages", body: Curl.messageBody(prompt: "hi"), headers: ["x-api-key": "k"])
        #expect(harness.mock.stats.recentRequests.last?.anthropicVersion == "2026-10-21")
        #expect(harness.mock.stats.totalRequests == sentBefore + 1)
    }

    @Test("an anthropic-version the client does not know is a 400 naming the versions accepted, sent nowhere")
    func unknownVersionRefused() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        for (path, body) in [("/v1/messages", Curl.messageBody(prompt: "hi")),
                             ("/v1/messages", Curl.messageBody(prompt: "hi", stream: true)),
                             ("/v1/messages/count_tokens", #"{"model":"auto","messages":[{"role":"user","content":"hi"}]}"#)] {
            let reply = try await Curl.run(harness.gateway.baseURL + path, body: body,
                                           headers: ["x-api-key": "k", "anthropic-version": "2024-01-01"])
            #expect(reply.status == 400)
            #expect(reply.json?["type"] as? String == "error")
            let error = try #require(reply.json?["error"] as? [String: Any])
            #expect(error["type"] as? String == "invalid_request_error")
            #expect(error["message"] as? String
                    == "anthropic-version: '2024-01-01' is not a version this gateway accepts (accepted: 2023-06-01, 2026-10-21)")
        }
        #expect(harness.mock.stats.totalRequests == 0)
        #expect(try await harness.ledger.records(LedgerQuery()).isEmpty)
    }

    @Test("the API's anthropic-ratelimit-* headers reach the caller on replies, streams, count_tokens and errors")
    func rateLimitHeadersForwarded() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let url = harness.gateway.baseURL
        func rateLimitFields(_ reply: CurlReply) -> [String: String] {
            reply.headers.filter { $0.key.hasPrefix("anthropic-ratelimit-") }
        }
        // What the mock sends for such a call (its request counter makes `requests-remaining`
        // differ per call; every other field is the same).
        let direct = try await Curl.run(harness.mock.baseURL + "/v1/messages",
                                        body: Curl.messageBody(model: "claude-haiku-4-5", prompt: "hi"),
                                        headers: ["x-api-key": "k", "anthropic-version": "2023-06-01"])
        let names = Set(rateLimitFields(direct).keys)
        #expect(names.count == 12)
        for (path, body, status) in [
            ("/v1/messages", Curl.messageBody(model: "claude-haiku-4-5", prompt: "hi"), 200),
            ("/v1/messages", Curl.messageBody(model: "claude-haiku-4-5", prompt: "hi", stream: true), 200),
            ("/v1/messages/count_tokens", #"{"model":"claude-haiku-4-5","messages":[{"role":"user","content":"hi"}]}"#, 200),
            ("/v1/messages", Curl.messageBody(model: "claude-haiku-4-5", prompt: "x [[mock: status=429]]"), 429),
        ] {
            let reply = try await Curl.run(url + path, body: body, headers: ["x-api-key": "k"])
            #expect(reply.status == status, "\(path) \(body)")
            let fields = rateLimitFields(reply)
            #expect(Set(fields.keys) == names, "\(path) \(body)")
            #expect(fields["anthropic-ratelimit-requests-limit"] == "4000")
            #expect(fields["anthropic-ratelimit-requests-remaining"] == (status == 429 ? "0" : String(4000 - harness.mock.stats.totalRequests)),
                    "\(path) \(body)")
        }
    }

    @Test("the API's x-should-retry on an error reaches the caller, whose client then does not retry")
    func shouldRetryForwarded() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let url = harness.gateway.baseURL
        for (flag, stream) in [("false", false), ("true", false), ("false", true)] {
            let reply = try await Curl.run(url + "/v1/messages", body: Curl.messageBody(
                model: "claude-haiku-4-5", prompt: "x [[mock: status=500 should-retry=\(flag)]]", stream: stream),
                headers: ["x-api-key": "k"])
            #expect(reply.status == 500)
            #expect(reply.headers["x-should-retry"] == flag)
        }
        let plain = try await Curl.run(url + "/v1/messages", body: Curl.messageBody(
            model: "claude-haiku-4-5", prompt: "x [[mock: status=500]]"), headers: ["x-api-key": "k"])
        #expect(plain.status == 500)
        #expect(plain.headers["x-should-retry"] == nil)
        // A client with retries left obeys it: one call through the gateway, one upstream.
        let caller = harness.gatewayClient(retries: 2)
        defer { caller.shutdown() }
        let before = harness.mock.stats.totalRequests
        await #expect(throws: ClaudeError.self) {
            _ = try await caller.createMessage(MessageRequest(
                model: "claude-haiku-4-5", maxTokens: 20, messages: [.user("x [[mock: status=500 should-retry=false]]")]))
        }
        #expect(harness.mock.stats.totalRequests == before + 1)
    }

    @Test("members the client does not model (container, context_management) pass through streamed events as the API sent them")
    func streamedUnmodeledFieldsKept() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let body = Curl.messageBody(model: "claude-haiku-4-5", prompt: "run it [[mock: container=container_011abc]]", stream: true)
        let viaGateway = try await Curl.run(harness.gateway.baseURL + "/v1/messages", body: body, headers: ["x-api-key": "k"])
        let direct = try await Curl.run(harness.mock.baseURL + "/v1/messages", body: body,
                                        headers: ["x-api-key": "k", "anthropic-version": "2023-06-01"])
        #expect(viaGateway.status == 200 && direct.status == 200)
        func events(_ text: String, _ name: String) throws -> [String: Any] {
            let lines = text.components(separatedBy: "\n")
            let at = try #require(lines.firstIndex(of: "event: \(name)"), "\(name) in \(text)")
            let line = lines[at + 1]
            var event = try #require(try JSONSerialization.jsonObject(with: Data(line.dropFirst(6).utf8)) as? [String: Any])
            if var message = event["message"] as? [String: Any] {
                message["id"] = "ID"
                event["message"] = message
            }
            return event
        }
        let start = try events(viaGateway.body, "message_start")
        let container = try #require((start["message"] as? [String: Any])?["container"] as? [String: Any])
        #expect(container["id"] as? String == "container_011abc")
        let delta = try events(viaGateway.body, "message_delta")
        #expect(((delta["delta"] as? [String: Any])?["container"] as? [String: Any])?["id"] as? String == "container_011abc")
        #expect((delta["context_management"] as? [String: Any])?["applied_edits"] as? [Any] != nil)
        // Event for event, the same JSON as the API's (bar `usage`: the gateway writes a delta's
        // usage as the cumulative totals, which the API's partial one adds up to).
        for name in ["message_start", "message_delta"] {
            var gateway = try events(viaGateway.body, name), api = try events(direct.body, name)
            gateway["usage"] = nil
            api["usage"] = nil
            #expect(NSDictionary(dictionary: gateway) == NSDictionary(dictionary: api), "\(name)")
        }
        // The JSON reply has them too (its bytes are the API's).
        let json = try await Curl.run(harness.gateway.baseURL + "/v1/messages",
                                      body: body.replacingOccurrences(of: #""stream":true"#, with: #""stream":false"#),
                                      headers: ["x-api-key": "k"])
        #expect((json.json?["container"] as? [String: Any])?["id"] as? String == "container_011abc")
    }

    @Test("a prefill (final assistant message) may be empty")
    func finalAssistantMayBeEmpty() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let body = #"{"model":"claude-haiku-4-5","max_tokens":20,"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":[]}]}"#
        _ = try await Curl.run(harness.gateway.baseURL + "/v1/messages", body: body, headers: ["x-api-key": "k"])
        #expect(harness.mock.stats.totalRequests == 1)
    }
}
