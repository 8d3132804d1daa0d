import ArgumentParser

/// `claude-router`: cost-aware routing in front of the Claude API.
struct ClaudeRouterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "claude-router",
        abstract: "Cost-aware model routing for the Claude API: validate policies, explain decisions, send, evaluate and report.",
        discussion: """
        Environment: ANTHROPIC_API_KEY (API key), ANTHROPIC_BASE_URL (API base URL; --base-url wins).
        Exit codes: 0 success (eval: every check passed), 1 eval checks failed, 2 usage error, 3 calibrate target unreachable, \
        4 send: the reply (printed) still fails a trigger no escalation resolved, 5 send: a budget's hard limit refused the call \
        before any request was sent, 65 bad data (policy, price book, fixture, JSON Lines), 69 API unreachable after retries, \
        77 authentication or permission refused by the API, or no API key set, 70 anything else (an I/O failure, a ledger that \
        can no longer be written), 130/143 send/eval/calibrate --fixtures interrupted by SIGINT/SIGTERM (calls in flight recorded, partial result printed).
        Start with `claude-router demo` (no API key needed: it runs against a local mock).
        """,
        version: "0.1.0",
        subcommands: [
            ValidateCommand.self, ExplainCommand.self, SendCommand.self, EvalCommand.self,
            ReportCommand.self, CalibrateCommand.self, PricesCommand.self, MockServerCommand.self, DemoCommand.self,
            ServeCommand.self, BatchCommand.self,
        ])
}

/// Options shared by the commands that talk to the API.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .customLong("base-url"), help: ArgumentHelp(
        "API base URL (default: $ANTHROPIC_BASE_URL, else https://api.anthropic.com).", valueName: "URL"))
    var baseURL: String?

    func validate() throws {
        if let baseURL, !(baseURL.hasPrefix("http://") || baseURL.hasPrefix("https://")) {
            throw ValidationError("--base-url must start with http:// or https:// (got '\(baseURL)')")
        }
    }
}
