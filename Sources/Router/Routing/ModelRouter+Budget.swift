import ClaudeClient
import Foundation
import RouterPolicies

/// A decision whose worst-case cost is already reserved against every applicable budget.
struct ReservedDecision: Sendable {
    var decision: RoutingDecision
    var reservation: BudgetReservation
}

extension ModelRouter {
    /// Reserves the worst case of `initial`; when a hard limit would be crossed and the rule
    /// allows it, tries each cheaper tier that still fits the input, cheapest last. When nothing
    /// fits now but `initial` would once the reservations held by other calls settle, retries
    /// until ``Options/budgetWait`` has passed. A policy without budgets reserves nothing and
    /// estimates nothing. The reservation's id becomes the attempt's ledger record id.
    /// The worst case includes the server-tool uses the request allows (`max_uses`).
    /// - Throws: `RouterError` (`budgetExceeded`, `unpricedUnderBudget`, `unboundedUnderBudget`
    ///   for a per-use-billed server tool without `max_uses`), or the budget store's
    ///   own error (e.g. a `LedgerError` from a SQLite store).
    func affordableDecision(initial: RoutingDecision, request: MessageRequest, input: RoutingInput,
                            snapshot: PolicyStore.Snapshot) async throws -> ReservedDecision {
        let budgets = snapshot.budgets
        // Without budgets nothing is checked against the worst case, so skip estimating it
        // (the bound encodes the whole request, which the client is about to do anyway).
        guard !snapshot.policy.budgets.isEmpty else {
            let reservation = try await budgets.reserve(estimatedWorstCase: .zero, task: initial.task,
                                                        metadata: input.metadata, id: RecordID.next())
            return ReservedDecision(decision: initial, reservation: reservation)
        }
        let accounting = CostAccounting(prices: prices)
        // An exact pre-flight count replaces the byte bound (~4× the tokens of English text).
        let inputBound = input.countedInputTokens ?? CostAccounting.inputTokenBound(request)
        let now = options.now()
        let serverTools = try Self.serverToolBound(request, task: initial.task, metadata: input.metadata,
                                                   policy: snapshot.policy)

        func reserve(_ decision: RoutingDecision) async throws -> BudgetReservation {
            guard let worst = accounting.worstCase(inputBound: inputBound, maxTokens: decision.maxTokens,
                                                   model: decision.model, at: now, serverToolUses: serverTools) else {
                throw Self.unpricedError(model: decision.model, serverTools: serverTools, at: now, prices: prices)
            }
            return try await budgets.reserve(estimatedWorstCase: worst, task: decision.task, metadata: input.metadata,
                                             id: RecordID.next())
        }

        let clock = ContinuousClock()
        let deadline = clock.now + options.budgetWait
        var pause = Duration.milliseconds(2)
        while true {
            do {
                return try await reserveOrDowngrade(initial, snapshot: snapshot, reserve: reserve)
            } catch let error as BudgetError {
                let remaining = clock.now.duration(to: deadline)
                if error.fitsAfterReservationsSettle, remaining > .zero {
                    // Other calls' reservations settle at their own pace (in other processes too),
                    // so poll with a growing pause, jittered so waiters do not retry in lockstep.
                    let jittered = pause * Double.random(in: 0.5...1.5)
                    try await Task.sleep(for: min(jittered, remaining))
                    pause = min(pause * 2, .milliseconds(50))
                    continue
                }
                metrics.budgetRejected(rule: error.ruleName)
                throw RouterError(code: .budgetExceeded, message: error.description, budget: error)
            }
        }
    }

    /// The most server-tool uses `request` allows (``CostAccounting/serverToolBound(_:)``), for
    /// its worst case; `nil` when it declares no per-use-billed server tool.
    /// - Throws: `RouterError.unboundedUnderBudget` when such a tool has no `max_uses` and a
    ///   budget of `policy` applies to the call (without one, nothing is reserved and it goes).
    static func serverToolBound(_ request: MessageRequest, task: String?, metadata: [String: String],
                                policy: Policy) throws(RouterError) -> [String: Int]? {
        do {
            return try CostAccounting.serverToolBound(request)
        } catch {
            guard let first = BudgetBuckets(rules: policy.budgets).applicable(task: task, metadata: metadata).first
            else { return nil }
            throw RouterError(code: .unboundedUnderBudget, message:
                "the request declares the server tool \(error.tool) without max_uses, and budget "
                + "'\(policy.budgets[first.rule].name)' applies: each use is billed and the API sets no limit, so no "
                + "worst case can be reserved; set max_uses on the tool")
        }
    }

    /// The error for a worst case that cannot be priced: the model, or a server-tool counter
    /// the request may use, has no price in the book.
    static func unpricedError(model: String, serverTools: [String: Int]?, at date: Date, prices: PriceBook) -> RouterError {
        if prices.price(for: model, at: date) != nil,
           let counter = (serverTools ?? [:]).keys.sorted().first(where: { prices.serverToolPrice($0, at: date) == nil }) {
            return RouterError(code: .unpricedUnderBudget, message:
                "server tool uses '\(counter)' have no price in the price book (server_tools:), so no worst case can be reserved against the policy's budgets; add it to the price book")
        }
        if prices.price(for: model, at: date) != nil {
            return RouterError(code: .unpricedUnderBudget, message:
                "the server tools' max_uses are too large to price, so no worst case can be reserved against the policy's budgets; lower max_uses")
        }
        return RouterError(code: .unpricedUnderBudget, message:
            "model \(model) has no price in the price book, so no worst case can be reserved against the policy's budgets; add it to the price book")
    }

    /// One try: `initial`, else (when the refusing rule allows it) each cheaper tier that fits.
    /// - Throws: the `BudgetError` of `initial` when nothing fits now.
    private func reserveOrDowngrade(_ initial: RoutingDecision, snapshot: PolicyStore.Snapshot,
                                    reserve: (RoutingDecision) async throws -> BudgetReservation)
        async throws -> ReservedDecision {
        do {
            return ReservedDecision(decision: initial, reservation: try await reserve(initial))
        } catch let error as BudgetError where error.downgradeAllowed && initial.tierIndex > 0 {
            let tiers = snapshot.policy.tiers
            for index in stride(from: initial.tierIndex - 1, through: 0, by: -1) {
                let tier = tiers[index]
                let maxTokens = min(initial.maxTokens, tier.maxOutputTokens)
                guard initial.estimatedInputTokens + maxTokens <= tier.contextWindow else { continue }
                var cheaper = initial
                cheaper.tier = tier.name
                cheaper.tierIndex = index
                cheaper.model = tier.model
                cheaper.maxTokens = maxTokens
                cheaper.escalationPath = []
                cheaper.reason = initial.reason + "; downgraded to \(tier.name) by budget '\(error.ruleName)'"
                do {
                    let reservation = try await reserve(cheaper)
                    metrics.budgetDowngraded(rule: error.ruleName)
                    return ReservedDecision(decision: cheaper, reservation: reservation)
                } catch is BudgetError {
                    continue
                }
            }
            throw error
        }
    }
}
