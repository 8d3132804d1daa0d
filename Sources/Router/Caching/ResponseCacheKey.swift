import ClaudeClient
import Foundation
import RouterPolicies

/// The exact-match key of a response-cache entry: SHA-256 of the normalised request.
///
/// Normalised means: only what can change the answer, encoded as JSON with sorted keys — the
/// caller's model (`auto` or a named one) and `max_tokens`, system, messages, tools, tool choice,
/// thinking, stop sequences and sampling parameters — plus the task, the policy's content hash
/// (an edited policy starts a fresh cache) and the partition (`key=value`, e.g. `user=alice`),
/// so one partition's answer is never served to another. A request that carries the caller's
/// JSON (``MessageRequest/originalJSON``: the gateway forwards it upstream as sent) also keys on
/// every other top-level member of it as sent (instead of the decoded content, which it holds
/// whole), so a parameter the client does not model
/// (`output_format`, `mcp_servers`, `container`, newer ones) is never served another value's
/// answer; two spellings of the same JSON then miss each other, which is only a miss. A call's
/// own `anthropic-version` and beta names (``CallOptions/request``) are part of it when set.
/// `metadata` (other than the partition key), `stream` and `service_tier` are left out: they do
/// not change the answer.
struct ResponseCacheKey: Encodable {
    let format = 2
    let task: String
    let policyHash: String
    let partition: String?
    let model: String
    let maxTokens: Int
    // The decoded request's content: only when there is no caller JSON, which holds all of it as sent.
    let system: SystemPrompt?
    let messages: [MessageParam]?
    let tools: [Tool]?
    let toolChoice: ToolChoice?
    let thinking: ThinkingConfig?
    let stopSequences: [String]?
    let temperature: Double?
    let topP: Double?
    let topK: Int?
    /// The caller's other top-level members as sent (name → JSON text), when the request keeps its JSON.
    let original: [String: String]?

    /// The call's `anthropic-version`, `nil` when it is the client's.
    let apiVersion: String?
    /// The call's beta names, `nil` when none.
    let betas: [String]?

    /// Top-level members of the caller's JSON that the key leaves out or takes from the decoded request.
    static let modelledMembers: Set<String> = ["model", "max_tokens", "metadata", "stream", "service_tier"]

    init(request: MessageRequest, task: String, policyHash: String, partition: String?,
         requestOptions: AnthropicClient.RequestOptions = .init()) {
        apiVersion = requestOptions.apiVersion?.rawValue
        betas = requestOptions.betas.isEmpty ? nil : requestOptions.betas
        self.task = task
        self.policyHash = policyHash
        self.partition = partition
        model = request.model.trimmingCharacters(in: .whitespaces)
        maxTokens = request.maxTokens
        original = request.originalJSON?.topLevelValues(excluding: Self.modelledMembers)
        // The caller's JSON already carries system, messages, tools and the sampling parameters
        // as sent: encoding the decoded copies too would only repeat them (a long conversation's
        // messages twice per lookup).
        let decoded = original == nil
        system = decoded ? request.system : nil
        messages = decoded ? request.messages : nil
        tools = decoded ? request.tools : nil
        toolChoice = decoded ? request.toolChoice : nil
        thinking = decoded ? request.thinking : nil
        stopSequences = decoded ? request.stopSequences : nil
        temperature = decoded ? request.temperature : nil
        topP = decoded ? request.topP : nil
        topK = decoded ? request.topK : nil
    }

    /// 64 lowercase hex digits; `nil` only when the request cannot be encoded.
    var digest: String? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        guard let bytes = try? encoder.encode(self) else { return nil }
        return SHA256.hex(of: bytes)
    }
}
