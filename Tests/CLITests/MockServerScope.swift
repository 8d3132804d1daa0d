import ClaudeMockServer

extension MockAnthropicServer {
    /// Starts a mock on 127.0.0.1 (an ephemeral port) in this process, runs `body` with it and
    /// stops it, also when `body` throws.
    static func withLoopbackServer<T>(_ body: (MockAnthropicServer) async throws -> T) async throws -> T {
        let server = MockAnthropicServer(configuration: .init(host: "127.0.0.1", port: 0))
        try await server.start()
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }
}
