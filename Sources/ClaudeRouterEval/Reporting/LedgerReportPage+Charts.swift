import Foundation
import Router
import RouterPolicies

/// The page's inline SVG charts. Scales start at zero with "nice" ticks (``EvalReport/niceStep(_:)``);
/// every mark carries a `<title>` with its exact figure, so hovering tells what a bar means.
extension LedgerReportPage {
    static let costColor = "#2563eb", baselineColor = "#9ca3af", escalationColor = "#f59e0b"
    static let inputColor = "#2563eb", cacheWriteColor = "#7c3aed", cacheReadColor = "#059669", unpricedColor = "#dc2626"

    private static func f(_ v: Double) -> String { String(format: "%.1f", v) }

    /// One bar: its length in chart units, colour and hover text.
    struct Segment {
        var value: Double
        var color: String
        var title: String
    }

    /// One labelled line of a horizontal bar chart: stacked segments, an optional thin reference
    /// bar underneath (the baseline), and a note at the right end.
    struct BarLine {
        var label: String
        var segments: [Segment]
        var reference: Segment?
        var note: String
    }

    /// A horizontal bar chart; `scale` is the value at the right end (nil: the largest bar),
    /// `tick` formats axis values.
    static func horizontalBars(_ lines: [BarLine], label: String, scale: Double? = nil,
                               tick: (Double) -> String) -> String {
        let e = htmlEscaped
        let left = 170.0, right = 260.0, top = 24.0, lineHeight = 34.0, width = 960.0
        let plotW = width - left - right
        let height = top + Double(max(lines.count, 1)) * lineHeight + 30
        let largest = lines.map { max($0.segments.reduce(0) { $0 + $1.value }, $0.reference?.value ?? 0) }.max() ?? 0
        let rawMax = scale ?? max(largest, 1e-12)
        let step = EvalReport.niceStep(rawMax / 4)
        let axisMax = scale ?? step * (rawMax / step).rounded(.up)
        func x(_ v: Double) -> Double { left + (axisMax > 0 ? v / axisMax : 0) * plotW }
        var svg = ["<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"\(e(label))\">"]
        var tickValue = 0.0
        while tickValue <= axisMax * (1 + 1e-9) {
            svg.append("<line x1=\"\(f(x(tickValue)))\" y1=\"\(f(top - 6))\" x2=\"\(f(x(tickValue)))\" y2=\"\(f(height - 26))\" stroke=\"#f3f4f6\"/>")
            svg.append("<text x=\"\(f(x(tickValue)))\" y=\"\(f(height - 10))\" text-anchor=\"middle\" font-size=\"11\" fill=\"#6b7280\">\(e(tick(tickValue)))</text>")
            tickValue += step
        }
        for (i, line) in lines.enumerated() {
            let y = top + Double(i) * lineHeight
            svg.append("<text x=\"\(f(left - 8))\" y=\"\(f(y + 14))\" text-anchor=\"end\" font-size=\"12\" fill=\"#111827\">\(e(String(line.label.prefix(26))))</text>")
            var offset = 0.0
            for segment in line.segments where segment.value > 0 {
                svg.append("<rect x=\"\(f(x(offset)))\" y=\"\(f(y + 2))\" width=\"\(f(max(x(offset + segment.value) - x(offset), 1)))\" height=\"16\" fill=\"\(segment.color)\" rx=\"2\"><title>\(e(segment.title))</title></rect>")
                offset += segment.value
            }
            if let reference = line.reference {
                svg.append("<rect x=\"\(f(left))\" y=\"\(f(y + 21))\" width=\"\(f(max(x(reference.value) - left, 1)))\" height=\"5\" fill=\"\(reference.color)\" rx=\"1\"><title>\(e(reference.title))</title></rect>")
            }
            let end = max(x(offset), x(line.reference?.value ?? 0))
            svg.append("<text x=\"\(f(end + 6))\" y=\"\(f(y + 14))\" font-size=\"12\" fill=\"#374151\">\(e(line.note))</text>")
        }
        svg.append("<line x1=\"\(f(left))\" y1=\"\(f(top - 6))\" x2=\"\(f(left))\" y2=\"\(f(height - 26))\" stroke=\"#9ca3af\"/>")
        svg.append("</svg>")
        return svg.joined(separator: "\n")
    }

    /// Cost (with its escalation part) against the baseline tier's cost, one line per group.
    static func costLines(_ rows: [LedgerReport.Row]) -> [BarLine] {
        rows.map { row in
            let escalation = row.escalationCost.dollars
            let answered = max(row.cost.dollars - escalation, 0)
            return BarLine(
                label: row.group,
                segments: [Segment(value: answered, color: costColor, title: "\(row.group): answered calls \((row.cost - row.escalationCost).formatted())"),
                           Segment(value: escalation, color: escalationColor, title: "\(row.group): escalation cost \(row.escalationCost.formatted())")],
                reference: Segment(value: row.baselineCost.dollars, color: baselineColor, title: "\(row.group): baseline tier \(row.baselineCost.formatted())"),
                note: "\(costText(row)) · \(savingsText(row))")
        }
    }

    /// Escalation rate per group (0–100%), with the escalation cost as the note.
    static func escalationLines(_ rows: [LedgerReport.Row]) -> [BarLine] {
        rows.map { row in
            BarLine(label: row.group,
                    segments: [Segment(value: row.escalationRate, color: escalationColor,
                                       title: "\(row.group): \(row.escalatedCalls) of \(row.logicalCalls) calls escalated")],
                    reference: nil,
                    note: "\(Verdict.percent(row.escalationRate)) of \(row.logicalCalls) · \(row.escalationCost.formatted())")
        }
    }

