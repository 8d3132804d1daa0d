import ClaudeClient
import Foundation
import Logging
import RouterPolicies

/// What the cost levers did to one call before its first attempt, stored on each of its
/// ledger records.
struct LeverNotes: Sendable {
    /// Estimated input tokens history trimming removed (net of a summary's own tokens); `nil` when nothing was trimmed.
    var trimmedInputTokens: Int?
    /// The exact input tokens `count_tokens` reported; `nil` when pre-flight did not run or failed.
    var preflightInputTokens: Int?
    /// Ledger flags (`preflight_fallback: …`, `history_summary_failed: …`).
    var flags: [String] = []
}

/// The call as the levers leave it: the request to send, what the policy sees of it, and the
/// first decision (not yet reserved).
struct PreparedCall: Sendable {
    var request: MessageRequest
    var input: RoutingInput
    var decision: RoutingDecision
    var notes: LeverNotes
}

extension ModelRouter {
    /// History trimming (with an optional summary by the cheapest tier), then exact pre-flight,
    /// as the policy in `snapshot` asks for the call's task; with neither configured, the plain
    /// decision. Trimming runs first so that pre-flight counts what is actually sent. Pre-flight
    /// also runs, whatever the policy says, when a budget applies and the request carries
    /// content its bytes do not bound.
    /// - Throws: `RouterError.ledgerWriteFailed` when the summary call's record cannot be written;
    ///   `RouterError.unboundedUnderBudget` when such content could not be counted.
    func prepare(_ request: MessageRequest, options: CallOptions, snapshot: PolicyStore.Snapshot, logger: Logger)
        async throws -> PreparedCall {
        let policy = snapshot.policy
        var request = request
        var input = RoutingInput(request: request, options: options)
        var decision = initialDecision(request, input: input, engine: snapshot.engine)
        var notes = LeverNotes()

        if let settings = policy.historySettings(forTask: decision.task) {
            let result = HistoryTrimmer.trim(request, settings: settings)
            if result.trimmed {
                request = result.request
                var removed = result.removedTokens
                if settings.summarize, !result.dropped.isEmpty {
                    do {
                        if let summary = try await summarize(result.dropped, settings: settings, snapshot: snapshot,
                                                             metadata: input.metadata, logger: logger) {
                            request = Self.insert(summary: summary, into: request,
                                                  afterFirstTurn: result.keptFirstUserTurn)
                            removed -= (HistoryTrimmer.utf8Count(summary) + 3) / 4
                        }
                    } catch let error as RouterError where error.code == .ledgerWriteFailed {
                        throw error
                    } catch {
                        notes.flags.append("history_summary_failed: \(Self.describe(error)); the dropped turns were not summarized")
                        logger.warning("history summary failed: trimmed without one",
                                       metadata: ["error": "\(Self.describe(error))"])
                    }
                }
                notes.trimmedInputTokens = max(removed, 0)
                input = RoutingInput(request: request, options: options)
                decision = initialDecision(request, input: input, engine: snapshot.engine)
            }
        }

        // Content the body's bytes do not bound (a document by URL, …) is counted exactly whenever
        // a budget applies, even when the policy did not ask for pre-flight: the byte bound
        // would let one call overspend a hard limit many times over (docs/POLICY.md "Budgets").
        let unbounded = Self.unboundedUnderBudget(request, task: decision.task, metadata: input.metadata, policy: policy)
        let asked = policy.preflightSettings(forTask: decision.task)
            .map { LeverPlan.preflightDue($0, decision: decision, policy: policy).run } ?? false
        if asked || unbounded != nil {
            var count = CountTokensRequest(request)
            count.model = decision.model
            do {
                let counted = try await client.countTokens(count, logger: logger, options: options.request).body.inputTokens
                input.countedInputTokens = counted
                notes.preflightInputTokens = counted
                // Decided again on the exact size: a tier whose window cannot hold it is skipped.
                decision = initialDecision(request, input: input, engine: snapshot.engine)
            } catch {
                if let unbounded {
                    throw RouterError(code: .unboundedUnderBudget, message:
                        "the request carries \(unbounded.content), whose billed tokens its size does not bound, and budget "
                        + "'\(unbounded.rule)' applies; count_tokens could not count it (\(Self.describe(error))), so no "
                        + "worst case could be reserved and nothing was sent; retry when count_tokens answers",
                        underlying: error)
                }
                notes.flags.append("preflight_fallback: count_tokens failed (\(Self.describe(error))); "
                                   + "decided and reserved on the estimate")
                logger.warning("pre-flight count_tokens failed: using the estimate",
                               metadata: ["error": "\(Self.describe(error))"])
            }
        }
        return PreparedCall(request: request, input: input, decision: decision, notes: notes)
    }

