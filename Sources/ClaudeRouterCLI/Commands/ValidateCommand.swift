import ClaudeClient
import ArgumentParser
import Foundation
import RouterPolicies

/// `claude-router validate FILE…`: checks policy files and price books.
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check policy files and price books; report every error at FILE:LINE:COLUMN.",
        discussion: """
        The kind of each file is detected from its content (a top-level `models:` mapping without \
        `tiers:` is a price book; anything else is a policy) unless --kind is given. Exits 0 when \
        every file is valid, 65 otherwise, with each error on stderr followed by the source line and a caret.
        """)

    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case auto, policy, prices
    }

    @Option(help: "What the files are: auto, policy or prices.")
    var kind: Kind = .auto

    @Argument(help: ArgumentHelp("Policy or price files.", valueName: "file"))
    var files: [String]

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one file to validate") }
    }

    func run() async throws {
        var errors: [String] = []
        for file in files {
            do {
                Terminal.writeOut(try check(file) + "\n")
            } catch let error as CLIError {
                errors.append(error.message)
            }
        }
        if !errors.isEmpty { throw CLIError.data(errors.joined(separator: "\n")) }
    }

    /// Validates one file and returns the line printed for it.
    func check(_ file: String) throws -> String {
        // `default` names the bundled policy here as everywhere a policy file is expected.
        if file == "default" && !FileManager.default.fileExists(atPath: file) && kind != .prices {
            let policy = try Inputs.policy(file)
            return "default: ok (bundled policy '\(policy.name)', \(policy.tiers.count) tiers, baseline \(policy.baselineTier))"
        }
        guard FileManager.default.fileExists(atPath: file) else {
            throw CLIError.data("\(file): error: no such file")
        }
        let text = try Inputs.text(of: file)
        let detected = kind == .auto ? Self.detectKind(text: text, file: file) : kind
        do throws(PolicyError) {
            if detected == .prices {
                let book = try PriceBook.parse(yaml: text, file: file)
                for warning in book.zeroPriceWarnings { Terminal.writeError("\(file): warning: \(warning)") }
                return "\(file): ok (price book, \(book.models.count) models)"
            }
            let policy = try Policy.load(file: file)
            for warning in Self.streamingWarnings(policy) { Terminal.writeError("\(file): warning: \(warning)") }
            return "\(file): ok (policy '\(policy.name)', \(policy.tiers.count) tiers, baseline \(policy.baselineTier))"
        } catch {
            throw CLIError.data(error.description)
        }
    }

    /// The `max_tokens` ceilings of `policy` above what a non-streaming call may ask for
    /// (`AnthropicClient.nonStreamingMaxTokens`): such calls are streamed internally by the
    /// router, which users should know (a stream's reply arrives the same way, but takes long).
    static func streamingWarnings(_ policy: Policy) -> [String] {
        let limit = AnthropicClient.nonStreamingMaxTokens
        let largestOutput = policy.tiers.map(\.maxOutputTokens).max() ?? 0
        var warnings: [String] = []
        for (task, route) in policy.tasks.sorted(by: { $0.key < $1.key }) {
            if min(route.maxTokens, largestOutput) > limit {
                warnings.append("task '\(task)': max_tokens \(route.maxTokens) is above \(limit), the most a non-streaming "
                    + "call may ask for: such calls are streamed internally")
            } else if let ceiling = escalationCeiling(route, policy: policy), min(route.maxTokens * 2, ceiling) > limit {
                warnings.append("task '\(task)': a max_tokens escalation doubles max_tokens \(route.maxTokens) to up to "
                    + "\(min(route.maxTokens * 2, ceiling)), above \(limit): that attempt is streamed internally")
            }
        }
        for rule in policy.rules {
            if let tokens = rule.action.maxTokens, min(tokens, largestOutput) > limit {
                warnings.append("rule '\(rule.name)': max_tokens \(tokens) is above \(limit), the most a non-streaming "
                    + "call may ask for: such calls are streamed internally")
            }
        }
        return warnings
    }

    /// The largest output a `max_tokens` escalation of `route` can reach (the tiers it may
    /// escalate to), or `nil` when it cannot escalate on `max_tokens` at all (escalation off, the
    /// trigger not enabled, or already on the top tier).
    static func escalationCeiling(_ route: TaskRoute, policy: Policy) -> Int? {
        guard policy.escalation.enabled, policy.escalation.maxSteps > 0,
              policy.escalation.triggers.contains(.maxTokens) else { return nil }
        let names = policy.tiers.map(\.name)
        let lowest = (route.tier ?? route.minTier).flatMap { names.firstIndex(of: $0) } ?? 0
        let targets = route.escalation.map { $0.compactMap { names.firstIndex(of: $0) } }
            ?? Array(policy.tiers.indices.dropFirst(lowest + 1))
        return targets.map { policy.tiers[$0].maxOutputTokens }.max()
    }

    /// A price book has a top-level `models:` and no `tiers:`. Unparseable text is treated as a
    /// policy, whose decoder then reports the syntax error.
    static func detectKind(text: String, file: String) -> Kind {
        guard let root = try? YAMLDocument.parse(text, file: file), let mapping = root.mapping else { return .policy }
        let keys = Set(mapping.compactMap { $0.key.scalar })
        return keys.contains("models") && !keys.contains("tiers") ? .prices : .policy
    }
}
