import Foundation
import PropertyBased
import Testing

@testable import ClaudeClient

/// The hand-written request encoder and reply decoder against Foundation over random values
/// (swift-property-based: a failure prints the shrunk input and a reproducing seed).
@Suite("Hand-written JSON against Codable")
struct FastJSONPropertyTests {
    /// Characters that exercise escaping: quotes, backslashes, control characters, slashes,
    /// multi-byte UTF-8 and a character outside the Basic Multilingual Plane.
    static let alphabet: [Character] = ["a", "Z", " ", "\"", "\\", "/", "\n", "\t", "\r", "\u{01}", "\u{1F}", "é", "中", "🚀", "{", "}", ":", ","]
    static let text = Gen.int(in: 0..<alphabet.count).array(of: 0...24).map { String($0.map { alphabet[$0] }) }

    /// A small JSON tree of strings, integers, booleans and nulls (one level of nesting).
    static let leaf = zip(Gen.int(in: 0...3), text, Gen.int(in: -1_000_000...1_000_000)).map { kind, text, number -> JSONValue in
        switch kind {
        case 0: .string(text)
        case 1: .int(Int64(number))
        case 2: .bool(number % 2 == 0)
        default: .null
        }
    }
    static let tree = zip(leaf.array(of: 0...4), text.array(of: 0...4)).map { leaves, keys -> JSONValue in
        var object: [String: JSONValue] = ["list": .array(leaves)]
        for (index, key) in keys.enumerated() { object[key] = leaves.isEmpty ? .null : leaves[index % leaves.count] }
        return .object(object)
    }

    static let block = zip(Gen.int(in: 0...4), text, tree).map { kind, text, tree -> ContentBlock in
        switch kind {
        case 0: .text(text)
        case 1: .text(TextBlock(text: text, cacheControl: CacheControl(ttl: .oneHour)))
        case 2: .toolUse(ToolUseBlock(id: "toolu_" + text, name: "tool", input: tree))
        case 3: .toolResult(ToolResultBlock(toolUseID: "toolu_1", content: .string(text), isError: text.isEmpty))
        default: .thinking(ThinkingBlock(thinking: text, signature: "sig"))
        }
    }

    static let request = zip(
        block.array(of: 1...4).array(of: 1...3), text, Gen.int(in: 0...3), Gen.double(in: 0...1), text.array(of: 0...3)
    ).map { turns, system, options, temperature, stops -> MessageRequest in
        var request = MessageRequest(
            model: "claude-haiku-4-5", maxTokens: 1 + stops.count * 100,
            messages: turns.enumerated().map { index, blocks in
                MessageParam(role: index % 2 == 0 ? .user : .assistant, content: blocks)
            })
        if options & 1 != 0 {
            request.system = .text(system)
            request.temperature = temperature
            request.stopSequences = stops
        }
        if options & 2 != 0 {
            request.system = .blocks([TextBlock(text: system, cacheControl: .ephemeral)])
            request.toolChoice = .tool("tool")
            request.thinking = .enabled(budgetTokens: 1024)
            request.metadata = RequestMetadata(userID: system)
            request.stream = true
            request.serviceTier = .auto
            request.topK = stops.count
        }
        return request
    }

