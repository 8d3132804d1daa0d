/// Writes the calibrated policy: the base policy's YAML text with its top-level `thresholds:`
/// and `scorer:` blocks replaced (or added), everything else — comments included — kept as is.
package enum CalibratedPolicyWriter {
    /// The calibrated YAML. `thresholds` are per tier in `tiers` order (`nil`: omitted, so the
    /// tier is never chosen by score); `modelPath` is the sidecar path relative to the output
    /// file; `note` becomes a comment on the `thresholds:` line.
    package static func render(baseYAML: String, tiers: [String], thresholds: [Double?], modelPath: String,
                              sha256: String, note: String) -> String {
        var lines = baseYAML.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        var block = ["scorer:                          # learned difficulty score, 0…1 (docs/CALIBRATION.md)",
                     "  kind: learned",
                     "  model: \(modelPath)",
                     "  sha256: \(sha256)",
                     "thresholds:                      # \(note)"]
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
