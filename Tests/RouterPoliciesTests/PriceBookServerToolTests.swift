import Foundation
import Testing
import RouterPolicies

/// `server_tools:` in a price file: per-use prices by `usage.server_tool_use` counter, exact,
/// dated, and never a silent $0 for an unlisted counter (docs/POLICY.md "Prices").
@Suite("PriceBook server tools")
struct PriceBookServerToolTests {
    static let day = ISO8601DateFormatter().date(from: "2026-06-01T00:00:00Z")!

    static func book(_ serverTools: String) throws -> PriceBook {
        try PriceBook.parse(yaml: """
            \(serverTools)
            models:
              m:
                prices:
                  - { effective_from: 2025-01-01, input: 1, cache_write_5m: 1.25, cache_write_1h: 2, cache_read: 0.1, output: 5 }
            """, file: "t.yaml")
    }

    @Test("the bundled book prices a web search at $0.01 and a web fetch at $0, exactly")
    func bundled() throws {
        let book = PriceBook.bundledDefault
        #expect(book.serverToolPrice("web_search_requests", at: Self.day) == USDAmount(picodollars: 10_000_000_000))
        #expect(book.serverToolPrice("web_fetch_requests", at: Self.day) == .zero)
        let usage = TokenUsage(input: 10, output: 7, serverToolUse: ["web_search_requests": 100, "web_fetch_requests": 4])
        let cost = try #require(book.cost(of: usage, model: "claude-haiku-4-5", at: Self.day))
        #expect(cost.serverTools == USDAmount(dollars: "1")!)
        #expect(cost.total == USDAmount(picodollars: 10 * 1_000_000 + 7 * 5_000_000) + USDAmount(dollars: "1")!)
        // Neither the batch discount nor the geo multiplier touches the per-use fee.
        let batch = try #require(book.cost(of: usage, model: "claude-haiku-4-5", at: Self.day, batch: true, inferenceGeo: "us"))
        #expect(batch.serverTools == USDAmount(dollars: "1")!)
    }

    @Test("a counter with uses but no price makes the cost unknown; a zero count does not")
    func unlisted() throws {
        let book = try Self.book("server_tools:\n  web_search_requests:\n    - { effective_from: 2025-01-01, usd_per_use: \"0.01\" }")
        #expect(book.cost(of: TokenUsage(input: 1, serverToolUse: ["code_execution_requests": 1]), model: "m", at: Self.day) == nil)
        #expect(book.cost(of: TokenUsage(input: 1, serverToolUse: ["code_execution_requests": 0]), model: "m", at: Self.day) != nil)
        #expect(book.serverToolCost(["web_search_requests": -1], at: Self.day) == nil)
        let none = try Self.book("")
        #expect(none.cost(of: TokenUsage(input: 1, serverToolUse: ["web_search_requests": 1]), model: "m", at: Self.day) == nil)
    }

    @Test("prices are dated: the entry in force at the record's time applies")
    func dated() throws {
        let book = try Self.book("""
            server_tools:
              web_search_requests:
                - { effective_from: 2025-01-01, usd_per_use: "0.01" }
                - { effective_from: 2026-07-01, usd_per_use: "0.02" }
            """)
        #expect(book.serverToolPrice("web_search_requests", at: Self.day) == USDAmount(dollars: "0.01")!)
        #expect(book.serverToolPrice("web_search_requests", at: Self.day + 86_400 * 60) == USDAmount(dollars: "0.02")!)
    }

    @Test("bad entries are errors with their line: negative, missing key, dates out of order")
    func errors() throws {
        for bad in [
            "server_tools:\n  web_search_requests:\n    - { effective_from: 2025-01-01, usd_per_use: \"-1\" }",
            "server_tools:\n  web_search_requests:\n    - { effective_from: 2025-01-01 }",
            "server_tools:\n  web_search_requests:\n    - { effective_from: 2026-01-01, usd_per_use: 1 }\n    - { effective_from: 2025-01-01, usd_per_use: 1 }",
            "server_tools:\n  web_search_requests: []",
        ] {
            #expect(throws: PolicyError.self, "\(bad)") { try Self.book(bad) }
        }
    }

    @Test("a CostBreakdown round-trips through JSON, and one encoded before server tools were priced reads as $0 of them")
    func breakdownDecodesOldJSON() throws {
        let cost = try #require(PriceBook.bundledDefault.cost(
            of: TokenUsage(input: 1000, output: 200, serverToolUse: ["web_search_requests": 3]), model: "claude-haiku-4-5", at: Date()))
        let data = try JSONEncoder().encode(cost)
        #expect(try JSONDecoder().decode(CostBreakdown.self, from: data) == cost)
        var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        object.removeValue(forKey: "serverTools")
        object["total"] = (object["total"] as? Int64 ?? 0) - cost.serverTools.picodollars
        let old = try JSONDecoder().decode(CostBreakdown.self, from: try JSONSerialization.data(withJSONObject: object))
        #expect(old.serverTools == .zero && old.input == cost.input && old.total == cost.total - cost.serverTools)
    }
}
