import ClaudeMockServer
import Foundation

// Runs MockAnthropicServer until stdin closes (the parent benchmark exits or closes the pipe),
// printing `PORT <n>` once listening. Usage: MockServerMain [port]   (default 0: any free port)
let requestedPort = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 0
let server = MockAnthropicServer(configuration: .init(port: requestedPort))
do {
    try await server.start()
} catch {
    FileHandle.standardError.write(Data("MockServerMain: \(error)\n".utf8))
    exit(1)
}
// Unbuffered, so the parent sees the port at once.
FileHandle.standardOutput.write(Data("PORT \(server.port ?? 0)\n".utf8))
// Block a background thread on stdin; EOF means the parent is done.
await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
    Thread.detachNewThread {
        while let _ = readLine(strippingNewline: true) {}
        continuation.resume()
    }
}
await server.stop()
