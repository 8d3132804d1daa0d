/// `GET /v1/models` and `GET /v1/models/{id}`.
extension MockResponder {
    /// The models of docs/ANTHROPIC-API.md's price table, newest first (the API's list order).
    /// `created_at` dates are the mock's own fixed values, not release dates.
    static let models: [(id: String, name: String, created: String)] = [
        ("claude-opus-5-5", "Claude Opus 5.5", "2026-10-21T00:00:00Z"),
        ("claude-sonnet-5-5", "Claude Sonnet 5.5", "2026-09-30T00:00:00Z"),
        ("claude-haiku-5-5", "Claude Haiku 5.5", "2026-09-15T00:00:00Z"),
        ("claude-opus-5", "Claude Opus 5", "2026-06-01T00:00:00Z"),
        ("claude-sonnet-5", "Claude Sonnet 5", "2026-05-15T00:00:00Z"),
        ("claude-opus-4-8", "Claude Opus 4.8", "2026-03-01T00:00:00Z"),
        ("claude-opus-4-7", "Claude Opus 4.7", "2026-01-15T00:00:00Z"),
        ("claude-opus-4-6", "Claude Opus 4.6", "2025-12-01T00:00:00Z"),
        ("claude-sonnet-4-6", "Claude Sonnet 4.6", "2025-11-15T00:00:00Z"),
        ("claude-opus-4-5", "Claude Opus 4.5", "2025-11-01T00:00:00Z"),
        ("claude-haiku-4-5", "Claude Haiku 4.5", "2025-10-01T00:00:00Z"),
        ("claude-sonnet-4-5", "Claude Sonnet 4.5", "2025-09-29T00:00:00Z"),
    ]

    static func modelJSON(_ model: (id: String, name: String, created: String)) -> MockJSON {
        .object([
            ("type", "model"), ("id", .string(model.id)), ("display_name", .string(model.name)),
            ("created_at", .string(model.created)),
        ])
    }

    func listModels(query: [String: String]) throws(MockAPIError) -> MockReplyOutput {
        let ids = Self.models.map(\.id)
        let page = try Self.page(ids, query: query)
        let data = Self.models[page.range].map(Self.modelJSON)
        return MockReplyOutput(body: .json(Self.pageJSON(data: data, ids: Array(ids[page.range]), hasMore: page.hasMore)))
    }

    func retrieveModel(id: String) throws(MockAPIError) -> MockReplyOutput {
        guard let model = Self.models.first(where: { $0.id == id }) else {
            throw MockAPIError(status: 404, message: "model: \(id) (not known to the mock)")
        }
        return MockReplyOutput(body: .json(Self.modelJSON(model)))
    }
}
