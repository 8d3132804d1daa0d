import ArgumentParser
import ClaudeClient
import ClaudeRouterEval
import Foundation
import Router
import RouterPolicies

/// `claude-router send`: one routed call.
struct SendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Send one prompt through the router; print the reply (stdout) and the tier and cost (stderr).")

    @OptionGroup var routing: RoutingOptions

    @Option(help: ArgumentHelp("Price book (default: the policy's prices, else the bundled book).", valueName: "file"))
    var prices: String?

    @Flag(help: "Stream the reply as it is generated.")
    var stream = false

    @Option(help: ArgumentHelp("Record the call in this ledger (SQLite, or JSON Lines if it ends in .jsonl).", valueName: "path"))
    var ledger: String?

    @Option(name: .customLong("response-cache"), help: ArgumentHelp(
        "Keep the policy's response cache in this SQLite file (default: beside a file ledger; none with a postgres:// ledger).",
        valueName: "path"))
    var responseCache: String?

    @Flag(help: "Print the routed response as JSON instead of text.")
    var json = false

    @OptionGroup var connection: ConnectionOptions

    @OptionGroup var budget: BudgetOptions

    @Option(help: ArgumentHelp("Read the prompt from a file ('-': standard input).", valueName: "file"))
    var file: String?

    @Argument(help: "The prompt text ('-': read it from standard input).")
    var prompt: String?

    func validate() throws {
        if (prompt == nil) == (file == nil) { throw ValidationError("give exactly one of PROMPT or --file") }
        if let prompt, prompt.allSatisfy(\.isWhitespace) {
            throw ValidationError("the prompt is empty: give the text to send (nothing was sent)")
        }
    }

    func run() async throws {
        // Read before anything else: a bad input costs nothing.
        let prompt = try file.map(Inputs.text(of:)) ?? (self.prompt == "-" ? Inputs.standardInput() : self.prompt ?? "")
        if prompt.allSatisfy(\.isWhitespace) {
            throw CLIError.usage("the prompt is empty: give the text to send (nothing was sent)")
        }
        let loaded = try Inputs.policy(routing.policy)
        routing.warnAboutUnknownTask(in: loaded)
        let book = try Inputs.prices(explicit: prices, policy: loaded)
        let metadata = try Inputs.metadata(routing.metadataPairs)
        let client = try connection.makeClient()
        defer { client.shutdown() }
        let store: any CostLedger = try await LedgerFiles.open(ledger)
        var routerOptions = budget.routerOptions(ledger: store)
        routerOptions.responseCache = try ResponseCacheFiles.forSend(ledger: ledger, policy: loaded, explicit: responseCache)
        let router = try ModelRouter(policy: .policy(loaded), client: client, ledger: store, prices: book,
                                     options: routerOptions)
        try await router.restoreBudgets()
        let request = MessageRequest(model: "auto", maxTokens: 0, messages: [.user(prompt)])
        let options = CallOptions(task: routing.task, metadata: metadata)
        let streaming = stream && !json
        let printReply = !json
        // SIGINT/SIGTERM cancel the call: the router records what it consumed (a stream's
        // partial usage, a plain call's estimated input), then the ledger is closed below.
        let (outcome, signal) = await Interruption.run {
            if streaming {
                let routed = try await router.stream(request, options: options)
                for try await event in routed {
                    if case .contentBlockDelta(_, .text(let piece)) = event { Terminal.writeOut(piece) }
                }
                let response = try await routed.result()
                Terminal.writeOut("\n")
                return response
            }
            let response = try await router.send(request, options: options)
            if printReply { Terminal.writeOut(response.message.text + "\n") }
            return response
        }
        var closeError: (any Error)?
        do { try await store.close() } catch { closeError = error }
        if let signal {
            if streaming { Terminal.writeOut("\n") }
            Terminal.writeError("interrupted by \(Interruption.name(of: signal)): the call was cancelled; "
                + "what it consumed is recorded\(ledger.map { " in \(LedgerFiles.displayName($0))" } ?? "")")
            throw CLIError.interrupted(by: signal)
        }
        let response: RoutedResponse
        switch outcome {
        case .success(let value):
            response = value
        case .failure(let error as RouterError) where error.code == .ledgerWriteFailed:
            // The reply was paid for: print it and the record that could not be stored.
            if let paid = error.response, !streaming {
                Terminal.writeOut(json ? ((try? SendJSON(paid).encoded()) ?? "") + "\n" : paid.message.text + "\n")
            }
            UnrecordedUsage.print(error)
            throw error
        case .failure(let error):
            throw error
        }
        if let closeError { throw closeError }
        if json {
            Terminal.writeOut(try SendJSON(response).encoded() + "\n")
        } else {
            Terminal.writeError(Self.summary(response))
        }
        if let trigger = response.unresolvedTrigger {
            if !json {
                Terminal.writeError("warning: unresolved \(trigger.rawValue) on tier \(response.decision.tier): "
                    + "no escalation was left (or possible); the reply above may not be usable")
            }
            throw CLIError("", status: .unresolvedTrigger)
        }
    }

    /// `— haiku (claude-haiku-4-5), 1 attempt, $0.000031 vs $0.000155 on the baseline tier (saved 80%)`.
    static func summary(_ r: RoutedResponse) -> String {
        let d = r.decision
        let flags = r.attempts.flatMap(\.flags)
        var line = "— \(d.tier) (\(r.message.model)), \(r.attempts.count) attempt\(r.attempts.count == 1 ? "" : "s")"
        if r.attempts.count > 1 {
            line += " [" + r.attempts.map { "\($0.decision.tier)\($0.trigger.map { " → \($0.rawValue)" } ?? "")" }.joined(separator: ", ") + "]"
        }
        let flagged = r.attempts.contains { !$0.flags.isEmpty }
        line += r.unpricedAttempts > 0 ? ", cost unknown (\(flagged ? "usage flagged" : "unpriced model"))"
            : ", \(r.totalCost.formatted())"
        if let baseline = r.baselineCost {
            line += " vs \(baseline.formatted()) on the baseline tier"
            if let savings = r.savings, baseline.picodollars > 0 {
                line += " (saved \(Verdict.percent(savings.dollars / baseline.dollars)))"
            }
        }
        for flag in flags { line += "\nwarning: \(flag)" }
        return line
    }
}

