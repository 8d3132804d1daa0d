/// `Message`, `Usage`, content blocks and stream-event payloads from a `FastJSON.Node`, with
/// exactly the rules of their `Decodable` implementations: unknown members ignored, `null` for
/// an optional member read as absent, defaults where those initialisers default. Any shape the
/// `Decodable` path would reject, or that is not mirrored here (image, document and tool-result
/// blocks in a reply), returns `nil` so the caller decodes with `JSONDecoder` instead.
extension FastJSON {
    /// A `Message` from a whole JSON body; `nil`: use `JSONDecoder`.
    static func message(_ bytes: some Collection<UInt8>) -> Message? {
        guard case .object(let members)? = parse(bytes) else { return nil }
        return message(members)
    }

    static func message(_ members: [Member]) -> Message? {
        var id: String?
        var type: String?
        var role: String?
        var model: String?
        var content: [ContentBlock]?
        var stopReason: String?
        var stopSequence: String?
        var usage: Usage?
        var additional: [String: JSONValue] = [:]
        for member in members {
            switch member.key {
            case "id": guard case .string(let value) = member.value else { return nil }; id = value
            case "model": guard case .string(let value) = member.value else { return nil }; model = value
            case "type": guard let value = optionalString(member.value) else { return nil }; type = value
            case "role": guard let value = optionalString(member.value) else { return nil }; role = value
            case "stop_reason": guard let value = optionalString(member.value) else { return nil }; stopReason = value
            case "stop_sequence": guard let value = optionalString(member.value) else { return nil }; stopSequence = value
            case "content":
                switch member.value {
                case .null: content = nil
                case .array(let elements):
                    var blocks: [ContentBlock] = []
                    blocks.reserveCapacity(elements.count)
                    for element in elements {
                        guard case .object(let fields) = element, let block = contentBlock(fields) else { return nil }
                        blocks.append(block)
                    }
                    content = blocks
                default: return nil
                }
            case "usage":
                switch member.value {
                case .null: usage = nil
                case .object(let fields):
                    guard let value = self.usage(fields) else { return nil }
                    usage = value
                default: return nil
                }
            default:
                guard let value = jsonValue(member.value) else { return nil }
                additional[member.key] = value
            }
        }
        guard let id, let model else { return nil }
        var reported = usage ?? Usage()
        if usage == nil { reported.isReported = false }
        var message = Message(
            id: id, type: type ?? "message", role: role.map(Role.init(rawValue:)) ?? .assistant, model: model,
            content: content ?? [], stopReason: stopReason.map(StopReason.init(rawValue:)), stopSequence: stopSequence,
            usage: reported)
        message.additionalFields = additional
        return message
    }

    /// `Usage` from its object; `isReported` as its decoder sets it (either count's key present).
    static func usage(_ members: [Member]) -> Usage? {
        guard let partial = partialUsage(members) else { return nil }
        var usage = Usage(
            inputTokens: partial.inputTokens ?? 0, outputTokens: partial.outputTokens ?? 0,
            cacheCreationInputTokens: partial.cacheCreationInputTokens ?? 0,
            cacheReadInputTokens: partial.cacheReadInputTokens ?? 0, cacheCreation: partial.cacheCreation,
            serviceTier: partial.serviceTier, inferenceGeo: partial.inferenceGeo, serverToolUse: partial.serverToolUse)
        usage.isReported = partial.hasCountKey
        return usage
    }

    /// Usage members as sent (`nil` = absent or `null`), as a `message_delta` carries them; also
    /// what the `JSONDecoder` path decodes a delta's usage into (same wire names as `Usage`).
    struct PartialUsage: Decodable {
        var inputTokens: Int?
        var outputTokens: Int?
        var cacheCreationInputTokens: Int?
        var cacheReadInputTokens: Int?
        var cacheCreation: Usage.CacheCreation?
        var serviceTier: String?
        var inferenceGeo: String?
        var serverToolUse: JSONValue?
        /// Whether `input_tokens` or `output_tokens` was present at all (even as `null`); set by
        /// the fast parser only (not a wire field, so not in `CodingKeys`).
        var hasCountKey = false
        typealias CodingKeys = Usage.CodingKeys

