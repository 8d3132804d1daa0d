@testable import ClaudeMockServer
import Testing

@Suite("Directive grammar")
struct DirectiveGrammarTests {
    @Test func parsesEveryKey() throws {
        let text = """
            hello [[mock: reply=Hi_there json stop=refusal status=529 retry-after=1.5 retry-after-ms=250 \
            should-retry=false error-after=3 cache-read=10 cache-write-5m=20 cache-write-1h=30 geo=us delay-ms=5 \
            stall reset malformed split=7 ping=2 tool=get_weather slow-ms=4 models=haiku,Sonnet]]
            """
        let directive = try #require(MockDirective.directives(in: text).first)
        #expect(directive.reply == "Hi there")
        #expect(directive.json == true)
        #expect(directive.stop == "refusal")
        #expect(directive.status == 529)
        #expect(directive.retryAfter == "1.5")
        #expect(directive.retryAfterMs == 250)
        #expect(directive.shouldRetry == false)
        #expect(directive.errorAfter == 3)
        #expect(directive.cacheRead == 10)
        #expect(directive.cacheWrite5m == 20)
        #expect(directive.cacheWrite1h == 30)
        #expect(directive.geo == "us")
        #expect(directive.delayMs == 5)
        #expect(directive.stall == true)
        #expect(directive.reset == true)
        #expect(directive.malformed == true)
        #expect(directive.split == 7)
        #expect(directive.pings == 2)
        #expect(directive.tool == "get_weather")
        #expect(directive.slowMs == 4)
        #expect(directive.models == ["haiku", "sonnet"])
    }

    @Test func quotedReplyKeepsUnderscoresAndSpaces() throws {
        let directive = try #require(MockDirective.directives(in: #"[[mock: reply="a_b c" stop=end_turn]]"#).first)
        #expect(directive.reply == "a_b c")
        #expect(directive.stop == "end_turn")
    }

    @Test(arguments: [
        "[[mock: status=abc]]", "[[mock: status=200]]", "[[mock: unknown=1]]", "[[mock: stop=bogus]]",
        #"[[mock: reply="unterminated]]"#, "[[mock: split=0]]", "[[mock: retry-after=-1]]", "[[mock: status=529",
        "[[mock: cache-read=-5]]", "[[mock: models=]]",
    ])
    func malformedDirectivesAreIgnored(text: String) {
        #expect(MockDirective.directives(in: text).isEmpty)
        #expect(MockDirective.stripping(text) == text)
    }

    @Test func firstDirectiveMatchingTheModelWins() throws {
        let text = "[[mock: models=opus reply=big]] [[mock: models=haiku,sonnet reply=small]] [[mock: reply=any]]"
        #expect(MockDirective.select(in: text, model: "claude-haiku-4-5")?.reply == "small")
        #expect(MockDirective.select(in: text, model: "claude-OPUS-5")?.reply == "big")
        #expect(MockDirective.select(in: text, model: "some-other-model")?.reply == "any")
        #expect(MockDirective.select(in: "[[mock: models=opus status=529]]", model: "claude-haiku-4-5") == nil)
    }

    @Test func strippingRemovesOnlyWellFormedBlocks() {
        let text = "keep [[mock: status=529]]this [[mock: bogus=1]]"
        #expect(MockDirective.stripping(text) == "keep this [[mock: bogus=1]]")
    }

    @Test func headerGrammarAcceptsBareAndBracketedForms() throws {
        #expect(MockDirective.parse(header: "status=429 retry-after=2", model: nil)?.status == 429)
        #expect(MockDirective.parse(header: "[[mock: reset]]", model: nil)?.reset == true)
        #expect(MockDirective.parse(header: "status=nope", model: nil) == nil)
    }

    @Test func faultsLayerAndDescribeThemselves() throws {
        let fault = MockFault.status(529, retryAfter: 0.5).and(.shouldRetry(false))
        #expect(fault.description == "status=529 retry-after=0.5 should-retry=false")
        #expect(MockFault(directive: "status=529 retry-after=0.5 should-retry=false") == fault)
        #expect(MockFault(directive: "status=ok") == nil)
        #expect(MockFault.status(429, retryAfter: 2).description == "status=429 retry-after=2")
    }
}
