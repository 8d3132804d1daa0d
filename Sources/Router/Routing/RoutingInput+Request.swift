import ClaudeClient
import RouterPolicies

extension RoutingInput {
    /// What the policy engine sees of a request: its text (system prompt and every text-bearing
    /// block), the shape of the conversation, and the caller's task and metadata.
    ///
    /// `metadata["user"]` defaults to the request's `metadata.user_id` so per-user budgets and
    /// variant assignment work without repeating it.
    init(request: MessageRequest, options: CallOptions) {
        var text = ""
        var images = 0
        var documents = 0
        if let system = request.system {
            text = system.plainText
        }
        for message in request.messages {
            for block in message.content {
                Self.collect(block, into: &text, images: &images, documents: &documents)
            }
        }
        var metadata = options.metadata
        if metadata["user"] == nil, let user = request.metadata?.userID {
            metadata["user"] = user
        }
        self.init(
            text: text, messageCount: request.messages.count, imageCount: images, documentCount: documents,
            toolCount: request.tools?.count ?? 0, task: options.task, metadata: metadata,
            requestedMaxTokens: request.maxTokens > 0 ? request.maxTokens : nil)
    }

    private static func collect(_ block: ContentBlock, into text: inout String, images: inout Int, documents: inout Int) {
        func append(_ piece: String) {
            if !text.isEmpty { text += "\n" }
            text += piece
        }
        switch block {
        case .text(let textBlock):
            append(textBlock.text)
        case .image:
            images += 1
        case .document(let document):
            documents += 1
            if let title = document.title { append(title) }
            if let context = document.context { append(context) }
            if case .object(let source) = document.source, case .string(let data)? = source["data"],
               case .string("text")? = source["type"] {
                append(data)
            }
        case .toolResult(let result):
            switch result.content {
            case .string(let value)?: append(value)
            case .blocks(let blocks)?:
                for inner in blocks { collect(inner, into: &text, images: &images, documents: &documents) }
            case nil: break
            }
        case .toolUse, .thinking, .redactedThinking, .unknown:
            break
        }
    }
}
