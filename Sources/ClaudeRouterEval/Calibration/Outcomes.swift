import Foundation
package import RouterPolicies

/// One prompt with what is known about each tier on it: a line of an outcomes file.
///
/// JSON Lines, one object per line: `prompt` (or `system` + `messages`), optional `task`,
/// optional `metadata` (string → string), `passed` (tier name → true/false; a missing tier is
/// unknown) and optional `cost_usd` (tier name → exact decimal string such as `"0.0012"`).
/// Schema and examples: docs/CALIBRATION.md.
package struct OutcomeRecord: Sendable, Hashable {
    /// 1-based line number in its file.
    package var line: Int
    /// System prompt and message texts joined by newlines (what `RoutingInput.text` holds).
    package var text: String
    /// Messages in the conversation (1 for a bare `prompt`).
    package var messageCount: Int
    /// Task type named on the line, if any.
    package var task: String?
    /// Caller metadata.
    package var metadata: [String: String]
    /// Tier name → passed; tiers not listed are unknown.
    package var passed: [String: Bool]
    /// Tier name → exact cost of the call on that tier, when measured.
    package var costUSD: [String: USDAmount]

    /// A record.
    package init(line: Int, text: String, messageCount: Int = 1, task: String? = nil, metadata: [String: String] = [:],
                passed: [String: Bool], costUSD: [String: USDAmount] = [:]) {
        self.line = line
        self.text = text
        self.messageCount = messageCount
        self.task = task
        self.metadata = metadata
        self.passed = passed
        self.costUSD = costUSD
    }

    /// The routing input the policy engine sees for this prompt.
    package var routingInput: RoutingInput {
        RoutingInput(text: text, messageCount: messageCount, task: task, metadata: metadata)
    }
}

/// Problems in an outcomes file: every bad line, each as `FILE:LINE: error: …`.
package struct OutcomesError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Stable codes.
    package enum Code: String, Sendable, Hashable {
        /// The file cannot be read.
        case unreadable = "outcomes_unreadable"
        /// One or more lines are invalid.
        case invalidLines = "outcomes_invalid_lines"
        /// The file holds no outcome line.
        case empty = "outcomes_empty"
    }
    /// The code.
    package var code: Code
    /// One message per problem, each starting with `FILE:LINE: error:` (or `FILE: error:`).
    package var messages: [String]
    /// An error.
    package init(code: Code, messages: [String]) {
        self.code = code
        self.messages = messages
    }
    /// The messages, one per line.
    package var description: String { messages.joined(separator: "\n") }
}