        /// `base` with every member that was sent (and not `null`) replaced: a `message_delta`'s
        /// usage is cumulative, and absent members keep their earlier values.
        func applied(to base: Usage) -> Usage {
            var usage = base
            if let inputTokens { usage.inputTokens = inputTokens }
            if let outputTokens { usage.outputTokens = outputTokens }
            if let cacheCreationInputTokens { usage.cacheCreationInputTokens = cacheCreationInputTokens }
            if let cacheReadInputTokens { usage.cacheReadInputTokens = cacheReadInputTokens }
            if let cacheCreation { usage.cacheCreation = cacheCreation }
            if let serviceTier { usage.serviceTier = serviceTier }
            if let inferenceGeo { usage.inferenceGeo = inferenceGeo }
            if let serverToolUse { usage.serverToolUse = serverToolUse }
            if inputTokens != nil || outputTokens != nil { usage.isReported = true }
            return usage
        }
    }

    static func partialUsage(_ members: [Member]) -> PartialUsage? {
        var usage = PartialUsage()
        for member in members {
            switch member.key {
            case "input_tokens":
                guard let value = optionalInt(member.value) else { return nil }
                usage.inputTokens = value
                usage.hasCountKey = true
            case "output_tokens":
                guard let value = optionalInt(member.value) else { return nil }
                usage.outputTokens = value
                usage.hasCountKey = true
            case "cache_creation_input_tokens":
                guard let value = optionalInt(member.value) else { return nil }
                usage.cacheCreationInputTokens = value
            case "cache_read_input_tokens":
                guard let value = optionalInt(member.value) else { return nil }
                usage.cacheReadInputTokens = value
            case "cache_creation":
                switch member.value {
                case .null: usage.cacheCreation = nil
                case .object(let fields):
                    var split = Usage.CacheCreation()
                    for field in fields {
                        switch field.key {
                        case "ephemeral_5m_input_tokens":
                            guard let value = optionalInt(field.value) else { return nil }
                            split.ephemeral5mInputTokens = value ?? 0
                        case "ephemeral_1h_input_tokens":
                            guard let value = optionalInt(field.value) else { return nil }
                            split.ephemeral1hInputTokens = value ?? 0
                        default: continue
                        }
                    }
                    usage.cacheCreation = split
                default: return nil
                }
            case "service_tier":
                guard let value = optionalString(member.value) else { return nil }
                usage.serviceTier = value
            case "inference_geo":
                guard let value = optionalString(member.value) else { return nil }
                usage.inferenceGeo = value
            case "server_tool_use":
                if case .null = member.value {
                    usage.serverToolUse = nil
                } else {
                    guard let value = jsonValue(member.value) else { return nil }
                    usage.serverToolUse = value
                }
            default: continue
            }
        }
        return usage
    }

    /// A reply content block. Image, document and tool-result blocks (request-side kinds) are
    /// left to `JSONDecoder`.
    static func contentBlock(_ members: [Member]) -> ContentBlock? {
        guard let typeMember = members.first(where: { $0.key == "type" }), case .string(let type) = typeMember.value
        else { return nil }
        switch type {
        case "text":
            return textBlock(members).map(ContentBlock.text)
        case "tool_use":
            var id: String?
            var name: String?
            var input: JSONValue?
            var cacheControl: CacheControl?
            for member in members {
                switch member.key {
                case "id": guard case .string(let value) = member.value else { return nil }; id = value
                case "name": guard case .string(let value) = member.value else { return nil }; name = value
                case "input": guard let value = jsonValue(member.value) else { return nil }; input = value
                case "cache_control": guard let value = optionalCacheControl(member.value) else { return nil }; cacheControl = value
                default: continue
                }
            }
            guard let id, let name, let input else { return nil }
            return .toolUse(ToolUseBlock(id: id, name: name, input: input, cacheControl: cacheControl))
        case "thinking":
            var thinking: String?
            var signature: String?
            for member in members {
                switch member.key {
                case "thinking": guard let value = optionalString(member.value) else { return nil }; thinking = value
                case "signature": guard let value = optionalString(member.value) else { return nil }; signature = value
                default: continue
                }
            }
            return .thinking(ThinkingBlock(thinking: thinking ?? "", signature: signature ?? ""))
        case "redacted_thinking":
            guard let dataMember = members.first(where: { $0.key == "data" }), case .string(let data) = dataMember.value
            else { return nil }
            return .redactedThinking(RedactedThinkingBlock(data: data))
        case "image", "document", "tool_result":
            return nil
        default:
            guard let raw = jsonValue(.object(members)) else { return nil }
            return .unknown(type: type, raw: raw)
        }
    }

