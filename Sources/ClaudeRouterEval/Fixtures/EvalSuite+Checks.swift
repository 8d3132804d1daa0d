import Foundation
import RouterPolicies

extension EvalSuite {
    /// Checks as a list of one-key mappings (`- contains: Paris`) or as one mapping
    /// (`checks: {contains: Paris, max_output_tokens: 50}`).
    static func decodeChecks(_ node: YAMLNode, context: YAMLDecodingContext) -> [LocatedCheck] {
        var pairs: [(key: String, keyNode: YAMLNode, value: YAMLNode)] = []
        if node.sequence != nil {
            for item in context.sequence(node) ?? [] {
                guard let map = context.mapping(item, what: "a check") else { continue }
                guard map.entries.count == 1, let entry = map.entries.first else {
                    context.error("each check is a mapping with exactly one key (e.g. '- contains: Paris')", at: item)
                    continue
                }
                pairs.append((entry.key, entry.keyNode, entry.value))
            }
        } else if let map = context.mapping(node, what: "checks") {
            pairs = map.entries.map { ($0.key, $0.keyNode, $0.value) }
        }
        return pairs.compactMap { decodeCheck(kind: $0.key, keyNode: $0.keyNode, value: $0.value, context: context) }
    }

    static func decodeCheck(kind: String, keyNode: YAMLNode, value: YAMLNode, context: YAMLDecodingContext) -> LocatedCheck? {
        let check: EvalCheck?
        switch kind {
        case "contains": check = strings(value, context: context).map(EvalCheck.contains)
        case "not_contains": check = strings(value, context: context).map(EvalCheck.notContains)
        case "regex":
            guard let pattern = context.nonEmptyString(value) else { return nil }
            do throws(SafeRegexError) {
                check = .regex(try SafeRegex(pattern))
            } catch {
                // Point the caret at the offending construct when the source text maps 1:1 to
                // the pattern (plain or single-quoted ASCII without escapes); else at the value.
                var mark = value.mark
                if let shift = value.literalColumnShift(forPatternOffset: error.offset, pattern: pattern) {
                    mark.column += shift
                }
                context.error("invalid regex: \(error.message)", at: mark)
                return nil
            }
        case "equals": check = context.string(value).map(EvalCheck.equals)
        case "json_valid":
            guard let flag = context.bool(value) else { return nil }
            guard flag else {
                context.error("'json_valid: false' is not a check; remove it", at: value)
                return nil
            }
            check = .jsonValid
        case "json_fields": check = strings(value, context: context).map(EvalCheck.jsonFields)
        case "max_output_tokens": check = context.int(value, in: 1...1_000_000).map(EvalCheck.maxOutputTokens)
        case "max_cost_usd": check = context.usd(value).map(EvalCheck.maxCostUSD)
        case "max_latency_ms": check = context.int(value, in: 1...86_400_000).map(EvalCheck.maxLatencyMs)
        case "expected_tier": check = context.nonEmptyString(value).map(EvalCheck.expectedTier)
        case "command": check = decodeCommand(value, context: context).map(EvalCheck.command)
        case "judge": check = decodeJudge(value, context: context).map(EvalCheck.judge)
        default:
            context.error("unknown check kind '\(kind)'\(YAMLDecodingContext.suggestion(for: kind, among: EvalCheck.kinds))", at: keyNode)
            return nil
        }
        return check.map { LocatedCheck($0, mark: keyNode.mark) }
    }

    /// `command: "jq -e .name"` or `command: {run: …, timeout_s: 5}`.
    static func decodeCommand(_ node: YAMLNode, context: YAMLDecodingContext) -> CommandCheck? {
        let directory = (node.mark.file as NSString).deletingLastPathComponent
        if node.mapping == nil { return context.nonEmptyString(node).map { CommandCheck(run: $0, directory: directory) } }
        guard let map = context.mapping(node, required: ["run"], optional: ["timeout_s"], what: "a command check"),
              let run = map.present("run").flatMap(context.nonEmptyString) else { return nil }
        let timeout = map.present("timeout_s").map { context.double($0, in: 0.001...3600) } ?? 10
        return timeout.map { CommandCheck(run: run, timeoutSeconds: $0, directory: directory) }
    }

    /// `judge: "rubric"` or `judge: {rubric: …, tier: …}`.
    static func decodeJudge(_ node: YAMLNode, context: YAMLDecodingContext) -> JudgeCheck? {
        if node.mapping == nil { return context.nonEmptyString(node).map { JudgeCheck(rubric: $0) } }
        guard let map = context.mapping(node, required: ["rubric"], optional: ["tier"], what: "a judge check"),
              let rubric = map.present("rubric").flatMap(context.nonEmptyString) else { return nil }
        return JudgeCheck(rubric: rubric, tier: map.present("tier").flatMap(context.nonEmptyString))
    }

    /// A string or a non-empty list of strings.
    static func strings(_ node: YAMLNode, context: YAMLDecodingContext) -> [String]? {
        if node.sequence != nil {
            let items = (context.sequence(node) ?? []).compactMap(context.nonEmptyString)
            if items.isEmpty {
                context.error("expected at least one string", at: node)
                return nil
            }
            return items
        }
        return context.nonEmptyString(node).map { [$0] }
    }
}

extension YAMLNode {
    /// Columns from the node's mark to byte `offset` of its scalar text, when the text was
    /// written verbatim on one line (plain, or single-quoted without `''`) and is ASCII.
    func literalColumnShift(forPatternOffset offset: Int, pattern: String) -> Int? {
        guard case .scalar(_, _, let style) = value, !pattern.contains("\n"),
              pattern.utf8.allSatisfy({ $0 < 0x80 }) else { return nil }
        switch style {
        case .plain: return offset
        case .singleQuoted where !pattern.contains("'"): return offset + 1
        default: return nil
        }
    }
}
