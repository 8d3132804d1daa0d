import Foundation

/// Writes the calibrated policy: the base policy's YAML text with its top-level `thresholds:`
/// and `scorer:` blocks replaced (or added), its `name:` replaced when a new name is given, and
/// every task's `thresholds:` removed or set; everything else — comments included — kept as is.
package enum CalibratedPolicyWriter {
    /// The calibrated YAML. `thresholds` are per tier in `tiers` order (`nil`: omitted, so the
    /// tier is never chosen by score); `modelPath` is the sidecar path relative to the output
    /// file; `note` becomes a comment on the `thresholds:` line. `taskThresholds` (task name →
    /// per-tier thresholds, same convention) become the tasks' own `thresholds:`; any other
    /// task loses the one it had. `name`, when given, replaces the top-level `name:` value.
    /// `noSignalFallback` and `minKnownFraction` (the base policy's no-evidence guard) are written
    /// into the new `scorer:` block when set.
    package static func render(baseYAML: String, tiers: [String], thresholds: [Double?], modelPath: String,
                              sha256: String, note: String, taskThresholds: [String: [Double?]] = [:],
                              name: String? = nil, noSignalFallback: Bool = false, minKnownFraction: Double = 0) -> String {
        var lines = baseYAML.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        if let name, let index = lines.firstIndex(where: { $0.hasPrefix("name:") }) {
            lines[index] = "name: " + quoted(name)
        }
        if let range = topLevelBlock("tasks", in: lines) {
            let rewritten = TaskBlockEditor(lines: Array(lines[range]), tiers: tiers).setting(taskThresholds)
            lines.replaceSubrange(range, with: rewritten)
        }
        var block = ["scorer:                          # learned difficulty score, 0…1 (docs/CALIBRATION.md)",
                     "  kind: learned",
                     "  model: \(modelPath)",
                     "  sha256: \(sha256)"]
        if noSignalFallback { block.append("  no_signal_fallback: true") }
        if minKnownFraction > 0 { block.append("  min_known_fraction: \(format(minKnownFraction))") }
        block.append("thresholds:                      # \(note)")
        for (tier, threshold) in zip(tiers, thresholds) {
            if let threshold { block.append("  \(tier): \(format(threshold))") }
        }
        var insertAt: Int?
        for key in ["thresholds", "scorer"] {
            if let range = topLevelBlock(key, in: lines) {
                lines.removeSubrange(range)
                insertAt = min(insertAt ?? range.lowerBound, range.lowerBound)
            }
        }
        if let insertAt {
            lines.insert(contentsOf: block, at: insertAt)
        } else {
            lines.append("")
            lines.append(contentsOf: block)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The lines of the top-level `key:` block: its header and every following indented line.
    static func topLevelBlock(_ key: String, in lines: [String]) -> Range<Int>? {
        guard let start = lines.firstIndex(where: { $0.hasPrefix(key + ":") }) else { return nil }
        var end = start + 1
        while end < lines.count, let first = lines[end].first, first == " " || first == "\t" { end += 1 }
        return start..<end
    }

    /// A YAML scalar for `text`: bare when it is a plain word (letters, digits, `-`, `_`, `.`),
    /// else double-quoted with `\` and `"` escaped.
    static func quoted(_ text: String) -> String {
        let plain = !text.isEmpty && text.unicodeScalars.allSatisfy {
            ($0.properties.isAlphabetic && $0.isASCII) || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0)
        } && !(text.first == "-" || text.first == ".")
        if plain && !["true", "false", "null", "yes", "no", "on", "off", "~"].contains(text.lowercased()) { return text }
        return "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// `{ haiku: 0.0, opus: 0.31 }`: the tiers that have a threshold, in tier order.
    static func flowThresholds(_ thresholds: [Double?], tiers: [String]) -> String {
        let entries = zip(tiers, thresholds).compactMap { tier, value in value.map { "\(tier): \(format($0))" } }
        return "{ " + entries.joined(separator: ", ") + " }"
    }

    /// Up to 4 decimals, no trailing zeros (`0.1234`, `0.2`, `0.0`).
    static func format(_ value: Double) -> String {
        let scaled = Int((value * 10_000).rounded())
        let whole = scaled / 10_000, fraction = scaled % 10_000
        guard fraction != 0 else { return "\(whole).0" }
        var digits = String(fraction)
        digits = String(repeating: "0", count: 4 - digits.count) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        return "\(whole).\(digits)"
    }
}
