import Foundation
import Testing
@testable import RouterPolicies

@Suite("YAML parsing")
struct YAMLParsingTests {
    func parse(_ text: String) throws -> YAMLNode { try YAMLDocument.parse(text, file: "t.yaml") }

    func rendered(_ text: String) -> String? {
        do throws(PolicyError) {
            _ = try YAMLDocument.parse(text, file: "t.yaml")
            return nil
        } catch {
            return error.description
        }
    }

    @Test func marksAreOneBasedForNestedNodes() throws {
        let root = try parse("""
            name: demo
            tiers:
              - name: small
                model: claude-haiku-4-5
              - {name: big, model: "claude-opus-5"}
            """)
        #expect(root.mark == SourceMark(file: "t.yaml", line: 1, column: 1))
        #expect(root["name"]?.mark == SourceMark(file: "t.yaml", line: 1, column: 7))
        let tiers = try #require(root["tiers"]?.sequence)
        #expect(tiers[0].mark.line == 3 && tiers[0].mark.column == 5)
        #expect(tiers[0]["model"]?.mark == SourceMark(file: "t.yaml", line: 4, column: 12))
        #expect(tiers[1]["model"]?.mark == SourceMark(file: "t.yaml", line: 5, column: 24))
        #expect(tiers[1]["model"]?.value == .scalar("claude-opus-5", tag: nil, style: .doubleQuoted))
    }

    @Test func scalarsKeepStyleAndTag() throws {
        let root = try parse("a: 1\nb: \"1\"\nc: '1'\nd: !!str 1\ne: |\n  text\n")
        #expect(root["a"]?.value == .scalar("1", tag: nil, style: .plain))
        #expect(root["b"]?.value == .scalar("1", tag: nil, style: .doubleQuoted))
        #expect(root["c"]?.value == .scalar("1", tag: nil, style: .singleQuoted))
        #expect(root["d"]?.value == .scalar("1", tag: YAMLTag.string, style: .plain))
        #expect(root["e"]?.value == .scalar("text\n", tag: nil, style: .literal))
        #expect(root["a"]?.kindDescription == "the number 1")
        #expect(root["b"]?.kindDescription == "the quoted string \"1\"")
        #expect(root["d"]?.kindDescription == "the string \"1\"")
    }

    @Test func nullsAndEmptyDocuments() throws {
        #expect(try parse("").isNull)
        #expect(try parse("---\n").isNull)
        #expect(try parse("# only a comment\n").mark == SourceMark(file: "t.yaml", line: 1, column: 1))
        let root = try parse("a:\nb: ~\nc: null\nd: ''\n")
        #expect(root["a"]?.isNull == true && root["b"]?.isNull == true && root["c"]?.isNull == true)
        #expect(root["d"]?.isNull == false)
    }

    @Test func anchorsAndAliasesAreResolved() throws {
        let root = try parse("""
            base: &base
              model: claude-sonnet-5
              max: 100
            copy: *base
            list: [&one 1, *one]
            """)
        #expect(root["copy"] == root["base"])
        #expect(root["copy"]?["model"]?.mark.line == 2)  // an alias keeps the anchored node's marks
        #expect(root["list"]?.sequence?.map(\.scalar) == ["1", "1"])
    }

    @Test func mergeKeysLetExplicitKeysWin() throws {
        let root = try parse("""
            defaults: &defaults
              model: claude-haiku-4-5
              max: 100
            more: &more
              max: 200
              temperature: 0
            tier:
              <<: [*defaults, *more]
              max: 300
            single:
              <<: *more
              name: s
            """)
        let tier = try #require(root["tier"]?.mapping)
        #expect(tier.map(\.key.scalar) == ["max", "model", "temperature"])
        #expect(root["tier"]?["max"]?.scalar == "300")                 // explicit wins over both
        #expect(root["tier"]?["model"]?.scalar == "claude-haiku-4-5")
        #expect(root["single"]?["max"]?.scalar == "200")
        #expect(root["single"]?["name"]?.scalar == "s")
        // An earlier merge source wins over a later one.
        let ordered = try parse("a: &a {x: 1}\nb: &b {x: 2}\nc:\n  <<: [*a, *b]\n")
        #expect(ordered["c"]?["x"]?.scalar == "1")
    }

