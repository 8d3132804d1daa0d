import ArgumentParser
import ClaudeMockServer

/// `claude-router mock-server`: runs the local MOCK of the Anthropic API.
struct MockServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mock-server",
        abstract: "Run a local MOCK of the Anthropic API (deterministic fake replies) until SIGINT/SIGTERM.",
        discussion: """
        The mock listens on 127.0.0.1 only. Point any client at it with ANTHROPIC_BASE_URL=<printed URL> \
        (or --base-url). Replies say they are mock replies; prompt directives such as \
        [[mock: status=529]] script errors, stop reasons and cache usage (docs/ARCHITECTURE.md).
        """)

    @Option(help: "Port on 127.0.0.1 (0 picks a free port).")
    var port: Int = 0

    @Option(help: ArgumentHelp("How long a Message Batch stays in_progress before it has ended (seconds).",
                               valueName: "seconds"))
    var batchProcessingSeconds: Double = 0

    func validate() throws {
        if !(0...65_535).contains(port) { throw ValidationError("--port must be between 0 and 65535") }
        if !(0...86_400).contains(batchProcessingSeconds) {
            throw ValidationError("--batch-processing-seconds must be between 0 and 86400")
        }
    }

    func run() async throws {
        let server = MockAnthropicServer(configuration: .init(
            host: "127.0.0.1", port: port,
            batchProcessingTime: .milliseconds(Int64((batchProcessingSeconds * 1000).rounded()))))
        do {
            try await server.start()
        } catch {
            throw CLIError("error: cannot start the mock server: \(error)", status: .failure)
        }
        Terminal.writeOut("""
        claude-router mock-server: a LOCAL MOCK of the Anthropic API — replies are fake, nothing is sent to Anthropic.
        listening on \(server.baseURL)
        use it with: ANTHROPIC_BASE_URL=\(server.baseURL) ANTHROPIC_API_KEY=mock-key claude-router send --policy default "Hello"
        stop with Ctrl-C

        """)
        await Signals.waitForTermination()
        await server.stop()
        Terminal.writeError("mock-server stopped")
    }
}
