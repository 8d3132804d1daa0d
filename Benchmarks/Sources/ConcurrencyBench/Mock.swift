import ClaudeMockServer
import Foundation

/// The mock as its own process: prints `PORT n` once listening, serves until stdin reaches EOF,
/// then prints its counters as one JSON line. (Benchmarks' MockServerMain does the same without
/// the counters; the connection count is one of the figures ConcurrencyBench reports.)
func runMock() async {
    let server = MockAnthropicServer(configuration: .init(port: 0))
    do {
        try await server.start()
    } catch {
        fail("mock: \(error)")
    }
    FileHandle.standardOutput.write(Data("PORT \(server.port ?? 0)\n".utf8))
    // A plain thread blocks on stdin so no cooperative-pool thread is parked on a read.
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        Thread.detachNewThread {
            while readLine(strippingNewline: true) != nil {}
            continuation.resume()
        }
    }
    let stats = server.stats
    await server.stop()
    emit([
        "mock_requests": stats.totalRequests, "mock_streaming_requests": stats.streamingRequests,
        "mock_connections": stats.connectionsAccepted, "mock_max_concurrent": stats.maxConcurrentRequests,
    ])
}

/// `ConcurrencyBench mock` started as a child of this process.
final class MockChild {
    let process = Process()
    let stdinPipe = Pipe()
    let stdoutPipe = Pipe()
    let port: Int

    init() {
        let path = Bundle.main.executablePath ?? CommandLine.arguments[0]
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["mock"]
        process.standardInput = stdinPipe
        process.standardOutput = stdoutPipe
        do { try process.run() } catch { fail("cannot start the mock child: \(error)") }
        var line = Data()
        while !line.contains(0x0A) {
            let chunk = stdoutPipe.fileHandleForReading.availableData
            if chunk.isEmpty { fail("mock child exited before printing its port") }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let port = text.split(separator: "\n").first.flatMap({ Int($0.dropFirst("PORT ".count)) }) else {
            fail("unexpected mock output: \(text)")
        }
        self.port = port
    }

    /// Closes the mock's stdin and returns its stats line.
    func stop() -> [String: Any] {
        try? stdinPipe.fileHandleForWriting.close()
        let rest = stdoutPipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        for line in String(decoding: rest, as: UTF8.self).split(separator: "\n") {
            if let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] {
                return object
            }
        }
        return [:]
    }
}
