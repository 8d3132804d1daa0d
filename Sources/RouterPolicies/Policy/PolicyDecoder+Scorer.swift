extension PolicyDecoder {
    /// Decodes `scorer: { kind: learned, model: FILE, sha256: HEX }`, reading and checking the sidecar.
    func decodeScorer(_ node: YAMLNode) -> ScorerSettings? {
        guard let map = context.mapping(node, required: ["kind", "model", "sha256"], optional: [], what: "scorer") else {
            return nil
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
        guard let bytes = scorerResolver.modelBytes(path: path, baseDirectory: baseDirectory) else {
            context.error("cannot read scorer model '\(Policy.resolve(path: path, against: baseDirectory))'", at: pathNode)
            return nil
        }
        let actual = SHA256.hex(of: bytes)
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
        return ScorerSettings(kind: kind, modelPath: path, sha256: wanted, model: model)
    }
}
