import CYAML

/// One libyaml event copied into Swift values, so the C event can be freed at once.
struct YAMLEvent {
    enum Kind { case streamStart, streamEnd, documentStart, documentEnd, alias, scalar, sequenceStart, sequenceEnd, mappingStart, mappingEnd, none }
    var kind: Kind
    var anchor: String?
    var tag: String?
    var value: String
    var style: YAMLNode.ScalarStyle
    /// 1-based.
    var line: Int
    var column: Int
}

/// Owns one `yaml_parser_t` and the input bytes it reads; both are freed in `deinit`.
///
/// libyaml keeps a pointer to the input for the parser's whole life, so the bytes live in a
/// buffer this class allocates rather than in a `withUnsafe…` closure.
final class LibYAMLEventReader {
    private let parser: UnsafeMutablePointer<yaml_parser_t>
    private let input: UnsafeMutableBufferPointer<UInt8>
    private let source: YAMLSource

    init(source: YAMLSource) {
        self.source = source
        let bytes = Array(source.text.utf8)
        input = .allocate(capacity: max(1, bytes.count))
        _ = input.initialize(from: bytes)
        parser = .allocate(capacity: 1)
        parser.initialize(to: yaml_parser_t())
        yaml_parser_initialize(parser)
        yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
        yaml_parser_set_input_string(parser, input.baseAddress, bytes.count)
    }

    deinit {
        yaml_parser_delete(parser)
        parser.deinitialize(count: 1)
        parser.deallocate()
        input.deallocate()
    }

    /// The next event, or a diagnostic with libyaml's own problem text at its (converted) mark.
    func next() throws(PolicyError) -> YAMLEvent {
        var event = yaml_event_t()
        guard yaml_parser_parse(parser, &event) == 1 else { throw syntaxError() }
        defer { yaml_event_delete(&event) }
        var result = YAMLEvent(
            kind: .none, anchor: nil, tag: nil, value: "", style: .plain,
            line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1
        )
        switch event.type {
        case YAML_STREAM_START_EVENT: result.kind = .streamStart
        case YAML_STREAM_END_EVENT: result.kind = .streamEnd
        case YAML_DOCUMENT_START_EVENT: result.kind = .documentStart
        case YAML_DOCUMENT_END_EVENT: result.kind = .documentEnd
        case YAML_ALIAS_EVENT:
            result.kind = .alias
            result.anchor = Self.string(event.data.alias.anchor)
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            result.kind = .scalar
            result.anchor = Self.string(scalar.anchor)
            result.tag = Self.string(scalar.tag)
            result.value = scalar.value.map {
                String(decoding: UnsafeBufferPointer(start: $0, count: Int(scalar.length)), as: UTF8.self)
            } ?? ""
            result.style = Self.style(scalar.style)
        case YAML_SEQUENCE_START_EVENT:
            result.kind = .sequenceStart
            result.anchor = Self.string(event.data.sequence_start.anchor)
            result.tag = Self.string(event.data.sequence_start.tag)
        case YAML_SEQUENCE_END_EVENT: result.kind = .sequenceEnd
        case YAML_MAPPING_START_EVENT:
            result.kind = .mappingStart
            result.anchor = Self.string(event.data.mapping_start.anchor)
            result.tag = Self.string(event.data.mapping_start.tag)
        case YAML_MAPPING_END_EVENT: result.kind = .mappingEnd
        default: result.kind = .none
        }
        return result
    }

    private func syntaxError() -> PolicyError {
        let state = parser.pointee
        let problem = state.problem.map { String(cString: $0) } ?? "invalid YAML"
        var mark = source.mark(line: Int(state.problem_mark.line) + 1, column: Int(state.problem_mark.column) + 1)
        if state.error == YAML_READER_ERROR {
            // Reader errors (bad encoding) have no line mark, only a byte offset.
            mark = lineMark(forByteOffset: Int(state.problem_offset))
        }
        var message = "invalid YAML: \(problem)"
        var notes: [(mark: SourceMark, message: String)] = []
        if let context = state.context.map({ String(cString: $0) }) {
            let contextMark = source.mark(line: Int(state.context_mark.line) + 1, column: Int(state.context_mark.column) + 1)
            if contextMark == mark {
                message += " (\(context))"
            } else {
                notes.append((contextMark, "\(context) that starts here"))
            }
        }
        if let line = source.line(mark.line), line.unicodeScalars.dropFirst(mark.column - 1).first == "\t" {
            message += "; indent with spaces: YAML does not allow tabs for indentation"
        }
        return PolicyError(source.diagnostic(message, at: mark, notes: notes))
    }

    private func lineMark(forByteOffset offset: Int) -> SourceMark {
        let prefix = source.text.utf8.prefix(offset)
        let line = prefix.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
        let lastLine = prefix.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).last ?? []
        return source.mark(line: line, column: String(decoding: lastLine, as: UTF8.self).unicodeScalars.count + 1)
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
    }

    private static func style(_ style: yaml_scalar_style_t) -> YAMLNode.ScalarStyle {
        switch style {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: return .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: return .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: return .literal
        case YAML_FOLDED_SCALAR_STYLE: return .folded
        default: return .plain
        }
    }
}
