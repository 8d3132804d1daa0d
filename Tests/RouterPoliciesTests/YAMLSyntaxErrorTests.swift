import Foundation
import Testing
@testable import RouterPolicies

/// Real broken YAML: libyaml's problem text at its (1-based) line and column, with the line and a caret.
@Suite("YAML syntax errors")
struct YAMLSyntaxErrorTests {
    func fixture(_ name: String) throws -> String {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "yaml", subdirectory: "Fixtures/yaml"))
        return try String(contentsOf: url, encoding: .utf8)
    }

    func rendered(_ text: String, file: String = "t.yaml") -> String? {
        do throws(PolicyError) {
            _ = try YAMLDocument.parse(text, file: file)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func unclosedQuoteRunsToTheEndOfTheFile() throws {
        // The file ends after line 4, so the end of stream is line 5, column 1 (an empty line).
        #expect(rendered(try fixture("broken-quote"), file: "broken-quote.yaml") == """
            broken-quote.yaml:5:1: error: invalid YAML: found unexpected end of stream

            ^
            broken-quote.yaml:3:11: note: while scanning a quoted scalar that starts here
              - name: "small
                      ^
            """)
    }

    @Test func tabIndentationIsRefusedWithAHint() throws {
        #expect(rendered(try fixture("broken-tab"), file: "broken-tab.yaml") == """
            broken-tab.yaml:3:1: error: invalid YAML: found character that cannot start any token (while scanning for the next token); indent with spaces: YAML does not allow tabs for indentation
            \t- name: small
            ^
            """)
        #expect(rendered("tiers:\n  - name: a\n\t  model: x\n") == """
            t.yaml:3:1: error: invalid YAML: found a tab character that violates indentation; indent with spaces: YAML does not allow tabs for indentation
            \t  model: x
            ^
            t.yaml:2:11: note: while scanning a plain scalar that starts here
              - name: a
                      ^
            """)
    }

    @Test func caretKeepsTabsBeforeTheColumn() {
        // A tab before the error column is copied into the caret line so terminals align it.
        #expect(rendered("a:\t[1, 2\n") == """
            t.yaml:2:1: error: invalid YAML: did not find expected ',' or ']'

            ^
            t.yaml:1:4: note: while parsing a flow sequence that starts here
            a:\t[1, 2
              \t^
            """)
    }

    @Test func badIndentation() throws {
        #expect(rendered(try fixture("broken-indent"), file: "broken-indent.yaml") == """
            broken-indent.yaml:5:4: error: invalid YAML: did not find expected '-' indicator
               bad: 1
               ^
            broken-indent.yaml:3:3: note: while parsing a block collection that starts here
              - name: small
              ^
            """)
        #expect(rendered("a:\n  b: 1\n c: 2\n") == """
            t.yaml:3:2: error: invalid YAML: did not find expected key
             c: 2
             ^
            t.yaml:1:1: note: while parsing a block mapping that starts here
            a:
            ^
            """)
    }

    @Test func mappingValueInAPlainScalar() {
        #expect(rendered("a: b: c\n") == """
            t.yaml:1:5: error: invalid YAML: mapping values are not allowed in this context
            a: b: c
                ^
            """)
    }

    @Test func mergeFixtureResolves() throws {
        let root = try YAMLDocument.parse(try fixture("merge"), file: "merge.yaml")
        let tiers = try #require(root["tiers"]?.sequence)
        #expect(tiers[0]["context_window"]?.scalar == "200000")
        #expect(tiers[0]["max_output_tokens"]?.scalar == "8192")
        #expect(tiers[1]["max_output_tokens"]?.scalar == "32000")
        #expect(tiers[1]["max_output_tokens"]?.mark == SourceMark(file: "merge.yaml", line: 12, column: 24))
        // A merged value keeps the mark of its definition under the anchor.
        #expect(tiers[1]["context_window"]?.mark == SourceMark(file: "merge.yaml", line: 3, column: 19))
    }
}
