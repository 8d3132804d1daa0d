import Testing
import RouterPolicies

@Suite("TaskClassifier")
struct ClassifierTests {
    /// Rules for common task types (test data: the library's defaults live in policies/default.yaml).
    static let rules: [TaskClassifierRule] = [
        TaskClassifierRule(task: "extraction", keywords: [
            "extract", "extraction", "pull out", "parse", "list all", "find all", "fields", "entities",
            "named entities", "as json", "into json", "structured data", "key value", "from this invoice",
            "from the following", "capture the",
        ]),
        TaskClassifierRule(task: "classification", keywords: [
            "classify", "classification", "categorize", "categorise", "category", "categories", "label",
            "labels", "sentiment", "positive or negative", "which category", "tag", "triage", "spam",
            "is this", "one of the following",
        ]),
        TaskClassifierRule(task: "summarization", keywords: [
            "summarize", "summarise", "summary", "summarization", "tl dr", "tldr", "condense", "key points",
            "main points", "in a few sentences", "brief overview", "recap", "abstract", "gist",
        ]),
        TaskClassifierRule(task: "code_review", keywords: [
            "review", "code review", "review this", "pull request", "pr", "diff", "feedback on my code",
            "bugs in", "find bugs", "code smell", "refactor", "improve this code", "best practices",
            "security issues", "lint",
        ]),
        TaskClassifierRule(task: "code_generation", keywords: [
            "write a function", "implement", "write code", "write a script", "generate code", "function that",
            "class that", "program that", "script that", "in python", "in swift", "in javascript",
            "in rust", "in go", "code snippet",
        ]),
        TaskClassifierRule(task: "translation", keywords: [
            "translate", "translation", "into french", "into german", "into spanish", "into english",
            "into japanese", "into chinese", "in french", "in german", "in spanish", "localize",
        ]),
        TaskClassifierRule(task: "math", keywords: [
            "solve", "equation", "calculate", "compute", "integral", "derivative", "prove", "theorem",
            "probability", "how many ways",
        ]),
        TaskClassifierRule(task: "creative_writing", keywords: [
            "write a story", "story", "poem", "haiku", "lyrics", "fiction", "creative", "character",
            "plot", "novel", "screenplay",
        ]),
        TaskClassifierRule(task: "question_answering", keywords: [
            "what is", "who is", "when did", "where is", "how does", "why is", "explain", "tell me about",
        ]),
    ]
    let classifier = TaskClassifier(rules: ClassifierTests.rules)

    @Test(arguments: [
        ("extraction", "Extract the invoice number, date and total from the following text and return them as JSON fields."),
        ("classification", "Classify this support ticket into one of the following categories: billing, outage, feature request."),
        ("summarization", "Summarize this article in a few sentences and list the key points."),
        ("code_review", "Please review this pull request diff and point out bugs and security issues."),
        ("code_generation", "Write a function in Python that implements binary search."),
        ("translation", "Translate this paragraph into French, keeping the formal tone."),
        ("creative_writing", "Write a short poem about autumn, then a haiku."),
    ])
    func picksTheLabelledTask(expected: String, text: String) {
        let result = classifier.classify(RoutingInput(text: text))
        #expect(result.task == expected, "\(result)")
        #expect(result.confidence >= 0.3)
        #expect(result.confidence <= 1)
        #expect(!result.evidence.isEmpty)
    }

    @Test func noEvidenceMeansNoTask() {
        let result = classifier.classify(RoutingInput(text: "Good morning!"))
        #expect(result.task == nil)
        #expect(result.confidence == 0)
    }

    @Test func confidenceFollowsTheMarginFormula() throws {
        let rules = [
            TaskClassifierRule(task: "a", keywords: ["alpha"]),
            TaskClassifierRule(task: "b", keywords: ["beta"], patterns: [try SafeRegex(#"b-\d+"#)], weight: 2),
        ]
        let classifier = TaskClassifier(rules: rules, minimumConfidence: 0.3)
        // a = 1, b = 2 × (1 keyword + 1 pattern) = 4 → 4/5 × 3/4 = 0.6
        let mixed = classifier.classify(RoutingInput(text: "alpha beta b-12"))
        #expect(mixed.task == "b")
        #expect(abs(mixed.confidence - 0.6) < 1e-12)
        #expect(mixed.evidence == ["beta", #"b-\d+"#])
        // A tie has no margin: confidence 0, no task.
        let tie = TaskClassifier(rules: [rules[0], TaskClassifierRule(task: "c", keywords: ["gamma"])])
            .classify(RoutingInput(text: "alpha gamma"))
        #expect(tie.task == nil)
        #expect(tie.confidence == 0)
        // One unopposed hit: 1/2 → above 0.3, below a stricter minimum.
        #expect(classifier.classify(RoutingInput(text: "alpha")).confidence == 0.5)
        #expect(TaskClassifier(rules: rules, minimumConfidence: 0.6).classify(RoutingInput(text: "alpha")).task == nil)
    }

    @Test func emptyRulesClassifyNothing() {
        #expect(TaskClassifier(rules: []).classify(RoutingInput(text: "summarize")).task == nil)
    }
}