    /// Input-side token mix per group (uncached input, cache writes, cache reads) as shares,
    /// with unpriced attempts in the note.
    static func cacheLines(_ rows: [LedgerReport.Row]) -> [BarLine] {
        rows.map { row in
            let t = row.tokens
            let writes = t.cacheWrite5m + t.cacheWrite1h
            let all = Double(max(t.input + writes + t.cacheRead, 1))
            let unpriced = row.unpricedRecords > 0 ? " · \(row.unpricedRecords) unpriced" : ""
            return BarLine(label: row.group, segments: [
                Segment(value: Double(t.input) / all, color: inputColor, title: "\(row.group): \(t.input) uncached input tokens"),
                Segment(value: Double(writes) / all, color: cacheWriteColor, title: "\(row.group): \(writes) cache-write tokens"),
                Segment(value: Double(t.cacheRead) / all, color: cacheReadColor, title: "\(row.group): \(t.cacheRead) cache-read tokens"),
            ], reference: nil, note: "cache reads \(Verdict.percent(cacheShare(row)))\(unpriced)")
        }
    }

    /// Columns per UTC day: cost (escalation part on top) next to the baseline tier's cost.
    static func dayChart(_ rows: [LedgerReport.Row]) -> String {
        let e = htmlEscaped
        let width = 960.0, height = 330.0, left = 80.0, right = 20.0, top = 28.0, bottom = 60.0
        let plotW = width - left - right, plotH = height - top - bottom
        let largest = rows.map { max($0.cost.dollars, $0.baselineCost.dollars) }.max() ?? 0
        let step = EvalReport.niceStep(max(largest, 1e-12) / 4)
        let axisMax = step * (max(largest, 1e-12) / step).rounded(.up)
        func y(_ v: Double) -> Double { top + plotH - v / axisMax * plotH }
        let slot = plotW / Double(max(rows.count, 1))
        let barW = max(min(slot * 0.38, 28), 1.5)
        let labelEvery = max(1, Int((Double(rows.count) * 70 / plotW).rounded(.up)))
        var svg = ["<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"cost and baseline per day\">"]
        if rows.contains(where: { $0.unpricedRecords > 0 }) {
            svg.append("<text x=\"\(f(width - right))\" y=\"\(f(top - 6))\" text-anchor=\"end\" font-size=\"11\" fill=\"\(unpricedColor)\">● day with unpriced calls: its cost is a lower bound</text>")
        }
        var tick = 0.0
        while tick <= axisMax * (1 + 1e-9) {
            svg.append("<line x1=\"\(f(left))\" y1=\"\(f(y(tick)))\" x2=\"\(f(width - right))\" y2=\"\(f(y(tick)))\" stroke=\"#e5e7eb\"/>")
            svg.append("<text x=\"\(f(left - 8))\" y=\"\(f(y(tick) + 4))\" text-anchor=\"end\" font-size=\"11\" fill=\"#6b7280\">\(e(EvalReport.axisDollars(tick)))</text>")
            tick += step
        }
        for (i, row) in rows.enumerated() {
            let center = left + slot * (Double(i) + 0.5)
            let escalation = row.escalationCost.dollars, answered = max(row.cost.dollars - escalation, 0)
            svg.append("<rect x=\"\(f(center - barW))\" y=\"\(f(y(answered)))\" width=\"\(f(barW))\" height=\"\(f(plotH + top - y(answered)))\" fill=\"\(costColor)\"><title>\(e("\(row.group): cost \(costText(row))"))</title></rect>")
            if escalation > 0 {
                svg.append("<rect x=\"\(f(center - barW))\" y=\"\(f(y(answered + escalation)))\" width=\"\(f(barW))\" height=\"\(f(y(answered) - y(answered + escalation)))\" fill=\"\(escalationColor)\"><title>\(e("\(row.group): escalation cost \(row.escalationCost.formatted())"))</title></rect>")
            }
            svg.append("<rect x=\"\(f(center))\" y=\"\(f(y(row.baselineCost.dollars)))\" width=\"\(f(barW))\" height=\"\(f(plotH + top - y(row.baselineCost.dollars)))\" fill=\"\(baselineColor)\"><title>\(e("\(row.group): baseline tier \(row.baselineCost.formatted()); \(savingsText(row))"))</title></rect>")
            if row.unpricedRecords > 0 {
                // A red mark over the day: its cost is a lower bound (hover for the count).
                svg.append("<circle cx=\"\(f(center))\" cy=\"\(f(y(max(row.cost.dollars, row.baselineCost.dollars)) - 6))\" r=\"3\" fill=\"\(unpricedColor)\"><title>\(e("\(row.group): \(row.unpricedRecords) unpriced attempt(s); cost \(costText(row))"))</title></circle>")
            }
            if i % labelEvery == 0 {
                svg.append("<text transform=\"translate(\(f(center)) \(f(top + plotH + 14))) rotate(30)\" font-size=\"11\" fill=\"#374151\">\(e(row.group))</text>")
            }
        }
        svg.append("<line x1=\"\(f(left))\" y1=\"\(f(top + plotH))\" x2=\"\(f(width - right))\" y2=\"\(f(top + plotH))\" stroke=\"#9ca3af\"/>")
        svg.append("</svg>")
        return svg.joined(separator: "\n")
    }

    /// A colour key: `[(colour, meaning)]`.
    static func legend(_ items: [(String, String)]) -> String {
        "<p class=\"legend\">" + items.map { "<span class=\"dot\" style=\"background:\($0.0)\"></span>\(htmlEscaped($0.1))" }
            .joined(separator: " &#160; ") + "</p>"
    }
}
