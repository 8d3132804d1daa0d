/// Literal facts about a pattern, used to skip text that cannot match.
enum RegexLiterals {
    /// The bytes every match starts with (lowercased when case-insensitive).
    static func prefix(of node: RegexNode, caseInsensitive: Bool) -> [UInt8] {
        var result: [UInt8] = []
        _ = appendPrefix(of: node, to: &result, caseInsensitive: caseInsensitive)
        return result
    }

    /// Appends the literal start of `node`; returns whether `node` was consumed entirely (so the
    /// prefix may continue into what follows).
    private static func appendPrefix(of node: RegexNode, to result: inout [UInt8], caseInsensitive: Bool) -> Bool {
        switch node {
        case .empty:
            return true
        case .assertion:
            return true  // zero-width: the match still starts with what follows
        case .characterClass(let ascii, let nonASCII):
            guard !nonASCII, let byte = ascii.literalByte(caseInsensitive: caseInsensitive) else { return false }
            result.append(byte)
            return true
        case .bytes(let bytes):
            result.append(contentsOf: bytes)
            return true
        case .concat(let items):
            for item in items where !appendPrefix(of: item, to: &result, caseInsensitive: caseInsensitive) {
                return false
            }
            return true
        case .repetition(let inner, let min, let max):
            guard min >= 1 else { return false }
            let complete = appendPrefix(of: inner, to: &result, caseInsensitive: caseInsensitive)
            return complete && min == 1 && max == 1
        case .alternate:
            return false
        }
    }

    /// The longest literal every match contains (lowercased when case-insensitive).
    static func required(in node: RegexNode, caseInsensitive: Bool) -> [UInt8] {
        switch node {
        case .concat(let items):
            var best: [UInt8] = []
            var run: [UInt8] = []
            for item in items {
                if case .assertion = item { continue }
                if let literal = singleLiteral(item, caseInsensitive: caseInsensitive) {
                    run.append(contentsOf: literal)
                    continue
                }
                if run.count > best.count { best = run }
                run = []
                let inner = required(in: item, caseInsensitive: caseInsensitive)
                if inner.count > best.count { best = inner }
            }
            return run.count > best.count ? run : best
        case .repetition(let inner, let min, _):
            return min >= 1 ? required(in: inner, caseInsensitive: caseInsensitive) : []
        default:
            return singleLiteral(node, caseInsensitive: caseInsensitive) ?? []
        }
    }

    private static func singleLiteral(_ node: RegexNode, caseInsensitive: Bool) -> [UInt8]? {
        switch node {
        case .characterClass(let ascii, false):
            return ascii.literalByte(caseInsensitive: caseInsensitive).map { [$0] }
        case .bytes(let bytes):
            return bytes
        default:
            return nil
        }
    }
}
