import ClaudeClient
import Foundation
import Router
import RouterPolicies
import Testing

/// The pure trimming function on hand-made shapes and on thousands of generated conversations.
@Suite("History trimming")
struct HistoryTrimmerTests {
    static func text(_ role: Role, _ text: String) -> MessageParam { MessageParam(role: role, content: [.text(text)]) }
    static func toolCall(_ id: String) -> MessageParam {
        MessageParam(role: .assistant, content: [.text("calling"), .toolUse(ToolUseBlock(id: id, name: "lookup", input: .object([:])))])
    }
    static func toolAnswer(_ id: String) -> MessageParam {
        MessageParam(role: .user, content: [.toolResult(ToolResultBlock(toolUseID: id, content: .string("result \(id)")))])
    }
    static func request(_ messages: [MessageParam], system: SystemPrompt? = nil) -> MessageRequest {
        MessageRequest(model: "auto", maxTokens: 0, messages: messages, system: system)
    }

    @Test("within the caps nothing changes")
    func nothingToTrim() {
        let request = Self.request([Self.text(.user, "hi"), Self.text(.assistant, "hello"), Self.text(.user, "bye")])
        let result = HistoryTrimmer.trim(request, settings: HistorySettings(maxMessages: 3))
        #expect(!result.trimmed && result.withinCaps && result.removedTokens == 0)
        #expect(result.request == request)
    }

    @Test("max_messages drops the oldest whole exchanges and keeps a user turn first")
    func messageCap() {
        let turns = (0..<10).map { Self.text($0 % 2 == 0 ? .user : .assistant, "turn \($0)") } + [Self.text(.user, "now")]
        let result = HistoryTrimmer.trim(Self.request(turns), settings: HistorySettings(maxMessages: 4))
        #expect(result.request.messages.count == 3)
        #expect(result.request.messages.first?.role == .user)
        #expect(result.request.messages.map(\.content) == Array(turns.suffix(3)).map(\.content))
        #expect(result.dropped.count == 8)
        #expect(result.withinCaps)
        #expect(result.removedTokens > 0)
    }

    @Test("a tool_use and its tool_result are dropped or kept together")
    func toolPairs() {
        let turns = [Self.text(.user, "start"), Self.toolCall("t1"), Self.toolAnswer("t1"), Self.toolCall("t2"),
                     Self.toolAnswer("t2"), Self.text(.assistant, "done"), Self.text(.user, "next question")]
        // Any cut inside the tool loop would split a pair: the only valid cut keeps just the last turn.
        let result = HistoryTrimmer.trim(Self.request(turns), settings: HistorySettings(maxMessages: 3))
        #expect(result.request.messages.count == 1)
        #expect(result.request.messages.first?.content == turns.last?.content)
        #expect(!result.withinCaps || result.request.messages.count <= 3)
    }

    @Test("keep_first_user_turn keeps the task statement and then an assistant turn")
    func keepFirst() {
        let turns = (0..<9).map { Self.text($0 % 2 == 0 ? .user : .assistant, "turn \($0)") }
        let result = HistoryTrimmer.trim(Self.request(turns),
                                         settings: HistorySettings(maxMessages: 4, keepFirstUserTurn: true))
        let kept = result.request.messages
        #expect(kept.first?.content == turns[0].content)
        #expect(kept.count <= 4 && result.withinCaps)
        #expect(kept[1].role == .assistant)
        #expect(kept.last?.content == turns.last?.content)
        #expect(result.keptFirstUserTurn)
    }

    @Test("max_input_tokens counts the system prompt; keep_system: false drops it only when still needed")
    func tokenCap() {
        let long = String(repeating: "x", count: 4_000)  // ~1,000 tokens
        let turns = [Self.text(.user, long), Self.text(.assistant, long), Self.text(.user, "short")]
        let system = SystemPrompt.text(String(repeating: "s", count: 2_000))  // ~500 tokens
        let kept = HistoryTrimmer.trim(Self.request(turns, system: system), settings: HistorySettings(maxInputTokens: 600))
        #expect(kept.request.messages.count == 1)
        #expect(kept.request.system != nil)
        #expect(kept.withinCaps == (kept.keptTokens <= 600))
        let dropped = HistoryTrimmer.trim(Self.request(turns, system: system),
                                          settings: HistorySettings(maxInputTokens: 100, keepSystem: false))
        #expect(dropped.droppedSystem && dropped.request.system == nil)
        #expect(dropped.withinCaps)
        #expect(dropped.removedTokens == dropped.originalTokens - dropped.keptTokens)
    }

