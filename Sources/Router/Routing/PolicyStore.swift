import Foundation
import Logging
import RouterPolicies
import Synchronization

/// The policy in force, its engine and its budgets; re-reads a policy file when it changes.
///
/// Reload is checked on calls (at most once per `reloadInterval`), not by a background task,
/// so it needs no timer and is deterministic in tests. A file that fails validation is logged
/// once per distinct content and the previous policy stays in force. A reload whose budgets
/// changed seeds the new budgets from `ledger`, which the store holds from its init.
final class PolicyStore: Sendable {
    struct Snapshot: Sendable {
        var policy: Policy
        var engine: PolicyEngine
        var budgets: any BudgetStore
    }

    private struct FileStamp: Equatable {
        var modified: Date
        var size: Int
    }

    private struct State {
        var snapshot: Snapshot
        var stamp: FileStamp?
        var lastCheck: ContinuousClock.Instant
        var rejectedHash: String?
    }

    private let path: String?
    private let reloadInterval: Duration
    private let now: @Sendable () -> Date
    private let logger: Logger
    private let onSoftLimit: @Sendable (BudgetSoftLimitEvent) -> Void
    private let ledger: any CostLedger
    private let budgetStore: BudgetStoreFactory
    private let state: Mutex<State>

    /// - Throws: `PolicyError` for an invalid policy file, or the budget store's error.
    init(source: ModelRouter.PolicySource, ledger: any CostLedger, budgetStore: BudgetStoreFactory,
         reloadInterval: Duration, now: @escaping @Sendable () -> Date, logger: Logger,
         onSoftLimit: @escaping @Sendable (BudgetSoftLimitEvent) -> Void) throws {
        self.ledger = ledger
        self.budgetStore = budgetStore
        self.reloadInterval = reloadInterval
        self.now = now
        self.logger = logger
        self.onSoftLimit = onSoftLimit
        let policy: Policy
        switch source {
        case .file(let path):
            self.path = path
            policy = try Policy.load(file: path)
        case .policy(let loaded):
            self.path = nil
            policy = loaded
        }
        let snapshot = Snapshot(policy: policy, engine: PolicyEngine(policy: policy),
                                budgets: try PolicyStore.makeBudgets(policy.budgets, factory: budgetStore, clock: now,
                                                              onSoftLimit: onSoftLimit))
        let stamp = path.flatMap(Self.stamp(of:))
        self.state = Mutex(State(snapshot: snapshot, stamp: stamp, lastCheck: .now, rejectedHash: nil))
    }

    /// The snapshot in force, reloading the file first when it changed on disk.
    func current() async -> Snapshot {
        guard let path else { return state.withLock { $0.snapshot } }
        let due: FileStamp?? = state.withLock { state in
            let instant = ContinuousClock.now
            guard instant - state.lastCheck >= reloadInterval else { return .none }
            state.lastCheck = instant
            let stamp = Self.stamp(of: path)
            return stamp == state.stamp ? .none : .some(stamp)
        }
        guard case .some(let newStamp) = due else { return state.withLock { $0.snapshot } }
        await reload(path: path, stamp: newStamp)
        return state.withLock { $0.snapshot }
    }

    /// Re-reads the policy file now, whatever its stamp or the reload interval (a `SIGHUP`).
    /// Errors are logged every time (not once per content) and returned; the previous policy
    /// stays in force. `nil` on success, or when the store holds no file.
    func reloadNow() async -> String? {
        guard let path else { return nil }
        let stamp = Self.stamp(of: path)
        state.withLock { $0.lastCheck = .now; $0.rejectedHash = nil }
        return await reload(path: path, stamp: stamp)
    }

    @discardableResult
    private func reload(path: String, stamp: FileStamp?) async -> String? {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            logger.error("policy file unreadable; keeping the previous policy", metadata: ["file": "\(path)"])
            state.withLock { $0.stamp = stamp }
            return "\(path): error: cannot read the policy file"
        }
        let hash = Policy.contentHash(of: text)
        let previous = state.withLock { $0.snapshot }
        guard hash != previous.policy.contentHash else {
            state.withLock { $0.stamp = stamp }
            return nil
        }
        let policy: Policy
        do {
            policy = try Policy.parse(yaml: text, file: path, baseDirectory: (path as NSString).deletingLastPathComponent)
        } catch {
            let alreadyLogged = state.withLock { state -> Bool in
                defer { state.rejectedHash = hash; state.stamp = stamp }
                return state.rejectedHash == hash
            }
            if !alreadyLogged {
                logger.error("policy edit rejected; keeping the previous policy", metadata: [
                    "file": "\(path)", "errors": "\(error.description)",
                ])
            }
            return error.description
        }
        var budgets = previous.budgets
        if policy.budgets != previous.policy.budgets {
            do {
                budgets = try PolicyStore.makeBudgets(policy.budgets, factory: budgetStore, clock: now, onSoftLimit: onSoftLimit)
                try await budgets.restore(from: ledger)
            } catch {
                logger.error("could not open or seed the reloaded budgets", metadata: ["error": "\(error)"])
            }
        }
        let snapshot = Snapshot(policy: policy, engine: PolicyEngine(policy: policy), budgets: budgets)
        state.withLock { state in
            state.snapshot = snapshot
            state.stamp = stamp
            state.rejectedHash = nil
        }
        logger.info("policy reloaded", metadata: ["file": "\(path)", "policy": "\(policy.name)", "hash": "\(hash)"])
        return nil
    }

    /// No rules: an empty in-memory guard (nothing to share, so no database connection).
    private static func makeBudgets(_ rules: [BudgetRule], factory: BudgetStoreFactory,
                                    clock: @escaping @Sendable () -> Date,
                                    onSoftLimit: @escaping @Sendable (BudgetSoftLimitEvent) -> Void) throws
        -> any BudgetStore {
        let context = BudgetStoreFactory.Context(rules: rules, clock: clock, onSoftLimit: onSoftLimit)
        return rules.isEmpty ? try BudgetStoreFactory.inMemory.make(context) : try factory.make(context)
    }

    private static func stamp(of path: String) -> FileStamp? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let modified = attributes[.modificationDate] as? Date,
              let size = (attributes[.size] as? NSNumber)?.intValue else { return nil }
        return FileStamp(modified: modified, size: size)
    }
}
