import Foundation

/// The JSON body of a `MessageRequest` written straight to bytes, without `JSONEncoder`.
///
/// Writes the same members as the `Encodable` conformances (same wire names, optional members
/// omitted when `nil`, blocks with their `type`), so decoding the bytes gives back the same
/// request. Values it does not write by hand (tool definitions, image and document sources of
/// another kind) are encoded by `JSONEncoder` and spliced in. Returns `nil` when `JSONEncoder`
/// would throw (a NaN or infinite number), so the caller reports that error as before.
enum MessageRequestJSON {
    static func encode(_ request: MessageRequest) -> [UInt8]? {
        var writer = JSONBytesWriter()
        writer.bytes.reserveCapacity(256 + request.messages.reduce(0) { $0 + estimate($1) })
        writer.openObject()
        writer.key("model")
        writer.string(request.model)
        writer.key("max_tokens")
        writer.int(request.maxTokens)
        writer.key("messages")
        writer.openArray()
        for message in request.messages {
            writer.separator()
            writer.openObject()
            writer.key("role")
            writer.string(message.role.rawValue)
            writer.key("content")
            writer.openArray()
            for block in message.content {
                writer.separator()
                guard writer.block(block) else { return nil }
            }
            writer.closeArray()
            writer.closeObject()
        }
        writer.closeArray()
        if let system = request.system {
            writer.key("system")
            switch system {
            case .text(let text): writer.string(text)
            case .blocks(let blocks):
                writer.openArray()
                for block in blocks {
                    writer.separator()
                    guard writer.block(.text(block)) else { return nil }
                }
                writer.closeArray()
            }
        }
        if let stopSequences = request.stopSequences {
            writer.key("stop_sequences")
            writer.openArray()
            for sequence in stopSequences {
                writer.separator()
                writer.string(sequence)
            }
            writer.closeArray()
        }
        if let temperature = request.temperature {
            writer.key("temperature")
            guard writer.double(temperature) else { return nil }
        }
        if let topP = request.topP {
            writer.key("top_p")
            guard writer.double(topP) else { return nil }
        }
        if let topK = request.topK {
            writer.key("top_k")
            writer.int(topK)
        }
        if let metadata = request.metadata {
            writer.key("metadata")
            writer.openObject()
            if let userID = metadata.userID {
                writer.key("user_id")
                writer.string(userID)
            }
            writer.closeObject()
        }
        if let tools = request.tools {
            writer.key("tools")
            guard writer.encoded(tools) else { return nil }
        }
        if let toolChoice = request.toolChoice {
            writer.key("tool_choice")
            writer.openObject()
            writer.key("type")
            writer.string(toolChoice.type)
            if let name = toolChoice.name {
                writer.key("name")
                writer.string(name)
            }
            if let disable = toolChoice.disableParallelToolUse {
                writer.key("disable_parallel_tool_use")
                writer.bool(disable)
            }
            writer.closeObject()
        }
        if let thinking = request.thinking {
            writer.key("thinking")
            writer.openObject()
            writer.key("type")
            writer.string(thinking.type)
            if let budget = thinking.budgetTokens {
                writer.key("budget_tokens")
                writer.int(budget)
            }
            writer.closeObject()
        }
        if let stream = request.stream {
            writer.key("stream")
            writer.bool(stream)
        }
        if let serviceTier = request.serviceTier {
            writer.key("service_tier")
            writer.string(serviceTier.rawValue)
        }
        writer.closeObject()
        return writer.bytes
    }

    /// Bytes a turn is likely to take, so the buffer grows once.
    private static func estimate(_ message: MessageParam) -> Int {
        var total = 32
        for case .text(let block) in message.content { total += block.text.utf8.count + 32 }
        return total
    }
}

/// Appends JSON to a byte buffer. Commas are placed by `key` and `separator`, which know whether
/// the enclosing object or array already has a member.
struct JSONBytesWriter {
    var bytes: [UInt8] = []
    /// Whether the innermost open object or array still has no member.
    private var empty = false

    mutating func openObject() {
        bytes.append(UInt8(ascii: "{"))
        empty = true
    }

    mutating func closeObject() {
        bytes.append(UInt8(ascii: "}"))
        empty = false
    }

    mutating func openArray() {
        bytes.append(UInt8(ascii: "["))
        empty = true
    }

    mutating func closeArray() {
        bytes.append(UInt8(ascii: "]"))
        empty = false
    }

    /// A comma unless this is the first element of the array.
    mutating func separator() {
        if !empty { bytes.append(UInt8(ascii: ",")) }
        empty = false
    }

