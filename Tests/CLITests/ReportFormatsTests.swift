import ClaudeMockServer
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

/// `report --format markdown|html|csv` and the byte-level `explain --jsonl` reader, through the
/// real binary.
@Suite("CLI: report formats and bulk explain")
struct ReportFormatsTests {
    let defaultPolicy = CLIHarness.path("policies/default.yaml")
    let key = ["ANTHROPIC_API_KEY": "test-key-not-real"]

    /// A ledger with a plain call, an escalated call (haiku → sonnet) and an unpriced call.
    func filledLedger(in directory: URL) async throws -> String {
        let ledger = directory.appendingPathComponent("ledger.sqlite").path
        try await MockAnthropicServer.withLoopbackServer { server in
            for (task, prompt) in [("classification", "Classify the sentiment: I love it"),
                                   ("extraction", "Extract the id from A-1 [[mock: stop=max_tokens models=haiku]]"),
                                   ("reasoning", "Prove it [[mock: usage=missing]]")] {
                let sent = try await CLIHarness.runAsync(
                    ["send", "--policy", defaultPolicy, "--task", task, "--ledger", ledger, "--base-url", server.baseURL, prompt],
                    environment: key)
                #expect(sent.status == 0, "\(sent.stderr)")
            }
        }
        return ledger
    }

