extension ComplexityConfiguration {
    /// The built-in signals. Weights are balanced so that no single vocabulary dominates: each
    /// expert domain (software, law, medicine, finance, science, mathematical proof) carries the
    /// same weight, so a contract question scores like a code question of the same depth.
    ///
    /// | signal | weight | full at |
    /// |---|---|---|
    /// | input_size | 1.5 | 8,000 estimated tokens |
    /// | code | 2 | 6 points (a fenced block is 3) |
    /// | reasoning | 2 | 3 markers (`step by step`, `prove`, `derive`, …) |
    /// | multi_step | 1 | 2 `first … then` sequences / numbered steps |
    /// | constraints | 1 | 6 constraints |
    /// | questions | 0.5 | 4 question marks |
    /// | law, medicine, finance, science, math_proof | 2 each | 4 domain terms |
    /// | attachments | 1 | 3 images or documents |
    /// | tools | 1 | 5 tool definitions |
    /// | conversation_depth | 0.5 | 12 further messages |
    public static let `default` = ComplexityConfiguration(signals: [
        ComplexitySignal(name: "input_size", weight: 1.5, kind: .inputSize(fullAtTokens: 8_000)),
        ComplexitySignal(name: "code", weight: 2, kind: .code(keywords: DefaultVocabulary.code, fullAt: 6)),
        ComplexitySignal(name: "reasoning", weight: 2, kind: .keywords(DefaultVocabulary.reasoning, fullAt: 3)),
        ComplexitySignal(name: "multi_step", weight: 1, kind: .patterns(DefaultVocabulary.multiStepPatterns, fullAt: 2)),
        ComplexitySignal(name: "constraints", weight: 1, kind: .constraints(fullAt: 6)),
        ComplexitySignal(name: "questions", weight: 0.5, kind: .questions(fullAt: 4)),
        ComplexitySignal(name: "law", weight: 2, kind: .keywords(DefaultVocabulary.law, fullAt: 4)),
        ComplexitySignal(name: "medicine", weight: 2, kind: .keywords(DefaultVocabulary.medicine, fullAt: 4)),
        ComplexitySignal(name: "finance", weight: 2, kind: .keywords(DefaultVocabulary.finance, fullAt: 4)),
        ComplexitySignal(name: "science", weight: 2, kind: .keywords(DefaultVocabulary.science, fullAt: 4)),
        ComplexitySignal(name: "math_proof", weight: 2, kind: .keywords(DefaultVocabulary.mathProof, fullAt: 4)),
        ComplexitySignal(name: "attachments", weight: 1, kind: .attachments(fullAt: 3)),
        ComplexitySignal(name: "tools", weight: 1, kind: .tools(fullAt: 5)),
        ComplexitySignal(name: "conversation_depth", weight: 0.5, kind: .conversationDepth(fullAt: 12)),
    ])
}