    /// `"name":` (with a leading comma unless first); `name` needs no escaping.
    mutating func key(_ name: StaticString) {
        separator()
        bytes.append(UInt8(ascii: "\""))
        raw(name)
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        empty = true
    }

    /// A member whose name comes from data (`JSONValue` objects).
    mutating func key(dynamic name: String) {
        separator()
        string(name)
        bytes.append(UInt8(ascii: ":"))
        empty = true
    }

    mutating func int(_ value: Int) {
        bytes.append(contentsOf: String(value).utf8)
        empty = false
    }

    mutating func bool(_ value: Bool) {
        raw(value ? "true" : "false")
        empty = false
    }

    /// Bytes that need no escaping.
    private mutating func raw(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// The shortest form that reads back as the same `Double`, without a trailing `.0` (as
    /// `JSONEncoder` writes it); `false` for NaN or infinity.
    mutating func double(_ value: Double) -> Bool {
        guard value.isFinite else { return false }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        bytes.append(contentsOf: text.utf8)
        empty = false
        return true
    }

    /// A JSON string: `"` and `\` escaped, control characters as `\n`, `\t`, … or `\u00XX`.
    mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            var runStart = 0
            for index in 0..<utf8.count {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
                runStart = index + 1
                switch byte {
                case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
                case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                case 0x08: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
                case 0x0C: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
                default:
                    let hex = Array("0123456789abcdef".utf8)
                    bytes.append(contentsOf: [
                        UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)],
                        hex[Int(byte & 0x0F)],
                    ])
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<utf8.count]))
        }
        bytes.append(UInt8(ascii: "\""))
        empty = false
    }

    /// Any JSON tree; `false` for a non-finite number.
    mutating func value(_ value: JSONValue) -> Bool {
        switch value {
        case .null: raw("null")
        case .bool(let flag): bool(flag)
        case .int(let number): bytes.append(contentsOf: String(number).utf8)
        case .double(let number): return double(number)
        case .string(let text): string(text)
        case .array(let elements):
            openArray()
            for element in elements {
                separator()
                guard self.value(element) else { return false }
            }
            closeArray()
        case .object(let members):
            openObject()
            for (name, member) in members {
                key(dynamic: name)
                guard self.value(member) else { return false }
            }
            closeObject()
        }
        empty = false
        return true
    }

    /// A value encoded by `JSONEncoder`, spliced in; `false` when it throws.
    mutating func encoded(_ value: some Encodable) -> Bool {
        guard let data = try? JSONEncoder().encode(value) else { return false }
        bytes.append(contentsOf: data)
        empty = false
        return true
    }

    mutating func cacheControl(_ control: CacheControl?) {
        guard let control else { return }
        key("cache_control")
        openObject()
        key("type")
        string(control.type)
        if let ttl = control.ttl {
            key("ttl")
            string(ttl.rawValue)
        }
        closeObject()
    }

    /// A content block as `ContentBlock.encode(to:)` writes it; `false` for a non-finite number.
    mutating func block(_ block: ContentBlock) -> Bool {
        switch block {
        case .text(let text):
            openObject()
            key("text")
            string(text.text)
            if let citations = text.citations {
                key("citations")
                guard value(.array(citations)) else { return false }
            }
            cacheControl(text.cacheControl)
        case .toolUse(let toolUse):
            openObject()
            key("id")
            string(toolUse.id)
            key("name")
            string(toolUse.name)
            key("input")
            guard value(toolUse.input) else { return false }
            cacheControl(toolUse.cacheControl)
        case .toolResult(let result):
            openObject()
            if let content = result.content {
                key("content")
                switch content {
                case .string(let text): string(text)
                case .blocks(let blocks):
                    openArray()
                    for inner in blocks {
                        separator()
                        guard self.block(inner) else { return false }
                    }
                    closeArray()
                }
            }
            key("tool_use_id")
            string(result.toolUseID)
            if let isError = result.isError {
                key("is_error")
                bool(isError)
            }
            cacheControl(result.cacheControl)
        case .thinking(let thinking):
            openObject()
            key("thinking")
            string(thinking.thinking)
            key("signature")
            string(thinking.signature)
        case .redactedThinking(let redacted):
            openObject()
            key("data")
            string(redacted.data)
        case .unknown(_, let raw):
            return value(raw)
        case .image, .document:
            // Rare in requests and shaped by their own encoders: JSONEncoder writes them whole.
            return encoded(block)
        }
        key("type")
        string(block.type)
        closeObject()
        return true
    }
}
