/// The deterministic reply to one Messages request: content, stop reason and usage.
struct MockReply: Sendable {
    struct ToolCall: Sendable {
        var id: String
        var name: String
        /// The tool input as compact JSON text.
        var inputJSON: String
    }

    var messageID: String
    var model: String
    var text: String
    var tool: ToolCall?
    var stopReason: String
    var stopSequence: String?
    var inputTokens: Int
    var outputTokens: Int
    var cacheRead: Int
    var cacheWrite5m: Int
    var cacheWrite1h: Int
    var geo: String?
    /// The code-execution container id to report (`container=ID`), if any.
    var container: String?
    /// `missing`, `negative` or `overflow` (see `MockDirective.usageFault`).
    var usageFault: String?
    /// Server-tool uses to report (`web-searches=N`, `web-fetches=N`); `nil` reports none.
    var webSearches: Int?
    var webFetches: Int?

    /// Builds the reply. `messageID`/`toolID` are sequence-derived so runs are reproducible.
    init(request: MockMessageRequest, directive: MockDirective, messageID: String, toolID: String) {
        self.messageID = messageID
        model = request.model
        let prompt = MockDirective.stripping(request.lastUserText)
        let echo = Self.echo(of: prompt)
        if let reply = directive.reply {
            text = reply
        } else if directive.json == true {
            text = MockJSON.object([
                ("mock", true), ("model", .string(request.model)), ("echo", .string(echo)),
            ]).serialized
        } else {
            text = "This is a mock reply from \(request.model): \(echo)"
        }
        let toolName = directive.tool ?? (directive.stop == "tool_use" ? "mock_tool" : nil)
        tool = toolName.map { name in
            ToolCall(
                id: toolID, name: name,
                inputJSON: MockJSON.object([("query", .string(echo)), ("mock", true)]).serialized
            )
        }
        if tool != nil, directive.reply == nil {
            text = "Mock tool call to \(toolName ?? "")."
        }
        stopReason = tool == nil ? "end_turn" : "tool_use"
        stopSequence = nil
        inputTokens = request.inputTokens
        outputTokens = MockMessageRequest.tokens(forCharacters: text.count + (tool?.inputJSON.count ?? 0))
        if outputTokens > request.maxTokens {
            // The reply would not fit: cut it like a generation that hit the limit.
            tool = nil
            text = String(text.prefix(request.maxTokens * 4))
            outputTokens = request.maxTokens
            stopReason = "max_tokens"
        }
        if let stop = directive.stop {
            stopReason = stop
            if stop == "max_tokens", request.maxTokens != Int.max { outputTokens = request.maxTokens }
            if stop == "stop_sequence" { stopSequence = request.stopSequences.first ?? "###" }
        }
        cacheRead = directive.cacheRead ?? 0
        cacheWrite5m = directive.cacheWrite5m ?? 0
        cacheWrite1h = directive.cacheWrite1h ?? 0
        geo = directive.geo
        container = directive.container
        usageFault = directive.usageFault
        if let forced = directive.outputTokens { outputTokens = forced }
        webSearches = directive.webSearches
        webFetches = directive.webFetches
    }

    /// The first words of the prompt, or a marker for an empty one.
    static func echo(of prompt: String) -> String {
        let words = prompt.split(whereSeparator: \.isWhitespace).prefix(12)
        return words.isEmpty ? "(empty prompt)" : words.joined(separator: " ")
    }

    // MARK: JSON

    /// `usage` with `input_tokens` EXCLUDING cache reads/writes, which are reported in addition
    /// (docs/ANTHROPIC-API.md, "Response shape").
    func usage(outputTokens: Int, full: Bool = true) -> MockJSON {
        var inputTokens = self.inputTokens
        var outputTokens = outputTokens
        switch usageFault {
        case "negative":
            inputTokens = -5
            outputTokens = -7
        case "overflow":
            inputTokens = Int.max - 1
            outputTokens = Int.max - 2
        default: break
        }
        var members: [(String, MockJSON)] = [
            ("input_tokens", .int(inputTokens)),
            ("cache_creation_input_tokens", .int(cacheWrite5m + cacheWrite1h)),
            ("cache_read_input_tokens", .int(cacheRead)),
        ]
        if full {
            members.append(("cache_creation", .object([
                ("ephemeral_5m_input_tokens", .int(cacheWrite5m)),
                ("ephemeral_1h_input_tokens", .int(cacheWrite1h)),
            ])))
        }
        members.append(("output_tokens", .int(outputTokens)))
        if webSearches != nil || webFetches != nil {
            // As the API reports them (both counters present once a server tool ran).
            members.append(("server_tool_use", .object([
                ("web_search_requests", .int(webSearches ?? 0)), ("web_fetch_requests", .int(webFetches ?? 0)),
            ])))
        }
        if full {
            members.append(("service_tier", "standard"))
            if let geo { members.append(("inference_geo", .string(geo))) }
        }
        return .object(members)
    }

    var contentBlocks: [MockJSON] {
        var blocks: [MockJSON] = [.object([("type", "text"), ("text", .string(text))])]
        if let tool {
            let input = MockJSON.parse(Array(tool.inputJSON.utf8)) ?? .object([])
            blocks.append(.object([
                ("type", "tool_use"), ("id", .string(tool.id)), ("name", .string(tool.name)), ("input", input),
            ]))
        }
        return blocks
    }

    /// The non-streaming Message.
    var message: MockJSON {
        messageObject(content: contentBlocks, stopReason: .string(stopReason), stopSequence: stopSequence.json,
                      usage: usage(outputTokens: outputTokens))
    }

    func messageObject(content: [MockJSON], stopReason: MockJSON, stopSequence: MockJSON, usage: MockJSON) -> MockJSON {
        var members: [(String, MockJSON)] = [
            ("id", .string(messageID)), ("type", "message"), ("role", "assistant"), ("model", .string(model)),
            ("content", .array(content)), ("stop_reason", stopReason), ("stop_sequence", stopSequence),
        ]
        if usageFault != "missing" { members.append(("usage", usage)) }
        if let container = containerObject { members.append(("container", container)) }
        return .object(members)
    }

    /// `{"id": ID, "expires_at": …}` for `container=ID`, else `nil`.
    var containerObject: MockJSON? {
        container.map { .object([("id", .string($0)), ("expires_at", "2026-12-01T00:00:00Z")]) }
    }

    /// The `context_management` member sent with a container: no edits applied.
    static let contextManagement: MockJSON = .object([("applied_edits", .array([]))])
}
