import Foundation

/// Sets or removes the `thresholds:` of each task in a policy's `tasks:` block, editing the
/// text so that comments and alignment survive. Handles the two layouts policies use: a task on
/// one line as a flow mapping (`qa: { min_tier: haiku, max_tier: opus }`) and a task as an
/// indented block mapping. Anything else is left as is; the caller reloads the written policy
/// and compares, so a layout this does not handle is reported rather than silently wrong.
struct TaskBlockEditor {
    /// The block's lines, header (`tasks:`) first.
    var lines: [String]
    /// Tier names in order (for the flow mapping of thresholds).
    var tiers: [String]

    /// The block with `wanted` tasks' thresholds set and every other task's removed.
    func setting(_ wanted: [String: [Double?]]) -> [String] {
        guard lines.count > 1 else { return lines }
        guard let indent = (1..<lines.count).lazy.compactMap({ Self.contentIndent(lines[$0]) }).first else { return lines }
        var output = [lines[0]]
        var index = 1
        while index < lines.count {
            // An entry: a line at the entry indent, then every line indented deeper (or blank/comment).
            guard Self.contentIndent(lines[index]) == indent else {
                output.append(lines[index])
                index += 1
                continue
            }
            var end = index + 1
            while end < lines.count, Self.contentIndent(lines[end]).map({ $0 > indent }) ?? true { end += 1 }
            let entry = Array(lines[index..<end])
            let key = Self.key(of: entry[0], indent: indent)
            let thresholds = key.flatMap { wanted[$0] }.map { CalibratedPolicyWriter.flowThresholds($0, tiers: tiers) }
            output.append(contentsOf: Self.rewrite(entry, indent: indent, thresholds: thresholds))
            index = end
        }
        return output
    }

    /// Leading spaces of a line with content (not blank, not a comment); `nil` otherwise.
    static func contentIndent(_ line: String) -> Int? {
        let spaces = line.prefix { $0 == " " }.count
        let rest = line.dropFirst(spaces)
        guard let first = rest.first, first != "#" else { return nil }
        return spaces
    }

    /// The mapping key of an entry's first line (quotes removed).
    static func key(of line: String, indent: Int) -> String? {
        let text = line.dropFirst(indent)
        guard let colon = text.firstIndex(of: ":") else { return nil }
        var key = text[..<colon].trimmingCharacters(in: .whitespaces)
        if key.count >= 2, let first = key.first, first == "\"" || first == "'", key.last == first {
            key = String(key.dropFirst().dropLast())
        }
        return key
    }

    static func rewrite(_ entry: [String], indent: Int, thresholds: String?) -> [String] {
        let first = entry[0]
        if let open = first.firstIndex(of: "{"), let close = matchingBrace(in: first, from: open) {
            // Flow mapping on one line: edit between the braces.
            var inner = String(first[first.index(after: open)..<close])
            inner = removingThresholds(from: inner)
            if let thresholds {
                let trimmed = inner.reversed().drop { $0 == " " }.reversed()
                let trailing = inner.count - trimmed.count
                inner = String(trimmed) + (trimmed.isEmpty ? " " : ", ") + "thresholds: " + thresholds
                    + String(repeating: " ", count: max(trailing, 1))
            }
            return [String(first[...open]) + inner + String(first[close...])] + entry.dropFirst()
        }
        // Block mapping: drop a `thresholds:` child (and its deeper lines), then add one.
        guard let childIndent = entry.dropFirst().lazy.compactMap(contentIndent).first else { return entry }
        var kept: [String] = [first]
        var skipping = false
        for line in entry.dropFirst() {
            let lineIndent = contentIndent(line)
            if skipping, lineIndent.map({ $0 > childIndent }) ?? true { continue }
            skipping = lineIndent == childIndent && line.dropFirst(childIndent).hasPrefix("thresholds:")
            if !skipping { kept.append(line) }
        }
        guard let thresholds else { return kept }
        let last = kept.lastIndex { contentIndent($0) != nil } ?? 0
        kept.insert(String(repeating: " ", count: childIndent) + "thresholds: " + thresholds, at: last + 1)
        return kept
    }

    /// The index of the `}` closing the `{` at `open`, on the same line (quotes respected).
    static func matchingBrace(in line: String, from open: String.Index) -> String.Index? {
        var depth = 0
        var quote: Character?
        var index = open
        while index < line.endIndex {
            let character = line[index]
            if let active = quote {
                if character == active { quote = nil }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if character == "{" {
                depth += 1
            } else if character == "}" {
                depth -= 1
                if depth == 0 { return index }
            }
            index = line.index(after: index)
        }
        return nil
    }

    /// `inner` without a `thresholds: { … }` entry and the comma that joined it.
    static func removingThresholds(from inner: String) -> String {
        guard let start = inner.range(of: "thresholds:"), let open = inner[start.upperBound...].firstIndex(of: "{"),
              let close = matchingBrace(in: inner, from: open) else { return inner }
        var lower = start.lowerBound, upper = inner.index(after: close)
        let before = inner[..<lower].reversed().drop { $0 == " " }
        if before.first == "," {
            // `…, thresholds: {…}`: remove the comma before it.
            lower = inner.index(lower, offsetBy: -(inner[..<lower].count - before.count) - 1)
        } else {
            // `thresholds: {…}, …`: remove the comma (and spaces) after it.
            let after = inner[upper...].prefix { $0 == " " }
            if inner[upper...].dropFirst(after.count).first == "," {
                upper = inner.index(upper, offsetBy: after.count + 1)
                upper = inner[upper...].firstIndex { $0 != " " } ?? inner.endIndex
            }
        }
        return String(inner[..<lower]) + String(inner[upper...])
    }
}
