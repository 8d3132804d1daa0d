import Foundation

/// A sparse design matrix in compressed-row form: row `i` has `columns[starts[i]..<starts[i+1]]`
/// with `values` alongside. Column indices are compact (`0..<columnCount`).
package struct SparseRows: Sendable {
    /// Row `i` spans `starts[i]..<starts[i + 1]`.
    package var starts: [Int]
    /// Column index per stored entry.
    package var columns: [Int32]
    /// Value per stored entry.
    package var values: [Double]
    /// Number of columns.
    package var columnCount: Int

    /// An empty matrix with `columnCount` columns.
    package init(columnCount: Int) {
        starts = [0]
        columns = []
        values = []
        self.columnCount = columnCount
    }

    /// Number of rows.
    package var rowCount: Int { starts.count - 1 }

    /// Appends a row of (column, value) entries.
    package mutating func append<Entries: Sequence>(_ entries: Entries) where Entries.Element == (Int, Double) {
        for (column, value) in entries {
            columns.append(Int32(column))
            values.append(value)
        }
        starts.append(columns.count)
    }

    /// The rows at `indices`, in that order.
    package func subset(_ indices: [Int]) -> SparseRows {
        var result = SparseRows(columnCount: columnCount)
        for i in indices {
            result.append((starts[i]..<starts[i + 1]).lazy.map { (Int(self.columns[$0]), self.values[$0]) })
        }
        return result
    }
}

