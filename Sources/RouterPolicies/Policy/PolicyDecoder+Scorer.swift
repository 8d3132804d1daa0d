extension PolicyDecoder {
    /// Decodes `scorer: { kind: learned, model: FILE, sha256: HEX }` (optionally
    /// `no_signal_fallback: BOOL`, `min_known_fraction: 0…1`, `heuristic_weight: 0…1`), reading and
    /// checking the sidecar.
    func decodeScorer(_ node: YAMLNode) -> ScorerSettings? {
        guard let map = context.mapping(node, required: ["kind", "model", "sha256"],
                                        optional: ["no_signal_fallback", "min_known_fraction", "heuristic_weight"],
                                        what: "scorer") else {
            return nil
        }
        var noSignalFallback = false
        if let flagNode = map["no_signal_fallback"], let text = context.nonEmptyString(flagNode) {
            switch text {
            case "true": noSignalFallback = true
            case "false": noSignalFallback = false
            default: context.error("no_signal_fallback must be true or false (got '\(text)')", at: flagNode)
            }
        }
        var minKnownFraction = 0.0
        if let fractionNode = map["min_known_fraction"], let text = context.nonEmptyString(fractionNode) {
            if let value = Double(text), (0...1).contains(value) {
                minKnownFraction = value
            } else {
                context.error("min_known_fraction must be a number in 0…1 (got '\(text)')", at: fractionNode)
            }
        }
        var heuristicWeight = 0.0
        if let weightNode = map["heuristic_weight"], let text = context.nonEmptyString(weightNode) {
            if let value = Double(text), (0...1).contains(value) {
                heuristicWeight = value
            } else {
                context.error("heuristic_weight must be a number in 0…1 (got '\(text)')", at: weightNode)
            }
        }
        let kind = map["kind"].flatMap(context.nonEmptyString)
        if let kind, kind != "learned", let kindNode = map["kind"] {
            context.error("unknown scorer kind '\(kind)' (the only kind is 'learned')", at: kindNode)
        }
        guard let kind, kind == "learned",
              let pathNode = map["model"], let path = context.nonEmptyString(pathNode),
              let hashNode = map["sha256"], let expected = context.nonEmptyString(hashNode) else { return nil }
        let wanted = expected.lowercased()
        guard wanted.count == 64, wanted.allSatisfy({ $0.isHexDigit }) else {
            context.error("sha256 must be 64 hex digits (got \(expected.count) characters)", at: hashNode)
            return nil
        }
        guard let (bytes, knownDigest) = scorerResolver.model(path: path, baseDirectory: baseDirectory) else {
            context.error("cannot read scorer model '\(Policy.resolve(path: path, against: baseDirectory))'", at: pathNode)
            return nil
        }
        let actual = knownDigest ?? SHA256.hex(of: bytes)
        guard actual == wanted else {
            context.error("scorer model '\(path)' has sha256 \(actual), but the policy pins \(wanted); "
                          + "retrain with `claude-router calibrate` or update the hash", at: hashNode)
            return nil
        }
        let model: DifficultyModel
        do {
            model = try DifficultyModel.decode(bytes)
        } catch {
            context.error("scorer model '\(path)': \(error.message)", at: pathNode)
            return nil
        }
        for name in model.tiers where !tiers.contains(where: { $0.name == name }) {
            context.error("scorer model '\(path)' was trained for tier '\(name)', which this policy does not declare",
                          at: pathNode)
            return nil
        }
        return ScorerSettings(kind: kind, modelPath: path, sha256: wanted, model: model,
                              noSignalFallback: noSignalFallback, minKnownFraction: minKnownFraction,
                              heuristicWeight: heuristicWeight)
    }
}
