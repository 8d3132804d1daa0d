package import RouterPolicies

/// One task's thresholds after calibration: its own, or the reason it keeps the global ones.
///
/// A task gets its own thresholds (`tasks: NAME: thresholds:` in the policy, docs/POLICY.md)
/// only when the data allow it: the task routes by score (no fixed `tier`), it has at least
/// `CalibrationOptions.minTaskRows` rows with every tier's outcome, every tier both passes and
/// fails some of them, and thresholds chosen on k − 1 folds of its rows meet the target on the
/// remaining fold (pooled over the folds, within one standard error of that estimate). Then the
/// thresholds of those tasks and the global ones (for every other row) are chosen jointly: the
/// least-cost combination that meets the target over all rows (`ThresholdSearch.combine`).
package struct TaskThresholdFit: Sendable, Hashable, Codable {
    /// Rows a task needs by default (docs/CALIBRATION.md): below a few hundred, thresholds
    /// chosen on one task's rows mostly fit noise.
    package static let defaultMinimumRows = 200

    /// The policy's task name (as `PolicyEngine.decide` classified the rows).
    package var task: String
    /// Training rows with every tier's outcome that the engine routes to this task.
    package var rows: Int
    /// The task's own thresholds per tier (`nil` entry: never by score); `nil` keeps the global ones.
    package var thresholds: [Double?]?
    /// Cross-validated pass rate (0…1) of the task's own thresholds on its rows, when tried.
    package var crossValidatedPassRate: Double?
    /// Cross-validated mean cost per call (USD) of the task's own thresholds, when tried.
    package var crossValidatedCostPerCall: Double?
    /// Why the task has, or lacks, its own thresholds (one phrase).
    package var note: String

    /// Per task: its fit; and the global thresholds (re-chosen on the rows of tasks without their
    /// own) with the combined out-of-fold estimate over every row.
    package static func fit(rows: [ThresholdSearch.Row], tasks: [String], policy: Policy,
                           global: ThresholdSearch.Choice, options: CalibrationOptions)
        -> (global: ThresholdSearch.Choice, tasks: [TaskThresholdFit], estimate: ThresholdSearch.Choice) {
        precondition(rows.count == tasks.count)
        let tierCount = policy.tiers.count
        var byTask: [String: [Int]] = [:]
        for (index, task) in tasks.enumerated() { byTask[task, default: []].append(index) }
        var fits: [TaskThresholdFit] = []
        for task in byTask.keys.sorted() {
            let indices = byTask[task]!
            let subset = indices.map { rows[$0] }
            var fit = TaskThresholdFit(task: task, rows: indices.count, thresholds: nil, note: "")
            if policy.tasks[task]?.tier != nil || subset.allSatisfy({ $0.fixedTier != nil }) {
                fit.note = "fixed tier: thresholds do not apply"
            } else if indices.count < options.minTaskRows {
                fit.note = "global: \(indices.count) rows < \(options.minTaskRows)"
            } else if let tier = (0..<tierCount).first(where: { t in
                !(subset.contains { $0.passed[t] } && subset.contains { !$0.passed[t] })
            }) {
                fit.note = "global: tier '\(policy.tiers[tier].name)' never "
                    + (subset.contains { $0.passed[tier] } ? "fails" : "passes") + " on this task"
            } else {
                let cv = crossValidate(subset, tierCount: tierCount, task: task, options: options)
                fit.crossValidatedPassRate = cv.pass
                fit.crossValidatedCostPerCall = cv.cost
                if let reason = cv.missed {
                    fit.note = "global: " + reason
                } else if let own = try? ThresholdSearch().search(rows: subset, tierCount: tierCount, target: options.target) {
                    fit.thresholds = own.thresholds
                    fit.note = "own thresholds (cross-validated on \(options.folds) folds)"
                } else {
                    fit.note = "global: the target is unreachable on this task's rows"
                }
            }
            fits.append(fit)
        }

        // Joint choice: each task with its own thresholds is one group, every other row (fixed
        // tiers included) follows the global ones. One frontier point per group, picked so the
        // whole meets the target at the least cost (the global thresholds are a candidate in every
        // group, so this never does worse than one set of thresholds for all).
        let ownTasks = fits.filter { $0.thresholds != nil }.map(\.task)
        guard !ownTasks.isEmpty else { return (global, fits, global) }
        var members: [[Int]] = ownTasks.map { task in rows.indices.filter { tasks[$0] == task } }
        let ownSet = Set(ownTasks)
        members.append(rows.indices.filter { !ownSet.contains(tasks[$0]) })
        let search = ThresholdSearch()
        let frontiers = members.enumerated().map { group, indices in
            var extra = [global.thresholds]
            if group < ownTasks.count, let own = fits.first(where: { $0.task == ownTasks[group] })?.thresholds { extra.append(own) }
            return search.frontier(rows: indices.map { rows[$0] }, tierCount: tierCount, extra: extra)
        }
        let topPasses = rows.filter { $0.passed[tierCount - 1] }.count
        guard let picks = ThresholdSearch.combine(frontiers, rowCount: rows.count, topPasses: topPasses,
                                                  target: options.target) else {
            let note = "global: no joint choice meets the target"
            return (global, fits.map { fit in
                var fit = fit
                if fit.thresholds != nil { fit.thresholds = nil; fit.note = note }
                return fit
            }, global)
        }
        var result = fits
        for (group, task) in ownTasks.enumerated() {
            if let index = result.firstIndex(where: { $0.task == task }) {
                result[index].thresholds = frontiers[group][picks[group]].thresholds
                result[index].note = "own thresholds (cross-validated on \(options.folds) folds; joint least-cost choice)"
            }
        }
        let restPoint = frontiers[ownTasks.count][picks[ownTasks.count]]
        let chosen = ThresholdSearch.Choice(thresholds: restPoint.thresholds, passRate: 0, costPerCall: 0,
                                            required: global.required)
        let passes = zip(frontiers, picks).reduce(0) { $0 + $1.0[$1.1].passes }
        let cost = zip(frontiers, picks).reduce(0.0) { $0 + $1.0[$1.1].cost }
        let n = Double(max(rows.count, 1))
        let estimate = ThresholdSearch.Choice(thresholds: chosen.thresholds, passRate: Double(passes) / n,
                                              costPerCall: cost / n, required: global.required)
        return (chosen, result, estimate)
    }

    /// Thresholds chosen on k − 1 folds (seeded by the options' seed and the task name), applied
    /// to the held fold; pooled pass rate and cost, and what missed the target, if anything.
    static func crossValidate(_ rows: [ThresholdSearch.Row], tierCount: Int, task: String,
                              options: CalibrationOptions) -> (pass: Double, cost: Double, missed: String?) {
        let folds = max(2, options.folds)
        var order = Array(rows.indices)
        var taskSeed = options.seed
        for byte in task.utf8 { taskSeed = (taskSeed ^ UInt64(byte)) &* 0x100_0000_01B3 }
        var generator = SeededGenerator(seed: taskSeed)
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, generator.nextIndex(below: i + 1)) }
        var passes = 0, costs: [Double] = []
        for fold in 0..<folds {
            let held = order.indices.filter { $0 % folds == fold }.map { rows[order[$0]] }
            let train = order.indices.filter { $0 % folds != fold }.map { rows[order[$0]] }
            guard let choice = try? ThresholdSearch().search(rows: train, tierCount: tierCount, target: options.target) else {
                return (0, 0, "the target is unreachable on fold \(fold + 1) of \(folds)")
            }
            for row in held {
                let tier = row.tier(thresholds: choice.thresholds)
                if row.passed[tier] { passes += 1 }
                costs.append(row.cost[tier])
            }
        }
        let n = Double(rows.count)
        let pass = Double(passes) / n, perCall = costs.reduce(0, +) / n
        let top = Double(rows.filter { $0.passed[tierCount - 1] }.count) / n
        // Thresholds that just meet a target on the folds they were chosen on fall a little
        // short on the held fold by chance; within one standard error of the pooled estimate
        // counts as meeting it.
        let passError = (pass * (1 - pass) / n).squareRoot()
        let costError = (costs.reduce(0) { $0 + ($1 - perCall) * ($1 - perCall) } / max(n - 1, 1) / n).squareRoot()
        let missed: String?
        switch options.target {
        case .passRate(let r):
            missed = pass + passError >= r - 1e-12 ? nil
                : "cross-validated pass rate \(percent(pass)) ± \(percent(passError)) < \(percent(r))"
        case .qualityRatio(let q):
            missed = pass + passError >= q * top - 1e-12 ? nil
                : "cross-validated pass rate \(percent(pass)) ± \(percent(passError)) < \(percent(q * top)) (\(q) × top tier)"
        case .maxCostPerCall(let x):
            missed = perCall - costError <= x + 1e-15 ? nil : "cross-validated cost $\(perCall) ± \(costError) per call > $\(x)"
        }
        return (pass, perCall, missed)
    }

    static func percent(_ value: Double) -> String {
        let tenths = (value * 1000).rounded() / 10
        return "\(tenths)%"
    }
}
