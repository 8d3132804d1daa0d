import ClaudeMockServer
import Foundation
import Testing

@testable import ClaudeClient

extension IntegrationTests {
    @Suite("Round trips")
    struct RoundTrips {
        @Test("createMessage returns the mock's message with request id, rate limits, attempts and latency")
        func createMessage() async throws {
            let harness = try await IntegrationHarness.start()
            let response = try await harness.client.createMessage(IntegrationFixtures.request())
            await harness.stop()

            #expect(response.status == 200)
            #expect(response.attempts == 1)
            // The mock numbers its replies: the first request of a fresh server is 1.
            #expect(response.requestID == "req_mock_00000001")
            #expect(response.latency > .zero)
            #expect(response.body.model == IntegrationFixtures.model)
            #expect(response.body.role == .assistant)
            #expect(response.body.stopReason == .endTurn)
            #expect(response.body.text.hasPrefix("This is a mock reply from \(IntegrationFixtures.model)"))
            #expect(response.body.usage.inputTokens > 0)
            #expect(response.body.usage.outputTokens > 0)
            // docs/ANTHROPIC-API.md "Errors": anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-*.
            #expect(response.rateLimit.requests?.limit == 4_000)
            #expect(response.rateLimit.requests?.remaining == 3_999)
            #expect(response.rateLimit.requests?.reset != nil)
            #expect(response.rateLimit.tokens?.limit == 2_000_000)
            #expect(response.rateLimit.inputTokens?.remaining == 1_600_000 - response.body.usage.inputTokens)
            #expect(response.rateLimit.outputTokens?.remaining == 400_000 - response.body.usage.outputTokens)
            #expect(response.rateLimit.retryAfter == nil)

            let stats = harness.server.stats
            #expect(stats.requests(to: .messages) == 1)
            let recorded = try #require(stats.recentRequests.first)
            #expect(recorded.hasAPIKeyHeader)
            #expect(!recorded.hasAuthorizationHeader)
            #expect(recorded.anthropicVersion == "2026-10-21")
        }

        @Test("bearer auth and betas reach the mock")
        func bearerAndBetas() async throws {
            let harness = try await IntegrationHarness.start {
                $0.authScheme = .bearer
                $0.betas = ["beta-a", "beta-b"]
            }
            _ = try await harness.client.createMessage(IntegrationFixtures.request())
            await harness.stop()
            let recorded = try #require(harness.server.stats.recentRequests.first)
            #expect(recorded.hasAuthorizationHeader)
            #expect(!recorded.hasAPIKeyHeader)
            #expect(recorded.anthropicBeta == "beta-a,beta-b")
        }

        @Test("streamMessage delivers text deltas; finalMessage assembles the same message as createMessage")
        func streamAndFinalMessage() async throws {
            let harness = try await IntegrationHarness.start()
            let plain = try await harness.client.createMessage(IntegrationFixtures.request())
            let stream = try await harness.client.streamMessage(IntegrationFixtures.request())
            #expect(stream.status == 200)
            #expect(stream.attempts == 1)
            #expect(stream.requestID == "req_mock_00000002")
            #expect(stream.rateLimit.requests?.remaining == 3_998)
            var text = ""
            var names: [String] = []
            for try await event in stream {
                switch event {
                case .messageStart: names.append("message_start")
                case .contentBlockDelta(_, .text(let piece)):
                    names.append("text")
                    text += piece
                case .messageStop: names.append("message_stop")
                default: break
                }
            }
            #expect(names.first == "message_start")
            #expect(names.last == "message_stop")
            #expect(text == plain.body.text)

            let final = try await harness.client.streamMessage(IntegrationFixtures.request()).finalMessage()
            await harness.stop()
            #expect(final.text == plain.body.text)
            #expect(final.usage.outputTokens == plain.body.usage.outputTokens)
            #expect(final.usage.inputTokens == plain.body.usage.inputTokens)
            #expect(final.stopReason == .endTurn)
            #expect(harness.server.stats.streamingRequests == 2)
        }

        @Test("countTokens counts the same input tokens the message reply reports")
        func countTokens() async throws {
            let harness = try await IntegrationHarness.start()
            let request = IntegrationFixtures.request("Count the tokens of this prompt, please.")
            let counted = try await harness.client.countTokens(CountTokensRequest(request))
            let message = try await harness.client.createMessage(request)
            await harness.stop()
            #expect(counted.status == 200)
            #expect(counted.attempts == 1)
            #expect(counted.requestID != nil)
            #expect(counted.body.inputTokens > 0)
            #expect(counted.body.inputTokens == message.body.usage.inputTokens)
            #expect(harness.server.stats.requests(to: .countTokens) == 1)
        }

