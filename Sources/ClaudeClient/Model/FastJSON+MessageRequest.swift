/// `MessageRequest` from a caller's JSON body without `JSONDecoder`: what a gateway in front of
/// the API decodes on every call. Mirrors the `Decodable` rules of `MessageRequest` and the types
/// it holds (unknown members ignored, `null` for an optional member read as absent, the string
/// shorthands of `content` and `system`), and returns `nil` for anything it does not mirror
/// exactly — a fraction or exponent inside a `JSONValue` (tool schemas, tool inputs), a
/// non-integral `max_tokens`, a wrong type anywhere, and every input ``FastJSON`` declines — so
/// the caller decodes with `JSONDecoder`, whose result and error messages stay the reference.
extension MessageRequest {
    /// The request in `bytes` (a whole JSON body), or `nil`: decode with `JSONDecoder` instead.
    ///
    /// For the bodies it accepts the result equals `JSONDecoder().decode(MessageRequest.self, …)`
    /// (``originalJSON`` is left `nil`, as the decoder leaves it). Message shape: the Messages
    /// API's request body (https://docs.anthropic.com/en/api/messages).
    package static func fastDecoded(json bytes: some Collection<UInt8>) -> MessageRequest? {
        guard case .object(let members)? = FastJSON.parse(bytes) else { return nil }
        return FastJSON.messageRequest(members)
    }
}

extension FastJSON {
    static func messageRequest(_ members: [Member]) -> MessageRequest? {
        var model: String?
        var maxTokens: Int?
        var messages: [MessageParam]?
        var request = MessageRequest(model: "", maxTokens: 0, messages: [])
        for member in members {
            switch member.key {
            case "model": guard case .string(let value) = member.value else { return nil }; model = value
            case "max_tokens":
                guard case .int(let value) = member.value, let exact = Int(exactly: value) else { return nil }
                maxTokens = exact
            case "messages":
                guard case .array(let elements) = member.value else { return nil }
                var turns: [MessageParam] = []
                turns.reserveCapacity(elements.count)
                for element in elements {
                    guard case .object(let fields) = element, let turn = messageParam(fields) else { return nil }
                    turns.append(turn)
                }
                messages = turns
            case "system":
                switch member.value {
                case .null: request.system = nil
                case .string(let text): request.system = .text(text)
                case .array(let elements):
                    // `SystemPrompt` reads each element as a `TextBlock` and ignores its `type`.
                    var blocks: [TextBlock] = []
                    blocks.reserveCapacity(elements.count)
                    for element in elements {
                        guard case .object(let fields) = element, let block = textBlock(fields) else { return nil }
                        blocks.append(block)
                    }
                    request.system = .blocks(blocks)
                default: return nil
                }
            case "stop_sequences":
                switch member.value {
                case .null: request.stopSequences = nil
                case .array(let elements):
                    var stops: [String] = []
                    stops.reserveCapacity(elements.count)
                    for element in elements {
                        guard case .string(let value) = element else { return nil }
                        stops.append(value)
                    }
                    request.stopSequences = stops
                default: return nil
                }
            case "temperature": guard let value = optionalDouble(member.value) else { return nil }; request.temperature = value
            case "top_p": guard let value = optionalDouble(member.value) else { return nil }; request.topP = value
            case "top_k": guard let value = optionalInt(member.value) else { return nil }; request.topK = value
            case "metadata":
                switch member.value {
                case .null: request.metadata = nil
                case .object(let fields):
                    var metadata = RequestMetadata()
                    if let userID = Self.member("user_id", in: fields) {
                        guard let value = optionalString(userID) else { return nil }
                        metadata.userID = value
                    }
                    request.metadata = metadata
                default: return nil
                }
            case "tools":
                switch member.value {
                case .null: request.tools = nil
                case .array(let elements):
                    var tools: [Tool] = []
                    tools.reserveCapacity(elements.count)
                    for element in elements {
                        guard case .object(let fields) = element, let tool = tool(fields) else { return nil }
                        tools.append(tool)
                    }
                    request.tools = tools
                default: return nil
                }
            case "tool_choice":
                switch member.value {
                case .null: request.toolChoice = nil
                case .object(let fields):
                    var type: String?
                    var choice = ToolChoice(type: "")
                    for field in fields {
                        switch field.key {
                        case "type": guard case .string(let value) = field.value else { return nil }; type = value
                        case "name": guard let value = optionalString(field.value) else { return nil }; choice.name = value
                        case "disable_parallel_tool_use":
                            guard let value = optionalBool(field.value) else { return nil }
                            choice.disableParallelToolUse = value
                        default: continue
                        }
                    }
                    guard let type else { return nil }
                    choice.type = type
                    request.toolChoice = choice
                default: return nil
                }
            case "thinking":
                switch member.value {
                case .null: request.thinking = nil
                case .object(let fields):
                    var type: String?
                    var budget: Int?
                    for field in fields {
                        switch field.key {
                        case "type": guard case .string(let value) = field.value else { return nil }; type = value
                        case "budget_tokens": guard let value = optionalInt(field.value) else { return nil }; budget = value
                        default: continue
                        }
                    }
                    guard let type else { return nil }
                    request.thinking = ThinkingConfig(type: type, budgetTokens: budget)
                default: return nil
                }
            case "stream": guard let value = optionalBool(member.value) else { return nil }; request.stream = value
            case "service_tier":
                guard let value = optionalString(member.value) else { return nil }
                request.serviceTier = value.map(ServiceTier.init(rawValue:))
            default: continue
            }
        }
        guard let model, let maxTokens, let messages else { return nil }
        request.model = model
        request.maxTokens = maxTokens
        request.messages = messages
        return request
    }

