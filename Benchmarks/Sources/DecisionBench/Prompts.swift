/// Realistic prompts of three sizes, built deterministically.
enum Prompts {
    static let paragraphs = [
        "Our customer reported that the export job fails when the CSV has more than 10,000 rows. ",
        "Review the indemnification clause and the limitation of liability in the attached contract; ",
        "the patient is 54, with type 2 diabetes and hypertension, and asks about dosage changes. ",
        "We need a DCF valuation with a WACC of 8% and compare it to the EBITDA multiple of peers. ",
        "Please summarize the meeting notes below and list the key decisions and open questions. ",
        "```swift\nfunc load(_ url: URL) async throws -> Data {\n    let (data, _) = try await session.data(from: url)\n    return data\n}\n```\n",
        "First reproduce the issue, then bisect the commits, and finally write a regression test. ",
        "- The answer must be under 300 words.\n- It should not include internal names.\n",
        "Can you explain why the experiment's control group shows a higher variance than expected? ",
        "The quarterly revenue grew while the operating margin shrank because of higher input costs. ",
    ]

    /// About `tokens` tokens (~4 characters each) of mixed prose, code and requirements.
    static func prompt(tokens: Int) -> String {
        var text = ""
        var index = 0
        while text.utf8.count < tokens * 4 {
            text += paragraphs[index % paragraphs.count]
            index += 1
        }
        return text
    }

    static let short = "Summarize this email in two sentences: the launch moved to Friday because QA found a crash."
}
