/// A plain-text table with aligned columns, for terminal output.
package struct TextTable: Sendable {
    /// Column alignment.
    package enum Alignment: Sendable { case left, right }

    /// Column headings.
    package var headers: [String]
    /// Alignment per column (missing entries are left-aligned).
    package var alignments: [Alignment]
    /// Body rows; short rows are padded with empty cells.
    package var rows: [[String]] = []

    /// An empty table with these headings.
    package init(headers: [String], alignments: [Alignment] = []) {
        self.headers = headers
        self.alignments = alignments
    }

    /// Appends a row.
    package mutating func append(_ row: [String]) { rows.append(row) }

    /// The table with a dashed rule under the header; columns separated by two spaces,
    /// trailing spaces trimmed. A table without headings renders only its rows.
    package var rendered: String {
        let columns = max(headers.count, rows.map(\.count).max() ?? 0)
        func cell(_ row: [String], _ i: Int) -> String { i < row.count ? row[i] : "" }
        var widths = [Int](repeating: 0, count: columns)
        for row in [headers] + rows {
            for i in 0..<columns { widths[i] = max(widths[i], cell(row, i).count) }
        }
        func line(_ row: [String]) -> String {
            var parts: [String] = []
            for i in 0..<columns {
                let text = cell(row, i)
                let pad = String(repeating: " ", count: widths[i] - text.count)
                let alignment = i < alignments.count ? alignments[i] : .left
                parts.append(alignment == .right ? pad + text : text + pad)
            }
            var joined = parts.joined(separator: "  ")
            while joined.last == " " { joined.removeLast() }
            return joined
        }
        var out = headers.isEmpty ? [] : [line(headers), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
        out += rows.map(line)
        return out.joined(separator: "\n")
    }
}
