import Foundation
import RouterPolicies

/// Per-case detail: the prompt, each variant's final answer and every attempt of its routed
/// call (tier, outcome, tokens, cost, latency). The HTML page always shows it; the table and
/// Markdown formats add it with `eval --answers`; JSON always carries it in `runs`.
extension EvalReport {
    /// `haiku → sonnet` (the tiers the call went through), or the final tier alone.
    static func tierPath(_ outcome: CaseOutcome) -> String {
        outcome.attempts.isEmpty ? (outcome.tier ?? "–") : outcome.attempts.map(\.tier).joined(separator: " → ")
    }

    /// Whether the variants disagree on a case: different verdicts, or different answers.
    func differs(at index: Int) -> Bool {
        let outcomes = runs.compactMap { index < $0.outcomes.count ? $0.outcomes[index] : nil }
        guard let first = outcomes.first else { return false }
        return outcomes.contains { $0.verdictWord != first.verdictWord || $0.answer != first.answer }
    }

    /// One attempt as a line of text: `haiku (claude-haiku-4-5) escalated: max_tokens, 12+512 tok, $0.0026, 840ms`,
    /// after `1. ` when `numbered` (an HTML `<ol>` numbers its items itself).
    static func attemptText(_ line: AttemptLine, numbered: Bool = true) -> String {
        (numbered ? "\(line.attempt). " : "")
            + "\(line.tier) (\(line.model)) \(line.outcome), \(line.inputTokens)+\(line.outputTokens) tok, "
            + "\(line.cost?.formatted() ?? "unpriced"), \(line.latencyMs)ms"
    }

    /// `, judge $0.000120` after a case whose `judge` checks made grading calls (their cost,
    /// apart from the routed cost); empty otherwise.
    static func judgeCostText(_ outcome: CaseOutcome) -> String {
        outcome.judgeCost.map { ", judge " + $0.formatted() } ?? ""
    }

