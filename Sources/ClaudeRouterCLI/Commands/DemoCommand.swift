import ArgumentParser

/// `claude-router demo`: the whole tour offline, against a local mock.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Route a sample workload through a LOCAL MOCK of the API, then report cost, savings and an A/B dry run.")

    func run() async throws {
        throw notYetAvailable("demo", needs: "the Router and ClaudeMockServer")
    }
}