/// L2-regularised logistic regression fitted by L-BFGS (Nocedal & Wright, *Numerical
/// Optimization*, 2nd ed., Algorithm 7.5) with a backtracking Armijo line search.
///
/// Minimises `(1/n) Σ [log(1 + e^{z_i}) − y_i z_i] + (λ/2) ‖w‖²` with `z_i = b + w·x_i`; the
/// intercept `b` is not penalised. Fully deterministic: fixed start (zeros), fixed history
/// size, fixed iteration cap and tolerance, sums in row order.
package struct LogisticRegression: Sendable {
    /// The L2 penalty λ (per mean-loss unit).
    package var lambda: Double
    /// Most L-BFGS iterations.
    package var maxIterations: Int
    /// Stop when ‖gradient‖∞ falls below this.
    package var tolerance: Double
    /// L-BFGS history size.
    package var history: Int

    /// A fitter; defaults: 300 iterations, tolerance 1e-6, history 10.
    package init(lambda: Double, maxIterations: Int = 300, tolerance: Double = 1e-6, history: Int = 10) {
        self.lambda = lambda
        self.maxIterations = maxIterations
        self.tolerance = tolerance
        self.history = history
    }

    /// A fitted model: intercept and one weight per column.
    package struct Fit: Sendable, Hashable {
        /// Intercept (logit units).
        package var bias: Double
        /// Weights, one per column.
        package var weights: [Double]
        /// Iterations used.
        package var iterations: Int

        /// `P(y = 1 | row)` for row `i` of `rows`.
        package func probability(_ rows: SparseRows, row i: Int) -> Double {
            var z = bias
            for k in rows.starts[i]..<rows.starts[i + 1] { z += weights[Int(rows.columns[k])] * rows.values[k] }
            return 1 / (1 + exp(-z))
        }
    }

    /// Fits `labels` (0 or 1 per row) on `rows`. With no rows the result predicts 0.5.
    package func fit(_ rows: SparseRows, labels: [Double]) -> Fit {
        let n = rows.rowCount
        let d = rows.columnCount
        guard n > 0 else { return Fit(bias: 0, weights: [Double](repeating: 0, count: d), iterations: 0) }
        // Parameters: weights 0..<d, then the intercept at index d.
        var x = [Double](repeating: 0, count: d + 1)
        var gradient = [Double](repeating: 0, count: d + 1)
        var value = objective(rows, labels, x, gradient: &gradient)
        var sHistory: [[Double]] = []
        var yHistory: [[Double]] = []
        var rhoHistory: [Double] = []
        var iterations = 0
        var newGradient = [Double](repeating: 0, count: d + 1)
        while iterations < maxIterations {
            if gradient.reduce(0, { max($0, abs($1)) }) < tolerance { break }
            iterations += 1
            // Two-loop recursion: direction = −H·g.
            var q = gradient
            var alphas = [Double](repeating: 0, count: sHistory.count)
            for j in stride(from: sHistory.count - 1, through: 0, by: -1) {
                alphas[j] = rhoHistory[j] * dot(sHistory[j], q)
                axpy(-alphas[j], yHistory[j], &q)
            }
            if let s = sHistory.last, let y = yHistory.last {
                let gamma = dot(s, y) / dot(y, y)
                for k in q.indices { q[k] *= gamma }
            } else {
                let norm = dot(q, q).squareRoot()
                if norm > 0 { for k in q.indices { q[k] /= norm } }
            }
            for j in 0..<sHistory.count {
                let beta = rhoHistory[j] * dot(yHistory[j], q)
                axpy(alphas[j] - beta, sHistory[j], &q)
            }
            var direction = q.map { -$0 }
            var slope = dot(gradient, direction)
            if slope >= 0 {
                // Not a descent direction (numerical trouble): restart from steepest descent.
                sHistory.removeAll(); yHistory.removeAll(); rhoHistory.removeAll()
                direction = gradient.map { -$0 }
                slope = dot(gradient, direction)
            }
            var step = 1.0
            var candidate = x
            var candidateValue = value
            var accepted = false
            for _ in 0..<40 {
                for k in candidate.indices { candidate[k] = x[k] + step * direction[k] }
                candidateValue = objective(rows, labels, candidate, gradient: &newGradient)
                if candidateValue <= value + 1e-4 * step * slope { accepted = true; break }
                step *= 0.5
            }
            guard accepted else { break }
            let s = zip(candidate, x).map { $0 - $1 }
            let y = zip(newGradient, gradient).map { $0 - $1 }
            let sy = dot(s, y)
            if sy > 1e-12 {
                sHistory.append(s); yHistory.append(y); rhoHistory.append(1 / sy)
                if sHistory.count > history {
                    sHistory.removeFirst(); yHistory.removeFirst(); rhoHistory.removeFirst()
                }
            }
            let improvement = value - candidateValue
            x = candidate
            gradient = newGradient
            value = candidateValue
            if improvement < 1e-12 * max(1, abs(value)) { break }
        }
        return Fit(bias: x[d], weights: Array(x[0..<d]), iterations: iterations)
    }

    /// The objective at `x`, writing its gradient.
    func objective(_ rows: SparseRows, _ labels: [Double], _ x: [Double], gradient: inout [Double]) -> Double {
        let n = rows.rowCount
        let d = rows.columnCount
        let scale = 1 / Double(n)
        var loss = 0.0
        for k in 0..<d { gradient[k] = lambda * x[k] }
        gradient[d] = 0
        var penalty = 0.0
        for k in 0..<d { penalty += x[k] * x[k] }
        x.withUnsafeBufferPointer { w in
            rows.columns.withUnsafeBufferPointer { columns in
                rows.values.withUnsafeBufferPointer { values in
                    gradient.withUnsafeMutableBufferPointer { g in
                        for i in 0..<n {
                            let range = rows.starts[i]..<rows.starts[i + 1]
                            var z = w[d]
                            for k in range { z += w[Int(columns[k])] * values[k] }
                            // log(1 + e^z) computed without overflow.
                            let softplus = z > 0 ? z + log1p(exp(-z)) : log1p(exp(z))
                            loss += softplus - labels[i] * z
                            let residual = (1 / (1 + exp(-z)) - labels[i]) * scale
                            for k in range { g[Int(columns[k])] += residual * values[k] }
                            g[d] += residual
                        }
                    }
                }
            }
        }
        return loss * scale + 0.5 * lambda * penalty
    }

    private func dot(_ a: [Double], _ b: [Double]) -> Double {
        var sum = 0.0
        for k in a.indices { sum += a[k] * b[k] }
        return sum
    }

    private func axpy(_ alpha: Double, _ x: [Double], _ y: inout [Double]) {
        for k in y.indices { y[k] += alpha * x[k] }
    }
}
