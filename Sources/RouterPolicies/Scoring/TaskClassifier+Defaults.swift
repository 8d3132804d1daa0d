extension TaskClassifier {
    /// Built-in rules for common task types, used when a policy has no `classifier:` section.
    /// Tasks: `extraction`, `classification`, `summarization`, `code_review`, `code_generation`,
    /// `translation`, `math`, `creative_writing`, `question_answering`.
    public static let defaultRules: [TaskClassifierRule] = [
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
}