    @Test("the caller's own JSON is not sent once trimmed")
    func originalJSONCleared() {
        var request = Self.request([Self.text(.user, "a"), Self.text(.assistant, "b"), Self.text(.user, "c")])
        request.originalJSON = OriginalRequestJSON(Array(#"{"model":"auto","max_tokens":1,"messages":[]}"#.utf8))
        let result = HistoryTrimmer.trim(request, settings: HistorySettings(maxMessages: 1))
        #expect(result.request.originalJSON == nil)
    }

    /// A small deterministic generator (SplitMix64), so every failure reproduces from its seed.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func int(_ range: ClosedRange<Int>) -> Int {
            range.lowerBound + Int(next() % UInt64(range.count))
        }
    }

    /// A valid conversation: starts with a user turn, alternates, each tool_use answered by the next turn.
    static func conversation(_ g: inout Generator) -> [MessageParam] {
        var turns: [MessageParam] = [text(.user, String(repeating: "u", count: g.int(1...400)))]
        var tool = 0
        while turns.count < g.int(1...30) || turns.last?.role == .assistant {
            if turns.last?.role == .user {
                if g.int(0...2) == 0 {
                    tool += 1
                    turns.append(toolCall("t\(tool)"))
                    turns.append(toolAnswer("t\(tool)"))
                } else {
                    turns.append(text(.assistant, String(repeating: "a", count: g.int(1...400))))
                }
            } else {
                turns.append(text(.user, String(repeating: "u", count: g.int(1...400))))
            }
        }
        return turns
    }

    @Test("on 3,000 generated conversations: valid, no split pair, last turn kept, within the caps when possible")
    func properties() {
        var g = Generator(state: 20_261_130)
        for _ in 0..<3_000 {
            let turns = Self.conversation(&g)
            let settings = HistorySettings(
                maxMessages: g.int(0...1) == 0 ? g.int(1...12) : nil,
                maxInputTokens: g.int(0...1) == 0 ? g.int(20...1_500) : (g.int(0...1) == 0 ? nil : 800),
                keepFirstUserTurn: g.int(0...1) == 0)
            let result = HistoryTrimmer.trim(Self.request(turns), settings: settings)
            let kept = result.request.messages
            // Valid for the API: first from the user, roles alternate, the last turn is the caller's.
            #expect(kept.first?.role == .user)
            #expect(zip(kept, kept.dropFirst()).allSatisfy { $0.role != $1.role })
            #expect(kept.last == turns.last)
            // Every tool_result in the kept turns answers a tool_use in the turn just before it,
            // and every kept tool_use is answered by the next kept turn.
            for (index, turn) in kept.enumerated() {
                for case .toolResult(let result) in turn.content {
                    let previous = index > 0 ? kept[index - 1].content : []
                    #expect(previous.contains { if case .toolUse(let use) = $0 { use.id == result.toolUseID } else { false } })
                }
                for case .toolUse(let use) in turn.content {
                    let next = index + 1 < kept.count ? kept[index + 1].content : []
                    #expect(next.contains { if case .toolResult(let r) = $0 { r.toolUseID == use.id } else { false } })
                }
            }
            // Kept + dropped is the whole conversation (the first turn counted once).
            #expect(kept.count + result.dropped.count == turns.count)
            // Within the caps whenever it says so; when it says not, no valid cut would have been.
            let tokens = kept.map(HistoryTrimmer.estimatedTokens(of:)).reduce(0, +)
            #expect(tokens == result.keptTokens)
            if result.withinCaps {
                if let cap = settings.maxMessages { #expect(kept.count <= cap) }
                if let cap = settings.maxInputTokens { #expect(tokens <= cap) }
            }
            #expect(result.removedTokens >= 0)
        }
    }
}
