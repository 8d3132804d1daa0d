/// A position in a source file, 1-based like every editor and compiler shows it.
///
/// `line == 0` means "the file as a whole" (for example when it cannot be read); such a mark
/// renders as `FILE` alone instead of `FILE:LINE:COLUMN`.
public struct SourceMark: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The file name as given to the parser (a path, or a label such as `<bundled prices>`).
    public var file: String
    /// 1-based line number; 0 for the whole file.
    public var line: Int
    /// 1-based column, counted in Unicode scalars (a tab counts as one column).
    public var column: Int

    /// Creates a mark; `line` and `column` are 1-based.
    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// A mark for the whole file (rendered without line and column).
    public static func wholeFile(_ file: String) -> SourceMark { SourceMark(file: file, line: 0, column: 0) }

    /// `FILE:LINE:COLUMN`, or `FILE` for a whole-file mark.
    public var description: String { line > 0 ? "\(file):\(line):\(column)" : file }
}

/// One located problem in a YAML file: where, what, and the offending source line.
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
    /// How serious a message is; only the first line of a diagnostic says `error`.
    public enum Severity: String, Sendable, Hashable {
        /// The file is rejected.
        case error
        /// Extra context attached to an error (for example "first defined here").
        case note
    }

    /// A secondary location that helps explain the error (rendered after it as `note:`).
    public struct Note: Sendable, Hashable {
        /// Where the note points.
        public var mark: SourceMark
        /// What the note says.
        public var message: String
        /// The source line at `mark`, if known.
        public var sourceLine: String?

        /// Creates a note.
        public init(mark: SourceMark, message: String, sourceLine: String? = nil) {
            self.mark = mark
            self.message = message
            self.sourceLine = sourceLine
        }
    }

    /// Where the problem is.
    public var mark: SourceMark
    /// What is wrong, in one line, naming the expected and the found value.
    public var message: String
    /// The full source line at `mark` (without its line break), if known.
    public var sourceLine: String?
    /// Further locations that explain the error.
    public var notes: [Note]

    /// Creates a diagnostic.
    public init(mark: SourceMark, message: String, sourceLine: String? = nil, notes: [Note] = []) {
        self.mark = mark
        self.message = message
        self.sourceLine = sourceLine
        self.notes = notes
    }

    /// Compiler-style text: `FILE:LINE:COLUMN: error: MESSAGE`, the source line, and a caret
    /// under the column, followed by each note in the same shape.
    public var rendered: String {
        var lines = Self.render(severity: .error, mark: mark, message: message, sourceLine: sourceLine)
        for note in notes {
            lines += Self.render(severity: .note, mark: note.mark, message: note.message, sourceLine: note.sourceLine)
        }
        return lines.joined(separator: "\n")
    }

    /// Same as `rendered`.
    public var description: String { rendered }

    private static func render(severity: Severity, mark: SourceMark, message: String, sourceLine: String?) -> [String] {
        var lines = ["\(mark): \(severity.rawValue): \(message)"]
        guard mark.line > 0, let sourceLine else { return lines }
        lines.append(sourceLine)
        lines.append(caretLine(under: mark.column, in: sourceLine))
        return lines
    }

    /// Spaces up to the column (tabs kept, so the caret lines up in a terminal), then `^`.
    static func caretLine(under column: Int, in sourceLine: String) -> String {
        var padding = ""
        for scalar in sourceLine.unicodeScalars.prefix(max(0, column - 1)) {
            padding.unicodeScalars.append(scalar == "\t" ? "\t" : " ")
        }
        let missing = max(0, column - 1) - padding.unicodeScalars.count
        return padding + String(repeating: " ", count: missing) + "^"
    }
}

/// Every problem found in one policy, price or fixture file — not only the first.
///
/// `description` is the rendered diagnostics joined by newlines, ready to print.
public struct PolicyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// All diagnostics, in source order of discovery.
    public var diagnostics: [Diagnostic]

    /// Creates an error from diagnostics (at least one is expected).
    public init(diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }

    /// Creates an error with one diagnostic.
    public init(_ diagnostic: Diagnostic) { self.diagnostics = [diagnostic] }

    /// The rendered diagnostics joined by newlines.
    public var description: String { diagnostics.map(\.rendered).joined(separator: "\n") }
}
