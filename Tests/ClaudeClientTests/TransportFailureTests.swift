import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@testable import ClaudeClient

extension TransportTests {
    @Test(arguments: CurlTransport.EventLoopMode.allCases)
    func cancellingTheConsumingTaskAbortsTheTransferAndFreesTheHandle(mode: CurlTransport.EventLoopMode) async throws {
        let server = try await TransportTestServer.start()
        let transport = CurlTransport(configuration: .init(eventLoop: mode), logger: quietLogger())
        defer { transport.shutdown() }

        let response = try await transport.stream(makeRequest(server.baseURL + "/endless"))
        let consumer = Task {
            var received = 0
            for try await chunk in response.body { received += chunk.count }
            return received
        }
        #expect(await eventually { server.probe.endlessStarted == 1 })
        consumer.cancel()
        let outcome = await consumer.result
        if case .failure(let error) = outcome {
            #expect((error as? TransportError)?.kind == .cancelled)
        } else {
            Issue.record("the stream ended normally after cancellation")
        }
        // The server sees the connection go away, and the handle is freed.
        #expect(await eventually { server.probe.endlessEnded == 1 })
        #expect(await eventually { transport.stats.liveEasyHandles == 0 })
        #expect(transport.stats.transfersCancelled == 1)
        await server.stop()
    }

    @Test(arguments: CurlTransport.EventLoopMode.allCases)
    func bodyCancelAbortsTheTransfer(mode: CurlTransport.EventLoopMode) async throws {
        let server = try await TransportTestServer.start()
        let transport = CurlTransport(configuration: .init(eventLoop: mode), logger: quietLogger())
        defer { transport.shutdown() }

        let response = try await transport.stream(makeRequest(server.baseURL + "/endless"))
        var iterator = response.body.makeAsyncIterator()
        _ = try await iterator.next()
        response.body.cancel()
        response.body.cancel()
        let error = await transportError { try await iterator.next() }
        #expect(error?.kind == .cancelled)
        #expect(await eventually { server.probe.endlessEnded == 1 })
        #expect(await eventually { transport.stats.liveEasyHandles == 0 })
        await server.stop()
    }

    @Test(arguments: CurlTransport.EventLoopMode.allCases)
    func cancellingExecuteFailsWithCancelled(mode: CurlTransport.EventLoopMode) async throws {
        let server = try await TransportTestServer.start()
        let transport = CurlTransport(configuration: .init(eventLoop: mode), logger: quietLogger())
        defer { transport.shutdown() }

        let task = Task { try await transport.execute(makeRequest(server.baseURL + "/stall")) }
        #expect(await eventually { transport.stats.activeTransfers == 1 })
        task.cancel()
        let error = await transportError { try await task.value }
        #expect(error?.kind == .cancelled)
        #expect(await eventually { transport.stats.liveEasyHandles == 0 })
        await server.stop()
    }

    @Test(arguments: CurlTransport.EventLoopMode.allCases)
    func stallingEndpointTimesOut(mode: CurlTransport.EventLoopMode) async throws {
        let server = try await TransportTestServer.start()
        let transport = CurlTransport(configuration: .init(eventLoop: mode), logger: quietLogger())
        defer { transport.shutdown() }

        let request = makeRequest(server.baseURL + "/stall", timeout: .milliseconds(300))
        let error = await transportError { try await transport.execute(request) }
        #expect(error?.kind == .timeout)
        #expect(error?.detail.isEmpty == false)
        await server.stop()
    }

    @Test(arguments: CurlTransport.EventLoopMode.allCases)
    func closedPortIsAConnectError(mode: CurlTransport.EventLoopMode) async throws {
        let transport = CurlTransport(configuration: .init(eventLoop: mode), logger: quietLogger())
        defer { transport.shutdown() }
        let port = try closedLoopbackPort()

        let error = await transportError { try await transport.execute(makeRequest("http://127.0.0.1:\(port)/")) }
        #expect(error?.kind == .connect)
        #expect(error?.detail.contains("\(port)") == true)
    }

    @Test(arguments: [
        "http://192.0.2.1/v1/messages",
        "http://example.com/",
        "http://10.0.0.1:8080/",
        "http://[::ffff:192.0.2.1]/",
        "http://localhost.example.com/",
        "ftp://127.0.0.1/file",
        "file:///etc/passwd",
        "not a url",
    ])
    func refusedBeforeAnyTraffic(url: String) async throws {
        let transport = CurlTransport(logger: quietLogger())
        defer { transport.shutdown() }

        let error = await transportError { try await transport.execute(makeRequest(url)) }
        #expect(error?.kind == .invalidRequest)
        let streamError = await transportError { try await transport.stream(makeRequest(url)) }
        #expect(streamError?.kind == .invalidRequest)
        // Refused in the caller: no easy handle was ever attached.
        #expect(transport.stats.transfersStarted == 0)
    }

    @Test(arguments: CurlTransport.EventLoopMode.allCases)
    func headerInjectionIsRefusedWithoutShowingTheValue(mode: CurlTransport.EventLoopMode) async throws {
        let transport = CurlTransport(configuration: .init(eventLoop: mode), logger: quietLogger())
        defer { transport.shutdown() }
        let request = makeRequest("https://127.0.0.1:1/", headers: [("x-api-key", "secret-canary\r\nx-evil: 1")])
        let error = await transportError { try await transport.execute(request) }
        #expect(error?.kind == .invalidRequest)
        #expect(error?.detail.contains("x-api-key") == true)
        #expect(error?.detail.contains("secret-canary") == false)
    }

    @Test(arguments: CurlTransport.EventLoopMode.allCases)
    func shutdownFailsInFlightTransfersAndIsIdempotent(mode: CurlTransport.EventLoopMode) async throws {
        let server = try await TransportTestServer.start()
        let transport = CurlTransport(configuration: .init(eventLoop: mode), logger: quietLogger())

        let task = Task { try await transport.execute(makeRequest(server.baseURL + "/stall")) }
        #expect(await eventually { transport.stats.activeTransfers == 1 })
        transport.shutdown()
        transport.shutdown()
        let error = await transportError { try await task.value }
        #expect(error?.kind == .cancelled)
        #expect(transport.stats.liveEasyHandles == 0)
        let after = await transportError { try await transport.execute(makeRequest(server.baseURL + "/hello")) }
        #expect(after?.kind == .cancelled)
        await server.stop()
    }
}

/// A loopback port nobody listens on: bind to port 0, learn the port, close the socket.
func closedLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    try #require(fd >= 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    try #require(bound == 0)
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let named = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    try #require(named == 0)
    return Int(UInt16(bigEndian: address.sin_port))
}