    /// When a budget of `policy` applies to a call with `task` and `metadata` and `request`
    /// carries content its bytes do not bound (``CostAccounting/unboundedContent(_:)``): that
    /// content, described, and the first applicable budget's name; otherwise `nil`.
    static func unboundedUnderBudget(_ request: MessageRequest, task: String, metadata: [String: String],
                                     policy: Policy) -> (content: String, rule: String)? {
        guard !policy.budgets.isEmpty,
              let first = BudgetBuckets(rules: policy.budgets).applicable(task: task, metadata: metadata).first,
              let content = CostAccounting.unboundedContent(request) else { return nil }
        return (content, policy.budgets[first.rule].name)
    }

    /// Asks the policy's cheapest tier for a summary of `dropped`, recorded in the ledger as its
    /// own call (task `history_summary`, reserved against the budgets like any call).
    /// - Returns: the summary text; `nil` when the reply had no text.
    /// - Throws: `ClaudeError` (the call failed; it is recorded), `RouterError` (budgets, ledger).
    func summarize(_ dropped: [MessageParam], settings: HistorySettings, snapshot: PolicyStore.Snapshot,
                   metadata: [String: String], logger: Logger) async throws -> String? {
        guard let cheapest = snapshot.policy.tiers.first else { return nil }
        let maxTokens = min(max(HistoryTrimmer.summaryAllowance(settings), 64), 512, cheapest.maxOutputTokens)
        let request = MessageRequest(
            model: cheapest.model, maxTokens: maxTokens, messages: [.user(Self.transcript(dropped))],
            system: .text("""
                Summarize the conversation excerpt below for the assistant that continues the conversation. \
                Keep facts, decisions, names, numbers, tool results and open questions; drop pleasantries. \
                Reply with the summary only, in at most \(maxTokens * 3 / 4) words.
                """))
        let options = CallOptions(task: Policy.historySummaryTask, metadata: metadata)
        let input = RoutingInput(request: request, options: options)
        let decision = RoutingDecision(
            tier: cheapest.name, tierIndex: 0, model: cheapest.model, maxTokens: maxTokens, escalationPath: [],
            score: 0, contributions: [], matchedRule: nil, variant: nil, task: Policy.historySummaryTask,
            taskConfidence: 1, estimatedInputTokens: input.estimatedInputTokens,
            reason: "history summary of \(dropped.count) dropped turns on the cheapest tier (\(cheapest.name))")
        let reserved = try await affordableDecision(initial: decision, request: request, input: input, snapshot: snapshot)
        var call = RoutedCall(request: request, options: options, input: input, snapshot: snapshot, logger: logger,
                              isStream: false, current: reserved)
        let client = self.client
        let (response, _, _) = try await runAttempts(
            &call, perform: { routed, logger in try await client.createMessage(routed, logger: logger) },
            ended: { AttemptEnd.reply($0, checks: []) })
        let text = response.body.text.trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }

    /// The dropped turns as plain text for the summarizer: roles, text, tool calls and results.
    static func transcript(_ turns: [MessageParam]) -> String {
        var lines: [String] = []
        for turn in turns {
            for block in turn.content {
                switch block {
                case .text(let text): lines.append("\(turn.role.rawValue.uppercased()): \(text.text)")
                case .toolUse(let use):
                    let input = (try? JSONEncoder().encode(use.input)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
                    lines.append("ASSISTANT called tool \(use.name) with \(input)")
                case .toolResult(let result):
                    var text = ""
                    switch result.content {
                    case .string(let value)?: text = value
                    case .blocks(let blocks)?:
                        text = blocks.compactMap { (block: ContentBlock) -> String? in
                            if case .text(let inner) = block { return inner.text }
                            return nil
                        }.joined(separator: "\n")
                    case nil: break
                    }
                    lines.append("TOOL RESULT\(result.isError == true ? " (error)" : ""): \(text)")
                case .image: lines.append("\(turn.role.rawValue.uppercased()): [an image]")
                case .document(let document): lines.append("\(turn.role.rawValue.uppercased()): [a document\(document.title.map { " '\($0)'" } ?? "")]")
                default: continue
                }
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The request with the summary as a text block in its first turn (a user turn without a
    /// `tool_result`, so a text block may go anywhere in it): after the kept first user turn's
    /// own content, or before the first kept turn's content.
    static func insert(summary: String, into request: MessageRequest, afterFirstTurn: Bool) -> MessageRequest {
        guard !request.messages.isEmpty else { return request }
        var request = request
        let block = ContentBlock.text("[Summary of earlier turns, written by the router]\n\(summary)")
        if afterFirstTurn {
            request.messages[0].content.append(block)
        } else {
            request.messages[0].content.insert(block, at: 0)
        }
        return request
    }
}
