import Foundation
import RouterPolicies

extension EvalReport {
    /// One self-contained HTML page: inline CSS, an inline SVG chart of cost per case against
    /// pass rate per variant, the summary, verdicts and the per-case table. No scripts, fonts or
    /// other external assets; every piece of fixture or policy text is escaped.
    package var htmlPage: String {
        let e = htmlEscaped
        var body: [String] = []
        body.append("<h1>\(e(headline))</h1>")
        if let mockNotice { body.append("<p class=\"mock\" role=\"alert\">\(e(mockNotice))</p>") }
        for notice in [cacheNotice, judgeNotice].compactMap({ $0 }) { body.append("<p class=\"notice\">\(e(notice))</p>") }
        body.append("<section class=\"chart\"><h2>Cost per case vs pass rate</h2>\(costPassChart)</section>")
        let columns: [HTMLDocument.Column] = [
            .init("variant"), .init("policy"), .init("pass", numeric: true), .init("rate", numeric: true),
            .init("cost", numeric: true), .init("cost/case", numeric: true), .init("vs baseline tier", numeric: true),
            .init("escalated", numeric: true), .init("p50", numeric: true), .init("p95", numeric: true), .init("tiers"),
        ]
        let rows = variants.enumerated().map { i, v in
            ["<span class=\"dot\" style=\"background:\(Self.color(i))\"></span>\(e(v.name))", e(v.policyFile),
             e(v.passCell), e(v.rateCell), e(v.totalCost.formatted()), e(v.costPerCase.formatted()),
             e(v.savingVsBaseline.map { "saves " + Verdict.percent($0) } ?? "–"), e(Verdict.percent(v.escalationRate)),
             e(Self.millis(v.latencyP50Ms)), e(Self.millis(v.latencyP95Ms)), e(Self.tierMixText(v.tierMix))]
        }
        body.append("<section><h2>Variants</h2>\(HTMLDocument.table(columns, rows: rows, rowSeparator: "\n"))</section>")
        if !comparisons.isEmpty {
            body.append("<section><h2>A/B verdicts</h2><p class=\"note\">Paired bootstrap 95% intervals (\(bootstrapResamples) resamples, seed \(bootstrapSeed)); exact McNemar test on pass/fail.</p><ul>")
            body += comparisons.map { "<li>\(e($0.verdict))</li>" }
            body.append("</ul></section>")
        }
        body.append(casesHTML)
        return HTMLDocument.page(title: "claude-router eval: " + suite, body: body, footer: footerHTML,
                                 script: Self.filterScript)
    }

    static let palette = ["#2563eb", "#dc2626", "#059669", "#d97706", "#7c3aed", "#db2777", "#0891b2", "#4b5563"]
    static func color(_ index: Int) -> String { palette[index % palette.count] }

    package static let css = """
    body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#111827;background:#fff}
    h1{font-size:1.35rem;margin:0 0 1rem}h2{font-size:1.1rem;margin:1.6rem 0 .6rem}
    table{border-collapse:collapse;width:100%;font-size:13px}th,td{border-bottom:1px solid #e5e7eb;padding:.35rem .5rem;text-align:left;vertical-align:top}
    th{background:#f9fafb;font-weight:600}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
    .dot{display:inline-block;width:.7rem;height:.7rem;border-radius:50%;margin-right:.4rem;vertical-align:middle}
    .pass{color:#047857;font-weight:600}.fail{color:#b91c1c;font-weight:600}.skip{color:#6b7280;font-style:italic}
    .mock{background:#fef3c7;border:1px solid #f59e0b;padding:.5em .8em;font-weight:600}.notice{background:#e0f2fe;border:1px solid #0284c7;padding:.5em .8em}.cached{font-size:.8em;background:#e0f2fe;border-radius:3px;padding:0 .3em}.cost{color:#6b7280;font-variant-numeric:tabular-nums}
    ul.failures{margin:.2rem 0 0;padding-left:1rem;color:#b91c1c;font-size:12px}.note{color:#6b7280}
    svg{max-width:100%;height:auto;border:1px solid #e5e7eb;border-radius:6px;background:#fff}
    footer{margin-top:2rem;color:#6b7280;font-size:12px}code{font-size:12px}
    pre{white-space:pre-wrap;word-break:break-word;background:#f9fafb;border:1px solid #e5e7eb;border-radius:4px;padding:.35rem .5rem;margin:.3rem 0;font-size:12px;max-height:24rem;overflow:auto}
    details summary{cursor:pointer;color:#374151;font-size:12px}.task{color:#6b7280;font-size:12px}
    details.attempts ol{margin:.2rem 0;padding-left:1.2rem;font-size:12px;color:#374151}
    tr.differs>td{background:#fffbeb}tr.differs>td:first-child{border-left:3px solid #f59e0b}
    .filters button{font:inherit;font-size:12px;padding:.15rem .6rem;border:1px solid #d1d5db;border-radius:4px;background:#fff;cursor:pointer}
    .filters button[aria-pressed=true]{background:#111827;color:#fff;border-color:#111827}
    body[data-show=failures] table.cases tbody tr:not(.failed){display:none}
    body[data-show=differences] table.cases tbody tr:not(.differs){display:none}
    """

