import ArgumentParser
import ClaudeClient
import Foundation
import Router
import RouterPolicies

/// `batch results ID`: record an ended batch's results in the ledger and print them.
struct BatchResultsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "results",
        abstract: "Record an ended batch's results in the ledger (each once) and write them as JSON lines.",
        discussion: """
        One line per item: {"custom_id", "outcome": succeeded|errored|expired|canceled|missing, "model", \
        "text", "cost_usd", "error"}. Errored, expired and canceled items are recorded (cost $0) and listed; \
        fetching the results again records nothing twice.
        """)

    @OptionGroup var stateOptions: BatchStateOptions
    @OptionGroup var connection: ConnectionOptions

    @Option(help: ArgumentHelp("Policy file (default: the one the batch was submitted with).", valueName: "file"))
    var policy: String?

    @Option(help: ArgumentHelp("Write the results here as JSON lines (default: standard output).", valueName: "file"))
    var output: String?

    @Argument(help: "The batch id (msgbatch_…).")
    var id: String

    @OptionGroup var budget: BudgetOptions

    func run() async throws {
        let remembered = try BatchStateFile.load(stateOptions.statePath).batches.first { $0.id == id }
        let loaded = try Inputs.policy(policy ?? remembered?.policy ?? "default")
        let client = try connection.makeClient(remembered: remembered?.baseURL)
        defer { client.shutdown() }
        let status = try await client.retrieveBatch(id: id).body
        guard status.processingStatus == .ended else {
            throw CLIError("error: batch \(id) is still \(status.processingStatus.rawValue) "
                           + "(\(status.requestCounts.processing) requests processing); try again later",
                           status: .unavailable)
        }
        let ledgerPath = stateOptions.ledger ?? remembered?.ledger
        let store: any CostLedger = try await LedgerFiles.open(ledgerPath)
        let book = try Inputs.prices(explicit: nil, policy: loaded)
        let router = try ModelRouter(policy: .policy(loaded), client: client, ledger: store, prices: book,
                                     options: budget.routerOptions(ledger: store))
        // The holds `submit` took (in its own process) are settled here with each one's items' cost.
        var holds: [BatchHold] = []
        for saved in remembered?.holds ?? [] { holds.append(await router.restoreBatchHold(saved)) }
        let batch = DeferredBatch(id: id, customIDs: remembered?.customIDs ?? [], items: remembered?.items ?? [:],
                                  reserved: holds.reduce(USDAmount.zero) { $0 + $1.reservation.amount }, holds: holds)
        let results = try await router.collect(batch)
        try await store.close()
        let order = remembered?.customIDs ?? results.outcomes.keys.sorted()
        try Self.write(results, order: order, to: output)
        let failed = results.failedIDs
        let succeeded = results.outcomes.count - failed.count
        let listed = failed.prefix(10).joined(separator: ", ") + (failed.count > 10 ? ", …" : "")
        let destination = ledgerPath.map { " to \($0)" } ?? ""
        var line = "batch \(id): \(succeeded) succeeded, \(failed.count) not (\(listed)); "
        line += "\(results.recorded) records written\(destination), cost \(results.cost.map { "\($0)" } ?? "unknown (an item is unpriced)") at the batch price"
        Terminal.writeError(line)
    }

    /// The results as JSON lines, in `order` (then any other custom id, sorted).
    static func write(_ results: DeferredResults, order: [String], to path: String?) throws {
        var lines = ""
        let rest = results.outcomes.keys.filter { !Set(order).contains($0) }.sorted()
        for id in order + rest {
            guard let outcome = results.outcomes[id] else { continue }
            var object: [String: Any] = ["custom_id": id]
            switch outcome {
            case .succeeded(let message, let cost):
                object["outcome"] = "succeeded"
                object["model"] = message.model
                object["text"] = message.text
                object["cost_usd"] = cost.map { $0.exactDecimal } ?? NSNull()
            case .errored(let type, let message):
                object["outcome"] = "errored"
                object["error"] = "\(type): \(message)"
            case .expired: object["outcome"] = "expired"
            case .canceled: object["outcome"] = "canceled"
            case .missing: object["outcome"] = "missing"
            }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            lines += String(decoding: data, as: UTF8.self) + "\n"
        }
        if let path {
            try lines.write(toFile: path, atomically: true, encoding: .utf8)
        } else {
            Terminal.writeOut(lines)
        }
    }
}

/// A JSONL workload for `batch submit`.
enum BatchWorkload {
    struct Line: Decodable {
        var customID: String?
        var prompt: String?
        var params: MessageRequestParams?
        var task: String?
        var metadata: [String: String]?
        var maxTokens: Int?

        enum CodingKeys: String, CodingKey {
            case prompt, params, task, metadata
            case customID = "custom_id"
            case maxTokens = "max_tokens"
        }
    }

