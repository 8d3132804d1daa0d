import Foundation
import RouterPolicies

/// Converts the routing development data (data/routing-dev/, one prompt per line with per-model
/// 0…1 scores) into outcome lines: each tier is mapped to one open model, and a score ≥ 0.5
/// counts as a pass (CommonGen's scores are fractions; every other task is 0/1).
package enum DevData {
    /// The documented tier mapping (data/routing-dev/README.md): ascending size and quality.
    package static let defaultTierModels: [(tier: String, model: String)] = [
        ("haiku", "mistral-7b-instruct-v0.3"),
        ("sonnet", "llama-3.3-nemotron-super-49b-v1"),
        ("opus", "llama-3.1-nemotron-51b-instruct"),
    ]

    /// Outcome lines (docs/CALIBRATION.md) for the rows of `split` (`train`, `test`, or `nil`
    /// for all), in file order. `source`, `task_hint` and `split` go to `metadata`; no `task` is
    /// set, so the policy's classifier routes each prompt as it would in production.
    /// Throws `OutcomesError` with `FILE:LINE` for a malformed line or a missing model.
    package static func outcomeLines(path: String, split: String?,
                                    tierModels: [(tier: String, model: String)] = defaultTierModels) throws(OutcomesError) -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw OutcomesError(code: .unreadable, messages: ["\(path): error: cannot read this file"])
        }
        var lines: [String] = []
        var errors: [String] = []
        let bytes = Array(data)
        var start = 0, number = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            number += 1
            defer { start = end + 1 }
            if end == start { continue }
            guard let object = try? JSONSerialization.jsonObject(with: Data(bytes[start..<end])) as? [String: Any],
                  let prompt = object["prompt"] as? String, let rowSplit = object["split"] as? String,
                  let scores = object["scores"] as? [String: Any] else {
                errors.append("\(path):\(number): error: expected {prompt, split, scores, …}")
                continue
            }
            if let split, rowSplit != split { continue }
            var passed: [String] = []
            for (tier, model) in tierModels {
                guard let score = (scores[model] as? NSNumber)?.doubleValue else {
                    errors.append("\(path):\(number): error: no score for model '\(model)' (tier \(tier))")
                    continue
                }
                passed.append("\(DifficultyModel.quote(tier)): \(score >= 0.5)")
            }
            var metadata = ["split": rowSplit]
            if let source = object["source"] as? String { metadata["source"] = source }
            if let hint = object["task_hint"] as? String { metadata["task_hint"] = hint }
            let meta = metadata.keys.sorted().map { "\(DifficultyModel.quote($0)): \(DifficultyModel.quote(metadata[$0]!))" }
            lines.append("{\"prompt\": \(DifficultyModel.quote(prompt)), \"metadata\": {\(meta.joined(separator: ", "))}, "
                         + "\"passed\": {\(passed.joined(separator: ", "))}}")
        }
        if !errors.isEmpty { throw OutcomesError(code: .invalidLines, messages: errors) }
        return lines
    }
}
