import ClaudeMockServer
import Foundation
import Testing

@Suite("Validation and error bodies")
struct ValidationTests {
    private func errorType(_ reply: MockHTTPReply) throws -> String? {
        (try reply.json()["error"] as? [String: Any])?["type"] as? String
    }

    @Test func missingCredentialsIs401() async throws {
        try await withMockServer { server in
            let reply = try await MockHTTP.message(server, prompt: "hi", headers: ["x-api-key": nil])
            #expect(reply.status == 401)
            #expect(try errorType(reply) == "authentication_error")
            #expect(reply.header("request-id") != nil)
            let bearer = try await MockHTTP.message(
                server, prompt: "hi", headers: ["x-api-key": nil, "authorization": "Bearer sk-bearer"])
            #expect(bearer.status == 200)
        }
    }

    @Test func requiredKeyIsCheckedAndNeverEchoed() async throws {
        try await withMockServer(.init(requiredAPIKey: "sk-right-key")) { server in
            let wrong = try await MockHTTP.message(server, prompt: "hi", headers: ["x-api-key": "sk-wrong-key"])
            #expect(wrong.status == 401)
            #expect(!wrong.body.contains("sk-wrong-key"))
            #expect(!wrong.body.contains("sk-right-key"))
            let right = try await MockHTTP.message(server, prompt: "hi", headers: ["x-api-key": "sk-right-key"])
            #expect(right.status == 200)
            let bearer = try await MockHTTP.message(
                server, prompt: "hi", headers: ["x-api-key": nil, "authorization": "Bearer sk-right-key"])
            #expect(bearer.status == 200)
        }
    }

    @Test func versionHeaderIsRequiredAndChecked() async throws {
        try await withMockServer { server in
            let missing = try await MockHTTP.message(server, prompt: "hi", headers: ["anthropic-version": nil])
            #expect(missing.status == 400)
            #expect(try errorType(missing) == "invalid_request_error")
            let unknown = try await MockHTTP.message(server, prompt: "hi", headers: ["anthropic-version": "2020-01-01"])
            #expect(unknown.status == 400)
            let old = try await MockHTTP.message(server, prompt: "hi", headers: ["anthropic-version": "2023-06-01"])
            #expect(old.status == 200)
        }
    }

    @Test(arguments: ["temperature", "top_p", "top_k"])
    func samplingParametersAreRejectedUnder20261021(key: String) async throws {
        try await withMockServer { server in
            let body = MockHTTP.jsonText([
                "model": "claude-haiku-4-5", "max_tokens": 10, key: 1,
                "messages": [["role": "user", "content": "hi"]],
            ])
            let current = try await MockHTTP.send(server, .post, "/v1/messages", body: body)
            #expect(current.status == 400)
            #expect((try current.json()["error"] as? [String: Any])?["message"] as? String ?? "" != "")
            let pinned = try await MockHTTP.send(
                server, .post, "/v1/messages", body: body, headers: ["anthropic-version": "2023-06-01"])
            #expect(pinned.status == 200)
        }
    }

    @Test(arguments: [
        #"{"max_tokens":10,"messages":[{"role":"user","content":"hi"}]}"#,
        #"{"model":"claude-haiku-4-5","messages":[{"role":"user","content":"hi"}]}"#,
        #"{"model":"claude-haiku-4-5","max_tokens":10}"#,
        #"{"model":"claude-haiku-4-5","max_tokens":10,"messages":[{"role":"robot","content":"hi"}]}"#,
        #"{"model": "#,
        #"[1,2]"#,
    ])
    func badBodiesAre400(body: String) async throws {
        try await withMockServer { server in
            let reply = try await MockHTTP.send(server, .post, "/v1/messages", body: body)
            #expect(reply.status == 400)
            #expect(try errorType(reply) == "invalid_request_error")
            #expect(try reply.json()["request_id"] as? String == reply.header("request-id"))
        }
    }

    @Test(arguments: [
        (400, "invalid_request_error"), (401, "authentication_error"), (403, "permission_error"),
        (404, "not_found_error"), (413, "request_too_large"), (429, "rate_limit_error"), (500, "api_error"),
        (529, "overloaded_error"), (502, "api_error"), (418, "api_error"),
    ])
    func errorBodyTypeMatchesTheStatus(status: Int, type: String) async throws {
        try await withMockServer { server in
            let reply = try await MockHTTP.message(server, prompt: "x [[mock: status=\(status)]]")
            #expect(reply.status == status)
            let body = try reply.json()
            #expect(body["type"] as? String == "error")
            #expect((body["error"] as? [String: Any])?["type"] as? String == type)
            #expect(body["request_id"] as? String == reply.header("request-id"))
        }
    }

    @Test func unknownPathIs404() async throws {
        try await withMockServer { server in
            let reply = try await MockHTTP.send(server, .get, "/v1/nothing-here")
            #expect(reply.status == 404)
            #expect(try errorType(reply) == "not_found_error")
        }
    }
}
