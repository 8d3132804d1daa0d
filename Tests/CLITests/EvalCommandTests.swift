import Foundation
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif

/// `eval --dry-run` through the real binary: the offline path of the demo and README.
@Suite("CLI: eval")
struct EvalCommandTests {
    let defaultPolicy = CLIHarness.path("policies/default.yaml")
    let alternative = CLIHarness.path("policies/examples/ab-alternative.yaml")

    @Test("Dry-run A/B on the starter suite: table, verdict, exit 0")
    func dryRunTable() throws {
        let result = try CLIHarness.run(["eval", "--fixtures", "evals", "--policy", defaultPolicy,
                                         "--policy", alternative, "--dry-run", "--resamples", "1000"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("DRY RUN"))
        #expect(result.stdout.contains("A/B vs default"))
        #expect(result.stdout.contains("ab-alternative "))
        // Every starter case has a content check a dry run cannot judge: no pass-rate claim.
        #expect(result.stdout.contains("vs default; pass rates not compared (no case judged under both)"))
        // No progress bar: stderr is not a terminal here.
        #expect(result.stderr.isEmpty)
    }

    @Test("Dry-run JSON is deterministic for a fixed seed")
    func dryRunJSON() throws {
        let arguments = ["eval", "--fixtures", "evals/starter.yaml", "--policy", defaultPolicy, "--policy", alternative,
                         "--dry-run", "--format", "json", "--resamples", "500", "--seed", "11"]
        let first = try CLIHarness.run(arguments), second = try CLIHarness.run(arguments)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout == second.stdout)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any])
        let variants = try #require(object["variants"] as? [[String: Any]])
        #expect(variants.map { $0["name"] as? String } == ["default", "ab-alternative"])
        #expect((object["comparisons"] as? [Any])?.count == 1)
        #expect(object["dry_run"] as? Bool == true)
        #expect(((object["case_ids"] as? [Any])?.count ?? 0) >= 40)
        // No call was made: no answers, and no API named as their source.
        #expect(object["answers"] as? Int == 0)
        #expect(object["answers_source"] as? String == "none (dry run: no calls were made)")
    }

    @Test("--case and --tag select cases; an unknown case id or a tag nothing carries is a data error")
    func caseAndTagFilters() throws {
        let one = try CLIHarness.run(["eval", "--fixtures", "evals/starter.yaml", "--policy", defaultPolicy, "--dry-run",
                                      "--format", "json", "--case", "sentiment-positive"])
        #expect(one.status == 0, "\(one.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(one.stdout.utf8)) as? [String: Any])
        #expect(object["case_ids"] as? [String] == ["sentiment-positive"])
        let tagged = try CLIHarness.run(["eval", "--fixtures", "evals/starter.yaml", "--policy", defaultPolicy, "--dry-run",
                                         "--format", "json", "--tag", "sentiment"])
        let ids = try #require((try JSONSerialization.jsonObject(with: Data(tagged.stdout.utf8)) as? [String: Any])?["case_ids"] as? [String])
        #expect(ids.count >= 2 && ids.allSatisfy { $0.hasPrefix("sentiment") })
        let unknown = try CLIHarness.run(["eval", "--fixtures", "evals/starter.yaml", "--policy", defaultPolicy, "--dry-run",
                                          "--case", "no-such-case"])
        #expect(unknown.status == 65 && unknown.stderr.contains("no case 'no-such-case'"))
        let none = try CLIHarness.run(["eval", "--fixtures", "evals/starter.yaml", "--policy", defaultPolicy, "--dry-run",
                                       "--tag", "no-such-tag"])
        #expect(none.status == 65 && none.stderr.contains("matches --tag no-such-tag"))
    }

    @Test("HTML report: one well-formed, self-contained page")
    func html() throws {
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("report.html").path
        let result = try CLIHarness.run(["eval", "--fixtures", "evals", "--policy", defaultPolicy, "--policy", alternative,
                                         "--dry-run", "--format", "html", "--output", output, "--resamples", "500"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("wrote html report to \(output)"))
        let page = try String(contentsOfFile: output, encoding: .utf8)
        #expect(page.hasPrefix("<!DOCTYPE html>"))
        #expect(page.contains("<svg") && page.contains("<style>"))
        // No external assets: the only URL is the SVG namespace name, which is never fetched;
        // the one script is inline (the case filters).
        #expect(page.components(separatedBy: "<script").count == 2 && !page.contains("<script src"))
        #expect(!page.contains("<link") && !page.contains("src=")
            && !page.contains("href=") && !page.contains("url(") && !page.contains("@import"))
        #if canImport(FoundationXML) || canImport(Darwin)
        // XHTML-style output parses as XML: every element closed, every attribute quoted.
        let body = page.replacingOccurrences(of: "<!DOCTYPE html>", with: "")
        let document = try XMLDocument(xmlString: body, options: [])
        #expect(document.rootElement()?.name == "html")
        #endif
    }

    @Test("Markdown report written to a file")
    func markdown() throws {
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("r.md").path
        let result = try CLIHarness.run(["eval", "--fixtures", "evals", "--policy", defaultPolicy, "--policy", alternative,
                                         "--dry-run", "--format", "markdown", "--output", output, "--resamples", "300"])
        #expect(result.status == 0, "\(result.stderr)")
        let text = try String(contentsOfFile: output, encoding: .utf8)
        #expect(text.hasPrefix("# Eval starter"))
        #expect(text.contains("| variant | pass |"))
        #expect(text.contains("## A/B verdicts"))
    }

    @Test("A failed check exits 1 and is listed")
    func failedCheck() throws {
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("f.yaml").path
        try """
        cases:
          - id: must-be-opus
            task: classification
            prompt: Classify this as spam or ham.
            checks:
              - expected_tier: opus
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try CLIHarness.run(["eval", "--fixtures", file, "--policy", defaultPolicy, "--dry-run"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("[default] must-be-opus: expected_tier: routed to 'haiku', expected 'opus'"))
    }

    @Test("A bad fixture is reported at FILE:LINE:COLUMN with a caret; exit 65")
    func badFixture() throws {
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("bad.yaml").path
        try """
        cases:
          - id: a
            prompt: hello
            checks:
              - containz: hello
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try CLIHarness.run(["eval", "--fixtures", file, "--policy", defaultPolicy, "--dry-run"])
        #expect(result.status == 65)
        #expect(result.stderr == """
        \(file):5:9: error: unknown check kind 'containz'; did you mean 'contains'?
              - containz: hello
                ^

        """)
    }
}
