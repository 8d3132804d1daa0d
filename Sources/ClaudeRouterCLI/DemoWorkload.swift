import ClaudeRouterEval
import RouterPolicies

/// The demo's sample workload, built into the binary so `claude-router demo` works from any
/// directory. A mix a product team might send in an hour. One request asks for JSON and is
/// checked with `ResponseCheck.jsonValid`; its prompt carries a mock directive (`[[mock: …]]`,
/// understood only by the local mock) under which only Sonnet and Opus answer in JSON, so the
/// cheapest tier fails the check and the demo shows an escalation with its real cost. The real
/// API would treat the directive as text.
enum DemoWorkload {
    struct Item {
        var id: String
        var task: String?
        var prompt: String
        var user: String
        var expectedOutputTokens: Int
        /// The reply must be JSON (the ModelRouter escalates when it is not).
        var requiresJSON = false
    }

    static let items: [Item] = [
        Item(id: "ticket-triage", task: "classification", prompt: "Classify this support ticket as billing, technical or account: \"I was charged twice for March.\"", user: "alice", expectedOutputTokens: 3),
        Item(id: "review-sentiment", task: "classification", prompt: "Label the sentiment of this review as positive, negative or neutral: \"Setup took five minutes and it just works.\"", user: "bob", expectedOutputTokens: 2),
        Item(id: "invoice-json", task: "extraction", prompt: "Extract invoice number, date and total as JSON from: \"INVOICE #INV-2291, issued 3 March 2026, total €1,240.50\"", user: "alice", expectedOutputTokens: 40),
        Item(id: "log-errors", task: "extraction", prompt: "List all HTTP error status codes in this log: GET /a 200, POST /b 502, GET /c 404, GET /d 200", user: "carol", expectedOutputTokens: 10),
        Item(id: "csv-table", task: "formatting", prompt: "Reformat as a Markdown table: name,role\nAda,Engineer\nGrace,Manager", user: "bob", expectedOutputTokens: 40),
        Item(id: "meeting-tldr", task: "summarization", prompt: "Summarize in two bullets: the release slips to 12 June because of the payments bug; QA needs two days after the fix; dark mode is dropped.", user: "dave", expectedOutputTokens: 60),
        Item(id: "capital", task: nil, prompt: "What is the capital of Australia?", user: "erin", expectedOutputTokens: 10),
        Item(id: "http-429", task: "qa", prompt: "In one sentence, what does HTTP 429 mean and what should a client do?", user: "carol", expectedOutputTokens: 40),
        Item(id: "release-email", task: "generation", prompt: "Write a short customer email announcing PDF export in version 4.2 of our invoicing app.", user: "dave", expectedOutputTokens: 150),
        Item(id: "sql-review", task: "code-review", prompt: "Review this code for security problems:\n```python\ncur.execute(\"SELECT * FROM users WHERE name = '\" + name + \"'\")\n```", user: "erin", expectedOutputTokens: 200),
        Item(id: "contract-clause", task: nil, prompt: "Does the liability cap in this contract clause apply to indemnification for third-party IP claims? \"Except for indemnification obligations under Section 10, liability shall not exceed fees paid in the prior twelve months.\" Consider jurisdiction and statute.", user: "frank", expectedOutputTokens: 150),
        Item(id: "proof", task: "reasoning", prompt: "Prove by induction that 1 + 2 + … + n = n(n+1)/2.", user: "frank", expectedOutputTokens: 300),
        Item(id: "order-json-escalates", task: "extraction", prompt: "Return JSON with the order id and amount from: \"Order A-7731 for $84.20 shipped Tuesday\" [[mock: json models=sonnet,opus]]", user: "alice", expectedOutputTokens: 30, requiresJSON: true),
        Item(id: "label-intent", task: "classification", prompt: "Categorize the intent of: \"How do I change my plan?\" as one of cancel, change_plan, billing_question.", user: "bob", expectedOutputTokens: 3),
    ]

    /// The workload as an eval suite, for the dry-run A/B.
    static var suite: EvalSuite {
        EvalSuite(name: "demo", files: ["<built-in demo workload>"], cases: items.map { item in
            EvalCase(id: item.id, task: item.task, messages: [FixtureMessage(role: "user", text: item.prompt)],
                     metadata: ["user": item.user], expectedOutputTokens: item.expectedOutputTokens,
                     mark: .wholeFile("<built-in demo workload>"))
        })
    }
}
