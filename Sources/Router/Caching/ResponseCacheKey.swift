import ClaudeClient
import Foundation
import RouterPolicies

/// The exact-match key of a response-cache entry: SHA-256 of the normalised request.
///
/// Normalised means: only what can change the answer, encoded as JSON with sorted keys — the
/// caller's model (`auto` or a named one) and `max_tokens`, system, messages, tools, tool choice,
/// thinking, stop sequences and sampling parameters — plus the task, the policy's content hash
/// (an edited policy starts a fresh cache) and the partition (`key=value`, e.g. `user=alice`),
/// so one partition's answer is never served to another. Metadata other than the partition
/// key, `stream`, and the caller's raw JSON bytes are left out.
struct ResponseCacheKey: Encodable {
    let format = 1
    let task: String
    let policyHash: String
    let partition: String?
    let model: String
    let maxTokens: Int
    let system: SystemPrompt?
    let messages: [MessageParam]
    let tools: [Tool]?
    let toolChoice: ToolChoice?
    let thinking: ThinkingConfig?
    let stopSequences: [String]?
    let temperature: Double?
    let topP: Double?
    let topK: Int?

    init(request: MessageRequest, task: String, policyHash: String, partition: String?) {
        self.task = task
        self.policyHash = policyHash
        self.partition = partition
        model = request.model.trimmingCharacters(in: .whitespaces)
        maxTokens = request.maxTokens
        system = request.system
        messages = request.messages
        tools = request.tools
        toolChoice = request.toolChoice
        thinking = request.thinking
        stopSequences = request.stopSequences
        temperature = request.temperature
        topP = request.topP
        topK = request.topK
    }

    /// 64 lowercase hex digits; `nil` only when the request cannot be encoded.
    var digest: String? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        guard let bytes = try? encoder.encode(self) else { return nil }
        return SHA256.hex(of: bytes)
    }
}