        @Test("batches: create, retrieve, list, results streamed as JSONL, cancel")
        func batches() async throws {
            let harness = try await IntegrationHarness.start()
            let items = (1...3).map { BatchRequestItem(customID: "item-\($0)", params: IntegrationFixtures.request("Batch item \($0)")) }
            let created = try await harness.client.createBatch(CreateBatchRequest(requests: items))
            #expect(created.body.processingStatus == .inProgress)
            #expect(created.body.requestCounts.processing == 3)

            let retrieved = try await harness.client.retrieveBatch(id: created.body.id)
            #expect(retrieved.body.id == created.body.id)
            #expect(retrieved.body.processingStatus == .ended)
            #expect(retrieved.body.requestCounts.succeeded == 3)

            let second = try await harness.client.createBatch(CreateBatchRequest(requests: Array(items.prefix(1))))
            let page = try await harness.client.listBatches(limit: 10)
            #expect(page.body.data.map(\.id) == [second.body.id, created.body.id])
            let firstPage = try await harness.client.listBatches(limit: 1)
            #expect(firstPage.body.hasMore)
            let nextPage = try await harness.client.listBatches(limit: 1, afterID: firstPage.body.lastID)
            #expect(nextPage.body.data.map(\.id) == [created.body.id])

            var results: [BatchResult] = []
            for try await result in try await harness.client.batchResults(id: created.body.id) { results.append(result) }
            #expect(results.map(\.customID) == ["item-1", "item-2", "item-3"])
            for result in results {
                guard case .succeeded(let message) = result.result else {
                    Issue.record("expected a succeeded result, got \(result.result)")
                    continue
                }
                #expect(message.text.contains("mock reply"))
            }

            let cancelled = try await harness.client.cancelBatch(id: created.body.id)
            #expect(cancelled.body.id == created.body.id)
            #expect(cancelled.body.processingStatus == .ended)

            let missing = await claudeError { try await harness.client.retrieveBatch(id: "msgbatch_nope") }
            #expect(missing?.code == .notFound)
            #expect(missing?.status == 404)
            #expect(missing?.attempts == 1)
            await harness.stop()
            #expect(harness.server.stats.requests(to: .batchResults) == 1)
        }

        @Test("cancelling a batch still processing reports canceling, then every result is canceled")
        func cancelInProgressBatch() async throws {
            let harness = try await IntegrationHarness.start(server: .init(batchProcessingTime: .seconds(3_600)))
            let items = (1...2).map { BatchRequestItem(customID: "c\($0)", params: IntegrationFixtures.request()) }
            let created = try await harness.client.createBatch(CreateBatchRequest(requests: items))
            let cancelled = try await harness.client.cancelBatch(id: created.body.id)
            #expect(cancelled.body.processingStatus == .canceling)
            let after = try await harness.client.retrieveBatch(id: created.body.id)
            #expect(after.body.processingStatus == .ended)
            #expect(after.body.requestCounts.canceled == 2)
            var outcomes: [BatchResult.Outcome] = []
            for try await result in try await harness.client.batchResults(id: created.body.id) {
                outcomes.append(result.result)
            }
            await harness.stop()
            #expect(outcomes == [.canceled, .canceled])
        }

        @Test("listModels pages through the mock's models")
        func listModels() async throws {
            let harness = try await IntegrationHarness.start()
            let all = try await harness.client.listModels(limit: 1_000)
            #expect(all.status == 200)
            #expect(!all.body.data.isEmpty)
            #expect(all.body.data.allSatisfy { $0.type == "model" && !$0.displayName.isEmpty })
            let first = try await harness.client.listModels(limit: 1)
            #expect(first.body.data.count == 1)
            #expect(first.body.hasMore == (all.body.data.count > 1))
            if all.body.data.count > 1 {
                let second = try await harness.client.listModels(limit: 1, afterID: first.body.lastID)
                #expect(second.body.data.first?.id == all.body.data[1].id)
            }
            await harness.stop()
            #expect(harness.server.stats.requests(to: .listModels) == 3 || all.body.data.count <= 1)
        }
    }
}
