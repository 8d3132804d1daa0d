/// The frame and tables shared by every HTML page this package writes — the eval report
/// (`eval --format html`) and the gateway's `GET /dashboard` — so both stay one self-contained
/// page with the same inline styles (``EvalReport/css``), no external assets, and escaped text.
package enum HTMLDocument {
    /// A whole page: doctype, UTF-8, viewport, an escaped `title`, the inline styles, then the
    /// `body` parts (already HTML) one per line, the `footer` (HTML), and an optional inline script.
    package static func page(title: String, body: [String], footer: String, script: String? = nil,
                             css: String = EvalReport.css) -> String {
        let scriptLine = script.map { "\n<script>\($0)</script>" } ?? ""
        return """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title>\(htmlEscaped(title))</title>
        <style>\(css)</style>
        </head>
        <body>
        \(body.joined(separator: "\n"))
        \(footer)\(scriptLine)
        </body>
        </html>

        """
    }

    /// A table column: its header text (escaped here) and whether it holds numbers, which are
    /// right-aligned in tabular figures (class `n`).
    package struct Column: Sendable {
        /// The header text, plain (escaped when written).
        package var header: String
        /// Whether the column is numeric.
        package var numeric: Bool

        /// A column; `numeric` defaults to `false`.
        package init(_ header: String, numeric: Bool = false) {
            self.header = header
            self.numeric = numeric
        }
    }

    /// `<table>` with a header row and one `<tr>` per row, rows joined by `rowSeparator`.
    /// Cells are HTML already (escape plain text with `htmlEscaped`); a row shorter than the
    /// columns leaves the rest empty.
    package static func table(_ columns: [Column], rows: [[String]], rowSeparator: String = "") -> String {
        var html = "<table><thead><tr>"
        for column in columns {
            html += column.numeric ? "<th class=\"n\">" : "<th>"
            html += htmlEscaped(column.header) + "</th>"
        }
        html += "</tr></thead><tbody>"
        html += rows.map { row in
            var line = "<tr>"
            for (index, column) in columns.enumerated() {
                line += (column.numeric ? "<td class=\"n\">" : "<td>") + (index < row.count ? row[index] : "") + "</td>"
            }
            return line + "</tr>"
        }.joined(separator: rowSeparator)
        return html + "</tbody></table>"
    }
}
