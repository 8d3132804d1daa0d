import Foundation
import RouterPolicies

extension EvalReport {
    /// The CSV header: one row per case and variant follows.
    static let csvHeader = ["case_id", "variant", "task", "verdict", "tier_path", "tier", "model", "cost_usd",
                            "baseline_cost_usd", "judge_cost_usd", "cached", "mock_reply", "escalated", "attempts",
                            "input_tokens", "output_tokens", "latency_ms", "failures", "prompt", "answer"]

    /// RFC 4180 CSV (CRLF line ends, fields quoted when needed): a header, then one row per case
    /// and variant in run order, for spreadsheets and `promptfoo`-style diffing. Money is exact
    /// decimal dollars; an unknown cost is an empty field, never 0. `failures` are joined by
    /// ` | `; `cached` is `true` when the answer was reused from the result cache.
    package var csvText: String {
        var lines = [Self.csvHeader.joined(separator: ",")]
        for run in runs {
            for o in run.outcomes {
                let fields: [String] = [
                    o.caseID, run.name, o.task, o.verdictWord, Self.tierPath(o), o.tier ?? "", o.model ?? "",
                    o.cost?.exactDecimal ?? "", o.baselineCost?.exactDecimal ?? "", o.judgeCost?.exactDecimal ?? "",
                    o.cached ? "true" : "false", o.mockReply ? "true" : "false", o.escalated ? "true" : "false",
                    "\(o.attempts.count)", o.inputTokens.map(String.init) ?? "", o.outputTokens.map(String.init) ?? "",
                    o.latencyMs.map { String(Int($0.rounded())) } ?? "", o.failures.joined(separator: " | "),
                    o.prompt ?? "", o.answer ?? "",
                ]
                lines.append(fields.map(Self.csvField).joined(separator: ","))
            }
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// A field quoted (inner quotes doubled) when it holds a comma, a quote or a line break.
    static func csvField(_ text: String) -> String {
        text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }
}
