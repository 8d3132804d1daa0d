import ArgumentParser

/// `claude-router mock-server`: runs the local MOCK of the Anthropic API.
struct MockServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mock-server",
        abstract: "Run a local MOCK of the Anthropic API (deterministic replies) until interrupted.")

    @Option(help: "Port on 127.0.0.1 (0 picks a free port).")
    var port: Int = 0

    func validate() throws {
        if !(0...65_535).contains(port) { throw ValidationError("--port must be between 0 and 65535") }
    }

    func run() async throws {
        throw notYetAvailable("mock-server", needs: "ClaudeMockServer")
    }
}
