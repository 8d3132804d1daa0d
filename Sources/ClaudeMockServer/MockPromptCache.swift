import Foundation

/// The mock's prompt cache: what `cache_control` breakpoints do to `usage` on the real API
/// (docs/ANTHROPIC-API.md "Prompt caching"), simulated per model.
///
/// A request is read as blocks in the API's cache order (tools, system, messages). A
/// breakpoint whose prefix (everything up to and including its block) is at least the model's
/// minimum is active; shorter ones are silently ignored, as on the API. The longest prefix at
/// any block boundary up to the last active breakpoint that this model has cached and not let
/// expire is read (`cache_read_input_tokens`); every active breakpoint beyond it writes its
/// prefix, the tokens between two breakpoints billed at the TTL of the later one
/// (`cache_creation`); the rest is `input_tokens`. A hit refreshes the entry's TTL. Token sizes
/// use the mock's rule: ~4 characters of text per token, counted over the same text as
/// `input_tokens` (tool definitions count 0, so they never reach a minimum on their own).
struct MockPromptCacheBlock: Sendable {
    /// Characters of text in the prefix that ends with this block.
    var prefixCharacters: Int
    /// Hash of the prefix's content (cache markers left out), chained block by block.
    var prefixHash: UInt64
    /// `5m` or `1h` when the block carries `cache_control`.
    var breakpointTTL: String?

    var prefixTokens: Int { MockMessageRequest.tokens(forCharacters: prefixCharacters) }
}

/// Cache usage of one request.
struct MockCacheUsage: Equatable {
    var read = 0
    var write5m = 0
    var write1h = 0
}

/// One cached prefix of one model.
struct MockCacheEntry: Sendable {
    var expires: Date
    var ttl: TimeInterval
}

extension MockMessageRequest {
    /// The request's blocks in cache order with their prefix sizes and hashes.
    static func cacheBlocks(_ json: MockJSON) -> [MockPromptCacheBlock] {
        var blocks: [MockPromptCacheBlock] = []
        var characters = 0
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func add(_ block: MockJSON, text: Int) {
            characters += text
            for byte in Self.stripped(block).serialized.utf8 {
                hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            }
            let ttl = block["cache_control"].map { $0["ttl"]?.stringValue ?? "5m" }
            blocks.append(MockPromptCacheBlock(prefixCharacters: characters, prefixHash: hash, breakpointTTL: ttl))
        }
        for tool in json["tools"]?.arrayValue ?? [] { add(tool, text: 0) }
        if let system = json["system"] {
            if let text = system.stringValue {
                add(.object([("type", "text"), ("text", .string(text))]), text: text.count)
            } else {
                for block in system.arrayValue ?? [] { add(block, text: Self.textCharacters(block)) }
            }
        }
        for message in json["messages"]?.arrayValue ?? [] {
            let role = MockJSON.string(message["role"]?.stringValue ?? "")
            guard let content = message["content"] else { continue }
            if let text = content.stringValue {
                add(.object([("role", role), ("text", .string(text))]), text: text.count)
            } else {
                for block in content.arrayValue ?? [] {
                    add(.object([("role", role), ("block", block)]), text: Self.textCharacters(block))
                }
            }
        }
        return blocks
    }

    /// Markers anywhere on the request's blocks (the API accepts at most four).
    static func breakpointCount(_ json: MockJSON) -> Int {
        func count(_ value: MockJSON) -> Int {
            switch value {
            case .object(let members):
                return members.reduce(0) { $0 + ($1.0 == "cache_control" ? 1 : count($1.1)) }
            case .array(let items):
                return items.reduce(0) { $0 + count($1) }
            default:
                return 0
            }
        }
        var total = 0
        for key in ["tools", "system", "messages"] { total += json[key].map(count) ?? 0 }
        return total
    }

    private static func textCharacters(_ block: MockJSON) -> Int {
        switch block["type"]?.stringValue {
        case "text": return block["text"]?.stringValue?.count ?? 0
        case "tool_result":
            guard let inner = block["content"] else { return 0 }
            if let text = inner.stringValue { return text.count }
            return (inner.arrayValue ?? []).reduce(0) { $0 + textCharacters($1) }
        default: return 0
        }
    }

    /// The block without its `cache_control` (markers do not change the cached content).
    private static func stripped(_ value: MockJSON) -> MockJSON {
        switch value {
        case .object(let members): return .object(members.filter { $0.0 != "cache_control" }.map { ($0.0, stripped($0.1)) })
        case .array(let items): return .array(items.map(stripped))
        default: return value
        }
    }
}

extension MockServerState {
    /// Applies one request to the model's cache at `now` and returns its cache usage.
    mutating func promptCacheUsage(model: String, blocks: [MockPromptCacheBlock], minimumTokens: Int,
                                   now: Date) -> MockCacheUsage {
        let active = blocks.indices.filter { blocks[$0].breakpointTTL != nil && blocks[$0].prefixTokens >= minimumTokens }
        guard let last = active.last else { return MockCacheUsage() }
        var usage = MockCacheUsage()
        var readTokens = 0
        for index in stride(from: last, through: 0, by: -1) where blocks[index].prefixTokens >= minimumTokens {
            let key = "\(model)|\(blocks[index].prefixHash)"
            if var entry = promptCache[key], entry.expires > now {
                entry.expires = now.addingTimeInterval(entry.ttl)
                promptCache[key] = entry
                readTokens = blocks[index].prefixTokens
                break
            }
        }
        usage.read = readTokens
        var covered = readTokens
        for index in active where blocks[index].prefixTokens > covered {
            let tokens = blocks[index].prefixTokens - covered
            let oneHour = blocks[index].breakpointTTL == "1h"
            if oneHour { usage.write1h += tokens } else { usage.write5m += tokens }
            let ttl: TimeInterval = oneHour ? 3600 : 300
            promptCache["\(model)|\(blocks[index].prefixHash)"] = MockCacheEntry(expires: now.addingTimeInterval(ttl), ttl: ttl)
            covered = blocks[index].prefixTokens
        }
        return usage
    }
}