    /// The cells of the text table's TOTAL row (columns are separated by two or more spaces).
    func totalCells(_ table: String) throws -> [String] {
        let line = try #require(table.split(separator: "\n").first { $0.hasPrefix("TOTAL") })
        return line.components(separatedBy: "  ").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    @Test("html: a well-formed self-contained page with charts that carries the table's figures; Chromium renders it")
    func htmlPage() async throws {
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let ledger = try await filledLedger(in: directory)
        let table = try CLIHarness.run(["report", "--ledger", ledger, "--by", "model"])
        #expect(table.status == 0, "\(table.stderr)")
        let total = try totalCells(table.stdout) // TOTAL, calls, attempts, input, output, cost, baseline, …
        #expect(total.count >= 7)

        let result = try CLIHarness.run(["report", "--ledger", ledger, "--by", "model", "--format", "html"])
        #expect(result.status == 0, "\(result.stderr)")
        let html = result.stdout
        // Well formed: the page parses as XML (every element closed, every entity numeric).
        let parser = XMLParser(data: Data(html.utf8))
        #expect(parser.parse(), "\(parser.parserError.map(String.init(describing:)) ?? "")")
        // Self-contained: nothing is fetched.
        #expect(!html.contains("src=") && !html.contains("href=") && !html.contains("@import") && !html.contains("url("))
        #expect(html.components(separatedBy: "<svg").count - 1 == 5)
        for heading in ["Cost and savings per day (UTC)", "By task", "By model (the model that answered)",
                        "Escalation rate and cost by task", "Prompt caching and unpriced calls by model"] {
            #expect(html.contains(heading), "\(heading)")
        }
        // Every section heading is distinct (the full table by task was a second "By task").
        let headings = html.components(separatedBy: "<h2>").dropFirst().map { $0.prefix { $0 != "<" } }
        #expect(Set(headings).count == headings.count && headings.contains("All columns by model"), "\(headings)")
        let byTask = try CLIHarness.run(["report", "--ledger", ledger, "--by", "task", "--format", "html"])
        let taskHeadings = byTask.stdout.components(separatedBy: "<h2>").dropFirst().map { $0.prefix { $0 != "<" } }
        #expect(Set(taskHeadings).count == taskHeadings.count && taskHeadings.contains("All columns by task"), "\(taskHeadings)")
        // The figures: the TOTAL row's calls, cost (a lower bound: one call is unpriced) and baseline.
        #expect(html.contains("<td>TOTAL</td><td class=\"n\">\(total[1])</td><td class=\"n\">\(total[2])</td>"))
        #expect(total[5].hasPrefix("≥ $") && html.contains(total[5]) && html.contains(total[6]))
        #expect(html.contains("\(total[1]) calls (\(total[2]) attempts) cost \(total[5])"))
        #expect(html.contains("1 attempt(s) are unpriced"))
        #expect(html.contains("claude-sonnet-4-6") && html.contains("claude-opus-4-8"))

        let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
            .first { FileManager.default.isExecutableFile(atPath: $0) }
        let browser = try #require(chromium, "no Chromium: scripts/test.sh installs it (apt package chromium)")
        let page = directory.appendingPathComponent("report.html")
        try html.write(to: page, atomically: true, encoding: .utf8)
        let dom = try await CLIHarness.runAsync(
            ["120", browser, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", "file://\(page.path)"],
            executable: URL(fileURLWithPath: "/usr/bin/timeout"), directory: directory)
        #expect(dom.stdout.contains("<svg") && dom.stdout.contains("TOTAL"), "\(dom.stderr.suffix(500))")
        let shot = directory.appendingPathComponent("report.png").path
        _ = try await CLIHarness.runAsync(
            ["120", browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1200,2400",
             "--screenshot=\(shot)", "file://\(page.path)"], executable: URL(fileURLWithPath: "/usr/bin/timeout"), directory: directory)
        let png = try Data(contentsOf: URL(fileURLWithPath: shot))
        #expect(png.count > 20_000 && png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
    }

    @Test("markdown and csv carry the same TOTAL as the table; an empty selection says so in every page format")
    func markdownAndCSV() async throws {
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let ledger = try await filledLedger(in: directory)
        let total = try totalCells(try CLIHarness.run(["report", "--ledger", ledger, "--by", "task"]).stdout)

        let markdown = try CLIHarness.run(["report", "--ledger", ledger, "--by", "task", "--format", "markdown"])
        #expect(markdown.status == 0, "\(markdown.stderr)")
        #expect(markdown.stdout.hasPrefix("# Cost report: "))
        for heading in ["## Cost per day (UTC)", "## By task", "## By model", "## All columns by task"] {
            #expect(markdown.stdout.components(separatedBy: "\n").filter { $0 == heading }.count == 1, "\(heading)")
        }
        // Every table's header names each column (the views' bar column had an empty header).
        let markdownLines = markdown.stdout.components(separatedBy: "\n")
        for (index, line) in markdownLines.enumerated() where line.hasPrefix("|---") {
            let header = markdownLines[index - 1].split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
            #expect(header.allSatisfy { !$0.trimmingCharacters(in: .whitespaces).isEmpty }, "\(markdownLines[index - 1])")
        }
        let mdTotal = try #require(markdown.stdout.split(separator: "\n").first { $0.hasPrefix("| **TOTAL** |") })
        #expect(mdTotal.hasPrefix("| **TOTAL** | \(total[1]) | \(total[2]) | \(total[3]) | \(total[4]) | \(total[5]) | \(total[6]) |"))

        let csv = try CLIHarness.run(["report", "--ledger", ledger, "--by", "task", "--format", "csv"])
        #expect(csv.status == 0)
        let lines = csv.stdout.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(lines.count == 5) // header, classification, extraction, reasoning, TOTAL
        #expect(lines.last?.hasPrefix("TOTAL,\(total[1]),\(total[2]),") == true)
        // The unpriced call makes the total's exact cost unknown: an empty field, never 0.
        #expect(lines.last?.split(separator: ",", omittingEmptySubsequences: false)[5] == "")

        // Every column of the table is in the markdown's full table, the flagged count included.
        let mdHeader = try #require(markdownLines.first { $0.hasPrefix("| task | calls |") })
        for column in ["errors", "flagged", "unpriced", "p95"] { #expect(mdHeader.contains("| \(column) |"), "\(column)") }

        // An empty selection is still a page in the format asked for, and says so.
        let emptyMarkdown = try CLIHarness.run(["report", "--ledger", ledger, "--since", "2999-01-01", "--format", "markdown"])
        #expect(emptyMarkdown.status == 0)
        #expect(emptyMarkdown.stdout.hasPrefix("# Cost report: \(ledger) since 2999-01-01\n"), "\(emptyMarkdown.stdout)")
        #expect(emptyMarkdown.stdout.contains("The ledger holds no records for this selection."))
        let emptyHTML = try CLIHarness.run(["report", "--ledger", ledger, "--since", "2999-01-01", "--format", "html"])
        #expect(emptyHTML.status == 0)
        #expect(emptyHTML.stdout.hasPrefix("<!DOCTYPE html>"))
        #expect(XMLParser(data: Data(emptyHTML.stdout.utf8)).parse())
        #expect(emptyHTML.stdout.contains("The ledger holds no records for this selection.") && !emptyHTML.stdout.contains("<svg"))
    }

    @Test("explain --jsonl reads bytes: CRLF, a BOM, blank lines, standard input, lines longer than a read chunk")
    func explainBytes() throws {
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("crlf.jsonl").path
        let long = String(repeating: "Explain why the cache matters, step by step. ", count: 40_000) // ~1.8 MB: crosses chunks
        var text = "\u{FEFF}{\"prompt\": \"Classify the sentiment: I love it\", \"id\": 7}\r\n"
        text += "\r\n  \t \r\n"
        text += "{\"prompt\": \"\(long)\", \"id\": \"long\"}\r\n"
        text += "{\"prompt\": \"caf\\u00e9 \\ud83d\\ude00 \\\"quoted\\\"\", \"task\": \"qa\", \"metadata\": {\"user\": \"u1\"}, \"id\": 1.5e1}\r\n"
        text += "{\"prompt\": \"x\", \"id\": true}\r\n"
        text += "{\"prompt\": \"x\", \"extra\": 1}\r\n"
        text += "{\"prompt\": \"unterminated}"
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try CLIHarness.run(["explain", "--policy", defaultPolicy, "--jsonl", file])
        #expect(result.status == 65)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        let objects = try lines.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        #expect(objects.map { $0["line"] as? Int } == [1, 4, 5]) // lines 2 and 3 are blank
        #expect(objects.map { $0["id"] as? String } == ["7", "long", "15"])
        #expect(objects.allSatisfy { $0["schema_version"] as? Int == 1 && $0["policy"] as? String == "default" })
        #expect(objects[2]["task"] as? String == "qa")
        #expect((objects[1]["estimated_input_tokens"] as? Int ?? 0) > 100_000)
        #expect(result.stderr == "\(file):6: error: \"id\" must be a string or number\n"
            + "\(file):7: error: unknown key 'extra' (expected prompt, task, metadata, id)\n"
            + "\(file):8: error: not valid JSON\n")

        // `-` is standard input; the same decision as from a file.
        let piped = try CLIHarness.run(["explain", "--policy", defaultPolicy, "--jsonl", "-"],
                                       stdin: "{\"prompt\": \"Classify the sentiment: I love it\", \"id\": 7}\n")
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(piped.stdout == lines[0] + "\n")
    }

    @Test("explain --json and --jsonl print the same decision fields")
    func explainJSONMatchesJSONL() throws {
        let single = try CLIHarness.run(["explain", "--policy", defaultPolicy, "--json", "Prove that the square root of 2 is irrational"])
        #expect(single.status == 0, "\(single.stderr)")
        let bulk = try CLIHarness.run(["explain", "--policy", defaultPolicy, "--jsonl", "-"],
                                      stdin: "{\"prompt\": \"Prove that the square root of 2 is irrational\"}\n")
        #expect(bulk.status == 0, "\(bulk.stderr)")
        var one = try #require(try JSONSerialization.jsonObject(with: Data(single.stdout.utf8)) as? [String: Any])
        let many = try #require(try JSONSerialization.jsonObject(with: Data(bulk.stdout.utf8)) as? [String: Any])
        one["line"] = 1
        // The same values, whichever writer produced them: compare canonical re-serializations.
        func canonical(_ object: [String: Any]) throws -> Data { try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) }
        #expect(try canonical(one) == canonical(many))
    }
}
