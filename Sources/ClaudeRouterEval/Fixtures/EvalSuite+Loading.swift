import Foundation
package import RouterPolicies

extension EvalSuite {
    static let rootKeys = ["suite", "description", "vars", "judge", "cases"]
    static let caseKeys = ["id", "task", "prompt", "messages", "system", "tags", "metadata",
                           "expected_output_tokens", "max_tokens", "vars", "checks"]

    /// Loads `path`: one fixture file, or every `*.yaml`/`*.yml` file of a directory (sorted by
    /// name). Case ids must be unique across all files. Every problem in every file is reported
    /// together, each at `FILE:LINE:COLUMN`.
    package static func load(path: String) throws(PolicyError) -> EvalSuite {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw PolicyError(Diagnostic(mark: .wholeFile(path), message: "no such file or directory"))
        }
        var files = [path]
        if isDirectory.boolValue {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            files = names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
                .map { (path as NSString).appendingPathComponent($0) }
            guard !files.isEmpty else {
                throw PolicyError(Diagnostic(mark: .wholeFile(path), message: "no *.yaml fixture files in this directory"))
            }
        }
        var suites: [EvalSuite] = []
        var diagnostics: [Diagnostic] = []
        for file in files {
            do throws(PolicyError) {
                suites.append(try load(file: file))
            } catch {
                diagnostics += error.diagnostics
            }
        }
        // Duplicate ids across files (within a file they were already reported).
        var firstSeen: [String: EvalCase] = [:]
        for suite in suites {
            for item in suite.cases {
                if let first = firstSeen[item.id], first.mark.file != item.mark.file {
                    diagnostics.append(Diagnostic(
                        mark: item.mark, message: "duplicate case id '\(item.id)'",
                        notes: [.init(mark: first.mark, message: "first defined here")]))
                } else if firstSeen[item.id] == nil {
                    firstSeen[item.id] = item
                }
            }
        }
        if !diagnostics.isEmpty { throw PolicyError(diagnostics: diagnostics) }
        // Each file's judge tier applies to its own cases; a suite built from several files
        // keeps the first as the default and pins the others' tiers onto their checks.
        let judgeTier = suites.lazy.compactMap(\.judgeTier).first
        let cases = suites.flatMap { suite in suite.cases.map { $0.withJudgeTier(suite.judgeTier) } }
        return EvalSuite(name: suites.map(\.name).joined(separator: "+"), files: files, cases: cases, judgeTier: judgeTier)
    }

    /// Loads one fixture file.
    package static func load(file: String) throws(PolicyError) -> EvalSuite {
        let text = try SourceText.read(file: file, what: "fixture file", limit: SourceText.fixtureByteLimit)
        return try parse(yaml: text, file: file)
    }

    /// Parses fixture YAML; `file` is used in diagnostics and as the default suite name.
    package static func parse(yaml text: String, file: String) throws(PolicyError) -> EvalSuite {
        let context = try YAMLDecodingContext(text: text, file: file)
        let stem = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        guard let root = context.mapping(context.root, required: ["cases"], optional: rootKeys, what: "the fixture file") else {
            try context.finish()
            return EvalSuite(name: stem, files: [file], cases: [])
        }
        let name = root.present("suite").flatMap(context.nonEmptyString) ?? stem
        var cases: [EvalCase] = []
        var seen: [String: SourceMark] = [:]
        let suiteVars = root.present("vars").map { decodeVars($0, context: context) } ?? []
        for item in (root.present("cases").flatMap(context.sequence) ?? []).flatMap({ expandCase($0, suiteVars: suiteVars, context: context) }) {
            if let first = seen[item.id] {
                context.error("duplicate case id '\(item.id)'", at: item.mark, notes: [(first, "first defined here")])
                continue
            }
            seen[item.id] = item.mark
            cases.append(item)
        }
        if root.present("cases") != nil, cases.isEmpty, !context.hasErrors {
            context.error("'cases' is empty: a suite needs at least one case", at: root["cases"]?.mark ?? root.node.mark)
        }
        var judgeTier: String?
        if let judge = root.present("judge") {
            if judge.mapping != nil {
                judgeTier = context.mapping(judge, required: ["tier"], optional: [], what: "judge")?.present("tier")
                    .flatMap(context.nonEmptyString)
            } else {
                judgeTier = context.nonEmptyString(judge)
            }
        }
        try context.finish()
        return EvalSuite(name: name, files: [file], cases: cases, judgeTier: judgeTier)
    }

    static func decodeCase(_ node: YAMLNode, context: YAMLDecodingContext) -> EvalCase? {
        guard let map = context.mapping(node, required: ["id"], optional: caseKeys, what: "a case") else { return nil }
        let id = map.present("id").flatMap(context.nonEmptyString)
        var messages: [FixtureMessage] = []
        switch (map.present("prompt"), map.present("messages")) {
        case (let prompt?, nil):
            if let text = context.nonEmptyString(prompt) { messages = [FixtureMessage(role: "user", text: text)] }
        case (nil, let list?):
            messages = decodeMessages(list, context: context)
        case (_?, _?):
            context.error("give either 'prompt' or 'messages', not both", at: map["messages"]?.mark ?? node.mark)
        case (nil, nil):
            context.error("missing 'prompt' (or 'messages') in a case", at: node)
        }
        var metadata: [String: String] = [:]
        if let metaNode = map.present("metadata"), let metaMap = context.mapping(metaNode, what: "metadata") {
            for entry in metaMap.entries {
                if let value = context.string(entry.value) { metadata[entry.key] = value }
            }
        }
        let checks = map.present("checks").map { decodeChecks($0, context: context) } ?? []
        guard let id else { return nil }
        return EvalCase(
            id: id,
            task: map.present("task").flatMap(context.nonEmptyString),
            messages: messages,
            system: map.present("system").flatMap(context.string),
            tags: map.present("tags").flatMap(context.sequence)?.compactMap(context.nonEmptyString) ?? [],
            metadata: metadata,
            expectedOutputTokens: map.present("expected_output_tokens").flatMap { context.int($0, in: 1...1_000_000) },
            maxTokens: map.present("max_tokens").flatMap { context.int($0, in: 1...1_000_000) },
            checks: checks,
            mark: node.mark,
            taskMark: map.present("task")?.mark)
    }

    static func decodeMessages(_ node: YAMLNode, context: YAMLDecodingContext) -> [FixtureMessage] {
        var messages: [FixtureMessage] = []
        for item in context.sequence(node) ?? [] {
            guard let map = context.mapping(item, required: ["role", "content"], optional: [], what: "a message"),
                  let role = map.present("role").flatMap({ context.oneOf($0, ["user", "assistant"]) }),
                  let text = map.present("content").flatMap(context.nonEmptyString) else { continue }
            messages.append(FixtureMessage(role: role, text: text))
        }
        if let last = messages.last, last.role != "user" {
            context.error("the last message must be from the user", at: node)
        }
        return messages
    }
}