    @Test func undefinedAliasIsAnErrorAtItsMark() {
        #expect(rendered("a: &x 1\nb: *y\n") == """
            t.yaml:2:4: error: undefined alias '*y' (no '&y' anchor before it)
            b: *y
               ^
            """)
    }

    @Test func duplicateKeysAreReportedWithTheFirstDefinition() {
        #expect(rendered("a: 1\nb:\n  c: 2\n  c: 3\na: 4\n") == """
            t.yaml:4:3: error: duplicate key 'c' in this mapping
              c: 3
              ^
            t.yaml:3:3: note: 'c' is first defined here
              c: 2
              ^
            t.yaml:5:1: error: duplicate key 'a' in this mapping
            a: 4
            ^
            t.yaml:1:1: note: 'a' is first defined here
            a: 1
            ^
            """)
    }

    @Test func badMergeValueIsAnError() {
        #expect(rendered("a:\n  <<: 3\n  b: 1\n") == """
            t.yaml:2:7: error: a merge key '<<' needs a mapping or a sequence of mappings, found the number 3
              <<: 3
                  ^
            """)
    }

    @Test func multipleDocumentsNeedParseAll() throws {
        let text = "a: 1\n---\nb: 2\n"
        #expect(rendered(text) == """
            t.yaml:2:1: error: expected a single YAML document, found another one (remove the extra '---' section)
            ---
            ^
            """)
        let documents = try YAMLDocument.parseAll(text, file: "t.yaml")
        #expect(documents.count == 2)
        #expect(documents[1]["b"]?.mark == SourceMark(file: "t.yaml", line: 3, column: 4))
        #expect(try YAMLDocument.parseAll("", file: "t.yaml").isEmpty)
        // Anchors do not leak from one document into the next.
        #expect(throws: PolicyError.self) { try YAMLDocument.parseAll("a: &x 1\n---\nb: *x\n", file: "t.yaml") }
    }

    @Test func deepNestingIsRefusedNotACrash() {
        let deep = String(repeating: "[", count: 2000) + String(repeating: "]", count: 2000)
        #expect(rendered(deep)?.hasPrefix("t.yaml:1:258: error: nesting is deeper than 256 levels") == true)
    }

    @Test func aliasExpansionIsCappedWithALocatedError() throws {
        // Each level is ten aliases of the previous one: level d expands to 11,111 nodes, so the
        // eighth '*d' of level e takes the document past 100,000 expanded nodes.
        let laughs = """
            a: &a [x, x, x, x, x, x, x, x, x, x]
            b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
            c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
            d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
            e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
            """
        #expect(rendered(laughs) == """
            t.yaml:5:36: error: alias '*d' expands the document beyond 100,000 nodes; nested aliases multiply (a "billion laughs" document?)
            e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
                                               ^
            """)
        // The classic nine-level version is refused just as quickly, and through Policy.parse too.
        var classic = "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for level in 1...9 {
            classic += "l\(level): &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        let error = try #require(rendered(classic))
        #expect(error.hasPrefix("t.yaml:5:45: error: alias '*l3'"))
        #expect(error.contains("expands the document beyond 100,000 nodes"))
        #expect(throws: PolicyError.self) { try Policy.parse(yaml: classic, file: "laughs.yaml") }
        // Under the cap, aliases still resolve: level d alone is 12,349 expanded nodes.
        let fine = try parse(laughs.split(separator: "\n").prefix(4).joined(separator: "\n"))
        #expect(fine["d"]?.sequence?.first?.sequence?.count == 10)
    }

    @Test func crlfLinesAreQuotedWithoutTheCarriageReturn() {
        #expect(rendered("a: 1\r\na: 2\r\n") == """
            t.yaml:2:1: error: duplicate key 'a' in this mapping
            a: 2
            ^
            t.yaml:1:1: note: 'a' is first defined here
            a: 1
            ^
            """)
    }
}