    /// An SVG scatter plot: x = cost per case (USD), y = pass rate; one labelled point per variant.
    /// Axis ticks are "nice" numbers (1, 2, 2.5 or 5 × 10^k); labels sit right of their point
    /// (left near the right edge), staggered vertically so variants with equal pass rates stay legible.
    var costPassChart: String {
        let width = 720.0, height = 380.0
        let left = 80.0, right = 40.0, top = 40.0, bottom = 50.0
        let plotW = width - left - right, plotH = height - top - bottom
        let costs = variants.map(\.costPerCase.dollars)
        let step = Self.niceStep(max(costs.max() ?? 0, 1e-9) * 1.1 / 4)
        let maxCost = step * (max(costs.max() ?? 0, 1e-9) * 1.1 / step).rounded(.up)
        let ticks = Int((maxCost / step).rounded())
        func x(_ cost: Double) -> Double { left + cost / maxCost * plotW }
        func y(_ rate: Double) -> Double { top + (1 - rate) * plotH }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        var svg = ["<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"cost per case against pass rate\">"]
        for step in 0...4 {
            let rate = Double(step) / 4
            svg.append("<line x1=\"\(f(left))\" y1=\"\(f(y(rate)))\" x2=\"\(f(width - right))\" y2=\"\(f(y(rate)))\" stroke=\"#e5e7eb\"/>")
            svg.append("<text x=\"\(f(left - 8))\" y=\"\(f(y(rate) + 4))\" text-anchor=\"end\" font-size=\"11\" fill=\"#6b7280\">\(Int(rate * 100))%</text>")
        }
        for tick in 0...ticks {
            let cost = step * Double(tick)
            svg.append("<line x1=\"\(f(x(cost)))\" y1=\"\(f(top))\" x2=\"\(f(x(cost)))\" y2=\"\(f(top + plotH))\" stroke=\"#f3f4f6\"/>")
            svg.append("<text x=\"\(f(x(cost)))\" y=\"\(f(top + plotH + 18))\" text-anchor=\"middle\" font-size=\"11\" fill=\"#6b7280\">\(htmlEscaped(Self.axisDollars(cost)))</text>")
        }
        svg.append("<line x1=\"\(f(left))\" y1=\"\(f(top + plotH))\" x2=\"\(f(width - right))\" y2=\"\(f(top + plotH))\" stroke=\"#9ca3af\"/>")
        svg.append("<line x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(left))\" y2=\"\(f(top + plotH))\" stroke=\"#9ca3af\"/>")
        svg.append("<text x=\"\(f(left + plotW / 2))\" y=\"\(f(height - 8))\" text-anchor=\"middle\" font-size=\"12\" fill=\"#374151\">cost per case (USD\(dryRun ? ", projected" : ""))</text>")
        svg.append("<text transform=\"translate(16 \(f(top + plotH / 2))) rotate(-90)\" text-anchor=\"middle\" font-size=\"12\" fill=\"#374151\">pass rate</text>")
        let stagger = [0.0, 16, -16, 32, -32, 48, -48, 64]
        for (i, v) in variants.enumerated() {
            let px = x(v.costPerCase.dollars), py = y(v.passRate)
            svg.append("<circle cx=\"\(f(px))\" cy=\"\(f(py))\" r=\"7\" fill=\"\(Self.color(i))\" fill-opacity=\"0.85\"><title>\(htmlEscaped("\(v.name): \(v.costPerCase.formatted()) per case, pass \(Verdict.percent(v.passRate))"))</title></circle>")
        }
        for (i, v) in variants.enumerated() {
            let px = x(v.costPerCase.dollars), py = y(v.passRate)
            let anchor = px > left + plotW * 0.7 ? "end" : "start"
            let dx = anchor == "end" ? -12.0 : 12.0
            // Stagger away from the nearer edge: downwards near the top, upwards near the bottom.
            let direction = py > top + plotH / 2 ? -1.0 : 1.0
            let ly = min(max(py + 4 + direction * stagger[i % stagger.count], 14), height - 4)
            svg.append("<text x=\"\(f(px + dx))\" y=\"\(f(ly))\" text-anchor=\"\(anchor)\" font-size=\"12\" font-weight=\"600\" fill=\"\(Self.color(i))\">\(htmlEscaped(v.name))</text>")
        }
        svg.append("</svg>")
        return svg.joined(separator: "\n")
    }

    /// The smallest of 1, 2, 2.5, 5 × 10^k that is at least `raw`.
    static func niceStep(_ raw: Double) -> Double {
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        for factor in [1.0, 2, 2.5, 5, 10] where factor * magnitude >= raw * (1 - 1e-12) {
            return factor * magnitude
        }
        return 10 * magnitude
    }

    /// Tick labels with the digits sub-cent costs need: `$0.0005`, `$0.0015`.
    static func axisDollars(_ value: Double) -> String {
        if value == 0 { return "$0" }
        if value >= 1 { return String(format: "$%.2f", value) }
        // Tick values are nice numbers: print them with their significant digits only.
        var text = String(format: "%.8f", value)
        while text.hasSuffix("0") { text.removeLast() }
        return "$" + text
    }
}
