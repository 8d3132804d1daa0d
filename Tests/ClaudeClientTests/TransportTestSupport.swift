import Foundation
import Logging
import Testing

@testable import ClaudeClient

/// All transport tests share one serialized suite: the thread-count and stats assertions
/// must not see transports created by neighbouring tests.
@Suite("CurlTransport", .serialized)
struct TransportTests {}

func makeRequest(
    _ url: String,
    method: HTTPRequest.Method = .get,
    headers: [(name: String, value: String)] = [],
    body: Data? = nil,
    connectTimeout: Duration = .seconds(10),
    timeout: Duration = .seconds(60)
) -> HTTPRequest {
    HTTPRequest(method: method, url: url, headers: headers, body: body, connectTimeout: connectTimeout, timeout: timeout)
}

func quietLogger() -> Logger {
    var logger = Logger(label: "transport-test")
    logger.logLevel = .error
    return logger
}

/// Waits (bounded) until `condition` holds; returns whether it did. Not a timing assertion:
/// the bound only keeps a broken build from hanging the run.
func eventually(within limit: Duration = .seconds(20), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now.advanced(by: limit)
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}

/// Awaits a transport call and returns the `TransportError` it threw (nil if it succeeded).
func transportError<T>(_ body: () async throws -> T) async -> TransportError? {
    do {
        _ = try await body()
        return nil
    } catch let error as TransportError {
        return error
    } catch {
        Issue.record("unexpected error type: \(error)")
        return nil
    }
}

/// Threads other suites may start in this process while a thread-count test runs (Swift Testing
/// runs suites in parallel: their mock servers' and gateways' NIO event loops, their clients'
/// loop threads; 16 were seen once the gateway suites joined). A thread-per-request design would
/// add about 500 threads for 500 concurrent calls, so a bound of one loop thread plus this
/// allowance (65 ≪ 500) still proves that one loop thread serves them all. The exact figure, in
/// a process of its own, comes from the concurrency benchmark (Benchmarks/).
let parallelSuiteThreadAllowance = 64

func threadCount() -> Int {
    (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? 0
}

/// Reads a `/large` body of `TransportTestServer` (byte `i` is `i % 251`) slower than it arrives
/// (a 2 ms sleep per chunk), so a transport with a small high-water mark must pause the transfer.
/// Returns the bytes received and how many of them were wrong.
func readLargeBodySlowly(_ transport: CurlTransport, url: String) async throws -> (received: Int, mismatches: Int) {
    let response = try await transport.stream(makeRequest(url))
    var received = 0
    var mismatches = 0
    for try await chunk in response.body {
        mismatches += chunk.withUnsafeBytes { bytes in
            var wrong = 0
            for offset in 0..<bytes.count where bytes[offset] != UInt8((received + offset) % 251) { wrong += 1 }
            return wrong
        }
        received += chunk.count
        // Lag behind the producer so the transfer has to pause.
        try await Task.sleep(for: .milliseconds(2))
    }
    return (received, mismatches)
}
