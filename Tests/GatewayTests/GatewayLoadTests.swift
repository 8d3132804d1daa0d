import ClaudeClient
import ClaudeMockServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Router
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// 1,000 concurrent streams through a `claude-router serve` process.
@Suite("Gateway load", .serialized)
struct GatewayLoadTests {
    static let streams = 1_000

    /// `VmHWM` / `VmRSS` of process `pid` in KiB (Linux), else nil.
    static func memoryKiB(pid: Int32, field: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        }
        return nil
    }

    /// Room for client, mock and gateway sockets (4 per stream across the two processes).
    static func raiseFileLimit() -> Bool {
        #if canImport(Glibc)
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return false }
        let wanted = rlim_t(4 * streams + 512)
        if limit.rlim_cur < wanted {
            limit.rlim_cur = min(wanted, limit.rlim_max)
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        return limit.rlim_cur >= wanted
        #else
        return true
        #endif
    }

    @Test("1,000 concurrent streams complete through serve; its memory stays bounded; the ledger holds every call",
          .enabled(if: heavyGatewayTests, "heavy: set CLAUDE_ROUTER_GATEWAY_HEAVY=1 (scripts/test.sh does)"),
          .enabled(if: raiseFileLimit(), "needs 4,500 file descriptors"))
    func thousandStreams() async throws {
        let mock = MockAnthropicServer()
        try await mock.start()
        defer { Task { await mock.stop() } }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("serve-load-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let policy = directory.appendingPathComponent("policy.yaml").path
        try GatewayHarness.policyYAML().write(toFile: policy, atomically: true, encoding: .utf8)
        let ledgerPath = directory.appendingPathComponent("ledger.sqlite").path
        let serve = try await ServeProcess(
            arguments: ["--policy", policy, "--ledger", ledgerPath, "--base-url", mock.baseURL, "--upstream-retries", "0"],
            environment: ["ANTHROPIC_API_KEY": "sk-load-test"], directory: directory)
        let pid = serve.process.processIdentifier
        let client = AnthropicClient(configuration: .init(apiKey: "dev", baseURL: serve.baseURL, connectTimeout: .seconds(30),
                                                           requestTimeout: .seconds(300), maxRetries: 0))
        defer { client.shutdown() }
        // One warm-up call, so the idle figure includes everything a first request allocates.
        _ = try await client.createMessage(MessageRequest(model: "auto", maxTokens: 64, messages: [.user("warm up")]))
        let idleKiB = Self.memoryKiB(pid: pid, field: "VmRSS") ?? 0

        let words = (1...40).map { "w\($0)" }
        let expected = words.joined(separator: " ")
        // 50 ms before the first byte and 5 ms between events keep the streams overlapping.
        let body = Curl.messageBody(prompt: "Stream this [[mock: reply=\(words.joined(separator: "_")) delay-ms=50 slow-ms=5]]",
                                    maxTokens: 512, stream: true)
        // One connection per stream (this package's client caps connections per host at 32, as
        // suits HTTP/2 upstreams), so the gateway holds 1,000 client streams at once.
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[HTTPField.Name("x-api-key")!] = "dev"
        let finalHeaders = headers
        let port = serve.port
        let sampler = Task {
            var peak = 0
            while !Task.isCancelled {
                let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? 0
                peak = max(peak, open)
                try? await Task.sleep(for: .milliseconds(20))
            }
            return peak
        }
        let results = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<Self.streams {
                group.addTask {
                    let reply = try? await TestClient.withClient(
                        host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(120))) { client in
                        try await client.post("/v1/messages", headers: finalHeaders, body: ByteBuffer(string: body))
                    }
                    guard let reply, reply.head.status.code == 200, let bytes = reply.body else { return false }
                    let data = Data(bytes.readableBytesView)
                    var text = ""
                    var stopped = false
                    for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where line.hasPrefix("data: ") {
                        guard let event = try? JSONSerialization.jsonObject(with: Data(line.dropFirst(6).utf8)) as? [String: Any] else { return false }
                        if event["type"] as? String == "message_stop" { stopped = true }
                        if let delta = event["delta"] as? [String: Any], let piece = delta["text"] as? String { text += piece }
                    }
                    return stopped && text == expected
                }
            }
            var ok = 0
            for await result in group where result { ok += 1 }
            return ok
        }
        sampler.cancel()
        let peakDescriptors = await sampler.value
        let peakKiB = Self.memoryKiB(pid: pid, field: "VmHWM") ?? 0
        #expect(results == Self.streams)
        // Most of the 1,000 client connections were open in the gateway at the same time.
        #expect(peakDescriptors >= Self.streams * 8 / 10)
        #expect(try await serve.stop(signal: SIGTERM) == 0)

        let ledger = try SQLiteLedger(path: ledgerPath)
        let records = try await ledger.records(LedgerQuery())
        try await ledger.close()
        #expect(records.count == Self.streams + 1)
        #expect(records.allSatisfy { $0.outcome == .success })
        // Bounded: what 1,000 streams in flight add to the gateway's resident memory.
        let growthMiB = Double(peakKiB - idleKiB) / 1024
        print("gateway load: \(Self.streams) streams, idle RSS \(idleKiB / 1024) MiB, peak \(peakKiB / 1024) MiB, growth \(String(format: "%.1f", growthMiB)) MiB, peak open descriptors \(peakDescriptors)")
        #expect(growthMiB < 256)
    }
}