    @Test("hand-written request bytes decode to the same request and the same JSON as JSONEncoder's")
    func requestRoundTrip() async {
        await propertyCheck(count: 300, input: Self.request) { request in
            guard let bytes = MessageRequestJSON.encode(request) else {
                Issue.record("encoder declined a finite request")
                return
            }
            let decoded = try? JSONDecoder().decode(MessageRequest.self, from: Data(bytes))
            #expect(decoded == request)
            let reference = try? JSONEncoder().encode(request)
            let ours = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes))
            let theirs = try? JSONDecoder().decode(JSONValue.self, from: reference ?? Data())
            #expect(ours != nil && ours == theirs)
        }
    }

    @Test("every request field and block kind survives the hand-written encoder")
    func everyField() throws {
        let request = MessageRequest(
            model: "claude-opus-4-5", maxTokens: 4096,
            messages: [
                MessageParam(role: .user, content: [
                    .text("hi \"there\"\n"),
                    .image(ImageBlock(source: .base64(mediaType: "image/png", data: "iVBOR"))),
                    .image(ImageBlock(source: .url("https://example.com/a.png"), cacheControl: .ephemeral)),
                    .document(.plainText("doc", title: "T")),
                    .toolResult(ToolResultBlock(toolUseID: "t", content: .blocks([.text("r")]), isError: true)),
                    .unknown(type: "brand_new", raw: ["type": "brand_new", "x": [1, 2.5, "s", nil, true]]),
                ]),
                MessageParam(role: .assistant, content: [
                    .thinking(ThinkingBlock(thinking: "hmm", signature: "s")),
                    .redactedThinking(RedactedThinkingBlock(data: "opaque")),
                    .toolUse(ToolUseBlock(id: "t", name: "n", input: ["pi": 3.25, "n": -7])),
                ]),
            ],
            system: .blocks([TextBlock(text: "sys", cacheControl: CacheControl(ttl: .fiveMinutes))]),
            stopSequences: ["\n\nHuman:"], temperature: 0.7, topP: 0.9, topK: 40, metadata: RequestMetadata(),
            tools: [Tool(name: "get_weather", description: "d", inputSchema: ["type": "object"], cacheControl: .ephemeral)],
            toolChoice: ToolChoice(type: "any", disableParallelToolUse: true), thinking: .disabled, stream: false,
            serviceTier: .standardOnly)
        let bytes = try #require(MessageRequestJSON.encode(request))
        #expect(try JSONDecoder().decode(MessageRequest.self, from: Data(bytes)) == request)
        let reference = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(request))
        #expect(try JSONDecoder().decode(JSONValue.self, from: Data(bytes)) == reference)
    }

    @Test("an integral Double is written as JSONEncoder writes it")
    func integralDouble() throws {
        let value: JSONValue = ["one": 1.0, "big": 1e300, "small": 1e-7, "negative": -2.0]
        var writer = JSONBytesWriter()
        let written = writer.value(value)
        #expect(written)
        let ours = try JSONDecoder().decode(JSONValue.self, from: Data(writer.bytes))
        let theirs = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(value))
        #expect(ours == theirs)
    }

    @Test("a non-finite number is left to JSONEncoder, which refuses it", arguments: [Double.nan, .infinity, -.infinity])
    func nonFinite(value: Double) {
        var request = MessageRequest(model: "m", maxTokens: 1, messages: [.user("x")])
        request.temperature = value
        #expect(MessageRequestJSON.encode(request) == nil)
        request.temperature = nil
        request.messages = [MessageParam(role: .assistant, content: [.toolUse(ToolUseBlock(id: "t", name: "n", input: ["x": .double(value)]))])]
        #expect(MessageRequestJSON.encode(request) == nil)
    }

    static let message = zip(block.array(of: 0...4), Gen.int(in: -5...100_000).array(of: 4...4), text, Gen.int(in: 0...3))
        .map { blocks, counts, text, options -> Message in
            let replyBlocks = blocks.map { block -> ContentBlock in
                // A reply carries text, tool_use, thinking and unknown blocks, not tool results.
                if case .toolResult = block { return .unknown(type: "server_tool_use", raw: ["type": "server_tool_use", "id": .string(text)]) }
                return block
            }
            var usage = Usage(
                inputTokens: counts[0], outputTokens: counts[1], cacheCreationInputTokens: counts[2],
                cacheReadInputTokens: counts[3],
                cacheCreation: options & 1 != 0 ? Usage.CacheCreation(ephemeral5mInputTokens: counts[2]) : nil,
                serviceTier: options & 2 != 0 ? "standard" : nil, inferenceGeo: options == 3 ? text : nil,
                serverToolUse: options == 2 ? ["web_search_requests": .int(Int64(counts[0]))] : nil)
            usage.isReported = true
            return Message(
                id: "msg_" + text, model: "claude-haiku-4-5", content: replyBlocks,
                stopReason: options == 0 ? nil : .endTurn, stopSequence: options == 1 ? text : nil, usage: usage)
        }

    @Test("FastJSON reads JSONEncoder's messages as JSONDecoder does")
    func messageRoundTrip() async {
        await propertyCheck(count: 300, input: Self.message) { message in
            guard let data = try? JSONEncoder().encode(message) else {
                Issue.record("JSONEncoder failed")
                return
            }
            let reference = try? JSONDecoder().decode(Message.self, from: data)
            let fast = FastJSON.message(data)
            #expect(fast != nil)
            #expect(fast == reference)
            #expect(fast == message)
        }
    }
}