    /// A Messages request whose `model` and `max_tokens` may be left out (routed).
    struct MessageRequestParams: Decodable {
        var request: MessageRequest
        enum CodingKeys: String, CodingKey { case model, maxTokens = "max_tokens" }
        init(from decoder: any Decoder) throws {
            let keys = try decoder.container(keyedBy: CodingKeys.self)
            let model = try keys.decodeIfPresent(String.self, forKey: .model)
            let maxTokens = try keys.decodeIfPresent(Int.self, forKey: .maxTokens)
            // Decode the rest with the client's own shape, supplying the two optional fields.
            let single = try decoder.singleValueContainer()
            var object = try single.decode(ClaudeClient.JSONValue.self)
            if case .object(var fields) = object {
                fields["model"] = .string(model ?? "auto")
                fields["max_tokens"] = .int(Int64(maxTokens ?? 0))
                object = .object(fields)
            }
            request = try JSONDecoder().decode(MessageRequest.self, from: JSONEncoder().encode(object))
        }
    }

    /// Every line as a deferred item; every bad line reported as `FILE:LINE: error: …` (exit 65).
    static func read(_ path: String, policy: Policy) throws -> [DeferredItem] {
        let text = try path == "-" ? Inputs.standardInput() : Inputs.text(of: path)
        var items: [DeferredItem] = []
        var errors: [String] = []
        var seen: [String: Int] = [:]
        for (offset, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = offset + 1
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty { continue }
            func fail(_ message: String) { errors.append("\(Inputs.label(path)):\(number): error: \(message)") }
            let parsed: Line
            do {
                parsed = try JSONDecoder().decode(Line.self, from: Data(line.utf8))
            } catch {
                fail("not a JSON object of the workload shape (\(Self.describe(error)))")
                continue
            }
            guard let customID = parsed.customID, !customID.isEmpty else { fail("missing \"custom_id\""); continue }
            if let first = seen[customID] {
                fail("custom_id '\(customID)' repeats line \(first)")
                continue
            }
            seen[customID] = number
            if customID.utf8.count > 64 || !customID.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) {
                fail("custom_id '\(customID)' must be 1 to 64 characters of A-Z a-z 0-9 _ -")
                continue
            }
            var request: MessageRequest
            switch (parsed.prompt, parsed.params) {
            case (let prompt?, nil):
                if prompt.allSatisfy(\.isWhitespace) { fail("\"prompt\" is empty"); continue }
                request = MessageRequest(model: "auto", maxTokens: 0, messages: [.user(prompt)])
            case (nil, let params?):
                request = params.request
                if request.messages.isEmpty { fail("\"params\" has no messages"); continue }
            default:
                fail("give exactly one of \"prompt\" or \"params\"")
                continue
            }
            if let maxTokens = parsed.maxTokens {
                guard maxTokens > 0 else { fail("\"max_tokens\" must be positive"); continue }
                request.maxTokens = maxTokens
            }
            if let task = parsed.task {
                guard let route = policy.tasks[task] else {
                    fail("unknown task '\(task)' (policy '\(policy.name)' has: \(policy.tasks.keys.sorted().joined(separator: ", ")))")
                    continue
                }
                if !route.deferrable { fail("task '\(task)' is not deferrable: true in the policy"); continue }
            }
            items.append(DeferredItem(customID: customID, request: request,
                                      options: CallOptions(task: parsed.task, metadata: parsed.metadata ?? [:])))
        }
        if errors.isEmpty, items.isEmpty { errors.append("\(Inputs.label(path)): error: no work items") }
        if !errors.isEmpty { throw CLIError.data(errors.joined(separator: "\n")) }
        return items
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
             DecodingError.keyNotFound(_, let context), DecodingError.dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        default:
            return "\(error)"
        }
    }
}

/// The batches `batch submit` created, for `status` and `results` (JSON).
struct BatchStateFile: Codable {
    struct Entry: Codable {
        var id: String
        var policy: String
        var ledger: String?
        var submittedAt: String
        var customIDs: [String]
        var items: [String: DeferredItemContext]
        /// The budget holds taken at submit, settled by `results` (absent in older files).
        var holds: [SavedBatchHold]?
        /// The API base URL the batch was submitted to; `status` and `results` go there unless
        /// `--base-url` says otherwise (absent in older files).
        var baseURL: String?
    }

    /// Where batch `id` was submitted, if this file remembers it.
    func baseURL(of id: String) -> String? {
        batches.first { $0.id == id }?.baseURL
    }

    var batches: [Entry] = []

    /// The file's batches; none when it does not exist.
    static func load(_ path: String) throws -> BatchStateFile {
        guard FileManager.default.fileExists(atPath: path) else { return BatchStateFile() }
        do {
            return try JSONDecoder().decode(BatchStateFile.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw CLIError.data("error: batch state file '\(path)' is unreadable: \(BatchWorkload.describe(error))")
        }
    }

    func save(_ path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
