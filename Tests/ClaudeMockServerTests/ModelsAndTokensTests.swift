import ClaudeMockServer
import Foundation
import Testing

@Suite("Models and count_tokens")
struct ModelsAndTokensTests {
    @Test func modelsListWithPaging() async throws {
        try await withMockServer { server in
            let all = try await MockHTTP.send(server, .get, "/v1/models?limit=100").json()
            let data = try #require(all["data"] as? [[String: Any]])
            let ids = data.compactMap { $0["id"] as? String }
            // The model ids of docs/ANTHROPIC-API.md's price table.
            for id in ["claude-haiku-4-5", "claude-sonnet-4-5", "claude-sonnet-4-6", "claude-opus-4-8",
                       "claude-opus-5", "claude-sonnet-5", "claude-sonnet-5-5", "claude-opus-5-5", "claude-haiku-5-5"] {
                #expect(ids.contains(id))
            }
            #expect(data.allSatisfy { $0["type"] as? String == "model" && $0["display_name"] is String
                && $0["created_at"] is String })
            #expect(all["has_more"] as? Bool == false)

            let page1 = try await MockHTTP.send(server, .get, "/v1/models?limit=2").json()
            let page1IDs = (page1["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
            #expect(page1IDs == Array(ids.prefix(2)))
            #expect(page1["has_more"] as? Bool == true)
            #expect(page1["last_id"] as? String == ids[1])
            let page2 = try await MockHTTP.send(server, .get, "/v1/models?limit=2&after_id=\(ids[1])").json()
            #expect((page2["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == Array(ids[2..<4]))
            let before = try await MockHTTP.send(server, .get, "/v1/models?limit=2&before_id=\(ids[3])").json()
            #expect((before["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == Array(ids[1..<3]))

            let badLimit = try await MockHTTP.send(server, .get, "/v1/models?limit=0")
            #expect(badLimit.status == 400)
            let one = try await MockHTTP.send(server, .get, "/v1/models/claude-haiku-4-5").json()
            #expect(one["display_name"] as? String == "Claude Haiku 4.5")
            #expect(try await MockHTTP.send(server, .get, "/v1/models/claude-nope").status == 404)
        }
    }

    @Test func countTokensUsesTheSameRule() async throws {
        try await withMockServer { server in
            let body = MockHTTP.jsonText([
                "model": "claude-haiku-4-5", "system": "Be brief.",
                "messages": [["role": "user", "content": "How many tokens is this? [[mock: status=529]]"]],
            ])
            let reply = try await MockHTTP.send(server, .post, "/v1/messages/count_tokens", body: body)
            // Prompt directives script generation only, so count_tokens still answers.
            #expect(reply.status == 200)
            #expect(try reply.json()["input_tokens"] as? Int
                == tokens("Be brief." + "How many tokens is this? [[mock: status=529]]"))
            #expect(server.stats.requests(to: .countTokens) == 1)
            #expect(server.stats.requests(to: .messages) == 0)
        }
    }
}
