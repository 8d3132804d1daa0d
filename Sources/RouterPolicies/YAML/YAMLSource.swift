/// The text of one YAML file, kept so diagnostics can quote the offending line.
package struct YAMLSource: Sendable {
    /// The file name used in every mark.
    package let file: String
    /// The full text.
    package let text: String

    /// Wraps `text` read from `file`.
    package init(text: String, file: String) {
        self.file = file
        self.text = text
    }

    /// The source line with the 1-based number `line` (without `\r\n`/`\n`), or nil past the end.
    /// The text is split into lines only here, when a diagnostic quotes one: splitting by
    /// `Character` on every load cost more than parsing the YAML.
    package func line(_ line: Int) -> String? {
        guard line >= 1 else { return nil }
        // The same line breaks libyaml counts, so quoted lines match its line numbers. "\r\n" is one
        // Character in Swift, hence the explicit list.
        let lines = text.split(omittingEmptySubsequences: false) {
            $0 == "\n" || $0 == "\r\n" || $0 == "\r" || $0 == "\u{85}" || $0 == "\u{2028}" || $0 == "\u{2029}"
        }
        guard line <= lines.count else { return nil }
        var text = lines[line - 1]
        if text.last == "\r" { text = text.dropLast() }
        return String(text)
    }

    /// A mark in this file.
    package func mark(line: Int, column: Int) -> SourceMark {
        SourceMark(file: file, line: line, column: column)
    }

    /// A diagnostic at `mark` quoting its source line.
    package func diagnostic(_ message: String, at mark: SourceMark, notes: [(mark: SourceMark, message: String)] = []) -> Diagnostic {
        Diagnostic(
            mark: mark, message: message, sourceLine: sourceLine(for: mark),
            notes: notes.map { Diagnostic.Note(mark: $0.mark, message: $0.message, sourceLine: sourceLine(for: $0.mark)) }
        )
    }

    private func sourceLine(for mark: SourceMark) -> String? {
        mark.file == file ? line(mark.line) : nil
    }
}
