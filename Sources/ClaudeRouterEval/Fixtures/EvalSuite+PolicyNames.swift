import Foundation
package import RouterPolicies

extension EvalSuite {
    /// Every case whose `task` names a task that none of `policies` defines, and every
    /// `expected_tier` check naming a tier that none of them has, as diagnostics at the value
    /// (`FILE:LINE:COLUMN`, the source line and a caret under the value), with the closest known
    /// name when one is a near spelling.
    ///
    /// A task or tier known to at least one policy is accepted: an A/B run may compare policies
    /// whose task sets differ. Without this check a misspelt task is routed as an unknown task
    /// (the fallback route) and a misspelt tier fails every case, both silently.
    package func unknownPolicyNames(_ policies: [Policy]) -> [Diagnostic] {
        let tasks = Set(policies.flatMap { $0.tasks.keys })
        let tiers = Set(policies.flatMap { $0.tiers.map(\.name) })
        var found: [Diagnostic] = []
        // The suite keeps no source text; an error path reads its file again to quote the line.
        var sources: [String: YAMLSource] = [:]
        func diagnostic(_ message: String, at mark: SourceMark) -> Diagnostic {
            if sources[mark.file] == nil, let text = try? String(contentsOfFile: mark.file, encoding: .utf8) {
                sources[mark.file] = YAMLSource(text: text, file: mark.file)
            }
            return sources[mark.file]?.diagnostic(message, at: mark) ?? Diagnostic(mark: mark, message: message)
        }
        for item in cases {
            if let task = item.task, !tasks.contains(task) {
                found.append(diagnostic(
                    "case '\(item.id)': no policy defines task '\(task)'"
                        + YAMLDecodingContext.suggestion(for: task, among: tasks.sorted()),
                    at: item.taskMark ?? item.mark))
            }
            for located in item.checks {
                guard case .expectedTier(let tier) = located.check, !tiers.contains(tier) else { continue }
                found.append(diagnostic(
                    "case '\(item.id)': expected_tier '\(tier)' is not a tier of any policy"
                        + YAMLDecodingContext.suggestion(for: tier, among: tiers.sorted()),
                    at: located.mark))
            }
        }
        return found
    }
}
