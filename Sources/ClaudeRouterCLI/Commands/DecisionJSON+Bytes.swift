import RouterPolicies

extension DecisionJSON {
    /// Appends this decision as one compact JSON line (and its newline) to `out`: the same keys,
    /// order (sorted) and values as `encoded(pretty: false)`, written straight into the output
    /// buffer. `explain --jsonl` writes one per request, so the encoder's per-object setup and
    /// reflection would otherwise cost more than many decisions.
    func appendLine(to out: inout [UInt8]) {
        JSONBytes.appendLiteral("{", to: &out)
        JSONBytes.appendKey("contributions", to: &out)
        out.append(UInt8(ascii: "["))
        for (index, c) in decision.contributions.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            JSONBytes.appendLiteral("{", to: &out)
            JSONBytes.appendKey("contribution", to: &out)
            JSONBytes.appendDouble(c.contribution, to: &out)
            JSONBytes.appendMember("evidence", to: &out)
            JSONBytes.appendStrings(c.evidence, to: &out)
            JSONBytes.appendMember("name", to: &out)
            JSONBytes.appendString(c.name, to: &out)
            JSONBytes.appendMember("strength", to: &out)
            JSONBytes.appendDouble(c.strength, to: &out)
            JSONBytes.appendMember("weight", to: &out)
            JSONBytes.appendDouble(c.weight, to: &out)
            JSONBytes.appendLiteral("}", to: &out)
        }
        out.append(UInt8(ascii: "]"))
        JSONBytes.appendMember("escalation_path", to: &out)
        JSONBytes.appendStrings(decision.escalationPath, to: &out)
        JSONBytes.appendMember("estimated_input_tokens", to: &out)
        JSONBytes.appendInt(decision.estimatedInputTokens, to: &out)
        if let heuristic = decision.heuristicScore {
            JSONBytes.appendMember("heuristic_score", to: &out)
            JSONBytes.appendDouble(heuristic, to: &out)
        }
        if let id {
            JSONBytes.appendMember("id", to: &out)
            JSONBytes.appendString(id, to: &out)
        }
        if let learned = decision.learnedScore {
            JSONBytes.appendMember("learned_score", to: &out)
            JSONBytes.appendDouble(learned, to: &out)
        }
        if let levers {
            JSONBytes.appendMember("levers", to: &out)
            out.append(contentsOf: levers.compactBytes())
        }
        if let line {
            JSONBytes.appendMember("line", to: &out)
            JSONBytes.appendInt(line, to: &out)
        }
        if let matchedRule = decision.matchedRule {
            JSONBytes.appendMember("matched_rule", to: &out)
            JSONBytes.appendString(matchedRule, to: &out)
        }
        JSONBytes.appendMember("max_tokens", to: &out)
        JSONBytes.appendInt(decision.maxTokens, to: &out)
        JSONBytes.appendMember("model", to: &out)
        JSONBytes.appendString(decision.model, to: &out)
        JSONBytes.appendMember("policy", to: &out)
        JSONBytes.appendString(policy, to: &out)
        JSONBytes.appendMember("reason", to: &out)
        JSONBytes.appendString(decision.reason, to: &out)
        JSONBytes.appendMember("schema_version", to: &out)
        JSONBytes.appendInt(schemaVersion, to: &out)
        JSONBytes.appendMember("score", to: &out)
        JSONBytes.appendDouble(decision.score, to: &out)
        JSONBytes.appendMember("score_source", to: &out)
        JSONBytes.appendString(decision.scoreSource.rawValue, to: &out)
        JSONBytes.appendMember("task", to: &out)
        JSONBytes.appendString(decision.task, to: &out)
        JSONBytes.appendMember("task_confidence", to: &out)
        JSONBytes.appendDouble(decision.taskConfidence, to: &out)
        if let thresholds {
            JSONBytes.appendMember("thresholds", to: &out)
            out.append(UInt8(ascii: "{"))
            for (index, tier) in thresholds.keys.sorted().enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                JSONBytes.appendString(tier, to: &out)
                out.append(UInt8(ascii: ":"))
                JSONBytes.appendDouble(thresholds[tier]!, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
        if let source = decision.thresholdSource {
            JSONBytes.appendMember("thresholds_source", to: &out)
            JSONBytes.appendString(source.rawValue, to: &out)
        }
        JSONBytes.appendMember("tier", to: &out)
        JSONBytes.appendString(decision.tier, to: &out)
        if let variant = decision.variant {
            JSONBytes.appendMember("variant", to: &out)
            JSONBytes.appendString(variant, to: &out)
        }
        JSONBytes.appendLiteral("}\n", to: &out)
    }
}