    /// One turn: `content` is a string (one text block) or an array of blocks.
    static func messageParam(_ members: [Member]) -> MessageParam? {
        var role: String?
        var content: [ContentBlock]?
        for member in members {
            switch member.key {
            case "role": guard case .string(let value) = member.value else { return nil }; role = value
            case "content": guard let blocks = requestContent(member.value) else { return nil }; content = blocks
            default: continue
            }
        }
        guard let role, let content else { return nil }
        return MessageParam(role: Role(rawValue: role), content: content)
    }

    /// A turn's `content`: the string shorthand as one text block, or the blocks.
    private static func requestContent(_ node: Node) -> [ContentBlock]? {
        switch node {
        case .string(let text): return [.text(text)]
        case .array(let elements): return requestBlocks(elements)
        default: return nil
        }
    }

    private static func requestBlocks(_ elements: [Node]) -> [ContentBlock]? {
        var blocks: [ContentBlock] = []
        blocks.reserveCapacity(elements.count)
        for element in elements {
            guard case .object(let fields) = element, let block = requestContentBlock(fields) else { return nil }
            blocks.append(block)
        }
        return blocks
    }

    /// A request content block: the reply kinds (``contentBlock(_:)``) plus image, document and
    /// tool-result blocks, which only requests carry.
    static func requestContentBlock(_ members: [Member]) -> ContentBlock? {
        guard case .string(let type)? = member("type", in: members) else { return nil }
        switch type {
        case "image": return imageBlock(members).map(ContentBlock.image)
        case "document": return documentBlock(members).map(ContentBlock.document)
        case "tool_result": return toolResultBlock(members).map(ContentBlock.toolResult)
        default: return contentBlock(members)
        }
    }

    private static func imageBlock(_ members: [Member]) -> ImageBlock? {
        var source: ImageBlock.Source?
        var cacheControl: CacheControl?
        for member in members {
            switch member.key {
            case "source":
                guard case .object(let fields) = member.value, case .string(let kind)? = self.member("type", in: fields)
                else { return nil }
                switch kind {
                case "base64":
                    guard case .string(let mediaType)? = self.member("media_type", in: fields),
                        case .string(let data)? = self.member("data", in: fields)
                    else { return nil }
                    source = .base64(mediaType: mediaType, data: data)
                case "url":
                    guard case .string(let url)? = self.member("url", in: fields) else { return nil }
                    source = .url(url)
                default:
                    guard let raw = jsonValue(member.value) else { return nil }
                    source = .other(raw)
                }
            case "cache_control": guard let value = optionalCacheControl(member.value) else { return nil }; cacheControl = value
            default: continue
            }
        }
        guard let source else { return nil }
        return ImageBlock(source: source, cacheControl: cacheControl)
    }

