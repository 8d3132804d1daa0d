public import ClaudeClient
import Foundation
public import RouterPolicies

/// Where the router put prompt-caching breakpoints on one request, and why.
public struct CachePlan: Sendable, Hashable {
    /// One breakpoint the router placed.
    public struct Breakpoint: Sendable, Hashable {
        /// The kind of prefix it ends.
        public var prefix: CachingPolicy.Prefix
        /// Where it sits: `tools[2]`, `system[0]`, `messages[3].content[1]`.
        public var location: String
        /// Estimated tokens of the whole prefix it caches (everything up to and including its block).
        public var prefixTokens: Int
        /// The block it sits on, for writing it into a caller's own JSON.
        var block: OriginalRequestJSON.BlockLocation? = nil
    }

    /// The breakpoints the router added, in request order.
    public var placed: [Breakpoint]
    /// `cache_control` markers the caller had already set (kept where they are, counted in the four).
    public var callerBreakpoints: Int
    /// The model's minimum cacheable prefix the plan was made for, in tokens.
    public var minimumTokens: Int
    /// The TTL written by the placed breakpoints.
    public var ttl: CachingPolicy.TTL
    /// Candidate prefixes left out: below the minimum, or no breakpoint left of the four.
    public var skipped: [String]

    /// Estimated tokens of the longest prefix a placed or caller breakpoint caches (0 when none).
    public var cachedPrefixTokens: Int
}

/// Places up to four `cache_control` breakpoints on a request's stable prefixes. Pure: the
/// same request, settings and minimum always give the same plan.
///
/// Rules (docs/ANTHROPIC-API.md "Prompt caching"): a caller's own breakpoints are never moved,
/// removed or duplicated and count toward the API's limit of four; a breakpoint is only placed
/// where the prefix it ends (tools, then system, then messages, in that order) is estimated at
/// or above the model's minimum cacheable length, since a shorter one is silently ignored and
/// would only waste one of the four. Candidates in priority order when slots run out: system,
/// conversation, documents (newest first), tools.
public enum CacheBreakpointPlanner {
    /// The request with the placed breakpoints, and the plan. A disabled policy returns the
    /// request unchanged with an empty plan.
    /// - Parameters:
    ///   - request: the request as the caller built it.
    ///   - policy: the `caching:` settings in force for the request's task.
    ///   - minimumTokens: the chosen model's minimum cacheable prefix (price book `min_cacheable_tokens`).
    ///   - conversation: whether the request belongs to a conversation whose next turn will
    ///     reuse this prefix (several messages, or a session key); a one-off prompt is not
    ///     written to the cache just in case.
    ///   - callerBreakpoints: the caller's own markers when more are known than the decoded
    ///     request shows (a gateway's raw body can carry them on blocks this client does not
    ///     model); the larger count is used.
    public static func plan(_ request: MessageRequest, policy: CachingPolicy, minimumTokens: Int,
                            conversation: Bool, callerBreakpoints known: Int? = nil)
        -> (request: MessageRequest, plan: CachePlan) {
        let callers = max(callerBreakpoints(in: request), known ?? 0)
        var plan = CachePlan(placed: [], callerBreakpoints: callers, minimumTokens: minimumTokens,
                             ttl: policy.ttl, skipped: [], cachedPrefixTokens: 0)
        let layout = Layout(request)
        plan.cachedPrefixTokens = layout.slots.filter(\.hasMarker).map(\.prefixTokens).max() ?? 0
        guard policy.enabled else { return (request, plan) }

        var candidates: [(prefix: CachingPolicy.Prefix, slot: Int)] = []
        func lastMarkable(_ range: [Int]) -> Int? { range.last { layout.slots[$0].markable } }
        if policy.prefixes.contains(.system), let slot = lastMarkable(layout.indices(of: .system)) {
            candidates.append((.system, slot))
        }
        if policy.prefixes.contains(.conversation), conversation, let slot = lastMarkable(layout.indices(of: .message)) {
            candidates.append((.conversation, slot))
        }
        if policy.prefixes.contains(.documents) {
            // A long block on its own (a document, a pasted file): stable across the turns that follow it.
            for slot in layout.indices(of: .message).reversed()
            where layout.slots[slot].markable && layout.slots[slot].ownTokens >= minimumTokens && layout.slots[slot].isLongContent {
                candidates.append((.documents, slot))
            }
        }
        if policy.prefixes.contains(.tools), let slot = lastMarkable(layout.indices(of: .tool)) {
            candidates.append((.tools, slot))
        }

        var free = max(0, CachingPolicy.maxBreakpoints - plan.callerBreakpoints)
        var chosen: [Int: CachingPolicy.Prefix] = [:]
        for candidate in candidates {
            let slot = layout.slots[candidate.slot]
            let name = "\(candidate.prefix.rawValue) at \(slot.location)"
            if chosen[candidate.slot] != nil || slot.hasMarker { continue }
            guard slot.prefixTokens >= minimumTokens else {
                plan.skipped.append("\(name): ~\(slot.prefixTokens) tokens < minimum \(minimumTokens)")
                continue
            }
            guard free > 0 else {
                plan.skipped.append("\(name): no breakpoint left of \(CachingPolicy.maxBreakpoints)")
                continue
            }
            chosen[candidate.slot] = candidate.prefix
            free -= 1
        }
        guard !chosen.isEmpty else { return (request, plan) }
        var result = request
        let control = CacheControl(ttl: policy.ttl == .oneHour ? .oneHour : nil)
        for slotIndex in chosen.keys.sorted() {
            let slot = layout.slots[slotIndex]
            layout.mark(slot, with: control, in: &result)
            plan.placed.append(.init(prefix: chosen[slotIndex] ?? .conversation, location: slot.location,
                                     prefixTokens: slot.prefixTokens, block: slot.blockLocation))
        }
        plan.cachedPrefixTokens = max(plan.cachedPrefixTokens, plan.placed.map(\.prefixTokens).max() ?? 0)
        return (result, plan)
    }

    /// Every `cache_control` marker already on the request (tools, system blocks, message blocks
    /// and blocks nested in tool results).
    public static func callerBreakpoints(in request: MessageRequest) -> Int {
        var count = request.tools?.filter { $0.cacheControl != nil }.count ?? 0
        if case .blocks(let blocks)? = request.system { count += blocks.filter { $0.cacheControl != nil }.count }
        for message in request.messages {
            for block in message.content { count += markers(in: block) }
        }
        return count
    }

    static func markers(in block: ContentBlock) -> Int {
        switch block {
        case .text(let b): return b.cacheControl == nil ? 0 : 1
        case .image(let b): return b.cacheControl == nil ? 0 : 1
        case .document(let b): return b.cacheControl == nil ? 0 : 1
        case .toolUse(let b): return b.cacheControl == nil ? 0 : 1
        case .toolResult(let b):
            var count = b.cacheControl == nil ? 0 : 1
            if case .blocks(let inner)? = b.content { count += inner.map(markers(in:)).reduce(0, +) }
            return count
        case .thinking, .redactedThinking, .unknown: return 0
        }
    }
}
