public import Logging

extension AnthropicClient {
    /// `GET /v1/models`: one page of available models, newest first.
    /// - Parameters:
    ///   - limit: items per page (API default 20, max 1000).
    ///   - beforeID: page backwards from this id.
    ///   - afterID: page forwards from this id (use the previous page's `lastID`).
    /// - Throws: `ClaudeError`.
    public func listModels(
        limit: Int? = nil, beforeID: String? = nil, afterID: String? = nil, logger: Logger? = nil
    ) async throws -> APIResponse<ModelPage> {
        try await send(
            Endpoint(
                method: .get, path: "/v1/models",
                query: Self.pageQuery(limit: limit, beforeID: beforeID, afterID: afterID)),
            as: ModelPage.self, logger: logger)
    }
}
