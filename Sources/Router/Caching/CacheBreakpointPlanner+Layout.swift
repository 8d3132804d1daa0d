import ClaudeClient
import Foundation

extension CacheBreakpointPlanner {
    /// A request flattened into the API's cache order (tools, system, messages), each position
    /// with its own estimated size and the size of the prefix that ends with it.
    struct Layout {
        enum Section { case tool, system, message }

        struct Slot {
            var section: Section
            /// Tool index, system block index, or message index.
            var index: Int
            /// Block index within the message (0 for tools and system blocks).
            var block: Int
            var ownTokens: Int
            var prefixTokens: Int
            /// Whether the API accepts `cache_control` on this block (not on thinking blocks).
            var markable: Bool
            var hasMarker: Bool
            /// A document, or a text or tool-result block in a user turn.
            var isLongContent: Bool

            var blockLocation: OriginalRequestJSON.BlockLocation {
                switch section {
                case .tool: .tool(index)
                case .system: .system(index)
                case .message: .message(index, block: block)
                }
            }

            var location: String {
                switch section {
                case .tool: "tools[\(index)]"
                case .system: "system[\(index)]"
                case .message: "messages[\(index)].content[\(block)]"
                }
            }
        }

        var slots: [Slot] = []

        init(_ request: MessageRequest) {
            var total = 0
            func add(_ section: Section, _ index: Int, _ block: Int, tokens: Int, markable: Bool, marked: Bool,
                     long: Bool) {
                total += tokens
                slots.append(Slot(section: section, index: index, block: block, ownTokens: tokens, prefixTokens: total,
                                  markable: markable, hasMarker: marked, isLongContent: long))
            }
            for (index, tool) in (request.tools ?? []).enumerated() {
                let bytes = (try? JSONEncoder().encode(tool).count) ?? tool.name.utf8.count
                add(.tool, index, 0, tokens: Self.tokens(bytes: bytes), markable: true, marked: tool.cacheControl != nil,
                    long: false)
            }
            switch request.system {
            case .text(let text)?:
                add(.system, 0, 0, tokens: Self.tokens(bytes: text.utf8.count), markable: true, marked: false, long: false)
            case .blocks(let blocks)?:
                for (index, block) in blocks.enumerated() {
                    add(.system, index, 0, tokens: Self.tokens(bytes: block.text.utf8.count), markable: true,
                        marked: block.cacheControl != nil, long: false)
                }
            case nil: break
            }
            for (index, message) in request.messages.enumerated() {
                for (blockIndex, block) in message.content.enumerated() {
                    let long: Bool
                    switch block {
                    case .document: long = true
                    case .text, .toolResult: long = message.role == .user
                    default: long = false
                    }
                    add(.message, index, blockIndex, tokens: Self.tokens(of: block), markable: Self.markable(block),
                        marked: Self.ownMarker(block), long: long)
                }
            }
        }

        func indices(of section: Section) -> [Int] {
            slots.indices.filter { slots[$0].section == section }
        }

        /// Sets `control` on the slot's block in `request` (a string system prompt becomes one text block).
        func mark(_ slot: Slot, with control: CacheControl, in request: inout MessageRequest) {
            switch slot.section {
            case .tool:
                request.tools?[slot.index].cacheControl = control
            case .system:
                switch request.system {
                case .text(let text)?: request.system = .blocks([TextBlock(text: text, cacheControl: control)])
                case .blocks(var blocks)?:
                    blocks[slot.index].cacheControl = control
                    request.system = .blocks(blocks)
                case nil: break
                }
            case .message:
                var block = request.messages[slot.index].content[slot.block]
                switch block {
                case .text(var b): b.cacheControl = control; block = .text(b)
                case .image(var b): b.cacheControl = control; block = .image(b)
                case .document(var b): b.cacheControl = control; block = .document(b)
                case .toolUse(var b): b.cacheControl = control; block = .toolUse(b)
                case .toolResult(var b): b.cacheControl = control; block = .toolResult(b)
                case .thinking, .redactedThinking, .unknown: return
                }
                request.messages[slot.index].content[slot.block] = block
            }
        }

        /// ~4 bytes of text per token, rounded up (docs/ANTHROPIC-API.md's rule of thumb, the
        /// same estimate the policy engine uses).
        static func tokens(bytes: Int) -> Int { (bytes + 3) / 4 }

        /// An image counts a typical ~1,600 tokens (a ~1.15-megapixel image; the API's own
        /// count depends on its size, which the router does not decode).
        static let imageTokens = 1600

        static func tokens(of block: ContentBlock) -> Int {
            switch block {
            case .text(let b): return tokens(bytes: b.text.utf8.count)
            case .image: return imageTokens
            case .document(let b):
                let data = b.source["data"]?.stringValue?.utf8.count ?? 0
                return tokens(bytes: data + (b.title?.utf8.count ?? 0) + (b.context?.utf8.count ?? 0))
            case .toolUse(let b): return tokens(bytes: (try? JSONEncoder().encode(b.input).count) ?? 0)
            case .toolResult(let b):
                switch b.content {
                case .string(let text)?: return tokens(bytes: text.utf8.count)
                case .blocks(let inner)?: return inner.map(tokens(of:)).reduce(0, +)
                case nil: return 0
                }
            case .thinking(let b): return tokens(bytes: b.thinking.utf8.count)
            case .redactedThinking(let b): return tokens(bytes: b.data.utf8.count)
            case .unknown: return 0
            }
        }

        static func markable(_ block: ContentBlock) -> Bool {
            switch block {
            case .text, .image, .document, .toolUse, .toolResult: true
            case .thinking, .redactedThinking, .unknown: false
            }
        }

        /// Whether the block itself (not only a block nested in it) carries a marker.
        static func ownMarker(_ block: ContentBlock) -> Bool {
            switch block {
            case .text(let b): b.cacheControl != nil
            case .image(let b): b.cacheControl != nil
            case .document(let b): b.cacheControl != nil
            case .toolUse(let b): b.cacheControl != nil
            case .toolResult(let b): b.cacheControl != nil
            case .thinking, .redactedThinking, .unknown: false
            }
        }
    }
}