/// Reads outcomes files (docs/CALIBRATION.md).
package enum OutcomesFile {
    /// Keys a line may have.
    package static let keys: Set<String> = ["prompt", "system", "messages", "task", "metadata", "passed", "cost_usd", "id"]

    /// Reads and parses `path`. `tiers`, when given, are the only tier names `passed`/`cost_usd`
    /// may use. Throws `OutcomesError` listing every bad line; nothing is skipped silently
    /// (blank lines are allowed).
    package static func load(path: String, tiers: [String]? = nil) throws(OutcomesError) -> [OutcomeRecord] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw OutcomesError(code: .unreadable, messages: ["\(path): error: cannot read this file"])
        }
        return try parse(Array(data), file: path, tiers: tiers)
    }

    /// Parses outcome lines from `bytes`, splitting on newline bytes (no per-`Character` work).
    package static func parse(_ bytes: [UInt8], file: String, tiers: [String]? = nil) throws(OutcomesError) -> [OutcomeRecord] {
        var records: [OutcomeRecord] = []
        var errors: [String] = []
        let known = tiers.map(Set.init)
        var start = 0
        var lineNumber = 0
        while start <= bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            lineNumber += 1
            var trimmedEnd = end
            if trimmedEnd > start && bytes[trimmedEnd - 1] == 0x0D { trimmedEnd -= 1 }
            let isBlank = bytes[start..<trimmedEnd].allSatisfy { $0 == 0x20 || $0 == 0x09 }
            if !isBlank {
                switch parseLine(Data(bytes[start..<trimmedEnd]), line: lineNumber, known: known) {
                case .success(let record): records.append(record)
                case .failure(let message): errors.append("\(file):\(lineNumber): error: \(message.text)")
                }
            }
            if end >= bytes.count { break }
            start = end + 1
        }
        if !errors.isEmpty { throw OutcomesError(code: .invalidLines, messages: errors) }
        if records.isEmpty { throw OutcomesError(code: .empty, messages: ["\(file): error: no outcome lines"]) }
        return records
    }

    struct Problem: Error { var text: String }

    /// `"; did you mean 'sonnet'?"` when a declared tier is a close spelling of `tier`, else "".
    static func closest(to tier: String, among known: Set<String>) -> String {
        let hint = YAMLDecodingContext.suggestion(for: tier, among: known.sorted())
        return hint.hasPrefix("; did you mean") ? hint : ""
    }

    static func parseLine(_ data: Data, line: Int, known: Set<String>?) -> Result<OutcomeRecord, Problem> {
        let object: [String: Any]
        do {
            guard let parsed = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                return .failure(Problem(text: "expected a JSON object"))
            }
            object = parsed
        } catch {
            return .failure(Problem(text: "invalid JSON (\((error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "syntax error"))"))
        }
        for key in object.keys.sorted() where !keys.contains(key) {
            return .failure(Problem(text: "unknown key '\(key)' (expected one of \(keys.sorted().joined(separator: ", ")))"))
        }
        var parts: [String] = []
        var messageCount = 1
        if let prompt = object["prompt"] {
            guard let text = prompt as? String else { return .failure(Problem(text: "'prompt' must be a string")) }
            if object["messages"] != nil { return .failure(Problem(text: "give 'prompt' or 'messages', not both")) }
            if let system = object["system"] {
                guard let s = system as? String else { return .failure(Problem(text: "'system' must be a string")) }
                parts.append(s)
            }
            parts.append(text)
        } else if let messages = object["messages"] {
            guard let list = messages as? [Any], !list.isEmpty else {
                return .failure(Problem(text: "'messages' must be a non-empty array"))
            }
            if let system = object["system"] {
                guard let s = system as? String else { return .failure(Problem(text: "'system' must be a string")) }
                parts.append(s)
            }
            for (index, item) in list.enumerated() {
                guard let message = item as? [String: Any], let role = message["role"] as? String,
                      role == "user" || role == "assistant" else {
                    return .failure(Problem(text: "messages[\(index)] needs a 'role' of user or assistant"))
                }
                if let text = message["content"] as? String {
                    parts.append(text)
                } else if let blocks = message["content"] as? [Any] {
                    for block in blocks {
                        if let block = block as? [String: Any], block["type"] as? String == "text",
                           let text = block["text"] as? String {
                            parts.append(text)
                        }
                    }
                } else {
                    return .failure(Problem(text: "messages[\(index)].content must be a string or an array of blocks"))
                }
            }
            messageCount = list.count
        } else {
            return .failure(Problem(text: "missing 'prompt' (or 'messages')"))
        }
        var task: String?
        if let value = object["task"] {
            guard let text = value as? String, !text.isEmpty else { return .failure(Problem(text: "'task' must be a non-empty string")) }
            task = text
        }
        var metadata: [String: String] = [:]
        if let value = object["metadata"] {
            guard let map = value as? [String: Any] else { return .failure(Problem(text: "'metadata' must be an object")) }
            for (key, item) in map {
                guard let text = item as? String else {
                    return .failure(Problem(text: "metadata '\(key)' must be a string"))
                }
                metadata[key] = text
            }
        }
        guard let passedValue = object["passed"] else { return .failure(Problem(text: "missing 'passed' ({tier: true|false})")) }
        guard let passedMap = passedValue as? [String: Any], !passedMap.isEmpty else {
            return .failure(Problem(text: "'passed' must be a non-empty object of tier → true|false"))
        }
        var passed: [String: Bool] = [:]
        for tier in passedMap.keys.sorted() {
            if let known, !known.contains(tier) {
                return .failure(Problem(text: "'passed' names tier '\(tier)', which the policy does not declare (\(known.sorted().joined(separator: ", ")))"
                                        + closest(to: tier, among: known)))
            }
            // JSONSerialization gives NSNumber for booleans and numbers alike; a boolean's objCType is "c", so 1 and 0 are refused.
            guard let number = passedMap[tier] as? NSNumber, String(cString: number.objCType) == "c" else {
                return .failure(Problem(text: "passed.\(tier) must be true or false"))
            }
            passed[tier] = number.boolValue
        }
        var costs: [String: USDAmount] = [:]
        if let value = object["cost_usd"] {
            guard let map = value as? [String: Any] else {
                return .failure(Problem(text: "'cost_usd' must be an object of tier → decimal string"))
            }
            for tier in map.keys.sorted() {
                if let known, !known.contains(tier) {
                    return .failure(Problem(text: "'cost_usd' names tier '\(tier)', which the policy does not declare"
                                            + closest(to: tier, among: known)))
                }
                guard let text = map[tier] as? String, let amount = USDAmount(dollars: text), amount >= .zero else {
                    return .failure(Problem(text: "cost_usd.\(tier) must be a non-negative decimal string such as \"0.0012\""))
                }
                costs[tier] = amount
            }
        }
        return .success(OutcomeRecord(line: line, text: parts.joined(separator: "\n"), messageCount: messageCount,
                                      task: task, metadata: metadata, passed: passed, costUSD: costs))
    }
}
