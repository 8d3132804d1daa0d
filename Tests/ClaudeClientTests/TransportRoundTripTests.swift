import Foundation
import Testing

@testable import ClaudeClient

extension TransportTests {
    @Test(arguments: CurlTransport.EventLoopMode.allCases)
    func getReturnsStatusHeadersAndBody(mode: CurlTransport.EventLoopMode) async throws {
        let server = try await TransportTestServer.start()
        let transport = CurlTransport(configuration: .init(eventLoop: mode), logger: quietLogger())
        defer { transport.shutdown() }

        let (head, body) = try await transport.execute(makeRequest(server.baseURL + "/hello"))
        #expect(head.status == 200)
        #expect(String(decoding: body, as: UTF8.self) == "hello")
        #expect(head.value("Content-Length") == "5")
        #expect(head.headers.allSatisfy { $0.name == $0.name.lowercased() })

        let (errorHead, errorBody) = try await transport.execute(makeRequest(server.baseURL + "/status500"))
        #expect(errorHead.status == 500)
        #expect(String(decoding: errorBody, as: UTF8.self) == "boom")
        await server.stop()
    }

    @Test(arguments: CurlTransport.EventLoopMode.allCases)
    func requestHeadersReachTheServer(mode: CurlTransport.EventLoopMode) async throws {
        let server = try await TransportTestServer.start()
        let transport = CurlTransport(configuration: .init(eventLoop: mode), logger: quietLogger())
        defer { transport.shutdown() }

        let request = makeRequest(
            server.baseURL + "/headers",
            headers: [("anthropic-version", "2023-06-01"), ("X-Custom", "value with spaces")]
        )
        let (head, _) = try await transport.execute(request)
        #expect(head.status == 200)
        let seen = server.probe.lastHeaders
        #expect(seen["anthropic-version"] == "2023-06-01")
        #expect(seen["x-custom"] == "value with spaces")
        // No Accept-Encoding: bodies must stream exactly as sent.
        #expect(seen["accept-encoding"] == nil)
        #expect(seen["expect"] == nil)
        await server.stop()
    }

    @Test(arguments: CurlTransport.EventLoopMode.allCases)
    func postRoundTripsAMultiMegabyteBody(mode: CurlTransport.EventLoopMode) async throws {
        let server = try await TransportTestServer.start()
        let transport = CurlTransport(configuration: .init(eventLoop: mode), logger: quietLogger())
        defer { transport.shutdown() }

        let size = 3 * 1024 * 1024 + 17
        let payload = Data((0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        let request = makeRequest(
            server.baseURL + "/echo",
            method: .post,
            headers: [("content-type", "application/octet-stream"), ("x-custom", "round-trip")],
            body: payload
        )
        let (head, body) = try await transport.execute(request)
        #expect(head.status == 200)
        #expect(head.value("x-echo-custom") == "round-trip")
        #expect(head.value("x-echo-length") == String(size))
        #expect(body == payload)

        // A second request on the same transport reuses the connection.
        let (_, again) = try await transport.execute(request)
        #expect(again == payload)
        #expect(await eventually { transport.stats.transfersCompleted == 2 })
        #expect(transport.stats.connectionsOpened == 1)
        #expect(transport.stats.liveEasyHandles == 0)
        await server.stop()
    }

    @Test(arguments: CurlTransport.EventLoopMode.allCases)
    func streamDeliversTheFirstChunkBeforeTheServerFinishes(mode: CurlTransport.EventLoopMode) async throws {
        let server = try await TransportTestServer.start()
        let transport = CurlTransport(configuration: .init(eventLoop: mode), logger: quietLogger())
        defer { transport.shutdown() }

        let response = try await transport.stream(makeRequest(server.baseURL + "/slow"))
        #expect(response.head.status == 200)
        var iterator = response.body.makeAsyncIterator()
        let first = try #require(try await iterator.next())
        #expect(String(decoding: first, as: UTF8.self).hasPrefix("first-chunk"))
        // The server is still holding the rest of the response.
        #expect(server.probe.slowFinished == false)
        server.probe.slowReleased = true

        var rest = Data(first)
        while let chunk = try await iterator.next() { rest.append(contentsOf: chunk) }
        #expect(String(decoding: rest, as: UTF8.self) == "first-chunk;last-chunk")
        #expect(server.probe.slowFinished)
        await server.stop()
    }

    @Test(arguments: CurlTransport.EventLoopMode.allCases)
    func slowConsumerIsBoundedByTheHighWaterMark(mode: CurlTransport.EventLoopMode) async throws {
        let server = try await TransportTestServer.start()
        var configuration = CurlTransport.Configuration(eventLoop: mode)
        configuration.streamHighWaterMark = 64 * 1024
        configuration.streamLowWaterMark = 16 * 1024
        let transport = CurlTransport(configuration: configuration, logger: quietLogger())
        defer { transport.shutdown() }

        let total = 4 * 1024 * 1024
        let (received, mismatches) = try await readLargeBodySlowly(transport, url: server.baseURL + "/large?bytes=\(total)")
        #expect(received == total)
        #expect(mismatches == 0)
        #expect(await eventually { transport.stats.transfersCompleted == 1 })
        let stats = transport.stats
        #expect(stats.streamPauses > 0)
        #expect(stats.peakStreamBufferedBytes > 0)
        #expect(stats.peakStreamBufferedBytes < configuration.streamHighWaterMark + stats.largestBodyChunk)
        await server.stop()
    }
}
