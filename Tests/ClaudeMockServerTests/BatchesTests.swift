import ClaudeMockServer
import Foundation
import Testing

@Suite("Message Batches")
struct BatchesTests {
    private func batchBody(_ prompts: [(String, String)]) -> String {
        MockHTTP.jsonText(["requests": prompts.map { id, prompt in
            ["custom_id": id, "params": [
                "model": "claude-haiku-4-5", "max_tokens": 100,
                "messages": [["role": "user", "content": prompt]],
            ]]
        }])
    }

    @Test func lifecycleAndJSONLResults() async throws {
        try await withMockServer { server in
            let create = try await MockHTTP.send(server, .post, "/v1/messages/batches", body: batchBody([
                ("first", "hello batch"), ("second", "fail me [[mock: status=500]]"),
            ]))
            #expect(create.status == 200)
            let created = try create.json()
            #expect(created["type"] as? String == "message_batch")
            #expect(created["processing_status"] as? String == "in_progress")
            let id = try #require(created["id"] as? String)
            #expect(id.hasPrefix("msgbatch_mock_"))

            let retrieved = try await MockHTTP.send(server, .get, "/v1/messages/batches/\(id)").json()
            #expect(retrieved["processing_status"] as? String == "ended")
            let counts = retrieved["request_counts"] as? [String: Any]
            #expect(counts?["succeeded"] as? Int == 1)
            #expect(counts?["errored"] as? Int == 1)
            #expect((retrieved["results_url"] as? String)?.hasSuffix("/v1/messages/batches/\(id)/results") == true)

            let results = try await MockHTTP.send(server, .get, "/v1/messages/batches/\(id)/results")
            #expect(results.status == 200)
            let lines = results.body.split(separator: "\n").map(String.init)
            #expect(lines.count == 2)
            let first = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
            #expect(first["custom_id"] as? String == "first")
            let result = try #require(first["result"] as? [String: Any])
            #expect(result["type"] as? String == "succeeded")
            let message = try #require(result["message"] as? [String: Any])
            let text = (message["content"] as? [[String: Any]])?.first?["text"] as? String
            #expect(text == "This is a mock reply from claude-haiku-4-5: hello batch")
            #expect((message["usage"] as? [String: Any])?["input_tokens"] as? Int == tokens("hello batch"))
            let second = try #require(try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any])
            let errored = try #require(second["result"] as? [String: Any])
            #expect(errored["type"] as? String == "errored")
            #expect(((errored["error"] as? [String: Any])?["error"] as? [String: Any])?["type"] as? String == "api_error")

            let list = try await MockHTTP.send(server, .get, "/v1/messages/batches?limit=5").json()
            #expect((list["data"] as? [[String: Any]])?.first?["id"] as? String == id)
            #expect(list["has_more"] as? Bool == false)
            #expect(server.stats.requests(to: .createBatch) == 1)
            #expect(server.stats.requests(to: .batchResults) == 1)
        }
    }

    @Test func cancelEndsWithCanceledResults() async throws {
        try await withMockServer(.init(batchProcessingTime: .seconds(3600))) { server in
            let created = try await MockHTTP.send(server, .post, "/v1/messages/batches",
                                                  body: batchBody([("a", "one"), ("b", "two")])).json()
            let id = try #require(created["id"] as? String)
            let still = try await MockHTTP.send(server, .get, "/v1/messages/batches/\(id)").json()
            #expect(still["processing_status"] as? String == "in_progress")
            let early = try await MockHTTP.send(server, .get, "/v1/messages/batches/\(id)/results")
            #expect(early.status == 400)

            let cancel = try await MockHTTP.send(server, .post, "/v1/messages/batches/\(id)/cancel").json()
            #expect(cancel["processing_status"] as? String == "canceling")
            #expect(cancel["cancel_initiated_at"] is String)
            let ended = try await MockHTTP.send(server, .get, "/v1/messages/batches/\(id)").json()
            #expect(ended["processing_status"] as? String == "ended")
            #expect((ended["request_counts"] as? [String: Any])?["canceled"] as? Int == 2)
            let results = try await MockHTTP.send(server, .get, "/v1/messages/batches/\(id)/results")
            #expect(results.body.split(separator: "\n").allSatisfy { $0.contains(#""type":"canceled""#) })
        }
    }

    @Test func badBatchesAndUnknownIDs() async throws {
        try await withMockServer { server in
            let empty = try await MockHTTP.send(server, .post, "/v1/messages/batches", body: #"{"requests":[]}"#)
            #expect(empty.status == 400)
            let duplicate = try await MockHTTP.send(server, .post, "/v1/messages/batches",
                                                    body: batchBody([("same", "a"), ("same", "b")]))
            #expect(duplicate.status == 400)
            let unknown = try await MockHTTP.send(server, .get, "/v1/messages/batches/msgbatch_nope")
            #expect(unknown.status == 404)
            #expect((try unknown.json()["error"] as? [String: Any])?["type"] as? String == "not_found_error")
        }
    }
}
