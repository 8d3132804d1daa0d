import ClaudeMockServer
import Foundation
import Testing

/// The README's library example is the compiled `QuickStart` target (Examples/QuickStart):
/// README.md shows its code verbatim, and the built example runs against the mock.
@Suite("Examples: README snippet and QuickStart")
struct ExampleTests {
    static let beginMarker = "// README snippet begin\n"
    static let endMarker = "// README snippet end\n"

    /// The lines of `Examples/QuickStart/main.swift` between the markers.
    static func exampleSnippet() throws -> String {
        let source = try String(contentsOfFile: CLIHarness.path("Examples/QuickStart/main.swift"), encoding: .utf8)
        let begin = try #require(source.range(of: beginMarker))
        let end = try #require(source.range(of: endMarker, range: begin.upperBound..<source.endIndex))
        return String(source[begin.upperBound..<end.lowerBound])
    }

    /// The first ```swift block after README's "## Using the library" heading.
    static func readmeSnippet() throws -> String {
        let readme = try String(contentsOfFile: CLIHarness.path("README.md"), encoding: .utf8)
        let section = try #require(readme.range(of: "## Using the library\n"))
        let open = try #require(readme.range(of: "```swift\n", range: section.upperBound..<readme.endIndex))
        let close = try #require(readme.range(of: "\n```\n", range: open.upperBound..<readme.endIndex))
        return String(readme[open.upperBound..<close.lowerBound]) + "\n"
    }

    @Test("README's library snippet is the QuickStart example's code, verbatim")
    func readmeShowsTheCompiledExample() throws {
        #expect(try Self.readmeSnippet() == Self.exampleSnippet())
    }

    @Test("QuickStart without ANTHROPIC_API_KEY exits 2 and says what to set")
    func quickStartWithoutKeyFailsClearly() throws {
        let quickStart = try #require(CLIHarness.product("QuickStart"), "run `swift build --build-tests` first")
        let result = try CLIHarness.run([], executable: quickStart)
        #expect(result.status == 2)
        #expect(result.stderr.contains("set ANTHROPIC_API_KEY"))
        #expect(result.stdout.isEmpty)
    }

    @Test("QuickStart routes its request through the mock and prints the reply, reason and cost")
    func quickStartRunsAgainstTheMock() async throws {
        let quickStart = try #require(CLIHarness.product("QuickStart"), "run `swift build --build-tests` first")
        // The example's paths are relative: run it in a scratch copy of the policies.
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // policies/*.yaml are symlinks into Sources/RouterPolicies/Resources: copy their contents.
        let source = CLIHarness.packageRoot.appendingPathComponent("policies")
        let target = directory.appendingPathComponent("policies")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: source.path) where !name.hasPrefix(".") {
            let file = source.appendingPathComponent(name).resolvingSymlinksInPath()
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: file.path, isDirectory: &isDirectory), !isDirectory.boolValue
            else { continue }
            try Data(contentsOf: file).write(to: target.appendingPathComponent(name))
        }
        let server = MockAnthropicServer(configuration: .init(host: "127.0.0.1", port: 0))
        try await server.start()
        let result: CLIResult
        do {
            result = try await CLIHarness.runAsync(
                [], environment: ["ANTHROPIC_API_KEY": "test-key-not-real", "ANTHROPIC_BASE_URL": server.baseURL],
                executable: quickStart, directory: directory)
        } catch {
            await server.stop()
            throw error
        }
        let messages = server.stats.requests(to: .messages)
        await server.stop()
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(messages >= 1)
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        // reply text (may span lines), then the decision's reason, then "cost savings".
        #expect(lines.count >= 3)
        #expect(result.stdout.contains("extraction"))
        #expect(result.stdout.contains("$"))
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("claude-costs.sqlite").path))
    }
}