    private static func documentBlock(_ members: [Member]) -> DocumentBlock? {
        var block = DocumentBlock(source: .null)
        var hasSource = false
        for member in members {
            switch member.key {
            case "source":
                // A `null` source is left to JSONDecoder rather than mirrored.
                guard case .object = member.value, let value = jsonValue(member.value) else { return nil }
                block.source = value
                hasSource = true
            case "title": guard let value = optionalString(member.value) else { return nil }; block.title = value
            case "context": guard let value = optionalString(member.value) else { return nil }; block.context = value
            case "citations":
                if case .null = member.value {
                    block.citations = nil
                } else {
                    guard let value = jsonValue(member.value) else { return nil }
                    block.citations = value
                }
            case "cache_control": guard let value = optionalCacheControl(member.value) else { return nil }; block.cacheControl = value
            default: continue
            }
        }
        return hasSource ? block : nil
    }

    private static func toolResultBlock(_ members: [Member]) -> ToolResultBlock? {
        var toolUseID: String?
        var block = ToolResultBlock(toolUseID: "")
        for member in members {
            switch member.key {
            case "tool_use_id": guard case .string(let value) = member.value else { return nil }; toolUseID = value
            case "content":
                switch member.value {
                case .null: block.content = nil
                case .string(let text): block.content = .string(text)
                case .array(let elements):
                    guard let blocks = requestBlocks(elements) else { return nil }
                    block.content = .blocks(blocks)
                default: return nil
                }
            case "is_error": guard let value = optionalBool(member.value) else { return nil }; block.isError = value
            case "cache_control": guard let value = optionalCacheControl(member.value) else { return nil }; block.cacheControl = value
            default: continue
            }
        }
        guard let toolUseID else { return nil }
        block.toolUseID = toolUseID
        return block
    }

    /// A tool definition: the known members, every other member kept in `extra` (a `null` one
    /// as `.null`, as `Tool`'s decoder keeps it).
    static func tool(_ members: [Member]) -> Tool? {
        var name: String?
        var tool = Tool(name: "")
        for member in members {
            switch member.key {
            case "type": guard let value = optionalString(member.value) else { return nil }; tool.type = value
            case "name": guard case .string(let value) = member.value else { return nil }; name = value
            case "description": guard let value = optionalString(member.value) else { return nil }; tool.description = value
            case "input_schema":
                if case .null = member.value {
                    tool.inputSchema = nil
                } else {
                    guard let value = jsonValue(member.value) else { return nil }
                    tool.inputSchema = value
                }
            case "cache_control": guard let value = optionalCacheControl(member.value) else { return nil }; tool.cacheControl = value
            default:
                guard let value = jsonValue(member.value) else { return nil }
                tool.extra[member.key] = value
            }
        }
        guard let name else { return nil }
        tool.name = name
        return tool
    }

    /// The member's boolean, `.some(nil)` for `null`, `nil` (fall back) for anything else.
    static func optionalBool(_ node: Node) -> Bool?? {
        switch node {
        case .null: return .some(nil)
        case .bool(let value): return .some(value)
        default: return nil
        }
    }

    /// A `Double` member (`temperature`, `top_p`): an integer or a finite fraction as
    /// `JSONDecoder` reads it, `.some(nil)` for `null`, `nil` (fall back) for anything else.
    static func optionalDouble(_ node: Node) -> Double?? {
        switch node {
        case .null: return .some(nil)
        // Beyond 2^53 an integer's conversion could round differently from parsing its digits.
        case .int(let value) where value.magnitude <= 1 << 53: return .some(Double(value))
        case .fraction(let value) where value.isFinite: return .some(value)
        default: return nil
        }
    }
}