extension ConnectionOptions {
    /// A client for `--base-url` (else `remembered`, else `ANTHROPIC_BASE_URL`, else the real API)
    /// with the key from `ANTHROPIC_API_KEY`. `remembered` is where an earlier command sent the
    /// work this one follows up (a batch lives on the server it was submitted to). A missing key is
    /// refused here, before any network traffic (exit 77).
    func makeClient(remembered: String? = nil) throws -> AnthropicClient {
        let key = ProcessInfo.processInfo.environment["ANTHROPIC_API_KEY"] ?? ""
        if key.isEmpty {
            throw CLIError("error: no API key: set ANTHROPIC_API_KEY (or try `claude-router demo`, which needs none)", status: .permission)
        }
        return AnthropicClient(configuration: .init(apiKey: key, baseURL: baseURL ?? remembered))
    }
}

/// `send --json` output. Money as exact decimal strings.
struct SendJSON: Encodable {
    struct Attempt: Encodable {
        var tier: String
        var model: String
        var outcome: String
        var trigger: String?
        var inputTokens: Int
        var outputTokens: Int
        var costUSD: String?
        var requestID: String?
        var flags: [String]
    }

    /// The version of this JSON shape (docs/CLI.md, "JSON output and standard input").
    var schemaVersion = 1
    var text: String
    var model: String
    var tier: String
    var task: String
    var reason: String
    var stopReason: String?
    var attempts: [Attempt]
    var totalCostUSD: String?
    var baselineCostUSD: String?
    var savingsUSD: String?
    /// The trigger the reply still fails (`refusal`, `max_tokens`, …); absent when none.
    var unresolvedTrigger: String?

    init(_ r: RoutedResponse) {
        text = r.message.text
        model = r.message.model
        tier = r.decision.tier
        task = r.decision.task
        reason = r.decision.reason
        stopReason = r.message.stopReason?.rawValue
        attempts = r.attempts.map {
            Attempt(tier: $0.decision.tier, model: $0.decision.model, outcome: $0.outcome.kind, trigger: $0.trigger?.rawValue,
                    inputTokens: $0.usage.input, outputTokens: $0.usage.output, costUSD: $0.cost?.total.exactDecimal,
                    requestID: $0.requestID, flags: $0.flags)
        }
        totalCostUSD = r.unpricedAttempts > 0 ? nil : r.totalCost.exactDecimal
        baselineCostUSD = r.baselineCost?.exactDecimal
        savingsUSD = r.savings?.exactDecimal
        unresolvedTrigger = r.unresolvedTrigger?.rawValue
    }

    func encoded() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