    /// Plain-text (or Markdown) per-case section for `--answers`.
    func answersText(markdown: Bool) -> String {
        var lines: [String] = [markdown ? "## Answers" : "Answers:", ""]
        for (index, id) in caseIDs.enumerated() {
            let first = runs.first.flatMap { index < $0.outcomes.count ? $0.outcomes[index] : nil }
            let marker = differs(at: index) ? " (variants differ)" : ""
            lines.append(markdown ? "### `\(id)`\(marker)" : "== \(id)\(marker)")
            if let prompt = first?.prompt {
                lines.append(markdown ? "" : "prompt:")
                lines += prompt.split(separator: "\n", omittingEmptySubsequences: false).map { (markdown ? "> " : "  ") + $0 }
            }
            for run in runs where index < run.outcomes.count {
                let o = run.outcomes[index]
                lines.append("")
                lines.append((markdown ? "**\(run.name)**: " : "[\(run.name)] ") + "\(o.verdictWord), \(Self.tierPath(o)), "
                    + (o.cost?.formatted() ?? "unpriced") + (o.cached ? " (cached: no call this run)" : "")
                    + Self.judgeCostText(o))
                lines += o.attempts.map { (markdown ? "- " : "  ") + Self.attemptText($0) }
                if let answer = o.answer {
                    if markdown {
                        lines += ["", "```text"] + answer.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) + ["```"]
                    } else {
                        lines += answer.split(separator: "\n", omittingEmptySubsequences: false).map { "  | " + $0 }
                    }
                }
                lines += o.failures.map { (markdown ? "- ✗ " : "  ✗ ") + $0 }
            }
            lines.append("")
        }
        return lines.joined(separator: "\n")
    }

    /// The HTML cases section: one row per case, variants side by side with their answers
    /// (long ones collapsed), the attempt path, and filter buttons (all / failures / differences).
    var casesHTML: String {
        let e = htmlEscaped
        var body: [String] = []
        body.append("<section><h2>Cases</h2><p class=\"filters\">Show: "
            + "<button type=\"button\" data-filter=\"all\" aria-pressed=\"true\">all</button> "
            + "<button type=\"button\" data-filter=\"failures\" aria-pressed=\"false\">only failures</button> "
            + "<button type=\"button\" data-filter=\"differences\" aria-pressed=\"false\">only differences</button></p>"
            + "<table class=\"cases\"><thead><tr><th>case</th>"
            + runs.map { "<th>\(e($0.name))</th>" }.joined() + "</tr></thead><tbody>")
        for (index, id) in caseIDs.enumerated() {
            let outcomes = runs.map { index < $0.outcomes.count ? $0.outcomes[index] : nil }
            let failed = outcomes.contains { $0.map { !$0.passed && !$0.notEvaluated } ?? false }
            let differs = differs(at: index)
            let classes = [failed ? "failed" : nil, differs ? "differs" : nil].compactMap { $0 }.joined(separator: " ")
            var row = "<tr class=\"\(classes)\"><td><code>\(e(id))</code><div class=\"task\">\(e(outcomes.first??.task ?? ""))</div>"
            if let prompt = outcomes.first??.prompt { row += Self.collapsible(prompt, label: "prompt") }
            row += "</td>"
            for outcome in outcomes {
                guard let o = outcome else { row += "<td></td>"; continue }
                let mark = o.notEvaluated ? "<span class=\"skip\">not evaluated</span>"
                    : o.passed ? "<span class=\"pass\">pass</span>" : "<span class=\"fail\">fail</span>"
                var cell = "\(mark) \(e(Self.tierPath(o))) <span class=\"cost\">\(e(o.cost?.formatted() ?? "unpriced"))</span>"
                if o.cached { cell += " <span class=\"cached\" title=\"reused from the result cache: no call this run\">cached</span>" }
                if let judge = o.judgeCost { cell += " <span class=\"cost\">judge \(e(judge.formatted()))</span>" }
                if let answer = o.answer { cell += Self.collapsible(answer, label: "answer") }
                if !o.attempts.isEmpty {
                    cell += "<details class=\"attempts\"><summary>\(o.attempts.count) attempt\(o.attempts.count == 1 ? "" : "s")</summary><ol>"
                        + o.attempts.map { "<li>\(e(Self.attemptText($0, numbered: false)))</li>" }.joined()
                        + "</ol></details>"
                }
                if !o.failures.isEmpty {
                    cell += "<ul class=\"failures\">" + o.failures.map { "<li>\(e($0))</li>" }.joined() + "</ul>"
                }
                row += "<td>\(cell)</td>"
            }
            body.append(row + "</tr>")
        }
        body.append("</tbody></table></section>")
        return body.joined(separator: "\n")
    }

    /// Text in a `<pre>`; over 400 characters or 6 lines it is collapsed behind its first line.
    static func collapsible(_ text: String, label: String) -> String {
        let escaped = htmlEscaped(text)
        let long = text.count > 400 || text.split(separator: "\n").count > 6
        guard long else { return "<pre class=\"\(label)\">\(escaped)</pre>" }
        let head = htmlEscaped(String(text.prefix { $0 != "\n" }.prefix(80)))
        return "<details class=\"\(label)\"><summary>\(label): \(head)…</summary><pre>\(escaped)</pre></details>"
    }

    /// The footer: date, tool version, each policy's name and content hash, where answers came from.
    var footerHTML: String {
        let e = htmlEscaped
        let policies = runs.map { run in
            "\(e(run.name)): policy \(e(run.policyName.isEmpty ? "?" : run.policyName)) "
                + "(<code>\(e(run.policyHash.isEmpty ? "hash unknown" : String(run.policyHash.prefix(16))))</code>) from \(e(run.policyFile))"
        }.joined(separator: "; ")
        let source = dryRun ? "none (dry run: no calls were made)"
            : (answersSource.isEmpty ? "the API" : answersSource) + (mockReplies > 0 ? " — the LOCAL MOCK, placeholders" : "")
        // The date is the rendering's, so the JSON of a dry run stays byte-for-byte reproducible.
        let generatedAt = ISO8601DateFormatter().string(from: Date())
        return "<footer>Generated \(e(generatedAt)) by claude-router \(e(toolVersion.isEmpty ? "" : toolVersion)). "
            + "Policies: \(policies). Answers from: \(e(source)). Costs are exact sums of per-call prices"
            + (dryRun ? " projected from token estimates" : "") + ".</footer>"
    }

    /// The filter buttons' behaviour: a data attribute on `<body>` hides rows (no external
    /// assets); `#failures` or `#differences` in the URL opens the page filtered.
    static let filterScript = """
    document.querySelectorAll('[data-filter]').forEach(function (b) {
      b.addEventListener('click', function () {
        document.body.dataset.show = b.dataset.filter;
        document.querySelectorAll('[data-filter]').forEach(function (o) { o.setAttribute('aria-pressed', o === b ? 'true' : 'false'); });
      });
    });
    var start = document.querySelector('[data-filter="' + location.hash.slice(1) + '"]');
    if (start) { start.click(); }
    """
}
