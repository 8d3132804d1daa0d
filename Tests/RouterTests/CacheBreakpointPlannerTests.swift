import ClaudeClient
import Foundation
import Router
import RouterPolicies
import Testing
import ClaudeRouterEval

/// The pure breakpoint placement: where breakpoints go, that a caller's own are never moved
/// or duplicated, and that a request never carries more than four.
@Suite("Cache breakpoint placement")
struct CacheBreakpointPlannerTests {
    static let long = String(repeating: "The contract's clause on liability applies to every party. ", count: 120) // ~1,800 tokens
    static let short = "Summarise the clause."

    static func markers(_ request: MessageRequest) -> Int { CacheBreakpointPlanner.callerBreakpoints(in: request) }

    @Test("a long system prompt gets a breakpoint; a short one is left alone (below the minimum)")
    func systemPrefix() {
        let policy = CachingPolicy(prefixes: [.system])
        let request = MessageRequest(model: "m", maxTokens: 10, messages: [.user(Self.short)], system: .text(Self.long))
        let (placed, plan) = CacheBreakpointPlanner.plan(request, policy: policy, minimumTokens: 1024, conversation: false)
        #expect(plan.placed.map(\.location) == ["system[0]"])
        #expect(plan.placed.first?.prefixTokens == (Self.long.utf8.count + 3) / 4)
        guard case .blocks(let blocks)? = placed.system else { Issue.record("system not turned into blocks"); return }
        #expect(blocks.count == 1 && blocks[0].text == Self.long && blocks[0].cacheControl == CacheControl(type: "ephemeral"))

        let (unchanged, none) = CacheBreakpointPlanner.plan(request, policy: policy, minimumTokens: 4096, conversation: false)
        #expect(none.placed.isEmpty)
        #expect(none.skipped.count == 1 && none.skipped[0].contains("< minimum 4096"))
        #expect(unchanged == request)
    }

    @Test("the 1-hour TTL is written on placed breakpoints; a disabled policy places nothing")
    func ttlAndDisabled() {
        let request = MessageRequest(model: "m", maxTokens: 10, messages: [.user(Self.short)], system: .text(Self.long))
        let (placed, _) = CacheBreakpointPlanner.plan(request, policy: CachingPolicy(ttl: .oneHour), minimumTokens: 512,
                                                      conversation: false)
        guard case .blocks(let blocks)? = placed.system else { Issue.record("no blocks"); return }
        #expect(blocks[0].cacheControl?.ttl == .oneHour)
        let (same, plan) = CacheBreakpointPlanner.plan(request, policy: CachingPolicy(enabled: false), minimumTokens: 1,
                                                       conversation: true)
        #expect(same == request && plan.placed.isEmpty)
    }

    @Test("a conversation's last block is marked so the next turn reads it; a one-off prompt is not")
    func conversationPrefix() {
        let messages: [MessageParam] = [.user(Self.long), .assistant("Noted."), .user(Self.short)]
        let request = MessageRequest(model: "m", maxTokens: 10, messages: messages)
        let policy = CachingPolicy(prefixes: [.conversation])
        let (_, plan) = CacheBreakpointPlanner.plan(request, policy: policy, minimumTokens: 1024, conversation: true)
        #expect(plan.placed.map(\.location) == ["messages[2].content[0]"])
        let (_, oneOff) = CacheBreakpointPlanner.plan(request, policy: policy, minimumTokens: 1024, conversation: false)
        #expect(oneOff.placed.isEmpty)
    }

    @Test("a long document is marked on its own; thinking blocks are never marked")
    func documentsAndThinking() {
        let document = ContentBlock.document(.plainText(Self.long, title: "contract"))
        let request = MessageRequest(model: "m", maxTokens: 10, messages: [
            MessageParam(role: .user, content: [document, .text(Self.short)]),
            MessageParam(role: .assistant, content: [.thinking(ThinkingBlock(thinking: Self.long))]),
        ])
        let (placed, plan) = CacheBreakpointPlanner.plan(request, policy: CachingPolicy(prefixes: [.documents, .conversation]),
                                                         minimumTokens: 1024, conversation: true)
        #expect(Set(plan.placed.map(\.location)) == ["messages[0].content[0]", "messages[0].content[1]"])
        if case .thinking = placed.messages[1].content[0] {} else { Issue.record("thinking block changed") }
    }

    @Test("caller breakpoints stay where they are and count toward the four")
    func callerMarkersKept() {
        var tools: [Tool] = []
        for index in 0..<3 {
            tools.append(Tool(name: "tool\(index)", description: Self.long, inputSchema: ["type": "object"],
                              cacheControl: index < 2 ? .ephemeral : nil))
        }
        let system = SystemPrompt.blocks([TextBlock(text: Self.long, cacheControl: .ephemeral), TextBlock(text: Self.long)])
        let request = MessageRequest(model: "m", maxTokens: 10, messages: [.user(Self.long), .assistant("ok"), .user(Self.long)],
                                     system: system, tools: tools)
        #expect(Self.markers(request) == 3)
        let (placed, plan) = CacheBreakpointPlanner.plan(request, policy: CachingPolicy(), minimumTokens: 10, conversation: true)
        #expect(plan.callerBreakpoints == 3)
        #expect(plan.placed.count == 1)
        #expect(Self.markers(placed) == 4)
        #expect(placed.tools?[0].cacheControl == .ephemeral && placed.tools?[1].cacheControl == .ephemeral)
        guard case .blocks(let blocks)? = placed.system else { Issue.record("no blocks"); return }
        #expect(blocks[0].cacheControl == .ephemeral)
        #expect(!plan.skipped.isEmpty)
    }