/// The default keyword lists, public so a policy can extend rather than replace them.
public enum DefaultVocabulary {
    /// Programming vocabulary for the `code` signal.
    public static let code: [String] = [
        "function", "func", "def", "class", "struct", "enum", "return", "async", "await", "lambda",
        "const", "var", "import", "public", "private", "static", "void", "int", "string",
        "boolean", "null", "nil", "undefined", "exception", "stack trace", "traceback", "segfault",
        "compile", "compiler", "runtime", "refactor", "regex", "sql", "select from", "api", "endpoint",
        "json", "yaml", "http", "git", "docker", "kubernetes", "python", "javascript", "typescript",
        "swift", "rust", "golang", "java", "kotlin", "csharp", "cpp", "bash", "unit test", "debug",
        "bug", "algorithm", "data structure", "big o", "recursion", "thread", "mutex", "race condition",
        "deadlock", "memory leak", "pointer", "database", "schema", "query",
    ]
    /// Reasoning markers for the `reasoning` signal.
    public static let reasoning: [String] = [
        "step by step", "prove", "proof", "derive", "derivation", "reason", "reasoning", "justify",
        "explain why", "why does", "analyze", "analyse", "analysis", "trade off", "trade offs",
        "compare", "contrast", "evaluate", "critique", "implications", "pros and cons",
        "think through", "walk me through", "root cause", "what if", "counterexample",
        "edge cases", "optimize", "optimise", "design", "architecture", "strategy",
    ]
    /// `first … then` sequences and numbered steps for the `multi_step` signal.
    public static let multiStepPatterns: [SafeRegex] = [
        // Statically valid patterns: `try?` cannot fail here; compactMap keeps this crash-free.
        try? SafeRegex(#"\bfirst\b[^.?!\n]*\bthen\b"#),
        try? SafeRegex(#"^[ \t]*(step[ \t]*)?\d{1,2}[.):][ \t]"#),
    ].compactMap { $0 }
    /// Legal vocabulary for the `law` signal.
    public static let law: [String] = [
        "contract", "clause", "liability", "indemnify", "indemnification", "tort", "statute",
        "jurisdiction", "plaintiff", "defendant", "litigation", "lawsuit", "court", "appeal",
        "precedent", "case law", "breach", "damages", "negligence", "warranty", "intellectual property",
        "copyright", "trademark", "patent", "gdpr", "compliance", "regulation", "regulatory",
        "attorney", "counsel", "legal", "lawful", "unlawful", "arbitration", "injunction",
        "non compete", "nda", "terms of service", "force majeure", "due diligence", "fiduciary",
    ]
    /// Medical vocabulary for the `medicine` signal.
    public static let medicine: [String] = [
        "diagnosis", "diagnose", "differential diagnosis", "symptom", "symptoms", "patient", "clinical",
        "treatment", "therapy", "dosage", "dose", "mg", "contraindication", "contraindications",
        "prognosis", "pathology", "etiology", "comorbidity", "comorbidities", "pharmacology",
        "drug interaction", "side effects", "adverse", "chronic", "acute", "syndrome", "disease",
        "infection", "oncology", "tumor", "cardiology", "cardiac", "insulin", "diabetes",
        "hypertension", "antibiotic", "antibiotics", "mri", "ct scan", "biopsy", "icd 10", "triage",
    ]
    /// Finance vocabulary for the `finance` signal.
    public static let finance: [String] = [
        "portfolio", "valuation", "dcf", "discounted cash flow", "npv", "irr", "ebitda", "revenue",
        "balance sheet", "income statement", "cash flow", "amortization", "depreciation", "equity",
        "derivatives", "hedge", "hedging", "option pricing", "black scholes", "volatility", "yield",
        "bond", "bonds", "interest rate", "inflation", "capital gains", "tax", "audit", "accrual",
        "gaap", "ifrs", "liquidity", "leverage", "arbitrage", "dividend", "securities", "risk premium",
        "wacc", "sharpe ratio", "annuity", "mortgage",
    ]
    /// Natural-science vocabulary for the `science` signal.
    public static let science: [String] = [
        "hypothesis", "experiment", "experimental", "quantum", "thermodynamics", "entropy",
        "molecule", "molecular", "protein", "enzyme", "genome", "gene", "dna", "rna", "cell",
        "photosynthesis", "electron", "photon", "relativity", "momentum", "kinetic", "reaction",
        "catalyst", "isotope", "wavelength", "spectroscopy", "statistical significance", "p value",
        "regression", "variance", "standard deviation", "confidence interval", "peer review",
        "control group", "evolution", "ecosystem", "climate", "astrophysics", "neuroscience",
    ]
    /// Mathematical-proof vocabulary for the `math_proof` signal.
    public static let mathProof: [String] = [
        "theorem", "lemma", "corollary", "proof", "prove that", "show that", "by induction",
        "induction", "contradiction", "qed", "axiom", "conjecture", "integral", "derivative",
        "eigenvalue", "eigenvector", "matrix", "polynomial", "prime", "modulo", "isomorphism",
        "homomorphism", "topology", "manifold", "converge", "convergence", "bijection", "injective",
        "surjective", "combinatorics", "probability", "if and only if", "iff", "epsilon delta",
        "limit", "differential equation",
    ]
}
