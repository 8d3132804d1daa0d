/// The parts of a Messages request the mock needs, validated like the real API.
struct MockMessageRequest: Sendable {
    var model: String
    var maxTokens: Int
    var stream: Bool
    /// Every piece of request text: system, then each message's text (docs/ANTHROPIC-API.md token rule).
    var texts: [String]
    /// The text of the last `user` message (where prompt directives live).
    var lastUserText: String
    var stopSequences: [String]

    /// Characters of all request text, the basis of the ~4 characters per token rule of thumb.
    var characterCount: Int { texts.reduce(0) { $0 + $1.count } }
    /// Tokens of images and documents the real API would fetch or read itself (`url` and `file`
    /// sources): the mock cannot see them, so a source names its size with `mock-tokens=N` in its
    /// URL or `file_id` (e.g. `https://example.com/big.pdf?mock-tokens=250000`); 0 without one.
    var referencedTokens = 0
    /// `ceil(characters / 4)` plus ``referencedTokens``.
    var inputTokens: Int { MockMessageRequest.tokens(forCharacters: characterCount) + referencedTokens }

    static func tokens(forCharacters count: Int) -> Int { (count + 3) / 4 }

    /// The API versions the mock accepts (docs/ANTHROPIC-API.md, "Wire basics").
    static let knownVersions: Set<String> = ["2023-06-01", "2026-10-21"]

    /// Validates and extracts a request body. `requireMaxTokens` is false for count_tokens.
    init(json: MockJSON, version: String, requireMaxTokens: Bool = true) throws(MockAPIError) {
        guard json.isObject else { throw .invalid("Request body must be a JSON object") }
        guard let model = json["model"]?.stringValue, !model.isEmpty else {
            throw .invalid("model: Field required")
        }
        self.model = model
        if requireMaxTokens {
            guard let maxTokens = json["max_tokens"]?.intValue else { throw .invalid("max_tokens: Field required") }
            guard maxTokens >= 1 else { throw .invalid("max_tokens: must be greater than or equal to 1") }
            self.maxTokens = maxTokens
        } else {
            self.maxTokens = Int.max
        }
        guard let messages = json["messages"]?.arrayValue else { throw .invalid("messages: Field required") }
        guard !messages.isEmpty else { throw .invalid("messages: at least one message is required") }
        if version == "2026-10-21" {
            // docs/ANTHROPIC-API.md: sampling parameters are 400 errors under 2026-10-21, even at defaults.
            for key in ["temperature", "top_p", "top_k"] where json[key] != nil {
                throw .invalid("\(key): is not supported with anthropic-version 2026-10-21")
            }
        }
        stream = json["stream"]?.boolValue ?? false
        stopSequences = json["stop_sequences"]?.arrayValue?.compactMap(\.stringValue) ?? []
        texts = []
        if let system = json["system"] {
            texts += try Self.texts(of: system, place: "system")
        }
        lastUserText = ""
        for (index, message) in messages.enumerated() {
            let place = "messages.\(index)"
            guard let role = message["role"]?.stringValue, role == "user" || role == "assistant" else {
                throw .invalid("\(place).role: must be 'user' or 'assistant'")
            }
            guard let content = message["content"] else { throw .invalid("\(place).content: Field required") }
            if version == "2026-10-21" { try Self.checkBlocks(content, role: role, place: place) }
            let pieces = try Self.texts(of: content, place: "\(place).content")
            referencedTokens += Self.referencedTokens(in: content)
            texts += pieces
            if role == "user" { lastUserText = pieces.joined(separator: "\n") }
        }
    }

    /// The `mock-tokens=N` sizes of every `url` or `file` source among `content`'s image and
    /// document blocks, tool results included.
    private static func referencedTokens(in content: MockJSON) -> Int {
        var total = 0
        for block in content.arrayValue ?? [] {
            if block["type"]?.stringValue == "tool_result", let inner = block["content"] {
                total += referencedTokens(in: inner)
                continue
            }
            guard let source = block["source"], ["url", "file"].contains(source["type"]?.stringValue ?? ""),
                  let name = source["url"]?.stringValue ?? source["file_id"]?.stringValue,
                  let marker = name.range(of: "mock-tokens=") else { continue }
            let digits = name[marker.upperBound...].prefix { $0.isASCII && $0.isNumber }
            total += min(Int(digits) ?? 0, 100_000_000)
        }
        return total
    }

    /// Text of a string or an array of blocks (`text` blocks and `tool_result` contents).
    private static func texts(of content: MockJSON, place: String) throws(MockAPIError) -> [String] {
        if let text = content.stringValue { return [text] }
        guard let blocks = content.arrayValue else { throw .invalid("\(place): must be a string or a list of blocks") }
        var result: [String] = []
        for (index, block) in blocks.enumerated() {
            guard let type = block["type"]?.stringValue else { throw .invalid("\(place).\(index).type: Field required") }
            switch type {
            case "text":
                guard let text = block["text"]?.stringValue else { throw .invalid("\(place).\(index).text: Field required") }
                result.append(text)
            case "tool_result":
                if let inner = block["content"] { result += try texts(of: inner, place: "\(place).\(index).content") }
            default:
                continue
            }
        }
        return result
    }

    /// docs/ANTHROPIC-API.md: under 2026-10-21 a `document` in an assistant message and a user `text`
    /// block with non-empty `citations` are 400 errors.
    private static func checkBlocks(_ content: MockJSON, role: String, place: String) throws(MockAPIError) {
        guard let blocks = content.arrayValue else { return }
        for (index, block) in blocks.enumerated() {
            let type = block["type"]?.stringValue
            if role == "assistant", type == "document" {
                throw .invalid("\(place).content.\(index): document blocks are not allowed in assistant messages")
            }
            if role == "user", type == "text", let citations = block["citations"]?.arrayValue, !citations.isEmpty {
                throw .invalid("\(place).content.\(index).citations: not allowed in user messages")
            }
        }
    }
}