    @Test("four caller breakpoints: nothing is added")
    func fullAlready() {
        let blocks = (0..<4).map { _ in ContentBlock.text(Self.long, cacheControl: .ephemeral) }
        let request = MessageRequest(model: "m", maxTokens: 10, messages: [MessageParam(role: .user, content: blocks)],
                                     system: .text(Self.long))
        let (placed, plan) = CacheBreakpointPlanner.plan(request, policy: CachingPolicy(), minimumTokens: 1, conversation: true)
        #expect(placed == request && plan.placed.isEmpty)
    }

    static func randomRequest(_ g: inout SeededGenerator) -> MessageRequest {
        func text() -> String { String(repeating: "word ", count: Int.random(in: 0...3000, using: &g)) }
        func marker() -> CacheControl? { Int.random(in: 0..<5, using: &g) == 0 ? .ephemeral : nil }
        func block() -> ContentBlock {
            switch Int.random(in: 0..<6, using: &g) {
            case 0: return .document(DocumentBlock(source: ["type": "text", "media_type": "text/plain", "data": .string(text())],
                                                   cacheControl: marker()))
            case 1: return .toolResult(ToolResultBlock(toolUseID: "t", content: .string(text()), cacheControl: marker()))
            case 2: return .thinking(ThinkingBlock(thinking: text()))
            case 3: return .image(ImageBlock(source: .url("https://example.com/a.png"), cacheControl: marker()))
            default: return .text(text(), cacheControl: marker())
            }
        }
        let tools = (0..<Int.random(in: 0...3, using: &g)).map {
            Tool(name: "t\($0)", description: text(), inputSchema: ["type": "object"], cacheControl: marker())
        }
        let system: SystemPrompt? = switch Int.random(in: 0..<3, using: &g) {
        case 0: nil
        case 1: .text(text())
        default: .blocks((0..<Int.random(in: 1...3, using: &g)).map { _ in TextBlock(text: text(), cacheControl: marker()) })
        }
        let messages = (0..<Int.random(in: 1...6, using: &g)).map { index in
            MessageParam(role: index % 2 == 0 ? .user : .assistant,
                         content: (0..<Int.random(in: 1...3, using: &g)).map { _ in block() })
        }
        return MessageRequest(model: "m", maxTokens: 10, messages: messages, system: system,
                              tools: tools.isEmpty ? nil : tools)
    }

    /// Every marker of the request with its place, to compare before and after.
    static func markerPlaces(_ request: MessageRequest) -> [String: CacheControl] {
        var places: [String: CacheControl] = [:]
        for (index, tool) in (request.tools ?? []).enumerated() { if let c = tool.cacheControl { places["tools[\(index)]"] = c } }
        if case .blocks(let blocks)? = request.system {
            for (index, block) in blocks.enumerated() { if let c = block.cacheControl { places["system[\(index)]"] = c } }
        }
        for (m, message) in request.messages.enumerated() {
            for (b, block) in message.content.enumerated() {
                let control: CacheControl? = switch block {
                case .text(let x): x.cacheControl
                case .image(let x): x.cacheControl
                case .document(let x): x.cacheControl
                case .toolUse(let x): x.cacheControl
                case .toolResult(let x): x.cacheControl
                default: nil
                }
                if let control { places["messages[\(m)].content[\(b)]"] = control }
            }
        }
        return places
    }

    @Test("on 2,000 random request shapes: never more than four, the caller's markers untouched, content unchanged")
    func randomShapes() {
        var g = SeededGenerator(seed: 0xC0FFEE)
        for _ in 0..<2000 {
            let request = Self.randomRequest(&g)
            let minimum = [512, 1024, 2048, 4096].randomElement(using: &g) ?? 1024
            let policy = CachingPolicy(ttl: Bool.random(using: &g) ? .oneHour : .fiveMinutes)
            let (placed, plan) = CacheBreakpointPlanner.plan(request, policy: policy, minimumTokens: minimum,
                                                             conversation: Bool.random(using: &g))
            let before = Self.markerPlaces(request), after = Self.markerPlaces(placed)
            #expect(after.count <= max(4, before.count))
            #expect(after.count == before.count + plan.placed.count)
            for (place, control) in before { #expect(after[place] == control) }
            for breakpoint in plan.placed {
                #expect(before[breakpoint.location] == nil)
                #expect(breakpoint.prefixTokens >= minimum)
            }
            #expect(placed.messages.count == request.messages.count)
            #expect(placed.system?.plainText == request.system?.plainText)
            if plan.placed.isEmpty { #expect(placed == request) }
        }
    }
}