    /// A `TextBlock` from its object's members (`type` is not checked: a system prompt's blocks
    /// are read as text blocks whatever their `type` says, as `SystemPrompt`'s decoder does).
    static func textBlock(_ members: [Member]) -> TextBlock? {
        var text: String?
        var citations: [JSONValue]?
        var cacheControl: CacheControl?
        for member in members {
            switch member.key {
            case "text": guard case .string(let value) = member.value else { return nil }; text = value
            case "citations":
                switch member.value {
                case .null: citations = nil
                case .array(let elements):
                    var values: [JSONValue] = []
                    values.reserveCapacity(elements.count)
                    for element in elements {
                        guard let value = jsonValue(element) else { return nil }
                        values.append(value)
                    }
                    citations = values
                default: return nil
                }
            case "cache_control": guard let value = optionalCacheControl(member.value) else { return nil }; cacheControl = value
            default: continue
            }
        }
        guard let text else { return nil }
        return TextBlock(text: text, citations: citations, cacheControl: cacheControl)
    }

    /// A `ContentDelta` from the `delta` object of a `content_block_delta`.
    static func contentDelta(_ members: [Member]) -> ContentDelta? {
        guard let typeMember = members.first(where: { $0.key == "type" }), case .string(let type) = typeMember.value
        else { return nil }
        func string(_ key: String) -> String? {
            guard let member = members.first(where: { $0.key == key }), case .string(let value) = member.value else {
                return nil
            }
            return value
        }
        switch type {
        case "text_delta": return string("text").map(ContentDelta.text)
        case "input_json_delta": return string("partial_json").map(ContentDelta.inputJSON)
        case "thinking_delta": return string("thinking").map(ContentDelta.thinking)
        case "signature_delta": return string("signature").map(ContentDelta.signature)
        case "citations_delta":
            guard let member = members.first(where: { $0.key == "citation" }), let value = jsonValue(member.value) else {
                return nil
            }
            return .citation(value)
        default:
            guard let raw = jsonValue(.object(members)) else { return nil }
            return .unknown(type: type, raw: raw)
        }
    }

    /// A `JSONValue`, or `nil` where `JSONValue`'s decoder could read it differently (fractions).
    static func jsonValue(_ node: Node) -> JSONValue? {
        switch node {
        case .null: return .null
        case .bool(let value): return .bool(value)
        case .int(let value): return .int(value)
        case .fraction: return nil
        case .string(let value): return .string(value)
        case .array(let elements):
            var values: [JSONValue] = []
            values.reserveCapacity(elements.count)
            for element in elements {
                guard let value = jsonValue(element) else { return nil }
                values.append(value)
            }
            return .array(values)
        case .object(let members):
            var values: [String: JSONValue] = [:]
            values.reserveCapacity(members.count)
            for member in members {
                guard let value = jsonValue(member.value) else { return nil }
                values[member.key] = value
            }
            return .object(values)
        }
    }

    /// The member's integer, `.some(nil)` for `null`, `nil` (fall back) for anything else.
    static func optionalInt(_ node: Node) -> Int?? {
        switch node {
        case .null: return .some(nil)
        case .int(let value): return Int(exactly: value).map { .some($0) }
        default: return nil
        }
    }

    /// The member's string, `.some(nil)` for `null`, `nil` (fall back) for anything else.
    static func optionalString(_ node: Node) -> String?? {
        switch node {
        case .null: return .some(nil)
        case .string(let value): return .some(value)
        default: return nil
        }
    }

    static func optionalCacheControl(_ node: Node) -> CacheControl?? {
        switch node {
        case .null: return .some(nil)
        case .object(let members):
            var type: String?
            var ttl: String?
            for member in members {
                switch member.key {
                case "type": guard case .string(let value) = member.value else { return nil }; type = value
                case "ttl": guard let value = optionalString(member.value) else { return nil }; ttl = value
                default: continue
                }
            }
            guard let type else { return nil }
            return .some(CacheControl(type: type, ttl: ttl.map(CacheControl.TTL.init(rawValue:))))
        default: return nil
        }
    }

    /// The value of `key` in an object's members.
    static func member(_ key: String, in members: [Member]) -> Node? {
        members.first(where: { $0.key == key })?.value
    }
}
